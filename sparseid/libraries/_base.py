"""Transformer machinery shared by every library: validation, names, ``+`` and ``*``."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from .._params import ParameterRulesMixin

__all__ = ["BaseLibrary"]


class BaseLibrary(ParameterRulesMixin, TransformerMixin, BaseEstimator):
    """Base class of the feature libraries.

    A library maps states ``X`` of shape (n_samples, n_features_in) to the candidate terms
    ``Theta(X)`` of shape (n_samples, n_output_features). Subclasses declare
    ``_parameter_rules`` (a rule for every constructor argument, see :mod:`sparseid._params`;
    `fit` checks them), implement ``_make_terms(n_features)`` (the list of term descriptions)
    and, for speed, ``_transform(X)``; the default ``_transform`` evaluates the terms one by
    one.

    ``lib_a + lib_b`` is a `ConcatLibrary` and ``lib_a * lib_b`` a `TensoredLibrary`.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns seen in `fit`.
    feature_names_in_ : ndarray of str, shape (n_features_in_,)
        Input names, set only when `fit` was given a DataFrame with string column names.
    terms_ : list of terms
        One term description per output column, in output order.
    n_output_features_ : int
        Number of output columns, ``len(terms_)``.
    """

    # --- hooks for subclasses -----------------------------------------------------------------
    def _make_terms(self, n_features):
        raise NotImplementedError

    def _transform(self, X):
        out = np.empty((X.shape[0], len(self.terms_)))
        for col, term in enumerate(self.terms_):
            out[:, col] = term.evaluate(X)
        return out

    # --- scikit-learn API ---------------------------------------------------------------------
    def _validate_X(self, X, reset, check_input=True):
        if not check_input:
            # Trusted input: only record (reset) or check n_features_in_ and the names.
            return validate_data(self, X, reset=reset, skip_check_array=True)
        name = type(self).__name__
        try:
            return validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite=True)
        except (ValueError, TypeError) as exc:
            if name in str(exc):
                raise
            raise type(exc)(f"{name}: invalid X: {exc}") from exc

    def _fit_n_features(self, n_features):
        """Learn everything a library learns from the number of inputs alone."""
        self._check_params()
        return self._set_terms(self._make_terms(n_features))

    def _set_terms(self, terms):
        """Store the terms (``terms_``, ``n_output_features_``); refuse an empty list."""
        terms = list(terms)
        if not terms:
            raise ValueError(f"{type(self).__name__}: these parameters produce no terms")
        self.terms_ = terms
        self.n_output_features_ = len(terms)
        return self

    def _fit_without_data(self, n_features, feature_names_in=None):
        self.n_features_in_ = int(n_features)
        if feature_names_in is not None:
            names = np.asarray(feature_names_in, dtype=object)
            if names.shape != (self.n_features_in_,):
                raise ValueError(
                    f"{type(self).__name__}: feature_names_in has {names.size} names for "
                    f"{n_features} inputs"
                )
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self._fit_n_features(self.n_features_in_)

    def fit(self, X, y=None):
        """Learn the number of inputs and their names.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            States; a DataFrame's column names become the input names.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted library.
        """
        X = self._validate_X(X, reset=True)
        return self._fit_n_features(X.shape[1])

    def transform(self, X, *, check_input=True):
        """Evaluate every term on every row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            States.
        check_input : bool, default=True
            Validate ``X``. With False, ``X`` must already be a finite float64 ndarray of
            shape (n_samples, n_features_in_) (as the models pass it, having validated their
            data once); only its number of columns is checked.

        Returns
        -------
        Theta : ndarray of shape (n_samples, n_output_features_)
            The candidate terms, one column per entry of ``terms_``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, check_input=check_input)
        return self._transform(X)

    def fit_transform(self, X, y=None, *, check_input=True):
        """Fit to ``X`` and return ``transform(X)``, validating ``X`` once.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            States.
        y : None
            Ignored.
        check_input : bool, default=True
            Validate ``X``. With False, ``X`` must already be a finite float64 ndarray of
            shape (n_samples, n_features) (as the models pass it, having validated their data
            once).

        Returns
        -------
        Theta : ndarray of shape (n_samples, n_output_features_)
        """
        X = self._validate_X(X, reset=True, check_input=check_input)
        return self._fit_n_features(X.shape[1])._transform(X)

    def get_feature_names_out(self, input_features=None):
        """Readable term names such as ``1``, ``x``, ``x y``, ``x^2``, ``sin(2 x)``.

        Parameters
        ----------
        input_features : array-like of str, optional
            Input names; by default ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        names : ndarray of str (object dtype), shape (n_output_features_,)
        """
        check_is_fitted(self)
        names = [str(name) for name in _check_feature_names_in(self, input_features)]
        return np.asarray([term.name(names) for term in self.terms_], dtype=object)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "terms_")

    # --- composition and saving ---------------------------------------------------------------
    def __add__(self, other):
        from ._compose import ConcatLibrary

        if not isinstance(other, BaseLibrary):
            return NotImplemented
        return ConcatLibrary(_flatten(ConcatLibrary, self) + _flatten(ConcatLibrary, other))

    def __mul__(self, other):
        from ._compose import TensoredLibrary

        if not isinstance(other, BaseLibrary):
            return NotImplemented
        return TensoredLibrary(_flatten(TensoredLibrary, self) + _flatten(TensoredLibrary, other))

    def to_dict(self):
        """JSON-serialisable description: the class name and the parameters.

        Rebuild the library with `library_from_dict`.
        """
        return {"class": type(self).__name__, "params": self.get_params(deep=False)}


def _flatten(cls, library):
    return list(library.libraries) if type(library) is cls else [library]
