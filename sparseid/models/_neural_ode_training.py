"""How :class:`~sparseid.models.NeuralODE` trains: :class:`NeuralODETrainingMixin`.

Per fit: the held-out tail is split off first and the affine maps around the network (and the
time scale) are fitted on the training part only (``_set_scaling``); then ``n_init`` runs, each
with its own initial weights and an equal share of the budget (:class:`~sparseid.ode.Budget`),
train either on trajectories (``_fit_trajectories``: random segments or multiple shooting,
optionally with a horizon curriculum, early stopping on the held-out loss) or on given targets
(``_fit_targets``), and the run with the smallest held-out loss is kept (``_select``). Every run
goes through the one Adam loop of :func:`sparseid.ode.train` (``_run``).

The set-up of a run (scaling, network, Adam) is :mod:`sparseid.models._neural_ode_setup`; the
restarts, the loop and what is kept, :mod:`sparseid.models._neural_ode_runs`. This module holds
the two trainings, which build each run's ``step``.
"""

from __future__ import annotations

import numpy as np

from .._data import validate_trajectories
from ..ode import (
    HorizonCurriculum,
    MultipleShooting,
    SegmentSampler,
    continuity_weight,
    hold_out_tail,
    loss_residual_grad,
    resolve_adjoint,
    segment_loss,
)
from ._network_params import random_generator
from ._neural_ode_runs import NeuralODERunsMixin
from ._neural_ode_setup import NeuralODESetupMixin

__all__ = ["NeuralODETrainingMixin"]

#: Halvings of segment_length in the horizon curriculum (horizons L/8, L/4, L/2, L).
CURRICULUM_STAGES = 4


def _least_squares_map(Z, Y):
    """B minimising ‖Y − Z Bᵀ‖ (the linear fit that starts ``linear_part``)."""
    return np.linalg.lstsq(Z, Y, rcond=None)[0].T


class NeuralODETrainingMixin(NeuralODESetupMixin, NeuralODERunsMixin):
    """The training of :class:`~sparseid.models.NeuralODE` (see the module docstring).

    It reads the estimator's parameters and, during ``fit``, keeps the training state
    (``_mlp``, ``_theta``, ``_field``, ``_optimizer``) on the model until ``_finish`` removes it.
    """

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
