"""Validation of user data: the one place where sparseid looks at what a user passes.

Everything downstream receives a :class:`Trajectories` object holding float64 arrays: for each
trajectory the states ``x`` (n, d) and, when known, the sample times ``t`` (n,), plus the
variable names. pandas appears here on the way in; :meth:`Trajectories.to_frame` hands results
back in the user's format.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.validation import check_array, validate_data

__all__ = ["Trajectories", "validate_time", "validate_trajectories"]

_TIME_HINT = (
    "pass t= (a sampling step such as t=0.01, an array of sample times, or a list of arrays, "
    "one per trajectory), or pass a pandas DataFrame indexed by time"
)


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
    """

    x: list
    t: list | None
    names: list
    index: list | None = None
    from_frame: bool = False
    step: float | None = None

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

    def require_time(self, purpose="differentiate X"):
        """Raise a ValueError explaining how to pass time when no time is known."""
        if self.t is None:
            raise ValueError(f"time is needed to {purpose} but none was given: {_TIME_HINT}.")
        return self.t

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


def _frame_time(frame):
    """Time in seconds from a DataFrame's index, or None when the index is not time-like."""
    index = frame.index
    if isinstance(index, pd.DatetimeIndex):
        return (index - index[0]).total_seconds().to_numpy(dtype=np.float64)
    if isinstance(index, pd.TimedeltaIndex):
        return (index - index[0]).total_seconds().to_numpy(dtype=np.float64)
    if isinstance(index, pd.RangeIndex):
        # pandas' default index counts rows, it does not measure time: treating it as time would
        # be exactly the silent unit step we refuse to assume.
        return None
    if pd.api.types.is_numeric_dtype(index.dtype) and not pd.api.types.is_bool_dtype(index.dtype):
        return index.to_numpy(dtype=np.float64)
    return None


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


def validate_time(t, n, label="t"):
    """Validate the sample times of one trajectory of ``n`` samples.

    Parameters
    ----------
    t : float or array-like of shape (n,)
        A positive sampling step or the sample times.
    n : int
        Number of samples of the trajectory.
    label : str
        How to name ``t`` in error messages.

    Returns
    -------
    t : ndarray of shape (n,)
        Strictly increasing, finite float64 sample times.

    Examples
    --------
    >>> validate_time(0.5, 3)
    array([0. , 0.5, 1. ])
    """
    if isinstance(t, numbers.Number) and not isinstance(t, bool):
        step = float(t)
        if not np.isfinite(step) or step <= 0:
            raise ValueError(f"{label} as a step must be a positive finite number, got {t!r}")
        return np.arange(n, dtype=np.float64) * step
    try:
        arr = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{label} must be a number or an array of numbers, got {t!r}") from None
    if arr.ndim != 1:
        raise ValueError(f"{label} must be 1-D (one time per sample), got shape {arr.shape}")
    if len(arr) != n:
        raise ValueError(f"{label} has {len(arr)} times but the trajectory has {n} samples")
    if not np.all(np.isfinite(arr)):
        i = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{label} contains a non-finite time at position {i}: {float(arr[i])}")
    steps = np.diff(arr)
    if np.any(steps <= 0):
        i = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise ValueError(
            f"{label} must be strictly increasing: {label}[{i}] = {float(arr[i])!r} is not greater "
            f"than {label}[{i - 1}] = {float(arr[i - 1])!r}"
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
):
    """Turn user data into validated :class:`Trajectories`.

    Parameters
    ----------
    X : array-like of shape (n, d), DataFrame, or list of them
        One trajectory, or a list of trajectories (possibly of different lengths).
    t : float, array-like of shape (n,), list of array-like, or None
        The sampling step, the sample times, or one array per trajectory. When None, a DataFrame
        whose index is numeric, a ``DatetimeIndex`` or a ``TimedeltaIndex`` gives the times (in
        seconds from its first row); a default ``RangeIndex`` is not taken as time.
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
    xs, ts, indexes, columns0 = [], [], [], None
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
                tk = _frame_time(item)
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
        validate_data(estimator, first, reset=reset, ensure_all_finite=False, dtype=None)
    have_time = [tk is not None for tk in ts]
    if any(have_time) and not all(have_time):
        missing = have_time.index(False)
        raise ValueError(
            f"{_where(name, missing, len(items))} has no time while others do: {_TIME_HINT}"
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
    )
    if require_time:
        data.require_time()
    return data


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
