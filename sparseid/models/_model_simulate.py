"""Simulating a fitted dynamics model: :meth:`SimulationMixin.simulate`.

:class:`SimulationMixin` is mixed into :class:`~sparseid.models._base.DynamicsModel`. It checks
the initial state and the inputs, asks the model once for its compiled right-hand side
(``_rhs_and_jacobian``), and integrates it with the helpers of :mod:`sparseid.models._simulate`
(iterates it, for maps), or hands the run to a switched-system integrator when the model's
``_switched_run`` hook returns one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ..exceptions import SimulationError
from ._parameters import ConstantInputs, constant_inputs, parameter_vector
from ._simulate import (
    Box,
    control_function,
    initial_state,
    integrate,
    iterate_map,
    n_steps,
    output_index,
    output_times,
)

__all__ = ["SimulationMixin"]


class SimulationMixin:
    """``simulate`` of :class:`~sparseid.models._base.DynamicsModel`, and its switched-run hook."""

    def simulate(self, x0, t, u=None, *, parameters=None, **solver):
        """Simulate the learned dynamics from ``x0``.

        Parameters
        ----------
        x0 : array-like of shape (d,), pandas Series, dict or one-row DataFrame
            Initial state. A Series, dict or DataFrame is matched to the variables by name (the
            columns of the DataFrame given to ``fit``, or its ``feature_names=``); an array is
            taken in that order.
        t : array-like of shape (n,)
            Output times (the first is the initial time): numbers in seconds, or datetimes or
            timedeltas (a ``DatetimeIndex``, ``TimedeltaIndex``, Series or ``datetime64``
            array, such as the index of the DataFrame the model was fitted on), which are
            integrated in seconds from the first time given here. For maps
            (``discrete_time=True``) an int number of steps.
        u : callable ``u(t)``, or array-like of shape (n, m), optional
            Control inputs: a function of time (in seconds, counted from the first time of
            ``t`` when it holds datetimes), or values on the time grid ``t`` (linearly
            interpolated between them).
        parameters : array-like of shape (m,) or dict, optional
            Constant control inputs (bifurcation parameters) for the whole run, as given to
            ``fit(..., parameters=...)``: the same as ``u`` held constant. A dict is matched
            to the inputs by name.
        **solver
            ``method`` (default ``"LSODA"``, or any ``scipy.integrate.solve_ivp`` method),
            ``rtol`` and ``atol`` (default 1e-12), and further solver options. A model whose
            active terms switch (steps, hinges) is integrated by
            :class:`sparseid.switched.SwitchedSystem` (default method ``"DOP853"``), which
            locates every crossing of its ``switching_surfaces_`` and slides where both sides
            push into a surface; ``switched=False`` integrates the field as one smooth
            right-hand side instead.

        Returns
        -------
        ndarray of shape (n, d), or DataFrame when fitted on a DataFrame
            The DataFrame is indexed by ``t`` itself when it is a pandas Index (a
            ``DatetimeIndex`` stays one), else by the times, named ``"t"``.

        Raises
        ------
        SimulationError
            When the state leaves 100 half-widths of its training range, becomes non-finite, or
            the solver fails; the partial trajectory is in its ``partial`` attribute.
        """
        check_is_fitted(self)
        d = self.n_features_in_
        if len(self.target_names_) != d:
            raise ValueError(
                f"simulate needs one target per state variable: the model has "
                f"{len(self.target_names_)} targets for {d} variables"
            )
        x0 = initial_state(x0, self.variable_names_)
        m = self.n_control_features_
        if parameters is not None:
            if u is not None:
                raise ValueError("simulate: pass either u or parameters, not both")
            u = ConstantInputs(parameter_vector(parameters, self.control_names_))
        if (u is None) != (m == 0):
            raise ValueError(
                f"this model was fitted with control inputs {self.control_names_}: pass u="
                if m
                else "this model was fitted without control inputs: do not pass u"
            )
        rhs, jacobian = self._rhs_and_jacobian()
        box = Box(*self.training_range_, self.variable_names_)
        if self._is_map:
            if m:
                raise ValueError("simulate of a map with control inputs is not supported")
            count = n_steps(t)
            times, index = None, pd.RangeIndex(count, name="step")
            run = lambda: iterate_map(rhs, x0, count, box=box)  # noqa: E731
        else:
            times = output_times(t)
            index = output_index(t, times)
            control = constant = None
            if m:
                control = control_function(u, times, m)
                constant = constant_inputs(u, m)
                f = lambda s, x: rhs(np.concatenate([x, control(s)]))  # noqa: E731
                jac = jacobian and (lambda s, x: jacobian(np.concatenate([x, control(s)]))[:, :d])
            else:
                f = lambda s, x: rhs(x)  # noqa: E731
                jac = jacobian and (lambda s, x: jacobian(x))
            # A model whose terms switch goes through the switched-system integrator.
            run = self._switched_run(
                x0, times, constant, None if constant is not None else control, box, solver
            )
            solver.pop("switched", None)
            run = run or (lambda: integrate(f, x0, times, jacobian=jac, box=box, **solver))
        try:
            states = run()
        except SimulationError as err:
            if self._fitted_on_frame and err.partial is not None:
                err.partial = pd.DataFrame(
                    err.partial, index=index[: len(err.partial)], columns=self.variable_names_
                )
            raise
        if self._fitted_on_frame:
            return pd.DataFrame(states, index=index, columns=self.variable_names_)
        return states

    def _switched_run(self, x0, times, inputs, control, box, solver):
        """A run through a switched-system integrator, or None for a smooth field (hook)."""
        return None
