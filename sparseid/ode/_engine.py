"""The one explicit Runge–Kutta engine: stages, error control, dense output and the record.

Every solver is a :class:`~sparseid.ode._tableau.ButcherTableau`; this module integrates a batch
of states with any of them. Methods with an error estimate run adaptively: one error norm over
the whole batch chooses the steps (as torchdiffeq does), and the observation times inside an
accepted step are filled in by the method's continuous extension, so no step is shortened to
land on an observation. Methods without one step on the observation grid, ``n_substeps`` steps
per interval (per-row step sizes when each row has its own observation times). With
``record=True`` the steps, their stages and the network caches are kept as :class:`Step` records
for :func:`~sparseid.ode.backprop_gradient`; ``record="dense"`` (adaptive methods) keeps the
steps and stages without the caches, the continuous extension that
:func:`~sparseid.ode.interpolated_adjoint_gradient` reads.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "GridDense",
    "RowDense",
    "SolveRecord",
    "Step",
    "adaptive_solve",
    "error_ratio",
    "grid_solve",
    "initial_step",
    "rk_step",
    "step_factor",
    "working_dtype",
]

SAFETY = 0.9
MIN_FACTOR = 0.2
MAX_FACTOR = 10.0


class GridDense(NamedTuple):
    """Dense output of the observations ``j0:j1`` shared by all rows: Y[j0:j1] = y0 + h W @ K."""

    j0: int
    j1: int
    W: np.ndarray


class RowDense(NamedTuple):
    """Dense output at per-row observation times: Y[cols, rows] from the weights ``W``."""

    rows: np.ndarray
    cols: np.ndarray
    W: np.ndarray


class Step(NamedTuple):
    """One accepted step, as reverse-mode differentiation needs it.

    ``h`` is a float (or an array of shape ``(batch, 1)`` for per-row fixed steps), ``y0`` the
    state at the step's start, ``K`` the stages of shape ``(n_stages, batch, d)``, ``caches`` the
    network caches of the stages, ``dense`` a :class:`GridDense`, :class:`RowDense` or None, and
    ``end_obs`` the observation equal to the step's end state (-1 if none).
    """

    h: float | np.ndarray
    y0: np.ndarray
    K: np.ndarray
    caches: list
    dense: GridDense | RowDense | None
    end_obs: int


class SolveRecord:
    """What a forward solve keeps for reverse-mode differentiation.

    Attributes
    ----------
    tableau : ButcherTableau
    steps : list of Step
        The accepted steps in order.
    """

    def __init__(self, tableau):
        self.tableau = tableau
        self.steps = []


def rms(x):
    """Root mean square of a flat array."""
    return np.sqrt(np.dot(x, x) / x.size)


def error_ratio(err, y0, y1, rtol, atol, n=None):
    """RMS over the batch of err / (atol + rtol max(|y0|, |y1|)), on the first ``n`` entries."""
    if n is not None:
        err, y0, y1 = err[:n], y0[:n], y1[:n]
    scale = np.maximum(np.abs(y0), np.abs(y1))
    scale *= rtol
    scale += atol
    return rms(err / scale)


def initial_step(field_eval, y0, f0, rtol, atol, span, order, n=None):
    """Hairer's starting step: a first guess from |y0|/|f0|, refined by one extra evaluation.

    Parameters
    ----------
    field_eval : callable
        ``field_eval(y) -> f(y)`` on flat arrays.
    y0, f0 : ndarray, flat
    rtol, atol : float
    span : float
        Length (with sign) of the integration interval; the step never exceeds it.
    order : int
        Order of the error estimate.
    n : int, optional
        Only the first ``n`` entries take part in the norms.

    Returns
    -------
    h : float, with the sign of ``span``.

    References
    ----------
    .. [1] E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I*,
       2nd ed., Springer 1993, Section II.4.
    """
    sl = slice(None) if n is None else slice(0, n)
    scale = atol + np.abs(y0[sl]) * rtol
    d0 = rms(y0[sl] / scale)
    d1 = rms(f0[sl] / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, abs(span))
    direction = 1.0 if span > 0 else -1.0
    f1 = field_eval(y0 + direction * h0 * f0)
    d2 = rms((f1[sl] - f0[sl]) / scale) / h0
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1 / (order + 1))
    # a Python float, so a float32 solve keeps its time and step size in float64
    return direction * float(min(100 * h0, h1, abs(span)))


def step_factor(ratio, exponent):
    """Multiplier of the step size after a step with this error ratio (accepted or not)."""
    if ratio == 0.0:
        return MAX_FACTOR
    return float(min(MAX_FACTOR, max(MIN_FACTOR, SAFETY * ratio**exponent)))


def working_dtype(y0):
    """float32 for float32 states (a float32 solve), float64 for anything else."""
    return np.dtype(np.float32 if np.asarray(y0).dtype == np.float32 else np.float64)


def rk_step(rhs, tableau, y, K, h):
    """One step of ``tableau`` from ``y``, with ``K[0]`` already holding f(y).

    ``rhs(y_stage, out)`` writes f(y_stage) into ``out`` and returns ``(out, cache)``, the cache
    being what backprop needs (or ``None``). ``h`` is a float or a column of per-row steps.

    Returns
    -------
    y1 : ndarray
        The new state.
    err : ndarray or None
        The flat local error estimate times h (adaptive methods only).
    caches : list
        The caches of stages 2 to s.
    """
    A, s = tableau.A, tableau.n_stages
    shape = y.shape
    K2 = K.reshape(s, -1)
    single = tableau.single
    # one product for all stages when the step is shared by every row
    hA = h * A if np.ndim(h) == 0 else None
    caches = []
    yi = y
    for i in range(1, s):
        if single[i] is not None:
            k, a = single[i]
            yi = K[k] * (a * h)
        elif hA is not None:
            yi = np.dot(hA[i, :i], K2[:i]).reshape(shape)
        else:
            yi = np.dot(A[i, :i], K2[:i]).reshape(shape)
            yi *= h
        yi += y
        caches.append(rhs(yi, K[i])[1])
    if tableau.fsal:
        y1 = yi  # the last stage was evaluated at the new state
    else:
        y1 = np.dot(tableau.b, K2).reshape(shape)
        y1 *= h
        y1 += y
    err = np.dot(h * tableau.error, K2) if tableau.error is not None else None
    return y1, err, caches


def backward_interval(rhs, tab, y, K, h, rtol, atol, max_steps, interval, accept, prepare=None):
    """Adaptive steps of an adjoint's backward solve across one observation interval.

    The interval is the unit interval of the variable s, integrated from s = 1 down to 0 (``h``
    is negative; no step passes 0). ``K[0]`` holds f(y) on entry and on return (first same as
    last). ``prepare(sigma, h_try)``, if given, runs before each attempt from position
    ``sigma`` and returns the evaluations it made; ``accept(h_try, y, stages)`` runs after each
    accepted step with the step's start ``y`` and ``rk_step``'s stage caches.

    Returns
    -------
    y : ndarray
        The state at s = 0.
    h : float
        The step to try first in the next interval.
    n_eval : int
        Evaluations of ``rhs`` and of ``prepare``.
    """
    exponent = tab.controller_exponent
    sigma, n_eval = 1.0, 0
    for _ in range(max_steps):
        h_try = max(h, -sigma)  # stop exactly at the interval's end
        if prepare is not None:
            n_eval += prepare(sigma, h_try)
        y1, err, stages = rk_step(rhs, tab, y, K, h_try)
        n_eval += tab.n_stages - 1
        ratio = error_ratio(err, y, y1, rtol, atol)
        if not np.isfinite(ratio):
            raise FloatingPointError(f"adjoint: non-finite state in interval {interval}.")
        if ratio > 1.0:
            h = h_try * step_factor(ratio, exponent)
            continue
        accept(h_try, y, stages)
        sigma += h_try
        y = y1
        K[0] = K[-1]  # first same as last
        # a step shortened to land on the interval's end says nothing about the next one
        h = h if h_try != h else h_try * step_factor(ratio, exponent)
        if sigma <= 0.0:
            return y, h, n_eval
    raise FloatingPointError(f"adjoint: more than max_steps={max_steps} in interval {interval}.")


# overflow is detected (non-finite error norm or state) and reported, not warned about
@np.errstate(over="ignore", invalid="ignore")
def grid_solve(field, tab, y0, t_obs, n_substeps, record):
    """A method without error estimate on the observation grid: ``n_substeps`` steps each.

    See :func:`sparseid.ode.solve` for the arguments and what it returns.
    """
    shape, dtype = y0.shape, working_dtype(y0)
    tab = tab.as_dtype(dtype)
    s = tab.n_stages
    per_row = t_obs.ndim == 2
    m = t_obs.shape[-1]
    dt = np.diff(t_obs, axis=-1, prepend=0.0) / n_substeps
    if per_row:
        dt = dt.astype(dtype, copy=False)
    Y = np.empty((m, *shape), dtype)
    rec = SolveRecord(tab) if record else None
    y = y0
    for j in range(m):
        h = dt[:, j : j + 1] if per_row else float(dt[j])
        for sub in range(n_substeps):
            K = np.empty((s, *shape), dtype)
            first_cache = field(y, K[0])[1]
            y1, _, caches = rk_step(field, tab, y, K, h)
            if rec is not None:
                end_obs = j if sub == n_substeps - 1 else -1
                rec.steps.append(Step(h, y, K, [first_cache, *caches], None, end_obs))
            y = y1
        Y[j] = y
    # a non-finite state stays non-finite, so one check at the end finds it
    bad = ~np.isfinite(Y.reshape(m, -1)).all(axis=1)
    if bad.any():
        raise FloatingPointError(f"{tab.name}: non-finite state at observation {np.argmax(bad)}.")
    return Y, rec, m * n_substeps * s


@np.errstate(over="ignore", invalid="ignore")
def adaptive_solve(field, tab, y0, t_obs, rtol, atol, record, max_steps, step_sizes):
    """A method with error estimate: steps chosen by error control, dense output at ``t_obs``.

    See :func:`sparseid.ode.solve` for the arguments and what it returns.
    """
    shape, dtype = y0.shape, working_dtype(y0)
    tab = tab.as_dtype(dtype)
    s = tab.n_stages
    exponent = tab.controller_exponent
    per_row = t_obs.ndim == 2
    m = t_obs.shape[-1]
    t_end = float(t_obs.max())
    Y = np.empty((m, *shape), dtype)
    rec = SolveRecord(tab) if record else None

    def flat_eval(yf):
        return field(yf.reshape(shape))[0].ravel()

    K = np.empty((s, *shape), dtype)
    _, cache1 = field(y0, out=K[0])
    if step_sizes is None:
        h = initial_step(flat_eval, y0.ravel(), K[0].ravel(), rtol, atol, t_end, tab.error_order)
        n_eval = 2
    else:
        replay = list(step_sizes)
        h = replay[0]
        n_eval = 1
    t = 0.0
    y = y0
    j = 0
    for n_step in range(max_steps):
        y1, err, caches = rk_step(field, tab, y, K, h)
        n_eval += s - 1
        ratio = error_ratio(err, y.ravel(), y1.ravel(), rtol, atol)
        if not np.isfinite(ratio):
            raise FloatingPointError(f"{tab.name}: non-finite state at t = {t:.6g}.")
        if step_sizes is not None:
            ratio = 0.0  # replayed steps are always accepted
        if ratio > 1.0:
            h *= step_factor(ratio, exponent)
            if abs(h) < 1e-12 * max(t_end, 1.0):
                raise FloatingPointError(f"{tab.name}: step size underflow at t = {t:.6g}.")
            continue
        t1 = t + h
        dense = None
        if per_row:
            rows, cols = np.nonzero((t_obs > t) & (t_obs <= t1))
            if rows.size:
                W = tab.dense_weights((t_obs[rows, cols] - t) / h)
                Y[cols, rows] = y[rows] + h * np.einsum("ni,ind->nd", W, K[:, rows])
                dense = RowDense(rows, cols, W)
        else:
            j1 = int(np.searchsorted(t_obs, t1, side="right"))
            if j1 > j:
                W = tab.dense_weights((t_obs[j:j1] - t) / h)
                block = np.dot(h * W, K.reshape(s, -1)).reshape(j1 - j, *shape)
                block += y
                Y[j:j1] = block
                dense = GridDense(j, j1, W)
                j = j1
        if rec is not None:
            # "dense": the continuous extension only (the interpolated adjoint), no caches
            step_caches = None if record == "dense" else [cache1, *caches]
            rec.steps.append(Step(h, y, K, step_caches, dense, -1))
        t = t1
        y = y1
        K_next = np.empty_like(K)
        if tab.fsal:
            K_next[0] = K[s - 1]
            cache1 = caches[-1]
        else:
            cache1 = field(y, K_next[0])[1]
            n_eval += 1
        K = K_next
        if t >= t_end:
            return Y, rec, n_eval
        h = h * step_factor(ratio, exponent) if step_sizes is None else replay[n_step + 1]
    raise FloatingPointError(
        f"{tab.name}: more than max_steps={max_steps} steps before t = {t_end}."
    )
