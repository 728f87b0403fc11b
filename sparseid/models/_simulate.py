"""Integration of a learned vector field, with blow-up detection.

Every model hands :func:`integrate` a compiled right-hand side ``rhs(x) -> dx/dt`` on one state
(and, where it has one, its Jacobian), so the solver never goes through scikit-learn's
validation per step. A state that leaves a generous box around the training data, a solver
failure or a non-finite value raises :class:`~sparseid.exceptions.SimulationError` with the
partial trajectory attached: never silent NaNs.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from ..exceptions import SimulationError

__all__ = ["DEFAULT_SOLVER", "Box", "integrate", "iterate_map"]

#: Default ``solve_ivp`` settings: LSODA switches to a stiff method (using the Jacobian) when
#: needed, and at these tolerances it matches PySINDy's ``simulate`` defaults.
DEFAULT_SOLVER = {"method": "LSODA", "rtol": 1e-12, "atol": 1e-12}


class Box:
    """The region a simulated state may visit: ``factor`` half-widths around the training data.

    Parameters
    ----------
    low, high : ndarray of shape (d,)
        Smallest and largest value of each variable in the training data.
    names : list of str
        Variable names, for messages.
    factor : float
        How many half-widths (of the training range) a state may be from its centre.
    """

    def __init__(self, low, high, names, factor=100.0):
        low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
        self.center = (low + high) / 2
        # A variable that never moved still gets a box of unit size around its value.
        self.half = np.maximum((high - low) / 2, np.maximum(np.abs(self.center), 1.0) * 1e-3)
        self.names = list(names)
        self.factor = float(factor)

    def excess(self, x):
        """Largest normalised distance from the centre, minus the allowed factor (< 0 inside)."""
        return np.max(np.abs(x - self.center) / self.half) - self.factor

    def describe(self, x, t):
        j = int(np.argmax(np.abs(x - self.center) / self.half))
        return (
            f"the simulation blew up at t = {t:.6g}: {self.names[j]} = {x[j]:.6g} is more than "
            f"{self.factor:g} half-widths from the centre of its training range "
            f"[{self.center[j] - self.half[j]:.6g}, {self.center[j] + self.half[j]:.6g}]"
        ), self.names[j]


def integrate(rhs, x0, t, *, jacobian=None, box=None, **solver):
    """Integrate ``dx/dt = rhs(t, x)`` from ``x0`` and return the states at the times ``t``.

    Parameters
    ----------
    rhs : callable ``rhs(t, x) -> ndarray (d,)``
        The right-hand side.
    x0 : ndarray of shape (d,)
        Initial state at ``t[0]``.
    t : ndarray of shape (n,)
        Strictly increasing output times.
    jacobian : callable ``jacobian(t, x) -> ndarray (d, d)``, optional
        Used by implicit methods (LSODA, BDF, Radau).
    box : Box, optional
        Region outside which the simulation counts as blown up.
    **solver
        ``method``, ``rtol``, ``atol`` and any other ``solve_ivp`` option; see
        :data:`DEFAULT_SOLVER` for the defaults.

    Returns
    -------
    ndarray of shape (n, d)

    Raises
    ------
    SimulationError
        When the state leaves ``box``, becomes non-finite, or the solver fails; ``partial``
        holds the states computed up to then (at the requested times).

    Examples
    --------
    >>> import numpy as np
    >>> x = integrate(lambda t, x: -x, np.array([1.0]), np.array([0.0, 1.0]))
    >>> round(float(x[1, 0]), 6)
    0.367879
    """
    options = {**DEFAULT_SOLVER, **solver}
    if jacobian is not None and options["method"] in ("LSODA", "BDF", "Radau"):
        options["jac"] = jacobian
    events = None
    if box is not None:

        def leaves_box(t_, x_):
            return box.excess(x_) if np.all(np.isfinite(x_)) else 1.0

        leaves_box.terminal = True
        leaves_box.direction = 1
        events = leaves_box
    with np.errstate(over="ignore", invalid="ignore"):
        sol = solve_ivp(rhs, (t[0], t[-1]), x0, t_eval=t, events=events, **options)
    states = sol.y.T
    if sol.status == 1 or sol.status == -1 or not np.all(np.isfinite(states)):
        finite = np.all(np.isfinite(states), axis=1)
        n_ok = len(states) if finite.all() else int(np.argmin(finite))
        partial = states[:n_ok]
        if sol.status == 1 and box is not None and sol.t_events[0].size:
            t_bad, x_bad = sol.t_events[0][0], sol.y_events[0][0]
            message, variable = box.describe(x_bad, t_bad)
        else:
            t_bad = float(sol.t[-1]) if sol.t.size else float(t[0])
            message = f"the simulation failed at t = {t_bad:.6g}: {sol.message}"
            variable = None
        raise SimulationError(
            message + f"; the {len(partial)} states computed before are in .partial",
            t=float(t_bad),
            variable=variable,
            partial=partial,
        )
    return states


def iterate_map(step, x0, n_steps, *, box=None):
    """Iterate the map ``x_{k+1} = step(x_k)`` and return ``n_steps`` states, starting at ``x0``.

    Raises
    ------
    SimulationError
        When an iterate leaves ``box`` or becomes non-finite (``partial`` holds the iterates
        before it; ``t`` is the step index).

    Examples
    --------
    >>> import numpy as np
    >>> iterate_map(lambda x: 0.5 * x, np.array([8.0]), 4)[:, 0].tolist()
    [8.0, 4.0, 2.0, 1.0]
    """
    states = np.empty((n_steps, len(x0)))
    states[0] = x0
    for k in range(1, n_steps):
        with np.errstate(over="ignore", invalid="ignore"):
            x = step(states[k - 1])
        bad = not np.all(np.isfinite(x))
        if bad or (box is not None and box.excess(x) > 0):
            if bad:
                message, variable = f"the map produced a non-finite state at step {k}", None
            else:
                message, variable = box.describe(x, k)
                message = message.replace("t = ", "step ")
            raise SimulationError(
                message + f"; the {k} iterates before it are in .partial",
                t=k,
                variable=variable,
                partial=states[:k].copy(),
            )
        states[k] = x
    return states
