"""The runs of a :class:`~sparseid.models.NeuralODE` training: :class:`NeuralODERunsMixin`.

``n_init`` runs on equal shares of the budget (:class:`~sparseid.ode.Budget`), each through the
one Adam loop of :func:`sparseid.ode.train` (``_run``; a divergence is kept on the run's outcome),
the run with the smallest held-out loss kept (``_select``), and its parameters stored as the
fitted model while the training state is dropped (``_finish``, ``_store``).
"""

from __future__ import annotations

import numpy as np

from ..exceptions import TrainingDivergedError
from ..ode import Budget, Diverged, train

__all__ = ["NeuralODERunsMixin"]


class _Run:
    """One training run's outcome: its parameters, curves, and held-out score."""

    def __init__(self, theta, result, score, diverged=None):
        self.theta = theta
        self.result = result
        self.score = score
        self.diverged = diverged


class NeuralODERunsMixin:
    """Restarts, the Adam loop, and what is kept, for :class:`~sparseid.models.NeuralODE`.

    ``step`` and ``run`` callables come from the training on trajectories or on targets
    (:mod:`sparseid.models._neural_ode_training`); the training state is the one
    :class:`~._neural_ode_setup.NeuralODESetupMixin` set up.
    """

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
