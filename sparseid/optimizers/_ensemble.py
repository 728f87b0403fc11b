"""Ensembles of sparse regressions over blocks of time (a block bootstrap on the statistics)."""

from __future__ import annotations

import itertools
from typing import ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from sparseid._params import Choice, Estimator, Integer, Real, Seed
from sparseid.optimizers._base import BaseOptimizer
from sparseid.optimizers._stats import SufficientStatistics

__all__ = ["EnsembleOptimizer", "gather_ensemble"]


def _column_subset(stats, cols):
    """Exact statistics of the problem restricted to the library columns ``cols``."""
    q, r = np.linalg.qr(stats.r[:, cols])
    qty = q.T @ stats.qty
    # What the dropped columns explained joins the residual.
    gap = stats.qty - q @ qty
    return SufficientStatistics(
        r,
        qty,
        stats.residual_gram + gap.T @ gap,
        stats.sq_norms[cols],
        stats.scale[cols],
        stats.n_samples,
    )


class EnsembleOptimizer(BaseOptimizer):
    """Bagged sparse regression over blocks of time, with inclusion probabilities.

    The rows (time samples, or weak-form equations) are cut into ``n_blocks`` contiguous
    blocks and summarised once, block by block, in :class:`SufficientStatistics`. Each of
    ``n_models`` models is fitted by ``optimizer`` on the sum of a random ``subset_fraction``
    of the blocks (a block bootstrap without replacement, which keeps the correlation in
    time inside each block) and, with ``term_fraction < 1``, on a random subset of the
    library terms (library bagging). A model costs O(p^3) on the statistics, not a pass over
    the data. The inclusion probability of a term is the fraction of the models (that could
    use it) in which it is nonzero; terms at or above ``inclusion_threshold`` are kept and
    refitted by least squares on all blocks (E-SINDy, Fasel et al. [1]_).

    Parameters
    ----------
    optimizer : BaseOptimizer, default=None
        A sparseid optimizer (fitted on statistics); None means ``STLSQ()``.
    n_models : int, default=100
        Number of models in the ensemble.
    subset_fraction : float, default=0.5
        Fraction of the blocks each model sees.
    n_blocks : int, default=20
        Number of time blocks the rows are cut into (``fit``), per piece for the weak form.
    term_fraction : float, default=1.0
        Fraction of the library terms each model may use (1: no library bagging).
    inclusion_threshold : float, default=0.5
        Smallest inclusion probability of a term kept in ``coef_``.
    aggregate : {"refit", "median"}, default="refit"
        ``coef_`` on the kept terms: least squares on all the data, or the median of the
        ensemble's coefficients.
    random_state : None, int or Generator, default=None
        Seed of the block and term subsets.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        The aggregated model.
    coef_samples_ : ndarray of shape (n_models, n_targets, n_features)
        The coefficients of every model of the ensemble.
    inclusion_probabilities_ : ndarray of shape (n_targets, n_features)
        Fraction of models with each term nonzero.
    coef_stderr_, stats_, n_features_in_
        As for every optimizer (``stats_`` sums all blocks).

    References
    ----------
    .. [1] U. Fasel, J. N. Kutz, B. W. Brunton and S. L. Brunton, "Ensemble-SINDy: robust
       sparse model discovery in the low-data, high-noise limit, with active learning and
       control", Proceedings of the Royal Society A 478, 20210904 (2022).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.optimizers import EnsembleOptimizer, STLSQ
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 4))
    >>> y = X @ [2.0, 0.0, -0.5, 0.0] + 0.05 * rng.normal(size=400)
    >>> ens = EnsembleOptimizer(STLSQ(threshold=0.1), n_models=50, random_state=0).fit(X, y)
    >>> ens.inclusion_probabilities_.round(2)
    array([[1., 0., 1., 0.]])
    """

    # Saved with a model (see sparseid.models._persistence).
    _json_fitted: ClassVar = {"coef_samples_": "float", "inclusion_probabilities_": "float"}

    _parameter_rules: ClassVar = {
        "optimizer": Estimator("optimizer"),
        "n_models": Integer(minimum=1),
        "subset_fraction": Real(minimum=0, maximum=1, closed="right"),
        "n_blocks": Integer(minimum=2),
        "term_fraction": Real(minimum=0, maximum=1, closed="right"),
        "inclusion_threshold": Real(minimum=0, maximum=1),
        "aggregate": Choice(("refit", "median")),
        "random_state": Seed(),
    }

    def __init__(
        self,
        optimizer=None,
        n_models=100,
        subset_fraction=0.5,
        n_blocks=20,
        term_fraction=1.0,
        inclusion_threshold=0.5,
        aggregate="refit",
        random_state=None,
    ):
        self.optimizer = optimizer
        self.n_models = n_models
        self.subset_fraction = subset_fraction
        self.n_blocks = n_blocks
        self.term_fraction = term_fraction
        self.inclusion_threshold = inclusion_threshold
        self.aggregate = aggregate
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X, y, *, check_input=True):
        """Cut ``(X, y)`` into ``n_blocks`` blocks of consecutive rows and fit the ensemble.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Library matrix, rows in time order.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        check_input : bool, default=True
            Validate ``X`` and ``y`` (see :meth:`BaseOptimizer.fit`).

        Returns
        -------
        self : object
        """
        self._check_params()
        X, y = self._validate(X, y, reset=True, check_input=check_input)
        self._y_1d = y.ndim == 1
        return self._fit_blocks(self._split(X, y))

    def partial_fit(self, X, y):
        """Add the rows ``(X, y)`` as ``n_blocks`` new time blocks and refit the ensemble.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of the library matrix, rows in time order.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The matching targets.

        Returns
        -------
        self : object
        """
        self._check_params()
        first = not hasattr(self, "_block_stats")
        X, y = self._validate(X, y, reset=first)
        blocks = self._split(X, y)
        if not first and blocks[0].n_targets != self._block_stats[0].n_targets:
            raise self._error(
                f"y has {blocks[0].n_targets} target(s) but earlier chunks had "
                f"{self._block_stats[0].n_targets}."
            )
        self._y_1d = y.ndim == 1
        return self._fit_blocks(blocks if first else self._block_stats + blocks)

    def _split(self, X, y):
        y2 = y.reshape(len(y), -1)
        n_blocks = min(self.n_blocks, len(X))
        bounds = np.linspace(0, len(X), n_blocks + 1).round().astype(int)
        return [
            SufficientStatistics.from_arrays(X[lo:hi], y2[lo:hi])
            for lo, hi in itertools.pairwise(bounds)
        ]

    def fit_blocks(self, blocks):
        """Fit the ensemble from the statistics of each block (a list, in any order).

        Parameters
        ----------
        blocks : list of SufficientStatistics
            Statistics of disjoint row blocks with the same columns and targets.

        Returns
        -------
        self : object
        """
        self._check_params()
        blocks = list(blocks)
        if len(blocks) < 2 or not all(isinstance(b, SufficientStatistics) for b in blocks):
            raise ValueError(
                "EnsembleOptimizer.fit_blocks: blocks must be a list of at least 2 "
                f"SufficientStatistics, got {len(blocks)} item(s)"
            )
        self.n_features_in_ = blocks[0].n_features
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._y_1d = False
        return self._fit_blocks(blocks)

    def _fit_blocks(self, blocks):
        if len(blocks) < 2:
            rows = sum(b.n_samples for b in blocks)
            raise self._error(
                f"n_samples={rows} give {len(blocks)} block(s); an ensemble needs at least 2 "
                "(more rows, or n_blocks >= 2)"
            )
        self._blocks = blocks
        try:
            self._fit(sum(blocks))
        finally:
            del self._blocks
        # Kept (privately) so that partial_fit can add blocks; not saved with a model.
        self._block_stats = blocks
        return self

    def _fit_statistics(self, stats):
        blocks = getattr(self, "_blocks", None)
        if blocks is None:
            raise ValueError(
                "EnsembleOptimizer needs the statistics of separate time blocks: use fit(X, y) "
                "or fit_blocks(list_of_statistics), not fit_statistics"
            )
        from sparseid.optimizers import STLSQ

        base = STLSQ() if self.optimizer is None else self.optimizer
        if not isinstance(base, BaseOptimizer):
            raise TypeError(
                "EnsembleOptimizer: optimizer must be a sparseid optimizer (fitted on "
                f"sufficient statistics), got {type(base).__name__}"
            )
        rng = check_random_state(self.random_state)
        n_b, (k, p) = len(blocks), (stats.n_targets, stats.n_features)
        per_model = max(1, round(self.subset_fraction * n_b))
        per_terms = max(1, round(self.term_fraction * p))
        samples = np.zeros((self.n_models, k, p))
        present = np.zeros(p)
        for m in range(self.n_models):
            chosen = rng.choice(n_b, per_model, replace=False)
            subset = sum(blocks[i] for i in chosen)
            cols = (
                np.arange(p) if per_terms == p else np.sort(rng.choice(p, per_terms, replace=False))
            )
            if per_terms < p:
                subset = _column_subset(subset, cols)
            present[cols] += 1
            # Members need only coefficients: fit them without standard errors.
            opt = clone(base)
            opt._check_params()
            opt._fit_statistics(subset)
            samples[m][:, cols] = np.asarray(opt.coef_).reshape(k, len(cols))
        with np.errstate(invalid="ignore", divide="ignore"):
            inclusion = np.where(present > 0, (samples != 0).sum(axis=0) / present, 0.0)
        support = inclusion >= self.inclusion_threshold
        if self.aggregate == "refit":
            coef = stats.solve(support) if support.any() else np.zeros((k, p))
        else:
            coef = np.where(support, np.median(samples, axis=0), 0.0)
        self.coef_ = coef
        self.coef_samples_ = samples
        self.inclusion_probabilities_ = inclusion
        return self


def gather_ensemble(model, optimizers):
    """Copy ensemble results of the fitted ``optimizers`` (one per group of targets) to ``model``.

    Sets ``coef_samples_`` (n_models, n_targets, n_terms) and ``inclusion_probabilities_``
    (n_targets, n_terms) when every optimizer is an ensemble; removes stale ones otherwise.
    """
    optimizers = [o for o in (optimizers or []) if o is not None]
    if optimizers and all(hasattr(o, "coef_samples_") for o in optimizers):
        model.coef_samples_ = np.concatenate([o.coef_samples_ for o in optimizers], axis=1)
        model.inclusion_probabilities_ = np.concatenate(
            [o.inclusion_probabilities_ for o in optimizers], axis=0
        )
        return
    for name in ("coef_samples_", "inclusion_probabilities_"):
        if name in vars(model):
            delattr(model, name)
