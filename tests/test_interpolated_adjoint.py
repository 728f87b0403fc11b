"""The interpolated adjoint: dense states, blocks, the on-demand path, fields and bad input.

Its gradient against finite differences and the exact flow (with both backward methods, on a
shared and a per-row time grid) is in ``test_gradients.py``, and for every activation against
the backsolve adjoint in ``test_activations.py``.
"""

import numpy as np
import pytest
from _numerics import rel_error

from sparseid.models import NeuralODE
from sparseid.ode import (
    MLP,
    SOLVERS,
    LinearPartField,
    adjoint_gradient,
    dense_states,
    interpolated_adjoint_gradient,
    loss_residual_grad,
    resolve_adjoint,
    segment_loss,
    solve,
)

RNG = np.random.default_rng(3)
MLP_ = MLP((2, 8, 2))
THETA = 1.5 * MLP_.init_params(RNG)
Y0 = RNG.normal(size=(5, 2))
T_GRID = np.linspace(0.0, 1.2, 13)[1:]
T_ROWS = np.sort(RNG.uniform(0.02, 1.2, size=(5, 12)), axis=1)
TARGETS = RNG.normal(size=(12, 5, 2))


def gradients(field, times, **options):
    Y, record, _ = solve(field, Y0, times, record="dense", rtol=1e-6, atol=1e-9)
    _, Ybar = loss_residual_grad(Y - TARGETS, "l2")
    options = {"rtol": 1e-6, "atol": 1e-9, "return_input_grad": True, **options}
    return interpolated_adjoint_gradient(field, record, Y, Ybar, times, **options)


@pytest.mark.parametrize("times", [T_GRID, T_ROWS], ids=["grid", "rows"])
def test_dense_states_reproduce_the_observations(times):
    field = MLP_.bind(THETA)
    Y, record, _ = solve(field, Y0, times, record="dense")
    assert all(step.caches is None for step in record.steps)  # no network caches kept
    Z = dense_states(record, times if times.ndim == 1 else times.T)
    np.testing.assert_allclose(Z, Y, rtol=0, atol=1e-15)
    # and at t = 0 the initial states
    start = np.zeros(1) if times.ndim == 1 else np.zeros((1, len(Y0)))
    np.testing.assert_allclose(dense_states(record, start)[0], Y0, rtol=0, atol=1e-15)


