"""NeuralODEClassifier / NeuralODERegressor: gradients, the ResNet view, the topology limit."""

import tracemalloc

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_moons
from sklearn.linear_model import LogisticRegression

from sparseid import NeuralODEClassifier, NeuralODERegressor
from sparseid.datasets import disc_annulus_margin, make_disc_annulus
from sparseid.exceptions import TrainingDivergedError


def _loss_and_gradient(model, params, X, y):
    flow = model._flow()
    field = flow.bind(model._split(flow, params)[0])
    targets = (y == model.classes_[1]).astype(float)[:, None]
    return model._loss_gradient(flow, field, params, X, targets)


@pytest.mark.parametrize("gradient", ["backprop", "adjoint"])
@pytest.mark.parametrize("time_dependent", [False, True])
@pytest.mark.parametrize("solver", ["dopri5", "rk4"])
def test_gradient_matches_finite_differences(gradient, time_dependent, solver):
    X, y = make_disc_annulus(30, random_state=0)
    model = NeuralODEClassifier(
        hidden_layer_sizes=(6,),
        augment_dim=1,
        time_dependent=time_dependent,
        solver=solver,
        gradient=gradient,
        rtol=1e-9,
        atol=1e-11,
        max_iter=0,
        random_state=0,
    ).fit(X, y)
    params = model.params_.copy()
    _loss, grad = _loss_and_gradient(model, params, X, y)
    v = np.random.default_rng(1).normal(size=params.size)
    eps = 1e-6
    up = _loss_and_gradient(model, params + eps * v, X, y)[0]
    down = _loss_and_gradient(model, params - eps * v, X, y)[0]
    fd = (up - down) / (2 * eps)
    assert grad @ v == pytest.approx(fd, rel=1e-5)


def test_euler_flow_is_a_resnet_with_shared_weights():
    X, y = make_moons(50, noise=0.1, random_state=0)
    model = NeuralODEClassifier(solver="euler", n_steps=7, T=1.4, max_iter=5, random_state=0)
    model.fit(X, y)
    flow = model._flow()
    field = flow.bind(model._split(flow, model.params_)[0])
    x = X.copy()
    for _ in range(7):  # x[n+1] = x[n] + Δt f(x[n])
        x = x + 0.2 * field(x)[0]
    np.testing.assert_allclose(model.transform(X), x, rtol=1e-13, atol=1e-13)


def test_resnet_converges_to_the_ode_with_first_order():
    X, y = make_moons(100, noise=0.1, random_state=0)
    model = NeuralODEClassifier(hidden_layer_sizes=(16,), max_iter=0, random_state=3).fit(X, y)
    exact = model.set_params(solver="dopri5", rtol=1e-11, atol=1e-12).transform(X)
    depths = np.array([80, 160, 320, 640])
    errors = [
        np.max(np.abs(model.set_params(solver="euler", n_steps=int(N)).transform(X) - exact))
        for N in depths
    ]
    slope = np.polyfit(np.log(1.0 / depths), np.log(errors), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.1)


