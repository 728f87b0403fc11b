"""Tests of LeastSquares: plain and ridge least squares on sufficient statistics."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LinearRegression, Ridge

from sparseid.exceptions import IllConditionedWarning
from sparseid.optimizers import LeastSquares


def problem(n=500, p=7, k=3, seed=0):
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(n, p)) * np.logspace(-3, 3, p)
    coef = rng.normal(size=(k, p))
    return theta, theta @ coef.T + 0.01 * rng.normal(size=(n, k))


def test_matches_linear_regression():
    theta, y = problem()
    model = LeastSquares().fit(theta, y)
    ref = LinearRegression(fit_intercept=False).fit(theta, y)
    assert_allclose(model.coef_, ref.coef_, rtol=1e-10)
    assert_allclose(model.predict(theta), ref.predict(theta), rtol=1e-10)
    assert model.score(theta, y) == pytest.approx(ref.score(theta, y), rel=1e-12)


@pytest.mark.parametrize("alpha", [1e-3, 1.0, 100.0])
def test_ridge_matches_scikit_learn(alpha):
    theta, y = problem()
    model = LeastSquares(alpha=alpha).fit(theta, y)
    ref = Ridge(alpha=alpha, fit_intercept=False, solver="svd").fit(theta, y)
    assert_allclose(model.coef_, ref.coef_, rtol=1e-9)


def test_one_dimensional_target():
    theta, y = problem(k=1)
    model = LeastSquares().fit(theta, y[:, 0])
    assert model.coef_.shape == (1, 7)
    assert model.predict(theta).shape == (500,)


def test_partial_fit_and_stderr():
    theta, y = problem()
    whole = LeastSquares().fit(theta, y)
    stream = LeastSquares()
    for chunk in np.array_split(np.arange(500), 10):
        stream.partial_fit(theta[chunk], y[chunk])
    assert_allclose(stream.coef_, whole.coef_, rtol=1e-10)
    inv = np.linalg.inv(theta.T @ theta)
    rss = ((y - theta @ whole.coef_.T) ** 2).sum(axis=0)
    ref = np.sqrt(np.outer(rss / (500 - 7), np.diag(inv)))
    assert_allclose(whole.coef_stderr_, ref, rtol=1e-7)
    assert_allclose(stream.coef_stderr_, ref, rtol=1e-7)


def test_small_first_chunk_warns_then_recovers():
    theta, y = problem()
    model = LeastSquares()
    with pytest.warns(IllConditionedWarning):
        model.partial_fit(theta[:3], y[:3])
    assert np.all(np.isfinite(model.coef_))
    assert np.all(np.isinf(model.coef_stderr_[model.coef_ != 0]))  # undetermined, not NaN
    model.partial_fit(theta[3:], y[3:])
    assert_allclose(model.coef_, LeastSquares().fit(theta, y).coef_, rtol=1e-10)


def test_duplicate_column_warns_and_stays_finite():
    theta, y = problem()
    theta[:, 5] = theta[:, 2]
    with pytest.warns(IllConditionedWarning, match=r"\[2, 5\]"):
        model = LeastSquares().fit(theta, y)
    assert np.all(np.isfinite(model.coef_))
    assert_allclose(
        model.predict(theta),
        LinearRegression(fit_intercept=False).fit(theta, y).predict(theta),
        rtol=1e-8,
    )


@pytest.mark.parametrize("alpha", [-1.0, "big", np.inf])
def test_bad_alpha(alpha):
    theta, y = problem()
    with pytest.raises(ValueError, match=r"LeastSquares: alpha=.* must be a finite real number"):
        LeastSquares(alpha=alpha).fit(theta, y)


def test_bad_rows():
    theta, y = problem()
    with pytest.raises(ValueError, match=r"LeastSquares: X has 3 sample.* but 7 features"):
        LeastSquares().fit(theta[:3], y[:3])
    with pytest.raises(ValueError, match=r"LeastSquares: .*inconsistent numbers of samples"):
        LeastSquares().fit(theta, y[:10])
