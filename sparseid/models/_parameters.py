"""Bifurcation parameters as constant control inputs: ``fit(parameters=...)``, ``simulate``.

A parameter μ that is fixed along each trajectory is a control input held constant, so the
library holds terms in μ and in the states and one model is fitted on trajectories at several
μ. These helpers turn ``parameters=`` into the inputs the models already handle.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ConstantInputs", "constant_inputs", "parameter_vector", "parameters_as_inputs"]


class ConstantInputs:
    """Control inputs held constant over a simulation (``parameters=``)."""

    def __init__(self, value):
        self.value = value

    def __call__(self, t):
        return self.value


def constant_inputs(u, m):
    """The inputs as a vector when ``u`` is constant over the run, else None."""
    if isinstance(u, ConstantInputs):
        return u.value
    if callable(u):
        return None
    values = np.asarray(u, dtype=np.float64).reshape(len(u), -1)
    return values[0].copy() if values.shape[1] == m and np.all(values == values[0]) else None


def parameters_as_inputs(parameters, X):
    """``fit(parameters=...)`` as control inputs: each trajectory's values on all its rows."""
    several = isinstance(X, list | tuple)
    lengths = [len(x) for x in X] if several else [len(X)]
    names = None
    if isinstance(parameters, dict):
        names = [str(k) for k in parameters]
        columns = [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in parameters.values()]
        if any(c.shape != (len(lengths),) for c in columns):
            raise ValueError(
                f"parameters: each entry must hold one value per trajectory ({len(lengths)})"
            )
        values = np.column_stack(columns)
    else:
        try:
            values = np.asarray(parameters, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"parameters must hold numbers, got {parameters!r}") from None
        if values.ndim <= 1 and values.size == len(lengths):
            values = values.reshape(len(lengths), 1)
        if values.ndim != 2 or values.shape[0] != len(lengths):
            raise ValueError(
                f"parameters must hold one value (or row) per trajectory: {len(lengths)} "
                f"trajectories, got shape {np.shape(parameters)}"
            )
    if not np.all(np.isfinite(values)):
        raise ValueError("parameters must be finite")
    blocks = [np.tile(row, (n, 1)) for row, n in zip(values, lengths)]
    if names is not None:
        blocks = [pd.DataFrame(b, columns=names) for b in blocks]
    return blocks if several else blocks[0]


def parameter_vector(parameters, names):
    """``parameters`` of ``simulate`` as a vector of the model's inputs ``names``."""
    if isinstance(parameters, dict):
        missing = [n for n in names if n not in parameters]
        if missing or len(parameters) != len(names):
            raise ValueError(
                f"parameters must name exactly the inputs {names}, got {list(parameters)}"
            )
        parameters = [parameters[n] for n in names]
    try:
        value = np.atleast_1d(np.asarray(parameters, dtype=np.float64)).reshape(-1)
    except (TypeError, ValueError):
        raise TypeError(f"parameters must hold numbers, got {parameters!r}") from None
    if value.shape != (len(names),) or not np.all(np.isfinite(value)):
        raise ValueError(
            f"parameters must hold {len(names)} finite value(s) for {names}, got {parameters!r}"
        )
    return value
