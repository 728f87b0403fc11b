"""Sparse and plain linear regression on sufficient statistics (the SINDy optimizers)."""

from sparseid.optimizers._auto_threshold import ThresholdPath
from sparseid.optimizers._base import BaseOptimizer
from sparseid.optimizers._best_subset import BestSubset
from sparseid.optimizers._constrained_sr3 import ConstrainedSR3
from sparseid.optimizers._ensemble import EnsembleOptimizer
from sparseid.optimizers._frols import FROLS
from sparseid.optimizers._least_squares import LeastSquares
from sparseid.optimizers._sr3 import SR3
from sparseid.optimizers._ssr import SSR
from sparseid.optimizers._stats import SufficientStatistics
from sparseid.optimizers._stlsq import STLSQ

__all__ = [
    "FROLS",
    "SR3",
    "SSR",
    "STLSQ",
    "BaseOptimizer",
    "BestSubset",
    "ConstrainedSR3",
    "EnsembleOptimizer",
    "LeastSquares",
    "SufficientStatistics",
    "ThresholdPath",
]
