"""How :class:`~sparseid.models.NeuralODE` trains: :class:`NeuralODETrainingMixin`.

The network and Adam are built (``_setup``) and the affine maps around the network fitted
(``_set_scaling``) once per fit; then either trajectories are cut into segments and integrated
(``_fit_trajectories``, with a held-out tail or ``validation_data`` for early stopping) or the
network is regressed on given targets (``_fit_targets``). Both run the one Adam loop of
:func:`sparseid.ode.train` (``_train``), which records the curves and keeps the parameters.
"""

from __future__ import annotations

import numpy as np

from .._data import validate_trajectories
from ..exceptions import TrainingDivergedError
from ..ode import (
    MLP,
    Adam,
    Diverged,
    SegmentSampler,
    hold_out_tail,
    loss_residual_grad,
    segment_loss,
    train,
)

__all__ = ["NeuralODETrainingMixin"]


def _generator(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    return np.random.default_rng(random_state)


class NeuralODETrainingMixin:
    """The training of :class:`~sparseid.models.NeuralODE` (see the module docstring).

    It reads the estimator's parameters and, during ``fit``, keeps the training state
    (``_mlp``, ``_theta``, ``_field``, ``_optimizer``) on the model until ``_record`` removes it.
    """

    def _setup(self, d_in, d_out, rng, sizes):
        """Build the network of hidden layer ``sizes`` (checked once per fit) and Adam."""
        self._mlp = MLP((d_in, *sizes, d_out), self.activation)
        self._theta = self._mlp.init_params(rng)
        self._field = self._mlp.bind(self._theta)
        self._optimizer = Adam(
            self._mlp.n_params,
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            clip_norm=self.clip_norm,
            schedule=self.lr_schedule,
            n_iter=self.max_iter,
        )

    def _set_scaling(self, Z, Y=None):
        d = Z.shape[1]
        if self.scale_inputs:
            mean = Z.mean(axis=0)
            std = Z.std(axis=0)
            std[~(std > 1e-12 * (1.0 + np.abs(mean)))] = 1.0
        else:
            mean, std = np.zeros(d), np.ones(d)
        self.input_mean_, self.input_scale_ = mean, std
        if Y is None:
            # dx̃/dt = f(x)/std: the network learns the field of the standardised states
            self.output_offset_, self.output_scale_ = np.zeros(d), std.copy()
        elif self.scale_inputs:
            ymean = Y.mean(axis=0)
            ystd = Y.std(axis=0)
            ystd[~(ystd > 1e-12 * (1.0 + np.abs(ymean)))] = 1.0
            self.output_offset_, self.output_scale_ = ymean, ystd
        else:
            self.output_offset_, self.output_scale_ = np.zeros(Y.shape[1]), np.ones(Y.shape[1])

    def _fit_trajectories(self, data, inputs, validation_data=None):
        times = data.require_time("train a neural ODE")
        sizes = self._check_params()["hidden_layer_sizes"]
        rng = _generator(self.random_state)
        self._set_scaling(data.stacked())
        xs = [(x - self.input_mean_) / self.input_scale_ for x in data.x]
        train_x, train_t, val_x, val_t = hold_out_tail(
            xs, list(times), self.validation_fraction, self.segment_length, type(self).__name__
        )
        if validation_data is not None:
            val_x, val_t = self._held_out(validation_data)
        sampler = SegmentSampler(train_x, train_t, self.segment_length, owner=type(self).__name__)
        val_sampler = None
        if val_x:
            val_sampler = SegmentSampler(val_x, val_t, self.segment_length, type(self).__name__)
        d = data.n_features
        self._setup(d, d, rng, sizes)
        opts = dict(
            solver=self.solver,
            gradient=self.gradient,
            loss=self.loss,
            rtol=self.rtol,
            atol=self.atol,
            n_substeps=self.n_substeps,
            max_steps=self.max_solver_steps,
        )

        def step(field):
            y0, targets, t_rel = sampler.sample(rng, self.batch_size)
            value, grad, n_eval = segment_loss(field, y0, targets, t_rel, **opts)
            return value, grad, n_eval

        def validate(field):
            y0, targets, t_rel = val_sampler.segments(val_sampler.tiling())
            return segment_loss(field, y0, targets, t_rel, need_grad=False, **opts)[0]

        self._train(step, validate if val_sampler is not None else None)
        return self

    def _held_out(self, validation_data):
        name = type(self).__name__
        if self.validation_fraction is not None:
            raise ValueError(
                f"{name}: pass either validation_fraction={self.validation_fraction} or "
                "validation_data to fit, not both."
            )
        if isinstance(validation_data, tuple) and len(validation_data) == 2:
            X_val, t_val = validation_data
        else:
            X_val, t_val = validation_data, None
        data = validate_trajectories(
            X_val, t_val, name="validation_data", estimator=self, reset=False
        )
        times = data.require_time("compute a validation loss")
        xs = [(x - self.input_mean_) / self.input_scale_ for x in data.x]
        if max(len(x) for x in xs) <= self.segment_length:
            raise ValueError(
                f"{name}: validation_data needs a trajectory with more than "
                f"segment_length={self.segment_length} samples."
            )
        return xs, list(times)

    def _fit_targets(self, Z, Y):
        sizes = self._check_params()["hidden_layer_sizes"]
        rng = _generator(self.random_state)
        self._set_scaling(Z, Y)
        Zs = (Z - self.input_mean_) / self.input_scale_
        Ys = (Y - self.output_offset_) / self.output_scale_
        self._setup(Z.shape[1], Y.shape[1], rng, sizes)
        mlp = self._mlp
        n = len(Zs)
        size = min(self.batch_size, n)

        def step(field):
            rows = rng.choice(n, size=size, replace=False) if size < n else np.arange(n)
            out, cache = field(Zs[rows])
            value, vbar = loss_residual_grad(out - Ys[rows], self.loss)
            _, deltas = field.vjp(cache, vbar, need_input=False)
            return value, mlp.param_grad([cache], [deltas]), 2

        self._train(step, None)
        return self

    def _train(self, step, validate):
        """Run the shared Adam loop and store its curves (both fitting modes)."""
        field = self._field
        try:
            result = train(
                lambda: step(field),
                self._theta,
                field.refresh,
                self._optimizer,
                self.max_iter,
                validate=None if validate is None else (lambda: validate(field)),
                validation_interval=self.validation_interval,
                n_iter_no_change=self.n_iter_no_change,
                verbose=self.verbose,
                desc=type(self).__name__,
            )
        except Diverged as exc:
            self._record(exc.result)
            raise TrainingDivergedError(
                f"{type(self).__name__}: training diverged at iteration {exc.iteration}: "
                f"{exc.reason}. Try a smaller learning_rate (now {self.learning_rate}), "
                "clip_norm, or scale_inputs=True; the model keeps the last parameters that "
                "gave a finite loss.",
                iteration=exc.iteration,
            ) from None
        self._record(result)
        if validate is not None and np.isfinite(result.best_validation):
            self.best_validation_loss_ = result.best_validation

    def _record(self, result):
        self.loss_curve_ = result.loss_curve
        self.validation_curve_ = result.validation_curve
        self.n_function_evals_ = result.n_eval
        self.fit_time_ = result.fit_time
        self.n_iter_ = len(result.loss_curve)
        self._store(self._theta)
        # the training state is not part of the fitted model (nor of its pickle)
        del self._field, self._optimizer, self._theta, self._mlp

    def _store(self, theta):
        params = self._mlp.unpack(theta.copy())
        self.coefs_ = [W for W, _ in params]
        self.intercepts_ = [b for _, b in params]
        self.activation_slopes_ = list(params.slopes)  # the learned PReLU slopes, if any
