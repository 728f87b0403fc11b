"""Sparse and plain linear regression on sufficient statistics (the SINDy optimizers)."""

from sparseid.optimizers._base import BaseOptimizer
from sparseid.optimizers._least_squares import LeastSquares
from sparseid.optimizers._stats import SufficientStatistics
from sparseid.optimizers._stlsq import STLSQ

__all__ = ["STLSQ", "BaseOptimizer", "LeastSquares", "SufficientStatistics"]