@pytest.mark.parametrize("times", [T_GRID, T_ROWS], ids=["grid", "rows"])
def test_block_size_changes_rounding_only(times):
    """One block for all intervals, or one per interval (the buffers' and blocks' joins)."""
    field = MLP_.bind(THETA)
    one = gradients(field, times)
    many = gradients(field, times, block_rows=1)
    for a, b in zip(one[::2], many[::2]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert many[1] > one[1]  # the observation points at the blocks' joins, evaluated twice


def test_long_intervals_take_steps_on_demand():
    """Intervals that need several steps leave the prefetched points: still accurate."""
    field = MLP_.bind(THETA)
    times = np.array([0.7, 1.5])  # long intervals: several steps each at rtol 1e-6
    Y, record, _ = solve(field, Y0, times, record="dense", rtol=1e-10, atol=1e-13)
    targets = TARGETS[:2]
    _, Ybar = loss_residual_grad(Y - targets, "l2")
    reference = adjoint_gradient(field, Y[-1], Ybar, times, rtol=1e-10, atol=1e-13)[0]
    grad, n_eval = interpolated_adjoint_gradient(
        field, record, Y, Ybar, times, rtol=1e-6, atol=1e-9, tableau=SOLVERS["bosh3"]
    )
    assert n_eval > 100  # many more evaluations than the 2 × 4 stages of whole steps
    assert rel_error(grad, reference) <= 1e-5  # measured 3.4e-7


def test_linear_part_field():
    """The interpolated adjoint through a field with a linear part (its own vjp_with)."""
    theta = np.concatenate([THETA, [0.1, 1.0, -1.0, -0.2]])
    field = LinearPartField(MLP_, theta)
    Y, _, _ = solve(field, Y0, T_GRID, rtol=1e-10, atol=1e-13)
    _, Ybar = loss_residual_grad(Y - TARGETS, "l2")
    options = {"rtol": 1e-10, "atol": 1e-13, "return_input_grad": True}
    reference = adjoint_gradient(field, Y[-1], Ybar, T_GRID, **options)
    grad, _, gy0 = gradients(field, T_GRID)
    assert grad.shape == theta.shape
    # measured 1.7e-7 and 9.2e-8 (the backward solve at rtol 1e-6)
    assert rel_error(grad, reference[0]) <= 1e-5
    assert rel_error(gy0, reference[2]) <= 1e-5


def test_segment_loss_auto_is_interpolated_after_an_adaptive_solver():
    field = MLP_.bind(THETA)
    kw = {"gradient": "adjoint", "loss": "l2"}
    auto = segment_loss(field, Y0, TARGETS, T_GRID, **kw)
    interpolated = segment_loss(field, Y0, TARGETS, T_GRID, adjoint="interpolated", **kw)
    backsolve = segment_loss(field, Y0, TARGETS, T_GRID, adjoint="backsolve", **kw)
    np.testing.assert_array_equal(auto[1], interpolated[1])
    assert rel_error(interpolated[1], backsolve[1]) <= 1e-3  # both at rtol 1e-3
    assert resolve_adjoint("auto", "rk4") == "backsolve"
    assert resolve_adjoint("auto", "bosh3") == "interpolated"


def test_bad_input():
    field = MLP_.bind(THETA)
    with pytest.raises(ValueError, match="adjoint='interpolated' needs an adaptive"):
        resolve_adjoint("interpolated", "rk4")
    with pytest.raises(ValueError, match="adjoint='interpolated' needs an adaptive"):
        segment_loss(
            field, Y0, TARGETS, T_GRID, solver="rk4", gradient="adjoint", adjoint="interpolated"
        )
    Y, record, _ = solve(field, Y0, T_GRID, "rk4", record=True)
    with pytest.raises(ValueError, match="record of an adaptive forward solve"):
        interpolated_adjoint_gradient(field, record, Y, Y, T_GRID)
    Y, record, _ = solve(field, Y0, T_GRID, record="dense")
    with pytest.raises(ValueError, match="adaptive and first same as last"):
        interpolated_adjoint_gradient(field, record, Y, Y, T_GRID, tableau=SOLVERS["rk4"])
    t = np.linspace(0, 1, 30)
    X = np.c_[np.cos(t), np.sin(t)]
    model = NeuralODE(
        solver="rk4", gradient="adjoint", adjoint="interpolated", max_iter=1, segment_length=5
    )
    with pytest.raises(ValueError, match="adjoint='interpolated' needs an adaptive"):
        model.fit(X, t=t)
    with pytest.raises(ValueError, match="adjoint"):
        NeuralODE(adjoint="checkpoint", max_iter=1, segment_length=5).fit(X, t=t)


def test_neural_ode_training_is_reproducible_and_auto_is_interpolated():
    t = np.linspace(0, 3, 120)
    X = np.c_[2 * np.exp(-0.1 * t) * np.cos(t), 2 * np.exp(-0.1 * t) * np.sin(t)]
    opts = {"gradient": "adjoint", "max_iter": 15, "batch_size": 20, "random_state": 0}
    first = NeuralODE(**opts).fit(X, t=t)
    again = NeuralODE(**opts).fit(X, t=t)
    explicit = NeuralODE(adjoint="interpolated", **opts).fit(X, t=t)
    backsolve = NeuralODE(adjoint="backsolve", **opts).fit(X, t=t)
    assert first.loss_curve_ == again.loss_curve_ == explicit.loss_curve_
    # the same training up to the two adjoints' differences (within the tolerances)
    np.testing.assert_allclose(first.loss_curve_, backsolve.loss_curve_, rtol=1e-3)
    assert first.n_function_evals_ < backsolve.n_function_evals_


@pytest.mark.parametrize("times", [T_GRID, T_ROWS], ids=["grid", "rows"])
@pytest.mark.parametrize("chunk", [8192, 1], ids=["one-chunk", "chunk-per-interval"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_step_matrices_equal_stagewise_products(times, chunk, dtype, monkeypatch):
    """The whole-interval steps as precomputed matrices change the gradient by rounding only."""
    import sparseid.ode._adjoint_blocks as module

    monkeypatch.setattr(module, "CHUNK_ENTRIES", chunk)
    sizes = [(MLP_, THETA), (MLP((2, 6, 5, 2)), 1.5 * MLP((2, 6, 5, 2)).init_params(RNG))]
    for mlp, theta in sizes:
        field = mlp.bind(theta.astype(dtype))
        Y, record, _ = solve(field, Y0.astype(dtype), times, record="dense")
        _, Ybar = loss_residual_grad(Y - TARGETS.astype(dtype), "l2")
        options = {"return_input_grad": True, "block_rows": 30}  # several blocks
        stagewise = interpolated_adjoint_gradient(field, record, Y, Ybar, times, **options)
        maps = interpolated_adjoint_gradient(
            field, record, Y, Ybar, times, linear_maps=True, **options
        )
        tol = 1e-12 if dtype == np.float64 else 1e-5
        assert stagewise[1] == maps[1]  # the same steps
        for a, b in zip(maps[::2], stagewise[::2]):
            assert rel_error(a, b) <= tol


@pytest.mark.parametrize(
    "times",
    [[0.7, 1.5, 1.6, 2.9], [0.1, 0.2, 1.4, 1.45, 1.5, 1.55]],
    ids=["long-first", "short-first"],
)
@pytest.mark.parametrize("shrink", [False, True], ids=["plain", "shrinking-steps"])
def test_step_matrices_fall_back_for_rejected_steps(times, shrink, monkeypatch):
    """Rejected whole steps (first or after accepted ones in the same chunk), intervals of
    several steps, and (``shrink``: step factors below 1) accepted whole steps followed by a
    shorter one: the stagewise path takes over with the same step-size control."""
    import sparseid.ode._engine as engine
    import sparseid.ode._interpolated_adjoint as module

    if shrink:
        factor = module.step_factor

        # below 1 for all but very accurate steps (those grow again, so the sweep ends); the
        # whole-interval steps and the stagewise steps (the engine's) follow the same rule
        def shrinking(r, e):
            return min(factor(r, e), 0.95) if r > 1e-3 else 2.0

        monkeypatch.setattr(module, "step_factor", shrinking)
        monkeypatch.setattr(engine, "step_factor", shrinking)
    times = np.array(times)
    theta = np.concatenate([THETA, [0.1, 1.0, -1.0, -0.2]])
    field = LinearPartField(MLP_, theta)
    Y, record, _ = solve(field, Y0, times, record="dense", rtol=1e-8, atol=1e-11)
    _, Ybar = loss_residual_grad(Y - TARGETS[: len(times)], "l2")
    options = {"rtol": 1e-6, "atol": 1e-9, "return_input_grad": True}
    stagewise = interpolated_adjoint_gradient(
        field, record, Y, Ybar, times, linear_maps=False, **options
    )
    maps = interpolated_adjoint_gradient(field, record, Y, Ybar, times, **options)
    assert maps[1] == stagewise[1] > 100  # many steps on demand
    for a, b in zip(maps[::2], stagewise[::2]):
        assert rel_error(a, b) <= 1e-12


def test_step_matrices_need_jacobians():
    class Field:  # the stagewise interface only
        def __init__(self, field):
            self.field, self.n_params = field, field.n_params

        def __call__(self, z, out=None):
            return self.field(z, out)

        def __getattr__(self, name):
            if name == "input_jacobians":
                raise AttributeError(name)
            return getattr(self.field, name)

    field = Field(MLP_.bind(THETA))
    Y, record, _ = solve(field, Y0, T_GRID, record="dense")
    _, Ybar = loss_residual_grad(Y - TARGETS, "l2")
    with pytest.raises(ValueError, match="input_jacobians"):
        interpolated_adjoint_gradient(field, record, Y, Ybar, T_GRID, linear_maps=True)
    plain = interpolated_adjoint_gradient(field, record, Y, Ybar, T_GRID)  # stagewise
    reference = interpolated_adjoint_gradient(MLP_.bind(THETA), record, Y, Ybar, T_GRID)
    assert rel_error(plain[0], reference[0]) <= 1e-12


@pytest.mark.parametrize("linear_maps", [False, True])
def test_non_finite_adjoint_is_reported(linear_maps):
    field = MLP_.bind(THETA)
    Y, record, _ = solve(field, Y0, T_GRID, record="dense")
    Ybar = np.zeros_like(Y)
    Ybar[5, 0, 0] = np.inf
    with pytest.raises(FloatingPointError, match="non-finite state in interval 5"):
        interpolated_adjoint_gradient(field, record, Y, Ybar, T_GRID, linear_maps=linear_maps)
