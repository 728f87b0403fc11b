"""Omega-limit sets of one-dimensional maps over a grid of parameters, their periods, and
bifurcation diagrams.

The map is iterated for every parameter value at once: one numpy operation per iteration on
an array holding the whole grid, with preallocated buffers, so that 10⁴ parameter values ×
10³ iterations take a fraction of a second and there is no Python loop per value.

References
----------
.. [1] S. H. Strogatz, *Nonlinear Dynamics and Chaos*, 2nd ed., Westview Press (2015),
   sections 10.2-10.6 (orbit diagrams of one-dimensional maps).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["BifurcationDiagram", "bifurcation_diagram", "omega_limit", "orbit_period"]


def _check_count(value, name, where, minimum):
    if not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{where}: {name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def _grid_step(map, params, where):
    """The step function over the grid, the grid's name and its values (1-D)."""
    if isinstance(params, dict):
        if len(params) != 1:
            raise ValueError(
                f"{where}: params must map one parameter name to its grid, got {sorted(params)}"
            )
        ((name, values),) = params.items()
        values = np.asarray(values, dtype=np.float64)
        if not hasattr(map, "with_params"):
            raise TypeError(
                f"{where}: params given by name ({name!r}) need a map with a with_params method "
                f"(such as sparseid.systems.SigmoidMap), got {type(map).__name__}; pass a "
                "callable map(x, p) and an array of parameter values instead"
            )
        step = map.with_params(**{name: values})
    else:
        if not callable(map):
            raise TypeError(f"{where}: map must be callable, got {type(map).__name__}")
        if hasattr(map, "with_params"):
            raise TypeError(
                f"{where}: {type(map).__name__} takes its parameters by name: pass params as "
                "{name: grid}, e.g. {'b': np.linspace(-0.5, 1.5, 1000)}"
            )
        name = "parameter"
        values = np.asarray(params, dtype=np.float64)

        def step(x, out=None):
            result = np.asarray(map(x, values), dtype=np.float64)
            if out is None:
                return result
            out[...] = result
            return out

    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"{where}: the parameter grid must be a non-empty 1-D array, got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{where}: the parameter grid holds non-finite values")
    return step, name, values


def _takes_out(step):
    import inspect

    try:
        return "out" in inspect.signature(step).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False


def omega_limit(map, x0, params, n_transient=1000, n_keep=200):
    """The omega-limit set of a 1-D map for every value of a parameter grid.

    The map is iterated ``n_transient`` times from ``x0`` for all parameter values at once;
    the next ``n_keep`` iterates approximate the omega-limit set (the attractor reached from
    ``x0``).

    Parameters
    ----------
    map : object with ``with_params``, or callable ``map(x, p)``
        A map such as :class:`sparseid.systems.SigmoidMap` when ``params`` is a dict, else a
        vectorised function of the states ``x`` (P,) and the parameter values ``p`` (P,).
        A step function accepting ``out=`` is used without allocations.
    x0 : float or array-like of shape (P,)
        Initial state(s).
    params : dict or array-like of shape (P,)
        ``{name: grid}`` (e.g. ``{"b": np.linspace(-0.5, 1.5, 2000)}``) to vary one parameter
        of ``map``, or the parameter values handed to ``map(x, p)``.
    n_transient : int
        Iterations discarded.
    n_keep : int
        Iterations kept.

    Returns
    -------
    ndarray of shape (P, n_keep)
        Row ``i`` holds the iterates ``x[n_transient + 1], ..., x[n_transient + n_keep]``
        for the ``i``-th parameter value.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.systems import SigmoidMap
    >>> points = omega_limit(SigmoidMap(a=0.8), 0.0, {"b": [0.5]}, n_keep=4)
    >>> np.round(points, 4)
    array([[-0.2778,  0.2778, -0.2778,  0.2778]])
    """
    where = "omega_limit"
    n_transient = _check_count(n_transient, "n_transient", where, 0)
    n_keep = _check_count(n_keep, "n_keep", where, 1)
    step, _, values = _grid_step(map, params, where)
    shape = values.shape
    x = np.array(np.broadcast_to(np.asarray(x0, dtype=np.float64), shape))
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{where}: x0 must be finite")
    kept = np.empty((n_keep, *shape))
    if _takes_out(step):
        buffer = np.empty(shape)
        for _ in range(n_transient):
            step(x, out=buffer)
            x, buffer = buffer, x
        step(x, out=kept[0])
        for k in range(1, n_keep):
            step(kept[k - 1], out=kept[k])
    else:
        for _ in range(n_transient):
            x = step(x)
        kept[0] = step(x)
        for k in range(1, n_keep):
            kept[k] = step(kept[k - 1])
    return np.ascontiguousarray(kept.T)


