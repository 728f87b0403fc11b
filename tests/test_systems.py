import numpy as np
import pytest

from sparseid.systems import (
    Lorenz,
    RotatingLinear,
    make_lorenz,
    make_rotating_linear,
    polynomial_term_names,
)


def test_lorenz_rhs_vectorised_matches_single_rows():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 3))
    system = Lorenz()
    batch = system.rhs(0.0, x)
    rows = np.array([system.rhs(0.0, row) for row in x])
    np.testing.assert_array_equal(batch, rows)
    a, b, c = x[0]
    np.testing.assert_allclose(rows[0], [10 * (b - a), a * (28 - c) - b, a * b - 8 / 3 * c])


def test_lorenz_jacobian_matches_finite_differences():
    system = Lorenz(sigma=9.0, rho=20.0, beta=2.0)
    x = np.array([1.0, -2.0, 3.0])
    eps = 1e-6
    fd = np.column_stack(
        [(system.rhs(0, x + eps * e) - system.rhs(0, x - eps * e)) / (2 * eps) for e in np.eye(3)]
    )
    # central differences with eps = 1e-6: measured 2.1e-9
    np.testing.assert_allclose(system.jacobian(0, x), fd, rtol=0, atol=5e-9)


def test_true_coefficients_reproduce_rhs_through_polynomial_terms():
    system = Lorenz()
    coef = system.true_coefficients()
    assert list(coef.index) == ["x", "y", "z"]
    assert list(coef.columns) == polynomial_term_names(["x", "y", "z"], 2)
    x = np.array([0.3, -1.2, 2.0])
    a, b, c = x
    theta = np.array([1, a, b, c, a * a, a * b, a * c, b * b, b * c, c * c])
    np.testing.assert_allclose(coef.to_numpy() @ theta, system.rhs(0, x), rtol=0, atol=1e-14)
    assert (coef.to_numpy() != 0).sum() == 7


def test_true_coefficients_require_the_true_terms():
    with pytest.raises(ValueError, match="'x z' of dy/dt is not among"):
        Lorenz().true_coefficients(["1", "x", "y", "z"])


def test_rotating_linear_solution_solves_the_ode():
    system = RotatingLinear()
    t = np.linspace(0, 3, 7)
    sol = system.solution(t, [2.0, 0.0])
    h = 1e-6
    deriv = (system.solution(t + h, [2.0, 0.0]) - system.solution(t - h, [2.0, 0.0])) / (2 * h)
    # central differences with h = 1e-6: measured 2.0e-10
    np.testing.assert_allclose(deriv, system.rhs(0, sol), rtol=0, atol=5e-10)
    coef = system.true_coefficients(["x", "y"])
    np.testing.assert_array_equal(coef.to_numpy(), [[-0.1, -1.0], [1.0, -0.1]])
    np.testing.assert_array_equal(system.jacobian(0.0, sol[3]), coef.to_numpy())


def test_make_lorenz_shape_index_and_noise_reproducible():
    df = make_lorenz(50, dt=0.01)
    assert list(df.columns) == ["x", "y", "z"] and df.index.name == "t"
    np.testing.assert_allclose(df.index.to_numpy(), np.arange(50) * 0.01)
    a = make_lorenz(50, dt=0.01, noise=0.05, random_state=3)
    b = make_lorenz(50, dt=0.01, noise=0.05, random_state=3)
    assert a.equals(b) and not a.equals(df)
    ratio = (a - df).std() / df.std()
    # 5 % of each column's std, estimated from 50 samples: measured 0.046 to 0.051
    np.testing.assert_allclose(ratio, 0.05, rtol=0, atol=0.008)


def test_make_rotating_linear_defaults():
    df = make_rotating_linear()
    assert df.shape == (2000, 2)
    assert df.index[0] == 0.0 and df.index[-1] == 15.0
    np.testing.assert_array_equal(df.iloc[0].to_numpy(), [2.0, 0.0])


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ({"n_samples": 1}, "n_samples must be an integer ≥ 2, got 1"),
        ({"n_samples": 2.5}, "n_samples must be an integer ≥ 2, got 2.5"),
        ({"noise": -0.1}, "noise must be a non-negative fraction of each column's std, got -0.1"),
    ],
)
def test_generators_reject_bad_arguments(bad, match):
    with pytest.raises(ValueError, match=match):
        make_rotating_linear(**bad)


def test_make_lorenz_rejects_a_non_positive_step():
    with pytest.raises(ValueError, match=r"dt must be positive, got 0\.0"):
        make_lorenz(10, dt=0.0)


@pytest.mark.parametrize("shape", [(2,), (4, 2), (2, 2, 3)])
def test_rhs_names_the_expected_shape(shape):
    with pytest.raises(ValueError, match=r"Lorenz.rhs: x must have shape \(3,\) or \(m, 3\)"):
        Lorenz().rhs(0.0, np.zeros(shape))


def test_polynomial_term_names_count():
    from math import comb

    for d in (1, 2, 3, 4):
        for k in (1, 2, 3):
            names = polynomial_term_names([f"v{i}" for i in range(d)], k)
            assert len(names) == comb(d + k, k) and len(set(names)) == len(names)


def test_rotating_linear_eigen_path_matches_matrix_exponential():
    from scipy.linalg import expm

    system = RotatingLinear()
    t = np.array([0.0, 0.3, 7.1, 15.0])
    expected = np.array([expm(system.A * s) @ [2.0, -1.0] for s in t])
    np.testing.assert_allclose(system.solution(t, [2.0, -1.0]), expected, rtol=0, atol=1e-13)
    defective = RotatingLinear(matrix=((0.0, 1.0), (0.0, 0.0)))  # Jordan block: falls back to expm
    np.testing.assert_allclose(defective.solution([2.0], [1.0, 1.0]), [[3.0, 1.0]], atol=1e-14)
