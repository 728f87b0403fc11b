"""Feature libraries: the candidate terms ``Theta(x)`` that SINDy regresses on.

Every library is a scikit-learn transformer whose fitted ``terms_`` describe each output column
symbolically; ``transform``, names, `compile_rhs`, sympy and JSON are generated from them.
"""

from ._base import BaseLibrary
from ._compile import CompiledRHS, compile_rhs
from ._compose import ConcatLibrary, TensoredLibrary
from ._custom import CustomLibrary
from ._fourier import FourierLibrary
from ._hinge import HingeLibrary
from ._identity import IdentityLibrary
from ._nonsmooth_terms import HingeTerm, StepTerm, switching_surfaces, terms_on_side
from ._parametric import PARAMETRIC_FUNCTIONS, ParametricLibrary, ParametricTerm
from ._polynomial import PolynomialLibrary
from ._products import multiply_terms
from ._serialize import library_from_dict
from ._switched import SwitchedLibrary
from ._term_json import term_from_dict
from ._terms import FourierTerm, FunctionTerm, PowerTerm, ProductTerm, Term

__all__ = [
    "PARAMETRIC_FUNCTIONS",
    "BaseLibrary",
    "CompiledRHS",
    "ConcatLibrary",
    "CustomLibrary",
    "FourierLibrary",
    "FourierTerm",
    "FunctionTerm",
    "HingeLibrary",
    "HingeTerm",
    "IdentityLibrary",
    "ParametricLibrary",
    "ParametricTerm",
    "PolynomialLibrary",
    "PowerTerm",
    "ProductTerm",
    "StepTerm",
    "SwitchedLibrary",
    "TensoredLibrary",
    "Term",
    "compile_rhs",
    "library_from_dict",
    "multiply_terms",
    "switching_surfaces",
    "term_from_dict",
    "terms_on_side",
]
