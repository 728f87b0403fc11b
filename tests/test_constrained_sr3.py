"""Tests of ConstrainedSR3: the KKT update against a dense solve, constraints kept, errors."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.preprocessing import PolynomialFeatures

from sparseid.exceptions import ConvergenceWarning
from sparseid.optimizers import SR3, ConstrainedSR3


@pytest.fixture(scope="module")
def library(lorenz_states):
    x, y = lorenz_states(3000)
    rng = np.random.default_rng(5)
    return PolynomialFeatures(2).fit_transform(x), y + 0.5 * rng.normal(size=y.shape)


def constraints(p):
    # x' has opposite coefficients of x and y; z' has xy coefficient 1 plus 3 times its z one
    # equal to -7.
    lhs = np.zeros((2, 3 * p))
    lhs[0, [1, 2]] = 1.0
    lhs[1, [2 * p + 3, 2 * p + 5]] = [3.0, 1.0]
    return lhs, np.array([0.0, -7.0])


@pytest.mark.parametrize("normalize_columns", [False, True])
def test_relaxed_update_is_the_dense_kkt_solve(library, normalize_columns):
    theta, y = library
    p = theta.shape[1]
    lhs, rhs = constraints(p)
    nu = 0.5
    opt = ConstrainedSR3(
        threshold=0.3,
        nu=nu,
        max_iter=1,
        constraint_lhs=lhs,
        constraint_rhs=rhs,
        normalize_columns=normalize_columns,
    )
    with pytest.warns(ConvergenceWarning):
        opt.fit(theta, y)
    unit = np.linalg.norm(theta, axis=0) if normalize_columns else np.ones(p)
    scaled = theta / unit
    u0 = np.linalg.lstsq(scaled, y, rcond=None)[0]
    h = scaled.T @ scaled + np.eye(p) / nu
    g = (scaled.T @ y + u0 / nu).T.ravel()
    c = lhs / np.tile(unit, 3)
    kkt = np.block([[np.kron(np.eye(3), h), c.T], [c, np.zeros((2, 2))]])
    w = np.linalg.solve(kkt, np.concatenate([g, rhs]))[: 3 * p].reshape(3, p) / unit
    # Measured: 3e-13 of the largest coefficient (1e-14 normalised); constraints to 2e-15.
    assert_allclose(opt.coef_full_, w, rtol=0, atol=1e-11 * np.abs(w).max())
    assert_allclose(lhs @ opt.coef_full_.ravel(), rhs, rtol=0, atol=1e-10)


def test_constraints_hold_at_convergence(library):
    theta, y = library
    lhs, rhs = constraints(theta.shape[1])
    opt = ConstrainedSR3(threshold=0.3, max_iter=500, constraint_lhs=lhs, constraint_rhs=rhs)
    opt.fit(theta, y)
    # Measured: 0 (to the last bit) for both.
    assert_allclose(lhs @ opt.coef_full_.ravel(), rhs, rtol=0, atol=1e-10)
    # The constrained terms survive thresholding, so the sparse coefficients keep them too.
    assert_allclose(lhs @ opt.coef_.ravel(), rhs, rtol=0, atol=1e-10)
    assert opt.support_.sum() == 7


def test_without_constraints_equals_sr3(library):
    theta, y = library
    ours = ConstrainedSR3(threshold=0.3, max_iter=200).fit(theta, y)
    assert_allclose(ours.coef_, SR3(threshold=0.3, max_iter=200).fit(theta, y).coef_, rtol=0)


def test_model_contract(optimizer_contract):
    lhs, rhs = constraints(10)
    opt = ConstrainedSR3(
        threshold=0.5, max_iter=300, constraint_lhs=lhs.tolist(), constraint_rhs=rhs.tolist()
    )
    optimizer_contract(opt, {"threshold": [0.3, 0.5]}, n_terms=7)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"constraint_lhs": [[1.0, 0.0, 0.0]]}, "constraint_lhs needs constraint_rhs"),
        ({"constraint_lhs": [1.0, 0.0]}, "constraint_lhs must be None or a finite 2-D"),
        ({"constraint_lhs": [[1.0, 0, 0]], "constraint_rhs": [1.0, 2.0]}, "has 2 entries"),
        ({"constraint_lhs": [[1.0, 0]], "constraint_rhs": [1.0]}, "n_targets \\* n_features"),
        ({"constraint_lhs": [[1.0, 0, 0]] * 2, "constraint_rhs": [1.0, 1.0]}, "dependent rows"),
        ({"constraint_lhs": [[1.0, 0, 0]], "constraint_rhs": [1.0], "unbias": True}, "unbias"),
        ({"nu": -1.0}, "nu"),
    ],
)
def test_bad_parameters_raise(params, match):
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=match):
        ConstrainedSR3(**params).fit(X, X[:, 0])


def test_inequality_update_is_the_projection(library):
    # Row 0 (x' coefficients of x and y add to at most -5) is active at the unconstrained
    # update, row 1 (z' xy coefficient at most 10) is not: the update equals the equality
    # update with row 0 alone, and satisfies both rows.
    theta, y = library
    p = theta.shape[1]
    lhs = np.zeros((2, 3 * p))
    lhs[0, [1, 2]] = 1.0
    lhs[1, 2 * p + 5] = 1.0
    rhs = np.array([-5.0, 10.0])
    params = dict(threshold=0.3, nu=0.5, max_iter=1)
    with pytest.warns(ConvergenceWarning):
        free = SR3(**params).fit(theta, y).coef_full_.ravel()
        ineq = ConstrainedSR3(
            **params, constraint_lhs=lhs, constraint_rhs=rhs, inequality_constraints=True
        ).fit(theta, y)
        eq = ConstrainedSR3(**params, constraint_lhs=lhs[:1], constraint_rhs=rhs[:1]).fit(theta, y)
    assert lhs[0] @ free > rhs[0] and lhs[1] @ free < rhs[1]
    # Measured: 2e-16 of the largest coefficient; row 0 holds to 4e-15.
    assert_allclose(ineq.coef_full_, eq.coef_full_, rtol=0, atol=1e-11 * np.abs(free).max())
    assert np.all(lhs @ ineq.coef_full_.ravel() <= rhs + 1e-10)


def test_inactive_inequality_changes_nothing(library):
    theta, y = library
    p = theta.shape[1]
    lhs = np.zeros((1, 3 * p))
    lhs[0, 2 * p + 5] = 1.0
    ours = ConstrainedSR3(
        threshold=0.3,
        max_iter=200,
        constraint_lhs=lhs,
        constraint_rhs=[10.0],
        inequality_constraints=True,
    ).fit(theta, y)
    # Measured: identical (the multiplier is exactly 0).
    assert_allclose(ours.coef_, SR3(threshold=0.3, max_iter=200).fit(theta, y).coef_, atol=1e-12)
