"""The interface every differentiator follows, and the input checks they share."""

import numpy as np
from sklearn.base import BaseEstimator

from .._params import ParameterRulesMixin
from .._time import validate_time

__all__ = ["BaseDifferentiation"]

# Relative spread of the time steps below which a grid counts as uniform. Methods that *require*
# uniform spacing use the loose tolerance so that times read back from text files (a few
# significant digits) are accepted; the error this admits is of the order of the tolerance itself.
# The finite-difference fast path uses the tight one, so it never changes a result measurably.
UNIFORM_RTOL_REQUIRED = 1e-6
UNIFORM_RTOL_FAST_PATH = 1e-9


class _Grid:
    """Sample times of one trajectory: an array ``t`` or a constant ``step`` (or both)."""

    def __init__(self, n, t=None, step=None):
        self.n = n
        self._t = t
        self.step = step

    @property
    def t(self):
        """The sample times as an array (``step * arange(n)`` when only a step was given)."""
        if self._t is None:
            self._t = self.step * np.arange(self.n, dtype=np.float64)
        return self._t

    def uniform_step(self, rtol):
        """The constant step if the grid is uniform to ``rtol`` (relative spread), else None."""
        if self.step is not None:
            return self.step
        if self.n < 2:
            return None
        dt = np.diff(self._t)
        mean = (self._t[-1] - self._t[0]) / (self.n - 1)
        if np.max(np.abs(dt - mean)) <= rtol * mean:
            return float(mean)
        return None

    def require_uniform(self, owner):
        """The constant step, or a ValueError naming ``owner`` when the grid is non-uniform."""
        step = self.uniform_step(UNIFORM_RTOL_REQUIRED)
        if step is None:
            dt = np.diff(self._t)
            i = int(np.argmax(np.abs(dt - np.median(dt))))
            raise ValueError(
                f"{owner}: t must be uniformly spaced (relative spread of the steps at most "
                f"{UNIFORM_RTOL_REQUIRED:g}), but t[{i + 1}] - t[{i}] = {dt[i]:.6g} while the "
                f"median step is {np.median(dt):.6g}; use FiniteDifference or SmoothingSpline for "
                "non-uniform times"
            )
        return step


class BaseDifferentiation(ParameterRulesMixin, BaseEstimator):
    """Base class of the differentiators: ``method(x, t)`` returns the time derivative of ``x``.

    A differentiator is a scikit-learn estimator only so that it clones and shows its parameters
    in the ``get_params`` of a model (``differentiation_method__window=...`` in a grid search); it
    learns nothing and keeps no state between calls.

    Subclasses declare ``_parameter_rules`` (a rule for every constructor argument, see
    :mod:`sparseid._params`), implement ``_differentiate(x, grid)`` on a validated float64 array
    ``x`` of shape ``(n, d)`` and the ``halo`` property, and check what depends on the data
    (uniform spacing, window against length, enough points for the order) when they have it.

    Attributes
    ----------
    halo : int or "global"
        How many neighbouring samples on each side an interior estimate reads, or ``"global"``
        when every estimate depends on the whole trajectory. A trajectory can be differentiated in
        chunks that overlap by ``halo`` samples and give the same interior result.
    """

    def __call__(self, x, t):
        """Differentiate one trajectory with respect to time.

        Parameters
        ----------
        x : array-like of shape (n_samples, n_features) or (n_samples,)
            Samples of the state, one row per time.
        t : array-like of shape (n_samples,) or float
            Strictly increasing sample times, or the constant time step (a positive float).

        Returns
        -------
        x_dot : ndarray of the same shape as ``x``
            The estimated time derivative at each sample.
        """
        x2d, grid, squeeze = self._validate(x, t)
        x_dot = self._differentiate(x2d, grid)
        return x_dot[:, 0] if squeeze else x_dot

    @property
    def halo(self):
        raise NotImplementedError

    def _differentiate(self, x, grid):
        raise NotImplementedError

    def _validate(self, x, t):
        name = type(self).__name__
        x = np.asarray(x, dtype=np.float64)
        if x.ndim not in (1, 2):
            raise ValueError(
                f"{name}: x must have shape (n_samples,) or (n_samples, n_features), "
                f"got an array with shape {x.shape}"
            )
        squeeze = x.ndim == 1
        if squeeze:
            x = x[:, np.newaxis]
        n = x.shape[0]
        if not np.all(np.isfinite(x)):
            row = int(np.argmax(~np.all(np.isfinite(x), axis=1)))
            raise ValueError(f"{name}: x must be finite, but row {row} contains NaN or inf")
        return x, _time_grid(t, n, name), squeeze


def _time_grid(t, n, name):
    """The validated times of one trajectory (n strictly increasing times or a step) as a _Grid.

    The checks are those of :func:`sparseid._time.validate_time`, the one validator of times.
    """
    t = validate_time(t, n, owner=name, keep_step=True)
    return _Grid(n, step=t) if isinstance(t, float) else _Grid(n, t=t)


def check_window_fits(owner, window, n):
    """Check that a ``window`` (already checked against its rule) fits ``n`` samples."""
    if window > n:
        raise ValueError(
            f"{owner}: window={window} is longer than the trajectory (n_samples={n}); "
            f"use a window of at most {n if n % 2 else n - 1} samples"
        )
    return int(window)
