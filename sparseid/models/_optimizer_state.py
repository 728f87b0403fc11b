"""The fitted state of sparseid's optimizers in a model file (see :mod:`._persistence`).

A registered optimizer is rebuilt from the model's parameters and given back what it learned:
its sufficient statistics, STLSQ's supports, history, chosen thresholds and threshold path
(``threshold="auto"``), and the fitted diagnostics an optimizer declares in ``_json_fitted``
(an ensemble's ``coef_samples_`` and ``inclusion_probabilities_``). The coefficients are the
model's own, except for the per-target optimizers of a weak-form fit, whose coefficients
differ from the model's (see :mod:`._weak_state`) and are saved with them
(``coefficients=True``). Every field is read through :class:`~._fields.Fields`.
"""

from __future__ import annotations

import numpy as np

from .._registry import public_path
from ._fields import float_list, short

__all__ = ["optimizer_from_json", "optimizer_to_json"]

_MAX_INT = 2**63
_OPTIMIZER_FITTED = {"n_features_in_", "coef_", "coef_stderr_", "stats_"}
_STLSQ_FITTED = {"support_", "n_iter_", "history_", "threshold_", "threshold_path_"}
_STATS_ARRAYS = ("r", "qty", "residual_gram", "sq_norms", "scale")


def optimizer_to_json(optimizer, *, coefficients=False):
    """The fitted state of a registered optimizer (with ``coefficients``: its own too)."""
    from ..optimizers import STLSQ

    public_path(optimizer, "optimizer", "optimizer_")
    declared = getattr(type(optimizer), "_json_fitted", {})
    known = _OPTIMIZER_FITTED | (_STLSQ_FITTED if isinstance(optimizer, STLSQ) else set(declared))
    fitted = {k for k in vars(optimizer) if k.endswith("_") and not k.startswith("_")}
    if fitted - known:
        raise TypeError(
            f"optimizer_ has fitted attributes {sorted(fitted - known)} that JSON does not "
            "describe; save the model with pickle instead"
        )
    stats = optimizer.stats_
    state = {
        "n_features_in": int(optimizer.n_features_in_),
        "y_1d": bool(optimizer._y_1d),
        "stats": {
            **{k: float_list(getattr(stats, k)) for k in _STATS_ARRAYS},
            "n_samples": int(stats.n_samples),
        },
    }
    if coefficients:
        coef = np.asarray(optimizer.coef_, dtype=np.float64)
        stderr = getattr(optimizer, "coef_stderr_", None)
        state["coef"] = float_list(coef.reshape(stats.n_targets, -1))
        state["coef_stderr"] = (
            None
            if stderr is None
            else float_list(np.reshape(stderr, (stats.n_targets, -1)), allow_nonfinite=True)
        )
    if isinstance(optimizer, STLSQ):
        state["support"] = optimizer.support_.tolist()
        state["n_iter"] = int(optimizer.n_iter_)
        state["history"] = [h.tolist() for h in optimizer.history_]
        if isinstance(optimizer.threshold, str):  # "auto": the thresholds chosen per target
            state["threshold"] = float_list(optimizer.threshold_, allow_nonfinite=True)
        if getattr(optimizer, "threshold_path_", None) is not None:
            state["threshold_path"] = _path_to_json(optimizer.threshold_path_)
    elif declared:
        state["fitted"] = {
            name: _fitted_to_json(getattr(optimizer, name), kind)
            for name, kind in declared.items()
            if hasattr(optimizer, name)
        }
    return state


def _fitted_to_json(value, kind):
    # An optimizer's own fitted diagnostics, declared in its ``_json_fitted`` as
    # {attribute: kind}: "int" (a Python int), "bools" / "ints" / "float" (arrays of any
    # shape), "float_arrays" (a list of equally shaped float arrays). They are diagnostics
    # only: predictions use the model's coefficients and the statistics read above.
    if kind == "int":
        return int(value)
    if kind == "bools":
        return np.asarray(value, dtype=bool).tolist()
    return float_list(np.asarray(value, dtype=np.float64))


def _fitted_from_json(fields, name, kind):
    if kind == "int":
        return fields.integer(name)
    value = fields[name]
    depth = 0
    while isinstance(value, list) and value:
        value, depth = value[0], depth + 1
    shape = (None,) * depth
    if kind == "bools":
        return fields.array(name, shape, dtype=bool)
    array = fields.array(name, shape)
    if kind == "ints":
        if not np.array_equal(array, np.round(array)):
            raise fields.error(name, "must hold only integers")
        return array.astype(int)
    return list(array) if kind == "float_arrays" else array


