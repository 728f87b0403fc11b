"""Saving and loading a fitted library model's state as JSON (see :mod:`._persistence`)."""

from __future__ import annotations

__all__ = ["LibraryStateMixin"]


class LibraryStateMixin:
    """``_state_to_json`` / ``_state_from_json`` of :class:`~._library_model.LibraryModel`.

    The state: the library (as its JSON description, fitted again on load), the coefficients and
    their standard errors, the term names, the fitted optimizer's diagnostics (or, for the weak
    form, ``weak_form_`` with each target's optimizer), and what a fit found from the data
    (switching offsets, inner constants of terms).
    """

    def _state_to_json(self):
        from ..libraries._serialize import library_to_dict
        from ._fields import float_list
        from ._optimizer_state import optimizer_to_json

        self._check_symbolic("be saved as JSON (save it with pickle)")
        library = self.feature_library_
        stderr = self.coef_stderr_
        state = {
            "library": library_to_dict(library, "feature_library_"),
            "library_n_features_in": int(library.n_features_in_),
            "coef": float_list(self.coef_),
            # inf where a coefficient is undetermined (no residual degrees of freedom)
            "coef_stderr": None if stderr is None else float_list(stderr, allow_nonfinite=True),
            "feature_names": self.feature_names_,
        }
        if hasattr(self, "optimizer_"):
            state["optimizer"] = optimizer_to_json(self.optimizer_)
        if "weak_form_" in vars(self):
            from ._weak_state import weak_form_to_json

            state["weak_form"] = weak_form_to_json(self.weak_form_)
        if getattr(self, "surface_search_", None):
            state["surface_search"] = [
                {**found, "bracket": list(found["bracket"])} for found in self.surface_search_
            ]
        if getattr(self, "nonlinear_parameters_", None):
            state["nonlinear_parameters"] = dict(self.nonlinear_parameters_)
        return state

    def _state_from_json(self, state):
        from ..libraries._serialize import build_library, fit_library
        from ..optimizers._ensemble import gather_ensemble
        from ._optimizer_state import optimizer_from_json

        n_inputs = self.n_features_in_ + self.n_control_features_
        if state.integer("library_n_features_in", minimum=1) != n_inputs:
            raise state.error("library_n_features_in", f"must equal the {n_inputs} model inputs")
        where = state.name("library")
        library = fit_library(build_library(state["library"], where), n_inputs, where)
        shape = (len(self.target_names_), library.n_output_features_)
        self.feature_library_ = library
        self.coef_ = state.array("coef", shape)
        stderr = state["coef_stderr"]
        if stderr is not None:
            stderr = state.array("coef_stderr", shape, allow_nonfinite=True)
        self.coef_stderr_ = stderr
        self.feature_names_ = state.strings("feature_names", shape[1])
        if "optimizer" in state:  # format version 1 did not save it
            fields = state.child("optimizer")
            optimizer = optimizer_from_json(self._make_optimizer(), fields, self.coef_, stderr)
            self.optimizer_ = optimizer
            gather_ensemble(self, [optimizer])
        if "weak_form" in state:  # format version 3: each target's optimizer
            from ._weak_state import weak_form_from_json

            fields = state.child("weak_form")
            self.weak_form_ = weak_form_from_json(self, fields, *shape)
            gather_ensemble(self, self.weak_form_.optimizers_)
        self.surface_search_ = None
        if "surface_search" in state:
            from ._surface_search import search_from_json

            self.surface_search_ = search_from_json(state, "surface_search")
        self.nonlinear_parameters_ = _read_nonlinear_parameters(state, library)
        self._compile_rhs()


def _read_nonlinear_parameters(state, library):
    """The learned inner constants saved with the model; each must be the library's value."""
    if "nonlinear_parameters" not in state:
        return {}
    fields = state.child("nonlinear_parameters")
    params = library.get_params(deep=True)
    found = {}
    for key in list(fields):
        value = fields.real(key)
        if not isinstance(key, str) or params.get(key) != value:
            raise fields.error(key, f"is not the value of that library parameter ({value!r})")
        found[key] = value
    fields.finish()
    return found
