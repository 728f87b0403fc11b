"""The metrics of :mod:`sparseid.compare`: a fitted case scored against the exact system.

:func:`structure` and :func:`coef_error` compare the learned coefficients with the true ones;
:func:`evaluate_case` measures the rest (the derivative R² on held-out states, simulation
errors, the valid time) and stores them in the case. The columns are described in the
docstring of :mod:`sparseid.compare`.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .exceptions import SimulationError
from .systems import RotatingLinear

__all__ = [
    "LORENZ_LYAPUNOV_EXPONENT",
    "OTHER_INITIAL_STATES",
    "VALID_THRESHOLD",
    "coef_error",
    "evaluate_case",
    "other_trajectories",
    "relative_l2",
    "structure",
]

#: Largest Lyapunov exponent of the Lorenz system at the classic parameters.
LORENZ_LYAPUNOV_EXPONENT = 0.906
OTHER_INITIAL_STATES = ((-1.0, -1.0), (0.0, 2.0), (1.0, 1.0))
VALID_THRESHOLD = 0.1


def structure(model, system):
    """Whether the nonzero terms are exactly the true ones (None without coefficients)."""
    if not hasattr(model, "coef_") or hasattr(model, "matrix_"):
        return None
    true = system.true_coefficients(list(model.get_feature_names())).to_numpy()
    default = system.true_coefficients()
    if int(np.count_nonzero(true)) != int(np.count_nonzero(default.to_numpy())):
        return False  # a true term is not in the library
    return bool(np.array_equal(model.coef_ != 0, true != 0))


def coef_error(model, system):
    """Largest coefficient error over the model's terms and the true terms (missing ones count)."""
    if not hasattr(model, "coef_"):
        return np.nan
    learned = pd.DataFrame(model.coef_, columns=model.get_feature_names())
    default = system.true_coefficients()
    true_terms = default.columns[(default != 0).any(axis=0)]
    columns = list(dict.fromkeys([*learned.columns, *true_terms]))
    truth = system.true_coefficients(columns).to_numpy()
    learned = learned.reindex(columns=columns, fill_value=0.0).to_numpy()
    return float(np.max(np.abs(learned - truth)))


def relative_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b)) if len(b) else np.nan


def other_trajectories(dataset, t):
    """Exact trajectories from the lecture's other initial states (rotating-linear only)."""
    if dataset != "rotating_linear":
        return []
    return [(x0, RotatingLinear().solution(t, x0)) for x0 in OTHER_INITIAL_STATES]


def evaluate_case(case, data, system):
    from sklearn.metrics import r2_score

    model, metrics = case.model, case.metrics
    t = data.index.to_numpy()
    others = other_trajectories(case.dataset, t)
    # Held out: Lorenz beyond the training window; rotating-linear, the other initial states.
    if others:
        states = np.concatenate([exact for _, exact in others])
    else:
        states = data.to_numpy()[case.train_points :]
    frame = pd.DataFrame(states, columns=data.columns)
    metrics["derivative_r2"] = float(r2_score(system.rhs(0, states), model.predict(frame)))
    truth = data.to_numpy()
    case.times, case.truth = t, truth
    start = time.perf_counter()
    try:
        simulated = np.asarray(model.simulate(data.iloc[0], t))
        metrics["status"] = "ok"
    except SimulationError as err:
        partial = np.asarray(err.partial) if err.partial is not None else np.empty((0, 2))
        simulated = np.full_like(truth, np.nan)
        simulated[: len(partial)] = partial
        metrics["status"] = f"simulation blew up at t = {err.t:.4g}"
    metrics["simulate_time_s"] = time.perf_counter() - start
    case.simulated = simulated
    n = case.train_points
    scale = np.sqrt(np.mean(np.sum(truth**2, axis=1)))
    curve = np.linalg.norm(simulated - truth, axis=1) / scale
    case.error_curve = curve
    exceeded = np.flatnonzero(~(curve <= VALID_THRESHOLD))
    valid = t[exceeded[0]] if exceeded.size else t[-1]
    if case.dataset == "lorenz":
        valid *= LORENZ_LYAPUNOV_EXPONENT
    metrics["valid_time"] = float(valid)
    ok = metrics["status"] == "ok"
    metrics["traj_error_train"] = relative_l2(simulated[:n], truth[:n]) if ok else np.nan
    metrics["traj_error_beyond"] = relative_l2(simulated[n:], truth[n:]) if ok else np.nan
    metrics["traj_error_other_x0"] = np.nan
    if others:
        errors = []
        for x0, exact in others:
            try:
                errors.append(relative_l2(np.asarray(model.simulate(x0, t)), exact))
            except SimulationError:
                errors.append(np.inf)
        metrics["traj_error_other_x0"] = float(np.mean(errors))
