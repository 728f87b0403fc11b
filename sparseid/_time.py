"""Time in sparseid: sample times checked, clock time turned into seconds, gaps found.

The one validator of sample times (:func:`validate_time`), the one conversion of datetimes and
timedeltas to seconds (:func:`to_seconds`), the times of a DataFrame's index, the split of a
time specification over several trajectories, and the detection of gaps between rows that are
not contiguous samples (:func:`find_gaps`). :mod:`sparseid._data` validates user data with them.
"""

from __future__ import annotations

import datetime
import numbers

import numpy as np
import pandas as pd
from scipy.ndimage import median_filter

__all__ = ["GAP_FACTOR", "find_gaps", "to_seconds", "validate_time"]

_TIME_HINT = (
    "pass t= (a sampling step such as t=0.01, an array of sample times, or a list of arrays, "
    "one per trajectory), or pass a pandas DataFrame indexed by time"
)

#: A step between two rows more than this many times the median of the steps around it (the
#: 11 steps centred on it) is a gap: the rows on either side are not contiguous samples.
GAP_FACTOR = 3.0
_GAP_WINDOW = 11


_DATETIME_TYPES = (datetime.date, datetime.timedelta, np.datetime64, np.timedelta64)


def to_seconds(t):
    """Datetimes or timedeltas as float seconds from the first one; anything else unchanged.

    The one conversion of clock time in sparseid: a DataFrame's ``DatetimeIndex`` or
    ``TimedeltaIndex``, and times given to ``fit``, ``score`` or ``simulate`` as datetimes or
    timedeltas (pandas Index or Series, numpy ``datetime64``/``timedelta64`` arrays, lists of
    them), all become seconds counted from their first entry.

    Parameters
    ----------
    t : object
        Sample times in any form.

    Returns
    -------
    ndarray of float64, or ``t`` itself when it holds no datetimes or timedeltas

    Examples
    --------
    >>> import pandas as pd
    >>> to_seconds(pd.date_range("2024-01-01", periods=3, freq="250ms")).tolist()
    [0.0, 0.25, 0.5]
    """
    if isinstance(t, pd.Index | pd.Series | np.ndarray) and t.dtype.kind != "O":
        if t.dtype.kind not in "mM":
            return t
    elif isinstance(t, list | tuple | pd.Index | pd.Series | np.ndarray) and np.ndim(t) == 1:
        # Timestamps and datetimes held as objects (tz-aware datetimes in a numpy array)
        if not len(t) or not isinstance(next(iter(t)), _DATETIME_TYPES):
            return t
    else:
        return t
    values = pd.Index(t)
    if values.dtype.kind not in "mM":  # a list mixing datetimes with other things
        raise TypeError(f"t mixes datetimes with other values: {t!r}")
    return (values - values[0]).total_seconds().to_numpy(dtype=np.float64)


def _frame_time(frame, label):
    """Times from a DataFrame's index: (seconds, None), or (None, why the index is not time)."""
    index = frame.index
    dtype = index.dtype
    if isinstance(index, pd.DatetimeIndex | pd.TimedeltaIndex):
        return to_seconds(index), None
    if pd.api.types.is_float_dtype(dtype):
        return index.to_numpy(dtype=np.float64), None
    # An integer index counts rows (pandas' default RangeIndex, or what is left of it after
    # dropna or a selection), it does not measure time: taking it as seconds would be exactly
    # the silent unit step we refuse to assume. The user says when integers are times.
    if isinstance(index, pd.RangeIndex):
        what = "a default RangeIndex (row numbers)"
    elif pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        what = "an index of integers (row numbers?)"
    else:
        what = f"an index of dtype {dtype}"
    return None, (
        f"{label} has {what}, which is not taken as time: pass t= (a sampling step such as "
        f"t=0.01, or the sample times, e.g. t={label}.index.to_numpy(float) if the index holds "
        "seconds), or index the DataFrame by float, datetime or timedelta values"
    )


