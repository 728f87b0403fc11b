"""Exact best-subset regression by branch and bound on sufficient statistics."""

from typing import ClassVar

import numpy as np
from scipy.linalg import solve_triangular
from threadpoolctl import threadpool_limits

from sparseid._params import Check, Choice, Integer, check_integer
from sparseid.optimizers._base import BaseOptimizer
from sparseid.optimizers._compressed_problem import working_problem

__all__ = ["BestSubset"]

# Columns whose part outside the span of the others is this small, relative to their norm,
# are treated as dependent: a support holding them is not a valid least-squares support.
_DEPENDENT = 1e-10


def _check_max_terms(owner, name, value):
    if value is None:
        return None
    return check_integer(owner, name, value, minimum=1, type_error=ValueError)


def _drop_costs(m, b, cols):
    """RSS of the support ``cols`` (without the constant part) and the increase of the RSS
    when each column is dropped: ``beta_j^2 / [(M_S^T M_S)^-1]_jj``."""
    q, r = np.linalg.qr(m[:, cols])
    qb = q.T @ b
    rss = b @ b - qb @ qb
    diag = np.abs(np.diag(r))
    if diag.min(initial=np.inf) <= _DEPENDENT * np.linalg.norm(m[:, cols], axis=0).max():
        return rss, None
    rinv = solve_triangular(r, np.eye(len(cols)), check_finite=False)
    beta = rinv @ qb
    return max(rss, 0.0), beta**2 / np.einsum("ij,ij->i", rinv, rinv)


def best_subsets(m, b, max_terms, max_nodes):
    """Smallest RSS (up to the constant residual) of every support size 0..max_terms.

    Leaps and bounds: each node is a set ``U`` of columns whose first ``n_fixed`` are kept;
    its children drop one of the others. Every subset of ``U`` has an RSS at least that of
    ``U``, so a node is pruned when that bound is no better than the best supports found of
    every size its subtree can reach. Returns ``(rss, supports, n_nodes)``.
    """
    p = m.shape[1]
    best = np.full(max_terms + 1, np.inf)
    supports = [()] * (max_terms + 1)
    best[0] = b @ b
    stack = [(tuple(range(p)), 0)]
    n_nodes = 0
    while stack:
        cols, n_fixed = stack.pop()
        n_nodes += 1
        if n_nodes > max_nodes:
            raise RuntimeError(
                f"BestSubset: the branch and bound visited more than max_nodes={max_nodes} "
                f"nodes ({p} features, max_terms={max_terms}) without finishing; raise "
                "max_nodes, lower max_terms, or use a greedy optimizer (SSR, FROLS, STLSQ)."
            )
        rss, costs = _drop_costs(m, b, list(cols))
        size = len(cols)
        if costs is not None and size <= max_terms and rss < best[size]:
            best[size], supports[size] = rss, cols
        if costs is None:
            costs = np.zeros(size)  # dependent columns: no bound from this node
            rss = 0.0
        fixed, free = cols[:n_fixed], list(cols[n_fixed:])
        # The most costly columns to drop head the order: the child dropping one of them
        # has the largest subtree and the largest bound, so it is the most often pruned.
        free.sort(key=lambda j: -costs[cols.index(j)])
        children = []
        for i, j in enumerate(free):
            kept = fixed + tuple(free[:i]) + tuple(free[i + 1 :])
            child_fixed = n_fixed + i
            lo, hi = child_fixed, min(size - 1, max_terms)
            if lo > hi:
                continue
            bound = rss + costs[cols.index(j)]
            if bound >= best[lo : hi + 1].max():
                continue
            children.append((kept, child_fixed))
        # Small subtrees with good supports first: early incumbents prune the large ones.
        stack.extend(children)
    return best, supports, n_nodes


