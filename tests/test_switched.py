"""The event-aware integrator of switched (Filippov) systems: crossings, sliding, guards."""

import numpy as np
import pandas as pd
import pytest

from sparseid.exceptions import SimulationError
from sparseid.switched import SwitchedSystem, SwitchedTrajectory


def relay():
    """dx/dt = -sign(x): reaches 0 at t = |x0| and slides there (α = 1/2, f_s = 0)."""
    return SwitchedSystem(lambda t, x, s: np.array([-float(s[0])]), lambda x: x, n_surfaces=1)


def slide_and_exit():
    """Above y = 0: (1, -1). Below: (1, 1 - x). Sliding on y = 0 while x < 1, then it leaves.

    From (0, 0.5): reaches y = 0 at t = 0.5, slides with dx/dt = 1 until x = 1 (α = 0 at
    t = 1), then leaves downwards along y = -(x - 1)²/2.
    """

    def field(t, x, s):
        return np.array([1.0, -1.0]) if s[0] > 0 else np.array([1.0, 1.0 - x[0]])

    return SwitchedSystem(field, lambda x: x[1:], lambda x: np.array([[0.0, 1.0]]))


def test_relay_slides_at_zero_and_stays():
    out = relay().simulate([1.0], np.linspace(0.0, 3.0, 7))
    expected = np.maximum(1.0 - out.t, 0.0)
    assert np.max(np.abs(out.x[:, 0] - expected)) < 1e-12  # measured 2e-16
    assert len(out.sliding) == 1 and out.crossings == []
    t0, t1, surface = out.sliding[0]
    assert abs(t0 - 1.0) < 1e-12 and t1 == 3.0 and surface == 0  # measured |t0 - 1| = 2e-16


def test_sliding_ends_where_alpha_leaves_the_unit_interval():
    t = np.array([0.0, 0.25, 0.75, 1.5, 2.0])
    out = slide_and_exit().simulate([0.0, 0.5], t)
    expected = np.array([[0.0, 0.5], [0.25, 0.25], [0.75, 0.0], [1.5, -0.125], [2.0, -0.5]])
    assert np.max(np.abs(out.x - expected)) < 1e-10  # measured 1.1e-15
    assert len(out.sliding) == 1 and out.crossings == []
    t0, t1, surface = out.sliding[0]
    assert abs(t0 - 0.5) < 1e-12 and abs(t1 - 1.0) < 1e-12  # measured 1e-16, 2e-16
    assert surface == 0


def test_finite_difference_gradient_gives_the_same_answer():
    exact = slide_and_exit()
    approximate = SwitchedSystem(exact.field, exact.switching)  # gradient by differences
    t = np.linspace(0.0, 2.0, 9)
    gap = np.abs(approximate.simulate([0.0, 0.5], t).x - exact.simulate([0.0, 0.5], t).x)
    assert gap.max() < 1e-8  # measured 6e-16 (h is linear, so differences are exact)


def test_start_on_a_surface_follows_the_flow():
    """x(0) = 0 on the relay's surface is a sliding start; a crossing start picks its side."""
    out = relay().simulate([0.0], [0.0, 1.0])
    assert out.sliding == [(0.0, 1.0, 0)] and out.x[-1, 0] == 0.0

    def field(t, x, s):  # both sides push up through y = 0
        return np.array([0.0, 1.0 if s[0] > 0 else 2.0])

    up = SwitchedSystem(field, lambda x: x[1:]).simulate([0.0, 0.0], [0.0, 1.0])
    assert up.crossings == [] and up.sliding == [] and abs(up.x[-1, 1] - 1.0) < 1e-13


def test_crossings_of_two_surfaces_are_recorded_in_order():
    """A unit-speed drift along (1, 2) crosses x = 1 at t = 1 and y = 3 at t = 1.5."""
    system = SwitchedSystem(
        lambda t, x, s: np.array([1.0, 2.0]), lambda x: np.array([x[0] - 1.0, x[1] - 3.0])
    )
    out = system.simulate([0.0, 0.0], [0.0, 2.0])
    times = [c[0] for c in out.crossings]
    assert np.max(np.abs(np.array(times) - [1.0, 1.5])) < 1e-12  # measured 2.2e-16
    assert [c[2] for c in out.crossings] == [0, 1]
    assert out.crossings[0][3:] == ((-1, -1), (1, -1))
    assert out.crossings[1][3:] == ((1, -1), (1, 1))
    frame = out.events_frame()
    assert list(frame["kind"]) == ["crossing", "crossing"] and list(frame["surface"]) == [0, 1]


