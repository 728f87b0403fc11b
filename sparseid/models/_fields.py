"""Reading the fields of a model file as hostile input: typed getters that name the field.

:class:`Fields` wraps one JSON object of a model file. Its getters check the type, size and
finiteness of a value and raise a :class:`FieldError` (a ``ValueError``) whose message names the
field (``state.coef[1][2] must be a finite number, got 'abc'``). It records which keys were read,
so :meth:`Fields.finish` can refuse keys that no reader expected.

JSON has no infinity or NaN. Where non-finite values are legitimate (standard errors of
undetermined coefficients, the loss of a diverged iteration) they are written as
``{"__float__": "inf"}``, ``"-inf"`` or ``"nan"`` by :func:`float_list`; everywhere else a
non-finite number is an error, as are the ``NaN``/``Infinity`` extensions of Python's json module
(parsed into :class:`NonFinite` markers by the loader).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

__all__ = ["FieldError", "Fields", "NonFinite", "float_list", "short"]

_SPECIAL = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


class FieldError(ValueError):
    """A field of a model file is missing or has a value it may not have."""


class NonFinite:
    """A ``NaN``/``Infinity`` token of the JSON text, kept apart from numbers (and strings)."""

    def __init__(self, token):
        self.token = token

    def __repr__(self):
        return self.token


def short(value, limit=60):
    """``repr(value)``, shortened to ``limit`` characters (values of a file can be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def float_list(array, allow_nonfinite=False):
    """Nested lists of floats for JSON, with non-finite values as ``{"__float__": ...}``.

    Parameters
    ----------
    array : array-like of float
        The values.
    allow_nonfinite : bool
        Whether non-finite values may be written (else they raise ValueError).

    Returns
    -------
    list
    """
    array = np.asarray(array, dtype=np.float64)
    if np.isfinite(array).all():
        return array.tolist()
    if not allow_nonfinite:
        raise ValueError("non-finite values cannot be saved here")

    def encode(value):
        if isinstance(value, list):
            return [encode(v) for v in value]
        if math.isfinite(value):
            return value
        return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}

    return encode(array.tolist())


def _number(value, field, allow_nonfinite):
    if type(value) is float or type(value) is int:
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if math.isfinite(number):
            return number
    elif (
        allow_nonfinite
        and isinstance(value, dict)
        and list(value) == ["__float__"]
        and isinstance(value["__float__"], str)
        and value["__float__"] in _SPECIAL
    ):
        return _SPECIAL[value["__float__"]]
    raise FieldError(f"{field} must be a finite number, got {short(value)}")


class Fields(Mapping):
    """One JSON object of a model file, read through checked getters.

    Parameters
    ----------
    data : object
        The parsed value; anything but a dict with string keys raises :class:`FieldError`.
    where : str
        The field's name in messages (``"state"``, ``"state.optimizer"``).
    """

    def __init__(self, data, where):
        if not isinstance(data, dict):
            raise FieldError(f"{where} must be a JSON object, got {type(data).__name__}")
        self._data = data
        self.where = where
        self._read = set()

    # Mapping interface: reading a key counts as expecting it.
    def __getitem__(self, key):
        if key not in self._data:
            raise FieldError(f"{self.name(key)} is missing")
        self._read.add(key)
        return self._data[key]

    def __contains__(self, key):
        return key in self._data

    def get(self, key, default=None):
        return self[key] if key in self._data else default

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def name(self, key):
        """The full name of ``key`` in messages."""
        return f"{self.where}.{key}" if self.where else key

    def error(self, key, message):
        """A :class:`FieldError` about ``key``: ``"<where>.<key> <message>"``."""
        return FieldError(f"{self.name(key)} {message}")

    def finish(self):
        """Raise if the object has keys that no getter read."""
        unknown = sorted(set(self._data) - self._read, key=str)
        if unknown:
            shown = ", ".join(short(k, 40) for k in unknown[:5])
            raise FieldError(f"{self.where or 'the file'} has unknown key(s) {shown}")

    # typed getters ------------------------------------------------------------------------
    def child(self, key):
        """The object at ``key`` as :class:`Fields`."""
        return Fields(self[key], self.name(key))

    def boolean(self, key):
        value = self[key]
        if type(value) is not bool:
            raise self.error(key, f"must be true or false, got {short(value)}")
        return value

    def integer(self, key, minimum=0, maximum=2**53):
        value = self[key]
        if type(value) is not int or not minimum <= value <= maximum:
            raise self.error(
                key, f"must be an integer in [{minimum}, {maximum}], got {short(value)}"
            )
        return value

    def real(self, key, *, minimum=None, allow_none=False, allow_nonfinite=False):
        value = self[key]
        if value is None and allow_none:
            return None
        number = _number(value, self.name(key), allow_nonfinite)
        if minimum is not None and not number >= minimum:
            raise self.error(key, f"must be >= {minimum}, got {short(value)}")
        return number

    def string(self, key, max_length=10_000):
        value = self[key]
        if not isinstance(value, str) or len(value) > max_length:
            raise self.error(key, f"must be a string of at most {max_length} characters")
        return value

    def strings(self, key, length=None, max_length=10_000):
        value = self[key]
        if not isinstance(value, list) or (length is not None and len(value) != length):
            expected = "a list" if length is None else f"a list of {length}"
            raise self.error(key, f"must be {expected} strings, got {short(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str) or len(item) > max_length:
                raise FieldError(f"{self.name(key)}[{i}] must be a string, got {short(item)}")
        return list(value)

    def array(self, key, shape, *, dtype=np.float64, allow_nonfinite=False):
        """A nested list of numbers (or of booleans) of exactly ``shape`` as an ndarray.

        ``None`` in ``shape`` accepts any length along that axis (at most the file's size).
        """
        return _to_array(self[key], self.name(key), shape, dtype, allow_nonfinite)

    def arrays(self, key, shapes, *, dtype=np.float64, allow_nonfinite=False):
        """A list of ``len(shapes)`` arrays, the i-th of shape ``shapes[i]`` (see :meth:`array`)."""
        value = self[key]
        if not isinstance(value, list) or len(value) != len(shapes):
            raise self.error(key, f"must be a list of {len(shapes)} arrays, got {short(value)}")
        return [
            _to_array(v, f"{self.name(key)}[{i}]", shape, dtype, allow_nonfinite)
            for i, (v, shape) in enumerate(zip(value, shapes))
        ]


def _to_array(value, field, shape, dtype, allow_nonfinite):
    flat, found = [], []

    def walk(item, axis, where):
        if axis == len(shape):
            flat.append(item)
            return
        if not isinstance(item, list):
            raise FieldError(f"{where} must be a list ({len(shape) - axis}-D), got {short(item)}")
        if axis == len(found):
            found.append(len(item))
        expected = found[axis] if shape[axis] is None else shape[axis]
        if len(item) != expected:
            raise FieldError(
                f"{where} has length {len(item)}, expected {expected} (array of shape "
                f"{tuple('any' if s is None else s for s in shape)})"
            )
        for i, sub in enumerate(item):
            walk(sub, axis + 1, f"{where}[{i}]")

    walk(value, 0, field)
    dims = tuple(found) + tuple(s or 0 for s in shape[len(found) :])
    if dtype is bool:
        bad = next((i for i, v in enumerate(flat) if type(v) is not bool), None)
        if bad is not None:
            raise FieldError(f"{field} must hold only true/false, got {short(flat[bad])}")
        return np.array(flat, dtype=bool).reshape(dims)
    numbers = [_number(v, field, allow_nonfinite) for v in flat]
    return np.array(numbers, dtype=np.float64).reshape(dims)