class BestSubset(BaseOptimizer):
    """Exact best-subset selection per target, chosen by an information criterion.

    For each target and every support size ``k <= max_terms``, finds the support of ``k``
    library columns with the smallest residual sum of squares ``RSS_k`` (the problem MIOSR
    solves by mixed-integer optimisation [1]_), by branch and bound over the sufficient
    statistics (leaps and bounds [2]_): each node costs one QR of a p x |S| matrix, and the
    RSS of every support one column smaller follows from it. The size is then chosen by

    - ``"bic"``: ``n log(RSS_k / n) + k log(n)``;
    - ``"aic"``: ``n log(RSS_k / n) + 2 k``;

    and the chosen support is fitted by ordinary least squares. Exact for tens of features;
    the search stops with an error after ``max_nodes`` nodes.

    Parameters
    ----------
    max_terms : int, default=None
        Largest support size per target (default: every size up to the number of features).
    criterion : {"bic", "aic"}, default="bic"
        Information criterion choosing the support size.
    max_nodes : int, default=1_000_000
        Budget of branch-and-bound nodes per target; exceeding it raises a RuntimeError.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        Least-squares coefficients on the chosen supports.
    support_ : ndarray of bool, shape (n_targets, n_features)
        Nonzero pattern of ``coef_``.
    rss_path_ : ndarray of shape (n_targets, max_terms + 1)
        Smallest residual sum of squares of each support size (``inf`` where no support of
        that size has independent columns).
    support_path_ : ndarray of bool, shape (n_targets, max_terms + 1, n_features)
        The best support of each size.
    criterion_path_ : ndarray of shape (n_targets, max_terms + 1)
        The information criterion of each size.
    n_nodes_ : ndarray of int, shape (n_targets,)
        Branch-and-bound nodes visited per target.
    coef_stderr_ : ndarray of shape (n_targets, n_features)
        Ordinary least-squares standard error of each nonzero coefficient, 0 elsewhere.
    stats_ : SufficientStatistics
        The statistics the model was fitted from.
    n_features_in_ : int
        Number of library columns.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.

    References
    ----------
    .. [1] D. Bertsimas and W. Gurnee, "Learning sparse nonlinear dynamics via mixed-integer
       optimization", Nonlinear Dynamics 111, 6585-6604 (2023).
    .. [2] G. M. Furnival and R. W. Wilson, "Regressions by leaps and bounds",
       Technometrics 16 (4), 499-511 (1974).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.optimizers import BestSubset
    >>> rng = np.random.default_rng(1)
    >>> X = rng.normal(size=(200, 6))
    >>> y = X @ [2.0, 0.0, -0.5, 0.0, 0.0, 0.0] + 0.1 * rng.normal(size=200)
    >>> model = BestSubset().fit(X, y)
    >>> model.support_
    array([[ True, False,  True, False, False, False]])
    >>> model.rss_path_.shape  # the best support of every size 0..6
    (1, 7)
    """

    _parameter_rules: ClassVar = {
        "max_terms": Check(_check_max_terms, "None or an integer >= 1"),
        "criterion": Choice(("bic", "aic")),
        "max_nodes": Integer(minimum=1),
    }

    _json_fitted: ClassVar = {
        "support_": "bools",
        "rss_path_": "float",
        "criterion_path_": "float",
        "support_path_": "bools",
        "n_nodes_": "ints",
    }

    def __init__(self, max_terms=None, criterion="bic", max_nodes=1_000_000):
        self.max_terms = max_terms
        self.criterion = criterion
        self.max_nodes = max_nodes

    def _fit_statistics(self, stats):
        m, b, ee, _ = working_problem(stats, True)
        p, k = b.shape
        n = stats.n_samples
        max_terms = p if self.max_terms is None else min(self.max_terms, p)
        rss = np.full((k, max_terms + 1), np.inf)
        paths = np.zeros((k, max_terms + 1, p), dtype=bool)
        nodes = np.zeros(k, dtype=int)
        for i in range(k):
            # Thousands of tiny factorisations: threaded BLAS only adds overhead (8x here).
            with threadpool_limits(1):
                best, supports, nodes[i] = best_subsets(m, b[:, i], max_terms, self.max_nodes)
            rss[i] = best + ee[i]
            for size, cols in enumerate(supports):
                paths[i, size, list(cols)] = True
        sizes = np.arange(max_terms + 1)
        per_term = np.log(n) if self.criterion == "bic" else 2.0
        with np.errstate(divide="ignore"):
            crit = n * np.log(np.maximum(rss, 0.0) / n) + per_term * sizes
        crit[~np.isfinite(rss)] = np.inf
        chosen = np.argmin(crit, axis=1)
        support = paths[np.arange(k), chosen]
        self.coef_ = stats.solve(support, 0.0, feature_names=self._feature_names())
        self.support_ = self.coef_ != 0
        self.rss_path_ = rss
        self.support_path_ = paths
        self.criterion_path_ = crit
        self.n_nodes_ = nodes
        return self
