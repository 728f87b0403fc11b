"""Fixtures shared by the test files."""

import functools

import pytest

from sparseid.systems import Lorenz, make_lorenz


@functools.cache
def _lorenz_samples(n, dt=0.002):
    frame = make_lorenz(n, dt)
    t, x = frame.index.to_numpy(), frame.to_numpy()
    x_dot = Lorenz().rhs(0.0, x)
    for array in (t, x, x_dot):
        array.flags.writeable = False
    return t, x, x_dot


@pytest.fixture(scope="session")
def lorenz_samples():
    """``lorenz_samples(n, dt=0.002) -> (t, x, x_dot)``: Lorenz samples and exact derivatives.

    ``n`` samples from x0 = [-8, 8, 27] with the exact right-hand side at each, generated once
    per process for each ``(n, dt)``. The arrays are read-only because every caller shares them.
    """
    return _lorenz_samples


@pytest.fixture(scope="session")
def lorenz_states(lorenz_samples):
    """``lorenz_states(n, dt=0.002) -> (x, x_dot)``: Lorenz states and their exact derivatives."""

    def states_and_derivatives(n, dt=0.002):
        _, x, x_dot = lorenz_samples(n, dt)
        return x, x_dot

    return states_and_derivatives
