"""Fitting a library model on Dask collections: per-block statistics, reduced as a tree.

``fit`` given a ``dask.array.Array`` (time along axis 0, chunked along time) or a
``dask.dataframe.DataFrame`` estimates the derivatives with ``map_overlap`` and the
differentiation method's ``halo`` (each block widened by ``halo`` rows of its neighbours, so its
derivatives are those of the whole trajectory), builds Θ and the
:class:`~sparseid.optimizers.SufficientStatistics` of each block where the block lives, and adds
the statistics pairwise in a tree. Only ``p x p`` statistics (and the ``2 x d`` range of the
data) reach the client; the coefficients are then fitted there in O(p^3). It runs on whatever
scheduler is active: Dask's threads by default, a ``dask.distributed`` cluster when a
``Client`` exists.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["fit_dask", "is_dask_collection"]

_INSTALL = (
    "fitting Dask collections needs dask: pip install sparseid[dask] "
    '(or pip install "dask[array,dataframe]" distributed)'
)


def is_dask_collection(X):
    """Whether ``X`` (or the first item of a list) is a Dask collection, without importing dask."""
    first = X[0] if isinstance(X, list | tuple) and len(X) else X
    return type(first).__module__.split(".")[0] == "dask"


def _import_dask():
    try:
        import dask
        import dask.array as da
    except ImportError:
        raise ImportError(_INSTALL) from None
    return dask, da


def fit_dask(model, X, y=None, *, t=None, u=None, feature_names=None):
    """Fit ``model`` (a LibraryModel) on Dask collections; see the module docstring."""
    dask, da = _import_dask()
    from ..optimizers import BaseOptimizer

    xs = list(X) if isinstance(X, list | tuple) else [X]
    n_traj = len(xs)
    ts = _per_trajectory(t, n_traj, "t")
    us = _per_trajectory(u, n_traj, "u")
    ys = _per_trajectory(y, n_traj, "y")
    frame = _is_frame(xs[0])
    names = [str(c) for c in xs[0].columns] if frame else None
    arrays, times = [], []
    for x, tk in zip(xs, ts):
        xa, ta = _states(x, tk, da, dask)
        arrays.append(xa)
        times.append(ta)
    d = arrays[0].shape[1]
    if any(a.shape[1] != d for a in arrays):
        raise ValueError("every trajectory must have the same number of columns")
    names = names or (list(feature_names) if feature_names is not None else None)
    names = names or [f"x{i}" for i in range(d)]
    if len(names) != d:
        raise ValueError(f"feature_names has {len(names)} names for {d} columns")
    inputs = [None if uk is None else _rows_like(uk, a, da, "u") for uk, a in zip(us, arrays)]
    if (inputs[0] is None) != all(v is None for v in inputs):
        raise ValueError("give u for every trajectory or for none")
    targets = [None if yk is None else _rows_like(yk, a, da, "y") for yk, a in zip(ys, arrays)]
    if (targets[0] is None) != all(v is None for v in targets):
        raise ValueError("give y for every trajectory or for none")
    m = 0 if inputs[0] is None else inputs[0].shape[1]

    # The fitted state of validate_trajectories, without looking at the data.
    model.n_features_in_ = d
    if frame:
        model.feature_names_in_ = np.asarray(names, dtype=object)
    else:
        model.__dict__.pop("feature_names_in_", None)
    model.variable_names_ = names
    model.n_control_features_ = m
    model.control_names_ = (
        [str(c) for c in us[0].columns] if m and _is_frame(us[0]) else [f"u{i}" for i in range(m)]
    )
    model.time_step_ = float(ts[0]) if isinstance(ts[0], numbers.Real) else None
    model._fitted_on_frame = frame
    if targets[0] is None:
        model._targets_1d = False
        model.target_names_ = model._derivative_names()
    else:
        k = targets[0].shape[1]
        model._targets_1d = False
        model.target_names_ = (
            [str(c) for c in ys[0].columns] if _is_frame(ys[0]) else [f"y{i}" for i in range(k)]
        )

    from ._library_model import _is_foreign
    from ._partial_fit import reset_partial_fit

    reset_partial_fit(model)
    library = model._make_library()
    library.fit(np.zeros((1, d + m)))
    optimizer = model._make_optimizer()
    if not isinstance(optimizer, BaseOptimizer):
        raise TypeError(
            f"a Dask fit needs one of sparseid's optimizers (which work from sufficient "
            f"statistics); {type(optimizer).__name__} needs the whole library matrix: compute "
            "the data first"
        )
    term_names = [str(n) for n in model._library_names(library)]
    block = dask.delayed(_block_statistics, pure=True)
    parts = []
    for xa, ta, step, ua, ya in zip(arrays, times, ts, inputs, targets):
        step = float(step) if isinstance(step, numbers.Real) else None
        for zb, yb, offset in _pair_blocks(model, xa, ta, step, ua, ya, da, dask):
            parts.append(block(zb, yb, library, _is_foreign(library), term_names, offset))
    if not parts:
        raise ValueError("the Dask collections hold no rows")
    while len(parts) > 1:  # a binary tree: log2(blocks) levels of p x p merges
        pairs = [dask.delayed(_add)(a, b) for a, b in zip(parts[::2], parts[1::2])]
        parts = pairs + ([parts[-1]] if len(parts) % 2 else [])
    low = [da.min(a, axis=0) for a in arrays]
    high = [da.max(a, axis=0) for a in arrays]
    stats, low, high = dask.compute(parts[0], low, high)
    if stats is None:
        raise ValueError("the Dask collections hold no regression pairs")
    model.training_range_ = np.array([np.min(low, axis=0), np.max(high, axis=0)])
    n_targets = stats.n_targets
    optimizer._fit_model_statistics(stats, y_1d=n_targets == 1)
    model._set_fitted(library, optimizer, n_targets)
    return model


# -- inputs ------------------------------------------------------------------------------------
def _is_frame(obj):
    return type(obj).__module__.startswith("dask.dataframe") and hasattr(obj, "columns")


def _per_trajectory(value, n, name):
    if isinstance(value, list | tuple) and not isinstance(value, str):
        if len(value) != n:
            raise ValueError(f"{name} has {len(value)} entries but X has {n} trajectories")
        return list(value)
    if n > 1 and value is not None and not isinstance(value, numbers.Real):
        raise ValueError(f"with several trajectories, give {name} as a list, one per trajectory")
    return [value] * n


def _states(x, t, da, dask):
    """(states as a 2-D dask array with whole rows per chunk, times: step, dask array or None)."""
    if _is_frame(x):
        xa = x.to_dask_array(lengths=True)
        if t is None:
            index = x.index
            kind = index.dtype.kind
            if kind == "f":
                t = index.to_series().to_dask_array(lengths=True)
            elif kind in "mM":
                first = index.min().compute()  # one timestamp
                t = (index.to_series() - first).dt.total_seconds().to_dask_array(lengths=True)
    elif isinstance(x, da.Array):
        xa = x
    else:
        raise TypeError(f"expected a Dask array or DataFrame, got {type(x).__name__}")
    if xa.ndim != 2:
        raise ValueError(f"a Dask array X must be 2-D (time, features), got {xa.ndim}-D")
    if any(np.isnan(c) for c in xa.chunks[0]):
        xa = xa.compute_chunk_sizes()
    xa = xa.astype(np.float64).rechunk({1: -1})
    if t is None or isinstance(t, numbers.Real):
        if isinstance(t, numbers.Real) and not (np.isfinite(t) and t > 0):
            raise ValueError(f"t={t!r}: a sampling step must be a positive number")
        return xa, None  # no times, or a step (the model records it as time_step_)
    ta = t if isinstance(t, da.Array) else da.from_array(np.asarray(t, dtype=np.float64))
    if ta.ndim != 1 or ta.shape[0] != xa.shape[0]:
        raise ValueError(f"t must have one time per row of X ({xa.shape[0]}), got {ta.shape}")
    return xa, ta.astype(np.float64).rechunk((xa.chunks[0],))


def _rows_like(v, xa, da, name):
    """``u`` or ``y`` as a 2-D dask array chunked along time like ``xa``."""
    if _is_frame(v):
        v = v.to_dask_array(lengths=True)
    elif not isinstance(v, da.Array):
        v = da.from_array(np.asarray(v, dtype=np.float64))
    if v.ndim == 1:
        v = v[:, None]
    if v.shape[0] != xa.shape[0]:
        raise ValueError(f"{name} has {v.shape[0]} rows but X has {xa.shape[0]}")
    return v.astype(np.float64).rechunk((xa.chunks[0], -1))


def _merge_small_chunks(chunks, minimum):
    """Row chunks of at least ``minimum`` rows (small ones joined to a neighbour)."""
    out = []
    for c in chunks:
        if out and (out[-1] < minimum or c < minimum):
            out[-1] += c
        else:
            out.append(c)
    return tuple(out)


# -- blocks ------------------------------------------------------------------------------------
def _pair_blocks(model, xa, ta, step, ua, ya, da, dask):
    """Delayed blocks (Z, Y) of one trajectory with the row offset of each block."""
    if ya is not None:
        z = xa if ua is None else da.concatenate([xa, ua], axis=1)
        yield from _zip_blocks(z, ya, dask)
        return
    if model._is_map:
        yield from _map_blocks(xa, ua, da, dask)
        return
    if ta is None and step is None:
        raise ValueError(
            "time is needed to differentiate X but none was given: pass t= (a sampling step, "
            "or a Dask or numpy array of times), or a Dask DataFrame indexed by time"
        )
    method = model._differentiation()
    if method is None:
        from ..differentiation import default_differentiation

        method = default_differentiation()
    h = method.halo
    if not isinstance(h, numbers.Integral):
        from ._streaming import global_halo_error

        raise global_halo_error(method, "be applied to a Dask array block by block")
    chunks = _merge_small_chunks(xa.chunks[0], 2 * h + 1)
    xa = xa.rechunk((chunks, -1))
    # The states, and the times as a column when they are not a constant step.
    arrays = [xa] if ta is None else [xa, ta.rechunk((chunks,))[:, None]]
    x_dot = da.map_overlap(
        _derivative,
        *arrays,
        depth={0: h, 1: 0},
        boundary="none",
        dtype=float,
        method=method,
        step=step if ta is None else None,
    )
    z = xa if ua is None else da.concatenate([xa, ua.rechunk((chunks, -1))], axis=1)
    yield from _zip_blocks(z, x_dot, dask)


def _derivative(x, t=None, *, method, step):
    return method(x, step if t is None else t[:, 0])


def _zip_blocks(z, y, dask):
    z = z.rechunk({1: -1})
    y = y.rechunk((z.chunks[0], -1))
    offsets = np.cumsum((0, *z.chunks[0]))
    for zb, yb, offset in zip(z.to_delayed().ravel(), y.to_delayed().ravel(), offsets):
        yield zb, yb, int(offset)


def _map_blocks(xa, ua, da, dask):
    """Pairs (x[k], u[k]) -> x[k+1]: each block also needs the first row of the next one."""
    z = xa if ua is None else da.concatenate([xa, ua.rechunk((xa.chunks[0], -1))], axis=1)
    z = z.rechunk({1: -1})
    bounds = np.cumsum((0, *xa.chunks[0]))
    blocks = xa.to_delayed().ravel()
    zblocks = z.to_delayed().ravel()
    for i, (zb, xb) in enumerate(zip(zblocks, blocks)):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        pair = dask.delayed(_next_states, nout=2)(zb, xb, nxt)
        yield pair[0], pair[1], int(bounds[i])


def _next_states(z, x, following):
    if following is None:
        return z[:-1], x[1:]
    return z, np.concatenate([x[1:], following[:1]])


def _block_statistics(Z, Y, library, foreign, term_names, offset):
    """SufficientStatistics of one block (runs where the block lives)."""
    from ..optimizers import SufficientStatistics
    from ._library_model import finite_term_error

    if foreign:
        theta = np.asarray(library.transform(Z), dtype=np.float64)
    else:
        theta = library.transform(Z, check_input=False)
    if not len(theta):
        return None
    if not np.isfinite(theta).all():
        raise finite_term_error(theta, term_names, offset)
    return SufficientStatistics.from_arrays(theta, Y)


def _add(a, b):
    """Sum of two blocks' statistics (None: a block without rows)."""
    if a is None:
        return b
    return a if b is None else a + b
