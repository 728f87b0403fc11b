"""What the flow classifier and regressor share: parameters, the flow, the read-out, training.

See :mod:`sparseid.models._flow_classifier` for the estimators and :mod:`sparseid.models._flow`
for the numerics of the flow.
"""

from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from .._params import Bool, Check, Choice, Integer, ParameterRulesMixin, Real, Seed
from ..exceptions import TrainingDivergedError
from ..ode import GRADIENTS, SOLVERS, Adam
from ..ode._activations import check_activation
from ._flow import Flow
from ._network_params import check_layer_sizes, random_generator

__all__ = ["DOC_PARAMETERS", "FlowEstimator"]


def _check_batch(owner, name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{type(owner).__name__}: {name}={value!r} must be None or an int >= 1")
    return int(value)


class FlowEstimator(TransformerMixin, ParameterRulesMixin, BaseEstimator):
    """What the classifier and the regressor share: the flow, the read-out, the training."""

    _parameter_type_error = ValueError
    _parameter_rules: ClassVar = {
        "hidden_layer_sizes": Check(check_layer_sizes, "a tuple of positive integers, or an int"),
        "activation": Check(check_activation, "the name of an activation (not a step)"),
        "T": Real(minimum=0, closed="neither"),
        "augment_dim": Integer(minimum=0),
        "time_dependent": Bool(type_error=TypeError),
        "solver": Choice(SOLVERS),
        "n_steps": Integer(minimum=1),
        "gradient": Choice(GRADIENTS),
        "rtol": Real(minimum=0, closed="neither"),
        "atol": Real(minimum=0, closed="neither"),
        "learning_rate": Real(minimum=0, closed="neither"),
        "max_iter": Integer(minimum=0),
        "batch_size": Check(_check_batch, "None or an int >= 1"),
        "alpha": Real(minimum=0),
        "max_solver_steps": Integer(minimum=1),
        "random_state": Seed(),
    }

    def __init__(
        self,
        hidden_layer_sizes=(16,),
        activation="tanh",
        T=1.0,
        augment_dim=0,
        time_dependent=False,
        solver="dopri5",
        n_steps=10,
        gradient="backprop",
        rtol=1e-3,
        atol=1e-6,
        learning_rate=0.01,
        max_iter=200,
        batch_size=None,
        alpha=1e-4,
        max_solver_steps=10_000,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.T = T
        self.augment_dim = augment_dim
        self.time_dependent = time_dependent
        self.solver = solver
        self.n_steps = n_steps
        self.gradient = gradient
        self.rtol = rtol
        self.atol = atol
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.alpha = alpha
        self.max_solver_steps = max_solver_steps
        self.random_state = random_state

    # --- the flow at the current parameters ------------------------------------------------
    def _flow(self):
        """The :class:`Flow` of the fitted network with the current solver options.

        ``set_params(solver=…, n_steps=…, rtol=…, atol=…, T=…, gradient=…)`` after ``fit``
        changes how the fitted field is solved.

        After ``fit``, an adaptive solver replays ``step_sizes_`` while the solver, its
        tolerances and T are those of the fit.
        """
        p = self._check_params()
        # the network's shape is the fitted one: set_params may change how it is solved only
        hidden, activation, augment_dim, time_dependent = self._architecture
        flow = Flow(
            self.n_features_in_,
            hidden,
            activation,
            p["T"],
            augment_dim,
            time_dependent,
            p["solver"],
            p["n_steps"],
            p["rtol"],
            p["atol"],
            p["max_solver_steps"],
            p["gradient"],
        )
        steps = getattr(self, "step_sizes_", None)
        if steps is not None and self._steps_key == self._solver_key(p):
            flow.step_sizes = steps
        return flow

    @staticmethod
    def _solver_key(p):
        return (p["solver"], p["rtol"], p["atol"], p["T"])

    def _split(self, flow, params):
        n_out = self._n_outputs
        theta = params[: flow.n_params]
        W = params[flow.n_params : flow.n_params + n_out * flow.width].reshape(n_out, flow.width)
        return theta, W, params[-n_out:]

    def _validate_X(self, X):
        check_is_fitted(self, "params_")
        return validate_data(self, X, reset=False, dtype=np.float64)

    def _states(self, flow, X):
        try:
            Z, _ = flow.end(flow.bind(self._split(flow, self.params_)[0]), X)
        except FloatingPointError as error:
            raise FloatingPointError(f"{type(self).__name__}: the flow failed: {error}") from None
        return Z

    def transform(self, X):
        """The states x(T) the inputs flow to (with the augmented coordinates).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features + augment_dim)
        """
        X = self._validate_X(X)
        return self._states(self._flow(), X)

    def get_feature_names_out(self, input_features=None):
        """Names of the coordinates of x(T): ``flow0``, ``flow1``, … (inputs, then augmented).

        Parameters
        ----------
        input_features : array-like of str, optional
            Ignored beyond scikit-learn's consistency check.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "params_")
        _check_feature_names_in(self, input_features)
        width = self.n_features_in_ + self._architecture[2]
        return np.asarray([f"flow{i}" for i in range(width)], dtype=object)

    def trajectories(self, X, t):
        """The paths of the inputs under the flow, at the times ``t``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        t : array-like of shape (m,)
            Strictly increasing times ≥ 0 (usually in [0, T]; 0 gives the augmented inputs).

        Returns
        -------
        ndarray of shape (m, n_samples, n_features + augment_dim)
        """
        X = self._validate_X(X)
        t = np.asarray(t, dtype=np.float64)
        if t.ndim != 1 or len(t) == 0 or not np.all(np.isfinite(t)) or t[0] < 0:
            raise ValueError(f"trajectories: t must be a 1-D array of finite times >= 0, got {t}")
        if np.any(np.diff(t) <= 0):
            k = int(np.argmax(np.diff(t) <= 0)) + 1
            raise ValueError(
                f"trajectories: t must be strictly increasing: t[{k}] = {t[k]} is not greater "
                f"than t[{k - 1}] = {t[k - 1]}"
            )
        flow = self._flow()
        out = np.empty((len(t), X.shape[0], flow.width))
        start = int(t[0] == 0.0)
        out[:start] = flow.initial(X)[None, :, : flow.width]
        if start < len(t):
            field = flow.bind(self._split(flow, self.params_)[0])
            out[start:], _ = flow.run(field, X, t[start:])
        return out

    def _decision(self, X):
        flow = self._flow()
        _, W, c = self._split(flow, self.params_)
        return self._states(flow, X) @ W.T + c

    # --- training --------------------------------------------------------------------------
    def _fit(self, X, targets):
        """Adam on the loss of the read-out of x(T), for ``max_iter`` steps."""
        p = self._check_params()
        rng = random_generator(p["random_state"])
        self.n_features_in_ = X.shape[1]
        self.step_sizes_ = None  # a new fit chooses its own steps
        self._architecture = tuple(
            p[k] for k in ("hidden_layer_sizes", "activation", "augment_dim", "time_dependent")
        )
        flow = self._flow()
        n_out = self._n_outputs
        params = np.zeros(flow.n_params + n_out * flow.width + n_out)
        # The read-out starts at zero, so the first steps fit it to the initial flow's features:
        # a random read-out can start with the wrong orientation, which a flow cannot undo (in
        # 1-D it preserves order) and training then shrinks the features to nothing instead.
        theta = params[: flow.n_params]
        theta[:] = flow.mlp.init_params(rng)
        field = flow.bind(theta)
        adam = Adam(params.size, learning_rate=p["learning_rate"])
        n = X.shape[0]
        batch = p["batch_size"]
        self.loss_curve_ = []
        for iteration in range(p["max_iter"]):
            rows = slice(None) if batch is None or batch >= n else rng.choice(n, batch, False)
            Xb, Tb = X[rows], targets[rows]
            try:
                loss, grad = self._loss_gradient(flow, field, params, Xb, Tb)
            except FloatingPointError as error:
                raise TrainingDivergedError(
                    f"{type(self).__name__}: the flow failed at iteration {iteration} "
                    f"({error}); try a smaller learning_rate",
                    iteration=iteration,
                ) from None
            if p["alpha"]:
                loss += 0.5 * p["alpha"] * float(params @ params)
                grad += p["alpha"] * params
            if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
                raise TrainingDivergedError(
                    f"{type(self).__name__}: non-finite loss or gradient at iteration "
                    f"{iteration}; try a smaller learning_rate",
                    iteration=iteration,
                )
            self.loss_curve_.append(float(loss))
            adam.step(params, grad)
            field.refresh()
        self.params_ = params
        self.n_iter_ = p["max_iter"]
        self.step_sizes_ = None
        if SOLVERS[p["solver"]].adaptive:
            # The adaptive solver controls one error norm over the whole batch, so its steps
            # depend on which rows are solved together; predictions replay the steps it chose
            # on the training set, and a row's x(T) does not depend on the other rows.
            try:
                _, record = flow.end(field, X, record=True)
            except FloatingPointError as error:
                raise TrainingDivergedError(
                    f"{type(self).__name__}: the flow failed after training ({error})"
                ) from None
            self.step_sizes_ = np.array([step.h for step in record.steps])
            self._steps_key = self._solver_key(p)
        return self

    def _loss_gradient(self, flow, field, params, X, targets):
        """Loss of the read-out of x(T) (no penalty) and its gradient in ``params``.

        ``field`` is ``flow.bind`` of the field's part of ``params``.
        """
        Z, record = flow.end(field, X, record=flow.gradient == "backprop")
        _, W, c = self._split(flow, params)
        loss, S_bar = self._loss(Z @ W.T + c, targets)
        grad = np.empty_like(params)
        g_theta, g_W, g_c = self._split(flow, grad)
        g_W[:] = S_bar.T @ Z
        g_c[:] = S_bar.sum(axis=0)
        g_theta[:] = flow.param_gradient(field, X, Z, record, S_bar @ W)
        return loss, grad

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


DOC_PARAMETERS = """
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(16,)
        Hidden-layer widths of the MLP vector field f.
    activation : str, default="tanh"
        Activation of the hidden layers: any of ``sparseid.ode.ACTIVATIONS`` (a step has
        no gradient and is refused).
    T : float, default=1.0
        The time the inputs flow for.
    augment_dim : int, default=0
        Zero coordinates appended to the inputs before the flow (augmented neural ODE [2]_): a
        flow of the plane is a homeomorphism and cannot pull a disc out of a surrounding
        annulus; in three dimensions it can.
    time_dependent : bool, default=False
        The network also sees the time t, so the field is f(x, t) (its first layer's bias
        becomes b + w t): parameters that vary in time.
    solver : {"dopri5", "bosh3", "rk4", "euler"}, default="dopri5"
        Adaptive solvers use ``rtol``/``atol``; fixed-step ones take ``n_steps`` steps of
        T / n_steps (``"euler"`` is then a ResNet with shared weights and ``n_steps`` layers).
        Changing it after ``fit`` (``set_params``) evaluates the trained field with another
        solver.
    n_steps : int, default=10
    gradient : {"backprop", "adjoint"}, default="backprop"
        Backpropagation through the solver's steps (memory grows with the steps) or the
        continuous adjoint (memory independent of them).
    rtol, atol : float, default=1e-3, 1e-6
    learning_rate : float, default=0.01
        Adam's step size.
    max_iter : int, default=200
        Adam steps: a fixed budget, no early stopping.
    batch_size : int or None, default=None
        Rows per step (random), or all rows.
    alpha : float, default=1e-4
        L2 penalty (α/2)‖params‖² on the field's and the read-out's parameters.
    max_solver_steps : int, default=10000
    random_state : int, Generator, RandomState or None, default=None
        Seeds the initial parameters and the batches.
"""
