"""The parameter rules of :class:`~sparseid.models.NeuralODE` (see :mod:`sparseid._params`).

:data:`NEURAL_ODE_RULES` is the class's ``_parameter_rules``: one rule for every constructor
argument. Every bad value is a ValueError, except for the flags, which are TypeErrors as for the
flags of the other models.
"""

from __future__ import annotations

import numbers

from .._params import Bool, Check, Choice, Integer, Real, Seed
from ..ode import ADJOINTS, GRADIENTS, LOSSES, LR_SCHEDULES, SHOOTING, SOLVERS
from ..ode._activations import check_activation
from ._network_params import check_layer_sizes

__all__ = ["NEURAL_ODE_RULES"]


def _check_max_nfev(owner, name, value):
    """None, or a positive number of network evaluations."""
    if value is None:
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise ValueError(f"{type(owner).__name__}: {name}={value!r} must be None or an integer ≥ 1")


NEURAL_ODE_RULES = {
    "hidden_layer_sizes": Check(check_layer_sizes, "a tuple of positive integers, or an int"),
    "activation": Check(check_activation, "the name of an activation (not a step)"),
    "solver": Choice(SOLVERS),
    "gradient": Choice(GRADIENTS),
    "adjoint": Choice(ADJOINTS),
    "segment_length": Integer(minimum=1),
    "batch_size": Integer(minimum=1),
    "learning_rate": Real(minimum=0, closed="neither"),
    "max_iter": Integer(minimum=0),
    "loss": Choice(LOSSES),
    "rtol": Real(minimum=0, closed="neither"),
    "atol": Real(minimum=0, closed="neither"),
    "n_substeps": Integer(minimum=1),
    "scale_inputs": Bool(type_error=TypeError),
    "weight_decay": Real(minimum=0),
    "clip_norm": Real(minimum=0, closed="neither", allow_none=True),
    "lr_schedule": Choice(LR_SCHEDULES),
    "validation_fraction": Real(0, 1, closed="neither", allow_none=True),
    "n_iter_no_change": Integer(minimum=1),
    "validation_interval": Integer(minimum=1),
    "max_solver_steps": Integer(minimum=1),
    "max_time": Real(minimum=0, closed="neither", allow_none=True),
    "max_nfev": Check(_check_max_nfev, "None or an integer ≥ 1"),
    "n_init": Integer(minimum=1),
    "shooting": Choice(SHOOTING),
    "continuity_weight": Real(minimum=0),
    "curriculum": Bool(type_error=TypeError),
    "linear_part": Bool(type_error=TypeError),
    "random_state": Seed(),
    "verbose": Bool(type_error=TypeError),
    "dtype": Choice(("float64", "float32")),
}
