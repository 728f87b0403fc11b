"""Reading a term back from its JSON description: :func:`term_from_dict`.

A description is untrusted input. The checks every term type's ``_from_dict`` shares live
here: a key must be present (:func:`_described`), a list must hold integers >= 0
(:func:`_int_list`), a name format may only hold ``{}`` fields (:func:`_plain_format`), and
products nest at most ``_MAX_PRODUCT_DEPTH`` deep.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._terms import Term

__all__ = ["term_from_dict"]

_MAX_PRODUCT_DEPTH = 8


def _described(d, key, kind):
    if key not in d:
        raise ValueError(f"term_from_dict: the {kind} term has no {key!r}")
    return d[key]


def _int_list(d, key, kind):
    value = _described(d, key, kind)
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        raise ValueError(f"term_from_dict: {kind} {key} must be a list of integers >= 0")
    return tuple(value)


def _plain_format(fmt):
    """Whether ``fmt`` is None or a format string whose only fields are ``{}``."""
    if fmt is None:
        return True
    if not isinstance(fmt, str):
        return False
    try:
        fields = [f[1:] for f in string.Formatter().parse(fmt) if f[1] is not None]
    except ValueError:
        return False
    return all(field == ("", "", None) for field in fields)


def term_from_dict(d, _depth=0) -> Term:
    """Rebuild a term from the dictionary made by its ``to_dict`` method.

    The description is treated as untrusted input: only the four term types of sparseid's
    registry (:mod:`sparseid._registry`, by public path or short ``type``) are built, a
    function can only be one of numpy's ufuncs, a name format may only hold ``{}`` fields, and
    every other value is checked, so a crafted description raises ValueError.
    """
    from .._registry import resolve

    kind = d.get("type") if isinstance(d, dict) else None
    try:
        cls = resolve(kind, "term", "term_from_dict").cls
    except ValueError:
        text = repr(d)
        raise ValueError(f"term_from_dict: unknown term description {text[:80]}") from None
    unknown = sorted(set(d) - {"type", *cls.json_fields}, key=str)
    if unknown:
        raise ValueError(f"term_from_dict: the {kind} term has unknown key(s) {unknown}")
    return cls._from_dict(d, _depth)
