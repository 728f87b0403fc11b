"""A fitted network as plain functions of one state, its right-hand side and Jacobian.

What a fitted neural ODE hands to scipy's integrators (``simulate``, the dynamics tools): no
batches, no caches, the input and output maps folded in.
"""

import numpy as np

from ._activations import activate, check_activation, derivative

__all__ = ["single_state_functions"]


def single_state_functions(
    layers, activation, input_mean, input_scale, output_offset, scale, slopes=None
):
    """Lean ``f(x)`` and Jacobian ``∂f/∂x`` of a network on one state, for ODE integrators.

    f(x) = offset + scale ⊙ net((x - mean) / input_scale).

    Parameters
    ----------
    layers : list of (W, b)
    activation : str
    input_mean, input_scale, output_offset, scale : ndarray
    slopes : list of ndarray, optional
        The learned slopes of each hidden layer (``prelu`` only); by default those of
        ``layers.slopes`` when it is a :class:`Layers`.

    Returns
    -------
    rhs : callable
        ``rhs(x) -> (n_out,)`` for ``x`` of shape ``(n_in,)``.
    jacobian : callable
        ``jacobian(x) -> (n_out, n_in)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import single_state_functions
    >>> layers = [(np.eye(2), np.zeros(2)), (2 * np.eye(2), np.ones(2))]
    >>> rhs, jac = single_state_functions(layers, "relu", np.zeros(2), np.ones(2),
    ...                                    np.zeros(2), np.ones(2))
    >>> rhs(np.array([1.0, -1.0])).tolist(), jac(np.array([1.0, -1.0])).tolist()
    ([3.0, 1.0], [[2.0, 0.0], [0.0, 0.0]])
    """
    check_activation("single_state_functions", "activation", activation)
    if slopes is None:
        slopes = getattr(layers, "slopes", ())
    layers = [(np.ascontiguousarray(W), np.array(b)) for W, b in layers]
    mean, inv = np.array(input_mean), 1.0 / np.asarray(input_scale)
    offset, scale = np.array(output_offset), np.array(scale)
    hidden, (WL, bL) = layers[:-1], layers[-1]
    if activation == "prelu":
        if len(slopes) != len(hidden):
            raise ValueError(
                "single_state_functions: the 'prelu' activation needs one slope vector per "
                f"hidden layer ({len(hidden)}), got {len(slopes)}"
            )
        slopes = [np.array(a, dtype=np.float64) for a in slopes]
    else:
        slopes = [None] * len(hidden)

    def rhs(x):
        h = (x - mean) * inv
        for (W, b), a in zip(hidden, slopes):
            h = activate(W @ h + b, activation, a)
        return offset + scale * (WL @ h + bL)

    def jacobian(x):
        h = (x - mean) * inv
        J = np.diag(inv)
        for (W, b), a in zip(hidden, slopes):
            u = W @ h + b
            h = activate(u.copy(), activation, a)
            J = (derivative(u, h, activation, a)[:, None] * W) @ J
        return scale[:, None] * (WL @ J)

    return rhs, jacobian
