"""Fitting the per-target optimizers to weak equations (plain, bias-corrected or in blocks)."""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.base import clone

from ..optimizers import SufficientStatistics

__all__ = ["_fit_target", "_fit_targets", "_stack"]


def _corrected(g, y, bias):
    """Statistics of the bias-corrected normal equations ``G^T G - E[dG^T dG]`` (or None)."""
    gg, gb = bias
    gram = g.T @ g - gg
    rhs = g.T @ y - gb
    scale = np.sqrt(np.clip(np.diag(gram), 0.0, None))
    if not np.all(scale > 0):
        return None
    try:
        r = np.linalg.cholesky(gram / np.outer(scale, scale)).T
    except np.linalg.LinAlgError:
        return None  # the correction would make the problem indefinite: keep it uncorrected
    qty = np.linalg.solve(r.T, rhs / scale)
    res = max(float(y @ y - qty @ qty), 0.0)
    return SufficientStatistics(r, qty[:, None], np.array([[res]]), scale**2, scale, len(y))


def _blocks(rows, n_blocks):
    """Statistics of ``n_blocks`` contiguous groups of equations of each piece.

    With one block per piece, the bias correction (when computed) is applied; the blocks of an
    ensemble are the plain whitened equations.
    """
    blocks = []
    for g, y, bias in rows:
        if n_blocks == 1 and bias is not None:
            stats = _corrected(g, y, bias)
            if stats is not None:
                blocks.append(stats)
                continue
        bounds = np.linspace(0, len(g), min(n_blocks, len(g)) + 1).round().astype(int)
        blocks += [
            SufficientStatistics.from_arrays(g[lo:hi], y[lo:hi])
            for lo, hi in itertools.pairwise(bounds)
            if hi > lo
        ]
    return blocks


def _fit_target(optimizer, target_rows, n_blocks):
    """Fit a copy of ``optimizer`` to one target's rows; returns coefficients, errors, optimizer."""
    from ..optimizers import BaseOptimizer

    opt = clone(optimizer)
    if hasattr(opt, "fit_blocks"):
        opt.fit_blocks(_blocks(target_rows, n_blocks))
    elif isinstance(opt, BaseOptimizer):
        opt.fit_statistics(sum(_blocks(target_rows, 1)))
    else:  # a foreign regressor gets the equations themselves
        opt.fit(np.vstack([r[0] for r in target_rows]), np.concatenate([r[1] for r in target_rows]))
    coef = np.asarray(opt.coef_, dtype=np.float64).reshape(-1)
    stderr = getattr(opt, "coef_stderr_", None)
    stderr = None if stderr is None else np.asarray(stderr, dtype=np.float64).reshape(-1)
    return coef, stderr, opt


def _stack(results):
    """``(coef, stderr, optimizers)`` of all targets from the per-target results."""
    coef = np.vstack([r[0] for r in results])
    errors = [r[1] for r in results]
    stderr = None if any(e is None for e in errors) else np.vstack(errors)
    return coef, stderr, [r[2] for r in results]


def _fit_targets(optimizer, rows, n_blocks):
    """Fit a copy of ``optimizer`` per target; returns coefficients, errors and optimizers."""
    return _stack([_fit_target(optimizer, target_rows, n_blocks) for target_rows in rows])
