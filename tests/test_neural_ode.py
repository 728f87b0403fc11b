"""NeuralODE: training through the solver, reproducibility, divergence, regression mode, I/O.

Also the training utilities it is built from: Adam and the segment sampler.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import expm

from sparseid.exceptions import TrainingDivergedError
from sparseid.models import load_model
from sparseid.models._neural_ode import NeuralODE
from sparseid.ode import Adam, SegmentSampler

A = np.array([[-0.1, -1.0], [1.0, -0.1]])
T_FULL = np.linspace(0.0, 15.0, 2000)
X_FULL = np.stack([expm(A * s) @ np.array([2.0, 0.0]) for s in T_FULL])
T, X = T_FULL[:400], X_FULL[:400]
QUICK = {"max_iter": 100, "batch_size": 50, "learning_rate": 0.01, "random_state": 0}


@pytest.fixture(scope="module")
def trained():
    return NeuralODE(**QUICK).fit(X, t=T)


def test_short_training_reduces_the_loss_tenfold(trained):
    curve = np.asarray(trained.loss_curve_)
    assert len(curve) == trained.n_iter_ == 100
    assert curve[0] >= 10 * curve[-10:].max()
    assert trained.fit_time_ > 0 and trained.n_function_evals_ > 100 * 20


def test_training_is_bit_for_bit_reproducible(trained):
    again = NeuralODE(**QUICK).fit(X, t=T)
    assert again.loss_curve_ == trained.loss_curve_
    for W1, W2 in zip(again.coefs_, trained.coefs_):
        np.testing.assert_array_equal(W1, W2)
    other = NeuralODE(**{**QUICK, "random_state": 1}).fit(X, t=T)
    assert other.loss_curve_ != trained.loss_curve_


def test_predict_is_the_learned_vector_field(trained):
    pred = trained.predict(X[:50])
    assert pred.shape == (50, 2)
    # close to A x after 100 iterations (measured: 1.7 % relative error)
    err = np.linalg.norm(pred - X[:50] @ A.T) / np.linalg.norm(X[:50] @ A.T)
    assert err < 0.1
    rhs, jac = trained._compile()
    np.testing.assert_allclose(rhs(X[7]), pred[7], rtol=1e-12, atol=1e-14)
    eps = 1e-6
    fd = np.stack([(rhs(X[7] + e) - rhs(X[7] - e)) / (2 * eps) for e in np.eye(2) * eps], axis=1)
    np.testing.assert_allclose(jac(X[7]), fd, rtol=1e-6, atol=1e-8)


def test_score_measures_the_vector_field_against_derivatives(trained):
    # y=None: R² of f(X) against the time derivatives of X (numerically differentiated)
    assert 0.9 < trained.score(X, t=T) <= 1.0
    assert trained.score(X, X @ A.T) == pytest.approx(trained.score(X, t=T), abs=1e-3)
    untrained = NeuralODE(**{**QUICK, "max_iter": 0}).fit(X, t=T)
    assert untrained.score(X, t=T) < 0.5


def test_simulate_follows_the_data(trained):
    sim = trained.simulate([2.0, 0.0], T[:200])
    assert sim.shape == (200, 2)
    assert np.linalg.norm(sim - X[:200]) / np.linalg.norm(X[:200]) < 0.05


def test_diverging_run_raises_and_keeps_finite_parameters():
    model = NeuralODE(**{**QUICK, "learning_rate": 1e4, "max_iter": 50})
    with pytest.raises(TrainingDivergedError, match="smaller learning_rate") as info:
        model.fit(X, t=T)
    k = info.value.iteration
    assert k is not None and 1 <= k < 50
    assert f"iteration {k}" in str(info.value)
    assert len(model.loss_curve_) == k
    assert all(np.all(np.isfinite(W)) for W in model.coefs_)


@pytest.mark.parametrize(
    "options",
    [
        {"gradient": "adjoint"},
        {"solver": "rk4", "segment_length": 10},
        {"solver": "euler", "n_substeps": 2, "segment_length": 10},
        {"activation": "relu", "loss": "l2", "hidden_layer_sizes": (16, 16)},
        {"activation": "softplus", "scale_inputs": True, "weight_decay": 1e-4},
        {"clip_norm": 0.1, "lr_schedule": "cosine"},
        {"lr_schedule": "exponential", "verbose": True},
    ],
)
def test_other_configurations_train(options):
    kw = {**QUICK, "max_iter": 40, "batch_size": 20, "segment_length": 20, **options}
    model = NeuralODE(**kw).fit(X, t=T)
    curve = np.asarray(model.loss_curve_)
    assert np.all(np.isfinite(curve))
    assert curve[-5:].mean() < curve[0]


def test_several_trajectories_and_non_uniform_sampling():
    rng = np.random.default_rng(3)
    trajs, times = [], []
    for x0 in ([2.0, 0.0], [0.0, 1.5]):
        t = np.sort(np.concatenate([[0.0], rng.uniform(0, 3, 199)]))
        trajs.append(np.stack([expm(A * s) @ np.asarray(x0) for s in t]))
        times.append(t)
    model = NeuralODE(**{**QUICK, "segment_length": 15}).fit(trajs, t=times)
    curve = np.asarray(model.loss_curve_)
    assert curve[0] >= 10 * curve[-10:].mean()


def test_dataframe_with_time_index_and_validation_early_stopping():
    frame = pd.DataFrame(X_FULL[:800], columns=["x", "y"], index=pd.Index(T_FULL[:800], name="t"))
    model = NeuralODE(
        **{**QUICK, "max_iter": 400},
        validation_fraction=0.25,
        validation_interval=5,
        n_iter_no_change=3,
    ).fit(frame)
    assert model.validation_curve_ and np.isfinite(model.best_validation_loss_)
    assert model.best_validation_loss_ == min(model.validation_curve_)
    out = model.predict(frame.iloc[:5])
    assert isinstance(out, pd.DataFrame) and list(out.index) == list(frame.index[:5])


def test_separate_validation_trajectories():
    model = NeuralODE(**{**QUICK, "max_iter": 60}, validation_interval=10)
    model.fit(X, t=T, validation_data=(X_FULL[400:800], T_FULL[400:800]))
    assert len(model.validation_curve_) == 6
    assert model.best_validation_loss_ == min(model.validation_curve_)
    assert not hasattr(model, "_validation_data")
    with pytest.raises(ValueError, match="not both"):
        NeuralODE(**QUICK, validation_fraction=0.2).fit(X, t=T, validation_data=(X, T))
    with pytest.raises(ValueError, match="validation_data needs"):
        NeuralODE(**QUICK).fit(X, t=T, validation_data=(X[:20], T[:20]))
    with pytest.raises(ValueError):
        NeuralODE(**QUICK).fit(X, t=T, validation_data=(X[:, :1], T))


def test_regression_mode_with_1d_target():
    rng = np.random.default_rng(0)
    Z = rng.uniform(-2, 2, size=(300, 2))
    y = np.sin(Z[:, 0]) + 0.5 * Z[:, 1]
    model = NeuralODE(max_iter=300, batch_size=64, learning_rate=0.02, loss="l2", random_state=0)
    model.fit(Z, y)
    pred = model.predict(Z)
    assert pred.shape == (300,)
    assert model.score(Z, y) > 0.98


def test_save_and_load_round_trip(trained, tmp_path):
    path = tmp_path / "node.json"
    trained.save(path)
    loaded = load_model(path)
    assert isinstance(loaded, NeuralODE)
    assert loaded.get_params() == trained.get_params()
    np.testing.assert_array_equal(loaded.predict(X[:20]), trained.predict(X[:20]))
    assert loaded.loss_curve_ == trained.loss_curve_


def test_time_is_required_for_trajectory_training():
    with pytest.raises(ValueError, match="time"):
        NeuralODE(**QUICK).fit(X)


def test_segment_longer_than_the_data():
    with pytest.raises(ValueError, match="segment_length=40"):
        NeuralODE(**QUICK).fit(X[:30], t=T[:30])


def test_nan_data_rejected():
    bad = X.copy()
    bad[10, 1] = np.nan
    with pytest.raises(ValueError):
        NeuralODE(**QUICK).fit(bad, t=T)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("solver", "rk45"),
        ("gradient", "forward"),
        ("loss", "huber"),
        ("activation", "sigmoid"),
        ("hidden_layer_sizes", (20, 0)),
        ("segment_length", 0),
        ("batch_size", 2.5),
        ("learning_rate", -1.0),
        ("rtol", 0.0),
        ("max_iter", -1),
        ("validation_fraction", 1.5),
        ("clip_norm", -1.0),
        ("lr_schedule", "linear"),
    ],
)
def test_bad_parameters_are_named(param, value):
    with pytest.raises(ValueError, match=f"NeuralODE: {param}="):
        NeuralODE(**{**QUICK, param: value}).fit(X, t=T)


def test_zero_iterations_keeps_the_initial_network():
    model = NeuralODE(**{**QUICK, "max_iter": 0}).fit(X, t=T)
    assert model.n_iter_ == 0 and model.predict(X[:3]).shape == (3, 2)


# ---- training utilities -------------------------------------------------------------------
def test_adam_matches_the_reference_update():
    theta = np.array([1.0, -2.0, 0.5])
    grads = [np.array([0.1, -0.3, 2.0]), np.array([-0.2, 0.1, 1.0])]
    opt = Adam(3, learning_rate=0.01)
    m = v = np.zeros(3)
    expected = theta.copy()
    for k, g in enumerate(grads, start=1):
        opt.step(theta, g.copy())
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        expected -= 0.01 * (m / (1 - 0.9**k)) / (np.sqrt(v / (1 - 0.999**k)) + 1e-8)
    np.testing.assert_allclose(theta, expected, rtol=1e-14)


def test_adam_options():
    opt = Adam(2, learning_rate=1.0, clip_norm=1.0, weight_decay=0.5, schedule="cosine", n_iter=10)
    assert opt.current_rate() == pytest.approx(1.0)
    theta = np.array([1.0, 1.0])
    opt.step(theta, np.array([1e6, 0.0]))
    assert np.all(np.isfinite(theta))
    opt.t = 10
    assert opt.current_rate() == pytest.approx(0.01)
    with pytest.raises(ValueError, match="schedule"):
        Adam(2, schedule="linear")


def test_segment_sampler_batches():
    t = np.linspace(0, 1, 101)
    x = np.c_[t, 2 * t]
    sampler = SegmentSampler([x, x[:50]], [t, t[:50]], segment_length=10)
    assert sampler.n_segments == (101 - 10) + (50 - 10)
    assert sampler.uniform
    rng = np.random.default_rng(0)
    y0, targets, t_rel = sampler.sample(rng, 500)
    assert y0.shape == (131, 2) and targets.shape == (10, 131, 2)
    np.testing.assert_allclose(targets[:, :, 0] - y0[:, 0], t_rel[:, None] * np.ones(131))
    np.testing.assert_allclose(t_rel, t[1:11])
    # start points without replacement
    y0, _, _ = SegmentSampler([x], [t], segment_length=10).sample(rng, 60)
    assert len(np.unique(y0[:, 0])) == 60


def test_segment_sampler_non_uniform_rows():
    t = np.cumsum(np.r_[0.0, np.linspace(0.01, 0.05, 60)])
    x = np.c_[np.sin(t), np.cos(t)]
    sampler = SegmentSampler([x], [t], segment_length=5)
    assert not sampler.uniform
    y0, targets, t_rel = sampler.sample(np.random.default_rng(0), 8)
    assert t_rel.shape == (8, 5) and np.all(np.diff(t_rel, axis=1) > 0)
    np.testing.assert_allclose(np.arcsin(y0[:, 0])[:, None] + t_rel, np.arcsin(targets[:, :, 0].T))
