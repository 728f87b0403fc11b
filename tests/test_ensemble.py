"""EnsembleOptimizer: block bootstrap on statistics, inclusion probabilities, uncertainty."""

import numpy as np
import pytest

from sparseid import SINDy, systems
from sparseid.differentiation import SavitzkyGolay
from sparseid.optimizers import STLSQ, EnsembleOptimizer, SufficientStatistics


def lorenz_support(names):
    """Where Lorenz's true coefficients are nonzero, for the library terms ``names``."""
    return systems.Lorenz().true_coefficients(names).to_numpy() != 0


@pytest.fixture(scope="module")
def weak_ensemble():
    data = systems.make_lorenz(5000, noise=0.05, random_state=0)
    optimizer = EnsembleOptimizer(STLSQ(threshold=0.5), n_models=40, random_state=0)
    return data, SINDy(weak_form=True, optimizer=optimizer).fit(data)


def test_inclusion_probabilities_weak_form(weak_ensemble):
    _, model = weak_ensemble
    true = lorenz_support(model.feature_names_)
    prob = model.inclusion_probabilities_
    assert prob.shape == true.shape
    assert np.all(prob[true] >= 0.9)
    # Most false terms are (almost) never included.
    assert np.mean(prob[~true] <= 0.1) >= 0.8
    assert np.array_equal(model.coef_ != 0, true)
    assert model.coef_samples_.shape == (40, 3, len(model.feature_names_))


def test_inclusion_probabilities_pointwise_derivatives():
    data = systems.make_lorenz(5000, noise=0.01, random_state=1)
    optimizer = EnsembleOptimizer(STLSQ(threshold=0.5), n_models=30, random_state=0)
    model = SINDy(differentiation_method=SavitzkyGolay(21), optimizer=optimizer).fit(data)
    true = lorenz_support(model.feature_names_)
    assert np.all(model.inclusion_probabilities_[true] >= 0.9)
    assert np.array_equal(model.coef_ != 0, true)
    assert model.optimizer_.coef_samples_.shape == (30, 3, 10)


def test_uncertainty_display(weak_ensemble):
    _data, model = weak_ensemble
    text = model.equations(2, uncertainty="interval")[0]
    assert text.startswith("-10.0") and "[" in text and text.endswith(" y")
    assert "±" in model.equations(2, uncertainty="stderr")[1]
    frame = model.coefficients_frame(uncertainty="interval")
    lo, coef, hi = (frame[("x", kind)].to_numpy() for kind in ("lower", "coef", "upper"))
    assert np.all(lo <= hi) and lo[0] < -10.0 < hi[0]
    assert coef[0] == model.coef_[0, 1]
    with pytest.raises(ValueError, match="uncertainty"):
        model.equations(uncertainty="band")


def test_simulate_ensemble(weak_ensemble):
    data, model = weak_ensemble
    t = data.index.to_numpy()[:300]
    median, lower, upper = model.simulate_ensemble([-8.0, 8.0, 27.0], t)
    assert median.shape == lower.shape == upper.shape == (300, 3)
    assert np.all(lower <= median + 1e-12) and np.all(median <= upper + 1e-12)
    clean = systems.make_lorenz(300).to_numpy()
    np.testing.assert_allclose(median, clean, atol=0.5)


def test_no_ensemble_interval_is_an_error():
    model = SINDy().fit(systems.make_lorenz(500))
    with pytest.raises(ValueError, match="ensemble"):
        model.equations(uncertainty="interval")
    with pytest.raises(ValueError, match="ensemble"):
        model.simulate_ensemble([1.0, 1.0, 1.0], [0.0, 0.1])


def test_reproducible_and_library_bagging():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 6))
    y = X @ np.array([1.5, 0.0, -2.0, 0.0, 0.0, 0.7]) + 0.05 * rng.normal(size=600)
    a = EnsembleOptimizer(STLSQ(threshold=0.2), n_models=25, random_state=3).fit(X, y)
    b = EnsembleOptimizer(STLSQ(threshold=0.2), n_models=25, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.coef_samples_, b.coef_samples_)
    np.testing.assert_array_equal(a.inclusion_probabilities_[0] > 0.5, [1, 0, 1, 0, 0, 1])
    bag = EnsembleOptimizer(
        STLSQ(threshold=0.2), n_models=60, term_fraction=0.7, random_state=0
    ).fit(X, y)
    # A term left out of a model's library is not counted against it.
    np.testing.assert_array_equal(bag.inclusion_probabilities_[0] > 0.9, [1, 0, 1, 0, 0, 1])
    np.testing.assert_allclose(bag.coef_[0], [1.5, 0, -2.0, 0, 0, 0.7], atol=0.02)
    median = EnsembleOptimizer(STLSQ(threshold=0.2), aggregate="median", random_state=0).fit(X, y)
    np.testing.assert_allclose(median.coef_[0], [1.5, 0, -2.0, 0, 0, 0.7], atol=0.02)


def test_blocks_and_errors():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 3)), rng.normal(size=200)
    blocks = [SufficientStatistics.from_arrays(X[i::4], y[i::4]) for i in range(4)]
    ens = EnsembleOptimizer(n_models=5, random_state=0).fit_blocks(blocks)
    assert ens.coef_.shape == (1, 3)
    with pytest.raises(ValueError, match="blocks"):
        EnsembleOptimizer().fit_statistics(sum(blocks))
    # partial_fit adds each chunk as new blocks.
    streamed = EnsembleOptimizer(n_models=5, n_blocks=2, random_state=0)
    streamed.partial_fit(X[:100], y[:100]).partial_fit(X[100:], y[100:])
    assert len(streamed._block_stats) == 4 and streamed.stats_.n_samples == 200
    with pytest.raises(ValueError, match="at least 2"):
        EnsembleOptimizer().fit_blocks(blocks[:1])
    with pytest.raises(ValueError, match="subset_fraction"):
        EnsembleOptimizer(subset_fraction=0.0).fit(X, y)
    with pytest.raises(TypeError, match="sparseid optimizer"):
        from sklearn.linear_model import Lasso

        EnsembleOptimizer(Lasso()).fit(X, y)


def test_save_and_load(tmp_path):
    data = systems.make_lorenz(2000, noise=0.01, random_state=0)
    optimizer = EnsembleOptimizer(STLSQ(threshold=0.3), n_models=5, random_state=0)
    model = SINDy(differentiation_method=SavitzkyGolay(21), optimizer=optimizer).fit(data)
    model.save(tmp_path / "ensemble.json")
    from sparseid import load_model

    loaded = load_model(tmp_path / "ensemble.json")
    assert loaded.get_params()["optimizer"].get_params()["optimizer"].threshold == 0.3
    np.testing.assert_array_equal(loaded.coef_samples_, model.coef_samples_)
    np.testing.assert_array_equal(loaded.inclusion_probabilities_, model.inclusion_probabilities_)
