"""Saving and loading fitted models as versioned JSON; loading treats the file as hostile.

The file is one JSON object::

    {"format": "sparseid-model", "format_version": 2, "sparseid_version": "...",
     "class": "sparseid.models.SINDy", "params": {...}, "state": {...}}

``class`` is the model's public path in :mod:`sparseid._registry`. ``params`` are the
constructor arguments: numbers, strings, booleans, ``None``, lists, ``{"__tuple__": [...]}``,
``{"__dict__": {...}}``, and at the parameters that hold estimators (``feature_library``,
``optimizer``, ``differentiation_method``) ``{"__library__": {"class": ..., "params": ...}}`` or
``{"__estimator__": "<public path>", "params": {...}}``. ``state`` is the fitted state: the
base model's (:meth:`DynamicsModel._base_state`) and the model's own (``_state_to_json``), with
the fitted optimizer's (:mod:`._optimizer_state`) and a weak-form fit's (:mod:`._weak_state`).

Loading constructs only registered classes, each from parameters it checks, and reads every
field through :class:`~sparseid.models._fields.Fields`: wrong types, sizes, non-finite numbers,
unknown keys and deep nesting raise a ``ValueError`` naming the field; nothing in the file is
called or looked up by name. Format version 1 (bare class names such as ``"SINDy"``, private
module paths of estimators, no optimizer state) and version 2 (no threshold path, no weak-form
state) are still read. Models JSON cannot describe (user
callables, foreign estimators, subclasses of sparseid's classes) raise a ``TypeError`` pointing
to pickle.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from .._registry import PARAM_KINDS, check_params, public_path, resolve
from ._fields import FieldError, Fields, NonFinite, short

__all__ = ["FORMAT", "FORMAT_VERSION", "load_model", "save_model"]

FORMAT = "sparseid-model"
#: Bumped whenever a change makes old readers misread new files (2: public class paths and the
#: optimizer's fitted state; 3: STLSQ's threshold path and a weak-form fit's state, with its
#: per-target optimizers).
FORMAT_VERSION = 3
#: Largest model file read, in bytes.
MAX_FILE_BYTES = 256 * 2**20
#: Deepest nesting of JSON arrays and objects in a model file.
MAX_DEPTH = 64
_MAX_INT = 2**63
#: Arguments of non-model estimators that hold estimators (an ensemble's base optimizer).
_NESTED = {"optimizer": {"optimizer": "optimizer"}}


def encode(value, where="params", kind=None):
    """A JSON-compatible description of a constructor argument.

    ``kind`` is the estimator kind the argument may hold (see ``PARAM_KINDS``), or None.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, np.generic):
        return encode(value.item(), where, kind)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}={value!r} cannot be saved: JSON has no infinity or NaN")
        return value
    if isinstance(value, list | tuple):
        items = [encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v, f"{where}.{k}") for k, v in value.items()}}
    if kind == "library":
        from ..libraries._serialize import library_to_dict

        return {"__library__": library_to_dict(value, where)}
    if kind is not None and hasattr(value, "get_params"):
        path = public_path(value, kind, where)
        params = value.get_params(deep=False)
        return {
            "__estimator__": path,
            "params": {
                k: encode(v, f"{where}.{k}", _NESTED.get(kind, {}).get(k))
                for k, v in params.items()
            },
        }
    raise TypeError(
        f"{where} = {short(value)} cannot be saved as JSON (only numbers, strings and sparseid's "
        "own estimators can); save the model with pickle instead"
    )


