"""A vector field with a linear part: f(z) = B z + MLP(z), B trained with the network.

The solvers and both gradients only need the small interface of
:class:`~sparseid.ode.BoundMLP` (call, ``vjp``, ``param_grad``, ``param_grad_into``,
``refresh``, ``n_params``), so the linear part is a thin wrapper around the bound network:
the flat parameter vector is the network's followed by the entries of B (row-major).
"""

import numpy as np

__all__ = ["LinearPartField"]


class LinearPartField:
    """dz/dt = B z + net(z): the network of ``mlp`` plus a trainable linear map.

    Parameters
    ----------
    mlp : MLP
        The network; its input and output sizes give the shape of B.
    theta : ndarray of shape (mlp.n_params + n_out * n_in,)
        Flat parameters, the network's first; views of it are kept, so in-place updates show
        after :meth:`refresh`.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import MLP, LinearPartField
    >>> mlp = MLP((2, 4, 2))
    >>> theta = np.zeros(mlp.n_params + 4)
    >>> theta[mlp.n_params:] = [0.0, 1.0, -1.0, 0.0]  # B = [[0, 1], [-1, 0]], network zero
    >>> field = LinearPartField(mlp, theta)
    >>> field(np.array([[1.0, 2.0]]))[0].tolist()
    [[2.0, -1.0]]
    """

    def __init__(self, mlp, theta):
        self.mlp = mlp
        n_in, n_out = mlp.layer_sizes[0], mlp.layer_sizes[-1]
        self.n_net = mlp.n_params
        self.n_params = self.n_net + n_in * n_out
        if theta.shape != (self.n_params,):
            raise ValueError(
                f"LinearPartField: theta has shape {theta.shape}, expected ({self.n_params},)"
            )
        self.theta = theta
        self.net = mlp.bind(theta[: self.n_net])
        self.B = theta[self.n_net :].reshape(n_out, n_in)
        self.refresh()

    def refresh(self):
        """Update the cached transposed weights after ``theta`` was changed in place."""
        self.net.refresh()
        self.BT = np.ascontiguousarray(self.B.T)

    def __call__(self, z, out=None):
        out, cache = self.net(z, out)
        out += z @ self.BT
        return out, cache

    def hidden(self, z, reuse=False):
        return self.net.hidden(z, reuse)

    def vjp_factors(self, cache, reuse=False):
        return self.net.vjp_factors(cache, reuse)

    def vjp_with(self, factors, v, out=None):
        out = self.net.vjp_with(factors, v, out)
        out += v @ self.B
        return out

    def input_jacobians(self, factors, reuse=False):
        JT = self.net.input_jacobians(factors, reuse)
        JT += self.BT[:, :, None]
        return JT

    def weighted_param_grad(self, cache, factors, VT, out):
        self.net.weighted_param_grad(cache, factors, VT, out[: self.n_net])
        out[self.n_net :].reshape(self.B.shape)[...] += VT @ cache[0]
        return out

    def vjp(self, cache, v, need_input=True, reuse=False):
        v_z, deltas = self.net.vjp(cache, v, need_input, reuse)
        if need_input:
            v_z = v_z + v @ self.B
        # the last entry is ∂L/∂(B z) = v, which param_grad pairs with the input z
        return v_z, [*deltas, v]

    def param_grad(self, caches, deltas, out=None, scales=None):
        grad = np.zeros(self.n_params, self.theta.dtype) if out is None else out
        self.net.param_grad(caches, [d[:-1] for d in deltas], grad[: self.n_net], scales)
        gB = grad[self.n_net :].reshape(self.B.shape)
        for k, (cache, d) in enumerate(zip(caches, deltas)):
            gB += d[-1].T @ cache[0] if scales is None else scales[k] * (d[-1].T @ cache[0])
        return grad

    def param_grad_into(self, cache, deltas, out):
        self.net.param_grad_into(cache, deltas[:-1], out[: self.n_net])
        np.matmul(deltas[-1].T, cache[0], out=out[self.n_net :].reshape(self.B.shape))
        return out
