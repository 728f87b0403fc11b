"""The rules the estimators declare for their constructor arguments, and the check of them all.

Each estimator declares what its constructor arguments accept once, as data on the class (as
scikit-learn's ``_parameter_constraints``)::

    class PolynomialLibrary(BaseLibrary):
        _parameter_rules: ClassVar = {
            "degree": Integer(minimum=0),
            "include_bias": Bool(),
            "interaction_only": Bool(),
        }

and :func:`check_params` checks them all, in declaration order, returning the converted
values. The base classes of the libraries, differentiators, optimizers and models inherit
:class:`ParameterRulesMixin`, whose ``_check_params()`` runs :func:`check_params`; a class whose
arguments constrain each other (``polyorder < window``) extends it, and checks that need data
(a window against the number of samples) stay in the code that has the data. The model loader
(:mod:`sparseid._registry`) calls ``_check_params()`` on every object it rebuilds.

Every rule checks with a function of :mod:`sparseid._checks` (re-exported here), whose
module docstring describes the error messages.
"""

import inspect
import numbers
from typing import ClassVar

import numpy as np

from ._checks import _CLOSED, _error, check_bool, check_choice, check_integer, check_real

__all__ = [
    "Bool",
    "Check",
    "Choice",
    "Estimator",
    "Integer",
    "ParameterRulesMixin",
    "Real",
    "Rule",
    "Seed",
    "check_bool",
    "check_choice",
    "check_integer",
    "check_params",
    "check_real",
]


class Rule:
    """What one constructor argument accepts; a value of ``_parameter_rules``.

    Subclasses implement ``check(owner, name, value, type_error)``, which returns the value
    converted to its Python type or raises an error in the format described in
    :mod:`sparseid._checks`. ``type_error`` is the rule's own ``type_error`` when set, else the
    owner's ``_parameter_type_error``.
    """

    type_error = None

    def check(self, owner, name, value, type_error):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        params = inspect.signature(type(self)).parameters.values()
        shown = [
            f"{p.name}={getattr(self, p.name)!r}"
            for p in params
            if p.default is p.empty or getattr(self, p.name) != p.default
        ]
        return f"{type(self).__name__}({', '.join(shown)})"


class Integer(Rule):
    """An integer (not a bool), at least ``minimum``, of ``parity``: see `check_integer`."""

    def __init__(self, minimum=None, *, parity=None, reason=None, type_error=None):
        self.minimum = minimum
        self.parity = parity
        self.reason = reason
        self.type_error = type_error

    def check(self, owner, name, value, type_error):
        return check_integer(
            owner,
            name,
            value,
            minimum=self.minimum,
            parity=self.parity,
            type_error=type_error,
            reason=self.reason,
        )


class Real(Rule):
    """A finite real number in a range, or None if allowed: see `check_real`."""

    def __init__(
        self,
        minimum=None,
        maximum=None,
        *,
        closed="both",
        allow_none=False,
        reason=None,
        type_error=None,
    ):
        if closed not in _CLOSED:
            raise ValueError(f"Real: closed={closed!r} must be one of {_CLOSED}")
        self.minimum = minimum
        self.maximum = maximum
        self.closed = closed
        self.allow_none = allow_none
        self.reason = reason
        self.type_error = type_error

    def check(self, owner, name, value, type_error):
        return check_real(
            owner,
            name,
            value,
            minimum=self.minimum,
            maximum=self.maximum,
            closed=self.closed,
            allow_none=self.allow_none,
            type_error=type_error,
            reason=self.reason,
        )


class Bool(Rule):
    """A Python or numpy bool: see `check_bool`."""

    def __init__(self, *, type_error=None):
        self.type_error = type_error

    def check(self, owner, name, value, type_error):
        return check_bool(owner, name, value, type_error=type_error)


class Choice(Rule):
    """One of ``choices`` (a ``ValueError`` otherwise): see `check_choice`."""

    def __init__(self, choices):
        self.choices = tuple(choices)

    def check(self, owner, name, value, type_error):
        return check_choice(owner, name, value, self.choices)


class Seed(Rule):
    """None, an integer >= 0, or a numpy ``Generator`` or ``RandomState`` (``random_state``)."""

    def __init__(self, *, type_error=None):
        self.type_error = type_error

    def check(self, owner, name, value, type_error):
        if value is None or isinstance(value, np.random.Generator | np.random.RandomState):
            return value
        requirement = "None or an integer >= 0"
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise _error(type_error, owner, name, value, requirement)
        if value < 0:
            raise _error(ValueError, owner, name, value, requirement)
        return int(value)


class Estimator(Rule):
    """None (the default, resolved in ``fit``) or an estimator of ``kind``, passed on unchecked.

    The estimator checks its own parameters with its own rules when the model fits it (and the
    loader rebuilds and checks it before the model).
    """

    def __init__(self, kind):
        self.kind = kind

    def check(self, owner, name, value, type_error):
        return value


class Check(Rule):
    """A requirement written as code: ``function(owner, name, value)`` returns the checked value.

    For structured values (a list of libraries, the widths of hidden layers); ``description``
    says what is accepted. The function may read arguments declared before this one from
    ``owner``, which are checked by then.
    """

    def __init__(self, function, description):
        self.function = function
        self.description = description

    def check(self, owner, name, value, type_error):
        return self.function(owner, name, value)

    def __repr__(self):
        return f"Check({self.description!r})"


def check_params(estimator, names=None):
    """Check the arguments of ``estimator`` against the rules its class declares.

    Parameters
    ----------
    estimator : object
        An instance whose class has ``_parameter_rules``, a dict ``{argument: Rule}``; the
        rules are checked in that order, on the attributes of the same names.
    names : iterable of str, optional
        Check only these arguments (those a property such as ``halo`` needs).

    Returns
    -------
    values : dict
        ``{argument: checked value}``, converted to Python types (``np.int64(3)`` gives
        ``3``), in declaration order.

    Raises
    ------
    TypeError or ValueError
        For the first argument that breaks its rule, as described in :mod:`sparseid._checks`.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.libraries import PolynomialLibrary
    >>> check_params(PolynomialLibrary(degree=np.int64(3)))
    {'degree': 3, 'include_bias': True, 'interaction_only': False}
    >>> check_params(PolynomialLibrary(include_bias="yes"))
    Traceback (most recent call last):
    ...
    TypeError: PolynomialLibrary: include_bias='yes' must be a bool, got str
    """
    default = getattr(estimator, "_parameter_type_error", TypeError)
    values = {}
    for name, rule in type(estimator)._parameter_rules.items():
        if names is None or name in names:
            type_error = default if rule.type_error is None else rule.type_error
            values[name] = rule.check(estimator, name, getattr(estimator, name), type_error)
    return values


class ParameterRulesMixin:
    """Declared parameter rules and the ``_check_params()`` that checks them.

    A subclass lists a rule for every constructor argument in ``_parameter_rules`` and may
    set ``_parameter_type_error = ValueError`` to report wrong types as ``ValueError``. It
    extends ``_check_params`` only for rules between arguments.
    """

    #: ``{argument: Rule}`` for every constructor argument, checked in this order.
    _parameter_rules: ClassVar = {}
    #: The error raised for a value of the wrong type, unless its rule says otherwise.
    _parameter_type_error = TypeError

    def _check_params(self):
        """Check every argument against its rule; return ``{argument: checked value}``."""
        return check_params(self)
