"""One view of everything the analyses accept: a system, a fitted model or a plain callable.

:func:`as_vector_field` turns its argument into a :class:`VectorField`: ``f(t, x)`` and, when
one is known, ``jacobian(t, x)`` on single states, whether it is a map or a flow, and its
dimension. Fitted models are used through their compiled right-hand side and Jacobian (the
``_rhs_and_jacobian`` hook of the model contract, documented in
:mod:`sparseid.models._base`), which is what ``simulate`` uses too; their public ``predict``
would validate every call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["VectorField", "as_vector_field", "finite_difference_jacobian"]


@dataclass(frozen=True)
class VectorField:
    """``f(t, x) -> (d,)`` and ``jacobian(t, x) -> (d, d)`` (or None) on single states."""

    f: Callable
    jacobian: Callable | None
    is_map: bool
    dim: int | None
    name: str
    switched: bool = False


def _n_positional(func):
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in kinds and p.default is inspect.Parameter.empty)


def _is_model(obj):
    return hasattr(obj, "_rhs_and_jacobian") and hasattr(obj, "get_params")


def as_vector_field(obj, *, where, kind=None, jacobian=None):
    """A :class:`VectorField` for ``obj``.

    Parameters
    ----------
    obj : system, fitted sparseid model, map object or callable
        A system with ``rhs(t, x)`` (and optionally ``jacobian(t, x)``); a fitted model; an
        object with ``derivative`` (a 1-D map such as ``SigmoidMap``); or a callable ``f(x)``
        (a map) or ``f(t, x)`` (a flow), told apart by their number of required arguments.
    where : str
        Name of the calling function, for error messages.
    kind : {"map", "flow"}, optional
        Overrides the guess for a plain callable.
    jacobian : callable, optional
        Jacobian of a plain callable, with the same arguments.
    """
    if kind not in (None, "map", "flow"):
        raise ValueError(f"{where}: kind must be 'map', 'flow' or None, got {kind!r}")
    name = type(obj).__name__
    if _is_model(obj):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(obj)
        if getattr(obj, "n_control_features_", 0):
            raise ValueError(
                f"{where}: the model {name} was fitted with control inputs; analyse it with "
                "the inputs fixed, through a callable f(t, x)"
            )
        rhs, jac = obj._rhs_and_jacobian()
        dim = int(obj.n_features_in_)
        is_map = bool(obj._is_map)
        if is_map:
            return VectorField(lambda x: rhs(x), jac, True, dim, name)
        # A model whose terms switch (steps, hinges) is piecewise smooth.
        switched = bool(getattr(obj, "switching_surfaces_", None))
        return VectorField(
            lambda t, x: rhs(x),
            None if jac is None else (lambda t, x: jac(x)),
            False,
            dim,
            name,
            switched,
        )
    if hasattr(obj, "rhs") and callable(obj.rhs):
        jac = getattr(obj, "jacobian", None)
        jac = jac if callable(jac) else None
        # sparseid's piecewise-smooth systems expose their switching surfaces this way.
        switched = hasattr(obj, "switched_system")
        return VectorField(obj.rhs, jac, False, None, name, switched)
    if hasattr(obj, "derivative") and callable(obj):
        return VectorField(obj, obj.derivative, True, None, name)
    if not callable(obj):
        raise TypeError(
            f"{where}: expected a system with rhs(t, x), a fitted sparseid model, a map or a "
            f"callable, got {name}"
        )
    if kind is None:
        n = _n_positional(obj)
        if n not in (1, 2):
            raise ValueError(
                f"{where}: cannot tell whether {getattr(obj, '__name__', name)} is a map f(x) "
                f"or a flow f(t, x) ({n} required arguments); pass kind='map' or kind='flow'"
            )
        kind = "map" if n == 1 else "flow"
    return VectorField(obj, jacobian, kind == "map", None, getattr(obj, "__name__", name))


def finite_difference_jacobian(f, x, *, args=()):
    """Central-difference Jacobian of ``f(*args, x)`` at the single state ``x``, shape (d, d).

    Steps of ``eps^(1/3) · max(1, |x_j|)`` balance truncation and rounding (error ~ 1e-10
    relative for smooth ``f``).
    """
    x = np.asarray(x, dtype=np.float64)
    steps = np.cbrt(np.finfo(np.float64).eps) * np.maximum(1.0, np.abs(x))
    columns = []
    for j, h in enumerate(steps):
        e = np.zeros_like(x)
        e[j] = h
        hi = np.asarray(f(*args, x + e), dtype=np.float64)
        lo = np.asarray(f(*args, x - e), dtype=np.float64)
        columns.append((hi - lo) / (2.0 * h))
    return np.stack(columns, axis=-1)
