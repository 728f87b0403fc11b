"""The lecture's non-smooth flows, against piecewise-analytic solutions."""

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.optimize import brentq

from sparseid.systems import CoulombFriction, PiecewiseLinearFlow, ReluFlow, SeparatingFlow


# --- a piecewise-analytic reference for piecewise-affine fields -------------------------------
def affine_flow(M, q, x0, t):
    """Exact solution of dx/dt = M x + q (M invertible) after a time t."""
    shift = np.linalg.solve(M, q)
    return expm(M * t) @ (x0 + shift) - shift


def affine_grid(M, q, x0, t):
    """The same at many times t, shape (len(t), d), through the eigenvectors of M."""
    shift = np.linalg.solve(M, q)
    eigenvalues, V = np.linalg.eig(M)
    weights = V * np.linalg.solve(V, (x0 + shift).astype(complex))
    return (np.exp(np.outer(t, eigenvalues)) @ weights.T).real - shift


def piecewise_affine_solution(piece, G, g, x0, times, scan=0.01):
    """States at ``times`` and crossings ``(time, surface)`` of dx/dt = M(s) x + q(s).

    The regions are the sign patterns of G x + g (+1 where >= 0); ``piece(signs) -> (M, q)``.
    Each crossing time is the first sign change of a surface on a grid of step ``scan``,
    refined by Brent's method (on the matrix exponential) to 1e-15.
    """
    x0 = np.asarray(x0, dtype=float)
    signs = np.where(G @ x0 + g >= 0, 1, -1)
    t0, out, crossings = 0.0, [], []
    remaining = list(times)
    while remaining:
        M, q = piece(tuple(signs))
        grid = np.arange(scan, remaining[-1] - t0 + scan, scan)
        wrong = (affine_grid(M, q, x0, grid) @ G.T + g) * signs < 0
        hit = None
        if wrong.any():
            k = int(np.flatnonzero(wrong.any(axis=1))[0])
            hit = min(
                (
                    brentq(
                        lambda s, j=j, M=M, q=q, x0=x0: G[j] @ affine_flow(M, q, x0, s) + g[j],
                        grid[k] - scan,
                        grid[k],
                        xtol=1e-15,
                        rtol=1e-15,
                    ),
                    j,
                )
                for j in np.flatnonzero(wrong[k])
            )
        end = np.inf if hit is None else t0 + hit[0]
        while remaining and remaining[0] <= end:
            out.append(affine_flow(M, q, x0, remaining.pop(0) - t0))
        if hit is None:
            break
        x0, t0 = affine_flow(M, q, x0, hit[0]), end
        crossings.append((end, int(hit[1])))
        signs[hit[1]] = -signs[hit[1]]
    return np.array(out), crossings


def normal_form_piece(flow):
    return lambda s: (flow.A2 if s[0] > 0 else flow.A1, flow.mu * flow.b)


def half_return(A, b, y):
    """From (0, y) on the line x = 0, the time and ordinate of the next return to x = 0."""
    x0 = np.array([0.0, y])
    t = np.arange(1e-3, 20.0, 1e-2)
    shift = np.linalg.solve(A, b)
    eigenvalues, V = np.linalg.eig(A)  # the grid through eigenvectors; brentq through expm
    weights = V[0] * np.linalg.solve(V, (x0 + shift).astype(complex))
    values = (np.exp(np.outer(t, eigenvalues)) @ weights).real - shift[0]
    k = int(np.flatnonzero(values[:-1] * values[1:] <= 0)[0])
    hit = brentq(lambda s: affine_flow(A, b, x0, s)[0], t[k], t[k + 1], xtol=1e-15, rtol=1e-15)
    return hit, affine_flow(A, b, x0, hit)[1]


