"""Integration with blow-up detection, independent of any model."""

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import expm

from sparseid.exceptions import SimulationError
from sparseid.models._simulate import (
    Box,
    control_function,
    initial_state,
    integrate,
    iterate_map,
    n_steps,
    output_index,
    output_times,
)


def test_integrate_linear_decay_matches_exact_solution():
    t = np.linspace(0, 2, 21)
    for method in ("LSODA", "DOP853", "RK45", "BDF"):
        x = integrate(
            lambda s, x: -2.0 * x, np.array([3.0]), t, method=method, rtol=1e-10, atol=1e-12
        )
        # measured relative errors: 5.4e-10, 1.1e-10, 8.8e-11, 4.6e-9 (BDF)
        np.testing.assert_allclose(x[:, 0], 3.0 * np.exp(-2.0 * t), rtol=1e-8)


def test_blow_up_is_detected_with_time_variable_and_partial():
    box = Box([0.0], [1.0], ["q"], factor=100.0)
    t = np.linspace(0, 2, 201)
    with pytest.raises(SimulationError, match=r"blew up at t = 0\.98.*q = ") as info:
        integrate(lambda s, x: x**2, np.array([1.0]), t, box=box)
    err = info.value
    assert err.variable == "q" and 0.97 < err.t < 0.99
    assert len(err.partial) == np.count_nonzero(t < err.t)
    # measured 1.6e-9 (relative)
    np.testing.assert_allclose(err.partial[:, 0], 1 / (1 - t[: len(err.partial)]), rtol=4e-9)


def test_solver_failure_is_a_simulation_error_not_garbage():
    t = np.linspace(0, 2, 11)
    with pytest.raises(SimulationError, match="failed at t") as info:
        integrate(lambda s, x: x**2, np.array([1.0]), t)  # no box: the solver itself gives up
    assert np.all(np.isfinite(info.value.partial))
    assert len(info.value.partial) <= 5


def test_iterate_map_and_its_blow_up():
    np.testing.assert_array_equal(iterate_map(lambda x: x + 1, np.array([0.0]), 3)[:, 0], [0, 1, 2])
    box = Box([0.0], [1.0], ["x"], factor=10.0)
    with pytest.raises(SimulationError, match="step 2") as info:
        iterate_map(lambda x: 3 * x, np.array([1.0]), 20, box=box)
    assert len(info.value.partial) == 2


def test_initial_state_by_name_and_errors():
    np.testing.assert_array_equal(initial_state({"b": 2, "a": 1}, ["a", "b"]), [1.0, 2.0])
    np.testing.assert_array_equal(initial_state(pd.Series({"b": 2, "a": 1}), ["a", "b"]), [1, 2])
    with pytest.raises(ValueError, match=r"lacks the variables \['b'\]"):
        initial_state({"a": 1}, ["a", "b"])
    with pytest.raises(ValueError, match="must be finite"):
        initial_state([np.nan, 1.0], ["a", "b"])
    with pytest.raises(TypeError, match="must hold numbers"):
        initial_state(["p", "q"], ["a", "b"])


def test_output_times_and_controls():
    with pytest.raises(ValueError, match="at least two times"):
        output_times([0.0])
    times = np.array([0.0, 1.0, 2.0])
    u = control_function(np.array([0.0, 10.0, 20.0]), times, 1)
    np.testing.assert_allclose(u(1.5), [15.0])
    with pytest.raises(ValueError, match=r"shape \(3, 1\)"):
        control_function(np.zeros(4), times, 1)
    bad = control_function(lambda s: [1.0, 2.0], times, 1)
    with pytest.raises(ValueError, match="must return 1 values"):
        bad(0.0)


def test_output_times_of_clock_times_are_seconds_from_the_first():
    stamps = pd.date_range("2026-01-01", periods=3, freq="2s")
    for t in (stamps, stamps.to_numpy(), pd.Series(stamps), stamps - stamps[0] + pd.Timedelta(1)):
        np.testing.assert_allclose(output_times(t), [0.0, 2.0, 4.0])


def test_output_index_keeps_the_index_passed():
    stamps = pd.date_range("2026-01-01", periods=3, freq="2s", name="when")
    times = output_times(stamps)
    assert output_index(stamps, times) is stamps
    assert output_index(stamps.rename(None), times).equals(stamps)
    assert output_index(stamps.rename(None), times).name == "t"
    assert isinstance(output_index(stamps.to_numpy(), times), pd.DatetimeIndex)
    assert output_index(pd.Series(stamps, name="s"), times).name == "s"
    plain = output_index([0.0, 0.5], np.array([0.0, 0.5]))
    assert plain.equals(pd.Index([0.0, 0.5])) and plain.name == "t"


