"""Rebuild a library from its JSON description (``library.to_dict()``)."""

from __future__ import annotations

from ._base import BaseLibrary
from ._compose import ConcatLibrary, TensoredLibrary
from ._fourier import FourierLibrary
from ._identity import IdentityLibrary
from ._polynomial import PolynomialLibrary

__all__ = ["library_from_dict"]

_LIBRARIES = {cls.__name__: cls for cls in (PolynomialLibrary, FourierLibrary, IdentityLibrary)}
_COMPOSED = {cls.__name__: cls for cls in (ConcatLibrary, TensoredLibrary)}


def _build(d, where):
    if not isinstance(d, dict) or "class" not in d:
        raise ValueError(f"library_from_dict: {where} is not a library description: {d!r}")
    name, params = d["class"], dict(d.get("params", {}))
    if name in _COMPOSED:
        parts = params.get("libraries")
        if not isinstance(parts, list):
            raise ValueError(f"library_from_dict: {where} ({name}) has no list of libraries")
        return _COMPOSED[name](
            [_build(part, f"{where}.libraries[{i}]") for i, part in enumerate(parts)]
        )
    if name not in _LIBRARIES:
        known = sorted(_LIBRARIES) + sorted(_COMPOSED)
        raise ValueError(f"library_from_dict: {where} has unknown class {name!r}; known: {known}")
    return _LIBRARIES[name](**params)


def library_from_dict(d, n_features_in=None, feature_names_in=None) -> BaseLibrary:
    """Rebuild a library from ``library.to_dict()``, optionally already fitted.

    Parameters
    ----------
    d : dict
        Description made by a library's ``to_dict`` (class name and parameters, nested for
        composed libraries), e.g. after a JSON round trip.
    n_features_in : int, optional
        When given, the library is returned fitted for that many inputs, so it can transform
        without seeing data again (as a loaded model needs).
    feature_names_in : list of str, optional
        Input names to restore as ``feature_names_in_`` (only with ``n_features_in``).

    Returns
    -------
    library : BaseLibrary
        A library whose ``transform`` equals the original's.

    Examples
    --------
    >>> from sparseid.libraries import PolynomialLibrary
    >>> lib = library_from_dict(PolynomialLibrary(degree=3).to_dict(), n_features_in=2)
    >>> lib.n_output_features_
    10
    """
    library = _build(d, "d")
    if n_features_in is not None:
        library._fit_without_data(n_features_in, feature_names_in)
    elif feature_names_in is not None:
        raise ValueError("library_from_dict: feature_names_in needs n_features_in")
    return library
