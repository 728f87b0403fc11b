"""Integration of a learned vector field, with blow-up detection.

Every model hands :func:`integrate` a compiled right-hand side ``rhs(x) -> dx/dt`` on one state
(and, where it has one, its Jacobian), so the solver never goes through scikit-learn's
validation per step. A state that leaves a generous box around the training data, a solver
failure or a non-finite value raises :class:`~sparseid.exceptions.SimulationError` with the
partial trajectory attached: never silent NaNs.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
from scipy.integrate import ODEintWarning, odeint, solve_ivp

from .._time import to_seconds, validate_time
from ..exceptions import SimulationError

__all__ = [
    "Box",
    "control_function",
    "initial_state",
    "integrate",
    "iterate_map",
    "n_steps",
    "output_index",
    "output_times",
]


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


class _LeftBox(Exception):
    """Raised inside the right-hand side when the state leaves the box (caught below)."""

    def __init__(self, t, x):
        super().__init__(t)
        self.t, self.x = float(t), np.array(x, dtype=np.float64)


def _guard(rhs, box):
    """Wrap ``rhs`` so that evaluating it outside the box (or at a non-finite state) raises.

    The check runs on Python floats, a fraction of a microsecond per call, so blow-up detection
    costs almost nothing and needs no solver events.
    """
    bounds = list(
        zip(
            (box.center - box.factor * box.half).tolist(),
            (box.center + box.factor * box.half).tolist(),
        )
    )

    def guarded(t, x):
        for v, (low, high) in zip(x.tolist(), bounds):
            if not low <= v <= high:  # also false for NaN
                raise _LeftBox(t, x)
        return rhs(t, x)

    return guarded


def _solve(f, x0, t, jacobian, method, rtol, atol, options):
    """States at ``t``; a solver failure raises _SolverFailed with the good leading states."""
    if method == "LSODA":
        # odeint drives ODEPACK's LSODA with the output times inside Fortran: the same method as
        # solve_ivp's LSODA without its per-step Python overhead.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ODEintWarning)
            states, info = odeint(
                f,
                x0,
                t,
                Dfun=jacobian,
                tfirst=True,
                rtol=rtol,
                atol=atol,
                full_output=True,
                printmessg=False,
                **{"mxstep": 100_000, **options},
            )
        if info["message"] != "Integration successful.":
            reached = np.flatnonzero(info["tcur"] < t[1:])
            n_ok = int(reached[0]) + 1 if reached.size else len(t)
            raise _SolverFailed(float(t[n_ok - 1]), info["message"], states[:n_ok])
        return states
    if jacobian is not None and method in ("BDF", "Radau"):
        options = {**options, "jac": jacobian}

    def finite_rate(s, x):
        # a NaN rate would reach the implicit solvers' LU factorisation, whose ValueError says
        # nothing of where the simulation failed
        rate = f(s, x)
        if not np.all(np.isfinite(rate)):
            raise _NonFiniteRate(s)
        return rate

    try:
        sol = solve_ivp(
            finite_rate, (t[0], t[-1]), x0, t_eval=t, method=method, rtol=rtol, atol=atol, **options
        )
    except _NonFiniteRate as bad:
        before = t[t < bad.t]
        partial = (
            _solve(f, x0, before, jacobian, method, rtol, atol, options)
            if len(before) > 1
            else x0[None, :]
        )
        raise _SolverFailed(
            bad.t, f"the right-hand side is not finite at t = {bad.t:.6g}", partial
        ) from None
    if sol.status != 0:
        raise _SolverFailed(float(sol.t[-1]) if sol.t.size else float(t[0]), sol.message, sol.y.T)
    return sol.y.T


class _NonFiniteRate(Exception):
    def __init__(self, t):
        super().__init__(t)
        self.t = float(t)


class _SolverFailed(Exception):
    def __init__(self, t, message, partial):
        super().__init__(message)
        self.t, self.message, self.partial = t, message, partial


def integrate(
    rhs, x0, t, *, jacobian=None, box=None, method="LSODA", rtol=1e-12, atol=1e-12, **options
):
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
        Used by the implicit methods (LSODA when the problem turns stiff, BDF, Radau).
    box : Box, optional
        Region outside which the simulation counts as blown up.
    method : str
        ``"LSODA"`` (default; ODEPACK through ``scipy.integrate.odeint``) or any method of
        ``scipy.integrate.solve_ivp`` (``"DOP853"``, ``"RK45"``, ``"BDF"``, ...).
    rtol, atol : float
        Tolerances (default 1e-12, as PySINDy's ``simulate``).
    **options
        Further options of the solver.

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
    guarded = rhs if box is None else _guard(rhs, box)
    settings = (jacobian, method, rtol, atol, options)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            states = _solve(guarded, x0, t, *settings)
    except _LeftBox as out:
        before = t[t < out.t]
        partial = _solve(rhs, x0, before, *settings) if len(before) > 1 else x0[None, :]
        message, variable = box.describe(out.x, out.t)
        raise SimulationError(
            f"{message}; the {len(partial)} states computed before are in .partial",
            t=out.t,
            variable=variable,
            partial=partial,
        ) from None
    except _SolverFailed as failed:
        raise SimulationError(
            f"the simulation failed at t = {failed.t:.6g}: {failed.message}; the "
            f"{len(failed.partial)} states computed before are in .partial",
            t=failed.t,
            partial=failed.partial,
        ) from None
    bad = ~np.all(np.isfinite(states), axis=1)
    if bad.any():
        k = int(np.argmax(bad))
        raise SimulationError(
            f"the simulation produced a non-finite state at t = {t[k]:.6g}; the {k} states "
            "computed before are in .partial",
            t=float(t[k]),
            partial=states[:k],
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


# --- the user's simulate arguments ------------------------------------------------------------


def initial_state(x0, names):
    """``x0`` as a finite float64 vector ordered like ``names`` (Series/dict: matched by name)."""
    if isinstance(x0, pd.DataFrame):
        if len(x0) != 1:
            raise ValueError(f"x0 as a DataFrame must have exactly one row, got {len(x0)}")
        x0 = x0.iloc[0]
    if isinstance(x0, dict | pd.Series):
        missing = [n for n in names if n not in x0]
        if missing:
            raise ValueError(f"x0 lacks the variables {missing}; it must name all of {names}")
        x0 = [x0[n] for n in names]
    try:
        arr = np.asarray(x0, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise TypeError(f"x0 must hold numbers, got {x0!r}") from None
    if arr.size != len(names):
        raise ValueError(f"x0 has {arr.size} values but the model has {len(names)} variables")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"x0 must be finite, got {arr}")
    return arr


def output_times(t):
    """Validated output times for a flow (at least two, strictly increasing), in seconds.

    Datetimes and timedeltas become seconds from the first one, as in ``fit``
    (:func:`sparseid._time.to_seconds`).
    """
    if isinstance(t, numbers.Number):
        raise TypeError(
            f"t={t!r} is a single number: pass the output times as an array, for example "
            "np.arange(0, 10, 0.01)"
        )
    times = validate_time(t, len(t) if hasattr(t, "__len__") else 1)
    if len(times) < 2:
        raise ValueError("t must hold at least two times (the start and an output time)")
    return times


def output_index(t, times):
    """The index of a simulated DataFrame: ``t`` itself when it is a pandas Index.

    A Series or an array of datetimes or timedeltas becomes a ``DatetimeIndex`` or
    ``TimedeltaIndex``; anything else, the validated ``times``. Unnamed indexes are named
    ``"t"``.
    """
    if isinstance(t, pd.Index):
        return t if t.name is not None else t.rename("t")
    if isinstance(t, pd.Series):
        return pd.Index(t, name="t" if t.name is None else t.name)
    if to_seconds(t) is not t:  # datetimes or timedeltas
        return pd.Index(t, name="t")
    return pd.Index(times, name="t")


def n_steps(t):
    """Number of iterates of a map: an int, or the length of an array of step labels."""
    if isinstance(t, numbers.Integral) and not isinstance(t, bool):
        count = int(t)
    else:
        count = len(np.atleast_1d(t))
    if count < 1:
        raise ValueError(f"a map needs at least one step, got t={t!r}")
    return count


def control_function(u, times, m):
    """Control inputs as a function of time: ``u`` itself if callable, else interpolated values."""
    if callable(u):

        def control(s):
            value = np.atleast_1d(np.asarray(u(s), dtype=np.float64))
            if value.shape != (m,):
                raise ValueError(f"u(t) must return {m} values, got shape {value.shape}")
            return value

        return control
    values = np.asarray(u, dtype=np.float64)
    values = values.reshape(-1, 1) if values.ndim == 1 else values
    if values.shape != (len(times), m):
        raise ValueError(
            f"u must be a callable u(t) or have shape ({len(times)}, {m}) (one row per "
            f"output time), got {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("u contains NaN or inf")
    return lambda s: np.array([np.interp(s, times, col) for col in values.T])
