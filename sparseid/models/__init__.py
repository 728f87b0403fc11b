"""Dynamics models sharing one contract (fit / predict / simulate / score / save), and the
flow classifier and regressor (neural ODEs as networks)."""

from ._base import DynamicsModel
from ._flow_classifier import NeuralODEClassifier, NeuralODERegressor
from ._linear import LinearModel
from ._neural_ode import NeuralODE
from ._persistence import load_model
from ._sindy import SINDy

__all__ = [
    "DynamicsModel",
    "LinearModel",
    "NeuralODE",
    "NeuralODEClassifier",
    "NeuralODERegressor",
    "SINDy",
    "load_model",
]