def decode(value, field, kind=None):
    """Inverse of :func:`encode`, for untrusted input: raises ValueError naming ``field``."""
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        if abs(value) > _MAX_INT:
            raise FieldError(f"{field}={short(value)} is out of range (|value| <= 2**63)")
        return value
    if type(value) is float and math.isfinite(value):
        return value
    if isinstance(value, list):
        return [decode(v, f"{field}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        keys = sorted(value)
        if keys == ["__tuple__"] and isinstance(value["__tuple__"], list):
            return tuple(decode(v, f"{field}[{i}]") for i, v in enumerate(value["__tuple__"]))
        if keys == ["__dict__"] and isinstance(value["__dict__"], dict):
            return {k: decode(v, f"{field}.{k}") for k, v in value["__dict__"].items()}
        if keys == ["__library__"] and kind == "library":
            from ..libraries._serialize import build_library

            return build_library(value["__library__"], f"{field}.__library__")
        if keys == ["__estimator__", "params"] and kind in (
            "optimizer",
            "differentiation",
            "weak_form",
        ):
            entry = resolve(value["__estimator__"], kind, f"{field}.__estimator__")
            return build(entry, value["params"], f"{field}.params")
    expected = f"a {kind} description" if kind else "a number, string, boolean, list or null"
    raise FieldError(f"{field}={short(value)} is not {expected}")


def build(entry, params, field):
    """An instance of a registered class from untrusted ``params``, checked as the class checks."""
    if not isinstance(params, dict):
        raise FieldError(f"{field} must be a JSON object, got {type(params).__name__}")
    allowed = entry.cls._get_param_names()
    unknown = sorted(set(params) - set(allowed), key=str)
    if unknown:
        shown = ", ".join(short(k, 40) for k in unknown[:5])
        raise FieldError(f"{field} has unknown parameter(s) {shown} of {entry.cls.__name__}")
    nested = PARAM_KINDS if entry.kind == "model" else _NESTED.get(entry.kind, {})
    kwargs = {k: decode(v, f"{field}.{k}", nested.get(k)) for k, v in params.items()}
    return check_params(entry, entry.cls(**kwargs), field)


# --------------------------------------------------------------------------------------------
def save_model(model, path, *, overwrite=False):
    """Write ``model`` to ``path`` as JSON (atomically: a failed save leaves no partial file).

    Raises
    ------
    TypeError
        When the model holds something JSON cannot describe (the message points to pickle).
    FileNotFoundError
        When the directory of ``path`` does not exist.
    FileExistsError
        When ``path`` exists and ``overwrite`` is False.
    """
    from .. import __version__

    path = Path(path)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sparseid_version": __version__,
        "class": public_path(model, "model", "the model"),
        "params": {
            k: encode(v, k, PARAM_KINDS.get(k)) for k, v in model.get_params(deep=False).items()
        },
        "state": {**model._base_state(), **model._state_to_json()},
    }
    text = json.dumps(payload, indent=1, allow_nan=False)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"cannot save the model to {path}: the directory {folder} does not exist"
        )
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _too_deep(value):
    """The name of the first place nested deeper than ``MAX_DEPTH``, or None."""
    stack = [(value, ())]
    while stack:
        item, where = stack.pop()
        if len(where) > MAX_DEPTH:
            return _path_name(where)
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        stack.extend((v, (*where, k)) for k, v in pairs if isinstance(v, dict | list))
    return None


def _path_name(where):
    text = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in where[:4]).lstrip(".")
    return text + ("..." if len(where) > 4 else "")


def _deep_place(text):
    """Where raw JSON text nests deeper than ``MAX_DEPTH`` (after the parser gave up on it)."""
    open_, where, key = [], [], None
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"\s*(:?)|[\[\]{}]', text):
        token = match.group(0)
        if token in ("[", "{"):
            if open_:
                where.append(key[:40] if open_[-1] == "{" and key is not None else 0)
            open_.append(token)
            if len(open_) > MAX_DEPTH:
                return _path_name(where)
        elif token in ("]", "}"):
            open_.pop()
            if where:
                where.pop()
        elif match.group(2):
            key = match.group(1)
    return "the file"


def _parse(path):
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{path} has {size} bytes, more than a model file may ({MAX_FILE_BYTES})")
    raw = path.read_bytes()
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=NonFinite)
    except RecursionError:
        place = _deep_place(raw.decode("utf-8"))
        raise ValueError(
            f"{path} is a corrupted sparseid model file: {place} nests deeper than {MAX_DEPTH} "
            "levels"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path} is not a valid sparseid model file: {exc}") from None


def _version(top, path):
    if top.get("format") != FORMAT:
        raise ValueError(f"{path} is not a sparseid model file (no 'format': '{FORMAT}')")
    version = top.get("format_version")
    if type(version) is not int:
        raise ValueError(
            f"{path}: format_version={short(version)} must be an integer from 1 to {FORMAT_VERSION}"
        )
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{path}: format_version={version} is newer than the model format versions this "
            f"sparseid reads (1 to {FORMAT_VERSION}); upgrade sparseid"
        )
    if version < 1:
        raise ValueError(f"{path}: format_version={version} is not a valid version (from 1)")
    return version


def load_model(path):
    """Load a model saved with ``model.save(path)``.

    The file is read as untrusted input: only sparseid's registered model, library, optimizer
    and differentiation classes are built, from checked parameters, and no code named by the
    file runs.

    Parameters
    ----------
    path : str or Path
        A file written by :meth:`DynamicsModel.save` (model format version 1 to 3).

    Returns
    -------
    DynamicsModel
        The fitted model, predicting exactly as the saved one.

    Raises
    ------
    ValueError
        When the file is not a sparseid model, was written by a newer format, or any field has
        a value it may not have (the message names the field).
    """
    path = Path(path)
    payload = _parse(path)
    if not isinstance(payload, dict):
        raise ValueError(f"{path} is not a sparseid model file (no 'format': '{FORMAT}')")
    top = Fields(payload, "")
    _version(top, path)
    try:
        deep = _too_deep(payload)
        if deep is not None:
            raise FieldError(f"{deep} nests deeper than {MAX_DEPTH} levels")
        top.string("sparseid_version", max_length=100)
        entry = resolve(top["class"], "model", "class")
        model = build(entry, top["params"], "params")
        state = top.child("state")
        model._load_base_state(state)
        model._state_from_json(state)
        state.finish()
        top.finish()
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        message = str(exc) if isinstance(exc, ValueError) else repr(exc)
        raise ValueError(f"{path} is a corrupted sparseid model file: {message}") from None
    return model
