"""Saving and loading fitted models as versioned JSON.

The file is one JSON object::

    {"format": "sparseid-model", "format_version": 1, "sparseid_version": "...",
     "class": "SINDy", "params": {...}, "state": {...}}

``params`` are the estimator's constructor arguments; nested estimators (libraries, optimizers,
differentiation methods) are written as ``{"__estimator__": "module.Class", "params": {...}}`` (or
their own ``to_dict()`` description) and only classes from sparseid are rebuilt on loading.
``state`` is what the model's ``_state_to_json`` returns. Objects that JSON cannot describe (Python
callables, foreign estimators) raise a TypeError that points to pickle, which works for every model.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["FORMAT", "FORMAT_VERSION", "load_model", "save_model"]

FORMAT = "sparseid-model"
#: Bumped whenever a change makes old readers misread new files.
FORMAT_VERSION = 1


def encode(value, where="params"):
    """A JSON-compatible description of a constructor argument."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return (
            {"__tuple__": [encode(v, where) for v in value]}
            if isinstance(value, tuple)
            else [encode(v, where) for v in value]
        )
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v, f"{where}.{k}") for k, v in value.items()}}
    cls = type(value)
    if cls.__module__.startswith("sparseid.") and hasattr(value, "to_dict"):
        return {"__library__": value.to_dict()}
    if cls.__module__.startswith("sparseid.") and hasattr(value, "get_params"):
        params = value.get_params(deep=False)
        return {
            "__estimator__": f"{cls.__module__}.{cls.__qualname__}",
            "params": {k: encode(v, f"{where}.{k}") for k, v in params.items()},
        }
    raise TypeError(
        f"{where} = {value!r} cannot be saved as JSON (only numbers, strings and sparseid's own "
        "estimators can); save the model with pickle instead"
    )


def decode(value):
    """Inverse of :func:`encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {k: decode(v) for k, v in value["__dict__"].items()}
    if "__library__" in value:
        from ..libraries import library_from_dict

        return library_from_dict(value["__library__"])
    if "__estimator__" in value:
        return _import_class(value["__estimator__"])(
            **{k: decode(v) for k, v in value["params"].items()}
        )
    raise ValueError(f"unrecognised entry in a model file: {value!r}")


def _import_class(path):
    module, _, name = path.rpartition(".")
    if not module.startswith("sparseid."):
        raise ValueError(f"a model file may only name sparseid's classes, not {path!r}")
    return getattr(importlib.import_module(module), name)


def save_model(model, path, *, overwrite=False):
    """Write ``model`` to ``path`` as JSON (atomically: a failed save leaves no partial file)."""
    from .. import __version__

    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sparseid_version": __version__,
        "class": type(model).__name__,
        "params": {k: encode(v, k) for k, v in model.get_params(deep=False).items()},
        "state": {**model._base_state(), **model._state_to_json()},
    }
    text = json.dumps(payload, indent=1, allow_nan=False)
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_model(path):
    """Load a model saved with ``model.save(path)``.

    Parameters
    ----------
    path : str or Path
        A file written by :meth:`DynamicsModel.save`.

    Returns
    -------
    DynamicsModel
        The fitted model, predicting exactly as the saved one.

    Raises
    ------
    ValueError
        When the file is not a sparseid model, is corrupted, or was written by a newer format.
    """
    from ._base import DynamicsModel

    path = Path(path)
    try:
        payload = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a valid sparseid model file: {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a sparseid model file (no 'format': '{FORMAT}')")
    version = payload.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} has model format version {version!r}, newer than this sparseid reads "
            f"({FORMAT_VERSION}); upgrade sparseid"
        )
    try:
        cls = DynamicsModel._registry[payload["class"]]
        model = cls(**{k: decode(v) for k, v in payload["params"].items()})
        model._load_base_state(payload["state"])
        model._state_from_json(payload["state"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is a corrupted sparseid model file: {exc!r}") from None
    return model
