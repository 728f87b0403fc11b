"""The solvers by name, and :func:`solve`, the one entry point of the integration engine."""

from ._bosh3 import BOSH3
from ._dopri5 import DOPRI5
from ._engine import adaptive_solve, grid_solve
from ._euler import EULER
from ._rk4 import RK4

__all__ = ["SOLVERS", "solve"]

#: Every solver of the engine by name. A new method is a tableau file and one entry here.
SOLVERS = {tableau.name: tableau for tableau in (DOPRI5, BOSH3, RK4, EULER)}


def solve(
    field,
    y0,
    t_obs,
    solver="dopri5",
    *,
    rtol=1e-3,
    atol=1e-6,
    n_substeps=1,
    record=False,
    max_steps=100_000,
    step_sizes=None,
):
    """Integrate dz/dt = f(z) for a batch of states and return them at the observation times.

    Parameters
    ----------
    field : callable
        ``field(z, out=None) -> (f(z), cache)`` on arrays of shape ``(batch, d)`` (for example
        a :class:`~sparseid.ode.BoundMLP`).
    y0 : ndarray of shape (batch, d)
        Initial states at relative time 0.
    t_obs : ndarray of shape (m,) or (batch, m)
        Strictly increasing positive observation times relative to the start, shared by all
        rows or one row of times per initial state.
    solver : str or ButcherTableau, default="dopri5"
        A name from :data:`SOLVERS`: ``"dopri5"`` and ``"bosh3"`` are adaptive (error control,
        dense output at the observations); ``"rk4"`` and ``"euler"`` take ``n_substeps`` fixed
        steps per observation interval.
    rtol, atol : float
        Relative and absolute tolerances of the local error (adaptive solvers).
    n_substeps : int, default=1
        Steps per observation interval (fixed-step solvers).
    record : bool or "dense", default=False
        Keep what :func:`~sparseid.ode.backprop_gradient` needs; ``"dense"`` (adaptive solvers)
        keeps only the steps and stages, the dense output that
        :func:`~sparseid.ode.interpolated_adjoint_gradient` needs.
    max_steps : int
        Give up (``FloatingPointError``) after this many attempted steps (adaptive solvers).
    step_sizes : sequence of float, optional
        Replay these steps without error control (e.g. ``[step.h for step in record.steps]``
        of an earlier solve), which makes the output a smooth function of the parameters: the
        function whose gradient :func:`~sparseid.ode.backprop_gradient` computes.

    Returns
    -------
    Y : ndarray of shape (m, batch, d)
        States at the observation times.
    record : SolveRecord or None
    n_eval : int
        Number of evaluations of ``field``.

    Raises
    ------
    FloatingPointError
        When the state becomes non-finite, the step size underflows or ``max_steps`` is spent.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import solve
    >>> field = lambda z, out=None: (-z if out is None else np.negative(z, out=out), None)
    >>> Y, _, _ = solve(field, np.ones((1, 1)), np.array([1.0]), rtol=1e-8, atol=1e-10)
    >>> bool(abs(Y[0, 0, 0] - np.exp(-1.0)) < 1e-8)
    True
    >>> Y, _, n_eval = solve(field, np.ones((1, 1)), np.linspace(0.1, 1, 10), "rk4")
    >>> n_eval, bool(abs(Y[-1, 0, 0] - np.exp(-1.0)) < 1e-6)
    (40, True)
    """
    if isinstance(solver, str):
        if solver not in SOLVERS:
            raise ValueError(f"solver={solver!r} is not one of {sorted(SOLVERS)}")
        solver = SOLVERS[solver]
    if solver.adaptive:
        return adaptive_solve(field, solver, y0, t_obs, rtol, atol, record, max_steps, step_sizes)
    return grid_solve(field, solver, y0, t_obs, n_substeps, record)