def limit_cycle(flow):
    """Period and crossing ordinates (y_up > 0, y_down < 0) of the 2-D normal form's cycle."""

    def period_and_return(y):
        t_right, y_down = half_return(flow.A2, flow.mu * flow.b, y)
        t_left, y_up = half_return(flow.A1, flow.mu * flow.b, y_down)
        return t_right + t_left, y_up, y_down

    y_up = brentq(lambda y: period_and_return(y)[1] - y, 0.5, 20.0, xtol=1e-14)
    period, _, y_down = period_and_return(y_up)
    return period, y_up, y_down


# --- the 2-D normal form ---------------------------------------------------------------------
def test_normal_form_converges_to_its_stable_focus_for_negative_mu():
    flow = PiecewiseLinearFlow.limit_cycle_2d(-1.0)
    (left, admissible), (_, virtual) = flow.equilibria()
    assert admissible and not virtual and np.allclose(left, [-1.0, -1.0])
    for x0 in ([3.0, 2.0], [-4.0, 5.0], [0.5, -3.0]):
        out = flow.simulate(x0, [0.0, 80.0])
        assert np.max(np.abs(out.x[-1] - left)) < 1e-11  # measured 4.4e-13


def test_normal_form_limit_cycle_matches_the_piecewise_analytic_cycle():
    flow = PiecewiseLinearFlow.limit_cycle_2d(1.0)
    period, y_up, y_down = limit_cycle(flow)  # 5.048113, 6.854223, -35.362225
    on_cycle = flow.simulate([0.0, y_up], [0.0, 2.5 * period])
    ups = [c for c in on_cycle.crossings if c[4] == (1,)]
    downs = [c for c in on_cycle.crossings if c[4] == (-1,)]
    assert len(ups) == 2 and len(downs) == 3
    assert abs(ups[1][0] - ups[0][0] - period) < 1e-6  # measured 2e-12
    assert max(abs(c[1][1] - y_up) for c in ups) < 1e-6  # measured 1.6e-11
    assert max(abs(c[1][1] - y_down) for c in downs) < 1e-6  # measured 5.7e-11
    # ... and it attracts: the return map contracts by about 0.79 per turn
    attracted = flow.simulate([0.5, 0.0], [0.0, 400.0])
    ups = [c for c in attracted.crossings if c[4] == (1,)]
    assert abs(ups[-1][1][1] - y_up) < 1e-6  # measured 7.0e-8
    assert abs(ups[-1][0] - ups[-2][0] - period) < 1e-6  # measured 1.6e-9


def test_normal_form_trajectory_matches_the_analytic_solution_across_the_line():
    flow = PiecewiseLinearFlow.limit_cycle_2d(1.0)
    t = np.linspace(0.0, 12.0, 121)
    exact, crossings = piecewise_affine_solution(
        normal_form_piece(flow), flow.c[None, :], np.zeros(1), [0.5, 0.3], t
    )
    out = flow.simulate([0.5, 0.3], t)
    assert len(crossings) == len(out.crossings) == 5
    assert np.max(np.abs(out.x - exact)) < 1e-8  # measured 7.2e-11 (|x| up to 35)
    assert max(abs(flow.c @ c[1]) for c in out.crossings) < 1e-12  # measured 1e-14
    # Each crossing is located to rounding on the dense output, so its time is as accurate as
    # the trajectory: 2.1e-12 at the default tolerances, 1.7e-13 at 1e-13.
    tight = flow.simulate([0.5, 0.3], t, rtol=1e-13, atol=1e-13)
    times = np.array([c[0] for c in tight.crossings])
    assert np.max(np.abs(times - [c[0] for c in crossings])) < 1e-12  # measured 1.7e-13


