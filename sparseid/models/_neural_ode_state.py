"""Saving and loading a fitted NeuralODE as JSON (see :mod:`sparseid.models._persistence`)."""

from __future__ import annotations

from .._params import check_params

__all__ = ["NeuralODEStateMixin"]


class NeuralODEStateMixin:
    """``_state_to_json`` / ``_state_from_json`` of :class:`~sparseid.models.NeuralODE`.

    The state: the network's weights, biases and learned PReLU slopes, the affine maps around
    it, the linear part, the time scale, the curves and counters of the training, and (when
    they were set) the best validation loss and the multiple-shooting gap.
    """

    def _state_to_json(self):
        from ._fields import float_list

        state = {
            "coefs": [float_list(W) for W in self.coefs_],
            "intercepts": [float_list(b) for b in self.intercepts_],
            "input_mean": float_list(self.input_mean_),
            "input_scale": float_list(self.input_scale_),
            "output_offset": float_list(self.output_offset_),
            "output_scale": float_list(self.output_scale_),
            # a diverged iteration may leave a non-finite loss
            "loss_curve": float_list(self.loss_curve_, allow_nonfinite=True),
            "validation_curve": float_list(self.validation_curve_, allow_nonfinite=True),
            "n_iter": int(self.n_iter_),
            "n_function_evals": int(self.n_function_evals_),
            "fit_time": float(self.fit_time_),
        }
        if hasattr(self, "best_validation_loss_"):
            state["best_validation_loss"] = float(self.best_validation_loss_)
        if getattr(self, "activation_slopes_", None):
            state["activation_slopes"] = [float_list(a) for a in self.activation_slopes_]
        if self.linear_part:
            state["linear_coef"] = float_list(self.linear_coef_)
        state["time_scale"] = float(self.time_scale_)
        if hasattr(self, "shooting_gap_"):
            state["shooting_gap"] = float(self.shooting_gap_)
        return state

    def _state_from_json(self, state):
        # The saved network must have the layer widths of hidden_layer_sizes (which the loader
        # has checked with every other parameter).
        sizes = check_params(self, ["hidden_layer_sizes"])["hidden_layer_sizes"]
        widths = [self.n_features_in_, *sizes, len(self.target_names_)]
        layers = range(len(widths) - 1)
        self.coefs_ = state.arrays("coefs", [(widths[i + 1], widths[i]) for i in layers])
        self.intercepts_ = state.arrays("intercepts", [(widths[i + 1],) for i in layers])
        prelu = self.activation == "prelu"
        if prelu or "activation_slopes" in state:
            if not prelu or "activation_slopes" not in state:
                raise state.error("activation_slopes", "are saved exactly with activation='prelu'")
            hidden = [(w,) for w in widths[1:-1]]
            self.activation_slopes_ = state.arrays("activation_slopes", hidden)
        else:
            self.activation_slopes_ = []
        sizes = {"input_mean": 0, "input_scale": 0, "output_offset": -1, "output_scale": -1}
        for key, end in sizes.items():
            setattr(self, key + "_", state.array(key, (widths[end],)))
        for key in ("input_scale", "output_scale"):
            if not (getattr(self, key + "_") > 0).all():
                raise state.error(key, "must be positive")
        self.loss_curve_ = state.array("loss_curve", (None,), allow_nonfinite=True).tolist()
        curve = state.array("validation_curve", (None,), allow_nonfinite=True)
        self.validation_curve_ = curve.tolist()
        self.n_iter_ = state.integer("n_iter")
        if self.n_iter_ != len(self.loss_curve_):
            raise state.error("n_iter", "must equal the length of loss_curve")
        self.n_function_evals_ = state.integer("n_function_evals", maximum=2**62)
        self.fit_time_ = state.real("fit_time", minimum=0)
        if "best_validation_loss" in state:
            self.best_validation_loss_ = state.real("best_validation_loss")
        if self.linear_part:
            self.linear_coef_ = state.array("linear_coef", (widths[-1], widths[0]))
        # files written before time rescaling have no time scale: it was 1
        self.time_scale_ = state.real("time_scale", minimum=0) if "time_scale" in state else 1.0
        if "shooting_gap" in state:
            self.shooting_gap_ = state.real("shooting_gap", minimum=0)
