"""Describe a library as JSON and rebuild it, treating the description as untrusted input.

A description is ``{"class": name, "params": {...}}``, nested for composed libraries. Only the
library classes of :mod:`sparseid._registry` can be named (by public path, e.g.
``"sparseid.libraries.PolynomialLibrary"``, or by bare class name as ``library.to_dict()`` writes
it), every parameter is checked as the class checks it, and a library is fitted only when the
number of terms it would build is bounded (:data:`MAX_TERMS`), so a small description cannot ask
for a huge library.
"""

from __future__ import annotations

import math
import numbers

from .._registry import check_params, public_path, resolve
from ._base import BaseLibrary
from ._compose import ConcatLibrary, TensoredLibrary, _ComposedLibrary
from ._fourier import FourierLibrary
from ._identity import IdentityLibrary
from ._polynomial import PolynomialLibrary

__all__ = ["MAX_TERMS", "build_library", "library_from_dict", "library_to_dict"]

#: Most terms (and most inputs) a library rebuilt from a description may have.
MAX_TERMS = 100_000
# Composed libraries nest at most this deep in a description.
_MAX_DEPTH = 16


def _scalar(value, where):
    if isinstance(value, numbers.Number) and hasattr(value, "item"):
        value = value.item()  # numpy scalars
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise TypeError(
        f"{where}={value!r} cannot be saved as JSON (only numbers, strings and booleans can); "
        "save the model with pickle instead"
    )


def library_to_dict(library, where="library"):
    """JSON description of ``library``, naming each class by its public path.

    Parameters
    ----------
    library : BaseLibrary
        One of sparseid's own libraries (not a subclass, not a `CustomLibrary`).
    where : str
        The library's place in the model, for error messages.

    Returns
    -------
    dict

    Raises
    ------
    TypeError
        For libraries JSON cannot describe (the message points to pickle).

    Examples
    --------
    >>> from sparseid.libraries import PolynomialLibrary
    >>> library_to_dict(PolynomialLibrary(degree=3))["class"]
    'sparseid.libraries.PolynomialLibrary'
    """
    path = public_path(library, "library", where)
    if isinstance(library, _ComposedLibrary):
        parts = [
            library_to_dict(lib, f"{where}.libraries[{i}]")
            for i, lib in enumerate(library.libraries)
        ]
        return {"class": path, "params": {"libraries": parts}}
    if hasattr(library, "_json_params"):  # structured parameters (surfaces, nested base)
        return {"class": path, "params": library._json_params(where, library_to_dict)}
    params = library.get_params(deep=False)
    return {"class": path, "params": {k: _scalar(v, f"{where}.{k}") for k, v in params.items()}}


