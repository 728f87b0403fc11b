"""The comparison: SINDy, the linear-matrix fit and the neural ODE on Lorenz and rotating-linear.

:func:`compare` fits every requested model on every requested data set and setting and returns a
tidy DataFrame, one row per model × data set × setting. The models as the comparison configures
them are in :mod:`sparseid._compare_models`, the metrics in :mod:`sparseid._compare_metrics`;
this module runs the cases and makes the table, with these columns:

``dataset, model, noise, train_points``
    What was fitted: noise is a fraction of each column's standard deviation, added to the
    training data only; the model sees the first ``train_points`` samples.
``derivative_r2``
    R² of the learned vector field against the exact one on held-out states (Lorenz: the samples
    after the training window; rotating-linear: trajectories from the lecture's other initial
    states [-1, -1], [0, 2], [1, 1]).
``fitting``
    How the model met the data: ``derivatives (<differentiator>)``, ``weak form + ensemble``
    (SINDy on noisy data: the covariance-weighted weak form with an ensemble over time blocks
    and the automatic threshold) or ``trajectories`` (the neural ODE).
``structure``
    SINDy: whether the nonzero terms are exactly the true ones; empty for the other models.
``coef_error``
    Largest absolute difference between the learned and the true coefficients, over the union of
    the library's terms and the true terms (a true term the model lacks counts in full); empty for
    the neural ODE, which has no coefficients.
``traj_error_train, traj_error_beyond``
    Relative L2 error of ``simulate`` from the first sample, over the training window and over the
    rest of the data (empty when nothing is left).
``traj_error_other_x0``
    Rotating-linear only: mean relative L2 error over [0, 15] from the other initial states.
``valid_time``
    When the normalised error ‖x̂(t) − x(t)‖ / RMS‖x‖ first exceeds 0.1, in Lyapunov times for
    Lorenz (largest exponent 0.906) and in time units otherwise; the full span if it never does.
``n_params``
    Nonzero coefficients (SINDy), matrix entries (linear), weights and biases (neural ODE).
``status``
    ``ok``, or what went wrong (a simulation that blew up); metrics it prevented are empty.
``fit_time_s, simulate_time_s``
    Wall-clock timings (:data:`TIMING_COLUMNS`; they differ between runs, everything else is
    reproducible with the same ``seed``).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import datasets as _datasets
from ._compare_metrics import LORENZ_LYAPUNOV_EXPONENT, coef_error, evaluate_case, structure

# (`X as X`: constants of the parts that sparseid.plotting, benchmarks and docs read here)
from ._compare_metrics import OTHER_INITIAL_STATES as OTHER_INITIAL_STATES
from ._compare_metrics import VALID_THRESHOLD as VALID_THRESHOLD
from ._compare_models import MODELS, fitting, make_model, n_params
from ._compare_models import NEURAL_ODE_BUDGET as NEURAL_ODE_BUDGET
from ._compare_models import NEURAL_ODE_QUICK_BUDGET as NEURAL_ODE_QUICK_BUDGET
from .systems import Lorenz, RotatingLinear

__all__ = ["LORENZ_LYAPUNOV_EXPONENT", "TIMING_COLUMNS", "Case", "compare", "run_cases"]

TIMING_COLUMNS = ["fit_time_s", "simulate_time_s"]
LECTURE_TRAIN_POINTS = (100, 400, 2000)


@dataclass
class Case:
    """One fitted model on one data set and setting, with what plotting needs."""

    dataset: str
    model_name: str
    noise: float
    train_points: int
    model: object = None
    times: np.ndarray = None
    truth: np.ndarray = None
    simulated: np.ndarray = None
    error_curve: np.ndarray = None
    metrics: dict = field(default_factory=dict)


def _noisy(frame, noise, seed, dataset):
    if noise == 0:
        return frame
    rng = np.random.default_rng([seed, zlib.crc32(dataset.encode()), round(noise * 1e6)])
    values = frame.to_numpy()
    return frame + noise * values.std(axis=0) * rng.standard_normal(values.shape)


def _settings(dataset, model_name, noise, train_points, quick):
    """(noise, train_points) pairs for one model on one data set.

    ``train_points`` is None (defaults), a list (every model and data set), or a dict from model
    name to a list, applied to rotating-linear (the lecture's experiment) with defaults elsewhere.
    """
    if isinstance(train_points, dict):
        train_points = train_points.get(model_name) if dataset == "rotating_linear" else None
    if train_points is None:
        if dataset == "lorenz":
            train_points = [2000 if quick else 5000]
        elif model_name == "neural_ode":
            train_points = [400]
        else:
            train_points = list(LECTURE_TRAIN_POINTS)
    return [(float(e), int(n)) for e in noise for n in train_points]


def _fit_case(case, data, system, seed, quick):
    train = _noisy(data.iloc[: case.train_points], case.noise, seed, case.dataset)
    model = make_model(case.model_name, case.dataset, case.noise, seed, quick)
    start = time.perf_counter()
    model.fit(train)
    case.metrics["fit_time_s"] = time.perf_counter() - start
    case.model = model
    case.metrics["n_params"] = n_params(model)
    case.metrics["coef_error"] = coef_error(model, system)
    case.metrics["structure"] = structure(model, system)
    case.metrics["fitting"] = fitting(model)


def run_cases(
    datasets=("lorenz", "rotating_linear"),
    models=MODELS,
    *,
    noise=(0.0,),
    train_points=None,
    seed=0,
    quick=False,
    progress=False,
):
    """Fit and evaluate every case; returns the list of :class:`Case` (see :func:`compare`)."""
    from tqdm.auto import tqdm

    systems = {"lorenz": Lorenz(), "rotating_linear": RotatingLinear()}
    for name in datasets:
        if name not in systems:
            raise ValueError(f"unknown data set {name!r}; known: {sorted(systems)}")
    for name in models:
        if name not in MODELS:
            raise ValueError(f"unknown model {name!r}; known models: {list(MODELS)}")
    for level in noise:
        if not 0 <= level < 1:
            raise ValueError(f"noise levels are fractions in [0, 1), got {level}")
    data_sets = {name: _datasets.load(name) for name in datasets}
    if quick and "lorenz" in data_sets:
        data_sets["lorenz"] = data_sets["lorenz"].iloc[:4000]
    cases = []
    for dataset, data in data_sets.items():
        for model_name in models:
            for level, n in _settings(dataset, model_name, noise, train_points, quick):
                if not 2 <= n <= len(data):
                    raise ValueError(
                        f"train_points={n} must be between 2 and the {len(data)} samples of "
                        f"{dataset}"
                    )
                cases.append(Case(dataset, model_name, level, n))
    for case in tqdm(cases, desc="sparseid compare", disable=not progress):
        data, system = data_sets[case.dataset], systems[case.dataset]
        _fit_case(case, data, system, seed, quick)
        evaluate_case(case, data, system)
    return cases


COLUMNS = [
    "dataset",
    "model",
    "fitting",
    "noise",
    "train_points",
    "derivative_r2",
    "coef_error",
    "structure",
    "traj_error_train",
    "traj_error_beyond",
    "traj_error_other_x0",
    "valid_time",
    "valid_time_unit",
    "n_params",
    "status",
    *TIMING_COLUMNS,
]


def results_frame(cases):
    """The tidy table of a list of cases."""
    rows = []
    for case in cases:
        unit = "lyapunov_times" if case.dataset == "lorenz" else "time"
        rows.append(
            {
                "dataset": case.dataset,
                "model": case.model_name,
                "noise": case.noise,
                "train_points": case.train_points,
                "valid_time_unit": unit,
                **case.metrics,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def compare(
    datasets=("lorenz", "rotating_linear"),
    models=MODELS,
    *,
    noise=(0.0,),
    train_points=None,
    seed=0,
    quick=False,
    progress=False,
):
    """Compare SINDy, the linear model and the neural ODE; one row per model × data set × setting.

    Parameters
    ----------
    datasets : sequence of {"lorenz", "rotating_linear"}
        Data sets (the shipped files).
    models : sequence of {"sindy", "linear", "neural_ode"}
        Models.
    noise : sequence of float
        Noise levels, fractions of each column's standard deviation added to the training data.
    train_points : sequence of int, or dict of model name to sequence of int, optional
        Training-window lengths (a dict sets them per model, on rotating-linear). By default:
        Lorenz 5,000 samples (10 time units); rotating-linear
        the lecture's 100, 400 and 2,000 points for SINDy and the linear model, and the lecture's
        400 for the neural ODE.
    seed : int
        Seed of the noise and of the neural ODE: the same seed gives the same table (timings
        aside).
    quick : bool
        A fast run: Lorenz cut to 4,000 samples (2,000 for training), 150 neural-ODE iterations.
    progress : bool
        Show a progress bar.

    Returns
    -------
    DataFrame
        The columns described in the module docstring.

    Examples
    --------
    >>> from sparseid.compare import compare
    >>> table = compare(["rotating_linear"], ["linear"], train_points=[400])
    >>> float(table.loc[0, "coef_error"]) < 1e-10
    True
    """
    return results_frame(
        run_cases(
            datasets,
            models,
            noise=noise,
            train_points=train_points,
            seed=seed,
            quick=quick,
            progress=progress,
        )
    )
