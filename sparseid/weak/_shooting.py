"""Output-error refinement of weak-form coefficients by multiple shooting, on a fixed support.

The weak form treats the noisy states as the states: whatever weighting, the noise in the
library integrals bounds how well the coefficients can be known (on the Lorenz benchmark no
test-function setting moved the covariance-weighted estimate's spread). Fitting the model's
own trajectories to the data uses the information the dynamics carry between samples: the
data are cut into short windows, each window is integrated from an unknown initial state
with the model's right-hand side (classical Runge--Kutta, one or more steps per sampling
interval), and the initial states and the nonzero coefficients are fitted together by
Levenberg--Marquardt to the data, each state weighted by its estimated noise, with the end of
each window tied to the start of the next (multiple shooting [1]_ [2]_). The continuity
terms make the windows one trajectory per piece, while each integration stays short enough
for the linearisation to hold on chaotic data. The weak-form estimate is the starting point,
so the search starts close to the optimum.

The normal equations of the window states are block tridiagonal (a window's end touches only
the next window's start): they are solved as a banded Cholesky factorisation with the
coefficients eliminated through their Schur complement, so the cost is linear in the number
of samples.

References
----------
.. [1] H. G. Bock, "Recent advances in parameter identification techniques for O.D.E.", in
   Numerical Treatment of Inverse Problems in Differential and Integral Equations, Birkhauser,
   95-121 (1983).
.. [2] E. Baake, M. Baake, H. G. Bock and K. M. Briggs, "Fitting ordinary differential
   equations to chaotic data", Physical Review A 45, 5524-5529 (1992).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

__all__ = ["shooting_refine"]

# Length of a shooting window: at most WINDOW samples and at most SPAN / (largest Jacobian
# norm) in time, short enough for Gauss-Newton to converge from the weak-form estimate on
# chaotic data (Lorenz, dt = 0.002, 20 % noise: 50 samples; the faster Chen and Lu systems
# sampled at dt = 0.005 did not converge with 50), at least MIN_WINDOW samples.
WINDOW = 50
MIN_WINDOW = 8
SPAN = 4.0
# Weight of the continuity conditions: the gap between a window's end and the next window's
# start is measured in units of CONTINUITY times the noise level (a nearly hard constraint).
CONTINUITY = 1e-3
# Most floats of trajectories and sensitivities held at once (windows are taken in chunks).
_CHUNK = 2_000_000


class _Windows:
    """Windows of ``WINDOW`` sampling intervals cut from every piece, stacked."""

    def __init__(self, xs, ts, sigmas, window):
        ys, dts, sig, link = [], [], [], []
        for x, t, sigma in zip(xs, ts, sigmas):
            count = (len(x) - 1) // window
            if count == 0:
                continue
            ys.append(x[: count * window].reshape(count, window, -1))
            dts.append(np.diff(t)[: count * window].reshape(count, window))
            sig.append(np.broadcast_to(sigma, (count, x.shape[1])))
            link.append(np.arange(count) < count - 1)
        self.empty = not ys
        if self.empty:
            return
        self.y = np.concatenate(ys)
        self.dt = np.concatenate(dts)
        self.sigma = np.concatenate(sig)
        self.link = np.flatnonzero(np.concatenate(link))  # window w continues into w + 1


def _terms(library, active):
    """``X -> Theta(X)[:, active]``: the active terms only, with no input validation per call."""
    terms = getattr(library, "terms_", None)
    if terms is not None and all(hasattr(terms[j], "evaluate") for j in active):
        chosen = [terms[j] for j in active]
        return lambda X: np.column_stack([term.evaluate(X) for term in chosen])
    return lambda X: np.asarray(library.transform(X))[:, active]  # any other library


def _simulate(evaluate, x0, coefs, dt, substeps):
    """RK4 trajectories ``(C, W, L + 1, d)`` from ``x0 (C, W, d)`` with ``coefs (C, d, a)``."""
    c, w, d = x0.shape

    def field(x):
        theta = evaluate(x.reshape(-1, d)).reshape(c, w, -1)
        return np.matmul(theta, coefs.transpose(0, 2, 1))

    steps = dt.shape[1]
    out = np.empty((c, w, steps + 1, d))
    out[:, :, 0] = x = x0
    for k in range(steps):
        h = (dt[:, k] / substeps)[None, :, None]
        for _ in range(substeps):
            k1 = field(x)
            k2 = field(x + 0.5 * h * k1)
            k3 = field(x + 0.5 * h * k2)
            k4 = field(x + h * k3)
            x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out[:, :, k + 1] = x
    return out


class _Problem:
    """The weighted least-squares problem in the window states and the free coefficients."""

    def __init__(self, library, coef, windows, substeps):
        self.win, self.substeps = windows, substeps
        support = coef != 0
        self.active = np.flatnonzero(support.any(axis=0))
        self.evaluate = _terms(library, self.active)
        self.index = np.argwhere(support[:, self.active])  # (target, active column)
        self.template = coef[:, self.active].copy()

    def coefs(self, values):
        out = self.template.copy()
        out[self.index[:, 0], self.index[:, 1]] = values
        return out

    def _residuals(self, traj, x0):
        win = self.win
        data = (win.y - traj[:, :-1]) / win.sigma[:, None, :]
        gap = (traj[win.link, -1] - x0[win.link + 1]) / (CONTINUITY * win.sigma[win.link])
        return data, gap

    def residuals(self, x0, values):
        """All weighted residuals (data, then continuity) as one vector (NaN on overflow)."""
        traj = _simulate(
            self.evaluate, x0[None], self.coefs(values)[None], self.win.dt, self.substeps
        )[0]
        data, gap = self._residuals(traj, x0)
        return np.concatenate([data.reshape(-1), gap.reshape(-1)])

    def cost(self, x0, values):
        with np.errstate(all="ignore"):
            r = self.residuals(x0, values)
        return float(r @ r) if np.all(np.isfinite(r)) else np.inf

    def _window_terms(self, x0, values, lo, hi, x_step, c_step):
        """Data-row normal-equation blocks of windows ``lo:hi`` and their end sensitivities.

        Jacobians by forward differences, all windows perturbed at once (each window's
        trajectory depends only on its own initial state and the coefficients).
        """
        win, d, q = self.win, x0.shape[1], len(values)
        xs = np.repeat(x0[None, lo:hi], 1 + d + q, axis=0)
        cs = np.repeat(self.coefs(values)[None], 1 + d + q, axis=0)
        for ell in range(d):
            xs[1 + ell, :, ell] += x_step
        for j, (i, a) in enumerate(self.index):
            cs[1 + d + j, i, a] += c_step[j]
        with np.errstate(all="ignore"):
            traj = _simulate(self.evaluate, xs, cs, win.dt[lo:hi], self.substeps)
        if not np.all(np.isfinite(traj)):
            return None
        steps = np.concatenate([np.full(d, x_step), c_step])
        sens = (traj[1:] - traj[0]) / steps[:, None, None, None]  # (d + q, w, L + 1, d)
        sigma = win.sigma[lo:hi]
        # Data rows: residual (y - traj) / sigma, so the Jacobian is -sens / sigma.
        jd = -(sens[:, :, :-1] / sigma[None, :, None, :]).transpose(1, 2, 3, 0)
        jd = jd.reshape(hi - lo, -1, d + q)
        rd = ((win.y[lo:hi] - traj[0, :, :-1]) / sigma[:, None, :]).reshape(hi - lo, -1)
        jdt = jd.transpose(0, 2, 1)
        block = np.matmul(jdt, jd)
        grad = np.matmul(jdt, rd[:, :, None])[:, :, 0]
        return block, grad, sens[:, :, -1].transpose(1, 2, 0), traj[0, :, -1]

    def normal_equations(self, x0, values):
        """Gauss-Newton normal equations: banded state block, border and right-hand side.

        The windows are taken in chunks, so memory stays bounded on long data.
        """
        win, d, q = self.win, x0.shape[1], len(values)
        w = len(x0)
        x_step = 1e-6 * (1.0 + np.abs(x0).max())
        c_step = 1e-6 * (1.0 + np.abs(values))
        chunk = max(1, _CHUNK // ((1 + d + q) * (win.dt.shape[1] + 1) * d))
        parts = []
        for lo in range(0, w, chunk):
            part = self._window_terms(x0, values, lo, min(lo + chunk, w), x_step, c_step)
            if part is None:
                return None
            parts.append(part)
        block, grad, end_sens, end = (np.concatenate(p) for p in zip(*parts))
        # Continuity rows of link w: (end(w) - x0(w + 1)) / s: d/dx0(w), d/dcoef, -1/s.
        link, s = win.link, CONTINUITY * win.sigma[win.link]
        gap = (end[link] - x0[link + 1]) / s
        jc = end_sens[link] / s[:, :, None]  # (n_links, d, d + q)
        block[link] += np.einsum("lma,lmb->lab", jc, jc)
        grad[link] += np.einsum("lma,lm->la", jc, gap)
        inv_s = 1.0 / s
        # The -1/s entries for x0(w + 1): diagonal of the next block, coupling to x0(w), coef.
        nxt = link + 1
        block[nxt[:, None], np.arange(d)[None, :], np.arange(d)[None, :]] += inv_s**2
        grad[nxt, :d] -= inv_s * gap
        couple = -jc[:, :, :d] * inv_s[:, :, None]  # (n_links, d of x0(w+1), d of x0(w))
        border_next = -jc[:, :, d:] * inv_s[:, :, None]  # (n_links, d of x0(w+1), q)
        # Assemble: states (W d, banded, lower bandwidth 2 d - 1), border (W d, q), (q, q).
        n = w * d
        ab = np.zeros((2 * d, n))
        for r in range(d):
            for col in range(r + 1):
                ab[r - col, np.arange(w) * d + col] = block[:, r, col]
        for r in range(d):  # rows of x0(w + 1), columns of x0(w): offset d + r - col
            for col in range(d):
                ab[d + r - col, link * d + col] = couple[:, r, col]
        border = block[:, :d, d:].reshape(n, q).copy()
        border[(nxt[:, None] * d + np.arange(d)).reshape(-1)] += border_next.reshape(-1, q)
        corner = block[:, d:, d:].sum(axis=0)
        rhs = np.concatenate([grad[:, :d].reshape(-1), grad[:, d:].sum(axis=0)])
        return ab, border, corner, rhs


def _solve(ab, border, corner, rhs, damping):
    """Step of the damped normal equations ``(A + damping diag(A)) step = -rhs``."""
    n = ab.shape[1]
    ab = ab.copy()
    ab[0] *= 1.0 + damping
    corner = corner + damping * np.diag(np.diag(corner))
    factor = linalg.cholesky_banded(ab, lower=True, check_finite=False)
    solved = linalg.cho_solve_banded(
        (factor, True), np.column_stack([border, rhs[:n]]), check_finite=False
    )
    schur = corner - border.T @ solved[:, :-1]
    step_c = np.linalg.solve(schur, -(rhs[n:] - border.T @ solved[:, -1]))
    step_x = -solved[:, -1] - solved[:, :-1] @ step_c
    return step_x, step_c, schur


def shooting_refine(library, coef, xs, ts, sigmas, jacobian_scale, *, max_iter=30, tol=1e-6):
    """Refine the nonzero coefficients by multiple-shooting output error (see the module).

    Parameters
    ----------
    library : fitted library
    coef : ndarray of shape (d, p)
        Starting coefficients; their support is kept.
    xs, ts : lists of arrays
        States (n, d) and times of each piece (no control inputs).
    sigmas : list of ndarray of shape (d,)
        Noise standard deviation of each state, per piece (all positive).
    jacobian_scale : float
        The largest norm of the model's Jacobian along the data: sets the Runge--Kutta
        substeps per sampling interval (step times scale at most 0.1) and the window length.

    Returns
    -------
    refined : ndarray of shape (d, p) or None
        None when there is nothing to refine or the iteration did not converge.
    stderr : ndarray of shape (d, p) or None
        Standard errors of the refined coefficients (inverse of the Gauss-Newton matrix).
    n_iter : int
    """
    typical_step = float(np.median(np.concatenate([np.diff(t) for t in ts])))
    fast = typical_step * jacobian_scale  # 0 for a model whose Jacobian vanishes
    length = WINDOW if fast <= SPAN / WINDOW else max(int(SPAN / fast), MIN_WINDOW)
    windows = _Windows(xs, ts, sigmas, length)
    if windows.empty or not np.any(coef):
        return None, None, 0
    largest_step = float(windows.dt.max())
    substeps = int(min(max(np.ceil(largest_step * jacobian_scale / 0.1), 1), 16))
    problem = _Problem(library, coef, windows, substeps)
    x0 = windows.y[:, 0].copy()
    values = coef[problem.index[:, 0], problem.active[problem.index[:, 1]]].copy()
    cost = problem.cost(x0, values)
    damping, moved, schur = 1e-3, np.inf, None
    for n_iter in range(1, max_iter + 1):
        system = problem.normal_equations(x0, values)
        if system is None or not np.isfinite(cost):
            return None, None, n_iter
        while True:
            try:
                step_x, step_c, trial_schur = _solve(*system, damping)
            except (linalg.LinAlgError, np.linalg.LinAlgError):
                step_x = None
            if step_x is not None:
                trial_x = x0 + step_x.reshape(x0.shape)
                trial_c = values + step_c
                trial = problem.cost(trial_x, trial_c)
                if trial < cost:
                    break
            damping *= 10.0
            if damping > 1e8:  # no step lowers the cost: converged to rounding, or stuck
                if moved <= 1e3 * tol and schur is not None:
                    return _result(problem, coef, values, schur, n_iter)
                return None, None, n_iter
        moved = np.abs(step_c).max() / max(np.abs(trial_c).max(), 1e-300)
        x0, values, cost, schur = trial_x, trial_c, trial, trial_schur
        damping = max(damping / 10.0, 1e-9)
        if moved <= tol:
            return _result(problem, coef, values, schur, n_iter)
    return None, None, max_iter


def _result(problem, coef, values, schur, n_iter):
    """Refined coefficients and their standard errors (inverse of the Schur complement)."""
    refined = np.zeros_like(coef)
    refined[:, problem.active] = problem.coefs(values)
    stderr = np.zeros_like(coef)
    try:
        errors = np.sqrt(np.clip(np.diag(np.linalg.inv(schur)), 0.0, None))
        stderr[problem.index[:, 0], problem.active[problem.index[:, 1]]] = errors
    except np.linalg.LinAlgError:  # pragma: no cover - a singular Schur complement
        stderr = None
    return refined, stderr, n_iter
