"""Automatic STLSQ threshold: a path of thresholds on the sufficient statistics, scored by BIC.

References
----------
.. [1] J. Chen and Z. Chen, "Extended Bayesian information criteria for model selection with
   large model spaces", Biometrika 95 (3), 759-771 (2008).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

__all__ = ["ThresholdPath", "bic_score", "stepwise_refine", "threshold_path"]

# Residuals smaller than this fraction of ||y|| count as an exact fit (clean data): below
# it the information criterion sees only the number of terms.
_EXACT_RTOL = 1e-6


class ThresholdPath(NamedTuple):
    """The thresholds STLSQ tried and how each did (a Pareto front of error vs complexity).

    Attributes
    ----------
    thresholds : ndarray of shape (m,)
        Thresholds, increasing.
    complexity : ndarray of int, shape (m, n_targets)
        Number of nonzero coefficients of each target at each threshold.
    rss : ndarray of shape (m, n_targets)
        Residual sum of squares of each target at each threshold.
    bic : ndarray of shape (m, n_targets)
        The criterion (see :func:`bic_score`); each target takes the smallest threshold at
        which its criterion is minimal.
    best : ndarray of int, shape (n_targets,)
        Index of the best threshold of each target.
    refined : ndarray of bool, shape (n_targets,)
        Whether the stepwise search changed a target's support (see :func:`stepwise_refine`).
    coef : ndarray of shape (n_targets, n_features)
        The chosen coefficients.
    """

    thresholds: np.ndarray
    complexity: np.ndarray
    rss: np.ndarray
    bic: np.ndarray
    best: np.ndarray
    refined: np.ndarray
    coef: np.ndarray


def bic_score(stats, coef):
    """Extended Bayesian information criterion of ``coef`` on ``stats``, per target, shape (k,).

    ``n log(max(RSS_i, floor_i) / n) + |S_i| (log n + 2 log p)`` for target ``i``, with ``n``
    rows and ``p`` library terms (the extended BIC with gamma = 1 of Chen & Chen, which adds
    ``2 log p`` per term for the many supports a large library offers), and
    ``floor_i = (1e-6)^2 y_i^T y_i``: residuals below a millionth of the target's norm are
    treated as an exact fit, so on clean data the sparsest exact support wins.
    """
    n = max(stats.n_samples, 2)
    rss = stats.rss(coef)
    floor = _EXACT_RTOL**2 * np.diag(stats.yty) + np.finfo(float).tiny
    size = np.count_nonzero(coef, axis=1)
    penalty = np.log(n) + 2 * np.log(max(stats.n_features, 1))
    return n * np.log(np.maximum(rss, floor) / n) + size * penalty, rss


def threshold_path(optimizer, stats, n_thresholds=40):
    """Fit ``optimizer`` (an STLSQ) at a grid of thresholds; return the path and the best fit.

    The grid is geometric, from half the smallest to just above the largest magnitude of the
    ridge coefficients on the full support (on normalised columns when the optimizer
    normalises), plus zero. Each fit costs O(p^3) per round on the statistics.

    Returns
    -------
    path : ThresholdPath
    """
    from sklearn.base import clone

    weights = stats.column_norms if optimizer.normalize_columns else np.ones(stats.n_features)
    full = stats.solve(None, optimizer.alpha, penalty_weights=weights)
    mags = np.abs(full * weights)
    mags = mags[mags > 0]
    if mags.size == 0:
        grid = np.zeros(1)
    else:
        grid = np.concatenate(
            [[0.0], np.geomspace(mags.min() / 2, mags.max() * 1.01, n_thresholds)]
        )
    scores, rss_sum, sizes, coefs = [], [], [], []
    trial = clone(optimizer)
    for tau in grid:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trial._fit_threshold(stats, float(tau))
        score, rss = bic_score(stats, trial.coef_)
        scores.append(score)
        rss_sum.append(rss)
        sizes.append(np.count_nonzero(trial.coef_, axis=1))
        coefs.append(trial.coef_.copy())
    scores = np.array(scores)
    best = np.argmin(scores, axis=0)
    chosen = np.array([coefs[b][i] for i, b in enumerate(best)])
    # Thresholding is greedy: a term dropped in an early round is never re-admitted, so a
    # true term whose coefficient is small while a collinear term is present can be lost at
    # every threshold. A stepwise search from the chosen supports (add or drop one term while
    # the criterion improves) repairs that.
    refined, improved = stepwise_refine(stats, chosen != 0, scores[best, np.arange(len(best))])
    for i in np.flatnonzero(improved):
        chosen[i] = refined[i]
    return ThresholdPath(grid, np.array(sizes), np.array(rss_sum), scores, best, improved, chosen)


def stepwise_refine(stats, support, score, max_steps=None):
    """Greedy bidirectional search: flip the one term per target that lowers :func:`bic_score`.

    Returns
    -------
    coef : ndarray of shape (n_targets, n_features)
        Least-squares coefficients on the final supports.
    improved : ndarray of bool, shape (n_targets,)
        Targets whose support changed.
    """
    k, p = support.shape
    support = support.copy()
    score = np.asarray(score, dtype=np.float64).copy()
    improved = np.zeros(k, dtype=bool)
    usable = stats.sq_norms > 0
    for _ in range(2 * p if max_steps is None else max_steps):
        best_score, best_col = score.copy(), np.full(k, -1)
        for j in np.flatnonzero(usable):
            trial = support.copy()
            trial[:, j] = ~trial[:, j]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                coef = stats.solve(trial)
            trial_score = bic_score(stats, coef)[0]
            margin = 1e-9 * np.abs(np.where(np.isfinite(best_score), best_score, 0.0))
            better = trial_score < best_score - margin
            best_score = np.where(better, trial_score, best_score)
            best_col = np.where(better, j, best_col)
        moved = best_col >= 0
        if not moved.any():
            break
        rows = np.flatnonzero(moved)
        support[rows, best_col[rows]] = ~support[rows, best_col[rows]]
        score = best_score
        improved |= moved
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return stats.solve(support), improved
