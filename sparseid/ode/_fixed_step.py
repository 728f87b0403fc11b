"""Fixed-step explicit Runge–Kutta solvers (classic RK4 and explicit Euler).

The steps follow the observation grid: each interval between two observations is divided into
``n_substeps`` equal steps, so each observation is the end state of a step. With one row of
observation times per initial state (non-uniform sampling) the step size is a column vector.
"""

import numpy as np

from ._dopri5 import SolveRecord, Tableau

__all__ = ["EULER", "RK4", "fixed_step_solve"]

RK4 = Tableau(
    "rk4",
    np.array(
        [[0.0, 0.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]
    ),
    np.array([1 / 6, 1 / 3, 1 / 3, 1 / 6]),
    fsal=False,
)
EULER = Tableau("euler", np.zeros((1, 1)), np.array([1.0]), fsal=False)
_TABLEAUS = {"rk4": RK4, "euler": EULER}


# overflow is detected (non-finite error norm or state) and reported, not warned about
@np.errstate(over="ignore", invalid="ignore")
def fixed_step_solve(field, y0, t_obs, *, method="rk4", n_substeps=1, record=False):
    """Integrate a batch of states with a fixed-step method on the observation grid.

    Parameters
    ----------
    field : callable
        ``field(z, out=None) -> (f(z), cache)`` on arrays of shape ``(batch, d)``.
    y0 : ndarray of shape (batch, d)
    t_obs : ndarray of shape (m,) or (batch, m)
        Strictly increasing positive observation times relative to the start.
    method : {"rk4", "euler"}, default="rk4"
    n_substeps : int, default=1
        Steps per observation interval.
    record : bool, default=False
        Keep what :func:`~sparseid.ode.backprop_gradient` needs.

    Returns
    -------
    Y : ndarray of shape (m, batch, d)
    record : SolveRecord or None
    n_eval : int

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import fixed_step_solve
    >>> field = lambda z, out=None: (-z if out is None else np.negative(z, out=out), None)
    >>> Y, _, n = fixed_step_solve(field, np.ones((1, 1)), np.linspace(0.1, 1, 10))
    >>> n, bool(abs(Y[-1, 0, 0] - np.exp(-1)) < 1e-6)
    (40, True)
    """
    tab = _TABLEAUS[method]
    shape = y0.shape
    n_stages = tab.n_stages
    per_row = t_obs.ndim == 2
    m = t_obs.shape[-1]
    if per_row:
        dt = np.diff(t_obs, axis=1, prepend=0.0) / n_substeps
    else:
        dt = np.diff(t_obs, prepend=0.0) / n_substeps
    Y = np.empty((m, *shape))
    rec = SolveRecord(tab) if record else None
    A, b, single = tab.A, tab.b, tab.single
    y = y0
    for j in range(m):
        h = dt[:, j : j + 1] if per_row else float(dt[j])
        for sub in range(n_substeps):
            K = np.empty((n_stages, *shape))
            K2 = K.reshape(n_stages, -1)
            caches = [field(y, K[0])[1]]
            for i in range(1, n_stages):
                if single[i] is not None:
                    k, a = single[i]
                    yi = K[k] * (a * h)
                else:
                    yi = np.dot(A[i, :i], K2[:i]).reshape(shape)
                    yi *= h
                yi += y
                caches.append(field(yi, K[i])[1])
            y1 = np.dot(b, K2).reshape(shape)
            y1 *= h
            y1 += y
            if rec is not None:
                end_obs = j if sub == n_substeps - 1 else -1
                rec.steps.append((h, y, K, caches, None, end_obs))
            y = y1
        Y[j] = y
    # a non-finite state stays non-finite, so one check at the end finds it
    bad = ~np.isfinite(Y.reshape(m, -1)).all(axis=1)
    if bad.any():
        raise FloatingPointError(f"{method}: non-finite state at observation {np.argmax(bad)}.")
    return Y, rec, m * n_substeps * n_stages
