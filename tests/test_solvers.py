"""Dormand–Prince with dense output and the fixed-step solvers against exact solutions."""

import numpy as np
import pytest
from scipy.linalg import expm

from sparseid.ode import SOLVERS, RowDense, solve

DOPRI5 = SOLVERS["dopri5"]

A = np.array([[-0.1, -1.0], [1.0, -0.1]])


def linear_field(z, out=None):
    if out is None:
        return z @ A.T, None
    return np.matmul(z, A.T, out=out), None


def exact(y0, times):
    """States (m, batch, d) of dz/dt = A z at the given times (shared or per row)."""
    times = np.asarray(times)
    if times.ndim == 1:
        return np.stack([y0 @ expm(A * s).T for s in times])
    m = times.shape[1]
    return np.stack(
        [np.stack([expm(A * times[b, j]) @ y0[b] for b in range(len(y0))]) for j in range(m)]
    )


Y0 = np.array([[2.0, 0.0], [-1.0, -1.0], [0.0, 2.0]])
T_GRID = np.linspace(0.0, 15.0, 2000)[1:41]


def test_dense_output_coefficients_reduce_to_the_step_at_theta_one():
    np.testing.assert_allclose(DOPRI5.dense_weights(np.array([1.0]))[0], DOPRI5.b, atol=1e-15)
    assert DOPRI5.dense.shape == (7, 4)


@pytest.mark.parametrize("rtol", [1e-3, 1e-6, 1e-9])
def test_dopri5_dense_output_matches_exact_solution_to_tolerance(rtol):
    atol = rtol * 1e-3
    Y, _, n_eval = solve(linear_field, Y0, T_GRID, rtol=rtol, atol=atol)
    err = np.abs(Y - exact(Y0, T_GRID))
    # The error per unit of tolerance (rtol times |y| ≈ 2, plus atol) was measured at 0.040,
    # 0.074 and 0.075 for rtol = 1e-3, 1e-6, 1e-9; with 26, 32 and 62 evaluations.
    assert err.max() <= 0.15 * (rtol * 2.0 + atol)
    assert n_eval <= {1e-3: 40, 1e-6: 50, 1e-9: 90}[rtol]


def test_dopri5_takes_few_steps_for_a_segment():
    # the point of dense output: 26 evaluations (4 steps) for 40 samples at the default
    # tolerances, against 160 for RK4 on the sample grid
    _, rec, n_eval = solve(linear_field, Y0, T_GRID, record=True)
    assert n_eval <= 30
    assert len(rec.steps) <= 5


def test_dopri5_long_interval_and_tight_tolerance():
    times = np.linspace(0.5, 15.0, 30)
    Y, _, _ = solve(linear_field, Y0, times, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Y, exact(Y0, times), rtol=0, atol=2e-10)  # measured 6.6e-11


def test_dopri5_per_row_observation_times():
    rng = np.random.default_rng(0)
    times = np.sort(rng.uniform(0.01, 2.0, size=(3, 25)), axis=1)
    Y, rec, _ = solve(linear_field, Y0, times, rtol=1e-9, atol=1e-12, record=True)
    np.testing.assert_allclose(Y, exact(Y0, times), rtol=0, atol=1e-9)  # measured 3.1e-10
    dense = [step.dense for step in rec.steps if step.dense is not None]
    assert dense and all(isinstance(d, RowDense) for d in dense)


def test_dopri5_replayed_steps_reproduce_the_solve():
    Y, rec, _ = solve(linear_field, Y0, T_GRID, record=True)
    steps = [s[0] for s in rec.steps]
    Y2, rec2, _ = solve(linear_field, Y0, T_GRID, step_sizes=steps, record=True)
    np.testing.assert_array_equal(Y, Y2)
    assert [s[0] for s in rec2.steps] == steps


def test_dopri5_rejects_and_retries_on_a_fast_field():
    def stiffish(z, out=None):
        out = np.empty_like(z) if out is None else out
        np.multiply(z, -50.0, out=out)
        return out, None

    times = np.linspace(0.01, 1.0, 10)
    Y, _, _ = solve(stiffish, np.ones((2, 1)), times, rtol=1e-6, atol=1e-9)
    # measured 7.6e-9
    np.testing.assert_allclose(Y[:, :, 0], np.exp(-50 * times)[:, None] * [1, 1], rtol=0, atol=2e-8)


def test_dopri5_non_finite_state_raises():
    def undefined_above(z, out=None):  # dz/dt = z, undefined (NaN) where z > 1.5
        out = np.empty_like(z) if out is None else out
        out[:] = np.where(np.abs(z) > 1.5, np.nan, z)
        return out, None

    # z reaches 1.5 at t = log(1.5) = 0.41; a trial step from t = 0.1 already evaluates there
    with pytest.raises(FloatingPointError, match=r"non-finite state at t = 0\.[0-4]"):
        solve(undefined_above, np.ones((1, 1)), np.array([1.0, 2.0]), max_steps=200)


def test_dopri5_step_budget():
    with pytest.raises(FloatingPointError, match="max_steps"):
        solve(linear_field, Y0, np.array([50.0]), rtol=1e-12, atol=1e-14, max_steps=5)


@pytest.mark.parametrize(("method", "order"), [("rk4", 4), ("euler", 1)])
def test_fixed_step_convergence_order(method, order):
    times = np.linspace(0.1, 2.0, 20)
    ref = exact(Y0, times)
    errors = []
    for n_sub in (2, 4):
        Y, _, n_eval = solve(linear_field, Y0, times, method, n_substeps=n_sub)
        errors.append(np.abs(Y - ref).max())
        assert n_eval == 20 * n_sub * (4 if method == "rk4" else 1)
    observed = np.log2(errors[0] / errors[1])
    assert abs(observed - order) < 0.06  # measured 3.979 (rk4) and 1.027 (euler)


def test_fixed_step_per_row_times():
    rng = np.random.default_rng(1)
    times = np.sort(rng.uniform(0.01, 1.0, size=(3, 15)), axis=1)
    Y, _, _ = solve(linear_field, Y0, times, "rk4", n_substeps=8)
    np.testing.assert_allclose(Y, exact(Y0, times), rtol=0, atol=5e-9)  # measured 1.8e-9


def test_fixed_step_non_finite_raises():
    def blow_up(z, out=None):
        out = np.empty_like(z) if out is None else out
        np.multiply(z, 1e200, out=out)
        return out, None

    with pytest.raises(FloatingPointError, match="non-finite"):
        solve(blow_up, np.ones((1, 1)), np.linspace(0.1, 1, 10), "euler")
