"""Tests of FROLS: PySINDy equivalence, the selection order, the model contract, errors."""

import warnings

import numpy as np
import pysindy
import pytest
from numpy.testing import assert_allclose

from sparseid.optimizers import FROLS


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"alpha": 0.0},
        {"normalize_columns": True},
        {"normalize_columns": True, "kappa": 1e-4},
        {"normalize_columns": True, "unbias": False, "max_iter": 5},
        {"alpha": 1.0, "unbias": False, "max_iter": 15},
    ],
    ids=repr,
)
def test_same_coefficients_as_pysindy(noisy_library, params):
    theta, y = noisy_library()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pysindy.FROLS(**params).fit(theta, y)
    ours = FROLS(**params).fit(theta, y)
    assert np.array_equal(ours.support_, ref.coef_ != 0)
    assert ours.support_.any()
    # Measured: largest difference 2.1e-13 of the largest coefficient (no normalisation).
    assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-10 * np.abs(ref.coef_).max())
    n_steps = ours.err_.shape[0]
    assert_allclose(ours.err_, ref.ERR_global[:n_steps], rtol=1e-8, atol=1e-14)


def test_selects_true_terms_first(noisy_library):
    theta, y = noisy_library(degree=2, noise=0.0)
    model = FROLS(max_iter=3, alpha=0.0).fit(theta, y)
    truth = [{1, 2}, {1, 2, 6}, {3, 5}]
    for k, terms in enumerate(truth):
        assert set(model.order_[k, : len(terms)].tolist()) == terms


def test_model_contract(optimizer_contract):
    optimizer_contract(FROLS(normalize_columns=True, kappa=1e-4), {"kappa": [1e-4, 1e-5]})


def test_dependent_and_zero_columns_are_never_selected():
    # PySINDy raises on a zero column (0 / 0) and may select a duplicate; here the path
    # ends when every remaining column lies in the span of the selected ones.
    X = np.random.default_rng(0).normal(size=(50, 3))
    X = np.column_stack([X, 2.0 * X[:, 0], np.zeros(50)])
    with pytest.warns(UserWarning, match=r"columns \[4\] are identically zero"):
        model = FROLS(max_iter=10, alpha=0.0).fit(X, X[:, 0] + X[:, 1])
    order = model.order_[0]
    assert sorted(order[:3].tolist()) in ([0, 1, 2], [1, 2, 3]) and (order[3:] == -1).all()
    assert_allclose(X @ model.coef_[0], X[:, 0] + X[:, 1], atol=1e-10)


def test_one_sample_fits():
    model = FROLS().fit(np.arange(1.0, 5.0)[None, :], [2.0])
    assert (model.order_[0, 1:] == -1).all() and np.isfinite(model.coef_).all()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"alpha": -1.0}, "alpha"),
        ({"max_iter": 0}, "max_iter"),
        ({"kappa": -1.0}, "kappa"),
        ({"normalize_columns": 1}, "normalize_columns"),
    ],
)
def test_bad_parameters_raise(params, match):
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=match):
        FROLS(**params).fit(X, X[:, 0])
