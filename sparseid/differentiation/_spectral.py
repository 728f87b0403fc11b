"""Fourier differentiation of uniformly sampled periodic data."""

from typing import ClassVar

import numpy as np

from .._params import Real
from ._base import BaseDifferentiation

__all__ = ["Spectral"]


class Spectral(BaseDifferentiation):
    """Differentiation by the discrete Fourier transform, with an optional low-pass cut.

    The samples are taken as one period of a periodic signal (period ``n * dt``); each Fourier
    mode of frequency ``f`` is multiplied by ``2j * pi * f``. For smooth periodic data this
    converges faster than any power of ``dt``. Data that are not periodic (whose two ends do not
    join smoothly) get large oscillating errors near the ends, and in practice everywhere: use
    :class:`FiniteDifference` or a smoothing method for them.

    Parameters
    ----------
    cutoff : float or None, default=None
        Low-pass cut as a fraction of the Nyquist frequency ``1 / (2 dt)``, in ``(0, 1]``:
        modes with ``|f| > cutoff / (2 dt)`` are set to zero before differentiating, which removes
        high-frequency noise. None keeps every mode (except the Nyquist mode of an even-length
        signal, whose derivative is not defined for real data).

    Attributes
    ----------
    halo : str
        ``"global"``.

    Notes
    -----
    PySINDy's ``SpectralDerivative`` is the same transform without the low-pass cut, with a
    derivative order ``d``, and keeping the Nyquist mode of even-length signals (its derivative
    is not defined for real data, so here it is dropped); sparseid has no alias of that name.

    References
    ----------
    .. [1] L. N. Trefethen, "Spectral Methods in MATLAB", SIAM (2000), chapter 3.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.differentiation import Spectral
    >>> t = np.linspace(0.0, 2 * np.pi, 32, endpoint=False)
    >>> x_dot = Spectral()(np.sin(3 * t), t)
    >>> bool(np.allclose(x_dot, 3 * np.cos(3 * t)))
    True
    """

    _parameter_rules: ClassVar = {
        "cutoff": Real(
            0, 1, closed="right", allow_none=True, reason="a fraction of the Nyquist frequency"
        ),
    }

    def __init__(self, cutoff=None):
        self.cutoff = cutoff

    @property
    def halo(self):
        return "global"

    def _differentiate(self, x, grid):
        cutoff = self._check_params()["cutoff"]
        n = x.shape[0]
        if n < 2:
            raise ValueError(f"Spectral: needs at least 2 samples, but n_samples={n}")
        step = grid.require_uniform("Spectral")
        freq = np.fft.rfftfreq(n, d=step)
        factor = 2j * np.pi * freq
        if n % 2 == 0:
            factor[-1] = 0.0
        if cutoff is not None:
            # The relative slack keeps a mode that sits exactly on the cut.
            factor[freq > cutoff * (0.5 / step) * (1 + 1e-12)] = 0.0
        return np.fft.irfft(factor[:, np.newaxis] * np.fft.rfft(x, axis=0), n=n, axis=0)