def build_library(d, where, depth=0):
    """Rebuild an unfitted library from a description, checking every field.

    Parameters
    ----------
    d : object
        The description, as parsed from JSON.
    where : str
        Its name in error messages (``"state.library"``).
    depth : int
        Nesting depth of ``d`` within composed libraries.

    Returns
    -------
    BaseLibrary

    Raises
    ------
    ValueError
        Naming the field that is wrong.
    """
    if depth > _MAX_DEPTH:
        raise ValueError(f"{where}: composed libraries nest deeper than {_MAX_DEPTH} levels")
    if not isinstance(d, dict) or "class" not in d:
        raise ValueError(f"{where} is not a library description (no 'class'): {_short(d)}")
    unknown = sorted(set(d) - {"class", "params"})
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {unknown}")
    entry = resolve(d["class"], "library", f"{where}.class")
    params = d.get("params", {})
    if not isinstance(params, dict):
        raise ValueError(f"{where}.params must be a JSON object, got {type(params).__name__}")
    allowed = entry.cls._get_param_names()
    unknown = sorted(set(params) - set(allowed), key=str)
    if unknown:
        raise ValueError(f"{where}.params has unknown parameter(s) {unknown} (known: {allowed})")
    if issubclass(entry.cls, _ComposedLibrary):
        parts = params.get("libraries")
        if not isinstance(parts, list) or not parts:
            raise ValueError(f"{where}.params.libraries must be a non-empty list of libraries")
        library = entry.cls(
            [
                build_library(p, f"{where}.params.libraries[{i}]", depth + 1)
                for i, p in enumerate(parts)
            ]
        )
    elif hasattr(entry.cls, "_params_from_json"):
        kwargs = entry.cls._params_from_json(
            params, f"{where}.params", lambda d, field: build_library(d, field, depth + 1)
        )
        library = entry.cls(**kwargs)
    else:
        for key, value in params.items():
            if not (value is None or isinstance(value, bool | int | str)) and not (
                isinstance(value, float) and math.isfinite(value)
            ):
                raise ValueError(f"{where}.params.{key} must be a number, string or boolean")
        library = entry.cls(**params)
    return check_params(entry, library, f"{where}.params")


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def count_terms(library, n_features):
    """Upper bound of the number of terms ``library`` makes from ``n_features`` inputs.

    Exact for the basic libraries; composed libraries drop duplicate terms, so their count can
    be lower. Stops counting past :data:`MAX_TERMS`.
    """
    n = n_features
    if hasattr(library, "_count_terms"):  # a library that counts its own terms
        return library._count_terms(n, count_terms)
    if isinstance(library, PolynomialLibrary):
        degree, start = int(library.degree), 0 if library.include_bias else 1
        if library.interaction_only:
            return sum(math.comb(n, k) for k in range(start, min(degree, n) + 1))
        return math.comb(n + degree, min(n, degree)) - start
    if isinstance(library, FourierLibrary):
        return (
            int(library.n_frequencies) * n * (bool(library.include_sin) + bool(library.include_cos))
        )
    if isinstance(library, IdentityLibrary):
        return n
    counts = [count_terms(lib, n) for lib in library.libraries]
    if isinstance(library, ConcatLibrary):
        return sum(counts)
    if isinstance(library, TensoredLibrary):
        return math.prod(min(c, MAX_TERMS + 1) for c in counts)
    raise TypeError(f"count_terms: {type(library).__name__} is not a registered library")


def fit_library(library, n_features_in, where, feature_names_in=None):
    """Fit ``library`` for ``n_features_in`` inputs without data, when its size is bounded."""
    if isinstance(n_features_in, bool) or not isinstance(n_features_in, numbers.Integral):
        raise ValueError(f"{where}: n_features_in={n_features_in!r} must be an integer")
    if not 1 <= n_features_in <= MAX_TERMS:
        raise ValueError(f"{where}: n_features_in={n_features_in} must be in [1, {MAX_TERMS}]")
    count = count_terms(library, int(n_features_in))
    if count > MAX_TERMS:
        shown = str(count) if count < 10**20 else "more than 10**20"
        raise ValueError(
            f"{where} would build {shown} candidate terms for {n_features_in} inputs, more "
            f"than the {MAX_TERMS} a loaded library may have"
        )
    return library._fit_without_data(int(n_features_in), feature_names_in)


def library_from_dict(d, n_features_in=None, feature_names_in=None) -> BaseLibrary:
    """Rebuild a library from ``library.to_dict()``, optionally already fitted.

    Parameters
    ----------
    d : dict
        Description made by a library's ``to_dict`` or by :func:`library_to_dict` (class name
        and parameters, nested for composed libraries), e.g. after a JSON round trip. Only
        sparseid's own library classes can be named.
    n_features_in : int, optional
        When given, the library is returned fitted for that many inputs, so it can transform
        without seeing data again (as a loaded model needs). At most :data:`MAX_TERMS` inputs
        and terms.
    feature_names_in : list of str, optional
        Input names to restore as ``feature_names_in_`` (only with ``n_features_in``).

    Returns
    -------
    library : BaseLibrary
        A library whose ``transform`` equals the original's.

    Raises
    ------
    ValueError
        When the description names another class, has unknown keys or invalid parameters, or
        would build more than :data:`MAX_TERMS` terms.

    Examples
    --------
    >>> from sparseid.libraries import PolynomialLibrary
    >>> lib = library_from_dict(PolynomialLibrary(degree=3).to_dict(), n_features_in=2)
    >>> lib.n_output_features_
    10
    """
    try:
        library = build_library(d, "d")
        if n_features_in is not None:
            return fit_library(library, n_features_in, "d", feature_names_in)
    except ValueError as exc:
        raise ValueError(f"library_from_dict: {exc}") from None
    if feature_names_in is not None:
        raise ValueError("library_from_dict: feature_names_in needs n_features_in")
    return library
