"""Evaluating a fitted dynamics model on data: ``predict``, ``differentiate`` and ``score``.

:class:`PredictionMixin` is mixed into :class:`~sparseid.models._base.DynamicsModel`; it checks
the data against what the model was fitted on (through :mod:`sparseid._data` and
:class:`~sparseid.models._model_data.ModelDataMixin`) and calls the model's ``_predict_array``
hook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from .._data import validate_targets, validate_trajectories

__all__ = ["PredictionMixin"]


class PredictionMixin:
    """The evaluation on data of :class:`~sparseid.models._base.DynamicsModel`."""

    def predict(self, X, u=None):
        """Evaluate the learned right-hand side (or regression function) at the states ``X``.

        Parameters
        ----------
        X : array-like of shape (m, d), DataFrame, or list of them
            States. A DataFrame must have the columns the model was fitted with, in the same
            order: those of the DataFrame given to ``fit``, or its ``feature_names=`` (else a
            ValueError says how to select them). A model fitted on arrays without
            ``feature_names=`` warns, as scikit-learn's estimators do, and uses the columns
            by position.
        u : array-like, optional
            Control inputs at those states, when the model was fitted with them.

        Returns
        -------
        ndarray of shape (m, k) or (m,), DataFrame, or list of them
            A DataFrame (same index, target names as columns) when ``X`` is one.
        """
        check_is_fitted(self)
        if self._is_trusted_array(X, u):
            out = self._predict_array(X)
            return out[:, 0] if self._targets_1d else out
        data = validate_trajectories(
            X, None, estimator=self, reset=False, expected_names=self._given_feature_names()
        )
        inputs = self._validate_inputs(u, data, fitting=False)
        out = self._predict_array(self._stack_inputs(data.x, inputs))
        pieces = [self._format(piece, data, k) for k, piece in enumerate(data.split(out))]
        return pieces if isinstance(X, list | tuple) and data.n_trajectories > 1 else pieces[0]

    def differentiate(self, X, *, t=None):
        """Time derivatives of ``X`` estimated by the model's differentiation method.

        Parameters
        ----------
        X : array-like of shape (n, d), DataFrame, or list of them
            Trajectories of the states the model was fitted on.
        t : float, array-like of shape (n,), list of array-like, or None
            The sampling step or the sample times, as in :meth:`fit` (by name).

        Returns
        -------
        ndarray of shape (n, d), DataFrame, or list of them
            One per trajectory; a DataFrame (same index) when ``X`` is one.
        """
        from ..differentiation import default_differentiation

        check_is_fitted(self)
        data = validate_trajectories(
            X, t, estimator=self, reset=False, expected_names=self._given_feature_names()
        )
        times = data.require_time("differentiate X")
        method = self._differentiation()
        if method is None:  # the default chosen in fit, by the noise of the training data
            method = getattr(self, "differentiation_", None) or default_differentiation()
        out = [np.empty_like(x) for x in data.x]
        for k, a, b in data.pieces():
            out[k][a:b] = method(data.x[k][a:b], times[k][a:b])
        names = self._derivative_names()
        if data.from_frame:
            out = [pd.DataFrame(v, index=data.index[k], columns=names) for k, v in enumerate(out)]
        return out if isinstance(X, list | tuple) and data.n_trajectories > 1 else out[0]

    def score(self, X, y=None, *, t=None, x_dot=None, u=None):
        """Coefficient of determination R² of the predictions against the targets.

        The targets are ``y`` when given, else the time derivatives of ``X`` (computed with
        the model's differentiation method, piece by piece between gaps in the times, as in
        ``fit``; the next states for maps).

        Parameters
        ----------
        X : array-like of shape (n, d), DataFrame, or list of them
            States, checked as by :meth:`predict`.
        y : array-like of shape (n,) or (n, k), or list of them, optional
            Targets, as for :meth:`fit` (a 1-D increasing ``y`` is refused as looking like
            times).
        t : float, array-like, or list of array-like, optional
            Sampling step or sample times of ``X``, needed to differentiate it unless ``X`` is
            a DataFrame indexed by time. The step given to ``fit`` is not reused: ``X`` may be
            sampled differently (a subsample, a cross-validation fold). In cross-validation,
            pass a DataFrame (its index travels with every split), or route ``t`` to ``score``
            (``sklearn.set_config(enable_metadata_routing=True)``,
            ``model.set_fit_request(t=True).set_score_request(t=True)``, then
            ``params={"t": t}``): scikit-learn splits an array ``t`` with ``X`` and passes a
            scalar step unchanged (which says the rows of each fold are consecutive samples).
        x_dot : array-like, optional
            Alias of ``y``.
        u : array-like, optional
            Control inputs, when the model was fitted with them.

        Returns
        -------
        float
        """
        check_is_fitted(self)
        y = self._resolve_targets(X, y, x_dot, method="score")
        data = validate_trajectories(
            X, t, estimator=self, reset=False, expected_names=self._given_feature_names()
        )
        inputs = self._validate_inputs(u, data, fitting=False)
        if y is None:
            advice = (
                "The step given to fit is not reused, since X may be sampled differently (a "
                "subsample, a cross-validation fold)"
            )
            if self.time_step_ is not None:
                advice += f": pass t={self.time_step_!r} if its rows are consecutive samples"
            advice += (
                ". In cross-validation, pass a DataFrame indexed by time, or route t to score "
                "(sklearn.set_config(enable_metadata_routing=True) and "
                "model.set_score_request(t=True))"
            )
            Z, Y = self._regression_pairs(data, inputs, advice=advice)
        else:
            targets, _ = validate_targets(y, data)
            Z, Y = self._stack_inputs(data.x, inputs), np.concatenate(targets)
        return float(r2_score(Y, self._predict_array(Z)))
