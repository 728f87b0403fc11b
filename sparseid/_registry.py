"""The allow-list of what a saved description may name: models, libraries, optimizers,
differentiators and library terms.

A model file names classes by string; the loader rebuilds only classes listed here and never
looks a name up in the package at large. Each entry is keyed by the class's **public path**,
``sparseid.<subpackage>.<ClassName>`` (the subpackage that exports it: ``sparseid.models.SINDy``,
``sparseid.libraries.PolynomialLibrary``, ``sparseid.optimizers.STLSQ``,
``sparseid.differentiation.FiniteDifference``), which stays valid when private modules move. Two
aliases keep older descriptions readable and resolve to the same entries, i.e. always to
sparseid's own classes: the bare class name (format version 1 and ``library.to_dict()``) and the
private module path (``sparseid.optimizers._stlsq.STLSQ``, format version 1); a term's short
``type`` (``"power"``) is a third.

The table is written out below, not filled in by ``__init_subclass__``: a user's subclass, even
one named ``SINDy``, is never registered, cannot be loaded under sparseid's names, and is refused
by :func:`public_path` (so saving it points to pickle). Constructors only store their
arguments, so :func:`check_params` checks every rebuilt object with its class's own declared
rules (``_check_params()``, see :mod:`sparseid._params`): the same check for every class.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

__all__ = ["KINDS", "PARAM_KINDS", "Entry", "check_params", "entries", "public_path", "resolve"]

#: What a registered class is; a model file says which kind it expects at each place.
KINDS = ("model", "library", "optimizer", "differentiation", "term", "weak_form")
#: Constructor arguments of a model that may hold an estimator, and the kind they hold.
PARAM_KINDS = {
    "feature_library": "library",
    "optimizer": "optimizer",
    "differentiation_method": "differentiation",
    "weak_form": "weak_form",
}


class Entry(NamedTuple):
    """One registered class: its kind, public path and the class."""

    kind: str
    path: str
    cls: type


@functools.cache
def entries():
    """Every registered class, as a tuple of :class:`Entry` (imported on first use).

    Returns
    -------
    tuple of Entry
    """
    from . import differentiation as diff
    from . import libraries as lib
    from . import optimizers as opt
    from . import weak
    from .models import LinearModel, NeuralODE, SINDy

    table = {
        ("model", "models"): (SINDy, LinearModel, NeuralODE),
        ("optimizer", "optimizers"): (
            opt.STLSQ,
            opt.LeastSquares,
            opt.SR3,
            opt.SSR,
            opt.FROLS,
            opt.BestSubset,
            opt.ConstrainedSR3,
            opt.EnsembleOptimizer,
        ),
        ("weak_form", "weak"): (weak.WeakForm,),
        ("differentiation", "differentiation"): (
            diff.FiniteDifference,
            diff.SavitzkyGolay,
            diff.Spectral,
            diff.SmoothingSpline,
            diff.TotalVariation,
        ),
        ("library", "libraries"): (
            lib.PolynomialLibrary,
            lib.FourierLibrary,
            lib.IdentityLibrary,
            lib.ConcatLibrary,
            lib.TensoredLibrary,
            lib.HingeLibrary,
            lib.SwitchedLibrary,
            lib.ParametricLibrary,
        ),
        ("term", "libraries"): (
            lib.PowerTerm,
            lib.FourierTerm,
            lib.FunctionTerm,
            lib.ProductTerm,
            lib.StepTerm,
            lib.HingeTerm,
            lib.ParametricTerm,
        ),
    }
    return tuple(
        Entry(kind, f"sparseid.{package}.{cls.__name__}", cls)
        for (kind, package), classes in table.items()
        for cls in classes
    )


@functools.cache
def _lookup(kind):
    """Names (public path and aliases) of the entries of one kind.

    The aliases are the bare class name, the private module path and, for terms, the short
    ``type`` a term description has always carried (``"power"``, ``"fourier"``, ...).
    """
    names = {}
    for entry in entries():
        if entry.kind == kind:
            cls = entry.cls
            aliases = [cls.__name__, f"{cls.__module__}.{cls.__qualname__}"]
            aliases += [cls.type_name] if kind == "term" else []
            for name in (entry.path, *aliases):
                names[name] = entry
    return names


def _kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} must be one of {KINDS}")
    return kind


def resolve(name, kind, field):
    """The registered entry of ``kind`` called ``name`` (public path or alias).

    Parameters
    ----------
    name : object
        The name read from a file; anything but a registered name raises.
    kind : {"model", "library", "optimizer", "differentiation", "term"}
        The kind expected at that place of the file.
    field : str
        Where the name was read, for the error message (e.g. ``"params.optimizer"``).

    Returns
    -------
    Entry

    Raises
    ------
    ValueError
        When ``name`` is not a string naming a registered class of that kind.

    Examples
    --------
    >>> resolve("sparseid.optimizers.STLSQ", "optimizer", "params.optimizer").cls.__name__
    'STLSQ'
    >>> resolve("SINDy", "model", "class").path
    'sparseid.models.SINDy'
    """
    names = _lookup(_kind(kind))
    entry = names.get(name) if isinstance(name, str) else None
    if entry is None:
        shown = repr(name) if len(repr(name)) <= 80 else repr(name)[:77] + "..."
        known = sorted({e.path for e in names.values()})
        raise ValueError(
            f"{field}: unknown class {shown} (not one of sparseid's {kind} classes {known})"
        )
    return entry


def public_path(obj, kind, field):
    """The public path of ``obj``'s class, which must be exactly a registered class of ``kind``.

    Parameters
    ----------
    obj : object
        An instance to save.
    kind : {"model", "library", "optimizer", "differentiation"}
        The kind expected at that place.
    field : str
        Where ``obj`` sits in the model, for the error message.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        For any other class, including subclasses of registered ones: JSON describes only
        sparseid's own classes, so the message points to pickle.
    """
    cls = type(obj)
    for entry in entries():
        if entry.cls is cls and entry.kind == _kind(kind):
            return entry.path
    raise TypeError(
        f"{field} is a {cls.__module__}.{cls.__qualname__}, which is not one of sparseid's own "
        f"{kind} classes, so it cannot be saved as JSON; save the model with pickle instead"
    )


def check_params(entry, obj, field):
    """Check ``obj`` by its class's own rules; report a problem as a ValueError at ``field``.

    Every registered class checks its constructor arguments with ``_check_params()``, the
    rules it declares in ``_parameter_rules`` (see :mod:`sparseid._params`).

    Parameters
    ----------
    entry : Entry
        The registered class of ``obj``.
    obj : object
        A freshly built instance.
    field : str
        Where it was read.

    Returns
    -------
    obj : object
        ``obj`` itself.
    """
    try:
        obj._check_params()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field}: {exc}") from None
    return obj
