"""Plain and ridge least squares on sufficient statistics."""

from typing import ClassVar

from sparseid._params import Real
from sparseid.optimizers._base import BaseOptimizer

__all__ = ["LeastSquares"]


class LeastSquares(BaseOptimizer):
    """Ordinary or ridge least squares without intercept, for every target at once.

    Minimises ``||y - X xi||^2 + alpha ||xi||^2`` per target through a blocked QR of the
    column-scaled library, so it is as accurate as Householder least squares, streams with
    ``partial_fit`` and gives standard errors of its coefficients.

    Parameters
    ----------
    alpha : float, default=0.0
        Ridge penalty on the coefficients (in the units of ``X``); 0 gives ordinary least
        squares.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        Coefficients.
    coef_stderr_ : ndarray of shape (n_targets, n_features)
        Ordinary least-squares standard error of each nonzero coefficient (it ignores the
        bias of a ridge penalty).
    stats_ : SufficientStatistics
        The statistics the model was fitted from.
    n_features_in_ : int
        Number of library columns.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.optimizers import LeastSquares
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> LeastSquares().fit(X, X @ [3.0, -1.0]).coef_.round(12)
    array([[ 3., -1.]])
    """

    _parameter_rules: ClassVar = {"alpha": Real(minimum=0)}

    def __init__(self, alpha=0.0):
        self.alpha = alpha

    def _fit_statistics(self, stats):
        self.coef_ = stats.solve(None, self.alpha, feature_names=self._feature_names())
        return self
