"""Adaptive Dormand–Prince 5(4) with dense output, vectorised over a batch of states.

One integration of a batch of initial states (each row of ``y0``) produces the state at every
observation time: the steps are chosen for the whole batch (one error norm over all of it, as
torchdiffeq does), and the observation times falling inside an accepted step are filled in by
the method's fourth-order continuous extension, so the solver never shortens a step to land on
an observation. With ``record=True`` the accepted steps, their stages and the network caches
are kept for :func:`~sparseid.ode.backprop_gradient`.
"""

import numpy as np

__all__ = ["DOPRI5", "SolveRecord", "dopri5_dense", "error_ratio", "initial_step"]

_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
_B = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0])
_A = np.zeros((7, 7))
_A[1, :1] = [1 / 5]
_A[2, :2] = [3 / 40, 9 / 40]
_A[3, :3] = [44 / 45, -56 / 15, 32 / 9]
_A[4, :4] = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]
_A[5, :5] = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
# The seventh stage is evaluated at the new state y1 (first same as last).
_A[6, :6] = _B[:6]
# y1 - ŷ1 (fifth minus fourth order), times h.
_E = np.array([71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40])
# Continuous extension: y(t0 + θh) = y0 + h Σ_i k_i (P[i] · [θ, θ², θ³, θ⁴]) (Shampine 1986,
# the coefficients used by Hairer's DOPRI5 and scipy's RK45).
_P = np.array(
    [
        [1, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
        [0, 0, 0, 0],
        [0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799],
        [0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
        [
            0,
            127303824393 / 49829197408,
            -318862633887 / 49829197408,
            701980252875 / 199316789632,
        ],
        [0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
        [0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423],
    ]
)
_POWERS = np.arange(1, 5)

SAFETY = 0.9
MIN_FACTOR = 0.2
MAX_FACTOR = 10.0


class Tableau:
    """An explicit Runge–Kutta tableau as the backward pass needs it."""

    def __init__(self, name, A, b, fsal):
        self.name = name
        self.A = A
        self.b = b
        self.n_stages = len(b)
        self.fsal = fsal
        # stages fed by a single earlier stage (all of RK4's) are combined with one product
        self.single = [
            (int(np.flatnonzero(row)[0]), float(row[np.flatnonzero(row)[0]]))
            if np.count_nonzero(row) == 1
            else None
            for row in A
        ]


DOPRI5 = Tableau("dopri5", _A, _B, fsal=True)


class SolveRecord:
    """What a forward solve keeps for reverse-mode differentiation.

    Attributes
    ----------
    tableau : Tableau
    steps : list of tuple
        One ``(h, y0, K, caches, dense, end_obs)`` per accepted step: the step size (a float, or
        an array of shape ``(batch, 1)`` for per-row fixed steps), the state at its start, the
        stages ``K`` of shape ``(n_stages, batch, d)``, the network caches of the stages, the
        dense-output block (``None``; ``("grid", j0, j1, W)`` for the observations ``j0:j1``
        shared by all rows; ``("rows", rows, cols, W)`` for per-row observation times), and the
        observation index equal to the step's end state (``-1`` if none).
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


def initial_step(field_eval, y0, f0, rtol, atol, span, n=None):
    """Hairer's starting step: a first guess from |y0|/|f0|, refined by one extra evaluation.

    Parameters
    ----------
    field_eval : callable
        ``field_eval(y) -> f(y)`` on flat arrays.
    y0, f0 : ndarray, flat
    rtol, atol : float
    span : float
        Length (with sign) of the integration interval; the step never exceeds it.
    n : int, optional
        Only the first ``n`` entries take part in the norms.

    Returns
    -------
    h : float, with the sign of ``span``.

    References
    ----------
    E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I*,
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
        h1 = (0.01 / max(d1, d2)) ** (1 / 5)
    return direction * min(100 * h0, h1, abs(span))


def step_factor(ratio):
    """Multiplier for the next step from the error ratio of the current one."""
    if ratio == 0.0:
        return MAX_FACTOR
    return min(MAX_FACTOR, max(MIN_FACTOR, SAFETY * ratio**-0.2))


def attempt_step(rhs, y, K, h):
    """One Dormand–Prince step from ``y`` with ``K[0]`` already holding f(y).

    ``rhs(y_stage, out)`` writes f(y_stage) into ``out`` and returns ``(out, cache)``, the cache
    being what backprop needs (or ``None``). Returns the new state, the local error estimate
    (flat) and the stage caches of stages 2–7.
    """
    n_stages = 7
    K2 = K.reshape(n_stages, -1)
    hA = h * _A
    caches = []
    yi = y
    for i in range(1, n_stages):
        yi = np.dot(hA[i, :i], K2[:i]).reshape(y.shape)
        yi += y
        caches.append(rhs(yi, K[i])[1])
    err = np.dot(h * _E, K2)
    return yi, err, caches


def dense_weights(theta):
    """Weights W (len(theta), 7) with y(t0 + θh) = y0 + h W @ K."""
    return (theta[:, None] ** _POWERS) @ _P.T


# overflow is detected (non-finite error norm or state) and reported, not warned about
@np.errstate(over="ignore", invalid="ignore")
def dopri5_dense(
    field, y0, t_obs, *, rtol=1e-3, atol=1e-6, record=False, max_steps=100_000, step_sizes=None
):
    """Integrate dz/dt = f(z) for a batch of states and return them at the observation times.

    Parameters
    ----------
    field : callable
        ``field(z, out=None) -> (f(z), cache)`` on arrays of shape ``(batch, d)`` (for example
        a :class:`~sparseid.ode.BoundMLP`).
    y0 : ndarray of shape (batch, d)
        Initial states at relative time 0.
    t_obs : ndarray of shape (m,) or (batch, m)
        Strictly increasing positive observation times relative to the start, shared by all
        rows or one row of times per initial state.
    rtol, atol : float
        Relative and absolute tolerances of the local error.
    record : bool, default=False
        Keep what :func:`~sparseid.ode.backprop_gradient` needs.
    max_steps : int
        Give up (``FloatingPointError``) after this many attempted steps.
    step_sizes : sequence of float, optional
        Replay these steps without error control (e.g. ``[s[0] for s in record.steps]`` of an
        earlier solve), which makes the output a smooth function of the parameters: this is
        the function whose gradient :func:`~sparseid.ode.backprop_gradient` computes.

    Returns
    -------
    Y : ndarray of shape (m, batch, d)
        States at the observation times.
    record : SolveRecord or None
    n_eval : int
        Number of evaluations of ``field``.

    References
    ----------
    J. R. Dormand and P. J. Prince, "A family of embedded Runge-Kutta formulae", Journal of
    Computational and Applied Mathematics 6, 1980. L. F. Shampine, "Some practical Runge-Kutta
    formulas", Mathematics of Computation 46, 1986 (dense output).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import dopri5_dense
    >>> field = lambda z, out=None: (-z if out is None else np.negative(z, out=out), None)
    >>> Y, _, _ = dopri5_dense(field, np.ones((1, 1)), np.array([1.0]), rtol=1e-8, atol=1e-10)
    >>> round(float(Y[0, 0, 0]), 6) == round(float(np.exp(-1.0)), 6)
    True
    """
    shape = y0.shape
    per_row = t_obs.ndim == 2
    m = t_obs.shape[-1]
    t_end = float(t_obs.max())
    Y = np.empty((m, *shape))
    rec = SolveRecord(DOPRI5) if record else None

    def flat_eval(yf):
        return field(yf.reshape(shape))[0].ravel()

    K = np.empty((7, *shape))
    _, cache1 = field(y0, out=K[0])
    if step_sizes is None:
        h = initial_step(flat_eval, y0.ravel(), K[0].ravel(), rtol, atol, t_end)
        n_eval = 2
    else:
        replay = list(step_sizes)
        h = replay[0]
        n_eval = 1
    if rec is not None:
        rec.first_cache = cache1
    t = 0.0
    y = y0
    j = 0
    for n_step in range(max_steps):
        y1, err, caches = attempt_step(field, y, K, h)
        n_eval += 6
        ratio = error_ratio(err, y.ravel(), y1.ravel(), rtol, atol)
        if not np.isfinite(ratio):
            raise FloatingPointError(f"dopri5: non-finite state at t = {t:.6g}.")
        if step_sizes is not None:
            ratio = 0.0  # replayed steps are always accepted
        if ratio > 1.0:
            h *= max(MIN_FACTOR, SAFETY * ratio**-0.2)
            if abs(h) < 1e-12 * max(t_end, 1.0):
                raise FloatingPointError(f"dopri5: step size underflow at t = {t:.6g}.")
            continue
        t1 = t + h
        dense = None
        if per_row:
            rows, cols = np.nonzero((t_obs > t) & (t_obs <= t1))
            if rows.size:
                W = dense_weights((t_obs[rows, cols] - t) / h)
                Y[cols, rows] = y[rows] + h * np.einsum("ni,ind->nd", W, K[:, rows])
                dense = ("rows", rows, cols, W)
        else:
            j1 = int(np.searchsorted(t_obs, t1, side="right"))
            if j1 > j:
                W = dense_weights((t_obs[j:j1] - t) / h)
                block = np.dot(h * W, K.reshape(7, -1)).reshape(j1 - j, *shape)
                block += y
                Y[j:j1] = block
                dense = ("grid", j, j1, W)
                j = j1
        if rec is not None:
            rec.steps.append((h, y, K, [cache1, *caches], dense, -1))
        t = t1
        y = y1
        cache1 = caches[-1]
        K_next = np.empty_like(K)
        K_next[0] = K[6]
        K = K_next
        if t >= t_end:
            return Y, rec, n_eval
        h = h * step_factor(ratio) if step_sizes is None else replay[n_step + 1]
    raise FloatingPointError(f"dopri5: more than max_steps={max_steps} steps before t = {t_end}.")
