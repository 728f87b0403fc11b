"""The models' default differentiator, chosen by the estimated noise level."""

import numpy as np

from ._default import default_differentiation
from ._noise import check_noise
from ._savitzky_golay import SavitzkyGolay

__all__ = ["noise_aware_differentiation"]

# Largest Savitzky-Golay window the rule may choose, in samples (and at most half a piece),
# and the windows tried, growing by about 40 % (the derivative noise falls like window^-1.5).
_MAX_WINDOW = 401
_WINDOWS = (9, 13, 19, 27, 39, 55, 79, 111, 157, 221, 313, 401)

#: Long pieces are judged on this many evenly spaced windows of this many samples.
_N_WINDOWS, _WINDOW_ROWS = 4, 16384


def noise_aware_differentiation(pieces, threshold=0.1):
    """The differentiator the models use by default: exact differences unless noise dominates.

    Rule: for each contiguous piece ``(x, t)`` (a piece longer than 65,536 samples: four evenly
    spaced windows of 16,384 samples of it), :func:`check_noise` estimates the ratio of the
    noise that ``FiniteDifference(order=8)`` (:func:`default_differentiation`) would put into
    the derivative to the derivative's own root mean square, per column. If the largest ratio
    is at most ``threshold`` (0.1, the level at which :class:`NoiseWarning` is raised), the
    default stays ``FiniteDifference(order=8)``: clean data are differentiated exactly as
    before. Otherwise the result is ``SavitzkyGolay(window, polyorder=3)`` with the first window
    of 9, 13, 19, 27, 39, 55, 79, 111, 157, 221, 313, 401 samples whose own ratio (by
    :func:`check_noise`) is at most ``threshold``, capped at half the shortest piece; when none
    reaches it, the widest allowed window (:func:`check_noise` then warns; the weak form,
    ``SINDy(weak_form=True)``, is the better tool for such data).

    Parameters
    ----------
    pieces : list of (x, t)
        Contiguous pieces of the trajectories: states (n, d) and times (n,).
    threshold : float, default=0.1
        Largest acceptable ratio of derivative noise to derivative magnitude.

    Returns
    -------
    method : BaseDifferentiation
        A new differentiator instance.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.differentiation import noise_aware_differentiation
    >>> t = np.linspace(0.0, 10.0, 5000)
    >>> noise_aware_differentiation([(np.sin(t)[:, None], t)])
    FiniteDifference(order=8)
    >>> noisy = np.sin(t) + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    >>> noise_aware_differentiation([(noisy[:, None], t)])
    SavitzkyGolay(window=79)
    """
    exact = default_differentiation()
    usable = [(x, t) for x, t in pieces if len(x) >= 16]
    if not usable or _worst_ratio(usable, exact) <= threshold:
        return exact
    largest = min(_MAX_WINDOW, min(len(x) for x, _ in usable) // 2)
    largest -= 1 - largest % 2  # odd
    method = exact
    for window in _WINDOWS:
        if window > largest:
            break
        method = SavitzkyGolay(window, 3)
        if _worst_ratio(usable, method) <= threshold:
            return method
    return method if largest < 9 or method.window == largest else SavitzkyGolay(largest, 3)


def _windows(pieces):
    """The pieces, with each long one replaced by evenly spaced windows of it.

    The noise and the derivative's size are estimated as well from a few windows of
    ``_WINDOW_ROWS`` samples as from the whole piece, and the choice then costs neither a pass
    over long data nor memory that grows with it (fits stream their data block by block).
    """
    for x, t in pieces:
        n = len(x)
        if n <= _N_WINDOWS * _WINDOW_ROWS:
            yield x, t
            continue
        for a in np.linspace(0, n - _WINDOW_ROWS, _N_WINDOWS).astype(int):
            yield x[a : a + _WINDOW_ROWS], t[a : a + _WINDOW_ROWS]


def _worst_ratio(pieces, method):
    """Largest noise-to-signal ratio of ``method``'s derivative over pieces and columns."""
    worst = 0.0
    for x, t in _windows(pieces):
        ratio = check_noise(x, t, method, threshold=np.inf)
        if ratio is not None:
            worst = max(worst, float(np.max(ratio)))
    return worst