def _check_ensemble(optimizer, fitted, k, p):
    """An ensemble's samples and inclusion probabilities must fit the coefficients."""
    samples = getattr(optimizer, "coef_samples_", None)
    shape = (getattr(optimizer, "n_models", None), k, p)
    if samples is not None and samples.shape != shape:
        raise fitted.error(
            "coef_samples_", f"must have shape (n_models, {k}, {p}) = {shape}, got {samples.shape}"
        )
    inclusion = getattr(optimizer, "inclusion_probabilities_", None)
    if inclusion is not None and (
        inclusion.shape != (k, p) or not np.all((inclusion >= 0) & (inclusion <= 1))
    ):
        raise fitted.error("inclusion_probabilities_", f"must be probabilities of shape ({k}, {p})")


# the path of STLSQ(threshold="auto") --------------------------------------------------------
def _path_to_json(path):
    return {
        "thresholds": float_list(path.thresholds),
        "complexity": np.asarray(path.complexity, dtype=int).tolist(),
        "rss": float_list(path.rss, allow_nonfinite=True),
        "bic": float_list(path.bic, allow_nonfinite=True),
        "best": np.asarray(path.best, dtype=int).tolist(),
        "refined": np.asarray(path.refined, dtype=bool).tolist(),
        "coef": float_list(path.coef),
    }


def _integers(fields, key, shape, low, high):
    """An array of integers in ``[low, high]`` of ``shape``."""
    array = fields.array(key, shape)
    if not (np.array_equal(array, np.round(array)) and np.all((array >= low) & (array <= high))):
        raise fields.error(key, f"must hold integers from {low} to {high}")
    return array.astype(int)


def _path_from_json(fields, k, p):
    from ..optimizers import ThresholdPath

    thresholds = fields.array("thresholds", (None,))
    m = len(thresholds)
    if m == 0 or np.any(np.diff(thresholds) < 0):
        raise fields.error("thresholds", "must be a non-empty increasing list")
    path = ThresholdPath(
        thresholds=thresholds,
        complexity=_integers(fields, "complexity", (m, k), 0, p),
        rss=fields.array("rss", (m, k), allow_nonfinite=True),
        bic=fields.array("bic", (m, k), allow_nonfinite=True),
        best=_integers(fields, "best", (k,), 0, m - 1),
        refined=fields.array("refined", (k,), dtype=bool),
        coef=fields.array("coef", (k, p)),
    )
    fields.finish()
    return path


# loading ------------------------------------------------------------------------------------
def optimizer_from_json(optimizer, state, coef=None, stderr=None, *, n_features=None):
    """Give the fresh ``optimizer`` the fitted state read from ``state`` (a :class:`Fields`).

    ``coef`` and ``stderr`` are the model's; when ``coef`` is None they are read from the
    state (saved with ``coefficients=True``), with ``n_features`` columns.
    """
    from ..optimizers import STLSQ, SufficientStatistics

    if coef is None:
        coef = state.array("coef", (None, n_features))
        if coef.shape[0] == 0:
            raise state.error("coef", "must have at least one row")
        stderr = state["coef_stderr"]
        if stderr is not None:
            stderr = state.array("coef_stderr", coef.shape, allow_nonfinite=True)
    k, p = coef.shape
    if state.integer("n_features_in", minimum=1) != p:
        raise state.error("n_features_in", f"must equal the number of library terms, {p}")
    optimizer.n_features_in_ = p
    optimizer._y_1d = state.boolean("y_1d")
    stats = state.child("stats")
    shapes = {"r": (p, p), "qty": (p, k), "residual_gram": (k, k), "sq_norms": (p,), "scale": (p,)}
    arrays = {key: stats.array(key, shape) for key, shape in shapes.items()}
    if not (arrays["scale"] > 0).all():
        raise stats.error("scale", "must be positive")
    n_samples = stats.integer("n_samples", maximum=_MAX_INT)
    stats.finish()
    optimizer.stats_ = SufficientStatistics(**arrays, n_samples=n_samples)
    optimizer.coef_ = coef.copy()
    optimizer.coef_stderr_ = None if stderr is None else stderr.copy()
    if isinstance(optimizer, STLSQ):
        optimizer.support_ = state.array("support", (k, p), dtype=bool)
        optimizer.n_iter_ = state.integer("n_iter")
        history = state["history"]
        if not isinstance(history, list):
            raise state.error("history", f"must be a list of supports, got {short(history)}")
        count = len(history)
        optimizer.history_ = state.arrays("history", [(k, p)] * count, dtype=bool)
        # Files written before the path was saved (format version 2) give None.
        optimizer.threshold_path_ = None
        if "threshold_path" in state:
            optimizer.threshold_path_ = _path_from_json(state.child("threshold_path"), k, p)
        if "threshold" in state:
            optimizer.threshold_ = state.array("threshold", (k, 1), allow_nonfinite=True)
        else:
            optimizer.threshold_ = optimizer.threshold
    elif "fitted" in state:
        declared = getattr(type(optimizer), "_json_fitted", {})
        fitted = state.child("fitted")
        for name, kind in declared.items():
            if name in fitted:
                setattr(optimizer, name, _fitted_from_json(fitted, name, kind))
        _check_ensemble(optimizer, fitted, k, p)
        fitted.finish()
    state.finish()
    return optimizer
