"""Validation of user data: the one place where sparseid looks at what a user passes.

Everything downstream receives a :class:`Trajectories` object holding float64 arrays: for each
trajectory the states ``x`` (n, d) and, when known, the sample times ``t`` (n,), plus the
variable names. pandas appears here on the way in; :meth:`Trajectories.to_frame` hands results
back in the user's format.
"""

from __future__ import annotations

import datetime
import itertools
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.ndimage import median_filter
from sklearn.utils.validation import check_array, validate_data

__all__ = [
    "GAP_FACTOR",
    "Trajectories",
    "find_gaps",
    "is_validated_array",
    "to_seconds",
    "validate_time",
    "validate_trajectories",
]

_TIME_HINT = (
    "pass t= (a sampling step such as t=0.01, an array of sample times, or a list of arrays, "
    "one per trajectory), or pass a pandas DataFrame indexed by time"
)

#: A step between two rows more than this many times the median of the steps around it (the
#: 11 steps centred on it) is a gap: the rows on either side are not contiguous samples.
GAP_FACTOR = 3.0
_GAP_WINDOW = 11


@dataclass(frozen=True)
class Trajectories:
    """Validated trajectories: float64 states, optional times and the variable names.

    Attributes
    ----------
    x : list of ndarray of shape (n_i, n_features)
        The states of each trajectory.
    t : list of ndarray of shape (n_i,) or None
        The strictly increasing sample times of each trajectory, or None when neither ``t`` nor
        a time index was given.
    names : list of str
        The variable names (DataFrame columns, or ``x0, x1, ...``).
    index : list of pandas.Index or None
        The original index of each DataFrame trajectory, so results can be handed back with it.
    from_frame : bool
        True when the input was a DataFrame (or a list of them).
    step : float or None
        The scalar sampling step when ``t`` was given as one.
    time_note : str or None
        Why a DataFrame's index was not taken as time (an integer index, for example), for the
        message of :meth:`require_time`.
    name : str
        How the data are named in error messages (``"X"``, ``"validation_data"``).
    """

    x: list
    t: list | None
    names: list
    index: list | None = None
    from_frame: bool = False
    step: float | None = None
    time_note: str | None = None
    name: str = "X"

    @property
    def n_trajectories(self):
        return len(self.x)

    @property
    def n_features(self):
        return self.x[0].shape[1]

    @property
    def n_samples(self):
        return sum(len(x) for x in self.x)

    def stacked(self):
        """All states stacked along axis 0, shape (sum n_i, n_features)."""
        return self.x[0] if len(self.x) == 1 else np.concatenate(self.x, axis=0)

    def require_time(self, purpose="differentiate X", advice=None):
        """Raise a ValueError explaining how to pass time when no time is known.

        Parameters
        ----------
        purpose : str
            What the time is needed for, as in "time is needed to {purpose}".
        advice : str, optional
            A further sentence for the message.
        """
        if self.t is None:
            hint = self.time_note or _TIME_HINT
            extra = f". {advice}" if advice else ""
            raise ValueError(f"time is needed to {purpose} but none was given: {hint}{extra}.")
        return self.t

    def pieces(self):
        """The contiguous runs of rows of every trajectory, split where the times have a gap.

        Rows either side of a gap (see :func:`find_gaps`) are not contiguous samples: they must
        not be differentiated or paired across it. Without times, or with a scalar step, every
        trajectory is one piece.

        Returns
        -------
        list of tuple (k, start, stop)
            Rows ``start:stop`` of trajectory ``k``, in order.
        """
        out = []
        for k, x in enumerate(self.x):
            cuts = [] if self.t is None or self.step is not None else find_gaps(self.t[k])
            bounds = [0, *cuts, len(x)]
            out.extend((k, a, b) for a, b in itertools.pairwise(bounds))
        return out

    def describe_gaps(self, k):
        """A sentence saying where trajectory ``k`` has gaps (for error messages)."""
        t = self.t[k]
        cuts = find_gaps(t)
        label = _where(self.name, k, self.n_trajectories)
        i = int(cuts[0])
        count = "a gap" if len(cuts) == 1 else f"{len(cuts)} gaps"
        return (
            f"{label} has {count} in its times (the first: t[{i}] - t[{i - 1}] = "
            f"{float(t[i] - t[i - 1]):.6g} is more than {GAP_FACTOR:g} times the steps around "
            "it), and the rows either side of a gap are taken as separate pieces"
        )

    def split(self, stacked):
        """Split an array stacked along axis 0 back into one piece per trajectory."""
        bounds = np.cumsum([len(x) for x in self.x])[:-1]
        return np.split(stacked, bounds, axis=0)


