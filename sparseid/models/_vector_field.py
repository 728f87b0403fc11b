"""A fitted model's learned right-hand side as a plain function, for other solvers and tools.

:class:`VectorField` wraps the very functions ``simulate`` integrates (the compiled right-hand
side of a library model, the network of a neural ODE): calling it does no validation, so it is as
fast inside ``scipy.integrate.solve_ivp`` (or any other integrator) as ``simulate`` itself.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MapFunction", "VectorField"]


class VectorField:
    """``f(t, x)`` (or ``f(t, x, u)``): the learned dx/dt, in ``solve_ivp``'s convention.

    Made by :meth:`sparseid.models.DynamicsModel.vector_field`; not meant to be built directly.

    Calling conventions:

    - ``x`` of shape (d,) gives dx/dt of shape (d,);
    - ``x`` of shape (d, k), one state per **column** as ``solve_ivp(..., vectorized=True)``
      passes them, gives (d, k);
    - :meth:`batch` takes states as **rows**, (k, d) → (k, d), like ``model.predict``.

    With control inputs, ``u`` is a callable ``u(t)`` or a fixed value of shape (m,), given
    either to ``vector_field(u=...)`` (then ``f(t, x)`` fits ``solve_ivp`` directly) or to
    each call, ``f(t, x, u)`` (``solve_ivp(..., args=(u,))``), which takes precedence.

    Attributes
    ----------
    jacobian : callable or None
        ``jacobian(t, x[, u])``: ∂f/∂x at one state, shape (d, d) — what ``solve_ivp``'s
        ``jac=`` expects — or None when the model has none (a library term with no known
        derivative).
    n_states, n_inputs : int
        Numbers of state variables and control inputs.
    state_names, input_names : list of str
        Their names, as in the model.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.integrate import solve_ivp
    >>> from sparseid import LinearModel, datasets
    >>> model = LinearModel().fit(datasets.load("rotating_linear"))
    >>> f = model.vector_field()
    >>> f(0.0, np.array([1.0, 0.0])).round(6).tolist()
    [-0.1, 1.0]
    >>> sol = solve_ivp(f, (0, 1), [1.0, 0.0], jac=f.jacobian, method="Radau")
    >>> bool(sol.success)
    True
    """

    def __init__(self, rhs, jacobian, batch, *, n_states, state_names, input_names, u=None):
        self._rhs, self._jac, self._batch = rhs, jacobian, batch
        self.n_states, self.n_inputs = int(n_states), len(input_names)
        self.state_names, self.input_names = list(state_names), list(input_names)
        self._u = None if u is None else self._checked_u(u, "vector_field")
        if jacobian is None:
            self.jacobian = None

    def __repr__(self):
        inputs = f", inputs={self.input_names}" if self.n_inputs else ""
        return f"{type(self).__name__}(states={self.state_names}{inputs})"

    def _checked_u(self, u, where):
        if self.n_inputs == 0:
            raise ValueError(f"{where}: u was given but the model has no control inputs")
        if callable(u):
            return u
        value = np.atleast_1d(np.asarray(u, dtype=np.float64))
        if value.shape[0] != self.n_inputs:
            raise ValueError(
                f"{where}: u must be a callable u(t) or hold the {self.n_inputs} control "
                f"inputs {self.input_names}, got shape {value.shape}"
            )
        return value

    def _inputs(self, t, u):
        u = self._u if u is None else u
        if u is None:
            raise TypeError(
                f"the model has control inputs {self.input_names}: pass u (a callable u(t) or "
                "values) to vector_field(u=...) or to each call"
            )
        value = u(t) if callable(u) else u
        value = np.asarray(value, dtype=np.float64)
        if value.shape[0] != self.n_inputs:
            raise ValueError(
                f"u(t) must give the {self.n_inputs} control inputs {self.input_names}, got "
                f"shape {value.shape}"
            )
        return value

    def __call__(self, t, x, u=None):
        if getattr(x, "ndim", 1) == 2:
            return self.batch(x.T, None if self.n_inputs == 0 else self._inputs(t, u).T).T
        if self.n_inputs == 0:
            return self._rhs(x)
        return self._rhs(np.concatenate([x, self._inputs(t, u)]))

    def jacobian(self, t, x, u=None):
        """∂f/∂x at one state ``x`` of shape (d,): shape (d, d)."""
        if self.n_inputs == 0:
            return self._jac(x)
        return self._jac(np.concatenate([x, self._inputs(t, u)]))[:, : self.n_states]

    def batch(self, X, U=None):
        """The field at many states, one per **row**: X (k, d) → (k, d), like ``predict``.

        ``U`` holds the control inputs, (k, m) or (m,) for all rows.
        """
        X = np.asarray(X, dtype=np.float64)
        if self.n_inputs:
            U = self._u if U is None else U
            if U is None or callable(U):
                raise TypeError(
                    f"batch needs the values of the control inputs {self.input_names} as U"
                )
            U = np.broadcast_to(np.asarray(U, dtype=np.float64), (X.shape[0], self.n_inputs))
            X = np.concatenate([X, U], axis=1)
        return self._batch(X)


class MapFunction(VectorField):
    """``f(x)`` (or ``f(x, u)``): the learned map x[k+1] = f(x[k]) of a discrete-time model.

    The same conventions as :class:`VectorField` without the time argument: ``x`` of shape (d,)
    or (d, k), :meth:`batch` on rows, ``jacobian(x)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid import SINDy
    >>> x = 0.5 ** np.arange(10.0)
    >>> f = SINDy(discrete_time=True).fit(x.reshape(-1, 1)).vector_field()
    >>> f(np.array([8.0])).round(6).tolist()
    [4.0]
    """

    def __call__(self, x, u=None):
        return super().__call__(None, x, u)

    def jacobian(self, x, u=None):
        """∂f/∂x at one state ``x`` of shape (d,): shape (d, d)."""
        return super().jacobian(None, x, u)
