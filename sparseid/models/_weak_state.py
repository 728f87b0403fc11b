"""A weak-form fit's state in a model file: the fitted ``weak_form_`` and its optimizers.

``SINDy(weak_form=...)`` records in ``weak_form_`` a copy of its :class:`~sparseid.weak.WeakForm`
settings with what the fit chose (half-widths, number of test functions, noise estimates,
reweighting rounds, whether the shooting refinement ran) and ``optimizers_``, the optimizer
fitted to each target's weighted equations. Those optimizers carry their own coefficients
(with the joint covariance the model's coefficients are refitted jointly, so they differ),
their statistics, STLSQ's threshold path and an ensemble's samples; the model's
``coef_samples_`` and ``inclusion_probabilities_`` are gathered from them on load, as after a
fit. The settings themselves are the model's ``weak_form`` parameter, saved with the
parameters.
"""

from __future__ import annotations

from ._fields import FieldError, Fields, float_list
from ._optimizer_state import optimizer_from_json, optimizer_to_json

__all__ = ["weak_form_from_json", "weak_form_to_json"]


def weak_form_to_json(fitted):
    """The fitted attributes of ``model.weak_form_`` as JSON-compatible values."""
    return {
        "half_width": float_list(fitted.half_width_),
        "n_test_functions": int(fitted.n_test_functions_),
        "noise": float_list(fitted.noise_),
        "n_iter": int(fitted.n_iter_),
        "refined": bool(fitted.refined_),
        "optimizers": [optimizer_to_json(o, coefficients=True) for o in fitted.optimizers_],
    }


def weak_form_from_json(model, state, n_targets, n_terms):
    """The fitted ``weak_form_`` of ``model`` read from ``state`` (a :class:`Fields`)."""
    fitted = model._weak_settings()
    if fitted is None:
        raise FieldError(f"{state.where} is saved but the model's weak_form parameter is off")
    half_width = state.array("half_width", (None,))
    if not len(half_width) or not (half_width > 0).all():
        raise state.error("half_width", "must be a non-empty list of positive numbers")
    fitted.half_width_ = [float(h) for h in half_width]
    fitted.n_test_functions_ = state.integer("n_test_functions", minimum=n_terms)
    fitted.noise_ = state.array("noise", (len(half_width), model.n_features_in_))
    if not (fitted.noise_ >= 0).all():
        raise state.error("noise", "must hold noise levels >= 0")
    fitted.n_iter_ = state.integer("n_iter", maximum=10**6)
    # files written before the multiple-shooting refinement existed were never refined
    fitted.refined_ = state.boolean("refined") if "refined" in state else False
    entries = state["optimizers"]
    if not isinstance(entries, list) or not entries or len(entries) > n_targets:
        raise state.error("optimizers", f"must be a list of 1 to {n_targets} optimizer states")
    where = state.name("optimizers")
    optimizers = [
        optimizer_from_json(
            model._make_optimizer(), Fields(entry, f"{where}[{i}]"), n_features=n_terms
        )
        for i, entry in enumerate(entries)
    ]
    if sum(o.coef_.shape[0] for o in optimizers) != n_targets:
        raise state.error("optimizers", f"must hold coefficients for the {n_targets} targets")
    fitted.optimizers_ = optimizers
    state.finish()
    return fitted
