"""Backpropagation through the solvers and the continuous adjoint against finite differences.

The loss is the mean squared error of a batch of segments (the L1 loss has kinks). The
backpropagated gradient is the exact gradient of the discrete solve with its step sizes held
fixed, so for the adaptive solver the finite differences replay the accepted steps; the adjoint
approximates the gradient of the exact flow, so its error is measured against finite
differences of a very accurate solve and must shrink with the tolerances.
"""

import numpy as np
import pytest
from _numerics import central_differences, rel_error

from sparseid.ode import (
    MLP,
    SOLVERS,
    adjoint_gradient,
    backprop_gradient,
    interpolated_adjoint_gradient,
    loss_residual_grad,
    segment_loss,
    solve,
)

RNG = np.random.default_rng(0)
MLP_ = MLP((2, 8, 2), "tanh")
THETA = MLP_.init_params(RNG)
for _w, _shape, _b in MLP_.slices:
    THETA[_b] = RNG.normal(scale=0.3, size=_b.stop - _b.start)
THETA *= 1.5  # a vector field with some curvature over the segment
Y0 = RNG.normal(size=(4, 2))
T_OBS = np.linspace(0.0, 1.0, 11)[1:]
T_ROWS = np.sort(RNG.uniform(0.02, 1.0, size=(4, 10)), axis=1)
TARGETS = RNG.normal(size=(10, 4, 2))


def solve_mlp(theta, times, solver, record=False, **kw):
    return solve(MLP_.bind(theta), Y0, times, solver, record=record, **kw)


def loss(theta, times, solver, **kw):
    Y = solve_mlp(theta, times, solver, **kw)[0]
    return loss_residual_grad(Y - TARGETS, "l2")[0]


EXACT = {}


def exact_gradient(times_key):
    """Finite differences of a very accurate solve: the gradient of the exact flow."""
    if times_key not in EXACT:
        times = T_OBS if times_key == "grid" else T_ROWS
        EXACT[times_key] = central_differences(
            lambda th: loss(th, times, "dopri5", rtol=1e-12, atol=1e-14), THETA, eps=1e-5
        )
    return EXACT[times_key]


@pytest.mark.parametrize("times_key", ["grid", "rows"])
@pytest.mark.parametrize(
    ("solver", "options"),
    [
        ("dopri5", {"rtol": 1e-3, "atol": 1e-6}),
        ("dopri5", {"rtol": 1e-7, "atol": 1e-9}),
        ("rk4", {"n_substeps": 1}),
        ("rk4", {"n_substeps": 3}),
        ("euler", {"n_substeps": 2}),
    ],
)
def test_backprop_matches_finite_differences(solver, options, times_key):
    times = T_OBS if times_key == "grid" else T_ROWS
    Y, rec, _ = solve_mlp(THETA, times, solver, record=True, **options)
    _, Ybar = loss_residual_grad(Y - TARGETS, "l2")
    grad = backprop_gradient(MLP_.bind(THETA), rec, Ybar)
    if solver == "dopri5":
        # the function backprop differentiates: the same solve with the steps held fixed
        steps = [s[0] for s in rec.steps]
        options = {**options, "step_sizes": steps}
    fd = central_differences(lambda th: loss(th, times, solver, **options), THETA)
    assert rel_error(grad, fd) <= 2e-9  # measured 6.0e-10 to 9.1e-10 (the differences' error)


def test_backprop_input_gradient():
    Y, rec, _ = solve_mlp(THETA, T_OBS, "rk4", record=True)
    _, Ybar = loss_residual_grad(Y - TARGETS, "l2")
    _, gy0 = backprop_gradient(MLP_.bind(THETA), rec, Ybar, return_input_grad=True)
    fd = np.zeros_like(Y0)
    eps = 1e-6
    for idx in np.ndindex(Y0.shape):
        e = np.zeros_like(Y0)
        e[idx] = eps
        f = MLP_.bind(THETA)
        lp = loss_residual_grad(solve(f, Y0 + e, T_OBS, "rk4")[0] - TARGETS, "l2")[0]
        lm = loss_residual_grad(solve(f, Y0 - e, T_OBS, "rk4")[0] - TARGETS, "l2")[0]
        fd[idx] = (lp - lm) / (2 * eps)
    assert rel_error(gy0, fd) <= 2e-9  # measured 8.5e-10