def test_to_frame_is_indexed_by_time():
    out = relay().simulate([1.0], [0.0, 0.5, 2.0])
    frame = out.to_frame(["x"])
    assert isinstance(out, SwitchedTrajectory) and isinstance(frame, pd.DataFrame)
    assert frame.index.name == "t" and list(frame.columns) == ["x"]
    assert list(out.to_frame().columns) == ["x0"]


def twisting():
    """x″ = -2 sign(x) - sign(x′): the turning points shrink by 1/3 per half turn and reach the
    origin (the intersection of both surfaces) at a finite time with infinitely many switchings,
    a Zeno point."""

    def field(t, x, s):
        return np.array([x[1], -2.0 * s[0] - s[1]])

    return SwitchedSystem(field, lambda x: np.array(x))


def test_max_events_guard_stops_a_zeno_run():
    with pytest.raises(SimulationError, match="more than max_events = 100 events") as info:
        twisting().simulate([1.0, 0.0], np.linspace(0.0, 20.0, 201), max_events=100)
    # Half turns take (4/3) sqrt(2 A) from the turning point A, and A shrinks by 1/3 each time.
    zeno_time = (4 / 3) * np.sqrt(2) / (1 - 1 / np.sqrt(3))
    assert abs(info.value.t - zeno_time) < 1e-10  # measured 3.6e-12 (after 100 events)
    assert info.value.partial.shape == (45, 2) and np.all(np.isfinite(info.value.partial))


def test_a_switching_missed_at_the_zeno_point_is_reported():
    """At rounding level near the Zeno point the events are lost; the run must not go on."""
    with pytest.raises(SimulationError, match=r"a switching of surface \d was missed"):
        twisting().simulate([1.0, 0.0], np.linspace(0.0, 20.0, 201))


def test_sliding_goes_on_across_a_transversal_surface():
    """Sliding on y = 0 at speed 1 crosses x = 1 at t = 1, then goes on at speed 2."""

    def field(t, x, s):
        return np.array([1.0 if s[1] < 0 else 2.0, -float(s[0])])

    system = SwitchedSystem(field, lambda x: np.array([x[1], x[0] - 1.0]))
    out = system.simulate([0.0, 0.0], [0.0, 0.5, 2.0])
    assert np.max(np.abs(out.x - [[0.0, 0.0], [0.5, 0.0], [3.0, 0.0]])) < 1e-12  # measured 3.3e-16
    assert out.sliding == [(0.0, 2.0, 0)] and len(out.crossings) == 1
    t_cross, _, surface, before, after = out.crossings[0]
    assert abs(t_cross - 1.0) < 1e-12 and surface == 1  # measured 4.4e-16
    assert (before, after) == ((1, -1), (1, 1))


def test_sliding_on_an_intersection_is_refused():
    """Sliding on x = 0 runs into y = 0, where the sliding field slides too."""
    system = SwitchedSystem(lambda t, x, s: -np.array(s, dtype=float), lambda x: np.array(x))
    with pytest.raises(SimulationError, match="intersection of two surfaces is not handled"):
        system.simulate([0.5, 1.0], [0.0, 2.0])


@pytest.mark.parametrize(
    "x0, t, match",
    [
        ([np.nan], [0.0, 1.0], r"x0 must be finite: x0\[0\] = nan"),
        ([[1.0]], [0.0, 1.0], r"x0 must be a non-empty 1-D state, got shape \(1, 1\)"),
        ([1.0], [0.0], "t must be a finite 1-D array of at least 2 times"),
        ([1.0], [0.0, np.inf], "t must be a finite 1-D array"),
        ([1.0], [0.0, 1.0, 1.0], r"strictly increasing: t\[2\] = 1.0 is not greater"),
    ],
)
def test_bad_inputs_raise_clear_errors(x0, t, match):
    with pytest.raises(ValueError, match=match):
        relay().simulate(x0, t)


def test_bad_callables_and_surface_counts():
    with pytest.raises(TypeError, match="field must be callable"):
        SwitchedSystem(None, lambda x: x)
    with pytest.raises(TypeError, match="gradient must be callable"):
        SwitchedSystem(lambda t, x, s: x, lambda x: x, gradient=3)
    wrong = SwitchedSystem(lambda t, x, s: -x, lambda x: x, n_surfaces=2)
    with pytest.raises(ValueError, match=r"switching\(x0\) must return 2 value"):
        wrong.simulate([1.0], [0.0, 1.0])


def test_non_finite_field_raises_simulation_error():
    system = SwitchedSystem(lambda t, x, s: np.array([np.nan]), lambda x: x - 5.0)
    with pytest.raises(SimulationError, match=r"the field of region \(-1,\) is not finite"):
        system.simulate([1.0], [0.0, 1.0])
