"""The comparison runner in quick mode: the table, the three models' expected behaviour,
determinism and the figures."""

import numpy as np
import pytest

from sparseid.compare import COLUMNS, TIMING_COLUMNS, compare, run_cases
from sparseid.plotting import save_figures
from sparseid.systems import RotatingLinear


@pytest.fixture(scope="module")
def cases():
    return run_cases(quick=True, seed=0)


@pytest.fixture(scope="module")
def table(cases):
    from sparseid.compare import results_frame

    return results_frame(cases)


def _row(table, dataset, model, train_points=None):
    rows = table[(table.dataset == dataset) & (table.model == model)]
    if train_points is not None:
        rows = rows[rows.train_points == train_points]
    assert len(rows) == 1
    return rows.iloc[0]


def test_table_has_the_documented_columns_and_rows(table):
    assert list(table.columns) == COLUMNS
    assert set(table.model) == {"sindy", "linear", "neural_ode"}
    assert set(table.dataset) == {"lorenz", "rotating_linear"}
    # the lecture's table: the linear model and SINDy on 100, 400 and 2000 points
    for model in ("sindy", "linear"):
        rows = table[(table.dataset == "rotating_linear") & (table.model == model)]
        assert sorted(rows.train_points) == [100, 400, 2000]
    assert (table.status == "ok").all()


def test_sindy_recovers_the_lorenz_structure(table, cases):
    row = _row(table, "lorenz", "sindy")
    assert row.n_params == 7 and row.coef_error < 1e-6 and row.derivative_r2 > 0.999999
    model = next(c.model for c in cases if c.dataset == "lorenz" and c.model_name == "sindy")
    assert model.equations(1) == [
        "-10.0 x + 10.0 y",
        "28.0 x - 1.0 y - 1.0 x z",
        "-2.7 z + 1.0 x y",
    ]


def test_linear_model_matrix_within_1e_10_of_A(table, cases):
    for n in (100, 400, 2000):
        assert _row(table, "rotating_linear", "linear", n).coef_error < 1e-10
    model = next(
        c.model for c in cases if c.model_name == "linear" and c.dataset == "rotating_linear"
    )
    np.testing.assert_allclose(model.matrix_, RotatingLinear().A, atol=1e-10)


def test_neural_ode_beats_a_constant_velocity_baseline(cases):
    case = next(c for c in cases if c.dataset == "rotating_linear" and c.model_name == "neural_ode")
    n = case.train_points
    t, truth = case.times[:n], case.truth[:n]
    velocity = RotatingLinear().rhs(0.0, truth[0])
    baseline = truth[0] + (t - t[0])[:, None] * velocity
    error = np.linalg.norm(case.simulated[:n] - truth) / np.linalg.norm(truth)
    baseline_error = np.linalg.norm(baseline - truth) / np.linalg.norm(truth)
    assert error < 0.2 * baseline_error


def test_same_seed_same_results_apart_from_timings():
    kwargs = dict(datasets=["rotating_linear"], models=["neural_ode", "linear"], quick=True)
    a = compare(seed=3, **kwargs).drop(columns=TIMING_COLUMNS)
    b = compare(seed=3, **kwargs).drop(columns=TIMING_COLUMNS)
    c = compare(seed=4, **kwargs).drop(columns=TIMING_COLUMNS)
    assert a.equals(b)
    assert not a.equals(c)  # the seed reaches the neural ODE


def test_noise_reaches_the_training_data_only():
    table = compare(["rotating_linear"], ["linear"], noise=[0.0, 0.05], train_points=[400])
    clean, noisy = table.iloc[0], table.iloc[1]
    assert clean.coef_error < 1e-10 < noisy.coef_error < 0.1


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown data set 'duffing'"):
        compare(["duffing"])
    with pytest.raises(ValueError, match="unknown model 'lstm'"):
        compare(models=["lstm"])
    with pytest.raises(ValueError, match="noise levels are fractions"):
        compare(noise=[-0.1])
    with pytest.raises(ValueError, match="train_points=5000 must be between 2 and the 2000"):
        compare(["rotating_linear"], ["linear"], train_points=[5000])


def test_figures_are_written_and_not_empty(cases, tmp_path):
    paths = save_figures(cases, tmp_path, formats=("png", "svg"))
    names = {p.name for p in paths}
    for dataset in ("lorenz", "rotating_linear"):
        for kind in ("trajectories", "phase", "error", "sindy_coefficients", "neural_ode_loss"):
            assert f"{dataset}_{kind}.png" in names and f"{dataset}_{kind}.svg" in names
    for path in paths:
        assert path.stat().st_size > 5000
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_noisy_sindy_uses_the_weak_form_with_an_ensemble():
    table = compare(["lorenz"], ["sindy"], noise=[0.0, 0.05], train_points=[2000], quick=True)
    clean, noisy = table.iloc[0], table.iloc[1]
    assert clean.fitting.startswith("derivatives") and noisy.fitting == "weak form + ensemble"
    assert clean.structure and noisy.structure
    assert noisy.coef_error < 0.5
