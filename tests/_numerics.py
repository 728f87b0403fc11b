"""Numerical checks shared by the gradient tests (imported by them; pytest collects test_*.py)."""

import numpy as np


def central_differences(fun, x, eps=1e-6):
    """Central finite differences of the scalar ``fun`` at the array ``x`` (any shape)."""
    fd = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = eps
        fd.flat[k] = (fun(x + e) - fun(x - e)) / (2 * eps)
    return fd


def rel_error(a, b):
    """‖a − b‖ / ‖b‖."""
    return np.linalg.norm(a - b) / np.linalg.norm(b)
