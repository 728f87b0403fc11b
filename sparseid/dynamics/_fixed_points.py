"""Equilibria of flows and fitted models: every root in a box, with its linear stability."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy.optimize import root
from sklearn.utils import check_random_state

from ._vector_field import as_vector_field, finite_difference_jacobian

__all__ = ["FixedPoint", "fixed_points"]


@dataclass(frozen=True)
class FixedPoint:
    """An equilibrium x* with f(x*) = 0.

    Attributes
    ----------
    x : ndarray of shape (d,)
        The state.
    eigenvalues : ndarray of complex of shape (d,)
        Eigenvalues of the Jacobian at ``x``, by decreasing real part.
    stability : str
        ``"stable node"``, ``"stable focus"``, ``"unstable node"``, ``"unstable focus"``,
        ``"saddle"``, ``"saddle-focus"`` or ``"non-hyperbolic"`` (some eigenvalue with a real
        part within ``1e-9 · max(1, max|λ|)`` of zero).
    residual : float
        max|f(x)| at the root.
    """

    x: np.ndarray
    eigenvalues: np.ndarray
    stability: str
    residual: float


def _classify(eigenvalues):
    re = eigenvalues.real
    tol = 1e-9 * max(1.0, float(np.max(np.abs(eigenvalues))))
    if np.any(np.abs(re) <= tol):
        return "non-hyperbolic"
    complex_pair = bool(np.any(np.abs(eigenvalues.imag) > tol))
    if np.all(re < 0):
        return "stable focus" if complex_pair else "stable node"
    if np.all(re > 0):
        return "unstable focus" if complex_pair else "unstable node"
    return "saddle-focus" if complex_pair else "saddle"


def _check_box(box):
    try:
        low, high = (np.asarray(v, dtype=np.float64) for v in box)
    except (TypeError, ValueError):
        raise ValueError(
            f"fixed_points: box must be (low, high), two arrays of shape (d,), got {box!r}"
        ) from None
    if low.ndim != 1 or low.shape != high.shape:
        raise ValueError(
            f"fixed_points: box must be (low, high) of equal shapes (d,), got {low.shape} and "
            f"{high.shape}"
        )
    bad = np.flatnonzero(~(low < high) | ~np.isfinite(low) | ~np.isfinite(high))
    if bad.size:
        j = bad[0]
        raise ValueError(
            f"fixed_points: box must have finite low < high in every coordinate, but "
            f"low[{j}] = {low[j]} and high[{j}] = {high[j]}"
        )
    return low, high


def fixed_points(model_or_system, box, n_starts=100, random_state=None, *, tol=1e-10):
    """Equilibria of a flow in a box, from many starting points, with their stability.

    ``scipy.optimize.root`` (Powell's hybrid method, with the Jacobian when the system or
    model provides one, else finite differences) is started from ``n_starts`` points drawn
    uniformly in the box. Converged roots inside the box (with a margin of 1 % of its size)
    whose residual is at most ``tol · max(1, |x|)`` are kept, and roots closer than
    ``1e-6 · max(1, |x|)`` are merged. Being a multistart search it may miss roots with small
    basins; more starts find more.

    Pseudo-equilibria of switched (Filippov) systems, on a switching surface, are found by
    :func:`pseudo_equilibria`; here the root finder needs f continuous near its roots.

    Parameters
    ----------
    model_or_system : system, fitted model or callable ``f(t, x)``
        A system with ``rhs(t, x)`` (and optionally ``jacobian(t, x)``), a fitted sparseid
        flow model, or a callable.
    box : (low, high)
        Corners of the search box, arrays of shape (d,).
    n_starts : int
        Number of starting points.
    random_state : int, RandomState instance or None
        Seed of the starting points.
    tol : float
        Relative residual a root must reach.

    Returns
    -------
    list of FixedPoint
        Sorted by their coordinates.

    Examples
    --------
    >>> from sparseid.systems import Lorenz
    >>> points = fixed_points(Lorenz(), ([-20, -20, 0], [20, 20, 40]), random_state=0)
    >>> [(p.x.round(3).tolist(), p.stability) for p in points]  # doctest: +NORMALIZE_WHITESPACE
    [([-8.485, -8.485, 27.0], 'saddle-focus'), ([0.0, 0.0, 0.0], 'saddle'),
     ([8.485, 8.485, 27.0], 'saddle-focus')]
    """
    field = as_vector_field(model_or_system, where="fixed_points", kind="flow")
    if field.is_map:
        raise ValueError(
            f"fixed_points: {field.name} is a map; the fixed points of a map x ↦ g(x) are the "
            "equilibria of the flow g(x) − x"
        )
    low, high = _check_box(box)
    d = low.shape[0]
    if field.dim is not None and field.dim != d:
        raise ValueError(f"fixed_points: box has {d} coordinates but the model has {field.dim}")
    if not isinstance(n_starts, numbers.Integral) or n_starts < 1:
        raise ValueError(f"fixed_points: n_starts must be a positive integer, got {n_starts!r}")
    rng = check_random_state(random_state)

    def fun(x):
        return np.asarray(field.f(0.0, x), dtype=np.float64)

    if field.jacobian is not None:

        def jac(x):
            return np.asarray(field.jacobian(0.0, x), dtype=np.float64)

    else:

        def jac(x):
            return finite_difference_jacobian(fun, x)

    margin = 0.01 * (high - low)
    found = []
    starts = low + (high - low) * rng.uniform(size=(n_starts, d))
    with np.errstate(all="ignore"):
        for start in starts:
            solution = root(fun, start, jac=jac, method="hybr")
            x = solution.x
            if not np.all(np.isfinite(x)) or np.any(x < low - margin) or np.any(x > high + margin):
                continue
            residual = float(np.max(np.abs(fun(x))))
            scale = max(1.0, float(np.max(np.abs(x))))
            if residual > tol * scale:
                continue
            if any(np.max(np.abs(x - p)) <= 1e-6 * scale for p, _ in found):
                continue
            found.append((x, residual))
    points = []
    for x, residual in sorted(found, key=lambda item: tuple(item[0])):
        eigenvalues = np.linalg.eigvals(jac(x)).astype(complex)
        eigenvalues = eigenvalues[np.lexsort((-eigenvalues.imag, -eigenvalues.real))]
        x = np.where(np.abs(x) < 1e-12, 0.0, x)  # no "-0.0" in printed roots
        points.append(FixedPoint(x, eigenvalues, _classify(eigenvalues), residual))
    return points
