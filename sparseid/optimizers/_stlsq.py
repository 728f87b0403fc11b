"""Sequentially thresholded least squares (STLSQ) on sufficient statistics."""

import warnings
from typing import ClassVar

import numpy as np

from sparseid._params import Bool, Check, Integer, Real, check_real
from sparseid.exceptions import ConvergenceWarning
from sparseid.optimizers._base import BaseOptimizer

__all__ = ["STLSQ"]

# A coefficient this small after thresholding counts as zero (as in PySINDy).
_ZERO = 1e-14


def _check_threshold(owner, name, value):
    if isinstance(value, str) and value == "auto":
        return value
    return check_real(type(owner).__name__, name, value, minimum=0, type_error=ValueError)


class STLSQ(BaseOptimizer):
    """Sequentially thresholded (ridge) least squares.

    For each target: solve the ridge problem ``min ||y - X xi||^2 + alpha ||xi||^2`` on the
    current support, drop every coefficient whose magnitude is below ``threshold``, and
    repeat on the remaining support until it stops changing or ``max_iter`` rounds have run.
    The final support is then refitted without the ridge term when ``unbias`` is true.
    Parameters mean exactly what they mean in PySINDy's ``STLSQ``, so the same settings give
    the same coefficients; but each round here costs O(p^3) on the sufficient statistics
    instead of a new pass over the n x p library.

    Parameters
    ----------
    threshold : float or "auto", default=0.1
        Smallest coefficient magnitude kept (on the normalised columns when
        ``normalize_columns`` is true). "auto" fits a path of 41 thresholds on the statistics
        (zero, and a geometric grid over the magnitudes of the ridge coefficients) and keeps
        the one with the smallest Bayesian information criterion
        ``sum_i n log(RSS_i / n) + |S_i| log n`` (residuals below a millionth of a target's
        norm count as exact, so on clean data the sparsest exact support wins). Because
        thresholding never re-admits a dropped term, a stepwise search then adds or drops
        one term at a time while the criterion improves; a target whose support it changes
        gets least-squares coefficients and a threshold of NaN. The path is ``threshold_path_`` (see
        :class:`sparseid.optimizers.ThresholdPath`).
    alpha : float, default=0.05
        Ridge penalty of the thresholding rounds (on the normalised columns when
        ``normalize_columns`` is true).
    max_iter : int, default=20
        Largest number of thresholding rounds; a support still changing after it gives a
        :class:`~sparseid.exceptions.ConvergenceWarning`.
    normalize_columns : bool, default=False
        Threshold and penalise the coefficients of the library columns scaled to unit norm;
        ``coef_`` is always returned in the units of ``X``.
    unbias : bool, default=True
        Refit the final support by ordinary least squares (per target whose support has no
        more terms than there are samples; a larger support keeps its ridge coefficients).

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        Sparse coefficients.
    support_ : ndarray of bool, shape (n_targets, n_features)
        Nonzero pattern of ``coef_``.
    n_iter_ : int
        Number of thresholding rounds run.
    history_ : list of ndarray of bool
        Support before the first round and after each round.
    coef_stderr_ : ndarray of shape (n_targets, n_features)
        Ordinary least-squares standard error of each nonzero coefficient, 0 elsewhere
        (``inf`` where the support is collinear or has no residual degrees of freedom).
    stats_ : SufficientStatistics
        The statistics the model was fitted from.
    threshold_ : float or ndarray of shape (n_targets, 1)
        The threshold used (with ``threshold="auto"``, the one chosen for each target).
    threshold_path_ : ThresholdPath or None
        With ``threshold="auto"``: every threshold tried, its number of terms, residual sum
        of squares and criterion, for a Pareto plot; None otherwise.
    n_features_in_ : int
        Number of library columns.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.

    References
    ----------
    .. [1] S. L. Brunton, J. L. Proctor and J. N. Kutz, "Discovering governing equations from data
       by sparse identification of nonlinear dynamical systems", PNAS 113 (15), 3932-3937
       (2016).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.optimizers import STLSQ
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = X @ [2.0, 0.0, -0.5, 0.0]
    >>> STLSQ(threshold=0.1).fit(X, y).coef_.round(6)
    array([[ 2. ,  0. , -0.5,  0. ]])
    """

    _parameter_rules: ClassVar = {
        "threshold": Check(_check_threshold, "a real number >= 0 or 'auto'"),
        "alpha": Real(minimum=0),
        "max_iter": Integer(minimum=1),
        "normalize_columns": Bool(),
        "unbias": Bool(),
    }

    def __init__(
        self, threshold=0.1, alpha=0.05, max_iter=20, normalize_columns=False, unbias=True
    ):
        self.threshold = threshold
        self.alpha = alpha
        self.max_iter = max_iter
        self.normalize_columns = normalize_columns
        self.unbias = unbias

    def _fit_statistics(self, stats):
        if isinstance(self.threshold, str):  # "auto"
            from sparseid.optimizers._auto_threshold import threshold_path

            path = threshold_path(self, stats)
            threshold = path.thresholds[path.best][:, None]  # one per target
        else:
            path, threshold = None, self.threshold
        self._fit_threshold(stats, threshold)
        if path is not None and path.refined.any():
            rows = path.refined
            self.coef_[rows] = path.coef[rows]
            self.support_ = self.coef_ != 0
            threshold = np.where(rows[:, None], np.nan, threshold)
        self.threshold_ = threshold
        self.threshold_path_ = path
        return self

    def _fit_threshold(self, stats, threshold):
        n_targets, n_features = stats.n_targets, stats.n_features
        # Thresholds and the ridge act on coefficients of the normalised columns if asked.
        weights = stats.column_norms if self.normalize_columns else np.ones(n_features)
        names = self._feature_names()
        support = np.ones((n_targets, n_features), dtype=bool)
        # PySINDy compares the first round with its least-squares initial guess, whose only
        # zeros are those of zero columns.
        previous = np.broadcast_to(stats.sq_norms > 0, support.shape)
        history = [support.copy()]
        kept = np.zeros(support.shape)
        converged = False
        n_iter = 0
        for _ in range(self.max_iter):
            if not support.any():
                kept[:] = 0.0
                converged = True
                break
            n_iter += 1
            coef = stats.solve(support, self.alpha, penalty_weights=weights, feature_names=names)
            support &= np.abs(coef * weights) >= threshold
            kept = np.where(support, coef, 0.0)
            history.append(support.copy())
            pattern = kept != 0
            if support.all() or np.array_equal(pattern, previous):
                converged = True
                break
            previous = pattern
        if not converged:
            changing = np.flatnonzero((history[-1] != history[-2]).any(axis=1))
            warnings.warn(
                f"STLSQ did not converge after max_iter={self.max_iter} rounds: the support "
                f"of target(s) {changing.tolist()} was still changing.",
                ConvergenceWarning,
                stacklevel=4,
            )
        support = np.abs(kept * weights) > _ZERO
        empty = np.flatnonzero(~support.any(axis=1))
        if empty.size:
            warnings.warn(
                f"STLSQ: threshold={threshold} removed every term of target(s) "
                f"{empty.tolist()}; their coefficients are all 0. Lower the threshold.",
                UserWarning,
                stacklevel=4,
            )
        if self.unbias:
            # An unpenalised refit of more terms than samples is undetermined (it would
            # interpolate the data): such a target keeps its ridge coefficients.
            determined = support.sum(axis=1) <= stats.n_samples
            if not determined.all():
                warnings.warn(
                    f"STLSQ: the support of target(s) {np.flatnonzero(~determined).tolist()} "
                    f"kept more terms than the {stats.n_samples} samples, so they were not "
                    "refitted without the ridge penalty (unbias); raise the threshold or add "
                    "samples.",
                    UserWarning,
                    stacklevel=4,
                )
            refit = stats.solve(support & determined[:, None], 0.0, feature_names=names)
            kept = np.where(determined[:, None], refit, kept)
        self.coef_ = kept
        self.support_ = self.coef_ != 0
        self.n_iter_ = n_iter
        self.history_ = history
