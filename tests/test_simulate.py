"""Integration with blow-up detection, independent of any model."""

import numpy as np
import pandas as pd
import pytest

from sparseid.exceptions import SimulationError
from sparseid.models._simulate import (
    Box,
    control_function,
    initial_state,
    integrate,
    iterate_map,
    output_times,
)


def test_integrate_linear_decay_matches_exact_solution():
    t = np.linspace(0, 2, 21)
    for method in ("LSODA", "DOP853", "RK45", "BDF"):
        x = integrate(
            lambda s, x: -2.0 * x, np.array([3.0]), t, method=method, rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(x[:, 0], 3.0 * np.exp(-2.0 * t), rtol=1e-7)


def test_blow_up_is_detected_with_time_variable_and_partial():
    box = Box([0.0], [1.0], ["q"], factor=100.0)
    t = np.linspace(0, 2, 201)
    with pytest.raises(SimulationError, match=r"blew up at t = 0\.98.*q = ") as info:
        integrate(lambda s, x: x**2, np.array([1.0]), t, box=box)
    err = info.value
    assert err.variable == "q" and 0.97 < err.t < 0.99
    assert len(err.partial) == np.count_nonzero(t < err.t)
    np.testing.assert_allclose(err.partial[:, 0], 1 / (1 - t[: len(err.partial)]), rtol=1e-6)


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
