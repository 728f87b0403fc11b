"""LinearModel: the lecture's rotating-linear experiment and the shared contract."""

import numpy as np
import pytest

from sparseid import LinearModel, datasets
from sparseid.systems import RotatingLinear

A = np.array([[-0.1, -1.0], [1.0, -0.1]])


@pytest.mark.parametrize("n_points", [100, 400, 2000])
def test_recovers_rotating_linear_matrix_to_rounding(n_points):
    data = datasets.load("rotating_linear").iloc[:n_points]
    model = LinearModel().fit(data)
    # exact differences: rounding only, measured 1.1e-13 (100 points), 2.4e-15, 2.5e-15;
    # eigenvalues up to 5.9e-14
    assert np.max(np.abs(model.matrix_ - A)) < 3e-13
    eigenvalues = np.sort_complex(model.eigenvalues_)
    np.testing.assert_allclose(eigenvalues, [-0.1 - 1j, -0.1 + 1j], rtol=0, atol=2e-13)
    np.testing.assert_array_equal(model.intercept_, [0.0, 0.0])
    assert model.equations(precision=2) == ["-0.10 x - 1.00 y", "1.00 x - 0.10 y"]


def test_intercept_and_simulation_match_the_exact_solution():
    data = datasets.load("rotating_linear")
    shifted = data + np.array([1.0, -2.0])  # x' = A (x - c) = A x - A c
    model = LinearModel(fit_intercept=True).fit(shifted)
    # rounding only: measured 4.5e-15 and 5.3e-15
    np.testing.assert_allclose(model.matrix_, A, rtol=0, atol=5e-14)
    np.testing.assert_allclose(model.intercept_, -A @ [1.0, -2.0], rtol=0, atol=5e-14)
    t = data.index.to_numpy()
    sim = LinearModel().fit(data).simulate([-1.0, -1.0], t)
    exact = RotatingLinear().solution(t, [-1.0, -1.0])
    np.testing.assert_allclose(sim.to_numpy(), exact, rtol=0, atol=2e-11)  # measured 6.8e-12


def test_ridge_shrinks_the_matrix():
    data = datasets.load("rotating_linear")
    plain = LinearModel().fit(data).matrix_
    ridge = LinearModel(alpha=1e4).fit(data).matrix_
    assert np.linalg.norm(ridge) < np.linalg.norm(plain)


def test_input_matrix_with_control():
    t = np.linspace(0, 10, 2001)
    u = np.sin(2 * t)
    x = (2 / 5) * (np.sin(2 * t) - 2 * np.cos(2 * t) + 2 * np.exp(-t))
    model = LinearModel().fit(x[:, None], t=t, u=u)
    # rounding only: measured 4.0e-15 and 8.0e-15
    np.testing.assert_allclose(model.matrix_, [[-1.0]], rtol=0, atol=1e-13)
    np.testing.assert_allclose(model.input_matrix_, [[2.0]], rtol=0, atol=1e-13)


def test_not_fitted_attributes_are_absent():
    model = LinearModel()
    assert not hasattr(model, "matrix_")
