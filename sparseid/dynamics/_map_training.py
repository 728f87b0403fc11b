"""Training a map's parameters to an observed omega-limit set, and the folds that hamper it.

A feed-forward network with shared weights iterated n times is the map x[k+1] = f(x[k]; θ).
Fitting θ so that the attractor matches an observed set means differentiating a loss of the
late iterates through all the iterations. :func:`omega_limit_loss` does that by
backpropagation (reverse mode through the stored orbit), for a whole grid of parameter values
at once. Near a fold (saddle-node) of a periodic orbit the orbit moves like √(b − b*), so the
gradient grows like 1/√(b − b*); :func:`map_fold` locates such a fold.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
from scipy.optimize import fsolve

from ._omega import _check_count, omega_limit, orbit_period

__all__ = ["OmegaLimitLoss", "map_fold", "omega_limit_loss"]


class OmegaLimitLoss(NamedTuple):
    """Result of :func:`omega_limit_loss`.

    Attributes
    ----------
    loss : ndarray of shape (P,)
    gradient : dict of str to ndarray of shape (P,)
        dL/dθ for every parameter the map offers in ``parameter_derivatives``; non-finite
        where backpropagation through chaotic iterations overflowed.
    kept : ndarray of shape (P, n_keep)
        The iterates the loss compares with the target.
    """

    loss: np.ndarray
    gradient: dict
    kept: np.ndarray


@np.errstate(over="ignore", invalid="ignore")
def omega_limit_loss(map, x0, target, *, n_transient=1000, n_keep=60):
    """Chamfer loss of the late iterates against a target set, and its gradient by backprop.

    With K = ``n_keep`` kept iterates x_k and the target points y_j,
    L = (1/K) Σ_k min_j (x_k − y_j)² + (1/J) Σ_j min_k (x_k − y_j)² (each point matched to its
    nearest partner, both ways). The gradient backpropagates ∂L/∂x_k through all
    ``n_transient + n_keep`` iterations: λ_n = ∂L/∂x_n + λ_{n+1} f′(x_n) and
    dL/dθ = Σ_n λ_{n+1} ∂f/∂θ(x_n).

    Parameters
    ----------
    map : SigmoidMap or similar
        Offers ``step``, ``derivative(x)``, ``parameter_derivatives(x)`` and ``shape``; its
        parameters may be arrays (a grid of P values, e.g. ``map.with_params(b=grid)``).
    x0 : float
        Initial state.
    target : array-like of shape (J,)
        The observed omega-limit set (e.g. from :func:`omega_limit`).
    n_transient, n_keep : int

    Returns
    -------
    OmegaLimitLoss

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.systems import SigmoidMap
    >>> f = SigmoidMap(a=0.8, c=1.0, b=np.array([0.3, 0.5]))
    >>> result = omega_limit_loss(f, 0.0, target=[0.0])
    >>> step = 1e-6  # compare with a central difference in b
    >>> up = omega_limit_loss(f.with_params(b=f.b + step), 0.0, [0.0]).loss
    >>> down = omega_limit_loss(f.with_params(b=f.b - step), 0.0, [0.0]).loss
    >>> bool(np.allclose(result.gradient["b"], (up - down) / (2 * step), rtol=1e-6))
    True
    """
    where = "omega_limit_loss"
    n_transient = _check_count(n_transient, "n_transient", where, 0)
    n_keep = _check_count(n_keep, "n_keep", where, 1)
    y = np.asarray(target, dtype=np.float64).ravel()
    if y.size == 0 or not np.all(np.isfinite(y)):
        raise ValueError(f"{where}: target must be a non-empty set of finite points")
    if not isinstance(x0, numbers.Real) or not np.isfinite(x0):
        raise ValueError(f"{where}: x0 must be a finite number, got {x0!r}")
    n = n_transient + n_keep
    orbit = map.iterate(x0, n)  # (n + 1, *shape)
    shape = orbit.shape[1:]
    kept = orbit[n_transient + 1 :].reshape(n_keep, -1)  # (K, P)
    diff = kept[:, :, None] - y[None, None, :]  # (K, P, J)
    sq = diff**2
    near_target = np.argmin(sq, axis=2)  # for each kept point, its target
    near_kept = np.argmin(sq, axis=0)  # (P, J): for each target point, its kept point
    P = kept.shape[1]
    cols = np.arange(P)
    loss = np.mean(np.min(sq, axis=2), axis=0) + np.mean(np.min(sq, axis=0), axis=1)
    dkept = 2.0 / n_keep * np.take_along_axis(diff, near_target[:, :, None], 2)[:, :, 0]
    for j in range(y.size):
        rows = near_kept[:, j]
        dkept[rows, cols] += 2.0 / y.size * diff[rows, cols, j]
    seed = np.zeros((n + 1, P))
    seed[n_transient + 1 :] = dkept
    lam = seed[n].copy()
    grads = None
    for k in range(n - 1, -1, -1):
        x = orbit[k]
        partial = map.parameter_derivatives(x)
        if grads is None:
            grads = {name: np.zeros(P) for name in partial}
        for name, value in partial.items():
            grads[name] += lam * np.reshape(value, -1)
        lam = seed[k] + lam * np.reshape(map.derivative(x), -1)
    return OmegaLimitLoss(
        loss.reshape(shape),
        {k: v.reshape(shape) for k, v in grads.items()},
        kept.T.reshape(*shape, n_keep),
    )


def map_fold(map, name, bracket, period, *, x0=0.1, n_transient=5000, n_keep=None, tol=1e-6):
    """Locate a fold (saddle-node) of a period-``period`` orbit of a 1-D map in one parameter.

    Bisection on the period that :func:`omega_limit` and :func:`orbit_period` report brackets
    the parameter value where the stable orbit is born; Newton's method (``scipy.optimize.fsolve``)
    on f^p(x) = x, (f^p)′(x) = 1 then refines the fold to machine precision.

    Parameters
    ----------
    map : SigmoidMap or similar
        Offers ``with_params``, ``iterate``, ``step`` and ``derivative``.
    name : str
        The parameter varied (``"b"``).
    bracket : (float, float)
        Values without and with the stable period-``period`` orbit.
    period : int
    x0, n_transient, n_keep, tol
        Passed to :func:`omega_limit` / :func:`orbit_period` (``n_keep`` defaults to
        ``4 * period``).

    Returns
    -------
    b_star : float
        The fold's parameter value.
    x_star : float
        A point of the orbit at the fold.

    Raises
    ------
    ValueError
        When the bracket does not hold the birth of the orbit or Newton's method fails.

    Examples
    --------
    >>> from sparseid.systems import SigmoidMap
    >>> b_star, x_star = map_fold(SigmoidMap(a=0.8, c=10.0), "b", (0.19, 0.21), 3)
    >>> round(b_star, 6)  # where the period-3 window of the c = 10 map opens
    0.20018
    """
    period = _check_count(period, "period", "map_fold", 1)
    n_keep = 4 * period if n_keep is None else n_keep

    def has_orbit(value):
        orbit = omega_limit(map, x0, {name: [value]}, n_transient, n_keep)
        return orbit_period(orbit, tol=tol, max_period=2 * period)[0] == period, orbit[0]

    lo, hi = (float(v) for v in bracket)
    found_lo, _ = has_orbit(lo)
    found_hi, points = has_orbit(hi)
    if found_lo or not found_hi:
        raise ValueError(
            f"map_fold: the bracket {bracket} must go from no stable period-{period} orbit to one "
            f"(found: {found_lo}, {found_hi})"
        )
    for _ in range(30):  # to about 1e-9 of the bracket: Newton does the rest
        mid = 0.5 * (lo + hi)
        found, orbit = has_orbit(mid)
        if found:
            hi, points = mid, orbit
        else:
            lo = mid

    def residual(z):
        f = map.with_params(**{name: z[1]})
        orbit = f.iterate(z[0], period)
        slope = np.prod(f.derivative(orbit[:-1]))
        return [float(orbit[-1] - z[0]), float(slope - 1.0)]

    start = [float(points[np.argmin(np.abs(points))]), hi]
    solution, _info, ok, message = fsolve(residual, start, full_output=True, xtol=1e-14)
    if ok != 1 or np.max(np.abs(residual(solution))) > 1e-10:
        raise ValueError(f"map_fold: Newton's method did not converge ({message})")
    if abs(solution[1] - hi) > 1e-3 * max(1.0, abs(hi)):
        raise ValueError(
            f"map_fold: Newton's method left the bracketed fold ({solution[1]} vs {hi})"
        )
    return float(solution[1]), float(solution[0])
