"""Symbolic descriptions of library terms.

A term is a small immutable record (powers of the inputs, one Fourier mode, a named function of
some inputs, or a product of those). Every other representation of the term is generated from the
record: its value on data (`evaluate`), its name, numpy source code for the compiled right-hand
side and its derivative, a sympy expression and a JSON-serialisable dictionary.

Code strings are built from ``var_names``, the source-code names of the inputs (``"x0"`` or
``"X[:, 0]"``): they must be atoms or subscripts, since they are pasted without parentheses.
``module`` names the math namespace of the generated code: ``"np"`` for arrays, ``"math"`` for
the fast single-state path on Python floats.

The interface the records implement, :class:`Term`, is :mod:`sparseid.libraries._term_base`
(re-exported here). Reading a description back is :mod:`sparseid.libraries._term_json`, the
numpy functions a `FunctionTerm` knows (and the names generated code calls them by) are in
:mod:`sparseid.libraries._ufuncs`, and products in canonical form are made by
:func:`sparseid.libraries._products.multiply_terms`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ._term_base import Term, _check_int
from ._term_json import _MAX_PRODUCT_DEPTH, _described, _int_list, _plain_format, term_from_dict
from ._ufuncs import (
    _NUMPY_UFUNCS,
    _UFUNC_DERIVATIVES,
    _callable_label,
    _function_code,
    _numpy_name,
)

__all__ = [
    "FourierTerm",
    "FunctionTerm",
    "PowerTerm",
    "ProductTerm",
    "Term",
]


@dataclass(frozen=True)
class PowerTerm(Term):
    """Product of integer powers of the inputs, ``prod_j x_j ** exponents[j]``.

    All exponents zero is the constant term ``1``.

    Examples
    --------
    >>> PowerTerm((2, 1, 0)).name(["x", "y", "z"])
    'x^2 y'
    """

    #: The ``type`` of its JSON description, and the keys that description holds.
    type_name: ClassVar[str] = "power"
    json_fields: ClassVar[tuple] = ("exponents",)

    exponents: tuple[int, ...]

    def __post_init__(self):
        exps = tuple(_check_int(e, "PowerTerm", "exponent", 0) for e in self.exponents)
        object.__setattr__(self, "exponents", exps)

    @property
    def inputs(self) -> tuple[int, ...]:
        return tuple(j for j, e in enumerate(self.exponents) if e)

    @property
    def degree(self) -> int:
        return sum(self.exponents)

    def evaluate(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        out = np.ones(X.shape[0])
        for j in self.inputs:
            e = self.exponents[j]
            out *= X[:, j] if e == 1 else X[:, j] ** e
        return out

    def name(self, input_names) -> str:
        parts = [
            input_names[j] if self.exponents[j] == 1 else f"{input_names[j]}^{self.exponents[j]}"
            for j in self.inputs
        ]
        return " ".join(parts) if parts else "1"

    def to_code(self, var_names, namespace=None, module="np") -> str:
        if module == "math":
            # Repeated products of Python floats overflow to inf; `**` would raise.
            parts = ["*".join([var_names[j]] * self.exponents[j]) for j in self.inputs]
        else:
            parts = [
                var_names[j] if self.exponents[j] == 1 else f"{var_names[j]}**{self.exponents[j]}"
                for j in self.inputs
            ]
        return "*".join(parts) if parts else "1.0"

    def derivative_code(self, j, var_names, namespace=None, module="np") -> str:
        e = self.exponents[j] if j < len(self.exponents) else 0
        if e == 0:
            return "0.0"
        lowered = list(self.exponents)
        lowered[j] -= 1
        code = PowerTerm(tuple(lowered)).to_code(var_names, module=module)
        return code if e == 1 else f"{float(e)!r}*{code}"

    def to_sympy(self, symbols):
        import sympy

        return sympy.Mul(*[symbols[j] ** self.exponents[j] for j in self.inputs])

    def to_dict(self) -> dict:
        return {"type": self.type_name, "exponents": list(self.exponents)}

    @classmethod
    def _from_dict(cls, d, depth):
        return cls(_int_list(d, "exponents", cls.type_name))


@dataclass(frozen=True)
class FourierTerm(Term):
    """``sin(frequency * x_input)`` or ``cos(frequency * x_input)``.

    Examples
    --------
    >>> FourierTerm("cos", 1, 2).name(["x", "y"])
    'cos(2 y)'
    """

    #: The ``type`` of its JSON description, and the keys that description holds.
    type_name: ClassVar[str] = "fourier"
    json_fields: ClassVar[tuple] = ("kind", "input", "frequency")

    kind: str
    input: int
    frequency: int = 1

    def __post_init__(self):
        if self.kind not in ("sin", "cos"):
            raise ValueError(f"FourierTerm: kind={self.kind!r} must be 'sin' or 'cos'")
        object.__setattr__(self, "input", _check_int(self.input, "FourierTerm", "input", 0))
        object.__setattr__(
            self, "frequency", _check_int(self.frequency, "FourierTerm", "frequency", 1)
        )

    @property
    def inputs(self) -> tuple[int, ...]:
        return (self.input,)

    def _argument(self, var):
        return var if self.frequency == 1 else f"{self.frequency}*{var}"

    def evaluate(self, X) -> np.ndarray:
        x = np.asarray(X, dtype=np.float64)[:, self.input]
        return getattr(np, self.kind)(self.frequency * x if self.frequency != 1 else x)

    def name(self, input_names) -> str:
        arg = input_names[self.input]
        return (
            f"{self.kind}({arg})" if self.frequency == 1 else f"{self.kind}({self.frequency} {arg})"
        )

    def to_code(self, var_names, namespace=None, module="np") -> str:
        return f"{module}.{self.kind}({self._argument(var_names[self.input])})"

    def derivative_code(self, j, var_names, namespace=None, module="np") -> str:
        if j != self.input:
            return "0.0"
        arg = self._argument(var_names[self.input])
        scale = "" if self.frequency == 1 else f"{self.frequency}*"
        if self.kind == "sin":
            return f"{scale}{module}.cos({arg})"
        return f"(-{scale}{module}.sin({arg}))"

    def to_sympy(self, symbols):
        import sympy

        return getattr(sympy, self.kind)(self.frequency * symbols[self.input])

    def to_dict(self) -> dict:
        return {
            "type": self.type_name,
            "kind": self.kind,
            "input": self.input,
            "frequency": self.frequency,
        }

    @classmethod
    def _from_dict(cls, d, depth):
        return cls(*[_described(d, key, cls.type_name) for key in cls.json_fields])


@dataclass(frozen=True)
class FunctionTerm(Term):
    """A function applied elementwise to some inputs, ``function(x_i, x_j, ...)``.

    Parameters
    ----------
    function : callable
        Maps as many 1-D arrays as there are ``inputs`` to a 1-D array of the same length.
    inputs : tuple of int
        Input columns the function is applied to, in argument order.
    name_format : str or callable, optional
        Either a format string with one ``{}`` per argument (``"exp({})"``) or a callable
        mapping the input names to the term name (``lambda x: "exp(" + x + ")"``). By default
        the function's ``__name__`` followed by the input names in parentheses.

    Notes
    -----
    Derivatives (for the compiled Jacobian) and JSON are available only when ``function`` is a
    numpy ufunc such as ``np.exp``; an arbitrary callable works everywhere else.
    """

    #: The ``type`` of its JSON description, and the keys that description holds.
    type_name: ClassVar[str] = "function"
    json_fields: ClassVar[tuple] = ("numpy_function", "inputs", "name_format")

    function: Callable
    inputs: tuple[int, ...]
    name_format: Any = None

    def __post_init__(self):
        if not callable(self.function):
            raise TypeError(f"FunctionTerm: function={self.function!r} is not callable")
        inputs = tuple(_check_int(j, "FunctionTerm", "input", 0) for j in self.inputs)
        object.__setattr__(self, "inputs", inputs)
        fmt = self.name_format
        if fmt is not None and not isinstance(fmt, str) and not callable(fmt):
            raise TypeError(f"FunctionTerm: name_format={fmt!r} must be a str, callable or None")

    @property
    def has_derivative(self) -> bool:
        return len(self.inputs) == 1 and _numpy_name(self.function) in _UFUNC_DERIVATIVES

    def evaluate(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return np.asarray(self.function(*[X[:, j] for j in self.inputs]), dtype=np.float64)

    def name(self, input_names) -> str:
        args = [input_names[j] for j in self.inputs]
        fmt = self.name_format
        if fmt is None:
            return f"{_callable_label(self.function)}({','.join(args)})"
        if isinstance(fmt, str):
            return fmt.format(*args)
        return str(fmt(*args))

    def to_code(self, var_names, namespace=None, module="np") -> str:
        args = ", ".join(var_names[j] for j in self.inputs)
        return f"{_function_code(self.function, namespace, module)}({args})"

    def derivative_code(self, j, var_names, namespace=None, module="np") -> str:
        if j not in self.inputs:
            return "0.0"
        if not self.has_derivative:
            raise NotImplementedError(
                f"FunctionTerm: no derivative is known for {self.name(list(var_names))}; only "
                "numpy functions of one input (np.exp, np.sin, ...) are differentiable"
            )
        # Every template only calls functions that exist in both math and numpy.
        return _UFUNC_DERIVATIVES[_numpy_name(self.function)].format(m=module, a=var_names[j])

    def to_sympy(self, symbols):
        import sympy

        args = [symbols[j] for j in self.inputs]
        name = _numpy_name(self.function)
        sympy_name = {"arctan": "atan"}.get(name, name)
        if sympy_name is not None and hasattr(sympy, sympy_name):
            return getattr(sympy, sympy_name)(*args)
        return sympy.Function(_callable_label(self.function))(*args)

    def to_dict(self) -> dict:
        name = _numpy_name(self.function)
        if name is None or callable(self.name_format):
            label = self.name([f"x{j}" for j in range(max(self.inputs, default=0) + 1)])
            raise TypeError(
                f"FunctionTerm: the term {label} holds a Python callable and cannot be saved as "
                "JSON; use pickle instead"
            )
        return {
            "type": self.type_name,
            "numpy_function": name,
            "inputs": list(self.inputs),
            "name_format": self.name_format,
        }

    @classmethod
    def _from_dict(cls, d, depth):
        name = _described(d, "numpy_function", cls.type_name)
        function = _NUMPY_UFUNCS.get(name) if isinstance(name, str) else None
        if function is None:
            raise ValueError(f"term_from_dict: unknown numpy function {str(name)[:80]!r}")
        name_format = d.get("name_format")
        if not _plain_format(name_format):
            raise ValueError("term_from_dict: name_format must be a string whose fields are {}")
        return cls(function, _int_list(d, "inputs", cls.type_name), name_format)


def _sort_key(term):
    return repr(term)


@dataclass(frozen=True, eq=False)
class ProductTerm(Term):
    """Product of two or more terms, as formed by a tensored library.

    Build products with `multiply_terms`, which merges powers (``x * x`` is ``x^2``) and drops
    constant factors. Equality ignores the order of the factors, so ``sin(x) cos(y)`` equals
    ``cos(y) sin(x)``; the name keeps the order of construction.
    """

    #: The ``type`` of its JSON description, and the keys that description holds.
    type_name: ClassVar[str] = "product"
    json_fields: ClassVar[tuple] = ("factors",)

    factors: tuple

    def __post_init__(self):
        object.__setattr__(self, "factors", tuple(self.factors))
        if len(self.factors) < 2 or not all(isinstance(f, Term) for f in self.factors):
            raise ValueError("ProductTerm: factors must hold at least two terms")

    def _key(self):
        return tuple(sorted(self.factors, key=_sort_key))

    def __eq__(self, other):
        return isinstance(other, ProductTerm) and self._key() == other._key()

    def __hash__(self):
        return hash(("product", self._key()))

    @property
    def inputs(self) -> tuple[int, ...]:
        return tuple(sorted({j for f in self.factors for j in f.inputs}))

    @property
    def has_derivative(self) -> bool:
        return all(f.has_derivative for f in self.factors)

    def evaluate(self, X) -> np.ndarray:
        out = self.factors[0].evaluate(X).copy()
        for f in self.factors[1:]:
            out *= f.evaluate(X)
        return out

    def name(self, input_names) -> str:
        return " ".join(f.name(input_names) for f in self.factors)

    def to_code(self, var_names, namespace=None, module="np") -> str:
        return "*".join(f._paren_code(var_names, namespace, module) for f in self.factors)

    def derivative_code(self, j, var_names, namespace=None, module="np") -> str:
        # Product rule over the factors that depend on x_j.
        summands = []
        for i, factor in enumerate(self.factors):
            if j not in factor.inputs:
                continue
            parts = [f"({factor.derivative_code(j, var_names, namespace, module)})"]
            parts += [
                f._paren_code(var_names, namespace, module)
                for k, f in enumerate(self.factors)
                if k != i
            ]
            summands.append("*".join(parts))
        return " + ".join(summands) if summands else "0.0"

    def to_sympy(self, symbols):
        import sympy

        return sympy.Mul(*[f.to_sympy(symbols) for f in self.factors])

    def to_dict(self) -> dict:
        return {"type": self.type_name, "factors": [f.to_dict() for f in self.factors]}

    @classmethod
    def _from_dict(cls, d, depth):
        factors = _described(d, "factors", cls.type_name)
        if not isinstance(factors, list) or depth >= _MAX_PRODUCT_DEPTH:
            raise ValueError(
                f"term_from_dict: factors must be a list nested at most {_MAX_PRODUCT_DEPTH} deep"
            )
        return cls(tuple(term_from_dict(f, depth + 1) for f in factors))
