"""Validation of user data: the one place where sparseid looks at what a user passes.

Everything downstream receives a :class:`Trajectories` object holding float64 arrays: for each
trajectory the states ``x`` (n, d) and, when known, the sample times ``t`` (n,), plus the
variable names. pandas appears here on the way in; :meth:`Trajectories.to_frame` hands results
back in the user's format.

The checks of times live in :mod:`sparseid._time` and the :class:`Trajectories` record in
:mod:`sparseid._trajectories`; both are re-exported here.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.validation import check_array, validate_data

from ._time import (
    _TIME_HINT,
    GAP_FACTOR,
    _frame_time,
    _split_time,
    find_gaps,
    to_seconds,
    validate_time,
)
from ._trajectories import StepTimes, Trajectories, _is_listed, _where, one_per_trajectory

__all__ = [
    "GAP_FACTOR",
    "Trajectories",
    "find_gaps",
    "is_validated_array",
    "one_per_trajectory",
    "to_seconds",
    "validate_time",
    "validate_trajectories",
]


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
    listed = _is_listed(X)
    first_length = len(items[0]) if hasattr(items[0], "__len__") else 0
    per_trajectory = one_per_trajectory(t, len(items), listed, first_length)
    times = _split_time(t, len(items), name, per_trajectory)
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
        label = _where("t", k, len(items))
        ts.append(None if tk is None else validate_time(tk, n, label=label, keep_step=True))
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
    step = float(t) if isinstance(t, numbers.Number) and not isinstance(t, bool) else None
    if all(have_time) and all(isinstance(tk, float) for tk in ts):
        # A scalar step: the times of each trajectory are made when asked for, so that
        # validated data hold no O(n) array besides the states (a streamed fit never asks).
        # A list of steps, one per trajectory, is the same when they are equal.
        if len(set(ts)) == 1:
            step = ts[0]
        ts = StepTimes(ts if len(set(ts)) > 1 else ts[0], [len(x) for x in xs])
    elif all(have_time):
        # Steps for some trajectories and times for others: the steps become times.
        ts = [tk * np.arange(len(x)) if isinstance(tk, float) else tk for tk, x in zip(ts, xs)]
    data = Trajectories(
        x=xs,
        t=ts if all(have_time) else None,
        names=names,
        index=indexes if columns0 is not None else None,
        from_frame=columns0 is not None,
        step=step,
        time_note=time_note,
        name=name,
        listed=listed,
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
    several = one_per_trajectory(y, data.n_trajectories, data.listed, len(data.x[0]))
    items = list(y) if several else [y]
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