def orbit_period(orbit, *, tol=1e-6, max_period=None):
    """The period of the attracting orbit(s) that the iterates settled on.

    The period is the smallest ``p`` with ``|x[k + p] − x[k]| ≤ tol · max(1, max|x|)`` for
    every ``k`` of the kept window, so the pattern must repeat at least twice within it. An
    orbit converging at rate ρ per period needs about log(tol)/log(ρ) transient periods.

    Parameters
    ----------
    orbit : array-like of shape (n,) or (P, n)
        Iterates after the transient, as returned by :func:`omega_limit`.
    tol : float
        Relative tolerance (default 1e-6).
    max_period : int, optional
        Largest period looked for; default ``n // 2``.

    Returns
    -------
    int or None, or ndarray of int of shape (P,)
        For one orbit, its period or None (no period up to ``max_period``: chaotic,
        quasi-periodic or not yet converged). For several, an array with 0 for None.

    Examples
    --------
    >>> orbit_period([1.0, -1.0, 1.0, -1.0, 1.0])
    2
    >>> orbit_period([0.1, 0.5, 0.9, 0.3]) is None
    True
    """
    x = np.asarray(orbit, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[-1] < 2:
        raise ValueError(
            f"orbit_period: orbit must have shape (n,) or (P, n) with n ≥ 2, got {x.shape}"
        )
    if not tol > 0:
        raise ValueError(f"orbit_period: tol must be positive, got {tol!r}")
    single = x.ndim == 1
    x = np.atleast_2d(x)
    n = x.shape[1]
    limit = (
        n // 2 if max_period is None else _check_count(max_period, "max_period", "orbit_period", 1)
    )
    if limit > n // 2:
        raise ValueError(
            f"orbit_period: max_period = {limit} needs at least {2 * limit} iterates, got {n}"
        )
    with np.errstate(invalid="ignore"):
        scale = tol * np.maximum(1.0, np.max(np.abs(x), axis=1))
    period = np.zeros(x.shape[0], dtype=np.int64)
    open_rows = np.flatnonzero(np.all(np.isfinite(x), axis=1))
    for p in range(1, limit + 1):
        if open_rows.size == 0:
            break
        rows = x[open_rows]
        gap = np.max(np.abs(rows[:, p:] - rows[:, :-p]), axis=1)
        found = gap <= scale[open_rows]
        period[open_rows[found]] = p
        open_rows = open_rows[~found]
    if single:
        return int(period[0]) or None
    return period


@dataclass(frozen=True)
class BifurcationDiagram:
    """A bifurcation diagram: the omega-limit points of a map against one parameter.

    Attributes
    ----------
    parameter : str
        Name of the varied parameter.
    values : ndarray of shape (P,)
        Its grid.
    orbits : ndarray of shape (P, n_keep)
        The kept iterates for every value.
    period : ndarray of int of shape (P,)
        Period of the attracting orbit per value, 0 where none was found.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.systems import SigmoidMap
    >>> diagram = bifurcation_diagram(SigmoidMap(a=0.8), 0.0, {"b": np.linspace(0.3, 0.5, 21)})
    >>> windows = diagram.windows()
    >>> wide = windows[windows.stop - windows.start > 0.015]  # period 5 between 3 and 2
    >>> wide.reset_index(drop=True)
       period  start  stop
    0       3   0.30  0.32
    1       5   0.36  0.39
    2       2   0.45  0.50
    """

    parameter: str
    values: np.ndarray
    orbits: np.ndarray
    period: np.ndarray

    def to_frame(self):
        """Tidy DataFrame: one row per distinct point, columns ``parameter``, ``x``, ``period``.

        A period-p orbit contributes its p points; a value without a period contributes all
        its kept iterates. The period is a nullable integer (``<NA>`` when none was found).
        """
        n = self.orbits.shape[1]
        counts = np.where(self.period > 0, self.period, n)
        keep = np.arange(n)[None, :] >= (n - counts)[:, None]
        rows = np.broadcast_to(np.arange(len(self.values))[:, None], keep.shape)[keep]
        period = pd.array(self.period[rows], dtype="Int64")
        period[self.period[rows] == 0] = pd.NA
        return pd.DataFrame(
            {self.parameter: self.values[rows], "x": self.orbits[keep], "period": period}
        )

    def windows(self):
        """Runs of equal period along the grid: DataFrame with ``period``, ``start``, ``stop``.

        ``start`` and ``stop`` are the first and last grid values of each run (period 0: no
        period found).
        """
        change = np.flatnonzero(np.diff(self.period)) + 1
        first = np.concatenate([[0], change])
        last = np.concatenate([change - 1, [len(self.period) - 1]])
        return pd.DataFrame(
            {"period": self.period[first], "start": self.values[first], "stop": self.values[last]}
        )


def bifurcation_diagram(
    map, x0, params, n_transient=1000, n_keep=200, *, tol=1e-6, max_period=None
):
    """Omega-limit sets and periods over a parameter grid (see :func:`omega_limit`).

    Parameters
    ----------
    map, x0, params, n_transient, n_keep
        As for :func:`omega_limit`.
    tol, max_period
        As for :func:`orbit_period`.

    Returns
    -------
    BifurcationDiagram
        With ``to_frame()`` for the tidy table (parameter, x, period) that
        :func:`sparseid.plotting.plot_bifurcation_diagram` draws.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.systems import SigmoidMap
    >>> diagram = bifurcation_diagram(SigmoidMap(a=0.8), 0.0, {"b": [-0.1, 0.5]})
    >>> diagram.period.tolist()
    [1, 2]
    >>> diagram.to_frame().shape
    (3, 3)
    """
    orbits = omega_limit(map, x0, params, n_transient, n_keep)
    _, name, values = _grid_step(map, params, "bifurcation_diagram")
    period = orbit_period(orbits, tol=tol, max_period=max_period)
    return BifurcationDiagram(name, values, orbits, period)
