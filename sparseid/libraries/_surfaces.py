"""Hyperplanes given as library parameters: ``(normal, offset)`` pairs, checked and resolved.

Shared by :class:`~sparseid.libraries.SwitchedLibrary` (surfaces ``cᵀx = s``) and
:class:`~sparseid.libraries.HingeLibrary` (hinges ``ReLU(wᵀx + β)``). A normal is an input
index ``i`` (the axis-aligned ``x_i``) or a list of numbers, one per input; an offset is a
number or None (unknown: a model finds it from the data, see
:mod:`sparseid.models._surface_search`). A normal None with an offset None is an axis-aligned
plane whose axis is found from the data too.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = []


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_planes(owner, name, value, *, allow_none=True):
    """Check a list of ``(normal, offset)`` pairs; return it as a tuple of tuples.

    The normals are checked against the number of inputs only in ``fit``
    (:func:`resolve_planes`).
    """
    label = type(owner).__name__
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise TypeError(
            f"{label}: {name}={value!r} must be a list of (normal, offset) pairs, e.g. "
            "[(0, 0.0)] for the surface x0 = 0"
        )
    planes = []
    for k, plane in enumerate(value):
        if isinstance(plane, str) or not isinstance(plane, list | tuple) or len(plane) != 2:
            raise ValueError(
                f"{label}: {name}[{k}]={plane!r} must be a pair (normal, offset): normal an "
                "input index or a list of numbers, offset a number or None (unknown)"
            )
        normal, offset = plane
        if normal is None:
            if not allow_none or offset is not None:
                raise ValueError(
                    f"{label}: {name}[{k}] normal=None (an axis to find from the data) needs "
                    "offset=None too"
                )
        elif _is_int(normal):
            if normal < 0:
                raise ValueError(f"{label}: {name}[{k}] normal={normal} must be an index >= 0")
            normal = int(normal)
        else:
            try:
                normal = tuple(float(v) for v in normal)
            except (TypeError, ValueError):
                raise ValueError(
                    f"{label}: {name}[{k}] normal={normal!r} must be an input index or a "
                    "list of numbers"
                ) from None
            if not normal or not all(map(math.isfinite, normal)) or not any(normal):
                raise ValueError(
                    f"{label}: {name}[{k}] normal={list(normal)} must be finite, not all zero"
                )
        if offset is None and not allow_none:
            raise ValueError(f"{label}: {name}[{k}] offset must be given")
        if offset is not None:
            if isinstance(offset, bool) or not isinstance(offset, numbers.Real):
                raise ValueError(f"{label}: {name}[{k}] offset={offset!r} must be a number or None")
            offset = float(offset)
            if not math.isfinite(offset):
                raise ValueError(f"{label}: {name}[{k}] offset={offset!r} must be finite")
        planes.append((normal, offset))
    return tuple(planes)


def normal_vector(normal, n_features, owner, where):
    """The normal as a tuple of ``n_features`` floats (an index is the axis ``e_i``)."""
    if isinstance(normal, int):
        if normal >= n_features:
            raise ValueError(
                f"{owner}: {where} normal={normal} is not an input index (n_features = "
                f"{n_features})"
            )
        return tuple(float(j == normal) for j in range(n_features))
    if len(normal) != n_features:
        raise ValueError(
            f"{owner}: {where} normal has {len(normal)} entries for n_features = {n_features}"
        )
    return tuple(normal)


def resolve_planes(planes, n_features, owner, name):
    """``[(normal vector, offset), ...]``; an unknown offset raises, naming the parameter."""
    out = []
    for k, (normal, offset) in enumerate(planes):
        if offset is None or normal is None:
            raise ValueError(
                f"{owner}: the offset of {name}[{k}] is unknown (None): fit the library inside "
                "a model (SINDy finds it from the data), or give it"
            )
        out.append((normal_vector(normal, n_features, owner, f"{name}[{k}]"), offset))
    return out


def planes_to_json(planes):
    """JSON form: ``[[normal, offset], ...]`` (normal an index or a list of floats)."""
    return [[n if n is None or isinstance(n, int) else list(n), o] for n, o in planes]


def planes_from_json(value, where):
    """``[[normal, offset], ...]`` read from JSON, as pairs; the values are checked later."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(p, list)
        and len(p) == 2
        and (p[0] is None or _is_int(p[0]) or isinstance(p[0], list))
        for p in value
    ):
        raise ValueError(f"{where} must be a list of [normal, offset] pairs")
    return tuple((p[0] if p[0] is None or _is_int(p[0]) else tuple(p[0]), p[1]) for p in value)


def plane_values(normal, X):
    """``normal · x`` on the rows of ``X`` (normal: an index or a vector)."""
    if isinstance(normal, int):
        return np.asarray(X[:, normal], dtype=np.float64)
    return np.asarray(X, dtype=np.float64) @ np.asarray(normal)
