"""Finite differences of any even accuracy order on uniform and non-uniform grids."""

from typing import ClassVar

import numpy as np

from .._params import Integer
from ._base import UNIFORM_RTOL_FAST_PATH, BaseDifferentiation
from ._fornberg import fornberg_weights

__all__ = ["FiniteDifference"]


class FiniteDifference(BaseDifferentiation):
    """Central finite differences of even accuracy order, one-sided of the same order at the ends.

    An interior sample ``i`` uses the ``order + 1`` samples ``i - order/2, ..., i + order/2``; the
    first and last ``order/2`` samples use the first (last) ``order + 1`` samples of the
    trajectory, so every estimate, ends included, has error ``O(dt**order)``. The weights come
    from Fornberg's algorithm for the actual sample times, so non-uniform grids get the same
    accuracy order as uniform ones.

    With ``order=2`` the result equals PySINDy's default ``FiniteDifference()`` (three-point
    central differences, three-point one-sided differences at the two end samples).

    Parameters
    ----------
    order : int, default=2
        Accuracy order, an even integer >= 2. A trajectory needs at least ``order + 1`` samples.

    Attributes
    ----------
    halo : int
        ``order // 2``: neighbours read on each side by an interior estimate.

    See Also
    --------
    fornberg_weights : The stencil weights.
    SavitzkyGolay : Local polynomial fits, for noisy data.

    Notes
    -----
    High orders amplify noise only slightly more than low ones in the interior (the norm of the
    central weights grows from 0.71/dt at order 2 to about 1.1/dt at order 8), but the one-sided
    end stencils of high order have much larger weights; on noisy data use a smoothing method.

    On a uniform grid (steps equal to a relative 1e-9) the weights are computed once and the
    derivative is a sum of shifted slices; otherwise one stencil per sample is computed, all at
    once.

    References
    ----------
    .. [1] B. Fornberg, "Generation of finite difference formulas on arbitrarily spaced grids",
       Mathematics of Computation 51 (184), 699-706 (1988).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.differentiation import FiniteDifference
    >>> t = np.linspace(0.0, 1.0, 11)
    >>> x_dot = FiniteDifference(order=4)(t**3, t)
    >>> bool(np.allclose(x_dot, 3 * t**2))
    True
    """

    _parameter_rules: ClassVar = {"order": Integer(minimum=2, parity="even")}

    def __init__(self, order=2):
        self.order = order

    @property
    def halo(self):
        return self._check_params()["order"] // 2

    def _check_length(self, n):
        order = self._check_params()["order"]
        if n < order + 1:
            raise ValueError(
                f"FiniteDifference: order={order} needs at least {order + 1} samples (the size of "
                f"its stencil), but the trajectory has n_samples={n}"
            )
        return order

    def uniform_weights(self, step):
        """Stencil weights on a uniform grid of spacing ``step``.

        Parameters
        ----------
        step : float
            The time step.

        Returns
        -------
        central : ndarray of shape (order + 1,)
            Weights of samples ``i - order/2 ... i + order/2`` for an interior sample ``i``.
        left : ndarray of shape (order // 2, order + 1)
            Row ``i`` holds the weights of samples ``0 ... order`` for the end sample ``i``; the
            last samples use the same weights mirrored and negated.
        """
        order = self._check_params()["order"]
        half = order // 2
        offsets = np.arange(-half, half + 1, dtype=np.float64)
        central = fornberg_weights(offsets)
        # Exact antisymmetry (zero centre weight) removes a round-off bias of the recursion.
        central = 0.5 * (central - central[::-1])
        nodes = np.broadcast_to(np.arange(order + 1, dtype=np.float64), (half, order + 1))
        left = fornberg_weights(nodes, np.arange(half, dtype=np.float64))
        return central / step, left / step

    def _differentiate(self, x, grid):
        order = self._check_length(x.shape[0])
        step = grid.uniform_step(UNIFORM_RTOL_FAST_PATH)
        if step is not None:
            return self._differentiate_uniform(x, step, order)
        return self._differentiate_nonuniform(x, grid.t, order)

    def _differentiate_uniform(self, x, step, order):
        n = x.shape[0]
        half = order // 2
        central, left = self.uniform_weights(step)
        x_dot = np.empty_like(x)
        interior = x_dot[half : n - half]
        interior[...] = 0.0
        for j, w in enumerate(central):
            if w != 0.0:
                interior += w * x[j : n - order + j]
        x_dot[:half] = left @ x[: order + 1]
        # Mirroring the grid maps the left-end stencils onto the right end with the sign flipped.
        x_dot[n - half :] = -(left[::-1, ::-1] @ x[n - order - 1 :])
        return x_dot

    def _differentiate_nonuniform(self, x, t, order):
        n = x.shape[0]
        half = order // 2
        start = np.clip(np.arange(n) - half, 0, n - order - 1)
        index = start[:, np.newaxis] + np.arange(order + 1)
        weights = fornberg_weights(t[index], t)
        x_dot = np.zeros_like(x)
        for j in range(order + 1):
            x_dot += weights[:, j, np.newaxis] * x[index[:, j]]
        return x_dot
