"""Savitzky-Golay differentiation: the derivative of a sliding least-squares polynomial fit."""

from typing import ClassVar

import numpy as np
from scipy.signal import savgol_filter

from .._params import Integer, check_params
from ._base import UNIFORM_RTOL_FAST_PATH, BaseDifferentiation, check_window_fits

__all__ = ["SavitzkyGolay"]


class SavitzkyGolay(BaseDifferentiation):
    """Derivative of a local least-squares polynomial fit (Savitzky-Golay filter).

    At each sample, a polynomial of degree ``polyorder`` is fitted by least squares to the
    ``window`` samples centred on it, and its derivative at the sample is the estimate. The first
    and last ``window // 2`` samples use the fit to the first (last) ``window`` samples, evaluated
    at their own times: no padding or extrapolated data enter the ends.

    Parameters
    ----------
    window : int, default=21
        Number of samples in each fit, odd, larger than ``polyorder`` and at most the trajectory
        length. Wider windows smooth more; the best width depends on the noise level and on how
        many samples cover a feature of the signal.
    polyorder : int, default=3
        Degree of the local polynomials, ``1 <= polyorder < window``.

    Attributes
    ----------
    halo : int
        ``window // 2``.

    Notes
    -----
    On a uniform grid this is ``scipy.signal.savgol_filter(..., deriv=1, mode="interp")``, a
    convolution. On a non-uniform grid each sample gets its own least-squares fit in the actual
    times (the windows still count samples), computed for all samples at once; the two paths give
    the same result on a uniform grid.

    This is not PySINDy's ``SmoothedFiniteDifference``, which smooths the data with
    ``savgol_filter`` (window 11, degree 3 by default) and then takes centred finite differences
    of the smoothed signal; here the derivative of each local fit is taken directly. The two
    agree in the interior only approximately, so sparseid has no alias of that name.

    References
    ----------
    .. [1] A. Savitzky and M. J. E. Golay, "Smoothing and differentiation of data by simplified
       least squares procedures", Analytical Chemistry 36 (8), 1627-1639 (1964).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.differentiation import SavitzkyGolay
    >>> t = np.linspace(0.0, 1.0, 50)
    >>> x_dot = SavitzkyGolay(window=7, polyorder=3)(t**3, t)
    >>> bool(np.allclose(x_dot, 3 * t**2))
    True
    """

    _parameter_rules: ClassVar = {
        "window": Integer(minimum=3, parity="odd"),
        "polyorder": Integer(minimum=1, reason="the derivative of a constant fit is zero"),
    }

    def __init__(self, window=21, polyorder=3):
        self.window = window
        self.polyorder = polyorder

    @property
    def halo(self):
        return check_params(self, ["window"])["window"] // 2

    def _check_params(self):
        params = super()._check_params()
        window, polyorder = params["window"], params["polyorder"]
        if polyorder >= window:
            raise ValueError(
                f"SavitzkyGolay: polyorder={polyorder} must be smaller than window={window}"
            )
        return params

    def _differentiate(self, x, grid):
        params = self._check_params()
        window, polyorder = params["window"], params["polyorder"]
        check_window_fits("SavitzkyGolay", window, x.shape[0])
        step = grid.uniform_step(UNIFORM_RTOL_FAST_PATH)
        if step is not None:
            return savgol_filter(
                x, window, polyorder, deriv=1, delta=step, axis=0, mode="interp"
            ).astype(np.float64, copy=False)
        return self._differentiate_local_fits(x, grid.t, window, polyorder)

    @staticmethod
    def _differentiate_local_fits(x, t, window, polyorder):
        n = x.shape[0]
        start = np.clip(np.arange(n) - window // 2, 0, n - window)
        index = start[:, np.newaxis] + np.arange(window)
        tau = t[index] - t[:, np.newaxis]
        # Scaling each window to unit half-width keeps the Vandermonde matrices well conditioned.
        scale = 0.5 * (tau[:, -1] - tau[:, 0])
        vander = (tau / scale[:, np.newaxis])[:, :, np.newaxis] ** np.arange(polyorder + 1)
        # Row 1 of the pseudo-inverse maps the window's values to the fitted linear coefficient,
        # which is the derivative at tau = 0.
        weights = np.linalg.pinv(vander)[:, 1, :] / scale[:, np.newaxis]
        x_dot = np.zeros_like(x)
        for j in range(window):
            x_dot += weights[:, j, np.newaxis] * x[index[:, j]]
        return x_dot
