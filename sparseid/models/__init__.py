"""Dynamics models sharing one contract: fit / predict / simulate / score / save."""

from ._base import DynamicsModel
from ._linear import LinearModel
from ._neural_ode import NeuralODE
from ._persistence import load_model
from ._sindy import SINDy

__all__ = ["DynamicsModel", "LinearModel", "NeuralODE", "SINDy", "load_model"]
