"""The time-T flow of an MLP vector field as a feature map, with its gradient.

The state that flows is the input with ``augment_dim`` zero coordinates appended (the
augmented neural ODE of Dupont, Doucet and Teh) and, for a time-dependent field, the time τ as
one more coordinate with dτ/dt = 1, so that the network sees (x, t) while the solvers, the
backpropagation and the adjoint of :mod:`sparseid.ode` keep integrating an autonomous system.

References
----------
.. [1] R. T. Q. Chen, Y. Rubanova, J. Bettencourt and D. Duvenaud, "Neural ordinary
   differential equations", NeurIPS 2018.
.. [2] E. Dupont, A. Doucet and Y. W. Teh, "Augmented neural ODEs", NeurIPS 2019.
"""

import numpy as np

from ..ode import MLP, adjoint_gradient, backprop_gradient, solve

__all__ = ["Flow", "TimeField"]


class TimeField:
    """dz/dt for z = (x, τ): the network of (x, τ) for x, and 1 for τ.

    It offers the interface of :class:`~sparseid.ode.BoundMLP` that the solvers and both
    gradients use (call, ``vjp``, ``param_grad``, ``param_grad_into``, ``n_params``).
    """

    def __init__(self, bound):
        self.bound = bound
        self.n_params = bound.n_params

    def refresh(self):
        self.bound.refresh()

    def __call__(self, z, out=None):
        f, cache = self.bound(z)
        if out is None:
            out = np.empty_like(z)
        out[:, :-1] = f
        out[:, -1] = 1.0
        return out, cache

    def vjp(self, cache, v, need_input=True):
        # τ's rate is constant, so only the network's outputs carry v back
        return self.bound.vjp(cache, np.ascontiguousarray(v[:, :-1]), need_input)

    def param_grad(self, caches, deltas, out=None, scales=None):
        return self.bound.param_grad(caches, deltas, out, scales)

    def param_grad_into(self, cache, deltas, out):
        return self.bound.param_grad_into(cache, deltas, out)


class Flow:
    """The map x(0) ↦ x(T) of an MLP vector field, its trajectories and its gradient.

    Parameters
    ----------
    d : int
        Dimension of the inputs.
    hidden : sequence of int
        Hidden-layer widths of the network.
    activation : str
    T : float
        Final time.
    augment_dim : int
        Zero coordinates appended to the inputs.
    time_dependent : bool
        Whether the network also sees the time.
    solver, n_steps, rtol, atol, max_steps, gradient
        How the flow is integrated and differentiated: an adaptive solver uses the
        tolerances, a fixed-step one takes ``n_steps`` steps from 0 to ``T``; ``gradient`` is
        ``"backprop"`` or ``"adjoint"``.
    """

    def __init__(
        self,
        d,
        hidden,
        activation,
        T,
        augment_dim,
        time_dependent,
        solver,
        n_steps,
        rtol,
        atol,
        max_steps,
        gradient,
    ):
        self.d = d
        self.width = d + augment_dim  # the flowing coordinates, what the read-out sees
        self.time_dependent = time_dependent
        n_in = self.width + int(time_dependent)
        self.mlp = MLP((n_in, *hidden, self.width), activation)
        self.n_params = self.mlp.n_params
        self.T = T
        self.options = {"solver": solver, "rtol": rtol, "atol": atol, "max_steps": max_steps}
        self.n_steps = n_steps
        self.gradient = gradient
        self.step_sizes = None  # steps an adaptive solver replays instead of choosing them

    def bind(self, theta):
        bound = self.mlp.bind(theta)
        return TimeField(bound) if self.time_dependent else bound

    def initial(self, X):
        z0 = np.zeros((X.shape[0], self.width + int(self.time_dependent)))
        z0[:, : self.d] = X
        return z0

    def run(self, field, X, t, record=False):
        """States at the times ``t`` (strictly increasing, > 0): shape (len(t), n, width)."""
        # fixed-step solvers: a step of at most T / n_steps whatever the output grid
        n_sub = max(1, int(np.ceil(self.n_steps * np.max(np.diff(t, prepend=0.0)) / self.T - 1e-9)))
        steps = self.step_sizes
        if steps is not None and t[-1] > np.sum(steps):
            steps = None
        Y, rec, _ = solve(
            field,
            self.initial(X),
            t,
            n_substeps=n_sub,
            record=record,
            step_sizes=steps,
            **self.options,
        )
        return Y[..., : self.width], rec

    def end(self, field, X, record=False):
        Y, rec = self.run(field, X, np.array([self.T]), record)
        return Y[0], rec

    def param_gradient(self, field, X, Zend, record, Zbar):
        """∂L/∂θ of a loss with ∂L/∂x(T) = ``Zbar``, by the chosen gradient."""
        Ybar = np.zeros((1, X.shape[0], self.width + int(self.time_dependent)))
        Ybar[0, :, : self.width] = Zbar
        if self.gradient == "backprop":
            return backprop_gradient(field, record, Ybar)
        z_end = self.initial(X)
        z_end[:, : self.width] = Zend
        if self.time_dependent:
            z_end[:, -1] = self.T
        o = self.options
        grad, _ = adjoint_gradient(
            field,
            z_end,
            Ybar,
            np.array([self.T]),
            rtol=o["rtol"],
            atol=o["atol"],
            max_steps=o["max_steps"],
        )
        return grad
