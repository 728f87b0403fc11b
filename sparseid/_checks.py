"""Checks of one constructor argument, shared by the estimators and their declared rules.

:func:`check_integer`, :func:`check_real`, :func:`check_bool` and :func:`check_choice` are what
the rules of :mod:`sparseid._params` run, and what code that checks a value outside the
declared rules (a term made from a file, a window against the number of samples) calls.

Every check returns the value converted to its Python type, or raises an error whose message
names the owner, the argument and its value: ``"<Owner>: <name>=<value!r> must be ..."``
(a numpy scalar shows as the Python number it holds).

- A value of the wrong type raises ``type_error`` (``TypeError``, or ``ValueError`` for owners
  that report every bad parameter as a ``ValueError``: the optimizers and ``NeuralODE`` set
  ``_parameter_type_error = ValueError``), saying the whole requirement and the type received:
  ``degree=2.5 must be an integer >= 0, got float``.
- A value of the right type outside the accepted range raises ``ValueError``. When the type is
  checked with a ``TypeError``, the message names the range only (``degree=-1 must be >= 0``);
  when one ``ValueError`` covers both problems, it names the whole requirement
  (``max_iter=0 must be an integer >= 1``). A ``reason`` is added in parentheses.
- An integer of a given parity (a finite-difference order, a window) out of range or of the
  wrong parity names the whole requirement: ``order=3 must be an even integer >= 2``.
"""

import numbers

import numpy as np

__all__ = ["check_bool", "check_choice", "check_integer", "check_real"]

_CLOSED = ("both", "left", "right", "neither")
_PARITIES = (None, "even", "odd")


def _error(error, owner, name, value, requirement, reason=None):
    label = owner if isinstance(owner, str) else type(owner).__name__
    # A numpy scalar is shown as the number it holds ("-1", not "np.int64(-1)").
    shown = value.item() if isinstance(value, np.generic) else value
    message = f"{label}: {name}={shown!r} must be {requirement}"
    return error(message if reason is None else f"{message} ({reason})")


def _type_error(type_error, owner, name, value, requirement):
    requirement = f"{requirement}, got {type(value).__name__}"
    return _error(type_error, owner, name, value, requirement)


def _range_error(type_error, owner, name, value, requirement, span, reason):
    short = span if type_error is TypeError else requirement
    return _error(ValueError, owner, name, value, short, reason)


def check_integer(
    owner, name, value, *, minimum=None, parity=None, type_error=TypeError, reason=None
):
    """Check that ``value`` is an integer (not a bool), at least ``minimum`` and of ``parity``.

    Parameters
    ----------
    owner : str or object
        The class or function name that starts the message, or an instance whose class name
        does.
    name : str
        The argument's name.
    value : object
        The argument's value; Python and numpy integers are accepted.
    minimum : int, optional
        The smallest accepted value.
    parity : {None, "even", "odd"}, default=None
        Accept only even (odd) integers. A value of the wrong parity or range then names the
        whole requirement (``order=3 must be an even integer >= 2``).
    type_error : {TypeError, ValueError}, default=TypeError
        The error raised for a value that is not an integer.
    reason : str, optional
        Why the range holds, added in parentheses to the message of a value out of range.

    Returns
    -------
    value : int
        ``int(value)``.

    Raises
    ------
    TypeError or ValueError
        As described in the module docstring.

    Examples
    --------
    >>> check_integer("PolynomialLibrary", "degree", 3, minimum=0)
    3
    >>> check_integer("PolynomialLibrary", "degree", -1, minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: PolynomialLibrary: degree=-1 must be >= 0
    >>> check_integer("FiniteDifference", "order", 3, minimum=2, parity="even")
    Traceback (most recent call last):
    ...
    ValueError: FiniteDifference: order=3 must be an even integer >= 2
    """
    if parity not in _PARITIES:
        raise ValueError(f"check_integer: parity={parity!r} must be one of {_PARITIES}")
    bound = "" if minimum is None else f">= {minimum}"
    requirement = f"{'an' if parity is None else f'an {parity}'} integer {bound}".rstrip()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _type_error(type_error, owner, name, value, requirement)
    wrong_parity = parity is not None and (value % 2 == 1) != (parity == "odd")
    if wrong_parity or (minimum is not None and value < minimum):
        if parity is not None:
            raise _error(ValueError, owner, name, value, requirement, reason)
        raise _range_error(type_error, owner, name, value, requirement, bound, reason)
    return int(value)