def _gradient_peak(gradient, N):
    X, y = make_moons(100, noise=0.1, random_state=0)
    model = NeuralODEClassifier(
        hidden_layer_sizes=(32,), solver="euler", n_steps=N, gradient=gradient, max_iter=0
    ).fit(X, y)
    tracemalloc.start()
    _loss_and_gradient(model, model.params_, X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_gradient_memory_grows_with_depth_for_backprop_only():
    backprop = [_gradient_peak("backprop", N) for N in (10, 1000)]
    adjoint = [_gradient_peak("adjoint", N) for N in (10, 1000)]
    assert backprop[1] >= 10 * backprop[0]
    assert abs(adjoint[1] / adjoint[0] - 1.0) <= 0.2


def test_trained_resnet_keeps_its_accuracy_as_an_adaptive_ode_and_back():
    X, y = make_moons(300, noise=0.15, random_state=0)
    X_test, y_test = make_moons(1000, noise=0.15, random_state=1)
    options = {"hidden_layer_sizes": (32,), "learning_rate": 0.02, "max_iter": 200}
    resnet = NeuralODEClassifier(solver="euler", n_steps=10, random_state=0, **options)
    as_resnet = resnet.fit(X, y).score(X_test, y_test)
    as_ode = resnet.set_params(solver="dopri5").score(X_test, y_test)
    assert as_resnet > 0.95
    assert abs(as_ode - as_resnet) <= 0.01
    ode = NeuralODEClassifier(random_state=0, **options).fit(X, y)
    accuracy = ode.score(X_test, y_test)
    assert accuracy > 0.95
    assert abs(ode.set_params(solver="euler", n_steps=20).score(X_test, y_test) - accuracy) <= 0.01


# --- the topology experiment ----------------------------------------------------------------
_TOPOLOGY = {"hidden_layer_sizes": (32,), "learning_rate": 0.02, "max_iter": 400}
_GRID = {"n_r": 12, "n_theta": 512}


@pytest.fixture(scope="module")
def disc_annulus():
    return make_disc_annulus(400, random_state=0), make_disc_annulus(2000, random_state=1000)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_augmented_flow_separates_disc_and_annulus(disc_annulus, seed):
    (X, y), (X_test, y_test) = disc_annulus
    clf = NeuralODEClassifier(augment_dim=1, random_state=seed, **_TOPOLOGY).fit(X, y)
    assert clf.score(X_test, y_test) >= 0.99
    assert disc_annulus_margin(clf.decision_function, **_GRID).margin >= 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plain_planar_flow_never_separates_the_sets(disc_annulus, seed):
    """A homeomorphism of the plane keeps the annulus around the disc: M ≤ 0 always.

    (Whatever the training, so a shorter one is tested; its test accuracy is high all the same,
    see examples/topology_separation.py.)
    """
    (X, y), _ = disc_annulus
    clf = NeuralODEClassifier(random_state=seed, **{**_TOPOLOGY, "max_iter": 150}).fit(X, y)
    assert disc_annulus_margin(clf.decision_function, **_GRID).margin <= 0.0


def _separating_flow_map(points, T=5.0, r_star=2.0):
    """The separating flow's x(T) in closed form (radial: inside r e^-T; outside logistic)."""
    r = np.hypot(points[:, 0], points[:, 1])
    angle = np.arctan2(points[:, 1], points[:, 0])
    inside = r < 1.0
    r_out = r_star * r / (r + (r_star - r) * np.exp(-r_star * T))
    radius = np.where(inside, r * np.exp(-T), r_out)
    angle = np.where(inside, angle, angle * np.exp(-T))
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def test_separating_flow_separates_disc_and_annulus(disc_annulus):
    from sparseid.ode import solve
    from sparseid.systems import SeparatingFlow

    (X, y), (X_test, y_test) = disc_annulus
    flow = SeparatingFlow()

    def field(z, out=None):  # the closed form above is the flow of this field
        out[...] = flow.rhs(0.0, z)
        return out, None

    np.testing.assert_allclose(
        solve(field, X, np.array([5.0]), "rk4", n_substeps=400)[0][0],
        _separating_flow_map(X),
        atol=1e-6,
    )
    readout = LogisticRegression().fit(_separating_flow_map(X), y)
    assert readout.score(_separating_flow_map(X_test), y_test) >= 0.99

    def score(points):
        return readout.decision_function(_separating_flow_map(points))

    assert disc_annulus_margin(score, **_GRID).margin >= 1.0


# --- the estimator's contract ---------------------------------------------------------------
def test_transform_and_trajectories():
    X, y = make_disc_annulus(60, random_state=0)
    clf = NeuralODEClassifier(augment_dim=2, max_iter=10, random_state=0).fit(X, y)
    Z = clf.transform(X)
    assert Z.shape == (60, 4)
    paths = clf.trajectories(X, [0.0, 0.5, 1.0])
    assert paths.shape == (3, 60, 4)
    np.testing.assert_array_equal(paths[0], np.column_stack([X, np.zeros((60, 2))]))
    np.testing.assert_allclose(paths[-1], Z, rtol=1e-12, atol=1e-12)
    assert list(clf.get_feature_names_out()) == ["flow0", "flow1", "flow2", "flow3"]
    # the network's shape is fixed by fit; set_params changes only how it is solved
    clf.set_params(augment_dim=0, solver="rk4", n_steps=50)
    np.testing.assert_allclose(clf.transform(X), Z, atol=1e-2)  # dopri5 at rtol=1e-3 vs RK4
    with pytest.raises(ValueError, match="strictly increasing"):
        clf.trajectories(X, [0.0, 0.5, 0.5])
    with pytest.raises(ValueError, match=">= 0"):
        clf.trajectories(X, [-1.0, 0.5])


def test_predictions_do_not_depend_on_the_other_rows():
    X, y = make_disc_annulus(100, random_state=0)
    clf = NeuralODEClassifier(max_iter=30, random_state=0).fit(X, y)
    assert clf.step_sizes_ is not None
    whole = clf.decision_function(X)
    np.testing.assert_allclose(clf.decision_function(X[:7]), whole[:7], rtol=1e-12, atol=1e-14)
    # another solver or tolerance after fit chooses its own steps (no replay)
    clf.set_params(rtol=1e-8)
    np.testing.assert_allclose(clf.decision_function(X), whole, atol=1e-2)


def test_multiclass_and_regression():
    X, labels = make_blobs(150, centers=3, cluster_std=1.0, random_state=0)
    clf = NeuralODEClassifier(max_iter=150, random_state=0).fit(X, labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # at least as good as a linear classifier on the raw inputs (the flow starts near identity)
    assert clf.score(X, labels) >= LogisticRegression().fit(X, labels).score(X, labels) - 0.02
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)
    X, _ = make_moons(150, noise=0.1, random_state=0)
    reg = NeuralODERegressor(time_dependent=True, max_iter=300, random_state=0)
    target = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
    assert reg.fit(X, target).score(X, target) > 0.9
    assert reg.predict(X).shape == (150,)


def test_bad_input_raises_clear_errors():
    X, y = make_disc_annulus(20, random_state=0)
    with pytest.raises(ValueError, match="augment_dim"):
        NeuralODEClassifier(augment_dim=-1).fit(X, y)
    with pytest.raises(ValueError, match="solver"):
        NeuralODEClassifier(solver="rk45").fit(X, y)
    with pytest.raises(ValueError, match="batch_size"):
        NeuralODEClassifier(batch_size=0).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        NeuralODEClassifier(max_iter=1).fit(X, np.zeros(20))
    with pytest.raises(TrainingDivergedError):
        NeuralODEClassifier(learning_rate=1e6, max_iter=50, max_solver_steps=50).fit(X * 1e3, y)


def test_seeded_fits_are_reproducible_and_batches_work():
    X, y = make_disc_annulus(80, random_state=0)
    a = NeuralODEClassifier(max_iter=20, batch_size=16, random_state=4).fit(X, y)
    b = NeuralODEClassifier(max_iter=20, batch_size=16, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.params_, b.params_)
    assert len(a.loss_curve_) == a.n_iter_ == 20
