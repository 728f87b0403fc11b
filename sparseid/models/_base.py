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
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from .._data import is_validated_array, to_seconds, validate_targets, validate_trajectories
from .._params import ParameterRulesMixin
from ..exceptions import SimulationError
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


def _looks_like_times(y, X):
    """PySINDy's positional ``fit(x, t)``: y holds sample times rather than targets.

    That is, for every trajectory of ``X``, y is 1-D (an array, list, pandas Index or Series,
    any array-like), has one entry per row and is strictly increasing, or holds datetimes.
    Whatever the number of columns of ``X``: with one column, a target that only grows is as
    rare as it is with several. A genuine increasing target is passed as a column
    (``y.reshape(-1, 1)``) or by the keyword ``x_dot=``.
    """
    several = (
        isinstance(X, list | tuple)
        and len(X) > 1
        and all(isinstance(x, np.ndarray | pd.DataFrame) for x in X)
    )
    if several:
        return (
            isinstance(y, list | tuple)
            and len(y) == len(X)
            and all(_one_looks_like_times(yk, xk) for yk, xk in zip(y, X))
        )
    if isinstance(X, list | tuple) and len(X) == 1 and isinstance(X[0], np.ndarray | pd.DataFrame):
        X = X[0]
    return _one_looks_like_times(y, X)


def _one_looks_like_times(y, X):
    if y is None or isinstance(y, pd.DataFrame):
        return False
    try:
        n = len(X)
    except TypeError:
        return False
    if isinstance(y, pd.Series | pd.Index):
        y = y.to_numpy()
    try:
        arr = np.asarray(y)
    except (TypeError, ValueError):
        return False
    if arr.ndim != 1 or arr.size < 2 or arr.size != n:
        return False
    if arr.dtype.kind in "mM" or (arr.dtype.kind == "O" and to_seconds(arr) is not arr):
        return True  # datetimes or timedeltas
    if arr.dtype.kind not in "fiu":
        return False
    return bool(np.all(np.diff(arr) > 0))