def _describe_range(minimum, maximum, closed):
    low = closed in ("both", "left")
    high = closed in ("both", "right")
    if minimum is not None and maximum is not None:
        return f"in {'[' if low else '('}{minimum:g}, {maximum:g}{']' if high else ')'}"
    if minimum is not None:
        return f"{'>=' if low else '>'} {minimum:g}"
    if maximum is not None:
        return f"{'<=' if high else '<'} {maximum:g}"
    return ""


def _in_range(value, minimum, maximum, closed):
    if minimum is not None:
        if value < minimum or (value == minimum and closed not in ("both", "left")):
            return False
    if maximum is not None:
        if value > maximum or (value == maximum and closed not in ("both", "right")):
            return False
    return True


def check_real(
    owner,
    name,
    value,
    *,
    minimum=None,
    maximum=None,
    closed="both",
    allow_none=False,
    type_error=TypeError,
    reason=None,
):
    """Check that ``value`` is a finite real number (not a bool) in a range, or None if allowed.

    Parameters
    ----------
    owner, name : str or object, str
        As for `check_integer`: who reports the error, and the argument's name.
    value : object
        The argument's value; Python and numpy integers and floats are accepted.
    minimum, maximum : float, optional
        Bounds of the accepted range; None leaves that side open.
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds are accepted values themselves, as in scikit-learn's ``Interval``:
        ``minimum`` for "both" and "left", ``maximum`` for "both" and "right".
    allow_none : bool, default=False
        Whether None is accepted (and returned).
    type_error : {TypeError, ValueError}, default=TypeError
        The error raised for a value that is not a real number.
    reason : str, optional
        Why the range holds, added in parentheses to the message of a value out of range.

    Returns
    -------
    value : float or None
        ``float(value)``, or None when None is allowed and given.

    Raises
    ------
    TypeError or ValueError
        As described in the module docstring; NaN and infinities raise ``ValueError``.

    Examples
    --------
    >>> check_real("TotalVariation", "alpha", 0.5, minimum=0, closed="neither")
    0.5
    >>> check_real("STLSQ", "alpha", -1.0, minimum=0, type_error=ValueError)
    Traceback (most recent call last):
    ...
    ValueError: STLSQ: alpha=-1.0 must be a finite real number >= 0
    """
    if closed not in _CLOSED:
        raise ValueError(f"check_real: closed={closed!r} must be one of {_CLOSED}")
    if value is None and allow_none:
        return None
    span = _describe_range(minimum, maximum, closed)
    none = " or None" if allow_none else ""
    requirement = f"a finite real number {span}".rstrip() + none
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _type_error(type_error, owner, name, value, requirement)
    if not (np.isfinite(value) and _in_range(value, minimum, maximum, closed)):
        # A bounded interval implies finiteness; a half-line does not.
        if minimum is None or maximum is None:
            span = f"finite and {span}" if span else "finite"
        raise _range_error(type_error, owner, name, value, requirement, span, reason)
    return float(value)


def check_bool(owner, name, value, *, type_error=TypeError):
    """Check that ``value`` is a Python or numpy bool.

    Parameters
    ----------
    owner, name : str or object, str
        As for `check_integer`: who reports the error, and the argument's name.
    value : object
        The argument's value.
    type_error : {TypeError, ValueError}, default=TypeError
        The error raised for anything else. A ``TypeError`` says the value "must be a bool", a
        ``ValueError`` that it "must be True or False" (both add the type received).

    Returns
    -------
    value : bool
        ``bool(value)``.

    Examples
    --------
    >>> check_bool("FourierLibrary", "include_sin", "yes")
    Traceback (most recent call last):
    ...
    TypeError: FourierLibrary: include_sin='yes' must be a bool, got str
    """
    if not isinstance(value, (bool, np.bool_)):
        requirement = "a bool" if type_error is TypeError else "True or False"
        raise _type_error(type_error, owner, name, value, requirement)
    return bool(value)


def check_choice(owner, name, value, choices):
    """Check that ``value`` is one of ``choices``; raise a ``ValueError`` otherwise.

    Parameters
    ----------
    owner, name : str or object, str
        As for `check_integer`: who reports the error, and the argument's name.
    value : object
        The argument's value.
    choices : tuple
        The accepted values, shown in the message.

    Returns
    -------
    value : object
        ``value`` itself.

    Examples
    --------
    >>> check_choice("NeuralODE", "loss", "l2", ("l1", "l2"))
    'l2'
    >>> check_choice("NeuralODE", "loss", "huber", ("l1", "l2"))
    Traceback (most recent call last):
    ...
    ValueError: NeuralODE: loss='huber' must be one of ('l1', 'l2')
    """
    if value not in choices:
        raise _error(ValueError, owner, name, value, f"one of {choices}")
    return value