# --- the 3-D normal form ---------------------------------------------------------------------
def test_chaos_3d_settles_for_negative_mu_and_stays_bounded_and_irregular_for_positive_mu():
    settled = PiecewiseLinearFlow.chaos_3d(-1.0)
    point, admissible = settled.equilibria()[0]
    assert admissible and np.allclose(point, [-100 / 9, -80 / 9, -57 / 9])
    end = settled.simulate([0.01, 0.01, 0.01], [0.0, 300.0]).x[-1]
    assert np.max(np.abs(end - point)) < 1e-11  # measured 1.3e-13
    flow = PiecewiseLinearFlow.chaos_3d(1.0)
    t = np.linspace(0.0, 1000.0, 2001)
    a = flow.simulate([0.01, 0.01, 0.01], t)
    b = flow.simulate([0.01 + 1e-9, 0.01, 0.01], t)
    assert np.max(np.abs(a.x)) < 100.0  # measured 84.9
    assert np.ptp(a.x[1000:, 0]) > 50.0 and len(a.crossings) > 150  # measured 86.5, 205
    # sensitive dependence: 1e-9 grows to the attractor's size (largest exponent ≈ 0.03)
    assert np.max(np.abs(a.x[1000:] - b.x[1000:])) > 10.0  # measured 83


# --- Coulomb friction --------------------------------------------------------------------------
def test_coulomb_friction_loses_two_per_half_turn_and_sticks_where_predicted():
    """From rest at 7.5: turning points 7.5 → -5.5 → 3.5 → -1.5 → -0.5, one every π, then the
    mass sticks at x = -0.5 (inside |x| <= 1): the half turn from -1.5 is a rotation about -1."""
    t = np.linspace(0.0, 20.0, 401)
    out = CoulombFriction().simulate([7.5, 0.0], t, rtol=1e-13, atol=1e-13)
    turning = [c[1][0] for c in out.crossings]
    assert np.max(np.abs(np.array(turning) - [-5.5, 3.5, -1.5])) < 1e-8  # measured 5.4e-13
    assert np.allclose(-np.diff(np.abs([7.5, *turning])), 2.0, atol=1e-8, rtol=0)
    times = np.array([c[0] for c in out.crossings])
    assert np.max(np.abs(times - np.pi * np.arange(1, 4))) < 1e-12  # measured 8.9e-14
    assert [c[3:] for c in out.crossings] == [((-1,), (1,)), ((1,), (-1,)), ((-1,), (1,))]
    assert len(out.sliding) == 1
    start, end, surface = out.sliding[0]
    assert abs(start - 4 * np.pi) < 1e-12 and end == 20.0 and surface == 0  # measured 1.9e-13
    # the exact motion: rotations about x = +1 (v < 0) and x = -1 (v > 0), then rest
    starts, centres = np.pi * np.arange(4), [1.0, -1.0, 1.0, -1.0]
    exact = np.full((t.size, 2), [-0.5, 0.0])
    for k, (x_k, c) in enumerate(zip([7.5, -5.5, 3.5, -1.5], centres)):
        mask = (t >= starts[k]) & (t <= starts[k] + np.pi)
        phase = t[mask] - starts[k]
        exact[mask] = np.column_stack([c + (x_k - c) * np.cos(phase), -(x_k - c) * np.sin(phase)])
    assert np.max(np.abs(out.x - exact)) < 1e-8  # measured 1.4e-12


# --- ReLU flow and the separating flow ---------------------------------------------------------
def relu_example():
    return ReluFlow([[-0.6, -1.0], [1.0, -0.6]], [0.2, 0.1], [[1.0, 0.5], [-0.3, 1.0]], [0.1, -0.2])


def test_relu_flow_crosses_both_surfaces_as_the_analytic_solution():
    flow = relu_example()

    def piece(s):
        active = np.array(s) > 0
        return flow.A1 + active[:, None] * flow.A2, flow.b1 + active * flow.b2

    t = np.linspace(0.0, 10.0, 101)
    exact, crossings = piecewise_affine_solution(piece, flow.A2, flow.b2, [2.0, -1.0], t)
    out = flow.simulate([2.0, -1.0], t, rtol=1e-13, atol=1e-13)
    assert [c[2] for c in out.crossings] == [j for _, j in crossings] == [1, 0, 1, 0]
    assert out.sliding == []
    times = np.array([c[0] for c in out.crossings])
    assert np.max(np.abs(times - [c[0] for c in crossings])) < 1e-12  # measured 2.5e-13
    assert np.max(np.abs(out.x - exact)) < 1e-10  # measured 3.7e-12