def _where(name, k, n_traj):
    return f"{name}[{k}]" if n_traj > 1 else name


def _check_finite(values, label, columns):
    """Raise a ValueError naming the first non-finite entry (row and column)."""
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        kind = "NaN" if np.isnan(values[row, col]) else "inf"
        raise ValueError(
            f"{label} contains {kind} at row {row}, column {col} ({columns[col]!r}); "
            "remove or interpolate missing and infinite values first"
        )


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


def _frame_values(frame, label):
    columns = frame.columns
    if columns.has_duplicates:
        dup = columns[columns.duplicated()].unique().tolist()
        raise ValueError(f"{label} has duplicate column names {dup}; column names must be unique")
    bad = [
        str(c)
        for c in columns
        if not (
            pd.api.types.is_numeric_dtype(frame[c].dtype)
            and not pd.api.types.is_complex_dtype(frame[c].dtype)
        )
    ]
    if bad:
        raise TypeError(
            f"{label} has non-numeric columns {bad}; every column must hold real numbers "
            "(convert or drop the others)"
        )
    return frame.to_numpy(dtype=np.float64, na_value=np.nan)


def _array_values(x, label):
    """Convert an array-like to a 2-D float64 array with messages that say what is wrong."""
    if sp.issparse(x):
        raise TypeError(
            f"{label} is a sparse matrix; sparse data is not supported, pass a dense array"
        )
    arr = np.asarray(x)
    if arr.dtype.kind == "c":
        raise ValueError(f"{label} has complex dtype {arr.dtype}: Complex data not supported")
    if arr.dtype.kind in "OUSV":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{label} holds non-numeric values (dtype {arr.dtype}): {exc}; "
                "pass an array of real numbers"
            ) from None
    if arr.ndim == 1:
        raise ValueError(
            f"{label} must be 2-D (n_samples, n_features), got a 1-D array of shape "
            f"{arr.shape}. Reshape your data either using array.reshape(-1, 1) if it has a "
            "single feature or array.reshape(1, -1) if it contains a single sample."
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{label} must be 2-D (n_samples, n_features), got {arr.ndim}-D shape {arr.shape}; "
            "pass several trajectories as a list of 2-D arrays"
        )
    if arr.shape[1] == 0:
        raise ValueError(
            f"{label} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required."
        )
    return np.asarray(arr, dtype=np.float64)


def is_validated_array(X, n_features):
    """Whether ``X`` is already what validation returns for one trajectory given as an array.

    That is a finite float64 ndarray of shape (n, ``n_features``) with n >= 1, which
    :func:`validate_trajectories` would hand back unchanged: callers that have nothing else to
    check (a model's ``predict`` on a single state, a block of validated rows) may use ``X``
    as it is. A quick test, not a validation: False only means "validate".

    Parameters
    ----------
    X : object
        Anything.
    n_features : int
        The number of columns expected.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> is_validated_array(np.zeros((1, 3)), 3), is_validated_array([[0.0, 0.0, 0.0]], 3)
    (True, False)
    """
    return (
        type(X) is np.ndarray
        and X.dtype == np.float64
        and X.ndim == 2
        and X.shape[0] > 0
        and X.shape[1] == n_features
        and bool(np.isfinite(X).all())
    )


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


def _split_time(t, n_traj, name):
    """One time specification per trajectory."""
    if t is None or (isinstance(t, numbers.Number) and not isinstance(t, bool)):
        return [t] * n_traj
    if isinstance(t, list | tuple) and n_traj > 1:
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