def test_backprop_at_tight_tolerance_approaches_the_exact_gradient():
    Y, rec, _ = solve_mlp(THETA, T_OBS, "dopri5", record=True, rtol=1e-10, atol=1e-12)
    _, Ybar = loss_residual_grad(Y - TARGETS, "l2")
    grad = backprop_gradient(MLP_.bind(THETA), rec, Ybar)
    assert rel_error(grad, exact_gradient("grid")) <= 6e-10  # measured 2.1e-10


def adjoint(method, field, times, Y, record, Ybar, **options):
    """The backsolve adjoint, or the interpolated one with its backward tableau."""
    if method == "backsolve":
        return adjoint_gradient(field, Y[-1], Ybar, times, **options)
    tableau = SOLVERS[method.split("-")[1]]
    return interpolated_adjoint_gradient(field, record, Y, Ybar, times, tableau=tableau, **options)


@pytest.mark.parametrize("times_key", ["grid", "rows"])
@pytest.mark.parametrize("method", ["backsolve", "interpolated-bosh3", "interpolated-dopri5"])
def test_adjoint_error_shrinks_with_tolerance(times_key, method):
    times = T_OBS if times_key == "grid" else T_ROWS
    reference = exact_gradient(times_key)
    errors = []
    for rtol in (1e-3, 1e-6, 1e-10):
        atol = rtol * 1e-3
        field = MLP_.bind(THETA)
        Y, record, _ = solve(field, Y0, times, rtol=rtol, atol=atol, record="dense")
        _, Ybar = loss_residual_grad(Y - TARGETS, "l2")
        grad, n_eval = adjoint(method, field, times, Y, record, Ybar, rtol=rtol, atol=atol)
        errors.append(rel_error(grad, reference))
        assert n_eval > 0
    assert errors[0] > errors[1] > errors[2]
    # measured: backsolve 2.1e-4, 8.2e-8, 2.1e-10 (grid); 2.3e-4, 3.1e-7, 2.2e-10 (rows);
    # interpolated-bosh3 1.4e-4, 8.2e-8, 2.1e-10 (grid); 1.4e-4, 3.1e-7, 2.3e-10 (rows);
    # interpolated-dopri5 1.6e-4, 1.0e-7, 2.1e-10 (grid); 2.1e-4, 2.2e-7, 2.2e-10 (rows)
    assert errors[2] <= 6e-10


@pytest.mark.parametrize("method", ["backsolve", "interpolated-bosh3"])
def test_adjoint_input_gradient(method):
    """∂L/∂y0 of both adjoints (multiple shooting's free states) against finite differences."""
    field = MLP_.bind(THETA)
    options = {"rtol": 1e-10, "atol": 1e-13}

    def value(y0):
        return loss_residual_grad(solve(field, y0, T_ROWS, **options)[0] - TARGETS, "l2")[0]

    Y, record, _ = solve(field, Y0, T_ROWS, record="dense", **options)
    _, Ybar = loss_residual_grad(Y - TARGETS, "l2")
    _, _, gy0 = adjoint(method, field, T_ROWS, Y, record, Ybar, return_input_grad=True, **options)
    fd = np.zeros_like(Y0)
    for idx in np.ndindex(Y0.shape):
        e = np.zeros_like(Y0)
        e[idx] = 1e-6
        fd[idx] = (value(Y0 + e) - value(Y0 - e)) / 2e-6
    assert rel_error(gy0, fd) <= 5e-9  # measured 9.6e-10 and 9.7e-10 (the differences' error)


@pytest.mark.parametrize("gradient", ["backprop", "adjoint"])
@pytest.mark.parametrize("solver", ["dopri5", "rk4"])
def test_segment_loss_gradients_agree(gradient, solver):
    field = MLP_.bind(THETA)
    kw = {"rtol": 1e-9, "atol": 1e-12, "n_substeps": 20, "loss": "l2"}
    value, grad, n_eval = segment_loss(
        field, Y0, TARGETS, T_OBS, solver=solver, gradient=gradient, **kw
    )
    # measured: values within 7.8e-11 (RK4, 20 substeps), gradients 2.1e-10 to 4.5e-10
    assert value == pytest.approx(loss(THETA, T_OBS, "dopri5", rtol=1e-9, atol=1e-12), 3e-10)
    assert rel_error(grad, exact_gradient("grid")) <= 1.2e-9
    assert n_eval > 0


def test_l1_loss_and_gradient():
    r = np.array([[-2.0, 0.5], [1.0, -0.25]])
    value, g = loss_residual_grad(r, "l1")
    assert value == pytest.approx(3.75 / 4)
    np.testing.assert_array_equal(g, np.sign(r) / 4)


