"""Terms with a nonlinear parameter inside: ``f(rate * x + offset)``, such as ``tanh(c x)``.

A :class:`ParametricTerm` is a term record like the others (values, name, compiled code, its
derivative, sympy and JSON are generated from it), with the inner constants written into it.
A :class:`ParametricLibrary` makes one such term per input; an inner constant given as
``None`` is unknown, and a model's ``fit`` finds it by variable projection
(:mod:`sparseid.libraries._varpro`): for every trial value the linear coefficients are solved
exactly and the constant is optimised on the resulting residual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._checks import check_choice, check_integer, check_real
from .._params import Check, Choice, Real
from ._base import BaseLibrary
from ._term_base import Term, _check_int
from ._term_json import _described

__all__ = ["PARAMETRIC_FUNCTIONS", "ParametricLibrary", "ParametricTerm"]


def _logistic(u):
    # 1 / (1 + exp(-u)) written through tanh: no overflow for large |u|.
    return 0.5 + 0.5 * np.tanh(0.5 * u)


# Per function: numpy values, the derivative of f (code in the argument `{u}` and the
# namespace `{m}`: every name exists in both math and numpy), the value code, and sympy.
_FUNCTIONS = {
    "tanh": (np.tanh, "(1.0 - {m}.tanh({u})**2)", "{m}.tanh({u})"),
    "exp": (np.exp, "{m}.exp({u})", "{m}.exp({u})"),
    "logistic": (
        _logistic,
        "(0.25*(1.0 - {m}.tanh(0.5*{u})**2))",
        "(0.5 + 0.5*{m}.tanh(0.5*{u}))",
    ),
    "arctan": (np.arctan, "(1.0/(1.0 + {u}**2))", "{m}.{atan}({u})"),
    "sin": (np.sin, "{m}.cos({u})", "{m}.sin({u})"),
    "cos": (np.cos, "(-{m}.sin({u}))", "{m}.cos({u})"),
    "gaussian": (
        lambda u: np.exp(-(u**2)),
        "(-2.0*{u}*{m}.exp(-{u}**2))",
        "{m}.exp(-{u}**2)",
    ),
}
#: Names of the functions a parametric term can apply.
PARAMETRIC_FUNCTIONS = tuple(_FUNCTIONS)


def _sympy_function(name, u):
    import sympy

    if name == "logistic":
        return 1 / (1 + sympy.exp(-u))
    if name == "gaussian":
        return sympy.exp(-(u**2))
    return getattr(sympy, {"arctan": "atan"}.get(name, name))(u)


def _number(value):
    return f"{value:.6g}"


@dataclass(frozen=True)
class ParametricTerm(Term):
    """``function(rate * x_input + offset)`` for one of :data:`PARAMETRIC_FUNCTIONS`.

    Parameters
    ----------
    function : {"tanh", "exp", "logistic", "arctan", "sin", "cos", "gaussian"}
        The outer function; ``logistic`` is ``1 / (1 + exp(-u))`` and ``gaussian`` is
        ``exp(-u^2)``.
    input : int
        The input it depends on.
    rate, offset : float
        The inner constants (finite).

    Examples
    --------
    >>> ParametricTerm("tanh", 0, 5.0).name(["x"])
    'tanh(5 x)'
    >>> ParametricTerm("exp", 1, -0.5, 1.0).to_code(["x0", "x1"])
    'np.exp((-0.5*x1 + 1.0))'
    """

    #: The ``type`` of its JSON description, and the keys that description holds.
    type_name: ClassVar[str] = "parametric"
    json_fields: ClassVar[tuple] = ("function", "input", "rate", "offset")

    function: str
    input: int
    rate: float = 1.0
    offset: float = 0.0

    def __post_init__(self):
        # Every problem is a ValueError: a term is also read from untrusted files.
        check_choice("ParametricTerm", "function", self.function, PARAMETRIC_FUNCTIONS)
        object.__setattr__(self, "input", _check_int(self.input, "ParametricTerm", "input", 0))
        for name in ("rate", "offset"):
            value = check_real("ParametricTerm", name, getattr(self, name), type_error=ValueError)
            object.__setattr__(self, name, float(value))

    @property
    def inputs(self) -> tuple[int, ...]:
        return (self.input,)

    def _argument(self, var):
        inner = f"{self.rate!r}*{var}"
        return f"({inner})" if self.offset == 0.0 else f"({inner} + {self.offset!r})"

    def evaluate(self, X) -> np.ndarray:
        u = self.rate * np.asarray(X, dtype=np.float64)[:, self.input]
        if self.offset != 0.0:
            u = u + self.offset
        return np.asarray(_FUNCTIONS[self.function][0](u), dtype=np.float64)

    def name(self, input_names) -> str:
        arg = input_names[self.input]
        inner = arg if self.rate == 1.0 else f"{_number(self.rate)} {arg}"
        if self.rate == -1.0:
            inner = f"-{arg}"
        if self.offset != 0.0:
            sign = "-" if self.offset < 0 else "+"
            inner = f"{inner} {sign} {_number(abs(self.offset))}"
        return f"{self.function}({inner})"

    def to_code(self, var_names, namespace=None, module="np") -> str:
        template = _FUNCTIONS[self.function][2]
        atan = "atan" if module == "math" else "arctan"
        return template.format(m=module, u=self._argument(var_names[self.input]), atan=atan)

    def derivative_code(self, j, var_names, namespace=None, module="np") -> str:
        if j != self.input:
            return "0.0"
        outer = _FUNCTIONS[self.function][1].format(
            m=module, u=self._argument(var_names[self.input])
        )
        return f"{self.rate!r}*{outer}"

    def to_sympy(self, symbols):
        import sympy

        # Exact binary values of the constants (17 significant digits round-trip a float).
        rate, offset = (sympy.Float(repr(v), 17) for v in (self.rate, self.offset))
        u = rate * symbols[self.input] + (offset if self.offset != 0.0 else 0)
        return _sympy_function(self.function, u)

    def to_dict(self) -> dict:
        return {
            "type": self.type_name,
            "function": self.function,
            "input": self.input,
            "rate": self.rate,
            "offset": self.offset,
        }

    @classmethod
    def _from_dict(cls, d, depth):
        values = [_described(d, key, cls.type_name) for key in cls.json_fields]
        for key, value in zip(cls.json_fields[2:], values[2:]):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"term_from_dict: parametric {key} must be a number")
        return cls(*values)


def _check_input(owner, name, value):
    if value is None:
        return None
    return check_integer(owner, name, value, minimum=0, type_error=ValueError)


class ParametricLibrary(BaseLibrary):
    """``function(rate * x_j + offset)`` for every input ``x_j`` (or one), inner constants learned.

    A constant given as None is unknown: a model's ``fit`` (:class:`~sparseid.SINDy`,
    continuous or discrete time) finds it by variable projection [1]_ [2]_. For each trial
    value the library is evaluated and the model's optimizer solves the linear (sparse)
    coefficients; the constants minimise the resulting residual, first on a coarse grid, then
    by ``scipy.optimize.least_squares`` on the residual of the fit on that support. The fitted
    model's ``feature_library_`` then holds the found constants as its parameters (so it
    saves, compiles and simulates like any library), ``rate_`` and ``offset_`` on the library,
    and the model's ``nonlinear_parameters_``.

    Parameters
    ----------
    function : {"tanh", "exp", "logistic", "arctan", "sin", "cos", "gaussian"}, default="tanh"
        The outer function (``logistic`` is ``1/(1 + exp(-u))``, ``gaussian`` ``exp(-u^2)``).
    rate : float or None, default=None
        The factor of the input inside the function; None: learned in a model's ``fit``.
        One rate is shared by every input the library applies to; combine one library per
        input (``input=j``, joined with ``+``) for a rate per input.
    offset : float or None, default=0.0
        The constant added inside the function; None: learned.
    input : int or None, default=None
        Apply the function to this input only; None: to every input.

    Attributes
    ----------
    n_features_in_ : int
        Number of inputs seen in `fit`.
    terms_ : list of ParametricTerm
        One term per input it applies to.
    rate_, offset_ : float
        The inner constants of the terms.
    n_output_features_ : int
        Number of output columns.

    References
    ----------
    .. [1] G. H. Golub and V. Pereyra, "The differentiation of pseudo-inverses and nonlinear
       least squares problems whose variables separate", SIAM Journal on Numerical Analysis
       10 (2), 413-432 (1973).
    .. [2] G. H. Golub and V. Pereyra, "Separable nonlinear least squares: the variable
       projection method and its applications", Inverse Problems 19 (2), R1-R26 (2003).

    Examples
    --------
    >>> import numpy as np
    >>> lib = ParametricLibrary("tanh", rate=5.0).fit(np.zeros((1, 2)))
    >>> lib.get_feature_names_out(["x", "y"]).tolist()
    ['tanh(5 x)', 'tanh(5 y)']
    """

    _parameter_rules: ClassVar = {
        "function": Choice(PARAMETRIC_FUNCTIONS),
        "rate": Real(allow_none=True),
        "offset": Real(allow_none=True),
        "input": Check(_check_input, "None or an input index >= 0"),
    }
    #: The parameters that may be None (unknown, learned by variable projection).
    _inner_parameters: ClassVar = ("rate", "offset")

    def __init__(self, function="tanh", rate=None, offset=0.0, input=None):
        self.function = function
        self.rate = rate
        self.offset = offset
        self.input = input

    def _make_terms(self, n_features):
        unknown = [name for name in self._inner_parameters if getattr(self, name) is None]
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: {' and '.join(unknown)} unknown (None); a model's fit "
                "learns it (variable projection); to use the library alone, give its value"
            )
        if self.input is not None and self.input >= n_features:
            raise ValueError(
                f"{type(self).__name__}: input={self.input} but the data have {n_features} input(s)"
            )
        self.rate_, self.offset_ = float(self.rate), float(self.offset)
        inputs = range(n_features) if self.input is None else [self.input]
        return [ParametricTerm(self.function, j, self.rate_, self.offset_) for j in inputs]

    def _count_terms(self, n_features, count_terms=None):
        return n_features if self.input is None else 1

    def _free_parameters(self, X):
        """The unknown inner constants: name, coarse grid (from the data ``X``) and start.

        Returns
        -------
        list of (str, ndarray, float)
        """
        columns = X if self.input is None else X[:, [int(self.input)]]
        spread = float(np.max(np.abs(columns - np.median(columns, axis=0)))) if X.size else 1.0
        spread = spread if spread > 0 and math.isfinite(spread) else 1.0
        free = []
        if self.rate is None:
            # Rates from a hundredth to a thousand times the inverse data spread, about 23
            # points per decade. Negative rates only for the functions they change: with
            # the outer sign in the linear coefficient, f(-r x + o) is ±f(r x - o) for the
            # odd and even functions.
            grid = np.geomspace(1e-2, 1e3, 116) / spread
            if self.function in ("exp", "logistic"):
                grid = np.concatenate([-grid[::-1], grid])
            free.append(("rate", grid, 1.0 / spread))
        if self.offset is None:
            free.append(("offset", np.linspace(-3.0, 3.0, 25), 0.0))
        return free
