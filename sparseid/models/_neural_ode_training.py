"""How :class:`~sparseid.models.NeuralODE` trains: :class:`NeuralODETrainingMixin`.

Per fit: the held-out tail is split off first and the affine maps around the network (and the
time scale) are fitted on the training part only (``_set_scaling``); then ``n_init`` runs, each
with its own initial weights and an equal share of the budget (:class:`~sparseid.ode.Budget`),
train either on trajectories (``_fit_trajectories``: random segments or multiple shooting,
optionally with a horizon curriculum, early stopping on the held-out loss) or on given targets
(``_fit_targets``), and the run with the smallest held-out loss is kept (``_select``). Every run
goes through the one Adam loop of :func:`sparseid.ode.train` (``_run``).
"""

from __future__ import annotations

import numpy as np

from .._data import validate_trajectories
from ..exceptions import TrainingDivergedError
from ..ode import (
    MLP,
    Adam,
    Budget,
    Diverged,
    HorizonCurriculum,
    LinearPartField,
    MultipleShooting,
    SegmentSampler,
    continuity_weight,
    hold_out_tail,
    loss_residual_grad,
    resolve_adjoint,
    segment_loss,
    train,
)
from ._network_params import random_generator

__all__ = ["NeuralODETrainingMixin"]

#: Halvings of segment_length in the horizon curriculum (horizons L/8, L/4, L/2, L).
CURRICULUM_STAGES = 4


def _scale_of(values):
    """Mean and standard deviation by column, a constant column getting the scale 1."""
    mean = values.mean(axis=0)
    std = values.std(axis=0)
    std[~(std > 1e-12 * (1.0 + np.abs(mean)))] = 1.0
    return mean, std


def _least_squares_map(Z, Y):
    """B minimising ‖Y − Z Bᵀ‖ (the linear fit that starts ``linear_part``)."""
    return np.linalg.lstsq(Z, Y, rcond=None)[0].T


class _PartsAdam:
    """Adam on consecutive parts of one parameter vector (network, free shooting states)."""

    def __init__(self, parts):
        self.parts = parts  # list of (slice, Adam)

    @property
    def progress(self):
        return self.parts[0][1].progress

    @progress.setter
    def progress(self, value):
        for _, optimizer in self.parts:
            optimizer.progress = value

    def step(self, theta, grad):
        for part, optimizer in self.parts:
            optimizer.step(theta[part], grad[part])
        return theta


class _Run:
    """One training run's outcome: its parameters, curves, and held-out score."""

    def __init__(self, theta, result, score, diverged=None):
        self.theta = theta
        self.result = result
        self.score = score
        self.diverged = diverged


