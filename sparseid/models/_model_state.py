"""The fitted state every model shares, as JSON-compatible values: :class:`FittedStateMixin`.

:meth:`~FittedStateMixin._base_state` gives what :class:`~sparseid.models._base.DynamicsModel`
learns whatever the model (variable, target and control names, the time step, the training
range, the output format), and :meth:`~FittedStateMixin._load_base_state` restores it from a
file's checked fields; :mod:`sparseid.models._persistence` adds the model's own state.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FittedStateMixin"]


class FittedStateMixin:
    """The shared fitted state of :class:`~sparseid.models._base.DynamicsModel`, for files."""

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
        if getattr(self, "differentiation_", None) is not None:
            from ._persistence import encode

            # The differentiator fit chose (or was given), as a model parameter is saved.
            state["differentiation"] = encode(
                self.differentiation_, "differentiation_", "differentiation"
            )
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
        if "differentiation" in state:
            from ._persistence import decode

            self.differentiation_ = decode(
                state["differentiation"], state.name("differentiation"), "differentiation"
            )
