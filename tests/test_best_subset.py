"""Tests of BestSubset: exactness against enumeration, Lorenz recovery, the contract, errors."""

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sparseid import SINDy
from sparseid.differentiation import FiniteDifference
from sparseid.libraries import PolynomialLibrary
from sparseid.optimizers import BestSubset
from sparseid.systems import make_lorenz


def brute_force(X, y, size):
    best = (np.inf, None)
    for cols in itertools.combinations(range(X.shape[1]), size):
        coef = np.linalg.lstsq(X[:, cols], y, rcond=None)[0]
        rss = np.sum((y - X[:, cols] @ coef) ** 2)
        best = min(best, (rss, cols))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_equals_brute_force_enumeration(seed):
    rng = np.random.default_rng(seed)
    p = [6, 8, 10, 12, 12, 9][seed]
    X = rng.normal(size=(40 + 5 * p, p)) * rng.uniform(0.01, 100, size=p)
    X[:, 1] += 0.9 * X[:, 0] * np.std(X[:, 1]) / np.std(X[:, 0])  # correlated columns
    y = (X[:, :3] / np.std(X[:, :3], axis=0)) @ rng.normal(size=3) + rng.normal(size=len(X))
    model = BestSubset().fit(X, y)
    for size in range(1, p + 1):
        rss, cols = brute_force(X, y, size)
        # Measured: relative differences up to 2.2e-15.
        assert_allclose(model.rss_path_[0, size], rss, rtol=1e-12)
        assert set(np.flatnonzero(model.support_path_[0, size])) == set(cols)
    assert_allclose(model.rss_path_[0, 0], y @ y, rtol=1e-12)


def test_criteria_formulas():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 5))
    y = X[:, 0] + 0.1 * rng.normal(size=100)
    for criterion, per_term in [("aic", 2.0), ("bic", np.log(100))]:
        model = BestSubset(criterion=criterion).fit(X, y)
        k = np.arange(6)
        expected = 100 * np.log(model.rss_path_[0] / 100) + per_term * k
        assert_allclose(model.criterion_path_[0], expected, rtol=1e-12)
        assert model.support_.sum() == np.argmin(expected)
    # BIC keeps the one true term, refitted by least squares.
    ols = np.linalg.lstsq(X[:, [0]], y, rcond=None)[0][0]
    assert_allclose(model.coef_[0], ols * np.eye(5)[0], rtol=1e-12)


def test_recovers_lorenz_seven_terms_from_noisy_data():
    frame = make_lorenz(5000, noise=0.01, random_state=0)
    model = SINDy(
        feature_library=PolynomialLibrary(degree=2),
        optimizer=BestSubset(),
        differentiation_method=FiniteDifference(),
    ).fit(frame)
    truth = np.zeros((3, 10), dtype=bool)
    truth[0, [1, 2]] = truth[1, [1, 2, 6]] = truth[2, [3, 5]] = True
    assert np.array_equal(model.coef_ != 0, truth), model.equations()
    # Measured: -9.993, 9.998 (1 % noise, second-order finite differences).
    assert_allclose(model.coef_[0, [1, 2]], [-10.0, 10.0], rtol=2e-3)


def test_forty_features_within_seconds():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 40))
    y = X[:, :5] @ [1.0, -2.0, 1.5, 3.0, -1.0] + rng.normal(size=500)
    model = BestSubset(max_terms=8).fit(X, y)  # measured 0.1 s, 1446 nodes
    assert set(np.flatnonzero(model.support_path_[0, 5])) == set(range(5))
    # BIC, with 35 candidate noise columns, may keep one of them as well.
    assert model.support_[0, :5].all()


def test_node_budget_raises():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 14))
    with pytest.raises(RuntimeError, match="max_nodes=10 nodes"):
        BestSubset(max_nodes=10).fit(X, rng.normal(size=100))


def test_model_contract(optimizer_contract):
    optimizer_contract(BestSubset(), {"criterion": ["aic", "bic"]})


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"max_terms": 0}, "max_terms"),
        ({"max_terms": 2.5}, "max_terms"),
        ({"criterion": "cp"}, "criterion"),
        ({"max_nodes": 0}, "max_nodes"),
    ],
)
def test_bad_parameters_raise(params, match):
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=match):
        BestSubset(**params).fit(X, X[:, 0])
