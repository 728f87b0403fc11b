"""A cheap noise diagnostic: estimate the noise level and warn when differences amplify it."""

import numbers
import warnings

import numpy as np

from .._params import check_integer
from ._base import UNIFORM_RTOL_FAST_PATH, BaseDifferentiation, _time_grid
from ._fornberg import fornberg_weights

__all__ = ["NoiseWarning", "check_noise", "estimate_noise", "interior_weight_norm"]

# 1 / Phi^{-1}(3/4): turns a median absolute deviation into a Gaussian standard deviation.
_MAD_TO_STD = 1.482602218505602
_DIFFERENCE_ORDER = 6
_MAX_RESIDUES = 100_000


class NoiseWarning(UserWarning):
    """The derivative estimate is likely dominated by measurement noise."""


def estimate_noise(x, t=None, *, difference_order=6):
    """Estimate the standard deviation of white measurement noise in each column of ``x``.

    Differences of order ``k`` annihilate polynomials of degree below ``k``, so on finely
    sampled smooth data they leave mostly the noise. At each sample the ``k``-th divided
    difference over ``k + 1`` consecutive samples (weights ``w`` for the actual times) is divided
    by ``||w||_2``, which gives a variable of standard deviation ``sigma`` for white noise of
    standard deviation ``sigma``; the estimate is the median absolute value of these, scaled
    to a Gaussian standard deviation (robust to a few large smooth-signal residues). On a uniform
    grid this is the classic ``Delta^k x / sqrt(C(2k, k))``.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features) or (n_samples,)
        One trajectory.
    t : array-like of shape (n_samples,), float or None, default=None
        Sample times or constant step; None means equally spaced samples.
    difference_order : int, default=6
        ``k``. Higher orders remove more of the smooth signal on finely sampled data; on
        coarsely sampled data (fewer than ~10 samples per oscillation) the signal leaks into the
        estimate whatever the order, which then overestimates the noise.

    Returns
    -------
    sigma : ndarray of shape (n_features,) or float
        The estimated noise standard deviation per column (a float for 1-D ``x``).

    References
    ----------
    .. [1] T. Gasser, L. Sroka and C. Jennen-Steinmetz, "Residual variance and residual pattern in
       nonlinear regression", Biometrika 73 (3), 625-633 (1986).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.differentiation import estimate_noise
    >>> t = np.linspace(0.0, 10.0, 5000)
    >>> x = np.sin(t) + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    >>> bool(abs(estimate_noise(x, t) - 0.01) < 0.001)
    True
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (1, 2):
        raise ValueError(f"estimate_noise: x must be 1-D or 2-D, got shape {x.shape}")
    squeeze = x.ndim == 1
    x2d = x[:, np.newaxis] if squeeze else x
    k = check_integer(
        "estimate_noise", "difference_order", difference_order, minimum=1, type_error=ValueError
    )
    n = x2d.shape[0]
    if n < k + 2:
        raise ValueError(
            f"estimate_noise: difference_order={k} needs at least {k + 2} samples, got "
            f"n_samples={n}"
        )
    if not np.all(np.isfinite(x2d)):
        raise ValueError("estimate_noise: x must be finite")
    grid = None if t is None else _time_grid(t, n, "estimate_noise")
    if grid is None or grid.uniform_step(UNIFORM_RTOL_FAST_PATH) is not None:
        # Normalised difference weights do not depend on the step: one row serves every point.
        weights = fornberg_weights(np.arange(k + 1, dtype=np.float64), 0.0, k)[np.newaxis, :]
    else:
        index = np.arange(n - k)[:, np.newaxis] + np.arange(k + 1)
        weights = fornberg_weights(grid.t[index], grid.t[index[:, 0]], k)
    weights = weights / np.linalg.norm(weights, axis=1, keepdims=True)
    # A median over 10^5 residues is as good an estimate as over all of them (relative standard
    # error ~0.4 %); on long trajectories every `stride`-th residue is enough.
    stride = max(1, (n - k) // _MAX_RESIDUES)
    weights = weights[::stride]
    residues = np.zeros((len(range(0, n - k, stride)), x2d.shape[1]))
    for j in range(k + 1):
        residues += weights[:, j, np.newaxis] * x2d[j : n - k + j : stride]
    sigma = _MAD_TO_STD * np.median(np.abs(residues), axis=0)
    return float(sigma[0]) if squeeze else sigma


def interior_weight_norm(method, step):
    """``||w||_2`` of a local linear method's interior weights at sampling step ``step``.

    White noise of standard deviation ``sigma`` becomes noise of standard deviation
    ``sigma * ||w||_2`` in the method's estimate (``method.halo`` must be an integer).
    """
    halo = method.halo
    # The response to a unit impulse holds the interior weights, reversed.
    impulse = np.zeros(4 * halo + 1)
    impulse[2 * halo] = 1.0
    return float(np.linalg.norm(method(impulse, step)[halo : 3 * halo + 1]))


def check_noise(x, t, method, *, threshold=0.1, x_dot=None):
    """Warn when the noise in ``x`` is likely to dominate the derivative from ``method``.

    For a local linear method (``FiniteDifference``, ``SavitzkyGolay``: an integer ``halo``), the
    standard deviation of the noise it passes into the derivative is ``sigma * ||w||_2``, with
    ``sigma`` from :func:`estimate_noise` and ``w`` the method's interior weights for the median
    time step (``||w||_2`` is about 1.1 / dt for ``FiniteDifference(order=8)``). This is compared
    with the root mean square of the noise-free derivative, estimated as that of
    ``method(x, t)`` with the expected noise variance removed. A :class:`NoiseWarning` suggesting
    a smoothing method is emitted when the ratio exceeds ``threshold`` in any column. Methods with
    a global halo (splines, total variation, spectral) are not checked.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features) or (n_samples,)
        One trajectory.
    t : array-like of shape (n_samples,) or float
        Sample times or constant step.
    method : BaseDifferentiation
        The differentiator that will be used.
    threshold : float, default=0.1
        Largest acceptable ratio of derivative noise to derivative magnitude.
    x_dot : array-like of shape like ``x``, optional
        ``method(x, t)`` when the caller has it already (saves differentiating twice).

    Returns
    -------
    ratio : ndarray of shape (n_features,) or None
        Noise-to-signal ratio of the derivative per column, or None when ``method`` was not
        checked (global halo, or fewer than 8 samples).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.differentiation import FiniteDifference, check_noise
    >>> t = np.linspace(0.0, 10.0, 5000)
    >>> ratio = check_noise(np.sin(t), t, FiniteDifference(order=8))
    >>> bool(ratio[0] < 1e-3)
    True
    """
    if not isinstance(method, BaseDifferentiation):
        raise TypeError(f"check_noise: method={method!r} must be a BaseDifferentiation")
    halo = method.halo
    if not isinstance(halo, numbers.Integral):
        return None
    x = np.asarray(x, dtype=np.float64)
    x2d = x[:, np.newaxis] if x.ndim == 1 else x
    # The method validates x and t first, so bad input gets the method's own error message.
    x_dot = method(x2d, t) if x_dot is None else np.asarray(x_dot, dtype=np.float64)
    x_dot = x_dot[:, np.newaxis] if x_dot.ndim == 1 else x_dot
    mean_square = np.einsum("ij,ij->j", x_dot, x_dot) / len(x_dot)
    return noise_ratio(x2d, t, method, mean_square, threshold)


def noise_ratio(x2d, t, method, mean_square, threshold=0.1):
    """:func:`check_noise` given the mean square of the derivative per column, not the derivative.

    What a streamed fit calls: it never holds a trajectory's whole derivative, only the running
    sum of its squares. ``x2d`` has shape (n_samples, n_features); returns the ratio (or None)
    and warns as :func:`check_noise` does.
    """
    halo = method.halo
    if not isinstance(halo, numbers.Integral):
        return None
    grid = _time_grid(t, x2d.shape[0], "check_noise")
    if grid.n < _DIFFERENCE_ORDER + 2:
        return None
    step = grid.step if grid.step is not None else float(np.median(np.diff(grid.t)))
    sigma = np.atleast_1d(estimate_noise(x2d, grid.t, difference_order=_DIFFERENCE_ORDER))
    # An estimate at the level of rounding errors means no measurable noise (e.g. a constant).
    # Column by column: on long trajectories numpy reduces a column much faster than axis=0.
    largest = np.array([max(col.max(), -col.min()) for col in x2d.T])
    rounding = 64 * np.finfo(np.float64).eps * largest
    sigma = np.where(sigma <= rounding, 0.0, sigma)
    noise = sigma * interior_weight_norm(method, step)
    signal_power = np.maximum(mean_square - noise**2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(noise > 0, noise / np.sqrt(signal_power), 0.0)
    worst = int(np.argmax(ratio))
    if ratio[worst] > threshold:
        warnings.warn(
            f"check_noise: the estimated noise (std {sigma[worst]:.3g} in column {worst}) puts "
            f"noise of about {ratio[worst]:.2g} times the derivative's RMS into its estimate by "
            f"{method!r} (threshold {threshold:g}); use a smoothing differentiator such as "
            "SavitzkyGolay, "
            "SmoothingSpline or TotalVariation",
            NoiseWarning,
            stacklevel=3,
        )
    return ratio
