"""The functions a :class:`~sparseid.libraries.FunctionTerm` applies, as terms know them.

A numpy ufunc is recognised by its name (:func:`_numpy_name`): only then can a term be
differentiated (the code templates of ``_UFUNC_DERIVATIVES``), compiled to the ``math`` module
(``_MATH_NAMES``) and saved as JSON (a description names one of ``_NUMPY_UFUNCS``). Any other
callable is shown by a label (:func:`_callable_label`). :func:`_function_code` gives the name
generated code calls a function by.
"""

import math

import numpy as np

__all__ = []


# Derivatives of common numpy functions of one argument, as code templates in the argument `{a}`
# and the namespace `{m}`; they make custom libraries of these functions differentiable.
_UFUNC_DERIVATIVES = {
    "sin": "{m}.cos({a})",
    "cos": "(-{m}.sin({a}))",
    "exp": "{m}.exp({a})",
    "log": "(1.0/{a})",
    "sqrt": "(0.5/{m}.sqrt({a}))",
    "tanh": "(1.0 - {m}.tanh({a})**2)",
    "sinh": "{m}.cosh({a})",
    "cosh": "{m}.sinh({a})",
    "arctan": "(1.0/(1.0 + {a}**2))",
}
_MATH_NAMES = {"arctan": "atan"}


def _numpy_name(function):
    """Name of ``function`` in numpy when it *is* that numpy ufunc, else None."""
    name = getattr(function, "__name__", None)
    if isinstance(function, np.ufunc) and name and getattr(np, name, None) is function:
        return name
    return None


def _callable_label(function):
    name = getattr(function, "__name__", "")
    return name if name.isidentifier() else "f"


def _function_code(function, namespace, module):
    """The name ``function`` is called by in generated code.

    A numpy ufunc is called from ``module`` (from ``math`` when it has one of that name, else
    from numpy); any other callable is stored in ``namespace`` under a ``_fnN`` key, reused if
    it is there already (with ``namespace`` None, its label).
    """
    np_name = _numpy_name(function)
    if np_name is not None:
        if module == "math" and hasattr(math, _MATH_NAMES.get(np_name, np_name)):
            return f"math.{_MATH_NAMES.get(np_name, np_name)}"
        return f"{'np' if module == 'math' else module}.{np_name}"
    if namespace is None:
        return _callable_label(function)
    for key, value in namespace.items():
        if value is function and key.startswith("_fn"):
            return key
    key = f"_fn{sum(k.startswith('_fn') for k in namespace)}"
    namespace[key] = function
    return key


# A function in a term description can only be one of numpy's ufuncs, found in this table of
# them (never by looking a name up in a module).
_NUMPY_UFUNCS = {
    name: f for name, f in vars(np).items() if isinstance(f, np.ufunc) and f.__name__ == name
}
