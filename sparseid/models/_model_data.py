"""How a model's public methods read their data and hand results back: :class:`ModelDataMixin`.

What :class:`~sparseid.models._base.DynamicsModel` does between validated data
(:mod:`sparseid._data`) and its hooks: targets given to ``fit``/``score`` (refused when they
look like sample times passed by position, as PySINDy's ``fit(x, t)``) and their names, control
inputs ``u``, regression pairs (time derivatives estimated piece by piece between gaps, or next
states for maps), the check of a DataFrame's columns against ``feature_names=``, and results
handed back as pandas objects when the input was one.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from .._data import is_validated_array, validate_trajectories
from .._time import to_seconds

__all__ = ["ModelDataMixin"]


def _looks_like_times(y, X):
    """PySINDy's positional ``fit(x, t)``: y holds sample times rather than targets.

    That is, for every trajectory of ``X``, y is 1-D (an array, list, pandas Index or Series,
    any array-like), has one entry per row and is strictly increasing, or holds datetimes.
    Whatever the number of columns of ``X``: with one column, a target that only grows is as
    rare as it is with several. A genuine increasing target is passed as a column
    (``y.reshape(-1, 1)``) or by the keyword ``x_dot=``.
    """
    several = (
        isinstance(X, list | tuple)
        and len(X) > 1
        and all(isinstance(x, np.ndarray | pd.DataFrame) for x in X)
    )
    if several:
        return (
            isinstance(y, list | tuple)
            and len(y) == len(X)
            and all(_one_looks_like_times(yk, xk) for yk, xk in zip(y, X))
        )
    if isinstance(X, list | tuple) and len(X) == 1 and isinstance(X[0], np.ndarray | pd.DataFrame):
        X = X[0]
    return _one_looks_like_times(y, X)


def _one_looks_like_times(y, X):
    if y is None or isinstance(y, pd.DataFrame):
        return False
    try:
        n = len(X)
    except TypeError:
        return False
    if isinstance(y, pd.Series | pd.Index):
        y = y.to_numpy()
    try:
        arr = np.asarray(y)
    except (TypeError, ValueError):
        return False
    if arr.ndim != 1 or arr.size < 2 or arr.size != n:
        return False
    if arr.dtype.kind in "mM" or (arr.dtype.kind == "O" and to_seconds(arr) is not arr):
        return True  # datetimes or timedeltas
    if arr.dtype.kind not in "fiu":
        return False
    return bool(np.all(np.diff(arr) > 0))


class ModelDataMixin:
    """The data handling of :class:`~sparseid.models._base.DynamicsModel`.

    What it holds is listed in the module docstring. It relies on the model's fitted
    attributes and on its hooks ``_is_map`` and ``_differentiation()``.
    """

    def _resolve_targets(self, X, y, x_dot, method="fit"):
        if x_dot is not None and y is not None:
            raise ValueError("pass the targets either as y or as x_dot, not both")
        target = x_dot if y is None else y
        if isinstance(target, numbers.Number) and not isinstance(target, bool):
            raise TypeError(
                f"y={target!r} is a number, not a target array: to give the sampling step, "
                f"pass it by name, as in {method}(X, t={target!r})"
            )
        # x_dot is a keyword: what it holds is never times passed by position.
        if _looks_like_times(y, X):
            raise TypeError(
                "y is a strictly increasing 1-D array (or holds datetimes) with one entry per "
                "row of X: it looks like the sample times (PySINDy's positional fit(x, t)). "
                f"Pass times by name: {method}(X, t=t). If y really is a target, pass it as a "
                "column, y.reshape(-1, 1), or as x_dot=y"
            )
        return target

    def _derivative_names(self):
        return [f"{v}[k+1]" if self._is_map else f"{v}'" for v in self.variable_names_]

    @staticmethod
    def _given_target_names(y, k):
        first = y[0] if isinstance(y, list | tuple) and len(y) and hasattr(y[0], "shape") else y
        if isinstance(first, pd.DataFrame):
            return [str(c) for c in first.columns]
        if isinstance(first, pd.Series) and first.name is not None:
            return [str(first.name)]
        return [f"y{i}" for i in range(k)]

    def _validate_inputs(self, u, data, *, fitting):
        """Control inputs as a list of (n_i, m) arrays (empty arrays when there are none)."""
        if fitting:
            self.n_control_features_ = 0
            self.control_names_ = []
        expected = self.n_control_features_
        if u is None:
            if expected:
                raise ValueError(
                    f"this model was fitted with {expected} control input(s) "
                    f"{self.control_names_}: pass u="
                )
            return [np.empty((len(x), 0)) for x in data.x]
        if not self._supports_control:
            raise ValueError(f"{type(self).__name__} does not support control inputs u")
        if not fitting and not expected:
            raise ValueError("this model was fitted without control inputs: do not pass u")
        if isinstance(u, np.ndarray) and u.ndim == 1:
            u = u.reshape(-1, 1)
        udata = validate_trajectories(u, None, name="u")
        if udata.n_trajectories != data.n_trajectories:
            raise ValueError(
                f"u has {udata.n_trajectories} trajectories but X has {data.n_trajectories}"
            )
        for k, (uk, xk) in enumerate(zip(udata.x, data.x)):
            if len(uk) != len(xk):
                where = f"u[{k}]" if data.n_trajectories > 1 else "u"
                raise ValueError(f"{where} has {len(uk)} rows but X has {len(xk)} samples")
        if fitting:
            self.n_control_features_ = udata.n_features
            self.control_names_ = (
                udata.names if udata.from_frame else [f"u{i}" for i in range(udata.n_features)]
            )
        elif udata.n_features != expected:
            raise ValueError(
                f"u has {udata.n_features} columns but the model was fitted with {expected}"
            )
        return udata.x

    @staticmethod
    def _stack_inputs(xs, inputs):
        return np.concatenate([np.hstack([x, u]) if u.shape[1] else x for x, u in zip(xs, inputs)])

    def _regression_pairs(self, data, inputs, advice=None):
        """Stacked inputs Z and targets Y from trajectories: derivatives, or next states.

        The blocks of :meth:`_trajectory_blocks`, stacked (for ``score`` and the models that
        need every pair at once).
        """
        parts = list(self._trajectory_blocks(data, inputs, advice))
        if not parts:
            m = inputs[0].shape[1] if inputs else 0
            return np.empty((0, data.n_features + m)), np.empty((0, data.n_features))
        return np.concatenate([z for z, _ in parts]), np.concatenate([y for _, y in parts])

    def _trajectory_blocks(self, data, inputs, advice=None):
        """Blocks (Z, Y) of the regression pairs of validated trajectories.

        Each trajectory is taken in the contiguous pieces of :meth:`Trajectories.pieces`: no
        derivative is estimated, and no next state paired, across a gap in the times. See
        :func:`sparseid.models._streaming.regression_blocks`.
        """
        from ._streaming import regression_blocks

        if self._is_map:
            return regression_blocks(data, inputs, None, is_map=True)
        data.require_time("differentiate X", advice)
        method, noise_check = self._resolved_differentiation(data)
        return regression_blocks(data, inputs, method, noise_check=noise_check)

    def _resolved_differentiation(self, data=None):
        """The differentiator, and the noise check to run on each piece (for the default).

        The default is chosen by the estimated noise of ``data`` (validated trajectories), by
        :func:`sparseid.differentiation.noise_aware_differentiation`: exact differences on clean
        data, a smoother when noise would dominate. Without data (Dask input) it is
        :func:`sparseid.differentiation.default_differentiation`. The choice is kept on the model
        as ``differentiation_``.
        """
        from ..differentiation import default_differentiation, noise_aware_differentiation
        from ..differentiation._noise import noise_ratio

        method = self._differentiation()
        if method is not None:
            self.differentiation_ = method
            return method, None
        if data is None:
            method = default_differentiation()
        else:
            times = data.require_time("differentiate X")
            pieces = [(data.x[k][a:b], times[k][a:b]) for k, a, b in data.pieces()]
            method = noise_aware_differentiation(pieces)
        self.differentiation_ = method
        # Warn (NoiseWarning) when even the chosen default leaves the derivative dominated by
        # noise, suggesting a smoother (or the weak form).
        return method, lambda x, t, mean_square: noise_ratio(x, t, method, mean_square)

    def _is_trusted_array(self, X, u):
        """Whether ``predict`` may use ``X`` as it is, skipping validation.

        True when validation would return ``X`` unchanged (see
        :func:`sparseid._data.is_validated_array`) and has nothing else to check: no control
        inputs, and no column names (a model fitted on a DataFrame warns about an array). The
        lean path for single states in a loop and for blocks of validated rows.
        """
        return (
            u is None
            and not self.n_control_features_
            and not hasattr(self, "feature_names_in_")
            and is_validated_array(X, self.n_features_in_)
        )

    def _given_feature_names(self):
        """The ``feature_names=`` given to ``fit`` on arrays, or None.

        Derived from the fitted state (names that are not the defaults ``x0, x1, ...`` on a
        model fitted on arrays), so that saved and loaded models check names the same way.
        """
        if self._fitted_on_frame or hasattr(self, "feature_names_in_"):
            return None
        names = list(self.variable_names_)
        return None if names == [f"x{i}" for i in range(len(names))] else names

    def _format(self, values, data, k):
        if self._targets_1d:
            values = values[:, 0]
            if data.from_frame:
                return pd.Series(values, index=data.index[k], name=self.target_names_[0])
            return values
        if data.from_frame:
            return pd.DataFrame(values, index=data.index[k], columns=self.target_names_)
        return values
