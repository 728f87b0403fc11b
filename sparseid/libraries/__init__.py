"""Feature libraries: the candidate terms ``Theta(x)`` that SINDy regresses on.

Every library is a scikit-learn transformer whose fitted ``terms_`` describe each output column
symbolically; ``transform``, names, `compile_rhs`, sympy and JSON are generated from them.
"""

from ._base import BaseLibrary
from ._compile import CompiledRHS, compile_rhs
from ._compose import ConcatLibrary, TensoredLibrary
from ._custom import CustomLibrary
from ._fourier import FourierLibrary
from ._identity import IdentityLibrary
from ._polynomial import PolynomialLibrary
from ._products import multiply_terms
from ._serialize import library_from_dict
from ._term_json import term_from_dict
from ._terms import FourierTerm, FunctionTerm, PowerTerm, ProductTerm, Term

__all__ = [
    "BaseLibrary",
    "CompiledRHS",
    "ConcatLibrary",
    "CustomLibrary",
    "FourierLibrary",
    "FourierTerm",
    "FunctionTerm",
    "IdentityLibrary",
    "PolynomialLibrary",
    "PowerTerm",
    "ProductTerm",
    "TensoredLibrary",
    "Term",
    "compile_rhs",
    "library_from_dict",
    "multiply_terms",
    "term_from_dict",
]
