"""Total-variation-regularised differentiation (Chartrand 2011), solved by lagged diffusivity."""

import warnings
from typing import ClassVar

import numpy as np
from scipy.linalg import solveh_banded

from .._params import Integer, Real
from ..exceptions import ConvergenceWarning
from ._base import BaseDifferentiation
from ._finite_difference import FiniteDifference

__all__ = ["TotalVariation"]


class TotalVariation(BaseDifferentiation):
    """Derivative whose total variation is penalised: piecewise smooth, robust to noise.

    For each column ``f`` the derivative ``u`` minimises
    ``alpha * TV(u) + 1/2 * sum_i (y_i - f_i)**2`` where ``y`` is the antiderivative of ``u``
    (``y_{i+1} = y_i + (t_{i+1} - t_i) u_i``) and ``TV(u) = sum_i |u_{i+1} - u_i|``. This is
    Chartrand's functional with the integration constant left free (Chartrand fixes it to the
    first, noisy, sample). The derivative at the samples is then the three-point (second order)
    finite difference of the fitted ``y``, for the actual times.

    Parameters
    ----------
    alpha : float, default=1e-2
        Weight of the total variation, > 0. Each column is divided by its standard deviation
        before the fit, so ``alpha`` does not depend on the scale of ``x``; it has the unit of
        time. Larger gives a flatter, more piecewise-constant derivative and should grow with the
        noise level. On Lorenz (dt = 0.002, 5000 samples) the best values were about 1e-3 at 1 %
        noise and 1e-2 at 10 % noise.
    max_iter : int, default=500
        Maximum number of lagged-diffusivity iterations (one banded solve per column each).
    tol : float, default=1e-4
        Stop when the derivative changes by less than ``tol`` relative to its norm (about 170
        iterations on the Lorenz data above).

    Attributes
    ----------
    halo : str
        ``"global"``.

    Notes
    -----
    The minimiser is found with the lagged-diffusivity fixed point of Chartrand's small-scale
    algorithm (Vogel and Oman): with ``r = D2 y`` the vector of jumps of ``u``, each iteration
    solves ``(I + alpha D2^T diag(1 / sqrt(r**2 + eps**2)) D2) y = f``. Working with ``y`` rather
    than ``u`` makes this matrix pentadiagonal instead of dense (Chartrand's ``A^T A`` is a full
    n-by-n matrix), so each iteration costs O(n): about 0.14 s for 10^4 samples and 3 columns,
    2.4 s for 10^5. A ``ConvergenceWarning`` is emitted when ``max_iter`` is reached first.

    Total variation favours piecewise-constant derivatives; on smooth data such as Lorenz the
    exact minimiser shows small staircases, and the smoothing spline or a wide Savitzky-Golay
    window is usually more accurate (see ``benchmarks/bench_differentiation.py``).

    References
    ----------
    .. [1] R. Chartrand, "Numerical differentiation of noisy, nonsmooth data", ISRN Applied
       Mathematics 2011, 164564 (2011).
    .. [2] C. R. Vogel and M. E. Oman, "Iterative methods for total variation denoising",
       SIAM Journal on Scientific Computing 17 (1), 227-238 (1996).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.differentiation import TotalVariation
    >>> t = np.linspace(0.0, 1.0, 201)
    >>> x = np.abs(t - 0.5) + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    >>> x_dot = TotalVariation(alpha=1e-2)(x, t)
    >>> bool(np.median(np.abs(x_dot - np.sign(t - 0.5))) < 0.1)
    True
    """

    _parameter_rules: ClassVar = {
        "alpha": Real(minimum=0, closed="neither"),
        "max_iter": Integer(minimum=1),
        "tol": Real(minimum=0, closed="neither"),
    }

    def __init__(self, alpha=1e-2, max_iter=500, tol=1e-4):
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    @property
    def halo(self):
        return "global"

    def _differentiate(self, x, grid):
        params = self._check_params()
        alpha, max_iter, tol = params["alpha"], params["max_iter"], params["tol"]
        n = x.shape[0]
        if n < 3:
            raise ValueError(f"TotalVariation: needs at least 3 samples, but n_samples={n}")
        inv_dt = 1.0 / np.diff(grid.t)
        smoothed = np.empty_like(x)
        not_converged = []
        for j in range(x.shape[1]):
            scale = np.std(x[:, j])
            if scale == 0.0:
                smoothed[:, j] = x[:, j]
                continue
            y, converged = _fit_antiderivative(x[:, j] / scale, inv_dt, alpha, max_iter, tol)
            smoothed[:, j] = scale * y
            if not converged:
                not_converged.append(j)
        if not_converged:
            warnings.warn(
                f"TotalVariation: did not converge in max_iter={max_iter} iterations for columns "
                f"{not_converged} (tol={tol:g}); increase max_iter or tol",
                ConvergenceWarning,
                stacklevel=3,
            )
        return FiniteDifference(order=2)._differentiate(smoothed, grid)


def _fit_antiderivative(f, inv_dt, alpha, max_iter, tol):
    """Lagged-diffusivity iterations for ``min_y 1/2 |y - f|^2 + alpha * sum |D2 y|``."""
    n = f.shape[0]
    # Row j of D2 maps y to u_{j+1} - u_j, with u_j = (y_{j+1} - y_j) / dt_j.
    a = inv_dt[:-1]
    c = inv_dt[1:]
    b = -(a + c)

    def jumps(y):
        return a * y[:-2] + b * y[1:-1] + c * y[2:]

    def slopes(y):
        return np.diff(y) * inv_dt

    # eps makes the TV term differentiable; relative to the jumps of the raw data it only rounds
    # off jumps far below anything the data can resolve.
    # The floor (f has unit standard deviation) covers data without any jump, e.g. a line.
    eps = 1e-6 * max(np.max(np.abs(jumps(f))), 1e-6 * np.max(inv_dt))
    y = f.copy()
    u = slopes(y)
    bands = np.empty((3, n))
    for _ in range(max_iter):
        weight = alpha / np.sqrt(jumps(y) ** 2 + eps**2)
        bands[:] = 0.0
        diag = bands[2]
        diag += 1.0
        diag[:-2] += weight * a * a
        diag[1:-1] += weight * b * b
        diag[2:] += weight * c * c
        off1 = np.zeros(n - 1)
        off1[:-1] += weight * a * b
        off1[1:] += weight * b * c
        bands[1, 1:] = off1
        bands[0, 2:] = weight * a * c
        y = solveh_banded(bands, f, check_finite=False)
        u_new = slopes(y)
        change = np.linalg.norm(u_new - u)
        u = u_new
        if change <= tol * np.linalg.norm(u):
            return y, True
    return y, False
