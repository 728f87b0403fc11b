"""Shared scikit-learn regressor machinery of the optimizers that work on sufficient statistics."""

import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from sparseid._params import ParameterRulesMixin
from sparseid.exceptions import IllConditionedWarning
from sparseid.optimizers._stats import SufficientStatistics

__all__ = ["BaseOptimizer"]


class BaseOptimizer(ParameterRulesMixin, RegressorMixin, BaseEstimator):
    """Base class of linear regressors fitted from :class:`SufficientStatistics`.

    Subclasses declare ``_parameter_rules`` (a rule for every constructor argument, see
    :mod:`sparseid._params`; a bad value raises ``ValueError``, whatever its type) and implement
    ``_fit_statistics(stats)`` (set ``coef_`` and any other fitted attribute from the
    statistics; fitted diagnostics beyond ``coef_`` are listed, with their kinds, in a class
    attribute ``_json_fitted`` so that saved models keep them, see
    ``sparseid.models._persistence``). This class turns ``(X, y)`` into statistics (``fit``,
    ``partial_fit``), computes the standard errors, and provides ``predict`` and ``score``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        Coefficients, one row per target (a single row when ``y`` is 1-D).
    coef_stderr_ : ndarray of shape (n_targets, n_features)
        Ordinary least-squares standard error of each nonzero coefficient, 0 elsewhere
        (``inf`` where the support is collinear or has no residual degrees of freedom).
    stats_ : SufficientStatistics
        The statistics the coefficients were computed from (accumulated by ``partial_fit``).
    n_features_in_ : int
        Number of library columns seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.

    Notes
    -----
    A private fitted attribute, ``_y_1d``, records that ``y`` was 1-D, so that ``predict``
    returns 1-D too.
    """

    # Every bad hyper-parameter is a ValueError, as for scikit-learn's own regressors.
    _parameter_type_error = ValueError

    def _fit_statistics(self, stats):  # pragma: no cover - overridden
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------
    def _error(self, message):
        return ValueError(f"{type(self).__name__}: {message}")

    def _validate(self, X, y, reset, check_input=True):
        if not check_input:
            # Trusted input: only record (reset) or check n_features_in_ and the names.
            validate_data(self, X, y, reset=reset, skip_check_array=True)
            return X, y
        try:
            X, y = validate_data(
                self, X, y, reset=reset, multi_output=True, y_numeric=True, dtype=np.float64
            )
        except ValueError as exc:
            raise self._error(str(exc)) from exc
        return X, y

    def _feature_names(self):
        return getattr(self, "feature_names_in_", None)

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X, y, *, check_input=True):
        """Fit the coefficients to library ``X`` (n_samples, n_features) and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Library matrix Θ. Without a ridge penalty (``alpha=0``) it needs at least as
            many rows as columns; with ``alpha > 0`` the problem is determined for any number
            of rows.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets, usually the time derivatives.
        check_input : bool, default=True
            Validate ``X`` and ``y``. With False (as scikit-learn's ``ElasticNet.fit``), they
            must already be float64 arrays with matching rows, ``X`` 2-D and ``y`` 1-D or 2-D,
            as the models pass them, having validated their data once; NaN or infinity still
            raises a ValueError when the statistics are computed.

        Returns
        -------
        self : object
            The fitted optimizer.
        """
        self._check_params()
        X, y = self._validate(X, y, reset=True, check_input=check_input)
        self._check_determined(*X.shape)
        self._y_1d = y.ndim == 1
        return self._fit(SufficientStatistics.from_arrays(X, y))

    def _check_determined(self, n_samples, n_features):
        # The ridge term makes every (sub)problem strictly convex, so only an unpenalised fit
        # of more columns than rows is undetermined.
        if n_samples < n_features and not getattr(self, "alpha", 0.0) > 0:
            raise self._error(
                f"X has {n_samples} sample(s) but {n_features} features; a least-squares fit "
                "without a ridge penalty needs at least as many rows as columns (set alpha > 0, "
                "or use partial_fit to add rows in chunks)."
            )

    def _fit_model_statistics(self, stats, *, y_1d, partial=False):
        """What a model's streamed fit calls: :meth:`fit` from statistics of trusted rows.

        The same checks and fitted state as ``fit(theta, y, check_input=False)`` on the rows the
        statistics summarise (``partial=True``: as ``partial_fit``, which allows fewer rows
        than columns).
        """
        self._check_params()
        if not partial:
            self._check_determined(stats.n_samples, stats.n_features)
        self.fit_statistics(stats)
        self._y_1d = y_1d
        return self

    def partial_fit(self, X, y):
        """Add the rows ``(X, y)`` to the statistics and refit from all rows seen so far.

        Chunks may be of any size; the result equals ``fit`` on the stacked rows. Until the
        chunks hold as many rows as columns, the fit is rank deficient and warns.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of the library matrix.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The matching targets.

        Returns
        -------
        self : object
            The refitted optimizer.
        """
        self._check_params()
        first = not hasattr(self, "stats_")
        X, y = self._validate(X, y, reset=first)
        chunk = SufficientStatistics.from_arrays(X, y)
        if not first and chunk.n_targets != self.stats_.n_targets:
            raise self._error(
                f"y has {chunk.n_targets} target(s) but earlier chunks had {self.stats_.n_targets}."
            )
        self._y_1d = y.ndim == 1
        return self._fit(chunk if first else self.stats_ + chunk)

    def fit_statistics(self, stats):
        """Fit directly from precomputed :class:`SufficientStatistics` (ensembles, Dask).

        Parameters
        ----------
        stats : SufficientStatistics
            Statistics of the library and targets.

        Returns
        -------
        self : object
            The fitted optimizer.
        """
        self._check_params()
        if not isinstance(stats, SufficientStatistics):
            raise TypeError(
                f"{type(self).__name__}: stats must be a SufficientStatistics, "
                f"got {type(stats).__name__}."
            )
        self.n_features_in_ = stats.n_features
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_  # left over from an earlier fit on a DataFrame
        self._y_1d = False
        return self._fit(stats)

    def _fit(self, stats):
        zero = stats.zero_columns
        if zero.size:
            names = self._feature_names()
            named = zero.tolist() if names is None else names[zero].tolist()
            warnings.warn(
                f"{type(self).__name__}: library columns {named} are identically zero; "
                "their coefficients are fixed at 0.",
                IllConditionedWarning,
                stacklevel=3,
            )
        self.stats_ = stats
        self._fit_statistics(stats)
        self.coef_stderr_ = stats.stderr(self.coef_)
        return self

    # -- prediction ------------------------------------------------------------------------
    def predict(self, X):
        """Predict targets ``X @ coef_.T``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Library matrix.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            1-D when the optimizer was fitted on a 1-D ``y``.
        """
        check_is_fitted(self, "coef_")
        try:
            X = validate_data(self, X, reset=False, dtype=np.float64)
        except ValueError as exc:
            raise self._error(str(exc)) from exc
        pred = X @ self.coef_.T
        return pred[:, 0] if self._y_1d else pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
