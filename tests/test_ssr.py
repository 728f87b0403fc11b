"""Tests of SSR: PySINDy equivalence, the path and its choice, the model contract, errors."""

import warnings

import numpy as np
import pysindy
import pytest
from numpy.testing import assert_allclose

from sparseid.optimizers import SSR
from sparseid.optimizers._ssr import best_step


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"alpha": 0.0},
        {"alpha": 1.0, "unbias": False},
        {"normalize_columns": True},
        {"kappa": 1e-3},
        {"criteria": "model_residual"},
        {"criteria": "model_residual", "normalize_columns": True, "unbias": False, "max_iter": 5},
    ],
    ids=repr,
)
def test_same_coefficients_as_pysindy(noisy_library, params):
    theta, y = noisy_library()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pysindy.SSR(**params).fit(theta, y)
    ours = SSR(**params).fit(theta, y)
    assert np.array_equal(ours.support_, ref.coef_ != 0)
    # Measured: largest difference 2.3e-14 of the largest coefficient.
    assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-11 * np.abs(ref.coef_).max())
    # Our path errors are computed on the statistics; PySINDy's on the rows.
    assert_allclose(ours.err_history_, ref.err_history_, rtol=1e-9)


def test_path_removes_one_term_per_step(noisy_library):
    theta, y = noisy_library(degree=2, noise=0.5)
    model = SSR(alpha=0.0, max_iter=100).fit(theta, y)
    counts = [np.count_nonzero(h, axis=1) for h in model.history_]
    assert all((c == 10 - i).all() for i, c in enumerate(counts))
    assert model.n_iter_ == 9
    # Every target loses a term per step, so the model chosen at the elbow of the error
    # has as many terms in every target (three here: y' = 28 x - y - x z needs them).
    sizes = model.support_.sum(axis=1)
    assert (sizes == sizes[0]).all() and sizes[0] in (2, 3)
    assert model.support_[0, [1, 2]].all() and model.support_[2, [3, 5]].all()
    assert_allclose(model.coef_[0, [1, 2]], [-10.0, 10.0], rtol=1e-3)


def test_best_step_rules():
    assert best_step([10.0, 9.0, 8.0, 1.0, 0.9], None) == 3
    assert best_step([10.0, 0.0, 3.0], None) == 1
    assert best_step([5.0, 2.0, 3.0], 1.0) == 1


def test_model_contract(optimizer_contract):
    optimizer_contract(SSR(alpha=0.0), {"alpha": [0.0, 0.05]})


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"alpha": -1.0}, "alpha"),
        ({"max_iter": 0}, "max_iter"),
        ({"criteria": "aic"}, "criteria"),
        ({"kappa": -1.0}, "kappa"),
        ({"unbias": "yes"}, "unbias"),
    ],
)
def test_bad_parameters_raise(params, match):
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=match):
        SSR(**params).fit(X, X[:, 0])