def test_torchdiffeq_cross_check():
    """Optional: torchdiffeq's autograd gradient through its dopri5 against ours, directly.

    Both solvers run at rtol=1e-10, atol=1e-12 with their own step sequences; our backprop
    and adjoint gradients each agree with torch's to the accuracy of the solves (measured
    relative differences 1.8e-10 and 1.5e-10, and 3.9e-11 between the loss values).
    """
    torch = pytest.importorskip("torch")
    torchdiffeq = pytest.importorskip("torchdiffeq")
    rtol, atol = 1e-10, 1e-12
    (W1, b1), (W2, b2) = MLP_.unpack(THETA)
    params = [torch.tensor(a, requires_grad=True) for a in (W1, b1, W2, b2)]

    def f(_t, y):
        return torch.tanh(y @ params[0].T + params[1]) @ params[2].T + params[3]

    t = torch.tensor(np.concatenate([[0.0], T_OBS]))
    pred = torchdiffeq.odeint(f, torch.tensor(Y0), t, rtol=rtol, atol=atol, method="dopri5")
    value = torch.mean((pred[1:] - torch.tensor(TARGETS)) ** 2)
    value.backward()
    theirs = np.concatenate([p.grad.numpy().ravel() for p in params])

    field = MLP_.bind(THETA)
    Y, rec, _ = solve(field, Y0, T_OBS, rtol=rtol, atol=atol, record=True)
    ours_value, Ybar = loss_residual_grad(Y - TARGETS, "l2")
    backprop = backprop_gradient(field, rec, Ybar)
    adjoint, _ = adjoint_gradient(field, Y[-1], Ybar, T_OBS, rtol=rtol, atol=atol)
    assert ours_value == pytest.approx(value.item(), rel=1e-10)  # measured 3.9e-11
    assert rel_error(backprop, theirs) <= 4e-10  # measured 1.8e-10
    assert rel_error(adjoint, theirs) <= 3e-10  # measured 1.5e-10


@pytest.mark.parametrize("times_key", ["grid", "rows"])
@pytest.mark.parametrize(
    ("solver", "gradient"),
    [(s, g) for s in ("dopri5", "rk4") for g in ("backprop", "adjoint")]
    + [("dopri5", "interpolated")],
)
def test_float32_gradients_match_float64(solver, gradient, times_key):
    """A float32 solve and gradient stay float32 and agree with float64 to float32 accuracy."""
    times = T_OBS if times_key == "grid" else T_ROWS
    results = {}
    for dtype in ("float64", "float32"):
        field = MLP_.bind(THETA.astype(dtype))
        y0, targets = Y0.astype(dtype), TARGETS.astype(dtype)
        Y, rec, _ = solve(field, y0, times, solver, record=gradient == "backprop")
        _, Ybar = loss_residual_grad(Y - targets, "l2")
        if gradient == "backprop":
            grad, gy0 = backprop_gradient(field, rec, Ybar, return_input_grad=True)
            assert all(step.K.dtype == dtype for step in rec.steps)
        elif gradient == "adjoint":
            grad, _, gy0 = adjoint_gradient(field, Y[-1], Ybar, times, return_input_grad=True)
        else:
            Y, rec, _ = solve(field, y0, times, solver, record="dense")
            _, Ybar = loss_residual_grad(Y - targets, "l2")
            grad, _, gy0 = interpolated_adjoint_gradient(
                field, rec, Y, Ybar, times, return_input_grad=True
            )
        assert Y.dtype == grad.dtype == gy0.dtype == dtype
        results[dtype] = Y, grad, gy0
    for low, high in zip(results["float32"], results["float64"]):
        # measured 1.1e-7 to 1.5e-7 with rk4 (float32 roundings); 1.5e-6 to 1.2e-5 with
        # dopri5, whose error estimate is a cancelling sum: its float32 rounding moves the
        # accepted steps, and the solution moves by a fraction of the local error
        assert rel_error(low, high) <= (1e-4 if solver == "dopri5" else 1e-6)


def test_integer_states_are_solved_in_float64():
    field = MLP_.bind(THETA)
    Y, rec, _ = solve(field, np.ones((4, 2), dtype=int), T_OBS, record=True)
    expected = solve(field, np.ones((4, 2)), T_OBS)[0]
    assert Y.dtype == np.float64
    np.testing.assert_array_equal(Y, expected)
    assert backprop_gradient(field, rec, Y).dtype == np.float64