class NeuralODETrainingMixin:
    """The training of :class:`~sparseid.models.NeuralODE` (see the module docstring).

    It reads the estimator's parameters and, during ``fit``, keeps the training state
    (``_mlp``, ``_theta``, ``_field``, ``_optimizer``) on the model until ``_finish`` removes it.
    """

    # ---------------------------------------------------------------------------------------
    # set-up
    def _setup(self, d_in, d_out, rng, sizes, linear_init=None, n_states=0):
        """Network (and linear part, and ``n_states`` free shooting states) and Adam.

        ``_theta`` is the flat vector [network, B, free states]; the vector field is bound to
        its first ``_n_model`` entries.
        """
        self._mlp = mlp = MLP((d_in, *sizes, d_out), self.activation)
        net = mlp.init_params(rng)  # float64 draws: a float32 run starts from them rounded
        n_lin = d_in * d_out if self.linear_part else 0
        self._n_model = n_model = mlp.n_params + n_lin
        dtype = self.dtype
        self._theta = theta = np.zeros(n_model + n_states, dtype)
        theta[: mlp.n_params] = net
        if self.linear_part:
            # the network starts as a zero correction to the linear fit
            w_last = mlp.slices[-1][0]
            theta[w_last] = 0.0
            theta[mlp.n_params : n_model] = linear_init.ravel()
            self._field = LinearPartField(mlp, theta[:n_model])
        else:
            self._field = mlp.bind(theta[:n_model])

        def adam(n):
            return Adam(
                n,
                learning_rate=self.learning_rate,
                weight_decay=self.weight_decay,
                clip_norm=self.clip_norm,
                schedule=self.lr_schedule,
                n_iter=self.max_iter,
                dtype=dtype,
            )

        self._optimizer = adam(n_model)
        if n_states:
            # no weight decay or clipping for the states; the same step-size schedule (Adam
            # moves each state by about its step size, so the gaps close as it decays)
            states = Adam(
                n_states,
                learning_rate=self.learning_rate,
                schedule=self.lr_schedule,
                n_iter=self.max_iter,
                dtype=dtype,
            )
            self._optimizer = _PartsAdam(
                [(slice(0, n_model), self._optimizer), (slice(n_model, None), states)]
            )

    def _set_scaling(self, Z, Y=None, trajectories=None):
        """The affine maps around the network, from the training part only.

        With ``trajectories`` (training through the ODE) and ``scale_inputs``, time is also
        rescaled: τ = t / T with T = 1 / RMS(dx̃/dt) of the standardised training states x̃, so
        the network's outputs dx̃/dτ are of order one whatever the data's units.
        """
        d = Z.shape[1]
        if self.scale_inputs:
            mean, std = _scale_of(Z)
        else:
            mean, std = np.zeros(d), np.ones(d)
        self.input_mean_, self.input_scale_ = mean, std
        self.time_scale_ = 1.0
        if Y is None:
            if self.scale_inputs and trajectories is not None:
                rates = [
                    np.diff((x - mean) / std, axis=0) / np.diff(t)[:, None]
                    for x, t in zip(*trajectories)
                ]
                rms = np.sqrt(np.mean(np.concatenate(rates) ** 2))
                if np.isfinite(rms) and rms > 0:
                    self.time_scale_ = float(1.0 / rms)
            # dx̃/dτ = f(x) T / std: the network learns the field of the standardised states
            self.output_offset_, self.output_scale_ = np.zeros(d), std / self.time_scale_
        elif self.scale_inputs:
            self.output_offset_, self.output_scale_ = _scale_of(Y)
        else:
            self.output_offset_, self.output_scale_ = np.zeros(Y.shape[1]), np.ones(Y.shape[1])

    def _scaled(self, xs, ts):
        """Standardised states in the training precision, and rescaled (float64) times."""
        xs = [
            ((x - self.input_mean_) / self.input_scale_).astype(self.dtype, copy=False) for x in xs
        ]
        return xs, [np.asarray(t) / self.time_scale_ for t in ts]

    # ---------------------------------------------------------------------------------------
    # training on trajectories
    def _fit_trajectories(self, data, inputs, validation_data=None):
        name = type(self).__name__
        times = data.require_time("train a neural ODE")
        sizes = self._check_params()["hidden_layer_sizes"]
        rng = random_generator(self.random_state)
        # the held-out tail is split off before anything is fitted, scaling included
        train_x, train_t, val_x, val_t = hold_out_tail(
            list(data.x), list(times), self.validation_fraction, self.segment_length, name
        )
        self._set_scaling(np.concatenate(train_x), trajectories=(train_x, train_t))
        train_x, train_t = self._scaled(train_x, train_t)
        val_x, val_t = self._scaled(val_x, val_t)
        if validation_data is not None:
            val_x, val_t = self._held_out(validation_data)
        SegmentSampler(train_x, train_t, self.segment_length, owner=name)  # checks the length
        val_sampler = None
        if val_x:
            val_sampler = SegmentSampler(val_x, val_t, self.segment_length, name)
        d = data.n_features
        linear_init = None
        if self.linear_part:
            rates = [np.gradient(x, t, axis=0) for x, t in zip(train_x, train_t)]
            linear_init = _least_squares_map(np.concatenate(train_x), np.concatenate(rates))
        shooting = None
        if self.shooting is not None:
            shooting = MultipleShooting(train_x, train_t, states=self.shooting)
        if self.gradient == "adjoint":
            resolve_adjoint(self.adjoint, self.solver)  # an interpolated one after rk4 is refused
        opts = dict(
            solver=self.solver,
            gradient=self.gradient,
            adjoint=self.adjoint,
            loss=self.loss,
            rtol=self.rtol,
            atol=self.atol,
            n_substeps=self.n_substeps,
            max_steps=self.max_solver_steps,
        )

        def validate(field):
            y0, targets, t_rel = val_sampler.segments(val_sampler.tiling())
            return segment_loss(field, y0, targets, t_rel, need_grad=False, **opts)[0]

        def training_score(field):
            sampler = SegmentSampler(train_x, train_t, self.segment_length)
            y0, targets, t_rel = sampler.segments(sampler.tiling())
            return segment_loss(field, y0, targets, t_rel, need_grad=False, **opts)[0]

        def run(rng, budget):
            n_states = shooting.X.size if self.shooting == "free" else 0
            self._setup(d, d, rng, sizes, linear_init, n_states)
            S = None
            if n_states:
                S = self._theta[self._n_model :].reshape(shooting.X.shape)
                S[:] = shooting.X
            curriculum = HorizonCurriculum(
                self.segment_length, CURRICULUM_STAGES if self.curriculum else 1
            )
            samplers = {}
            horizon = [curriculum.horizon]

            def step(field):
                h = horizon[0]
                fraction = budget.fraction()
                if shooting is None:
                    if h not in samplers:
                        samplers[h] = SegmentSampler(train_x, train_t, h)
                    y0, targets, t_rel = samplers[h].sample(rng, self.batch_size)
                    value, grad, n_eval = segment_loss(field, y0, targets, t_rel, **opts)
                else:
                    starts = shooting.sample(rng, h, self.batch_size)
                    weight = continuity_weight(self.continuity_weight, fraction)
                    states = shooting.X if S is None else S
                    value, grad, S_grad, n_eval = shooting.loss(
                        field, starts, h, states, weight, **opts
                    )
                    if S is not None:
                        grad = np.concatenate([grad, S_grad.ravel()])
                horizon[0] = curriculum.update(value, fraction)
                return value, grad, n_eval

            validator = validate if val_sampler is not None else None
            floor = self._loss_floor(np.concatenate(train_x))
            outcome = self._run(step, validator, budget, lambda: curriculum.final, floor)
            if S is not None and outcome.diverged is None:
                gap = shooting.max_gap(self._field, curriculum.horizon, S, **opts)
                outcome.shooting_gap = gap
            return outcome

        scorer = None if val_sampler is not None else training_score
        self._select(run, rng, scorer)
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
        xs, ts = self._scaled(data.x, times)
        if max(len(x) for x in xs) <= self.segment_length:
            raise ValueError(
                f"{name}: validation_data needs a trajectory with more than "
                f"segment_length={self.segment_length} samples."
            )
        return xs, ts

    # ---------------------------------------------------------------------------------------
    # regression on given targets
    def _fit_targets(self, Z, Y):
        sizes = self._check_params()["hidden_layer_sizes"]
        rng = random_generator(self.random_state)
        self._set_scaling(Z, Y)
        Zs = ((Z - self.input_mean_) / self.input_scale_).astype(self.dtype, copy=False)
        Ys = ((Y - self.output_offset_) / self.output_scale_).astype(self.dtype, copy=False)
        linear_init = _least_squares_map(Zs, Ys) if self.linear_part else None
        n = len(Zs)
        size = min(self.batch_size, n)

        def run(rng, budget):
            self._setup(Z.shape[1], Y.shape[1], rng, sizes, linear_init)

            def step(field):
                rows = rng.choice(n, size=size, replace=False) if size < n else np.arange(n)
                out, cache = field(Zs[rows])
                value, vbar = loss_residual_grad(out - Ys[rows], self.loss)
                _, deltas = field.vjp(cache, vbar, need_input=False)
                return value, field.param_grad([cache], [deltas]), 2

            return self._run(step, None, budget, loss_floor=self._loss_floor(Ys))

        def score(field):
            return loss_residual_grad(field(Zs)[0] - Ys, self.loss)[0]

        self._select(run, rng, score)
        return self

    # ---------------------------------------------------------------------------------------
    # restarts, the Adam loop, and what is kept
    def _select(self, run, rng, scorer):
        """``n_init`` runs on equal shares of the budget; keep the best held-out score.

        Run 0 uses ``rng`` itself, so it is the single run of the same seed; the others use
        independent generators spawned from it. The score is the best validation loss when
        there is held-out data, else ``scorer`` (the training loss) at the run's end.
        """
        # what an earlier fit learned with other options must not survive this one
        for name in ("best_validation_loss_", "shooting_gap_", "linear_coef_"):
            if name in self.__dict__:
                delattr(self, name)
        budget = Budget(self.max_iter, self.max_nfev, self.max_time)
        n_init = self.n_init
        rngs = [rng, *rng.spawn(n_init - 1)] if n_init > 1 else [rng]
        best, n_eval, fit_time = None, 0, 0.0
        for generator in rngs:
            share = budget.share(n_init) if n_init > 1 else budget
            outcome = run(generator, share)
            n_eval += outcome.result.n_eval
            fit_time += outcome.result.fit_time
            if outcome.diverged is None and n_init > 1:
                score = outcome.result.best_validation
                if scorer is not None:
                    try:
                        score = scorer(self._field)
                    except FloatingPointError:
                        score = np.inf
                outcome.score = score
            outcome.theta = self._theta[: self._n_model].copy()
            if best is None or (best.diverged is not None and outcome.diverged is None):
                best = outcome
            elif outcome.diverged is None and outcome.score < best.score:
                best = outcome
        self._theta[: self._n_model] = best.theta
        self._finish(best, n_eval, fit_time)

    def _loss_floor(self, values):
        """The smallest loss the explosion test compares with: 1e-6 of the data's own size.

        A loss beyond 1e6 times it (residuals larger than the data) is an explosion even when
        the first loss was tiny (``linear_part`` starts from the least-squares fit).
        """
        size = float(np.mean(np.abs(values)))
        return 1e-6 * (size if self.loss == "l1" else size**2)

    def _run(self, step, validate, budget, stop_allowed=None, loss_floor=1e-300):
        """Run the shared Adam loop; a divergence is kept on the outcome, not raised."""
        field = self._field
        try:
            result = train(
                lambda: step(field),
                self._theta,
                field.refresh,
                self._optimizer,
                budget.max_iter,
                validate=None if validate is None else (lambda: validate(field)),
                validation_interval=self.validation_interval,
                n_iter_no_change=self.n_iter_no_change,
                verbose=self.verbose,
                desc=type(self).__name__,
                budget=budget,
                stop_allowed=stop_allowed,
                loss_floor=loss_floor,
            )
        except Diverged as exc:
            return _Run(None, exc.result, np.inf, diverged=exc)
        return _Run(None, result, result.best_validation)

    def _finish(self, outcome, n_eval, fit_time):
        """Store the kept run (or raise its divergence) and drop the training state."""
        result = outcome.result
        self.loss_curve_ = result.loss_curve
        self.validation_curve_ = result.validation_curve
        self.n_function_evals_ = n_eval
        self.fit_time_ = fit_time
        self.n_iter_ = len(result.loss_curve)
        self._store(self._theta)
        if np.isfinite(result.best_validation):
            self.best_validation_loss_ = result.best_validation
        if hasattr(outcome, "shooting_gap"):
            self.shooting_gap_ = outcome.shooting_gap
        # the training state is not part of the fitted model (nor of its pickle)
        del self._field, self._optimizer, self._theta, self._mlp, self._n_model
        if outcome.diverged is not None:
            exc = outcome.diverged
            raise TrainingDivergedError(
                f"{type(self).__name__}: training diverged at iteration {exc.iteration}: "
                f"{exc.reason}. Try a smaller learning_rate (now {self.learning_rate}), "
                "clip_norm, or scale_inputs=True; the model keeps the last parameters that "
                "gave a finite loss.",
                iteration=exc.iteration,
            ) from None

    def _store(self, theta):
        # a float32 training's parameters are kept (and used) in float64
        theta = theta.astype(np.float64)
        n_net = self._mlp.n_params
        params = self._mlp.unpack(theta[:n_net])
        self.coefs_ = [W for W, _ in params]
        self.intercepts_ = [b for _, b in params]
        self.activation_slopes_ = list(params.slopes)  # the learned PReLU slopes, if any
        if self.linear_part:
            d_out, d_in = self._mlp.layer_sizes[-1], self._mlp.layer_sizes[0]
            self.linear_coef_ = theta[n_net : self._n_model].reshape(d_out, d_in).copy()
