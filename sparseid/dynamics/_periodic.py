"""Limit cycles of flows through a Poincaré section: period, amplitude and convergence."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from ._vector_field import as_vector_field

__all__ = ["PeriodicOrbit", "periodic_orbit"]


@dataclass(frozen=True)
class PeriodicOrbit:
    """A limit cycle found by :func:`periodic_orbit`.

    Attributes
    ----------
    period : float
        Time between the last two crossings of the section.
    amplitude : ndarray of shape (d,)
        Half the peak-to-peak range of every variable over the last period.
    center : ndarray of shape (d,)
        Midpoint of that range.
    section_point : ndarray of shape (d,)
        The last crossing of the section (a point on the cycle).
    crossings : int
        Number of crossings observed.
    """

    period: float
    amplitude: np.ndarray
    center: np.ndarray
    section_point: np.ndarray
    crossings: int


def periodic_orbit(
    system,
    x0,
    *,
    normal=None,
    point=None,
    t_transient=50.0,
    t_max=500.0,
    n_crossings=5,
    tol=1e-8,
    rtol=1e-11,
    atol=1e-11,
):
    """Period and amplitude of the limit cycle that the orbit from ``x0`` converges to.

    The flow is integrated with ``scipy.integrate.solve_ivp`` (DOP853) for ``t_transient``,
    then until ``n_crossings`` successive upward crossings of the Poincaré section
    ``{x : normal · (x − point) = 0}`` (located by event detection) agree within ``tol ·
    max(1, |x|)``: the orbit has then converged to a periodic orbit, whose period is the time
    between the last two crossings and whose amplitude is half the range of each variable over
    that last period (sampled at 20,001 points of the dense output).

    Parameters
    ----------
    system : system, fitted model or callable ``f(t, x)``
        An autonomous flow.
    x0 : array-like of shape (d,)
        Initial state.
    normal : array-like of shape (d,), optional
        Normal of the section; default the first coordinate axis.
    point : array-like of shape (d,), optional
        A point of the section; default the mean of the transient's second half.
    t_transient : float
        Time integrated before the section is used.
    t_max : float
        Give up after this time.
    n_crossings : int
        Successive crossings that must agree (at least 2).
    tol : float
        Relative agreement of the crossings.
    rtol, atol : float
        Integration tolerances.

    Returns
    -------
    PeriodicOrbit

    Raises
    ------
    ValueError
        When the orbit does not cross the section or does not settle on a cycle by ``t_max``
        (an equilibrium, a chaotic or quasi-periodic orbit).

    Examples
    --------
    >>> import numpy as np
    >>> def hopf(t, x):
    ...     r2 = x[0] ** 2 + x[1] ** 2
    ...     return np.array([x[0] * (1 - r2) - x[1], x[1] * (1 - r2) + x[0]])
    >>> cycle = periodic_orbit(hopf, [0.1, 0.0])
    >>> round(cycle.period / np.pi, 6), np.round(cycle.amplitude, 6).tolist()
    (2.0, [1.0, 1.0])
    """
    field = as_vector_field(system, where="periodic_orbit", kind="flow")
    if field.is_map:
        raise ValueError(f"periodic_orbit: {field.name} is a map, not a flow")
    x0 = np.asarray(x0, dtype=np.float64)
    if x0.ndim != 1 or not np.all(np.isfinite(x0)):
        raise ValueError(f"periodic_orbit: x0 must be a finite 1-D state, got shape {x0.shape}")
    d = x0.shape[0]
    if not isinstance(n_crossings, numbers.Integral) or n_crossings < 2:
        raise ValueError(f"periodic_orbit: n_crossings must be an integer ≥ 2, got {n_crossings!r}")
    if not (0 < t_transient < t_max):
        raise ValueError(
            f"periodic_orbit: need 0 < t_transient < t_max, got {t_transient} and {t_max}"
        )

    def f(t, x):
        return np.asarray(field.f(t, x), dtype=np.float64)

    options = {"method": "DOP853", "rtol": rtol, "atol": atol}
    first = solve_ivp(f, (0.0, t_transient), x0, dense_output=True, **options)
    if not first.success:
        raise ValueError(f"periodic_orbit: integration failed: {first.message}")
    n = np.zeros(d)
    n[0] = 1.0
    n = n if normal is None else np.asarray(normal, dtype=np.float64)
    if n.shape != (d,) or not np.any(n):
        raise ValueError(f"periodic_orbit: normal must be a nonzero vector of shape ({d},)")
    if point is None:
        samples = first.sol(np.linspace(t_transient / 2, t_transient, 2000))
        p = samples.mean(axis=1)
    else:
        p = np.asarray(point, dtype=np.float64)

    def section(t, x):
        return float(n @ (x - p))

    section.direction = 1.0
    section.terminal = n_crossings  # stop each stretch after n_crossings crossings
    times, points = [], []
    t, x = t_transient, first.y[:, -1]
    while True:
        run = solve_ivp(f, (t, t_max), x, events=section, dense_output=True, **options)
        if not run.success:
            raise ValueError(
                f"periodic_orbit: integration failed at t = {run.t[-1]}: {run.message}"
            )
        # A stretch starts on the section: a crossing found at its very start is the one
        # that ended the previous stretch.
        fresh = run.t_events[0] > t + 1e-9 * max(1.0, abs(t)) if times else slice(None)
        times.extend(run.t_events[0][fresh])
        points.extend(run.y_events[0][fresh])
        window = np.asarray(points[-n_crossings:])
        if run.status == 1:
            scale = tol * max(1.0, float(np.max(np.abs(window))))
            if np.max(np.abs(window - window[-1])) <= scale:
                break
        else:  # reached t_max
            if len(times) < n_crossings:
                raise ValueError(
                    f"periodic_orbit: the orbit crossed the section {len(times)} time(s) "
                    f"between t = {t_transient} and t_max = {t_max}, fewer than n_crossings = "
                    f"{n_crossings}: it may have settled on an equilibrium; choose another "
                    "section or a longer t_max"
                )
            raise ValueError(
                f"periodic_orbit: the last {n_crossings} section crossings do not agree "
                f"within tol = {tol} by t_max = {t_max}: the orbit is not (yet) periodic"
            )
        t, x = run.t[-1], run.y[:, -1]
    # The stretch ended on a crossing and held n_crossings ≥ 2 of them: its dense output
    # covers the last period.
    t0, t1 = times[-2], times[-1]
    second = run
    values = second.sol(np.linspace(t0, t1, 20001))
    high, low = values.max(axis=1), values.min(axis=1)
    if np.max(high - low) <= 2 * tol * max(1.0, float(np.max(np.abs(values)))):
        raise ValueError(
            f"periodic_orbit: the orbit settled on an equilibrium near {values[:, -1]} (its "
            f"range over the last 'period' is within tol = {tol}), not on a cycle"
        )
    return PeriodicOrbit(
        period=float(t1 - t0),
        amplitude=(high - low) / 2,
        center=(high + low) / 2,
        section_point=np.asarray(points[-1]),
        crossings=len(times),
    )
