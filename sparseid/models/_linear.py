"""The linear-matrix model dx/dt = B x (+ c) fitted by least squares."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._params import Bool, Estimator, Real
from ._library_model import LibraryModel

__all__ = ["LinearModel"]


class LinearModel(LibraryModel):
    """Fit dx/dt = B x (+ c, + D u) by (ridge) least squares.

    The simplest model of the comparison: a linear vector field, exact for linear systems such as
    the rotating-linear example, and a baseline for nonlinear ones.

    Parameters
    ----------
    fit_intercept : bool, default=False
        Add a constant term c.
    alpha : float, default=0.0
        Ridge penalty (0 is plain least squares).
    differentiation_method : differentiator, default=None
        How to estimate dx/dt; None means the package default, chosen by the data's noise
        (see :func:`sparseid.differentiation.noise_aware_differentiation`).

    Attributes
    ----------
    matrix_ : ndarray of shape (d, d)
        The matrix B.
    intercept_ : ndarray of shape (d,)
        The constant c (zeros when ``fit_intercept=False``).
    input_matrix_ : ndarray of shape (d, m)
        The matrix D multiplying control inputs (m = 0 without inputs).
    eigenvalues_ : ndarray of shape (d,)
        Eigenvalues of B (complex), which give the growth rates and frequencies.
    coef_, coef_stderr_, feature_names_, differentiation_ : as in :class:`SINDy`.

    Examples
    --------
    >>> from sparseid import LinearModel, datasets
    >>> model = LinearModel().fit(datasets.load("rotating_linear"))
    >>> model.matrix_.round(6)
    array([[-0.1, -1. ],
           [ 1. , -0.1]])
    """

    _parameter_rules: ClassVar = {
        "fit_intercept": Bool(),
        "alpha": Real(minimum=0),
        "differentiation_method": Estimator("differentiator"),
    }

    def __init__(self, fit_intercept=False, alpha=0.0, differentiation_method=None):
        self.fit_intercept = fit_intercept
        self.alpha = alpha
        self.differentiation_method = differentiation_method

    def _make_library(self):
        from ..libraries import PolynomialLibrary

        return PolynomialLibrary(degree=1, include_bias=bool(self.fit_intercept))

    def _make_optimizer(self):
        from ..optimizers import LeastSquares

        return LeastSquares(alpha=self.alpha)

    def _differentiation(self):
        return self.differentiation_method

    def _split(self):
        check_is_fitted(self)
        offset = 1 if self.fit_intercept else 0
        d = self.n_features_in_
        return offset, d

    @property
    def matrix_(self):
        offset, d = self._split()
        return self.coef_[:, offset : offset + d]

    @property
    def intercept_(self):
        offset, _ = self._split()
        return self.coef_[:, 0] if offset else np.zeros(self.coef_.shape[0])

    @property
    def input_matrix_(self):
        offset, d = self._split()
        return self.coef_[:, offset + d :]

    def to_control(self, name=None):
        """The model as a python-control ``StateSpace`` (needs ``sparseid[control]``).

        A = ``matrix_``, B = ``input_matrix_`` (no columns without inputs), C = I, D = 0;
        states, inputs and outputs carry the model's names. A model with a nonzero intercept
        c is affine, not linear: it becomes a ``NonlinearIOSystem`` as for every other model
        (see :meth:`DynamicsModel.to_control`).

        Parameters
        ----------
        name : str, optional
            Name of the system (default ``"LinearModel"``).

        Returns
        -------
        control.StateSpace or control.NonlinearIOSystem

        Examples
        --------
        >>> from sparseid import LinearModel, datasets
        >>> model = LinearModel().fit(datasets.load("rotating_linear"))
        >>> model.to_control().A.round(6)  # doctest: +SKIP
        array([[-0.1, -1. ],
               [ 1. , -0.1]])
        """
        self._check_square("to_control")
        if np.any(self.intercept_ != 0):
            return super().to_control(name)
        from ._export import _import_control

        control = _import_control()
        d, m = self.n_features_in_, self.n_control_features_
        return control.ss(
            self.matrix_,
            self.input_matrix_ if m else np.zeros((d, 0)),
            np.eye(d),
            np.zeros((d, m)),
            states=list(self.variable_names_),
            inputs=list(self.control_names_),
            outputs=list(self.variable_names_),
            name=name or type(self).__name__,
        )

    @property
    def eigenvalues_(self):
        matrix = self.matrix_
        if matrix.shape[0] != matrix.shape[1]:
            raise AttributeError("eigenvalues_ needs as many targets as state variables")
        return np.linalg.eigvals(matrix)
