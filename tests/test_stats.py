"""Tests of SufficientStatistics: the blocked QR summary behind the optimizers."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import ridge_regression
from sklearn.preprocessing import PolynomialFeatures

from sparseid.optimizers import SufficientStatistics


def random_problem(n=300, p=6, k=2, seed=0):
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(n, p)) * rng.uniform(0.1, 100, size=p)
    return theta, rng.normal(size=(n, k))


def scaled_lstsq(theta, y):
    norms = np.linalg.norm(theta, axis=0)
    return (np.linalg.lstsq(theta / norms, y, rcond=None)[0] / norms[:, None]).T


@pytest.mark.parametrize("block_size", [64, 1000, 100000])
def test_solve_matches_lstsq(block_size):
    theta, y = random_problem()
    stats = SufficientStatistics.from_arrays(theta, y, block_size=block_size)
    assert (stats.n_samples, stats.n_features, stats.n_targets) == (300, 6, 2)
    assert_allclose(stats.solve(), scaled_lstsq(theta, y), rtol=1e-12, atol=0)
    assert_allclose(stats.column_norms, np.linalg.norm(theta, axis=0), rtol=1e-14)
    assert_allclose(stats.yty, y.T @ y, rtol=1e-12)


def test_degree5_lorenz_accuracy_with_many_blocks(lorenz_states):
    # Scaled condition number ~1e5-1e6: the plain Gram matrix loses ~7 digits here.
    x, y = lorenz_states(20000)
    theta = PolynomialFeatures(5).fit_transform(x)
    stats = SufficientStatistics.from_arrays(theta, y, block_size=2048)
    ref = scaled_lstsq(theta, y)
    err = np.linalg.norm(stats.solve() - ref, axis=1) / np.linalg.norm(ref, axis=1)
    assert err.max() <= 1e-8


def test_one_dimensional_y():
    theta, y = random_problem(k=1)
    stats = SufficientStatistics.from_arrays(theta, y[:, 0])
    assert stats.solve().shape == (1, 6)
    assert_allclose(stats.solve(), scaled_lstsq(theta, y), rtol=1e-12)


def test_ill_conditioned_block_falls_back_to_householder(monkeypatch):
    import sparseid.optimizers._tsqr as tsqr

    calls = []
    householder = tsqr.householder_factor
    monkeypatch.setattr(
        tsqr, "householder_factor", lambda a, y: calls.append(len(a)) or householder(a, y)
    )
    theta, y = random_problem(n=400)
    # In the first block two columns agree to 1e-10, too close for a Cholesky kernel; the
    # other blocks make the whole problem well conditioned.
    theta[:100, 1] = theta[:100, 0] * (1 + 1e-10 * np.random.default_rng(1).normal(size=100))
    stats = SufficientStatistics.from_arrays(theta, y, block_size=100)
    assert 100 in calls
    assert_allclose(stats.solve(), scaled_lstsq(theta, y), rtol=1e-10)


def test_blocks_with_fewer_rows_than_columns():
    theta, y = random_problem(n=30, p=8)
    stats = SufficientStatistics.from_arrays(theta[:5], y[:5])
    for lo in range(5, 30, 5):
        stats = stats + SufficientStatistics.from_arrays(theta[lo : lo + 5], y[lo : lo + 5])
    assert stats.n_samples == 30
    assert_allclose(stats.solve(), scaled_lstsq(theta, y), rtol=1e-11)


def test_add_equals_stacked_and_rescales_exactly():
    theta, y = random_problem(n=500)
    a = SufficientStatistics.from_arrays(theta[:200], y[:200])
    b = SufficientStatistics.from_arrays(theta[200:], y[200:], scale=np.arange(1.0, 7.0))
    both = a + b
    whole = SufficientStatistics.from_arrays(theta, y)
    assert both.n_samples == 500
    assert_allclose(both.solve(), whole.solve(), rtol=1e-12)
    assert_allclose(both.rss(whole.solve()), whole.rss(whole.solve()), rtol=1e-10)
    # R^T R is the Gram matrix of theta / scale, whatever order the rows came in.
    gram = lambda s: (s.r * s.scale).T @ (s.r * s.scale)  # noqa: E731
    assert_allclose(gram(both), theta.T @ theta, rtol=1e-11, atol=1e-9 * np.abs(gram(whole)).max())
    rescaled = whole.rescaled(np.ones(6))
    assert_allclose(rescaled.solve(), whole.solve(), rtol=1e-13)


def test_sum_of_chunks_and_non_finite_input():
    theta, y = random_problem()
    parts = [SufficientStatistics.from_arrays(theta[i::3], y[i::3]) for i in range(3)]
    assert_allclose(sum(parts).solve(), scaled_lstsq(theta, y), rtol=1e-11)
    theta[7, 1] = np.nan
    with pytest.raises(ValueError, match="from_arrays: theta or y contains NaN"):
        SufficientStatistics.from_arrays(theta, y)


def test_add_with_same_scaling_keeps_it():
    theta, y = random_problem()
    scale = np.full(6, 3.0)
    a = SufficientStatistics.from_arrays(theta[:100], y[:100], scale=scale)
    b = SufficientStatistics.from_arrays(theta[100:], y[100:], scale=scale)
    assert np.array_equal((a + b).scale, scale)


def test_add_rejects_mismatched_shapes():
    theta, y = random_problem()
    a = SufficientStatistics.from_arrays(theta, y)
    b = SufficientStatistics.from_arrays(theta[:, :5], y)
    with pytest.raises(ValueError, match="SufficientStatistics: cannot add"):
        a + b


def test_support_and_ridge():
    theta, y = random_problem()
    stats = SufficientStatistics.from_arrays(theta, y)
    support = np.array([[True, False, True, True, False, False], [False] * 5 + [True]])
    coef = stats.solve(support, alpha=2.0)
    for i in range(2):
        cols = support[i]
        ref = ridge_regression(theta[:, cols], y[:, i], 2.0)
        assert_allclose(coef[i, cols], ref, rtol=1e-10)
        assert np.all(coef[i, ~cols] == 0)
    # Ridge on normalised columns: penalty weights are the column norms.
    norms = np.linalg.norm(theta, axis=0)
    ref = ridge_regression(theta / norms, y, 2.0) / norms
    assert_allclose(stats.solve(alpha=2.0, penalty_weights=norms), ref, rtol=1e-10)
    # A 1-D support applies to every target.
    assert_allclose(stats.solve(support[0]), stats.solve(np.vstack([support[0]] * 2)))


def test_rss_and_stderr_match_direct_formulas():
    theta, y = random_problem(n=200, p=4, k=2)
    stats = SufficientStatistics.from_arrays(theta, y)
    coef = stats.solve([[True, True, False, True], [True, False, False, False]])
    assert_allclose(stats.rss(coef), ((y - theta @ coef.T) ** 2).sum(axis=0), rtol=1e-11)
    support = coef != 0
    assert_allclose(stats.residual_sum_of_squares(support), stats.rss(coef), rtol=1e-14)
    se = stats.stderr(coef)
    for i in range(2):
        cols = coef[i] != 0
        xs = theta[:, cols]
        sigma2 = ((y[:, i] - xs @ coef[i, cols]) ** 2).sum() / (200 - cols.sum())
        ref = np.sqrt(sigma2 * np.diag(np.linalg.inv(xs.T @ xs)))
        assert_allclose(se[i, cols], ref, rtol=1e-9)
        assert np.all(se[i, ~cols] == 0)


def test_exact_fit_has_tiny_residual(lorenz_states):
    x, y = lorenz_states(3000)
    theta = PolynomialFeatures(2).fit_transform(x)
    stats = SufficientStatistics.from_arrays(theta, y, block_size=512)
    coef = stats.solve()
    # The residual is formed explicitly, not as y'y - c'c (which would cancel to ~1e-9 here).
    assert np.all(stats.rss(coef) < 1e-18 * np.diag(stats.yty))
    assert np.all(stats.rss(coef) >= 0)


def test_zero_columns_get_zero_coefficients():
    theta, y = random_problem(n=200)
    theta[:, 2] = 0.0
    theta[:100, 4] = 0.0  # zero in the first block only
    stats = SufficientStatistics.from_arrays(theta, y, block_size=100)
    assert stats.zero_columns.tolist() == [2]
    coef = stats.solve()
    assert np.all(coef[:, 2] == 0)
    keep = [0, 1, 3, 4, 5]
    assert_allclose(coef[:, keep], scaled_lstsq(theta[:, keep], y), rtol=1e-11)
    assert np.all(np.isfinite(stats.stderr(coef)))


def test_collinear_columns_warn_by_name():
    from sparseid.exceptions import IllConditionedWarning

    theta, y = random_problem(n=100, p=4)
    theta[:, 3] = 2 * theta[:, 1]
    stats = SufficientStatistics.from_arrays(theta, y)
    with pytest.warns(IllConditionedWarning, match=r"\['b', 'd'\]"):
        coef = stats.solve(feature_names=np.array(list("abcd")))
    assert np.all(np.isfinite(coef))
    assert_allclose(theta @ coef.T, theta @ np.linalg.lstsq(theta, y, rcond=None)[0], atol=1e-8)


@pytest.mark.parametrize("case", ["random_rows", "missed_rows", "unrepresentative_sample"])
def test_sampled_preconditioner_is_used_or_rejected_safely(case, monkeypatch):
    import sparseid.optimizers._tsqr as tsqr

    outcomes = []
    kernel = tsqr._cholesky_qr2

    def counting(a, y, gram, check):
        out = kernel(a, y, gram, check)
        outcomes.append((check, out is not None))
        return out

    monkeypatch.setattr(tsqr, "_cholesky_qr2", counting)
    theta, y = random_problem(n=2000, p=6, k=2)
    rows = np.arange(2000)
    if case == "missed_rows":  # nonzero only on rows the every-8th-row sample skips
        theta[:, 3] = np.where(rows % 8 == 3, theta[:, 3], 0.0)
    elif case == "unrepresentative_sample":  # sampled rows are 1000x smaller in one column
        theta[:, 2] *= np.where(rows % 8 == 0, 1e-3, 1.0)
    stats = SufficientStatistics.from_arrays(theta, y, block_size=2000)
    assert outcomes[0] == (True, case == "random_rows")
    if case != "random_rows":
        assert outcomes[1] == (False, True)  # full Gram matrix after the rejection
    assert_allclose(stats.solve(), scaled_lstsq(theta, y), rtol=1e-11)
    assert_allclose(stats.column_norms, np.linalg.norm(theta, axis=0), rtol=1e-13)
