"""Test functions of the weak form: compactly supported bumps, their quadrature and widths.

A test function is the polynomial bump ``phi(t) = (1 - ((t - c) / h)^2)^p`` on ``[c - h, c + h]``
(zero outside), with ``p - 1`` derivatives vanishing at both ends, so integration by parts
leaves no boundary terms and the trapezoidal rule integrates ``phi`` times smooth data with an
error that falls like a high power of the step (Euler--Maclaurin: the end corrections vanish).
"""

import numpy as np
from scipy import sparse

__all__ = ["auto_half_width", "bump_matrices", "effective_samples", "trapezoid_weights"]


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


def effective_samples(order):
    """``n_eff / h``: samples a bump of order ``p`` averages, per sample of half-width.

    For a test function ``phi`` on a uniform grid the noise in ``sum(w phi x)`` relative to its
    size is ``sigma / |x|`` divided by ``sqrt(n_eff)``, ``n_eff = (sum phi)^2 / sum phi^2``;
    for the bump ``(1 - s^2)^p`` of half-width ``h`` samples, ``n_eff = h B(1/2, p+1)^2 /
    B(1/2, 2p+1)`` (``B`` the beta function).

    Examples
    --------
    >>> round(effective_samples(16), 3)
    0.606
    """
    from scipy.special import beta

    return float(beta(0.5, order + 1) ** 2 / beta(0.5, 2 * order + 1))


def auto_half_width(x, t, sigma, order, *, min_samples, max_fraction=0.125, attenuation=8e-4):
    """Half-width of the test functions chosen from the noise level of the data.

    Noise in the states is noise in the library integrals too (errors in the variables): a
    linear term's coefficient is attenuated by about ``lambda = (sigma / s)^2 / n_eff``, with
    ``s`` the state's standard deviation and ``n_eff`` the number of samples the test function
    effectively averages (:func:`effective_samples`). The half-width is the narrowest with
    ``lambda <= attenuation`` for every state: narrow test functions leave more independent
    equations (a smaller variance of the covariance-weighted estimate), wide ones average the
    noise in the library away (a smaller bias). ``attenuation=8e-4`` was the best trade-off on
    the Lorenz benchmark with the joint covariance weighting (10 % noise: about 20 samples;
    20 % noise: about 80). The result is clipped to at least ``min_samples`` sampling steps
    (quadrature accuracy; clean data) and at most ``max_fraction`` of the piece.

    Returns
    -------
    h : float
        Half-width in units of time.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0.0, 10.0, 1001)
    >>> x = np.sin(t)[:, None]
    >>> round(auto_half_width(x, t, np.array([0.0]), 16, min_samples=16), 6)  # clean: 16 steps
    0.16
    """
    n = len(t)
    step = (t[-1] - t[0]) / (n - 1)
    spread = np.std(x, axis=0)
    ratio = np.divide(sigma, spread, out=np.zeros_like(spread, dtype=float), where=spread > 0)
    samples = float(np.max(ratio**2)) / (attenuation * effective_samples(order))
    longest = max_fraction * (t[-1] - t[0])
    return float(min(max(samples, min_samples) * step, longest))
