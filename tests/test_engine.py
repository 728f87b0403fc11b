"""Every solver of the name → solver map through the same accuracy and gradient checks.

A new tableau added to ``sparseid.ode.SOLVERS`` is tested by these checks without a new line here.
"""

import numpy as np
import pytest
from scipy.linalg import expm

from sparseid.ode import (
    MLP,
    SOLVERS,
    ButcherTableau,
    GridDense,
    RowDense,
    adjoint_gradient,
    backprop_gradient,
    loss_residual_grad,
    solve,
)

A = np.array([[-0.1, -1.0], [1.0, -0.1]])
Y0 = np.array([[2.0, 0.0], [0.5, 1.0]])
T_OBS = np.linspace(0.1, 5.0, 50)
NAMES = sorted(SOLVERS)


def linear_field(z, out=None):
    value = z @ A.T
    if out is None:
        return value, None
    out[...] = value
    return out, None


def exact(y0, times):
    if times.ndim == 1:
        return np.stack([y0 @ expm(A * t).T for t in times])
    return np.stack(
        [np.stack([y0[r] @ expm(A * t).T for r, t in enumerate(col)]) for col in times.T]
    )


@pytest.mark.parametrize("name", NAMES)
def test_tableau_is_consistent(name):
    tab = SOLVERS[name]
    assert tab.name == name
    # consistency (Σ b = 1) and the simplifying condition c = A·1 that every method here meets
    assert tab.b.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(tab.c, tab.A.sum(axis=1), atol=0)
    if tab.adaptive:
        # the embedded solution is consistent too, and the dense output ends at the new state
        assert tab.error.sum() == pytest.approx(0.0, abs=1e-15)
        np.testing.assert_allclose(tab.dense_weights(np.array([1.0]))[0], tab.b, atol=2e-15)
        np.testing.assert_allclose(tab.dense_weights(np.array([0.0]))[0], 0.0, atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_order_of_convergence(name):
    # The error on a fixed step sequence falls as h^order: halving every step divides it by
    # about 2^order (measured slopes: euler 1.0, bosh3 3.0, rk4 4.0, dopri5 5.0).
    tab = SOLVERS[name]
    t = np.array([1.0])
    errors = []
    for n in (8, 16):
        kw = {"step_sizes": [1.0 / n] * n} if tab.adaptive else {"n_substeps": n}
        Y, _, _ = solve(linear_field, Y0, t, name, **kw)
        errors.append(np.abs(Y - exact(Y0, t)).max())
    slope = np.log2(errors[0] / errors[1])
    assert slope == pytest.approx(tab.order, abs=0.15)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("per_row", [False, True])
def test_accuracy_on_the_observations(name, per_row):
    tab = SOLVERS[name]
    times = T_OBS
    if per_row:
        rng = np.random.default_rng(0)
        times = np.sort(rng.uniform(0.01, 5.0, size=(len(Y0), 40)), axis=1)
    if tab.adaptive:
        Y, rec, _ = solve(linear_field, Y0, times, name, rtol=1e-9, atol=1e-12, record=True)
        # the error control holds the global error near the tolerance (measured on both kinds
        # of grid: dopri5 5.7e-10, bosh3 3.6e-9)
        tol = {"dopri5": 1e-9, "bosh3": 7e-9}.get(name, 1e-8)
        kinds = {type(step.dense) for step in rec.steps} - {type(None)}
        assert kinds == {RowDense if per_row else GridDense}
    else:
        n_sub = {"euler": 2000, "rk4": 20}.get(name, 50)
        Y, _, n_eval = solve(linear_field, Y0, times, name, n_substeps=n_sub)
        assert n_eval == times.shape[-1] * n_sub * tab.n_stages
        # measured (shared grid / per-row times, whose intervals are longer): euler 1.5e-4 /
        # 3.6e-4, rk4 3.0e-11 / 3.9e-9
        tol = {"euler": 8e-4, "rk4": 8e-9}.get(name, 1e-6)
    np.testing.assert_allclose(Y, exact(Y0, times), rtol=0, atol=tol)


def _loss(field, name, y0, times, targets, **kw):
    Y, rec, _ = solve(field, y0, times, name, **kw)
    value, Ybar = loss_residual_grad(Y - targets, "l2")
    return value, Ybar, rec, Y


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("per_row", [False, True])
def test_backprop_gradient_matches_finite_differences(name, per_row):
    mlp = MLP((2, 8, 2))
    params = mlp.init_params(np.random.default_rng(1))
    times = T_OBS[:20]
    if per_row:
        times = np.sort(np.random.default_rng(2).uniform(0.01, 2.0, size=(len(Y0), 12)), axis=1)
    targets = np.full((times.shape[-1], *Y0.shape), 0.3)
    field = mlp.bind(params)
    _, Ybar, rec, _ = _loss(field, name, Y0, times, targets, record=True)
    grad, y0_grad = backprop_gradient(field, rec, Ybar, return_input_grad=True)
    # the differentiated function is the solve with the accepted steps held fixed
    replay = {"step_sizes": [step.h for step in rec.steps]} if SOLVERS[name].adaptive else {}
    eps = 1e-6
    rng = np.random.default_rng(3)
    for k in rng.choice(mlp.n_params, size=6, replace=False):
        d = np.zeros_like(params)
        d[k] = eps
        plus = _loss(mlp.bind(params + d), name, Y0, times, targets, **replay)[0]
        minus = _loss(mlp.bind(params - d), name, Y0, times, targets, **replay)[0]
        # measured differences ≤ 4e-9 against gradients of order 1
        assert grad[k] == pytest.approx((plus - minus) / (2 * eps), abs=1e-7)
    d = np.zeros_like(Y0)
    d[1, 0] = eps
    plus = _loss(field, name, Y0 + d, times, targets, **replay)[0]
    minus = _loss(field, name, Y0 - d, times, targets, **replay)[0]
    assert y0_grad[1, 0] == pytest.approx((plus - minus) / (2 * eps), abs=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_adjoint_agrees_with_backprop_at_tight_tolerances(name):
    mlp = MLP((2, 8, 2))
    field = mlp.bind(mlp.init_params(np.random.default_rng(4)))
    times = T_OBS[:10]
    targets = np.full((len(times), *Y0.shape), -0.2)
    tight = {"rtol": 1e-10, "atol": 1e-12, "n_substeps": 200}
    _, Ybar, rec, Y = _loss(field, name, Y0, times, targets, record=True, **tight)
    grad_bp = backprop_gradient(field, rec, Ybar)
    grad_adj, _ = adjoint_gradient(field, Y[-1], Ybar, times, rtol=1e-10, atol=1e-12)
    scale = np.abs(grad_bp).max()
    # both converge to the exact gradient; euler's O(h) forward error bounds the agreement
    tol = 2e-3 if name == "euler" else 1e-6
    np.testing.assert_allclose(grad_adj, grad_bp, rtol=0, atol=tol * scale)


def test_unknown_solver_names_the_choices():
    with pytest.raises(ValueError, match=r"solver='rk45' is not one of \['bosh3'"):
        solve(linear_field, Y0, T_OBS, "rk45")


def test_a_new_tableau_needs_no_new_engine_code():
    heun = ButcherTableau("heun", [[0.0, 0.0], [1.0, 0.0]], [0.5, 0.5], order=2)
    Y, _, n_eval = solve(linear_field, Y0, T_OBS, heun, n_substeps=50)
    assert n_eval == len(T_OBS) * 50 * 2
    np.testing.assert_allclose(Y, exact(Y0, T_OBS), rtol=0, atol=2e-5)


def test_malformed_tableaus_are_refused():
    with pytest.raises(ValueError, match="strictly lower triangular"):
        ButcherTableau("bad", [[1.0]], [1.0], order=1)
    with pytest.raises(ValueError, match="error_order"):
        ButcherTableau("bad", [[0.0]], [1.0], order=1, error=[0.0])
    with pytest.raises(ValueError, match="last row of A equal b"):
        ButcherTableau("bad", [[0.0, 0.0], [1.0, 0.0]], [0.5, 0.5], order=2, fsal=True)
