"""Weak-form SINDy: test-function integrals instead of pointwise derivatives of noisy data."""

from sparseid.weak._test_functions import auto_half_width, bump_matrices, effective_samples
from sparseid.weak._weak_form import WeakForm

__all__ = ["WeakForm", "auto_half_width", "bump_matrices", "effective_samples"]
