"""Non-smooth term records: the step ``H(cᵀx − s)`` and the hinge ``ReLU(wᵀx + β)``.

Both are records like :class:`~sparseid.libraries.PowerTerm`: ``evaluate``, ``name``, numpy
and ``math`` code for the compiled right-hand side, the derivative off the kink, sympy
(``Heaviside``, ``Max``) and JSON all come from the one record. The convention on the switching
surface itself is the side ``cᵀx − s >= 0`` (``H(0) = 1``, and the hinge's derivative there is
``w``), as in :class:`sparseid.switched.SwitchedSystem` and the piecewise-linear flows of
:mod:`sparseid.systems`.

:func:`switching_surfaces` lists the surfaces a set of terms switches on, and
:func:`terms_on_side` rewrites terms and coefficients for one region (steps become 0 or 1,
hinges 0 or their affine argument), which is how a fitted model's field is handed, region by
region, to the switched-system integrator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product
from typing import ClassVar

import numpy as np

from ._products import multiply_terms
from ._term_json import _described
from ._terms import PowerTerm, ProductTerm, Term

__all__ = ["HingeTerm", "StepTerm", "switching_surfaces", "terms_on_side"]


def _float_vector(value, owner, name):
    try:
        vector = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: {name}={value!r} must be a list of numbers") from None
    if not vector or not all(math.isfinite(v) for v in vector) or not any(vector):
        raise ValueError(f"{owner}: {name}={list(vector)} must be finite and not all zero")
    return vector


def _float(value, owner, name):
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise ValueError(f"{owner}: {name}={value!r} must be a number")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{owner}: {name}={value!r} must be finite")
    return value


def _short(v):
    return format(v, ".6g")


def _linear_name(weights, constant, input_names):
    """``x - 0.5``, ``2 x + y``, ``-x``: the readable affine form."""
    parts = []
    for j, w in enumerate(weights):
        if w == 0.0:
            continue
        coef = "" if abs(w) == 1.0 else _short(abs(w)) + " "
        sign = "-" if w < 0 else "+"
        parts.append((sign, coef + str(input_names[j])))
    if constant != 0.0:
        parts.append(("-" if constant < 0 else "+", _short(abs(constant))))
    text = " ".join(f"{s} {p}" for s, p in parts)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


def _linear_code(weights, constant, var_names):
    """Python source of ``w·x + constant``, with exact float literals."""
    parts = [
        var_names[j] if w == 1.0 else f"{w!r}*{var_names[j]}"
        for j, w in enumerate(weights)
        if w != 0.0
    ]
    if constant != 0.0:
        parts.append(repr(constant))
    return " + ".join(parts).replace("+ -", "- ")


def _sympy_number(sympy, value):
    return sympy.Integer(int(value)) if float(value).is_integer() else sympy.Float(value)


def _linear_sympy(weights, constant, symbols):
    import sympy

    expr = sum(
        (_sympy_number(sympy, w) * symbols[j] for j, w in enumerate(weights) if w),
        sympy.Integer(0),
    )
    return expr + _sympy_number(sympy, constant)


class _Affine(Term):
    """What the two non-smooth terms share: an affine argument ``weights·x + constant``."""

    weights: tuple
    constant: float

    @property
    def inputs(self) -> tuple[int, ...]:
        return tuple(j for j, w in enumerate(self.weights) if w != 0.0)

    def _argument(self, X):
        X = np.asarray(X, dtype=np.float64)
        out = np.full(X.shape[0], self.constant)
        for j in self.inputs:
            out += self.weights[j] * X[:, j]
        return out

    def _code_argument(self, var_names):
        return _linear_code(self.weights, self.constant, var_names)


@dataclass(frozen=True)
class StepTerm(_Affine):
    """The Heaviside step ``H(normal · x − offset)``: 1 on the side ``normal · x >= offset``.

    Its partial derivatives are 0 off the switching surface ``normal · x = offset`` (the
    compiled Jacobian is each region's own); across it the term jumps.

    Parameters
    ----------
    normal : tuple of float
        The surface normal ``c``, one entry per input (not all zero).
    offset : float
        The offset ``s`` of the surface ``cᵀx = s``.

    Examples
    --------
    >>> term = StepTerm((1.0, 0.0), 0.5)
    >>> term.name(["x", "y"]), term.evaluate([[0.0, 1.0], [0.5, 1.0]]).tolist()
    ('H(x - 0.5)', [0.0, 1.0])
    """

    #: The ``type`` of its JSON description, and the keys that description holds.
    type_name: ClassVar[str] = "step"
    json_fields: ClassVar[tuple] = ("normal", "offset")

    normal: tuple
    offset: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "normal", _float_vector(self.normal, "StepTerm", "normal"))
        object.__setattr__(self, "offset", _float(self.offset, "StepTerm", "offset"))

    @property
    def weights(self):
        return self.normal

    @property
    def constant(self):
        return -self.offset

    @property
    def surface(self):
        """``(normal, offset)``: the switching surface, hashable."""
        return (self.normal, self.offset)

    def evaluate(self, X) -> np.ndarray:
        return (self._argument(X) >= 0.0).astype(np.float64)

    def name(self, input_names) -> str:
        return f"H({_linear_name(self.weights, self.constant, input_names)})"

    def to_code(self, var_names, namespace=None, module="np") -> str:
        arg = self._code_argument(var_names)
        if module == "math":
            return f"(1.0 if {arg} >= 0.0 else 0.0)"
        return f"{module}.heaviside({arg}, 1.0)"

    def derivative_code(self, j, var_names, namespace=None, module="np") -> str:
        return "0.0"

    def to_sympy(self, symbols):
        import sympy

        return sympy.Heaviside(_linear_sympy(self.weights, self.constant, symbols), 1)

    def to_dict(self) -> dict:
        return {"type": self.type_name, "normal": list(self.normal), "offset": self.offset}

    @classmethod
    def _from_dict(cls, d, depth):
        return cls(_described(d, "normal", cls.type_name), _described(d, "offset", cls.type_name))


@dataclass(frozen=True)
class HingeTerm(_Affine):
    """The hinge (ReLU) ``max(0, weights · x + bias)``, continuous with a kink on its hyperplane.

    Parameters
    ----------
    weights : tuple of float
        ``w``, one entry per input (not all zero).
    bias : float
        ``β``.

    Examples
    --------
    >>> term = HingeTerm((1.0, 0.0), -0.5)
    >>> term.name(["x", "y"]), term.evaluate([[0.0, 1.0], [2.0, 1.0]]).tolist()
    ('relu(x - 0.5)', [0.0, 1.5])
    """

    #: The ``type`` of its JSON description, and the keys that description holds.
    type_name: ClassVar[str] = "hinge"
    json_fields: ClassVar[tuple] = ("weights", "bias")

    weights: tuple
    bias: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "weights", _float_vector(self.weights, "HingeTerm", "weights"))
        object.__setattr__(self, "bias", _float(self.bias, "HingeTerm", "bias"))

    @property
    def constant(self):
        return self.bias

    @property
    def surface(self):
        """The kink ``weights · x = −bias`` as ``(normal, offset)``, hashable."""
        return (self.weights, -self.bias + 0.0)

    def evaluate(self, X) -> np.ndarray:
        return np.maximum(self._argument(X), 0.0)

    def name(self, input_names) -> str:
        return f"relu({_linear_name(self.weights, self.constant, input_names)})"

    def to_code(self, var_names, namespace=None, module="np") -> str:
        arg = self._code_argument(var_names)
        if module == "math":
            return f"max({arg}, 0.0)"
        return f"{module}.maximum({arg}, 0.0)"

    def derivative_code(self, j, var_names, namespace=None, module="np") -> str:
        w = self.weights[j] if j < len(self.weights) else 0.0
        if w == 0.0:
            return "0.0"
        return f"{w!r}*{StepTerm(self.weights, -self.bias).to_code(var_names, module=module)}"

    def to_sympy(self, symbols):
        import sympy

        return sympy.Max(0, _linear_sympy(self.weights, self.constant, symbols))

    def to_dict(self) -> dict:
        return {"type": self.type_name, "weights": list(self.weights), "bias": self.bias}

    @classmethod
    def _from_dict(cls, d, depth):
        return cls(_described(d, "weights", cls.type_name), _described(d, "bias", cls.type_name))


_NONSMOOTH = (StepTerm, HingeTerm)


def _factors(term):
    return term.factors if isinstance(term, ProductTerm) else (term,)


def switching_surfaces(terms):
    """The distinct switching surfaces ``(normal, offset)`` of the steps and hinges in ``terms``.

    Parameters
    ----------
    terms : iterable of Term

    Returns
    -------
    list of tuple
        In order of first appearance; ``normal`` is a tuple of floats.

    Examples
    --------
    >>> from sparseid.libraries import HingeTerm, PowerTerm
    >>> switching_surfaces([PowerTerm((1, 0)), HingeTerm((0.0, 1.0), 2.0)])
    [((0.0, 1.0), -2.0)]
    """
    found = []
    for term in terms:
        for factor in _factors(term):
            if isinstance(factor, _NONSMOOTH) and factor.surface not in found:
                found.append(factor.surface)
    return found


def _expand_factor(factor, sides, n_inputs):
    """``[(weight, term), ...]`` summing to ``factor`` on the given sides (``[]``: zero)."""
    if not isinstance(factor, _NONSMOOTH):
        return [(1.0, factor)]
    if sides[factor.surface] < 0:
        return []
    if isinstance(factor, StepTerm):
        return [(1.0, PowerTerm((0,) * n_inputs))]
    parts = [
        (w, PowerTerm(tuple(int(i == j) for i in range(n_inputs))))
        for j, w in enumerate(factor.weights)
        if w != 0.0
    ]
    return parts + ([(factor.bias, PowerTerm((0,) * n_inputs))] if factor.bias else [])


def terms_on_side(terms, coef, sides, n_inputs):
    """The same field on one region, as smooth terms and their coefficients.

    On a region every step is 0 or 1 and every hinge is 0 or its affine argument, so the
    field there is a combination of the other terms (products included).

    Parameters
    ----------
    terms : list of Term
    coef : ndarray of shape (n_targets, n_terms)
    sides : dict
        ``{surface: +1 or -1}`` for every surface of :func:`switching_surfaces`; +1 is the side
        ``normal · x >= offset``.
    n_inputs : int

    Returns
    -------
    terms : list of Term
    coef : ndarray of shape (n_targets, len(terms))

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.libraries import HingeTerm, PowerTerm
    >>> terms = [PowerTerm((1,)), HingeTerm((1.0,), -1.0)]
    >>> on, c = terms_on_side(terms, np.array([[2.0, 3.0]]), {((1.0,), 1.0): 1}, 1)
    >>> [t.name(["x"]) for t in on], c.tolist()
    (['x', '1'], [[5.0, -3.0]])
    """
    coef = np.asarray(coef, dtype=np.float64)
    columns = {}
    for k, term in enumerate(terms):
        if not np.any(coef[:, k]):
            continue
        expansions = [_expand_factor(f, sides, n_inputs) for f in _factors(term)]
        for combo in product(*expansions):
            weight = math.prod(w for w, _ in combo)
            smooth = multiply_terms(*[t for _, t in combo])
            columns[smooth] = columns.get(smooth, 0.0) + weight * coef[:, k]
    if not columns:
        return [PowerTerm((0,) * n_inputs)], np.zeros((coef.shape[0], 1))
    return list(columns), np.column_stack(list(columns.values()))
