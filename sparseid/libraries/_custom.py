"""Custom library: user functions applied to every input or combination of inputs."""

from __future__ import annotations

import inspect
from itertools import combinations, combinations_with_replacement
from typing import ClassVar

import numpy as np

from .._params import Bool, Check
from ._base import BaseLibrary
from ._terms import FunctionTerm, PowerTerm

__all__ = ["CustomLibrary"]


def _arity(function, where):
    """Number of inputs of ``function``: its required positional parameters (``nin`` of a ufunc)."""
    if isinstance(function, np.ufunc):
        return function.nin
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: cannot read the signature of {function!r}: {exc}") from exc
    count = 0
    for param in signature.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            raise TypeError(f"{where}: {function!r} takes *args; give it a fixed number of inputs")
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            if param.default is param.empty:
                count += 1
    if count == 0:
        raise TypeError(f"{where}: {function!r} takes no input")
    return count


def _check_functions(owner, name, functions):
    label = type(owner).__name__
    if not isinstance(functions, (list, tuple)) or len(functions) == 0:
        raise TypeError(f"{label}: {name}={functions!r} must be a non-empty list of callables")
    for i, f in enumerate(functions):
        if not callable(f):
            raise TypeError(f"{label}: {name}[{i}]={f!r} is not callable")
        _arity(f, f"{label}: {name}[{i}]")
    return functions


def _check_function_names(owner, name, names):
    # Runs after the check of ``functions`` (declared first), so their number is known.
    label = type(owner).__name__
    if names is None:
        return None
    n_functions = len(owner.functions)
    if not isinstance(names, (list, tuple)) or len(names) != n_functions:
        raise ValueError(
            f"{label}: {name} must be a list with one entry per function ({n_functions}), "
            f"got {names!r}"
        )
    for i, entry in enumerate(names):
        if not (isinstance(entry, str) or callable(entry)):
            raise TypeError(f"{label}: {name}[{i}]={entry!r} must be a format string or callable")
    return names


class CustomLibrary(BaseLibrary):
    """User functions applied to each input or, by arity, to each combination of inputs.

    A function of one argument gives one term per input; a function of two arguments one term
    per pair of inputs, and so on (as PySINDy's ``CustomLibrary``). Each function receives 1-D
    arrays (columns) and must return a 1-D array of the same length, without NaN or inf.

    Parameters
    ----------
    functions : list of callable
        The functions; the arity of each is the number of its required positional parameters
        (``nin`` for a numpy ufunc).
    function_names : list of (callable or str), optional
        One entry per function: a callable mapping the input names to the term name
        (``lambda x: "exp(" + x + ")"``, PySINDy style) or a format string with one ``{}`` per
        argument (``"exp({})"``). By default the function's name (or ``f0``, ``f1``, ... for a
        lambda) followed by the input names: ``exp(x)``, ``f1(x,y)``.
    interaction_only : bool, default=True
        If True, a function of several arguments gets distinct inputs only (``f(x, y)`` but not
        ``f(x, x)``), as in PySINDy.
    include_bias : bool, default=False
        Whether to add the constant term ``1`` first.

    Attributes
    ----------
    n_features_in_ : int
        Number of inputs seen in `fit`.
    feature_names_in_ : ndarray of str
        Input names, when `fit` was given a DataFrame.
    terms_ : list of FunctionTerm (and a PowerTerm for the bias)
        One term per output column.
    n_output_features_ : int
        Number of output columns.

    Notes
    -----
    A library of Python callables cannot be saved as JSON; pickle it instead.

    Examples
    --------
    >>> import numpy as np
    >>> lib = CustomLibrary([np.exp, lambda x, y: x * y], ["exp({})", "{} {}"])
    >>> lib.fit(np.zeros((1, 2))).get_feature_names_out(["x", "y"]).tolist()
    ['exp(x)', 'exp(y)', 'x y']
    """

    _parameter_rules: ClassVar = {
        "functions": Check(_check_functions, "a non-empty list of callables of fixed arity"),
        "function_names": Check(
            _check_function_names, "None or one format string or callable per function"
        ),
        "interaction_only": Bool(),
        "include_bias": Bool(),
    }

    def __init__(self, functions, function_names=None, interaction_only=True, include_bias=False):
        self.functions = functions
        self.function_names = function_names
        self.interaction_only = interaction_only
        self.include_bias = include_bias

    def _default_name(self, i, function, arity):
        label = getattr(function, "__name__", "")
        label = label if label.isidentifier() else f"f{i}"
        return f"{label}({','.join(['{}'] * arity)})"

    def _make_terms(self, n_features):
        choose = combinations if self.interaction_only else combinations_with_replacement
        terms = [PowerTerm((0,) * n_features)] if self.include_bias else []
        for i, function in enumerate(self.functions):
            arity = _arity(function, type(self).__name__)
            fmt = (
                self.function_names[i]
                if self.function_names is not None
                else self._default_name(i, function, arity)
            )
            for combo in choose(range(n_features), arity):
                terms.append(FunctionTerm(function, combo, fmt))
        return terms

    def _transform(self, X):
        n = X.shape[0]
        out = np.empty((n, len(self.terms_)))
        names = [f"x{j}" for j in range(X.shape[1])]
        for col, term in enumerate(self.terms_):
            if isinstance(term, PowerTerm):
                out[:, col] = 1.0
                continue
            # NaN/inf are reported below as an error naming the function, so numpy's warnings
            # about them would only repeat it.
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                values = np.asarray(term.function(*[X[:, j] for j in term.inputs]))
            where = f"{type(self).__name__}: function {term.name(names)}"
            if values.shape != (n,):
                raise ValueError(
                    f"{where} returned shape {values.shape}; expected ({n},), one value per row"
                )
            if values.dtype.kind not in "biuf":
                raise TypeError(f"{where} returned non-real values of dtype {values.dtype}")
            out[:, col] = values
            bad = ~np.isfinite(out[:, col])
            if bad.any():
                raise ValueError(
                    f"{where} returned {int(bad.sum())} NaN or infinite values "
                    f"(first at row {int(np.argmax(bad))})"
                )
        return out

    def to_dict(self):
        raise TypeError(
            f"{type(self).__name__} cannot be saved as JSON because it holds Python callables; "
            "use pickle"
        )