def _as_list(X, name):
    """A list of trajectories: a list of arrays/DataFrames is several, anything else is one."""
    if isinstance(X, list | tuple) and len(X) == 0:
        raise ValueError(f"{name} is empty: pass at least one trajectory")
    if isinstance(X, list | tuple) and all(isinstance(x, np.ndarray | pd.DataFrame) for x in X):
        return list(X)
    return [X]


def validate_trajectories(
    X,
    t=None,
    *,
    name="X",
    estimator=None,
    reset=True,
    require_time=False,
    min_samples=1,
    feature_names=None,
    expected_names=None,
):
    """Turn user data into validated :class:`Trajectories`.

    Parameters
    ----------
    X : array-like of shape (n, d), DataFrame, or list of them
        One trajectory, or a list of trajectories (possibly of different lengths).
    t : float, array-like of shape (n,), list of array-like, or None
        The sampling step, the sample times, or one array per trajectory (datetimes and
        timedeltas become seconds from the first one). When None, a DataFrame's index gives
        the times if it holds floats (taken as seconds) or is a ``DatetimeIndex`` or
        ``TimedeltaIndex`` (seconds from its first row). An integer index (the default
        ``RangeIndex``, or what is left of it after ``dropna`` or a selection) counts rows and
        is never taken as time: pass ``t=X.index.to_numpy(float)`` when its integers are
        seconds.
    name : str
        How to name ``X`` in error messages.
    estimator : estimator, optional
        When given, scikit-learn's ``validate_data`` records (``reset=True``) or checks
        (``reset=False``) ``n_features_in_`` and ``feature_names_in_`` on it.
    reset : bool
        Whether this call fits (records) or checks the number and names of features.
    require_time : bool
        Raise a ValueError explaining how to pass ``t`` when no time is known.
    min_samples : int
        Fewest samples each trajectory must have.
    feature_names : list of str, optional
        Variable names for array input (PySINDy's ``feature_names=``).
    expected_names : list of str, optional
        The ``feature_names=`` an estimator fitted on arrays was given (with ``reset=False``):
        a DataFrame must then have exactly these columns, in this order, or a ValueError says
        how to select them. scikit-learn's own check, which would only warn that the
        estimator was fitted without feature names, is skipped for it.

    Returns
    -------
    Trajectories

    Examples
    --------
    >>> import numpy as np
    >>> data = validate_trajectories(np.ones((4, 2)), t=0.1)
    >>> data.names, data.t[0]
    (['x0', 'x1'], array([0. , 0.1, 0.2, 0.3]))
    """
    items = _as_list(X, name)
    is_frame = [isinstance(x, pd.DataFrame) for x in items]
    if any(is_frame) and not all(is_frame):
        raise TypeError(f"{name} mixes DataFrames and arrays; pass all trajectories in one form")
    times = _split_time(t, len(items), name)
    xs, ts, indexes, columns0, time_note = [], [], [], None, None
    for k, (item, tk) in enumerate(zip(items, times)):
        label = _where(name, k, len(items))
        if isinstance(item, pd.DataFrame):
            if columns0 is None:
                columns0 = list(item.columns)
            elif list(item.columns) != columns0:
                raise ValueError(
                    f"{label} has columns {list(item.columns)} but {name}[0] has {columns0}; "
                    "every trajectory must have the same columns in the same order"
                )
            values = _frame_values(item, label)
            if values.size == 0 and values.shape[1] == 0:
                raise ValueError(f"{label} has 0 columns; at least 1 is required")
            indexes.append(item.index)
            if tk is None:
                tk, note = _frame_time(item, label)
                time_note = time_note or note
        else:
            values = _array_values(item, label)
        n = values.shape[0]
        if n < max(min_samples, 1):
            raise ValueError(
                f"{label} has {n} sample{'' if n == 1 else 's'}; "
                f"at least {max(min_samples, 1)} are needed"
            )
        if k > 0 and values.shape[1] != xs[0].shape[1]:
            raise ValueError(
                f"{label} has {values.shape[1]} columns but {name}[0] has {xs[0].shape[1]}; "
                "every trajectory must have the same variables"
            )
        cols = columns0 if columns0 is not None else _default_names(values.shape[1], feature_names)
        _check_finite(values, label, [str(c) for c in cols])
        xs.append(values)
        ts.append(None if tk is None else validate_time(tk, n, label=_where("t", k, len(items))))
    if estimator is not None:
        # scikit-learn's own helper records n_features_in_/feature_names_in_ and produces the
        # messages its estimator checks expect when predict sees the wrong number of features.
        first = items[0] if is_frame[0] else xs[0]
        if expected_names is not None and columns0 is not None:
            _check_names(columns0, expected_names, name)
            first = xs[0]  # names checked: scikit-learn would warn "fitted without names"
        validate_data(estimator, first, reset=reset, ensure_all_finite=False, dtype=None)
    have_time = [tk is not None for tk in ts]
    if any(have_time) and not all(have_time):
        missing = have_time.index(False)
        raise ValueError(
            f"{_where(name, missing, len(items))} has no time while others do: "
            f"{time_note or _TIME_HINT}"
        )
    names = (
        [str(c) for c in columns0]
        if columns0 is not None
        else _default_names(xs[0].shape[1], feature_names)
    )
    data = Trajectories(
        x=xs,
        t=ts if all(have_time) else None,
        names=names,
        index=indexes if columns0 is not None else None,
        from_frame=columns0 is not None,
        step=float(t) if isinstance(t, numbers.Number) and not isinstance(t, bool) else None,
        time_note=time_note,
        name=name,
    )
    if require_time:
        data.require_time()
    return data


