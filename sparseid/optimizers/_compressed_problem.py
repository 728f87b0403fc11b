"""The least-squares problem of the sufficient statistics, in the coordinates of ``Q``.

With ``theta / scale = Q R`` and ``Q`` orthonormal,
``||y - theta c||^2 = ||Q^T y - M c||^2 + e^T e`` for ``M = R diag(scale)``: every quantity
the greedy and relaxed optimizers compute from ``(theta, y)`` (inner products, projections,
ridge solves, condition numbers) is computed exactly from the p x p matrix ``M`` and
``Q^T y`` instead, at O(p^3) rather than O(n p^2).
"""

import numpy as np

__all__ = ["ZERO", "coefficients_on_support", "ridge", "working_problem"]

#: Working coefficients at most this large in magnitude are zero (off the support).
ZERO = 1e-14


def working_problem(stats, normalize_columns):
    """``(m, b, ee, unit)``: the compressed design and targets in working units.

    ``m`` (p, p) belongs to ``theta / unit`` (``unit`` the column norms when
    ``normalize_columns``, else ones; zero columns keep unit 1), ``b = Q^T y`` (p, k), and
    ``ee`` (k,) is the part of ``y_i^T y_i`` outside the range of ``theta`` (taken from the
    statistics' residual, not as a difference, which would cancel), so that
    ``||y_i - theta c||^2 = ||b_i - m c||^2 + ee_i``. Working coefficients ``c`` are
    ``c / unit`` in units of theta.
    """
    norms = stats.column_norms
    if normalize_columns:
        unit = np.where(norms > 0, norms, 1.0)
    else:
        unit = np.ones(stats.n_features)
    m = stats.r * (stats.scale / unit)
    return m, stats.qty, np.diag(stats.residual_gram).copy(), unit


def ridge(m, b, alpha):
    """``argmin ||b - m c||^2 + alpha ||c||^2`` (b of shape (p,) or (p, k)), by a stacked QR."""
    if m.shape[1] == 0:
        return np.zeros((0, *b.shape[1:]))
    if alpha > 0:
        a = np.vstack([m, np.sqrt(alpha) * np.eye(m.shape[1])])
        rhs = np.concatenate([b, np.zeros((m.shape[1], *b.shape[1:]))])
    else:
        a, rhs = m, b
    return np.linalg.lstsq(a, rhs, rcond=None)[0]


def coefficients_on_support(stats, working, unit, unbias, feature_names):
    """The final ``(coef, support)`` in units of theta from working coefficients (k, p).

    The support is where ``|working| > ZERO``. With ``unbias`` the coefficients are refitted by
    least squares on it from the statistics; otherwise the working coefficients are scaled
    back (``working / unit``). Off the support they are exactly zero.
    """
    support = np.abs(working) > ZERO
    if unbias:
        coef = stats.solve(support, 0.0, feature_names=feature_names)
    else:
        coef = working / unit
    return np.where(support, coef, 0.0), support
