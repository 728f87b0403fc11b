"""Finite-difference weights on arbitrarily spaced nodes (Fornberg's algorithm)."""

import numbers

import numpy as np

__all__ = ["fornberg_weights"]


def fornberg_weights(nodes, z=0.0, derivative=1):
    """Weights of the finite-difference formula for a derivative at ``z`` from values at ``nodes``.

    The weights ``w`` make ``sum(w * f(nodes))`` exact for every polynomial ``f`` of degree below
    ``len(nodes)``, which gives an approximation of ``f^(derivative)(z)`` of accuracy order
    ``len(nodes) - derivative``. Batches are computed together: every row of ``nodes`` is one
    stencil, with its own evaluation point in ``z``.

    Parameters
    ----------
    nodes : array-like of shape (..., n_nodes)
        Distinct abscissas of each stencil, in any order.
    z : float or array-like of shape (...), default=0.0
        Where each derivative is approximated.
    derivative : int, default=1
        Order of the derivative, ``0 <= derivative < n_nodes``.

    Returns
    -------
    weights : ndarray of shape (..., n_nodes)
        The weight of each node, in the units of ``1 / nodes**derivative``.

    Notes
    -----
    The recursion builds the weights for the first ``k`` nodes from those for ``k - 1`` nodes in
    O(n_nodes**2) operations per stencil, without solving the ill-conditioned Vandermonde system.
    The nodes are shifted to ``z`` and scaled by their mean spacing first, so the running products
    stay of order one for any step size.

    References
    ----------
    .. [1] B. Fornberg, "Generation of finite difference formulas on arbitrarily spaced grids",
       Mathematics of Computation 51 (184), 699-706 (1988).

    Examples
    --------
    >>> from sparseid.differentiation import fornberg_weights
    >>> fornberg_weights([-1.0, 0.0, 1.0])
    array([-0.5,  0. ,  0.5])
    >>> fornberg_weights([0.0, 1.0, 2.0], z=0.0)
    array([-1.5,  2. , -0.5])
    """
    nodes = np.asarray(nodes, dtype=np.float64)
    if nodes.ndim == 0:
        raise ValueError("fornberg_weights: nodes must be an array of at least one abscissa")
    n_nodes = nodes.shape[-1]
    if isinstance(derivative, bool) or not isinstance(derivative, numbers.Integral):
        raise TypeError(f"fornberg_weights: derivative={derivative!r} must be an integer")
    if not 0 <= derivative < n_nodes:
        raise ValueError(
            f"fornberg_weights: derivative={derivative} must be >= 0 and smaller than the number "
            f"of nodes ({n_nodes})"
        )
    z = np.broadcast_to(np.asarray(z, dtype=np.float64), nodes.shape[:-1])
    scale = (np.max(nodes, axis=-1) - np.min(nodes, axis=-1)) / max(n_nodes - 1, 1)
    scale = np.where(scale > 0, scale, 1.0)
    x = (nodes - z[..., np.newaxis]) / scale[..., np.newaxis]

    m = derivative
    # c[..., j, k]: weight of node j for the k-th derivative, using the nodes seen so far.
    c = np.zeros((*x.shape, m + 1))
    c[..., 0, 0] = 1.0
    c1 = np.ones(x.shape[:-1])
    c4 = x[..., 0]
    for i in range(1, n_nodes):
        mn = min(i, m)
        c2 = np.ones(x.shape[:-1])
        c5 = c4
        c4 = x[..., i]
        for j in range(i):
            c3 = x[..., i] - x[..., j]
            c2 = c2 * c3
            if np.any(c3 == 0):
                raise ValueError("fornberg_weights: the nodes of a stencil must be distinct")
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[..., i, k] = c1 * (k * c[..., i - 1, k - 1] - c5 * c[..., i - 1, k]) / c2
                c[..., i, 0] = -c1 * c5 * c[..., i - 1, 0] / c2
            for k in range(mn, 0, -1):
                c[..., j, k] = (c4 * c[..., j, k] - k * c[..., j, k - 1]) / c3
            c[..., j, 0] = c4 * c[..., j, 0] / c3
        c1 = c2
    return c[..., m] / (scale**m)[..., np.newaxis]
