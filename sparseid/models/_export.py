"""Using a fitted model elsewhere: its vector field, a python-control system, source code.

:class:`ExportMixin` is mixed into :class:`~sparseid.models.DynamicsModel`. A model provides
the hooks ``_rhs_and_jacobian()`` (as for ``simulate``), ``_batch_rhs()`` (a function of stacked
inputs (k, d + m), by default ``_predict_array``) and ``_source(language, header)`` for
:meth:`~ExportMixin.to_source`.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._vector_field import MapFunction, VectorField

__all__ = ["LANGUAGES", "ExportMixin"]

#: The languages of ``to_source``.
LANGUAGES = ("python", "c", "julia")


def _import_control():
    try:
        import control
    except ImportError as exc:
        raise ModuleNotFoundError(
            'to_control needs the python-control package: pip install "sparseid[control]" '
            "(or pip install control)"
        ) from exc
    return control


class ExportMixin:
    """``vector_field``, ``to_control`` and ``to_source`` of a fitted dynamics model."""

    def _batch_rhs(self):
        return self._predict_array

    def _check_square(self, method):
        check_is_fitted(self)
        if len(self.target_names_) != self.n_features_in_:
            raise ValueError(
                f"{method} needs one target per state variable: the model has "
                f"{len(self.target_names_)} targets for {self.n_features_in_} variables"
            )

    def vector_field(self, u=None):
        """The learned right-hand side as a function ``f(t, x)``, for any ODE solver.

        It calls the same compiled functions as :meth:`simulate`, without validation per
        call, in the convention of ``scipy.integrate.solve_ivp``: ``x`` of shape (d,) gives
        (d,); ``x`` of shape (d, k) (states as columns, ``vectorized=True``) gives (d, k);
        ``f.batch(X)`` takes states as rows, (k, d) → (k, d). ``f.jacobian(t, x)`` is ∂f/∂x
        (d, d), or None when a term has no known derivative. A map (``discrete_time=True``)
        gives ``f(x)`` and ``f.jacobian(x)`` instead.

        Parameters
        ----------
        u : callable ``u(t)`` or array-like of shape (m,), optional
            Control inputs, for a model fitted with them; they can also be passed to each
            call, ``f(t, x, u)`` (``solve_ivp(f, ..., args=(u,))``).

        Returns
        -------
        VectorField or MapFunction

        Examples
        --------
        >>> import numpy as np
        >>> from scipy.integrate import solve_ivp
        >>> from sparseid import SINDy, datasets
        >>> model = SINDy().fit(datasets.load("lorenz"))
        >>> f = model.vector_field()
        >>> f(0.0, np.array([1.0, 1.0, 1.0])).round(3).tolist()
        [0.0, 26.0, -1.667]
        >>> sol = solve_ivp(f, (0, 1), [-8.0, 8.0, 27.0], method="LSODA", jac=f.jacobian)
        >>> sol.y.shape[0]
        3
        """
        self._check_square("vector_field")
        rhs, jacobian = self._rhs_and_jacobian()
        kind = MapFunction if self._is_map else VectorField
        return kind(
            rhs,
            jacobian,
            self._batch_rhs(),
            n_states=self.n_features_in_,
            state_names=self.variable_names_,
            input_names=self.control_names_,
            u=u,
        )

    def to_control(self, name=None):
        """The model as a python-control ``NonlinearIOSystem`` (needs ``sparseid[control]``).

        States, inputs and outputs carry the model's names; the outputs are the states. A map
        (``discrete_time=True``) is a discrete-time system (``dt=True``). Linearise with
        ``control.linearize(sys, x_eq, u_eq)``, simulate with ``control.input_output_response``.

        Parameters
        ----------
        name : str, optional
            Name of the system (default: the class name of the model).

        Returns
        -------
        control.NonlinearIOSystem

        Examples
        --------
        >>> from sparseid import SINDy, datasets
        >>> sys = SINDy().fit(datasets.load("lorenz")).to_control()  # doctest: +SKIP
        >>> sys.state_labels  # doctest: +SKIP
        ['x', 'y', 'z']
        """
        field = self.vector_field()
        control = _import_control()
        m = field.n_inputs

        if self._is_map:

            def update(t, x, u, params):
                return field(x, np.atleast_1d(u)) if m else field(x)
        else:

            def update(t, x, u, params):
                return field(t, x, np.atleast_1d(u)) if m else field(t, x)

        return control.NonlinearIOSystem(
            update,
            None,
            states=list(self.variable_names_),
            inputs=list(self.control_names_),
            outputs=list(self.variable_names_),
            dt=True if self._is_map else 0,
            name=name or type(self).__name__,
        )

    def to_source(self, language="python", *, header=False):
        """Source code of the learned right-hand side (and Jacobian) that runs without sparseid.

        - ``"python"``: functions ``rhs(t, x, u=None)`` and ``jacobian(t, x, u=None)`` using
          numpy only;
        - ``"c"``: ``void rhs(double t, const double *x, const double *u, double *dxdt)`` and
          ``void jacobian(..., double *jac)`` (row-major d × d, ∂f/∂x), needing only
          ``<math.h>``; ``header=True`` gives the matching header instead;
        - ``"julia"``: ``rhs!(dx, x, p, t)`` and ``jacobian!(J, x, p, t)`` for
          DifferentialEquations.jl, where ``p`` is the control input (a vector, or a
          function of ``t``).

        For a map (``discrete_time=True``) ``rhs`` gives the next state. Library models are
        printed through sympy (install ``sympy``); coefficients are exact float literals.

        Parameters
        ----------
        language : {"python", "c", "julia"}
        header : bool, default=False
            For C, return the header (declarations and sizes) instead of the source.

        Returns
        -------
        str

        Raises
        ------
        ValueError
            When a library term applies a Python callable, which cannot be printed (the
            message names the term), or for an unknown ``language``.
        NotImplementedError
            For a language a model cannot be printed in (the neural ODE is Python only).

        Examples
        --------
        >>> from sparseid import LinearModel, datasets
        >>> model = LinearModel().fit(datasets.load("rotating_linear"))
        >>> source = model.to_source("c")
        >>> "void rhs(double t, const double *x, const double *u, double *dxdt)" in source
        True
        """
        self._check_square("to_source")
        if language not in LANGUAGES:
            raise ValueError(f"to_source: language={language!r} must be one of {LANGUAGES}")
        if header and language != "c":
            raise ValueError(f"to_source: header=True is for language='c', not {language!r}")
        return self._source(language, header)

    def _source(self, language, header):
        raise NotImplementedError(
            f"{type(self).__name__}.to_source does not support language={language!r}"
        )
