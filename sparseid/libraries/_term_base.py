"""The interface every library term implements: :class:`Term`.

The term records themselves are in :mod:`sparseid.libraries._terms` (powers, Fourier modes,
functions, products) and :mod:`sparseid.libraries._nonsmooth_terms` (steps, hinges);
:func:`_check_int` is the check their fields share as a record is made.
"""

from __future__ import annotations

from .._params import check_integer

__all__ = ["Term"]


class Term:
    """Common interface of all terms.

    Every term is an immutable, hashable record (equal terms are the same column) with:

    - ``inputs``: the indices of the inputs it depends on;
    - ``evaluate(X)``: its values on the rows of an (n, d) array, shape (n,);
    - ``name(input_names)``: a readable name such as ``x^2 y`` or ``sin(2 x)``;
    - ``to_code(var_names, namespace=None, module="np")``: a Python expression in the input
      variables ``var_names``; callables the code needs are added to ``namespace``;
    - ``derivative_code(j, var_names, namespace=None, module="np")``: the expression of the
      partial derivative with respect to input ``j`` (``"0.0"`` when the term does not depend
      on it); raises NotImplementedError when ``has_derivative`` is False;
    - ``to_sympy(symbols)``: a sympy expression (sympy is imported only then);
    - ``to_dict()``: a JSON-serialisable dictionary, rebuilt by `term_from_dict`.
    """

    inputs: tuple[int, ...]

    @property
    def has_derivative(self) -> bool:
        return True

    def _paren_code(self, var_names, namespace=None, module="np") -> str:
        return f"({self.to_code(var_names, namespace, module)})"


def _check_int(value, owner, name, minimum):
    # A term is a record checked as it is made (also from a file): every problem is a ValueError.
    return check_integer(owner, name, value, minimum=minimum, type_error=ValueError)
