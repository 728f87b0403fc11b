"""Lorenz samples with their exact derivatives, shared by the tests (generated once per process)."""

import functools

from sparseid.systems import Lorenz, make_lorenz


@functools.cache
def lorenz_samples(n, dt=0.002):
    """``(t, x, x_dot)``: ``n`` samples from x0 = [-8, 8, 27] and the exact right-hand side.

    The arrays are read-only because every caller shares them.
    """
    frame = make_lorenz(n, dt)
    t, x = frame.index.to_numpy(), frame.to_numpy()
    x_dot = Lorenz().rhs(0.0, x)
    for array in (t, x, x_dot):
        array.flags.writeable = False
    return t, x, x_dot
