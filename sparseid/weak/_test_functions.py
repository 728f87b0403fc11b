"""Test functions of the weak form: compactly supported bumps, their quadrature and widths.

A test function is the polynomial bump ``phi(t) = (1 - ((t - c) / h)^2)^p`` on ``[c - h, c + h]``
(zero outside), with ``p - 1`` derivatives vanishing at both ends, so integration by parts
leaves no boundary terms and the trapezoidal rule integrates ``phi`` times smooth data with an
error that falls like a high power of the step (Euler--Maclaurin: the end corrections vanish).
"""

import numpy as np
from scipy import sparse

__all__ = ["auto_half_width", "bump_matrices", "trapezoid_weights"]


def trapezoid_weights(t):
    """Weights ``w`` with ``sum(w * f(t)) ~ integral of f over [t[0], t[-1]]`` (any grid).

    Examples
    --------
    >>> trapezoid_weights([0.0, 1.0, 3.0])
    array([0.5, 1.5, 1. ])
    """
    t = np.asarray(t, dtype=np.float64)
    w = np.zeros_like(t)
    dt = np.diff(t)
    w[:-1] += dt / 2
    w[1:] += dt / 2
    return w


def bump_matrices(t, half_width, order, spacing):
    """Quadrature matrices of the test functions and of their derivatives on one piece.

    Parameters
    ----------
    t : ndarray of shape (n,)
        Strictly increasing sample times.
    half_width : float
        Half-width ``h`` of each test function, in units of time.
    order : int
        Exponent ``p`` of the bump.
    spacing : float
        Distance between neighbouring centres, in units of time.

    Returns
    -------
    phi, dphi : scipy.sparse.csr_array of shape (K, n)
        ``phi[k, m] = w_m phi_k(t_m)`` and ``dphi[k, m] = w_m phi_k'(t_m)`` with trapezoidal
        weights ``w``, so that ``phi @ f`` approximates the integral of ``phi_k f``.
    centers : ndarray of shape (K,)
        Centres of the test functions (K may be 0 when the piece is shorter than ``2 h``).
    """
    t = np.asarray(t, dtype=np.float64)
    w = trapezoid_weights(t)
    first, last = t[0] + half_width, t[-1] - half_width
    if last < first:
        empty = sparse.csr_array((0, len(t)))
        return empty, empty, np.empty(0)
    count = int(np.floor((last - first) / spacing)) + 1
    # Centred in the piece, so both ends are treated alike.
    slack = (last - first) - (count - 1) * spacing
    centers = first + slack / 2 + spacing * np.arange(count)
    lo = np.searchsorted(t, centers - half_width, side="right")
    hi = np.searchsorted(t, centers + half_width, side="left")
    lengths = hi - lo
    rows = np.repeat(np.arange(count), lengths)
    cols = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)])
    s = (t[cols] - centers[rows]) / half_width
    base = np.clip(1.0 - s * s, 0.0, None)
    values = base**order * w[cols]
    derivs = -2.0 * order * s * base ** (order - 1) / half_width * w[cols]
    shape = (count, len(t))
    phi = sparse.csr_array((values, (rows, cols)), shape=shape)
    dphi = sparse.csr_array((derivs, (rows, cols)), shape=shape)
    return phi, dphi, centers


def _corner_frequency(x, t, sigma):
    """Highest frequency (cycles per unit time) where the signal stands above white noise."""
    n = len(t)
    step = (t[-1] - t[0]) / (n - 1)
    grid = np.linspace(t[0], t[-1], n)
    window = np.hanning(n)
    freqs = np.fft.rfftfreq(n, step)
    corners = []
    for j in range(x.shape[1]):
        col = np.interp(grid, t, x[:, j])
        col = col - np.linspace(col[0], col[-1], n)  # no jump at the ends
        power = np.abs(np.fft.rfft(col * window)) ** 2
        # White noise of std sigma gives E|FFT|^2 = sigma^2 sum(window^2) at every frequency.
        floor = sigma[j] ** 2 * np.sum(window**2)
        width = max(1, len(power) // 200)
        smooth = np.convolve(power, np.ones(2 * width + 1) / (2 * width + 1), mode="same")
        above = np.flatnonzero(smooth > 10.0 * floor)
        corners.append(freqs[above[-1]] if above.size else freqs[1])
    return float(np.median(corners))


def auto_half_width(x, t, sigma, order, *, min_samples, max_fraction=0.125, decay=3.0):
    """Half-width of the test functions chosen from the data's spectrum and noise level.

    The signal's corner frequency ``f_c`` is the highest frequency at which the (Hann-windowed,
    smoothed) power spectrum of a column stands ten times above the white-noise floor
    ``sigma^2 sum(window^2)`` (median over the columns). The bump ``(1 - s^2)^p`` is close to
    a Gaussian of standard deviation ``h / sqrt(2 p + 3)``; its Fourier transform has fallen to
    ``exp(-decay^2 / 2)`` at ``f_c`` when ``h = decay sqrt(2 p + 3) / (2 pi f_c)``. So the test
    functions keep the signal's band and filter what lies above it (the idea of WENDy's
    radius selection, Bortz, Messenger & Dukic 2023). The result is clipped to at least
    ``min_samples`` sampling steps (quadrature accuracy, and clean data, whose corner is at the
    Nyquist frequency) and at most ``max_fraction`` of the piece.

    Returns
    -------
    h : float
        Half-width in units of time.
    """
    n = len(t)
    step = (t[-1] - t[0]) / (n - 1)
    f_c = _corner_frequency(x, t, sigma)
    h = decay * np.sqrt(2 * order + 3) / (2 * np.pi * f_c)
    lo = min(min_samples * step, max_fraction * (t[-1] - t[0]))
    return float(np.clip(h, lo, max_fraction * (t[-1] - t[0])))