def find_gaps(t):
    """Rows of one trajectory that do not follow on from the row before them.

    A step ``t[i] - t[i-1]`` more than :data:`GAP_FACTOR` (3) times the median of the 11 steps
    centred on it is a gap: rows ``i-1`` and ``i`` are not contiguous samples (rows removed, as
    from the training set of a ``KFold`` split, or two recordings put end to end), and no
    derivative or next-state pair may bridge it. One or two missing samples (steps of 2 or 3
    times the others) are not gaps: the differentiators use the actual times, so they bridge
    them exactly as they bridge any non-uniform grid. A grid whose step changes smoothly (even
    by orders of magnitude, as an adaptive solver's) has no gaps: the median of a monotone run
    of steps is the step in its middle.

    Parameters
    ----------
    t : ndarray of shape (n,)
        Strictly increasing sample times.

    Returns
    -------
    ndarray of int
        The rows ``i`` that start a new piece (``1 <= i < n``), in order.

    Examples
    --------
    >>> import numpy as np
    >>> find_gaps(np.r_[np.arange(10.0), np.arange(20.0, 30.0)]).tolist()
    [10]
    """
    steps = np.diff(t)
    # Fewer than three steps leave nothing to compare with; and when no step exceeds the
    # factor times the smallest one there can be no gap, which spares the median filter.
    if len(steps) < 3 or steps.max() <= GAP_FACTOR * steps.min():
        return np.empty(0, dtype=np.intp)
    local = median_filter(steps, size=_GAP_WINDOW, mode="mirror")
    return np.flatnonzero(steps > GAP_FACTOR * local) + 1


def validate_time(t, n, label="t", *, owner=None, keep_step=False):
    """Validate the sample times of one trajectory of ``n`` samples.

    The one check of times in sparseid: :func:`validate_trajectories`, ``simulate`` and the
    differentiators (which call it with ``owner`` and ``keep_step=True``) all go through it.

    Parameters
    ----------
    t : float or array-like of shape (n,)
        A positive sampling step (a real number or a 0-d array) or the sample times: numbers
        (in seconds), or datetimes or timedeltas, which become seconds from the first one (see
        :func:`to_seconds`).
    n : int
        Number of samples of the trajectory.
    label : str
        How to name ``t`` in error messages.
    owner : str, optional
        Who checks, prefixed to error messages (``"FiniteDifference: t must be ..."``).
    keep_step : bool
        Return a step as the float itself rather than expanded to ``step * arange(n)`` (the
        differentiators use the exact step).

    Returns
    -------
    t : ndarray of shape (n,), or float when ``keep_step`` is True and ``t`` is a step
        Strictly increasing, finite float64 sample times (or the positive finite step).

    Examples
    --------
    >>> validate_time(0.5, 3)
    array([0. , 0.5, 1. ])
    >>> validate_time(0.5, 3, keep_step=True)
    0.5
    """
    where = f"{owner}: " if owner else ""
    if isinstance(t, bool | np.bool_):
        raise TypeError(f"{where}{label} must be a number or an array of numbers, got {t!r}")
    if isinstance(t, numbers.Real) or (isinstance(t, np.ndarray) and t.ndim == 0):
        try:
            step = float(t)
        except (TypeError, ValueError):
            raise TypeError(f"{where}{label} must be a number, got {t!r}") from None
        if not np.isfinite(step) or step <= 0:
            raise ValueError(
                f"{where}the time step {label}={step!r} must be a positive finite number"
            )
        return step if keep_step else np.arange(n, dtype=np.float64) * step
    try:
        arr = np.asarray(to_seconds(t), dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{where}{label} must be a number or an array of numbers, got {t!r}"
        ) from None
    if arr.ndim != 1:
        raise ValueError(f"{where}{label} must be 1-D (one time per sample), got shape {arr.shape}")
    if len(arr) != n:
        raise ValueError(
            f"{where}{label} must have shape ({n},): it has {len(arr)} times but the trajectory "
            f"has {n} samples"
        )
    if not np.isfinite(arr.sum()) and not np.isfinite(arr).all():
        i = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(
            f"{where}{label} contains a non-finite time at position {i}: {float(arr[i])}"
        )
    steps = np.diff(arr)
    if np.any(steps <= 0):
        i = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise ValueError(
            f"{where}{label} must be strictly increasing: {label}[{i}] = {float(arr[i])!r} is "
            f"not greater than {label}[{i - 1}] = {float(arr[i - 1])!r}"
        )
    return arr


def _split_time(t, n_traj, name, per_trajectory=None):
    """One time specification per trajectory.

    ``per_trajectory`` says whether a list or tuple ``t`` holds one entry per trajectory (the
    default: when there are several trajectories); see ``sparseid._data.one_per_trajectory``.
    """
    if t is None or (isinstance(t, numbers.Number) and not isinstance(t, bool)):
        return [t] * n_traj
    if per_trajectory is None:
        per_trajectory = isinstance(t, list | tuple) and n_traj > 1
    if per_trajectory:
        if len(t) != n_traj:
            raise ValueError(
                f"t is a list of {len(t)} entries but {name} has {n_traj} trajectories"
            )
        return list(t)
    if n_traj > 1:
        raise ValueError(
            f"{name} has {n_traj} trajectories: pass t as a step or as a list of {n_traj} arrays"
        )
    return [t]
