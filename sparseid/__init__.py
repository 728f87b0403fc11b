"""sparseid: learn the equations of a dynamical system from its measured trajectories.

sparseid compares three ways to learn dx/dt = f(x) from data: SINDy (sparse regression on a
library of candidate terms), a linear-matrix fit, and a small MLP vector field trained through
an ODE solver (a neural ODE), all with one scikit-learn-style contract.
"""

__version__ = "0.1.0.dev0"

from . import datasets, differentiation, exceptions, io, libraries, optimizers, systems
from ._pysindy import from_pysindy
from .differentiation import (
    FiniteDifference,
    SavitzkyGolay,
    SmoothingSpline,
    Spectral,
    TotalVariation,
)
from .libraries import (
    ConcatLibrary,
    CustomLibrary,
    FourierLibrary,
    HingeLibrary,
    IdentityLibrary,
    ParametricLibrary,
    PolynomialLibrary,
    SwitchedLibrary,
    TensoredLibrary,
)
from .models import (
    DynamicsModel,
    LinearModel,
    NeuralODE,
    NeuralODEClassifier,
    NeuralODERegressor,
    SINDy,
    load_model,
)
from .optimizers import (
    FROLS,
    SR3,
    SSR,
    STLSQ,
    BestSubset,
    ConstrainedSR3,
    EnsembleOptimizer,
    LeastSquares,
)

# PySINDy's names where the concept is the same. Deliberately not aliased, because ours differ:
# SmoothedFiniteDifference (PySINDy smooths with savgol_filter, then takes finite differences;
# our SavitzkyGolay differentiates the local polynomial fit) and SpectralDerivative (PySINDy's
# takes a derivative order ``d`` and keeps the Nyquist mode; our Spectral has a low-pass
# ``cutoff`` and drops the Nyquist mode of even-length data).

__all__ = [
    "FROLS",
    "SR3",
    "SSR",
    "STLSQ",
    "BestSubset",
    "ConcatLibrary",
    "ConstrainedSR3",
    "CustomLibrary",
    "DynamicsModel",
    "EnsembleOptimizer",
    "FiniteDifference",
    "FourierLibrary",
    "HingeLibrary",
    "IdentityLibrary",
    "LeastSquares",
    "LinearModel",
    "NeuralODE",
    "NeuralODEClassifier",
    "NeuralODERegressor",
    "ParametricLibrary",
    "PolynomialLibrary",
    "SINDy",
    "SavitzkyGolay",
    "SmoothingSpline",
    "Spectral",
    "SwitchedLibrary",
    "TensoredLibrary",
    "TotalVariation",
    "__version__",
    "datasets",
    "differentiation",
    "exceptions",
    "from_pysindy",
    "io",
    "libraries",
    "load_model",
    "optimizers",
    "systems",
]