def test_initial_state_from_a_one_row_dataframe():
    frame = pd.DataFrame({"b": [2.0], "a": [1.0]})
    np.testing.assert_array_equal(initial_state(frame, ["a", "b"]), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"lacks the variables \['c'\]"):
        initial_state(frame, ["a", "c"])
    with pytest.raises(ValueError, match="exactly one row"):
        initial_state(pd.concat([frame, frame]), ["a", "b"])


# --- solver paths: the Jacobian, failures, non-finite states ----------------------------------
STIFF = np.array([[-1000.0, 1.0], [0.0, -0.5]])


@pytest.mark.parametrize(
    ("method", "max_error"),
    # measured errors against the exact solution: 3.6e-10, 5.6e-10, 8.6e-12
    [("LSODA", 1e-9), ("BDF", 1.5e-9), ("Radau", 3e-11)],
)
def test_the_jacobian_reaches_the_implicit_solvers(method, max_error):
    t = np.linspace(0, 2, 21)
    exact = np.stack([expm(STIFF * s) @ [1.0, 1.0] for s in t])
    calls = []

    def jacobian(s, x):
        calls.append(s)
        return STIFF

    x = integrate(
        lambda s, x: STIFF @ x,
        np.array([1.0, 1.0]),
        t,
        jacobian=jacobian,
        method=method,
        rtol=1e-10,
        atol=1e-12,
    )
    assert calls, f"{method} never called the Jacobian"
    np.testing.assert_allclose(x, exact, rtol=0, atol=max_error)


@pytest.mark.parametrize("method", ["RK45", "BDF"])
def test_a_failing_solve_ivp_raises_with_the_states_before(method):
    # x' = x² from 1 reaches infinity at t = 1: the solver's step size collapses before
    t = np.linspace(0, 2, 11)
    with pytest.raises(SimulationError, match=r"failed at t = 0\.8: Required step size") as info:
        integrate(lambda s, x: x**2, np.array([1.0]), t, method=method)
    err = info.value
    assert err.t == pytest.approx(0.8) and err.variable is None
    assert err.partial.shape == (5, 1)
    np.testing.assert_allclose(err.partial[:, 0], 1 / (1 - t[:5]), rtol=1.5e-9)  # measured 5.1e-10


def test_a_non_finite_state_after_a_successful_solve_is_an_error():
    # LSODA reports success but returns NaN states once the right-hand side is NaN
    t = np.linspace(0, 1, 11)

    def rhs(s, x):
        return np.full(1, np.nan) if s > 0.5 else -x

    with pytest.raises(
        SimulationError, match=r"non-finite state at t = 0\.5; the 5 states"
    ) as info:
        integrate(rhs, np.array([1.0]), t)
    err = info.value
    assert err.t == 0.5 and err.partial.shape == (5, 1)
    np.testing.assert_allclose(err.partial[:, 0], np.exp(-t[:5]), rtol=1.5e-11)  # measured 4.6e-12


def test_a_nan_right_hand_side_under_bdf_is_a_simulation_error():
    t = np.linspace(0, 1, 11)

    def rhs(s, x):
        return np.full(1, np.nan) if s > 0.5 else -x

    with pytest.raises(SimulationError, match=r"right-hand side is not finite at t = 0\.5") as info:
        integrate(rhs, np.array([1.0]), t, method="BDF")
    # the states before the failure, at the requested times
    assert info.value.partial.shape == (6, 1)
    np.testing.assert_allclose(info.value.partial[:, 0], np.exp(-t[:6]), rtol=1e-6)


def test_map_steps_and_bad_inputs():
    # x -> log(x - 1) from 100: 4.6, 1.3, -1.3, then the log of a negative number
    expected = [100.0]
    for _ in range(3):
        expected.append(np.log(expected[-1] - 1.0))
    with pytest.raises(SimulationError, match="non-finite state at step 4") as info:
        iterate_map(lambda x: np.log(x - 1.0), np.array([100.0]), 10)
    assert info.value.variable is None and info.value.t == 4
    np.testing.assert_allclose(info.value.partial[:, 0], expected, rtol=1e-15)
    assert n_steps(4) == 4 and n_steps(np.arange(6)) == 6
    with pytest.raises(ValueError, match="a map needs at least one step, got t=0"):
        n_steps(0)
    with pytest.raises(ValueError, match="u contains NaN or inf"):
        control_function(np.array([0.0, np.nan, 1.0]), np.array([0.0, 1.0, 2.0]), 1)
