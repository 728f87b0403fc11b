"""Omega-limit sets, periods and bifurcation diagrams of the lecture's sigmoid map."""

import time

import numpy as np
import pandas as pd
import pytest

from sparseid.dynamics import bifurcation_diagram, omega_limit, orbit_period
from sparseid.systems import SigmoidMap

B = np.linspace(-0.5, 1.5, 2001)


def test_smooth_map_at_c_1_has_one_point_for_every_b():
    # f' = 0.8 - sech²(x)/2 lies in [0.3, 0.8]: a contraction, one attracting fixed point.
    points = omega_limit(SigmoidMap(a=0.8, c=1.0), 0.0, {"b": B}, 1000, 100)
    spread = points.max(axis=1) - points.min(axis=1)
    assert spread.max() < 1e-12  # measured 0 (converged to rounding)
    assert np.all(orbit_period(points) == 1)
    # ...and that point is the fixed point x = f(x).
    np.testing.assert_allclose(SigmoidMap(a=0.8, b=B, c=1.0)(points[:, -1]), points[:, -1])


@pytest.mark.parametrize("c", [1000.0, None], ids=["c=1000", "step"])
def test_steep_and_discontinuous_maps_have_orbits_of_periods_2_to_5(c):
    diagram = bifurcation_diagram(SigmoidMap(a=0.8, c=c), 0.0, {"b": B}, 1000, 200)
    periods = set(diagram.period.tolist())
    assert {1, 2, 3, 4, 5} <= periods
    # Outside (0, 1) the fixed point 5b (b ≤ 0) or 5(b − 1) (b ≥ 1) exists and attracts.
    outside = (B < -0.01) | (B > 1.01)
    assert np.all(diagram.period[outside] == 1)


def test_step_map_period_adding_between_neighbouring_windows():
    """Between windows of periods p and q a finer grid finds the window of period p + q."""
    f = SigmoidMap(a=0.8)
    coarse = bifurcation_diagram(f, 0.0, {"b": np.linspace(0.0, 0.5, 101)}, 500, 120)
    windows = coarse.windows()
    # Wide windows (at least 3 grid points) of small period, in order of b.
    wide = windows[(windows.period.between(2, 6)) & (windows.stop - windows.start >= 0.01)]
    pairs = list(zip(wide.itertuples(), wide.iloc[1:].itertuples()))
    assert len(pairs) >= 3
    checked = []
    for left, right in pairs:
        fine = bifurcation_diagram(
            f, 0.0, {"b": np.linspace(left.stop, right.start, 400)}, 500, 120
        )
        inside = fine.period[(fine.period != left.period) & (fine.period != right.period)]
        values, counts = np.unique(inside, return_counts=True)
        # The widest window in the gap is the one of period p + q.
        assert values[np.argmax(counts)] == left.period + right.period, (left, right, values)
        checked.append((left.period, right.period))
    # measured: (6, 5) → 11, (5, 4) → 9, (4, 3) → 7, (3, 5) → 8, (5, 2) → 7
    assert len(checked) >= 3


def test_smooth_c_5_has_a_period_doubling_but_no_period_3():
    diagram = bifurcation_diagram(SigmoidMap(a=0.8, c=5.0), 0.0, {"b": B}, 1000, 200)
    periods = set(diagram.period.tolist())
    assert 2 in periods and 3 not in periods


def test_tidy_frame_has_one_row_per_distinct_point():
    diagram = bifurcation_diagram(SigmoidMap(a=0.8), 0.0, {"b": [-0.1, 0.5, 0.3]}, 500, 50)
    frame = diagram.to_frame()
    assert list(frame.columns) == ["b", "x", "period"]
    assert frame.period.dtype == pd.Int64Dtype()
    counts = frame.groupby("b").size()
    assert counts.loc[-0.1] == 1 and counts.loc[0.5] == 2 and counts.loc[0.3] == 3
    np.testing.assert_allclose(sorted(frame[frame.b == 0.5].x), [-5 / 18, 5 / 18])


def test_orbit_period_tolerance_and_chaos():
    rng = np.random.default_rng(0)
    assert orbit_period(np.tile([0.1, 0.7, 0.3], 10)) == 3
    # A perturbation below tol is ignored, one above is not.
    assert orbit_period(np.tile([0.1, 0.7], 10) + 1e-8 * rng.standard_normal(20)) == 2
    assert orbit_period(np.tile([0.1, 0.7], 10) + 1e-4 * rng.standard_normal(20)) is None
    # The logistic map at r = 4 is chaotic: no period.
    x = [0.2]
    for _ in range(199):
        x.append(4 * x[-1] * (1 - x[-1]))
    assert orbit_period(x) is None
    # A non-finite orbit (escaped) has no period either.
    assert orbit_period([np.inf, np.inf, np.inf]) is None


def test_a_plain_callable_with_parameter_array_works():
    r = np.array([2.8, 3.2, 3.5, 3.83])
    points = omega_limit(lambda x, r: r * x * (1 - x), 0.3, r, 2000, 48)
    np.testing.assert_array_equal(orbit_period(points), [1, 2, 4, 3])


def test_ten_thousand_values_times_a_thousand_iterations_is_fast():
    grid = {"b": np.linspace(-0.5, 1.5, 10_000)}
    start = time.perf_counter()
    omega_limit(SigmoidMap(a=0.8, c=10.0), 0.0, grid, 1000, 100)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0  # measured 0.05-0.1 s


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: omega_limit(SigmoidMap(), 0.0, {"b": B}, -1, 10), ValueError, "n_transient"),
        (lambda: omega_limit(SigmoidMap(), 0.0, {"b": B}, 10, 0), ValueError, "n_keep"),
        (lambda: omega_limit(SigmoidMap(), 0.0, {"b": [[0.0]]}), ValueError, "1-D array"),
        (lambda: omega_limit(SigmoidMap(), 0.0, {"b": B, "a": B}), ValueError, "one parameter"),
        (lambda: omega_limit(lambda x, p: x, 0.0, {"b": B}), TypeError, "with_params"),
        (lambda: omega_limit(SigmoidMap(), 0.0, B), TypeError, "pass params as"),
        (lambda: omega_limit(SigmoidMap(), np.nan, {"b": B}), ValueError, "x0 must be finite"),
        (lambda: orbit_period(np.zeros(10), max_period=6), ValueError, "needs at least 12"),
        (lambda: orbit_period(np.zeros(10), tol=0), ValueError, "tol must be positive"),
    ],
)
def test_bad_input_raises(call, error, match):
    with pytest.raises(error, match=match):
        call()
