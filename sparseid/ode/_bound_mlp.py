"""An MLP with its parameters fixed: the vector-field interface the solvers call."""

__all__ = ["BoundMLP"]


class BoundMLP:
    """An :class:`MLP` with its parameters fixed: ``f(z)``, ``vjp`` and ``param_grad``.

    The solvers only see this small interface, so any vector field offering it can be
    integrated and differentiated.
    """

    def __init__(self, mlp, theta):
        self.mlp = mlp
        self.theta = theta
        self.params = mlp.unpack(theta)
        self.n_params = mlp.n_params
        self.workspace = {}  # reused buffers of param_grad
        self.refresh()

    def refresh(self):
        """Update the cached transposed weights after ``theta`` was changed in place."""
        self.transposed = self.mlp._transposed(self.params)

    def __call__(self, z, out=None):
        return self.mlp.forward(self.params, z, out, self.transposed)

    def vjp(self, cache, v, need_input=True, reuse=False):
        workspace = self.workspace if reuse else None
        return self.mlp.vjp(self.params, cache, v, need_input, workspace)

    def vjp_factors(self, cache, reuse=False):
        workspace = self.workspace if reuse else None
        return self.mlp.vjp_factors(self.params, cache, workspace)

    def vjp_with(self, factors, v, out=None):
        return self.mlp.vjp_with(self.params, factors, v, out)

    def hidden(self, z, reuse=False):
        workspace = self.workspace if reuse else None
        return self.mlp.hidden(self.params, z, self.transposed, workspace)

    def input_jacobians(self, factors, reuse=False):
        workspace = self.workspace if reuse else None
        return self.mlp.input_jacobians(self.params, factors, workspace)

    def weighted_param_grad(self, cache, factors, V, out):
        return self.mlp.weighted_param_grad(self.params, cache, factors, V, out)

    def param_grad(self, caches, deltas, out=None, scales=None):
        return self.mlp.param_grad(caches, deltas, out, self.workspace, scales)

    def param_grad_into(self, cache, deltas, out):
        return self.mlp.param_grad_into(cache, deltas, out)
