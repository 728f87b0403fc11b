"""STLSQ(threshold="auto"): the threshold path, the criterion and the stepwise repair."""

import numpy as np
import pytest

from sparseid import SINDy, systems
from sparseid.differentiation import SavitzkyGolay
from sparseid.optimizers import STLSQ, ThresholdPath
from sparseid.optimizers._auto_threshold import stepwise_refine


def lorenz_support(names):
    """Where Lorenz's true coefficients are nonzero, for the library terms ``names``."""
    return systems.Lorenz().true_coefficients(names).to_numpy() != 0


def test_clean_lorenz():
    model = SINDy(optimizer=STLSQ(threshold="auto")).fit(systems.make_lorenz(5000))
    assert np.array_equal(model.coef_ != 0, lorenz_support(model.feature_names_))
    path = model.optimizer_.threshold_path_
    assert isinstance(path, ThresholdPath)
    m = len(path.thresholds)
    assert path.complexity.shape == path.rss.shape == path.bic.shape == (m, 3)
    # The path is a Pareto front: fewer terms as the threshold grows.
    assert np.all(np.diff(path.complexity.sum(axis=1)) <= 0)
    assert model.optimizer_.threshold_.shape == (3, 1)


@pytest.mark.parametrize("seed", [0, 1])
def test_one_percent_noise(seed):
    data = systems.make_lorenz(5000, noise=0.01, random_state=seed)
    model = SINDy(differentiation_method=SavitzkyGolay(21), optimizer=STLSQ(threshold="auto"))
    model.fit(data)
    assert np.array_equal(model.coef_ != 0, lorenz_support(model.feature_names_))
    weak = SINDy(weak_form=True).fit(data)
    assert np.array_equal(weak.coef_ != 0, lorenz_support(weak.feature_names_))


def test_stepwise_readmits_a_dropped_term():
    # y = 3 a + 0.3 b, b nearly collinear with c: start from the wrong support {a, c}.
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 2000))
    c = b + 0.05 * rng.normal(size=2000)
    X = np.column_stack([a, b, c, rng.normal(size=2000)])
    y = 3 * a + 0.3 * b + 0.01 * rng.normal(size=2000)
    stats = STLSQ().fit(X, y).stats_
    start = np.array([[True, False, True, False]])
    coef, improved = stepwise_refine(stats, start, np.array([np.inf]))
    assert improved[0]
    np.testing.assert_array_equal(coef[0] != 0, [True, True, False, False])


def test_bad_threshold():
    X, y = np.eye(4), np.ones(4)
    with pytest.raises(ValueError, match="threshold"):
        STLSQ(threshold="best").fit(X, y)
    with pytest.raises(ValueError, match="threshold"):
        STLSQ(threshold=-1.0).fit(X, y)
