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

The base class itself holds ``fit``, ``save`` and the hooks. Mixed into it: ``predict``,
``differentiate`` and ``score`` (:class:`~sparseid.models._model_predict.PredictionMixin`),
``simulate`` (:class:`~sparseid.models._model_simulate.SimulationMixin`, whose
``_switched_run`` hook a model with switching terms overrides), the data handling
(:class:`~sparseid.models._model_data.ModelDataMixin`) and the shared fitted state
(:class:`~sparseid.models._model_state.FittedStateMixin`).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._data import validate_targets, validate_trajectories
from .._params import ParameterRulesMixin
from ._export import ExportMixin
from ._model_data import ModelDataMixin
from ._model_predict import PredictionMixin
from ._model_simulate import SimulationMixin
from ._model_state import FittedStateMixin
from ._parameters import parameters_as_inputs
from ._persistence import save_model

__all__ = ["DynamicsModel"]


class DynamicsModel(
    ExportMixin,
    PredictionMixin,
    SimulationMixin,
    ModelDataMixin,
    FittedStateMixin,
    ParameterRulesMixin,
    BaseEstimator,
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
