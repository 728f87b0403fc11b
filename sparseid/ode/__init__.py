"""Numerics of the neural ODE in numpy: the network, the solvers, both gradients and Adam.

Nothing here depends on a deep-learning framework: :class:`MLP` has hand-written
vector-Jacobian products; :func:`solve` integrates a batch of states with any solver of
:data:`SOLVERS` (each a :class:`ButcherTableau` run by one Runge–Kutta engine);
:func:`backprop_gradient` differentiates through a recorded solve, :func:`adjoint_gradient`
solves the continuous adjoint backwards together with the state and
:func:`interpolated_adjoint_gradient` with the state read from the forward solve's dense
output; :func:`segment_loss` ties them together
for a batch of trajectory segments drawn by :class:`SegmentSampler` (or tiled by
:class:`MultipleShooting`, whose segment lengths a :class:`HorizonCurriculum` can grow), and
:func:`train` runs :class:`Adam` with divergence detection, early stopping and a
:class:`Budget`. :class:`LinearPartField` adds a trainable linear map to the network. The
estimator built on them is ``sparseid.models.NeuralODE``.
"""

from ._adam import LR_SCHEDULES, Adam
from ._adjoint import adjoint_gradient
from ._backprop import backprop_gradient
from ._engine import GridDense, RowDense, SolveRecord, Step
from ._interpolated_adjoint import dense_states, interpolated_adjoint_gradient
from ._linear_part import LinearPartField
from ._loss import ADJOINTS, GRADIENTS, LOSSES, loss_residual_grad, resolve_adjoint, segment_loss
from ._mlp import ACTIVATIONS, MLP, BoundMLP, activate
from ._segments import SegmentSampler, hold_out_tail
from ._shooting import SHOOTING, HorizonCurriculum, MultipleShooting, continuity_weight
from ._single_state import single_state_functions
from ._solvers import SOLVERS, solve
from ._tableau import ButcherTableau
from ._training import Budget, Diverged, TrainingResult, train

__all__ = [
    "ACTIVATIONS",
    "ADJOINTS",
    "GRADIENTS",
    "LOSSES",
    "LR_SCHEDULES",
    "MLP",
    "SHOOTING",
    "SOLVERS",
    "Adam",
    "BoundMLP",
    "Budget",
    "ButcherTableau",
    "Diverged",
    "GridDense",
    "HorizonCurriculum",
    "LinearPartField",
    "MultipleShooting",
    "RowDense",
    "SegmentSampler",
    "SolveRecord",
    "Step",
    "TrainingResult",
    "activate",
    "adjoint_gradient",
    "backprop_gradient",
    "continuity_weight",
    "dense_states",
    "hold_out_tail",
    "interpolated_adjoint_gradient",
    "loss_residual_grad",
    "resolve_adjoint",
    "segment_loss",
    "single_state_functions",
    "solve",
    "train",
]