def _check_names(columns, expected, name):
    """A DataFrame given to an estimator fitted on arrays with ``feature_names=`` must match."""
    got = [str(c) for c in columns]
    if got == list(expected):
        return
    if sorted(got) == sorted(expected):
        problem = "the same columns in another order"
    else:
        missing = [n for n in expected if n not in got]
        extra = [c for c in got if c not in expected]
        problem = f"columns {got} (missing {missing}, unexpected {extra})"
    raise ValueError(
        f"{name} has {problem}, but the model was fitted with feature_names={list(expected)}: "
        f"pass {name}[{list(expected)}], the columns in the order of fit"
    )


def _default_names(d, feature_names):
    if feature_names is None:
        return [f"x{i}" for i in range(d)]
    names = [str(n) for n in feature_names]
    if len(names) != d:
        raise ValueError(f"feature_names has {len(names)} names but the data has {d} columns")
    if len(set(names)) != len(names):
        raise ValueError(f"feature_names must be unique, got {names}")
    return names


def validate_targets(y, data, name="y"):
    """Validate regression targets against validated trajectories.

    Parameters
    ----------
    y : array-like of shape (n,) or (n, k), or a list of them (one per trajectory)
        The targets, usually the known time derivatives.
    data : Trajectories
        The validated inputs the targets belong to.
    name : str
        How to name ``y`` in error messages.

    Returns
    -------
    targets : list of ndarray of shape (n_i, k)
        Two-dimensional float64 targets, one per trajectory.
    one_dimensional : bool
        Whether ``y`` was 1-D (so predictions are returned 1-D too).
    """
    items = list(y) if isinstance(y, list | tuple) and data.n_trajectories > 1 else [y]
    if len(items) != data.n_trajectories:
        raise ValueError(f"{name} has {len(items)} trajectories but X has {data.n_trajectories}")
    out, one_d = [], False
    for k, (yk, xk) in enumerate(zip(items, data.x)):
        label = _where(name, k, len(items))
        if isinstance(yk, pd.DataFrame | pd.Series):
            yk = yk.to_numpy()
        arr = np.asarray(yk)
        if arr.dtype.kind == "c":
            raise ValueError(f"{label} has complex dtype; complex targets are not supported")
        arr = check_array(
            arr, ensure_2d=False, dtype=np.float64, ensure_all_finite=False, input_name=label
        )
        if arr.ndim == 1:
            one_d = True
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"{label} must be 1-D or 2-D, got shape {arr.shape}")
        if len(arr) != len(xk):
            raise ValueError(f"{label} has {len(arr)} rows but X has {len(xk)} samples")
        _check_finite(arr, label, [str(i) for i in range(arr.shape[1])])
        out.append(arr)
    return out, one_d