class DynamicsModel(ParameterRulesMixin, BaseEstimator):
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
    def fit(self, X, y=None, *, t=None, x_dot=None, u=None, feature_names=None):
        """Learn the dynamics from trajectories, or regress given targets on the states.

        Parameters
        ----------
        X : array-like of shape (n, d), DataFrame, or list of them
            The measured states, one trajectory or a list of them. A DataFrame's index gives
            the times when ``t`` is not given, if it holds floats (seconds) or is a
            ``DatetimeIndex``/``TimedeltaIndex`` (seconds from the first row). An integer
            index counts rows and is never taken as time (pass ``t=X.index.to_numpy(float)``
            if it holds seconds).
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

        Returns
        -------
        self
        """
        return self._fit(X, y, t=t, x_dot=x_dot, u=u, feature_names=feature_names)

    def _fit(
        self, X, y=None, *, t=None, x_dot=None, u=None, feature_names=None, validation_data=None
    ):
        """:meth:`fit`, passing held-out ``validation_data`` down to ``_fit_trajectories``."""
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

    def _resolve_targets(self, X, y, x_dot, method="fit"):
        if x_dot is not None and y is not None:
            raise ValueError("pass the targets either as y or as x_dot, not both")
        target = x_dot if y is None else y
        if isinstance(target, numbers.Number) and not isinstance(target, bool):
            raise TypeError(
                f"y={target!r} is a number, not a target array: to give the sampling step, "
                f"pass it by name, as in {method}(X, t={target!r})"
            )
        # x_dot is a keyword: what it holds is never times passed by position.
        if _looks_like_times(y, X):
            raise TypeError(
                "y is a strictly increasing 1-D array (or holds datetimes) with one entry per "
                "row of X: it looks like the sample times (PySINDy's positional fit(x, t)). "
                f"Pass times by name: {method}(X, t=t). If y really is a target, pass it as a "
                "column, y.reshape(-1, 1), or as x_dot=y"
            )
        return target

    def _derivative_names(self):
        return [f"{v}[k+1]" if self._is_map else f"{v}'" for v in self.variable_names_]

    @staticmethod
    def _given_target_names(y, k):
        first = y[0] if isinstance(y, list | tuple) and len(y) and hasattr(y[0], "shape") else y
        if isinstance(first, pd.DataFrame):
            return [str(c) for c in first.columns]
        if isinstance(first, pd.Series) and first.name is not None:
            return [str(first.name)]
        return [f"y{i}" for i in range(k)]

    @property
    def _is_map(self):
        """Whether the model learns a map x[k+1] = f(x[k]) rather than a flow (hook)."""
        return False

    def _differentiation(self):
        """The differentiator that estimates dx/dt, or None for the package default (hook)."""
        return None

    def _validate_inputs(self, u, data, *, fitting):
        """Control inputs as a list of (n_i, m) arrays (empty arrays when there are none)."""
        if fitting:
            self.n_control_features_ = 0
            self.control_names_ = []
        expected = self.n_control_features_
        if u is None:
            if expected:
                raise ValueError(
                    f"this model was fitted with {expected} control input(s) "
                    f"{self.control_names_}: pass u="
                )
            return [np.empty((len(x), 0)) for x in data.x]
        if not self._supports_control:
            raise ValueError(f"{type(self).__name__} does not support control inputs u")
        if not fitting and not expected:
            raise ValueError("this model was fitted without control inputs: do not pass u")
        if isinstance(u, np.ndarray) and u.ndim == 1:
            u = u.reshape(-1, 1)
        udata = validate_trajectories(u, None, name="u")
        if udata.n_trajectories != data.n_trajectories:
            raise ValueError(
                f"u has {udata.n_trajectories} trajectories but X has {data.n_trajectories}"
            )
        for k, (uk, xk) in enumerate(zip(udata.x, data.x)):
            if len(uk) != len(xk):
                where = f"u[{k}]" if data.n_trajectories > 1 else "u"
                raise ValueError(f"{where} has {len(uk)} rows but X has {len(xk)} samples")
        if fitting:
            self.n_control_features_ = udata.n_features
            self.control_names_ = (
                udata.names if udata.from_frame else [f"u{i}" for i in range(udata.n_features)]
            )
        elif udata.n_features != expected:
            raise ValueError(
                f"u has {udata.n_features} columns but the model was fitted with {expected}"
            )
        return udata.x

    @staticmethod
    def _stack_inputs(xs, inputs):
        return np.concatenate([np.hstack([x, u]) if u.shape[1] else x for x, u in zip(xs, inputs)])

    def _regression_pairs(self, data, inputs, advice=None):
        """Stacked inputs Z and targets Y from trajectories: derivatives, or next states.

        Each trajectory is taken in the contiguous pieces of :meth:`Trajectories.pieces`: no
        derivative is estimated, and no next state paired, across a gap in the times.
        """
        pieces = data.pieces()
        if self._is_map:
            Z = self._stack_inputs(
                [data.x[k][a : b - 1] for k, a, b in pieces],
                [inputs[k][a : b - 1] for k, a, b in pieces],
            )
            Y = np.concatenate([data.x[k][a + 1 : b] for k, a, b in pieces])
            return Z, Y
        times = data.require_time("differentiate X", advice)
        from ..differentiation import check_noise, default_differentiation

        method = self._differentiation()
        is_default = method is None
        method = default_differentiation() if is_default else method
        split = {k for k, a, _ in pieces if a > 0}
        derivatives = []
        for k, a, b in pieces:
            x, tk = data.x[k][a:b], times[k][a:b]
            try:
                derivatives.append(method(x, tk))
            except ValueError as err:
                if k not in split:
                    raise
                raise ValueError(
                    f"{data.describe_gaps(k)}; the piece of rows {a} to {b - 1} cannot be "
                    f"differentiated: {err}. Rows must come in contiguous runs, in time order "
                    "(in cross-validation, split with KFold without shuffle or TimeSeriesSplit)"
                ) from None
            if is_default:
                # The default is exact on clean data but amplifies noise: warn (NoiseWarning)
                # when the data are noisy enough for that to matter, suggesting a smoother.
                check_noise(x, tk, method, x_dot=derivatives[-1])
        Y = np.concatenate(derivatives)
        return self._stack_inputs(data.x, inputs), Y

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

    def _is_trusted_array(self, X, u):
        """Whether ``predict`` may use ``X`` as it is, skipping validation.

        True when validation would return ``X`` unchanged (see
        :func:`sparseid._data.is_validated_array`) and has nothing else to check: no control
        inputs, and no column names (a model fitted on a DataFrame warns about an array). The
        lean path for single states in a loop and for blocks of validated rows.
        """
        return (
            u is None
            and not self.n_control_features_
            and not hasattr(self, "feature_names_in_")
            and is_validated_array(X, self.n_features_in_)
        )

    def _given_feature_names(self):
        """The ``feature_names=`` given to ``fit`` on arrays, or None.

        Derived from the fitted state (names that are not the defaults ``x0, x1, ...`` on a
        model fitted on arrays), so that saved and loaded models check names the same way.
        """
        if self._fitted_on_frame or hasattr(self, "feature_names_in_"):
            return None
        names = list(self.variable_names_)
        return None if names == [f"x{i}" for i in range(len(names))] else names

    def _format(self, values, data, k):
        if self._targets_1d:
            values = values[:, 0]
            if data.from_frame:
                return pd.Series(values, index=data.index[k], name=self.target_names_[0])
            return values
        if data.from_frame:
            return pd.DataFrame(values, index=data.index[k], columns=self.target_names_)
        return values

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
    def simulate(self, x0, t, u=None, **solver):
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
        **solver
            ``method`` (default ``"LSODA"``, or any ``scipy.integrate.solve_ivp`` method),
            ``rtol`` and ``atol`` (default 1e-12), and further solver options.

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
            if m:
                control = control_function(u, times, m)
                f = lambda s, x: rhs(np.concatenate([x, control(s)]))  # noqa: E731
                jac = jacobian and (lambda s, x: jacobian(np.concatenate([x, control(s)]))[:, :d])
            else:
                f = lambda s, x: rhs(x)  # noqa: E731
                jac = jacobian and (lambda s, x: jacobian(x))
            run = lambda: integrate(f, x0, times, jacobian=jac, box=box, **solver)  # noqa: E731
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

    def _base_state(self):
        state = {
            "n_features_in": int(self.n_features_in_),
            "variable_names": self.variable_names_,
            "target_names": self.target_names_,
            "control_names": self.control_names_,
            "n_control_features": int(self.n_control_features_),
            "time_step": self.time_step_,
            "training_range": self.training_range_.tolist(),
            "targets_1d": bool(self._targets_1d),
            "fitted_on_frame": bool(self._fitted_on_frame),
        }
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in"] = [str(n) for n in self.feature_names_in_]
        return state

    def _load_base_state(self, state):
        """Restore the shared fitted state from ``state``, a checked reader of the file's fields."""
        n = state.integer("n_features_in", minimum=1, maximum=100_000)
        m = state.integer("n_control_features", maximum=100_000)
        if m and not self._supports_control:
            raise state.error("n_control_features", f"must be 0 for {type(self).__name__}")
        self.n_features_in_ = n
        self.variable_names_ = state.strings("variable_names", n)
        self.target_names_ = state.strings("target_names")
        self.control_names_ = state.strings("control_names", m)
        self.n_control_features_ = m
        self.time_step_ = state.real("time_step", allow_none=True)
        if self.time_step_ is not None and not self.time_step_ > 0:
            raise state.error("time_step", f"must be positive, got {self.time_step_}")
        self.training_range_ = state.array("training_range", (2, n))
        self._targets_1d = state.boolean("targets_1d")
        if len(self.target_names_) != 1 if self._targets_1d else not self.target_names_:
            raise state.error("target_names", "must hold one name per target (one if 1-D)")
        self._fitted_on_frame = state.boolean("fitted_on_frame")
        if "feature_names_in" in state:
            names = state.strings("feature_names_in", n)
            self.feature_names_in_ = np.asarray(names, dtype=object)

    # hooks -------------------------------------------------------------------------------
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
