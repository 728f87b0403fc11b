"""sparseid: learn the equations of a dynamical system from its measured trajectories.

sparseid compares three ways to learn dx/dt = f(x) from data: SINDy (sparse regression on a
library of candidate terms), a linear-matrix fit, and a small MLP vector field trained through
an ODE solver (a neural ODE), all with one scikit-learn-style contract.
"""

__version__ = "0.1.0.dev0"

from . import datasets, differentiation, exceptions, libraries, optimizers, systems
from .models import DynamicsModel, LinearModel, NeuralODE, SINDy, load_model

__all__ = [
    "DynamicsModel",
    "LinearModel",
    "NeuralODE",
    "SINDy",
    "__version__",
    "datasets",
    "differentiation",
    "exceptions",
    "libraries",
    "load_model",
    "optimizers",
    "systems",
]
