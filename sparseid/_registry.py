"""The allow-list of classes a saved model may name: models, libraries, optimizers, differentiators.

A model file names classes by string; the loader rebuilds only classes listed here and never
looks a name up in the package at large. Each entry is keyed by the class's **public path**,
``sparseid.<subpackage>.<ClassName>`` (the subpackage that exports it: ``sparseid.models.SINDy``,
``sparseid.libraries.PolynomialLibrary``, ``sparseid.optimizers.STLSQ``,
``sparseid.differentiation.FiniteDifference``), which stays valid when private modules move. Two
aliases keep older descriptions readable and resolve to the same entries, i.e. always to
sparseid's own classes: the bare class name (format version 1 and ``library.to_dict()``) and the
private module path (``sparseid.optimizers._stlsq.STLSQ``, format version 1).

The table is written out below, not filled in by ``__init_subclass__``: a user's subclass, even
one named ``SINDy``, is never registered, cannot be loaded under sparseid's names, and is refused
by :func:`public_path` (so saving it points to pickle). Each entry also carries the parameter
check that a rebuilt object must pass, since constructors only store their arguments.
"""

from __future__ import annotations

import functools
import numbers
from typing import NamedTuple

from ._params import check_bool, check_real

__all__ = ["KINDS", "PARAM_KINDS", "Entry", "check_params", "entries", "public_path", "resolve"]

#: What a registered class is; a model file says which kind it expects at each place.
KINDS = ("model", "library", "optimizer", "differentiation")
#: Constructor arguments of a model that may hold an estimator, and the kind they hold.
PARAM_KINDS = {
    "feature_library": "library",
    "optimizer": "optimizer",
    "differentiation_method": "differentiation",
}


class Entry(NamedTuple):
    """One registered class: its kind, public path, the class, and its parameter check."""

    kind: str
    path: str
    cls: type
    check: object


def _check_random_state(model):
    value = model.random_state
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0
    ):
        raise ValueError(
            f"{type(model).__name__}: random_state={value!r} must be None or an integer >= 0"
        )


def _check_neural_ode(model):
    model._check_params()
    check_bool(model, "scale_inputs", model.scale_inputs)
    check_bool(model, "verbose", model.verbose)
    _check_random_state(model)


def _check_linear(model):
    check_bool(model, "fit_intercept", model.fit_intercept)
    check_real(model, "alpha", model.alpha, minimum=0)


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
    from .models import LinearModel, NeuralODE, SINDy

    table = [
        ("model", "models", SINDy, lambda m: check_bool(m, "discrete_time", m.discrete_time)),
        ("model", "models", LinearModel, _check_linear),
        ("model", "models", NeuralODE, _check_neural_ode),
        ("optimizer", "optimizers", opt.STLSQ, lambda e: e._check_params()),
        ("optimizer", "optimizers", opt.LeastSquares, lambda e: e._check_params()),
        ("differentiation", "differentiation", diff.FiniteDifference, lambda e: e.halo),
        ("differentiation", "differentiation", diff.SavitzkyGolay, lambda e: e._check_params(None)),
        ("differentiation", "differentiation", diff.Spectral, lambda e: e._check_cutoff()),
        (
            "differentiation",
            "differentiation",
            diff.SmoothingSpline,
            lambda e: e._check_smoothing(),
        ),
        ("differentiation", "differentiation", diff.TotalVariation, lambda e: e._check_params()),
    ]
    table += [
        ("library", "libraries", cls, lambda e: e._check_params())
        for cls in (
            lib.PolynomialLibrary,
            lib.FourierLibrary,
            lib.IdentityLibrary,
            lib.ConcatLibrary,
            lib.TensoredLibrary,
        )
    ]
    return tuple(
        Entry(kind, f"sparseid.{package}.{cls.__name__}", cls, check)
        for kind, package, cls, check in table
    )


@functools.cache
def _lookup(kind):
    """Names (public path and both aliases) of the entries of one kind."""
    names = {}
    for entry in entries():
        if entry.kind == kind:
            cls = entry.cls
            for name in (entry.path, cls.__name__, f"{cls.__module__}.{cls.__qualname__}"):
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
    kind : {"model", "library", "optimizer", "differentiation"}
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
    """Run the entry's parameter check on ``obj``; report a problem as a ValueError at ``field``.

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
        entry.check(obj)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field}: {exc}") from None
    return obj