def test_separating_flow_never_crosses_the_unit_circle():
    flow = SeparatingFlow()
    inside = flow.simulate([0.6, -0.6], [0.0, 40.0])
    outside = flow.simulate([0.8, 0.8], [0.0, 40.0])
    on_circle = flow.simulate([0.0, 1.0], [0.0, 40.0])  # repelling surface: the h >= 0 side
    assert np.max(np.abs(inside.x[-1])) < 1e-14  # measured 5.8e-16
    assert np.max(np.abs(outside.x[-1] - [2.0, 0.0])) < 1e-11  # measured 1.6e-13
    assert np.max(np.abs(on_circle.x[-1] - [2.0, 0.0])) < 1e-11  # measured 3.9e-15
    assert inside.crossings == outside.crossings == on_circle.crossings == []


@pytest.mark.parametrize(
    "system, x",
    [
        (relu_example(), [0.3, -0.7]),
        (PiecewiseLinearFlow.chaos_3d(1.0), [0.2, -0.4, 0.3]),
        (PiecewiseLinearFlow.chaos_3d(1.0), [-0.2, -0.4, 0.3]),
        (SeparatingFlow(), [1.2, -0.7]),
        (SeparatingFlow(), [-0.2, 0.5]),
        (CoulombFriction(), [0.4, -0.7]),
    ],
    ids=["relu", "pwl-right", "pwl-left", "separating-out", "separating-in", "coulomb"],
)
def test_jacobian_matches_finite_differences_and_rhs_is_vectorised(system, x):
    x = np.array(x)
    step = 1e-6
    columns = [
        (system.rhs(0.0, x + step * e) - system.rhs(0.0, x - step * e)) / (2 * step)
        for e in np.eye(x.size)
    ]
    assert np.max(np.abs(system.jacobian(0.0, x) - np.column_stack(columns))) < 1e-7
    rows = np.array([x, 2 * x, -x])
    assert np.allclose(system.rhs(0.0, rows), [system.rhs(0.0, row) for row in rows])


def test_simulate_returns_named_frames():
    frame = CoulombFriction().simulate([2.0, 0.0], [0.0, 1.0, 2.0]).to_frame()
    assert list(frame.columns) == ["x", "v"] and frame.index.name == "t"


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: ReluFlow([[1.0, 0.0]], [0.0], [[1.0]], [0.0]), "A1 must be a square matrix"),
        (lambda: ReluFlow(np.eye(2), [0.0], np.eye(2), [0.0, 0.0]), r"b1 must have shape \(2,\)"),
        (lambda: ReluFlow(np.eye(2), [0, 0], [[np.nan, 0], [0, 1]], [0, 0]), "A2 must be finite"),
        (
            lambda: PiecewiseLinearFlow(np.eye(2), np.eye(2), [0, 1], [0, 0], 1.0),
            "c must be nonzero",
        ),
        (lambda: PiecewiseLinearFlow(np.eye(2), np.eye(3), [0, 1], [1, 0]), r"A2 must have shape"),
        (lambda: PiecewiseLinearFlow.limit_cycle_2d(np.nan), "mu must be finite"),
        (lambda: SeparatingFlow(1.0), "r_star must be a finite number > 1"),
        (lambda: CoulombFriction(-1.0), "friction must be finite and non-negative"),
        (lambda: CoulombFriction().rhs(0.0, [1.0, 2.0, 3.0]), r"x must have shape \(2,\)"),
        (lambda: CoulombFriction().simulate([[1.0, 2.0]], [0, 1]), "x0 must be one state"),
        (lambda: CoulombFriction().simulate([np.nan, 0.0], [0, 1]), "x0 must be finite"),
    ],
)
def test_bad_parameters_and_inputs_raise_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()
