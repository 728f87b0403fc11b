"""Tests of SR3: PySINDy equivalence, the relaxed update, streaming, the model contract, errors."""

import warnings

import numpy as np
import pysindy
import pytest
from numpy.testing import assert_allclose

from sparseid.exceptions import ConvergenceWarning
from sparseid.optimizers import SR3


def pysindy_sr3(theta, y, threshold, nu, regularizer, thresholds=None, **params):
    if regularizer == "l0":
        lam = pysindy.SR3.calculate_l0_weight(threshold, nu)
    else:
        lam = threshold if thresholds is None else np.asarray(thresholds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pysindy.SR3(
            reg_weight_lam=lam, relax_coeff_nu=nu, regularizer=regularizer, **params
        ).fit(theta, y)


@pytest.mark.parametrize(
    ("regularizer", "threshold", "nu", "normalize_columns", "unbias"),
    [
        ("l0", 0.1, 1.0, False, False),
        ("l0", 0.5, 0.1, False, True),
        ("l0", 30.0, 1.0, True, False),
        ("l1", 0.1, 1.0, False, False),
        ("l1", 1.0, 0.01, True, True),
        ("weighted_l1", 0.0, 0.5, False, False),
    ],
)
def test_same_coefficients_as_pysindy(
    noisy_library, regularizer, threshold, nu, normalize_columns, unbias
):
    theta, y = noisy_library()
    thresholds = None
    if regularizer == "weighted_l1":
        thresholds = np.random.default_rng(3).uniform(0, 2, size=(3, theta.shape[1]))
    params = dict(max_iter=100, normalize_columns=normalize_columns, unbias=unbias)
    ref = pysindy_sr3(theta, y, threshold, nu, regularizer, thresholds, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = SR3(threshold, nu, regularizer, thresholds, **params).fit(theta, y)
    assert np.array_equal(ours.support_, ref.coef_ != 0)
    assert ours.n_iter_ == ref.iters
    # Measured: largest difference 1.1e-11 of the largest coefficient (l1, no normalisation).
    assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-9 * np.abs(ref.coef_).max())


def test_default_equals_pysindy_default(noisy_library):
    theta, y = noisy_library(degree=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pysindy.SR3().fit(theta, y).coef_
        ours = SR3().fit(theta, y).coef_
    assert_allclose(ours, ref, rtol=0, atol=1e-9 * np.abs(ref).max())


def test_relaxed_update_is_the_dense_solve(noisy_library):
    # One iteration: w = (X^T X + I/nu)^-1 (X^T y + u0/nu), u0 the least-squares fit.
    theta, y = noisy_library(degree=2, noise=0.5)
    nu = 0.3
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        model = SR3(threshold=0.2, nu=nu, max_iter=1).fit(theta, y)
    u0 = np.linalg.lstsq(theta, y, rcond=None)[0]
    gram = theta.T @ theta + np.eye(theta.shape[1]) / nu
    w = np.linalg.solve(gram, theta.T @ y + u0 / nu)
    # Measured 2e-13 of the largest coefficient (the dense normal equations are the less
    # accurate side: the degree-2 Gram matrix has condition number ~1e8).
    assert_allclose(model.coef_full_, w.T, rtol=0, atol=1e-11 * np.abs(w).max())
    assert_allclose(model.coef_, np.where(np.abs(w.T) > 0.2, w.T, 0.0), atol=1e-9 * np.abs(w).max())


def test_l0_recovers_lorenz_exactly(noisy_library):
    theta, y = noisy_library(degree=2, noise=0.0)
    model = SR3(threshold=0.5, unbias=True).fit(theta, y)
    assert model.support_.sum() == 7
    assert_allclose(model.coef_[0, 1:3], [-10.0, 10.0], rtol=1e-8)


def test_model_contract(optimizer_contract):
    optimizer_contract(
        SR3(threshold=0.5, max_iter=300, unbias=True), {"threshold": [0.1, 0.5]}, n_terms=7
    )


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"nu": 0.0}, "nu"),
        ({"threshold": -1.0}, "threshold"),
        ({"regularizer": "l2"}, "regularizer"),
        ({"tol": 0.0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"regularizer": "weighted_l1"}, "thresholds must be given"),
        ({"regularizer": "weighted_l1", "thresholds": [1.0, 2.0]}, "thresholds must be a 2-D"),
        ({"regularizer": "weighted_l1", "thresholds": [[-1.0, 2.0]]}, "non-negative"),
        ({"regularizer": "weighted_l1", "thresholds": np.ones((2, 2))}, r"shape \(2, 2\)"),
    ],
)
def test_bad_parameters_raise(params, match):
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=match):
        SR3(**params).fit(X, X[:, 0])
