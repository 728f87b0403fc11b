"""Time derivatives of sampled trajectories: ``method(x, t) -> x_dot``.

Every differentiator is a scikit-learn estimator (it clones and its parameters appear in a
model's ``get_params``) called on one trajectory; ``halo`` says how many neighbours an interior
estimate reads. :func:`default_differentiation` is what the models use when none is given;
:func:`check_noise` warns when the data are too noisy for it.
"""

from ._base import BaseDifferentiation
from ._default import DEFAULT_DIFFERENTIATION, default_differentiation
from ._finite_difference import FiniteDifference
from ._fornberg import fornberg_weights
from ._noise import NoiseWarning, check_noise, estimate_noise
from ._noise_aware import noise_aware_differentiation
from ._savitzky_golay import SavitzkyGolay
from ._spectral import Spectral
from ._spline import SmoothingSpline
from ._total_variation import TotalVariation

__all__ = [
    "DEFAULT_DIFFERENTIATION",
    "BaseDifferentiation",
    "FiniteDifference",
    "NoiseWarning",
    "SavitzkyGolay",
    "SmoothingSpline",
    "Spectral",
    "TotalVariation",
    "check_noise",
    "default_differentiation",
    "estimate_noise",
    "fornberg_weights",
    "noise_aware_differentiation",
]
