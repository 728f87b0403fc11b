"""NeuralODE: training through the solver, reproducibility, divergence, regression mode, I/O.

Also the training utilities it is built from: Adam and the segment sampler.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import expm

from sparseid import NeuralODE
from sparseid.exceptions import TrainingDivergedError
from sparseid.models import load_model
from sparseid.ode import MLP, Adam, Diverged, SegmentSampler, hold_out_tail, segment_loss, train

A = np.array([[-0.1, -1.0], [1.0, -0.1]])
T_FULL = np.linspace(0.0, 15.0, 2000)
X_FULL = np.stack([expm(A * s) @ np.array([2.0, 0.0]) for s in T_FULL])
T, X = T_FULL[:400], X_FULL[:400]
QUICK = {"max_iter": 100, "batch_size": 50, "learning_rate": 0.01, "random_state": 0}


def field_error(model, x=X):
    """Relative L2 error of the learned vector field against the true one, A x."""
    return np.linalg.norm(model.predict(x) - x @ A.T) / np.linalg.norm(x @ A.T)


def trajectory_error(model, x=X, t=T):
    """Relative L2 error of a simulation from the first sample against the data."""
    return np.linalg.norm(model.simulate(x[0], t) - x) / np.linalg.norm(x)


def bound_network(model):
    """The fitted network as the vector field the training solver integrates."""
    mlp = MLP((model.n_features_in_, *model.hidden_layer_sizes, 2), model.activation)
    theta = np.zeros(mlp.n_params)
    for (W, b), W_fit, b_fit in zip(mlp.unpack(theta), model.coefs_, model.intercepts_):
        W[:] = W_fit
        b[:] = b_fit
    return mlp.bind(theta)


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
    # close to A x after 100 iterations (measured: 1.7 % relative error; untrained 73 %)
    assert field_error(trained, X[:50]) < 0.035
    assert field_error(trained) < 0.026  # the whole training window: measured 1.3 %
    rhs, jac = trained._rhs_and_jacobian()
    np.testing.assert_allclose(rhs(X[7]), pred[7], rtol=1e-12, atol=1e-14)  # measured 6.7e-16
    eps = 1e-6
    fd = np.stack([(rhs(X[7] + e) - rhs(X[7] - e)) / (2 * eps) for e in np.eye(2) * eps], axis=1)
    # central differences with eps = 1e-6: measured 3.1e-10 (truncation and rounding)
    np.testing.assert_allclose(jac(X[7]), fd, rtol=0, atol=1e-9)


def test_score_measures_the_vector_field_against_derivatives(trained):
    # y=None: R² of f(X) against the time derivatives of X (numerically differentiated);
    # measured 1 - R² = 6.0e-4
    assert 1 - 1.5e-3 < trained.score(X, t=T) <= 1.0
    # the default differentiation is exact here: the same R² as against A x (measured 1.3e-15)
    assert trained.score(X, X @ A.T) == pytest.approx(trained.score(X, t=T), abs=1e-12)
    untrained = NeuralODE(**{**QUICK, "max_iter": 0}).fit(X, t=T)
    assert untrained.score(X, t=T) < -0.3  # measured -0.55


def test_simulate_follows_the_data(trained):
    sim = trained.simulate([2.0, 0.0], T[:200])
    assert sim.shape == (200, 2)
    # measured 0.47 % over the first 200 samples, 1.0 % over the training window
    assert np.linalg.norm(sim - X[:200]) / np.linalg.norm(X[:200]) < 0.01
    assert trajectory_error(trained) < 0.02


def test_diverging_run_raises_and_keeps_finite_parameters():
    model = NeuralODE(**{**QUICK, "learning_rate": 1e4, "max_iter": 50})
    with pytest.raises(TrainingDivergedError, match="smaller learning_rate") as info:
        model.fit(X, t=T)
    k = info.value.iteration
    assert k is not None and 1 <= k < 50
    assert f"iteration {k}" in str(info.value)
    assert len(model.loss_curve_) == k
    assert all(np.all(np.isfinite(W)) for W in model.coefs_)
    # the kept parameters are those of iteration k - 1, the last with a finite loss: a run
    # stopped there (same seed, same batches) ends with the same network
    before = NeuralODE(**{**QUICK, "learning_rate": 1e4, "max_iter": k - 1}).fit(X, t=T)
    assert before.loss_curve_ == model.loss_curve_[: k - 1]
    for W1, W2 in zip(model.coefs_ + model.intercepts_, before.coefs_ + before.intercepts_):
        np.testing.assert_array_equal(W1, W2)


def test_exploding_loss_raises_and_keeps_the_last_good_parameters():
    # regression mode, no solver to fail first: one huge step makes the loss explode
    rng = np.random.default_rng(0)
    Z = rng.uniform(-2, 2, size=(300, 2))
    y = np.sin(Z[:, 0]) + 0.5 * Z[:, 1]
    kw = {"batch_size": 64, "loss": "l2", "random_state": 0}
    model = NeuralODE(learning_rate=1e3, max_iter=50, **kw)
    with pytest.raises(TrainingDivergedError, match="the loss exploded to") as info:
        model.fit(Z, y)
    assert info.value.iteration == 1 and len(model.loss_curve_) == 1
    initial = NeuralODE(max_iter=0, **kw).fit(Z, y)
    for W1, W2 in zip(model.coefs_ + model.intercepts_, initial.coefs_ + initial.intercepts_):
        np.testing.assert_array_equal(W1, W2)


def test_overflowing_loss_is_reported_as_divergence():
    model = NeuralODE(**{**QUICK, "solver": "rk4", "loss": "l2", "learning_rate": 1e160})
    with pytest.raises(TrainingDivergedError, match="the loss or its gradient is inf"):
        model.fit(X, t=T)


@pytest.mark.parametrize("bad", ["loss", "gradient"])
def test_train_stops_on_a_non_finite_loss_or_gradient(bad):
    theta = np.array([1.0, 2.0])
    history = []

    def step():
        history.append(theta.copy())
        value, grad = float(theta @ theta), 2 * theta.copy()
        if len(history) == 3:  # the third evaluation is NaN
            value, grad = (np.nan, grad) if bad == "loss" else (value, grad * np.nan)
        return value, grad, 1

    with pytest.raises(Diverged, match=r"iteration 2: the loss or its gradient is") as info:
        train(step, theta, lambda: None, Adam(2, learning_rate=0.1), 10)
    assert info.value.iteration == 2
    # the curve holds the two finite losses; theta is back at the last finite evaluation
    assert info.value.result.loss_curve == [float(h @ h) for h in history[:2]]
    np.testing.assert_array_equal(theta, history[1])


@pytest.mark.parametrize(
    ("options", "max_field_error", "max_trajectory_error"),
    [
        # tolerances about twice the measured errors, given in the comments (field,
        # trajectory; the untrained networks are at 70-98 % and 65-206 %)
        ({"gradient": "adjoint"}, 0.03, 0.02),  # 1.4 %, 0.94 %
        ({"solver": "rk4", "segment_length": 10}, 0.04, 0.035),  # 2.0 %, 1.8 %
        ({"solver": "euler", "n_substeps": 2, "segment_length": 10}, 0.03, 0.02),  # 1.5, 1.1 %
        (
            {"activation": "relu", "loss": "l2", "hidden_layer_sizes": (16, 16)},
            0.04,  # 2.0 %
            0.012,  # 0.52 %
        ),
        (
            {"activation": "softplus", "scale_inputs": True, "weight_decay": 1e-4},
            0.09,  # 4.3 %
            0.1,  # 4.9 %
        ),
        ({"clip_norm": 0.1, "lr_schedule": "cosine"}, 0.05, 0.03),  # 2.5 %, 1.4 %
        ({"lr_schedule": "exponential", "verbose": True}, 0.11, 0.035),  # 5.7 %, 1.8 %
    ],
)
def test_other_configurations_learn_the_vector_field(
    options, max_field_error, max_trajectory_error
):
    kw = {**QUICK, "batch_size": 20, "segment_length": 20, **options}
    model = NeuralODE(**kw).fit(X, t=T)
    assert np.all(np.isfinite(model.loss_curve_)) and model.n_iter_ == 100
    assert field_error(model) < max_field_error
    assert trajectory_error(model) < max_trajectory_error


def test_several_trajectories_and_non_uniform_sampling():
    rng = np.random.default_rng(3)
    trajs, times = [], []
    for x0 in ([2.0, 0.0], [0.0, 1.5]):
        t = np.sort(np.concatenate([[0.0], rng.uniform(0, 3, 199)]))
        trajs.append(np.stack([expm(A * s) @ np.asarray(x0) for s in t]))
        times.append(t)
    model = NeuralODE(**{**QUICK, "segment_length": 15}).fit(trajs, t=times)
    curve = np.asarray(model.loss_curve_)
    assert curve[0] >= 10 * curve[-10:].mean()  # measured: 31 times lower
    # measured field errors 2.2 % and 1.1 %, trajectory errors 2.0 % and 1.4 %
    for x, t, max_error in zip(trajs, times, (0.045, 0.03)):
        assert field_error(model, x) < max_error
        assert trajectory_error(model, x, t) < max_error


def validation_loss(model, xs, ts):
    """The loss early stopping computes: the fitted network over non-overlapping segments."""
    sampler = SegmentSampler(xs, ts, model.segment_length)
    y0, targets, t_rel = sampler.segments(sampler.tiling())
    options = dict(solver=model.solver, loss=model.loss, rtol=model.rtol, atol=model.atol)
    field = bound_network(model)
    return segment_loss(field, y0, targets, t_rel, need_grad=False, **options)[0]


def test_dataframe_with_time_index_and_validation_early_stopping():
    frame = pd.DataFrame(X_FULL[:800], columns=["x", "y"], index=pd.Index(T_FULL[:800], name="t"))
    model = NeuralODE(
        **{**QUICK, "max_iter": 400},
        validation_fraction=0.25,
        validation_interval=5,
        n_iter_no_change=3,
    ).fit(frame)
    curve = model.validation_curve_
    assert np.all(np.isfinite(curve)) and model.best_validation_loss_ == min(curve)
    # It stopped early (measured: after 40 of 400 iterations), exactly n_iter_no_change
    # validations after the best one ...
    assert model.n_iter_ < model.max_iter
    assert model.n_iter_ == len(curve) * model.validation_interval
    assert len(curve) - 1 - int(np.argmin(curve)) == model.n_iter_no_change
    # ... and went back to the best parameters: the last validation was worse (measured
    # 0.0142 against 0.0029), yet the final network gives the best validation loss.
    assert curve[-1] > 1.5 * model.best_validation_loss_
    _, _, val_x, val_t = hold_out_tail([X_FULL[:800]], [T_FULL[:800]], 0.25, 40)
    final = validation_loss(model, val_x, val_t)
    assert final == pytest.approx(model.best_validation_loss_, rel=1e-12)
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
    with pytest.raises(ValueError, match="X has 1 features, but NeuralODE is expecting 2"):
        NeuralODE(**QUICK).fit(X, t=T, validation_data=(X[:, :1], T))


def test_validation_data_as_a_dataframe_with_its_time_index():
    train_frame = pd.DataFrame(X, columns=["x", "y"], index=T)
    val = pd.DataFrame(X_FULL[400:800], columns=["x", "y"], index=T_FULL[400:800])
    model = NeuralODE(**{**QUICK, "max_iter": 20}, validation_interval=10)
    model.fit(train_frame, validation_data=val)
    assert len(model.validation_curve_) == 2
    assert validation_loss(model, [X_FULL[400:800]], [T_FULL[400:800]]) == pytest.approx(
        model.best_validation_loss_, rel=1e-12
    )


def test_failing_validation_solve_counts_as_no_improvement():
    # The validation samples are 1000 times further apart than the training ones: their
    # segments need far more than max_solver_steps=30 steps (training needs about 5), so every
    # validation solve fails, counts as an infinite loss, and training stops after
    # n_iter_no_change validations with the last parameters (there is no best one).
    model = NeuralODE(
        **{**QUICK, "max_iter": 100},
        max_solver_steps=30,
        validation_interval=5,
        n_iter_no_change=3,
    )
    model.fit(X, t=T, validation_data=(X_FULL[400:800], 1000 * T_FULL[400:800]))
    assert model.validation_curve_ == [np.inf] * 3
    assert model.n_iter_ == 15 and not hasattr(model, "best_validation_loss_")
    same = NeuralODE(**{**QUICK, "max_iter": 15}, max_solver_steps=30).fit(X, t=T)
    for W1, W2 in zip(model.coefs_, same.coefs_):
        np.testing.assert_array_equal(W1, W2)


def test_regression_mode_with_1d_target():
    rng = np.random.default_rng(0)
    Z = rng.uniform(-2, 2, size=(300, 2))
    y = np.sin(Z[:, 0]) + 0.5 * Z[:, 1]
    model = NeuralODE(max_iter=300, batch_size=64, learning_rate=0.02, loss="l2", random_state=0)
    model.fit(Z, y)
    pred = model.predict(Z)
    assert pred.shape == (300,)
    assert model.score(Z, y) > 1 - 4e-3  # measured 1 - R² = 1.8e-3
    Z_new = np.random.default_rng(1).uniform(-2, 2, size=(300, 2))
    y_new = np.sin(Z_new[:, 0]) + 0.5 * Z_new[:, 1]
    assert model.score(Z_new, y_new) > 1 - 4e-3  # new points: measured 1 - R² = 1.7e-3


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
    with pytest.raises(ValueError, match=r"X contains NaN at row 10, column 1"):
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


@pytest.mark.parametrize("sizes", [2.5, "20", (20, -1), None])
def test_bad_hidden_layer_sizes_are_named(sizes):
    with pytest.raises(ValueError, match=r"NeuralODE: hidden_layer_sizes=.* must be a tuple"):
        NeuralODE(**{**QUICK, "hidden_layer_sizes": sizes}).fit(X, t=T)


def test_an_int_is_one_hidden_layer():
    model = NeuralODE(**{**QUICK, "max_iter": 0, "hidden_layer_sizes": 7}).fit(X, t=T)
    assert [W.shape for W in model.coefs_] == [(7, 2), (2, 7)]


def test_random_state_as_generator_or_random_state():
    short = {**QUICK, "max_iter": 5}
    by_int = NeuralODE(**short).fit(X, t=T)
    by_generator = NeuralODE(**{**short, "random_state": np.random.default_rng(0)}).fit(X, t=T)
    assert by_generator.loss_curve_ == by_int.loss_curve_  # default_rng(0) either way
    legacy = [
        NeuralODE(**{**short, "random_state": np.random.RandomState(3)}).fit(X, t=T)
        for _ in range(2)
    ]
    assert legacy[0].loss_curve_ == legacy[1].loss_curve_ != by_int.loss_curve_


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
