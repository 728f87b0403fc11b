"""The contract every dynamics model follows: fit / predict / simulate / score / save.

:class:`DynamicsModel` does everything that does not depend on what the model is: validating
data through :mod:`sparseid._data`, turning trajectories into regression pairs (states and their
time derivatives, or consecutive states for maps), control inputs, pandas in and out, simulation
with blow-up detection and persistence. A model implements a handful of hooks:

``_fit_targets(Z, Y)``
    Learn ``Y ≈ f(Z)`` from stacked inputs ``Z`` (n, d + m) — states, then control inputs — and
    targets ``Y`` (n, k).
``_predict_array(Z)``
    Evaluate the learned ``f`` on stacked inputs, returning (m, k).
``_rhs_and_jacobian()``
    Return ``(rhs, jacobian)``: fast callables on one input vector (d + m,) giving (k,) and
    (k, d + m) (``jacobian`` may be None). Called once per ``simulate``; never per step.
``_fit_trajectories(data, inputs, validation_data=None)`` (optional)
    Override to learn from whole trajectories (the neural ODE, which also receives the
    held-out ``validation_data`` given to its ``fit``); by default the trajectories are turned
    into regression pairs and handed to ``_fit_targets``.
``_differentiation()`` and ``_is_map`` (optional)
    The differentiator the model estimates dx/dt with (None: the package default) and
    whether it learns a map x[k+1] = f(x[k]) rather than a flow (default False).
``_state_to_json()`` / ``_state_from_json(state)``
    The fitted state as JSON-compatible values, for :meth:`save` and ``sparseid.load_model``.

The data handling is :class:`~sparseid.models._model_data.ModelDataMixin` and the shared fitted
state :class:`~sparseid.models._model_state.FittedStateMixin`; both are mixed into the base class.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from .._data import validate_targets, validate_trajectories
from .._params import ParameterRulesMixin
from ..exceptions import SimulationError
from ._export import ExportMixin
from ._model_data import ModelDataMixin
from ._model_state import FittedStateMixin
from ._parameters import ConstantInputs, constant_inputs, parameter_vector, parameters_as_inputs
from ._persistence import save_model
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

__all__ = ["DynamicsModel"]


class DynamicsModel(
    ExportMixin, ModelDataMixin, FittedStateMixin, ParameterRulesMixin, BaseEstimator
):
    """Base class of sparseid's dynamics models (see the module docstring for the hooks).

    Attributes
    ----------
    n_features_in_ : int
        Number of state variables seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when fitted on a DataFrame.
    variable_names_ : list of str
        Names of the state variables (DataFrame columns, ``feature_names=``, or ``x0, x1, ...``).
    target_names_ : list of str
        Names of the targets: ``x'`` for each variable ``x`` (``x[k+1]`` for maps), or those
        of the given ``y``.
    n_control_features_ : int
        Number of control inputs (0 without ``u``).
    control_names_ : list of str
        Names of the control inputs.
    time_step_ : float or None
        The sampling step, when ``t`` was given as one.
    training_range_ : ndarray of shape (2, n_features_in_)
        Smallest and largest value of each variable in the training data; ``simulate`` stops
        when the state leaves 100 half-widths of it.

    Notes
    -----
    Two private fitted attributes shape the output: ``_targets_1d`` (``y`` was 1-D, so
    ``predict`` returns 1-D) and ``_fitted_on_frame`` (``simulate`` returns a DataFrame).
    """

    #: Whether the model accepts control inputs ``u``.
    _supports_control = False
    #: Fewest samples a trajectory must have to be fitted.
    _min_samples = 2
    # Classes that ``load_model`` may build are listed in ``sparseid._registry``; subclasses
    # are not registered automatically, so a user's class can never be loaded under our names.

    # ---------------------------------------------------------------------------------------
    # fitting
    def fit(self, X, y=None, *, t=None, x_dot=None, u=None, feature_names=None, parameters=None):
        """Learn the dynamics from trajectories, or regress given targets on the states.

        Parameters
        ----------
        X : array-like of shape (n, d), DataFrame, or list of them
            The measured states, one trajectory or a list of them. A DataFrame's index gives
            the times when ``t`` is not given, if it holds floats (seconds) or is a
            ``DatetimeIndex``/``TimedeltaIndex`` (seconds from the first row). An integer
            index counts rows and is never taken as time (pass ``t=X.index.to_numpy(float)``
            if it holds seconds). ``SINDy`` and ``LinearModel`` also take a Dask array or
            DataFrame (or a list of them), fitted block by block where the blocks live (see
            the guide, "More data than memory").
        y : array-like of shape (n,) or (n, k), or list of them, optional
            Targets to regress on the model's features, usually the known derivatives. When
            None, the targets are the time derivatives of ``X`` (or the next states, for maps).
            A 1-D ``y`` that is strictly increasing (or holds datetimes), with one entry per
            row of ``X``, is refused as looking like the sample times passed positionally
            (PySINDy's ``fit(x, t)``): pass times as ``t=``; pass a genuine increasing target
            as a column, ``y.reshape(-1, 1)``, or by the keyword ``x_dot=``.
        t : float, array-like, or list of array-like, optional
            Sampling step or sample times, one array per trajectory for several (see
            :func:`sparseid._data.validate_trajectories`); datetimes and timedeltas become
            seconds from the first one. A scalar step says the rows are consecutive samples;
            with an array of times, a step more than three times the steps around it is a
            gap (see :func:`sparseid._data.find_gaps`): the rows either side are
            differentiated, or paired, as separate pieces.
        x_dot : array-like, optional
            Alias of ``y`` (PySINDy's name). Being a keyword, it is never taken as times.
        u : array-like, DataFrame, or list of them, optional
            Control inputs, sampled like ``X`` (models that support them).
        feature_names : list of str, optional
            Variable names for array input. ``predict``, ``score`` and ``simulate`` then check
            a DataFrame's columns (or a Series' or dict's keys, for ``x0``) against them, as for
            a model fitted on a DataFrame: a DataFrame must have these columns in this order.
        parameters : array-like of shape (n_trajectories,) or (n_trajectories, m), or dict
            Constant parameters of each trajectory (such as a bifurcation parameter μ): the
            same as control inputs ``u`` held constant along each trajectory, so the library
            holds terms in the parameters and the states. A dict maps names to one value per
            trajectory (``{"mu": [-1, 1]}``); its names become ``control_names_``. Then pass
            ``parameters=`` to ``simulate`` (or ``u=`` to ``vector_field``).

        Returns
        -------
        self
        """
        if parameters is not None:
            if u is not None:
                raise ValueError("fit: pass either u or parameters, not both")
            u = parameters_as_inputs(parameters, X)
        return self._fit(X, y, t=t, x_dot=x_dot, u=u, feature_names=feature_names)

    def _fit(
        self, X, y=None, *, t=None, x_dot=None, u=None, feature_names=None, validation_data=None
    ):
        """:meth:`fit`, passing held-out ``validation_data`` down to ``_fit_trajectories``."""
        from ._dask import is_dask_collection

        if is_dask_collection(X):
            if not hasattr(self, "_fit_dask"):
                raise TypeError(
                    f"{type(self).__name__} cannot fit Dask collections; compute them first "
                    "(X.compute()), or use SINDy or LinearModel, which fit them block by block"
                )
            if x_dot is not None and y is not None:
                raise ValueError("pass the targets either as y or as x_dot, not both")
            # (not _resolve_targets: looking at a Dask y would compute it on the client)
            target = y if x_dot is None else x_dot
            return self._fit_dask(X, target, t=t, u=u, feature_names=feature_names)
        y = self._resolve_targets(X, y, x_dot)
        data = validate_trajectories(
            X,
            t,
            estimator=self,
            reset=True,
            min_samples=self._min_samples,
            feature_names=feature_names,
        )
        inputs = self._validate_inputs(u, data, fitting=True)
        self.variable_names_ = list(data.names)
        self.time_step_ = data.step
        self._fitted_on_frame = data.from_frame
        # Column by column: numpy reduces a contiguous column ten times faster than axis=0.
        self.training_range_ = np.array(
            [
                [min(x[:, j].min() for x in data.x) for j in range(data.n_features)],
                [max(x[:, j].max() for x in data.x) for j in range(data.n_features)],
            ]
        )
        if y is None:
            self._targets_1d = False
            self.target_names_ = self._derivative_names()
            self._fit_trajectories(data, inputs, validation_data)
        else:
            targets, self._targets_1d = validate_targets(y, data)
            self.target_names_ = self._given_target_names(y, targets[0].shape[1])
            self._fit_targets(self._stack_inputs(data.x, inputs), np.concatenate(targets))
        return self

    @property
    def _is_map(self):
        """Whether the model learns a map x[k+1] = f(x[k]) rather than a flow (hook)."""
        return False

    def _differentiation(self):
        """The differentiator that estimates dx/dt, or None for the package default (hook)."""
        return None

    def _fit_trajectories(self, data, inputs, validation_data=None):
        Z, Y = self._regression_pairs(data, inputs)
        self._fit_targets(Z, Y)

    # ---------------------------------------------------------------------------------------
    # prediction
    def predict(self, X, u=None):
        """Evaluate the learned right-hand side (or regression function) at the states ``X``.

        Parameters
        ----------
        X : array-like of shape (m, d), DataFrame, or list of them
            States. A DataFrame must have the columns the model was fitted with, in the same
            order: those of the DataFrame given to ``fit``, or its ``feature_names=`` (else a
            ValueError says how to select them). A model fitted on arrays without
            ``feature_names=`` warns, as scikit-learn's estimators do, and uses the columns
            by position.
        u : array-like, optional
            Control inputs at those states, when the model was fitted with them.

        Returns
        -------
        ndarray of shape (m, k) or (m,), DataFrame, or list of them
            A DataFrame (same index, target names as columns) when ``X`` is one.
        """
        check_is_fitted(self)
        if self._is_trusted_array(X, u):
            out = self._predict_array(X)
            return out[:, 0] if self._targets_1d else out
        data = validate_trajectories(
            X, None, estimator=self, reset=False, expected_names=self._given_feature_names()
        )
        inputs = self._validate_inputs(u, data, fitting=False)
        out = self._predict_array(self._stack_inputs(data.x, inputs))
        pieces = [self._format(piece, data, k) for k, piece in enumerate(data.split(out))]
        return pieces if isinstance(X, list | tuple) and data.n_trajectories > 1 else pieces[0]

    def differentiate(self, X, *, t=None):
        """Time derivatives of ``X`` estimated by the model's differentiation method.

        Parameters
        ----------
        X : array-like of shape (n, d), DataFrame, or list of them
            Trajectories of the states the model was fitted on.
        t : float, array-like of shape (n,), list of array-like, or None
            The sampling step or the sample times, as in :meth:`fit` (by name).

        Returns
        -------
        ndarray of shape (n, d), DataFrame, or list of them
            One per trajectory; a DataFrame (same index) when ``X`` is one.
        """
        from ..differentiation import default_differentiation

        check_is_fitted(self)
        data = validate_trajectories(
            X, t, estimator=self, reset=False, expected_names=self._given_feature_names()
        )
        times = data.require_time("differentiate X")
        method = self._differentiation()
        if method is None:  # the default chosen in fit, by the noise of the training data
            method = getattr(self, "differentiation_", None) or default_differentiation()
        out = [np.empty_like(x) for x in data.x]
        for k, a, b in data.pieces():
            out[k][a:b] = method(data.x[k][a:b], times[k][a:b])
        names = self._derivative_names()
        if data.from_frame:
            out = [pd.DataFrame(v, index=data.index[k], columns=names) for k, v in enumerate(out)]
        return out if isinstance(X, list | tuple) and data.n_trajectories > 1 else out[0]

    def score(self, X, y=None, *, t=None, x_dot=None, u=None):
        """Coefficient of determination R² of the predictions against the targets.

        The targets are ``y`` when given, else the time derivatives of ``X`` (computed with
        the model's differentiation method, piece by piece between gaps in the times, as in
        ``fit``; the next states for maps).

        Parameters
        ----------
        X : array-like of shape (n, d), DataFrame, or list of them
            States, checked as by :meth:`predict`.
        y : array-like of shape (n,) or (n, k), or list of them, optional
            Targets, as for :meth:`fit` (a 1-D increasing ``y`` is refused as looking like
            times).
        t : float, array-like, or list of array-like, optional
            Sampling step or sample times of ``X``, needed to differentiate it unless ``X`` is
            a DataFrame indexed by time. The step given to ``fit`` is not reused: ``X`` may be
            sampled differently (a subsample, a cross-validation fold). In cross-validation,
            pass a DataFrame (its index travels with every split), or route ``t`` to ``score``
            (``sklearn.set_config(enable_metadata_routing=True)``,
            ``model.set_fit_request(t=True).set_score_request(t=True)``, then
            ``params={"t": t}``): scikit-learn splits an array ``t`` with ``X`` and passes a
            scalar step unchanged (which says the rows of each fold are consecutive samples).
        x_dot : array-like, optional
            Alias of ``y``.
        u : array-like, optional
            Control inputs, when the model was fitted with them.

        Returns
        -------
        float
        """
        check_is_fitted(self)
        y = self._resolve_targets(X, y, x_dot, method="score")
        data = validate_trajectories(
            X, t, estimator=self, reset=False, expected_names=self._given_feature_names()
        )
        inputs = self._validate_inputs(u, data, fitting=False)
        if y is None:
            advice = (
                "The step given to fit is not reused, since X may be sampled differently (a "
                "subsample, a cross-validation fold)"
            )
            if self.time_step_ is not None:
                advice += f": pass t={self.time_step_!r} if its rows are consecutive samples"
            advice += (
                ". In cross-validation, pass a DataFrame indexed by time, or route t to score "
                "(sklearn.set_config(enable_metadata_routing=True) and "
                "model.set_score_request(t=True))"
            )
            Z, Y = self._regression_pairs(data, inputs, advice=advice)
        else:
            targets, _ = validate_targets(y, data)
            Z, Y = self._stack_inputs(data.x, inputs), np.concatenate(targets)
        return float(r2_score(Y, self._predict_array(Z)))

    # ---------------------------------------------------------------------------------------
    # simulation
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

    # ---------------------------------------------------------------------------------------
    # persistence
    def save(self, path, *, overwrite=False):
        """Save the fitted model as versioned JSON; see :func:`sparseid.load_model`.

        Parameters
        ----------
        path : str or Path
            Destination file.
        overwrite : bool
            Replace an existing file; without it an existing path raises ``FileExistsError``.
        """
        check_is_fitted(self)
        save_model(self, path, overwrite=overwrite)

    # hooks -------------------------------------------------------------------------------
    def _switched_run(self, x0, times, inputs, control, box, solver):
        """A run through a switched-system integrator, or None for a smooth field (hook)."""
        return None

    def _fit_targets(self, Z, Y):  # pragma: no cover - abstract
        raise NotImplementedError

    def _predict_array(self, Z):  # pragma: no cover - abstract
        raise NotImplementedError

    def _rhs_and_jacobian(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _state_to_json(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _state_from_json(self, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def __sklearn_tags__(self):
        # fit(X, y) regresses y on the model's features, so the models are regressors for
        # scikit-learn (is_regressor, KFold in cross-validation, its regressor checks); y is
        # optional since fit(X) learns the dynamics, and one or several targets are accepted.
        from sklearn.utils import RegressorTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.target_tags.required = False
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = True
        return tags
