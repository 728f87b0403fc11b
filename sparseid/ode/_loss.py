"""The trajectory loss of a batch of segments and its gradient, for any solver and gradient."""

import numpy as np

from ._adjoint import adjoint_gradient
from ._backprop import backprop_gradient
from ._interpolated_adjoint import interpolated_adjoint_gradient
from ._solvers import SOLVERS, solve

__all__ = [
    "ADJOINTS",
    "GRADIENTS",
    "LOSSES",
    "loss_residual_grad",
    "resolve_adjoint",
    "segment_loss",
]

GRADIENTS = ("backprop", "adjoint")
#: How the continuous adjoint finds z(t) backwards: "auto" is "interpolated" after an
#: adaptive forward solver (which has dense output) and "backsolve" after a fixed-step one.
ADJOINTS = ("auto", "backsolve", "interpolated")
LOSSES = ("l1", "l2")


def resolve_adjoint(adjoint, solver):
    """ "backsolve" or "interpolated" for ``adjoint`` (one of ADJOINTS) after ``solver``."""
    adaptive = SOLVERS[solver].adaptive if isinstance(solver, str) else solver.adaptive
    if adjoint == "auto":
        return "interpolated" if adaptive else "backsolve"
    if adjoint == "interpolated" and not adaptive:
        raise ValueError(
            f"adjoint='interpolated' needs an adaptive forward solver (its dense output), not "
            f"solver={solver!r}; use adjoint='backsolve' or 'auto'"
        )
    return adjoint


def loss_residual_grad(residual, loss):
    """Mean absolute (``"l1"``) or mean squared (``"l2"``) error, and its gradient."""
    n = residual.size
    # an overflowing loss is reported as divergence by the training loop, not warned about here
    with np.errstate(over="ignore", invalid="ignore"):
        if loss == "l1":
            # Σ|r| = sign(r) · r: one product instead of an |r| copy and a sum
            grad = np.sign(residual)
            value = float(np.dot(grad.ravel(), residual.ravel())) / n
            grad *= 1.0 / n  # ±1 times 1/n is exactly ±1/n
            return value, grad
        return float(np.dot(residual.ravel(), residual.ravel())) / n, residual * (2.0 / n)


def segment_loss(
    field,
    y0,
    targets,
    t_rel,
    *,
    solver="dopri5",
    gradient="backprop",
    loss="l1",
    rtol=1e-3,
    atol=1e-6,
    n_substeps=1,
    max_steps=100_000,
    need_grad=True,
    adjoint="auto",
):
    """Integrate a batch of segments, compare with the targets and differentiate.

    Parameters
    ----------
    field : BoundMLP
    y0 : ndarray of shape (batch, d)
        Initial states of the segments.
    targets : ndarray of shape (m, batch, d)
        Observed states after each start.
    t_rel : ndarray of shape (m,) or (batch, m)
        Observation times relative to the starts.
    solver : str
        A name from :data:`~sparseid.ode.SOLVERS`.
    gradient : {"backprop", "adjoint"}
    adjoint : {"auto", "backsolve", "interpolated"}, default="auto"
        For ``gradient="adjoint"``: "backsolve" solves z backwards with the adjoint
        (:func:`~sparseid.ode.adjoint_gradient`, Dormand–Prince, whatever the forward solver);
        "interpolated" takes z from the forward solve's dense output and solves only the
        adjoint (:func:`~sparseid.ode.interpolated_adjoint_gradient`: Bogacki–Shampine for
        ``rtol`` ≥ 1e-4, Dormand–Prince below; adaptive forward solvers only); "auto" is
        "interpolated" after an adaptive forward solver and "backsolve" after a fixed-step one.
    loss : {"l1", "l2"}
    rtol, atol : float
        Tolerances of the adaptive solvers (forward and adjoint).
    n_substeps : int
        Steps per observation interval of the fixed-step solvers.
    max_steps : int
        Step budget of the adaptive solvers (a ``FloatingPointError`` beyond it).
    need_grad : bool, default=True

    Returns
    -------
    value : float
    grad : ndarray of shape (n_params,) or None
    n_eval : int
        Evaluations of the network (forward and backward solves).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import MLP, segment_loss
    >>> mlp = MLP((2, 8, 2))
    >>> field = mlp.bind(mlp.init_params(np.random.default_rng(0)))
    >>> value, grad, n_eval = segment_loss(
    ...     field, np.ones((4, 2)), np.ones((3, 4, 2)), np.array([0.1, 0.2, 0.3]))
    >>> grad.shape
    (42,)
    """
    Y, rec, n_eval = forward_segments(
        field, y0, t_rel, solver, gradient, need_grad, rtol, atol, n_substeps, max_steps, adjoint
    )
    value, Ybar = loss_residual_grad(Y - targets, loss)
    if not need_grad:
        return value, None, n_eval
    grad, n_back, _ = backward_segments(field, Y, rec, Ybar, t_rel, gradient, rtol, atol, max_steps)
    return value, grad, n_eval + n_back


def forward_segments(
    field, y0, t_rel, solver, gradient, need_grad, rtol, atol, n_substeps, max_steps, adjoint
):
    """The forward solve of :func:`segment_loss`: ``(Y, record, n_eval)``.

    The steps are recorded only when backpropagation (all of them) or the interpolated
    adjoint (their dense output) will need them.
    """
    record = need_grad and gradient == "backprop"
    if need_grad and gradient == "adjoint" and resolve_adjoint(adjoint, solver) == "interpolated":
        record = "dense"
    return solve(
        field,
        y0,
        t_rel,
        solver,
        rtol=rtol,
        atol=atol,
        n_substeps=n_substeps,
        record=record,
        max_steps=max_steps,
    )


def backward_segments(
    field, Y, rec, Ybar, t_rel, gradient, rtol, atol, max_steps, need_input=False
):
    """Gradients of a loss with ∂L/∂Y = ``Ybar``: ``(grad, n_eval, y0_grad)``.

    ``y0_grad`` is ∂L/∂y0 of the segments' initial states (both gradients give it) when
    ``need_input``, else None. The adjoint is the interpolated one when the forward solve
    kept its dense output (``rec``), the backsolve one otherwise.
    """
    if gradient == "backprop":
        if not need_input:
            grad = backprop_gradient(field, rec, Ybar)
            return grad, sum(len(step.caches) for step in rec.steps), None
        grad, y0_grad = backprop_gradient(field, rec, Ybar, return_input_grad=True)
        # each recorded stage is differentiated once more
        return grad, sum(len(step.caches) for step in rec.steps), y0_grad
    options = dict(rtol=rtol, atol=atol, max_steps=max_steps, return_input_grad=True)
    if rec is not None:
        grad, n_adj, y0_grad = interpolated_adjoint_gradient(field, rec, Y, Ybar, t_rel, **options)
    else:
        grad, n_adj, y0_grad = adjoint_gradient(field, Y[-1], Ybar, t_rel, **options)
    return grad, n_adj, (y0_grad if need_input else None)
