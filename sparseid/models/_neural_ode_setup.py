"""Setting up a :class:`~sparseid.models.NeuralODE` training run: :class:`NeuralODESetupMixin`.

The affine maps around the network and the time scale, fitted on the training part of the data
only (``_set_scaling``), the data in those coordinates (``_scaled``), and each run's network,
flat parameter vector and Adam (``_setup``).
"""

from __future__ import annotations

import numpy as np

from ..ode import MLP, Adam, LinearPartField

__all__ = ["NeuralODESetupMixin"]


def _scale_of(values):
    """Mean and standard deviation by column, a constant column getting the scale 1."""
    mean = values.mean(axis=0)
    std = values.std(axis=0)
    std[~(std > 1e-12 * (1.0 + np.abs(mean)))] = 1.0
    return mean, std


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


class NeuralODESetupMixin:
    """The set-up of :class:`~sparseid.models.NeuralODE`'s training (see the module docstring).

    ``_setup`` puts the training state (``_mlp``, ``_n_model``, ``_theta``, ``_field``,
    ``_optimizer``) on the model; :class:`~._neural_ode_runs.NeuralODERunsMixin` removes it.
    """

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
