"""Neural ODEs as networks: the time-T flow of an MLP field, read out by a linear layer.

An input x(0) flows under dx/dt = f(x, t; θ) to x(T), and a linear layer reads x(T) out:
logistic (softmax) for :class:`NeuralODEClassifier`, least squares for
:class:`NeuralODERegressor`. Both are trained end to end with Adam, the gradient of the flow
coming from backpropagation through the solver's steps or from the continuous adjoint
(:mod:`sparseid.ode`). A fixed-step ``"euler"`` solver with ``n_steps`` steps *is* a residual
network with shared weights, x[n+1] = x[n] + Δt f(x[n]).

References
----------
.. [1] R. T. Q. Chen, Y. Rubanova, J. Bettencourt and D. Duvenaud, "Neural ordinary
   differential equations", NeurIPS 2018.
.. [2] E. Dupont, A. Doucet and Y. W. Teh, "Augmented neural ODEs", NeurIPS 2019.
.. [3] E. Haber and L. Ruthotto, "Stable architectures for deep neural networks", Inverse
   Problems 34 (2017) 014004.
"""

import numpy as np
from scipy.special import expit, log_softmax, softmax
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._flow_estimator import DOC_PARAMETERS, FlowEstimator

__all__ = ["NeuralODEClassifier", "NeuralODERegressor"]


class NeuralODEClassifier(ClassifierMixin, FlowEstimator):
    __doc__ = (
        """Classifier whose features are the time-T flow of an MLP vector field.

    x(0) = (input, 0, …, 0) flows under dx/dt = f(x, t; θ) to x(T); a logistic (two classes)
    or softmax read-out of x(T) gives the class probabilities. θ and the read-out are trained
    together by Adam on the mean cross-entropy [1]_.
"""
        + DOC_PARAMETERS
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    params_ : ndarray
        The field's parameters, then the read-out's weights and biases, in one vector.
    loss_curve_ : list of float
        Training loss (with the L2 penalty) at every Adam step.
    step_sizes_ : ndarray or None
        The steps an adaptive solver took on the training set at the end of ``fit``; they are
        replayed for predictions (while ``solver``, ``rtol``, ``atol`` and ``T`` are unchanged)
        so that a row's output does not depend on the rows it is predicted with (the error
        control sees the whole batch). None for fixed-step solvers.
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.

    References
    ----------
    .. [1] R. T. Q. Chen, Y. Rubanova, J. Bettencourt and D. Duvenaud, "Neural ordinary
       differential equations", NeurIPS 2018.
    .. [2] E. Dupont, A. Doucet and Y. W. Teh, "Augmented neural ODEs", NeurIPS 2019.

    Examples
    --------
    >>> from sparseid.datasets import make_disc_annulus
    >>> from sparseid.models import NeuralODEClassifier
    >>> X, y = make_disc_annulus(200, random_state=0)
    >>> clf = NeuralODEClassifier(augment_dim=1, max_iter=150, random_state=0).fit(X, y)
    >>> clf.transform(X).shape  # x(T) with the augmented coordinate
    (200, 3)
    >>> bool(clf.score(X, y) > 0.95)
    True
    """
    )

    def fit(self, X, y):
        """Train the flow and the read-out.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self
        """
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__}: y needs samples of at least 2 classes, got 1 class "
                f"({self.classes_[0]!r})"
            )
        binary = len(self.classes_) == 2
        self._n_outputs = 1 if binary else len(self.classes_)
        targets = codes[:, None].astype(float) if binary else np.eye(len(self.classes_))[codes]
        return self._fit(X, targets)

    @staticmethod
    def _loss(S, targets):
        n = len(S)
        if S.shape[1] == 1:
            # mean of log(1 + e^s) − y s, and its gradient (σ(s) − y) / n
            loss = float(np.mean(np.logaddexp(0.0, S) - targets * S))
            return loss, (expit(S) - targets) / n
        loss = -float(np.sum(targets * log_softmax(S, axis=1))) / n
        return loss, (softmax(S, axis=1) - targets) / n

    def decision_function(self, X):
        """Read-out scores of x(T): the logit of ``classes_[1]`` for two classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        S = self._decision(self._validate_X(X))
        return S[:, 0] if S.shape[1] == 1 else S

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        S = self._decision(self._validate_X(X))
        if S.shape[1] == 1:
            p = expit(S[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(S, axis=1)

    def predict_log_proba(self, X):
        """Logarithms of :meth:`predict_proba`."""
        S = self._decision(self._validate_X(X))
        if S.shape[1] == 1:
            return np.column_stack([-np.logaddexp(0.0, S[:, 0]), -np.logaddexp(0.0, -S[:, 0])])
        return log_softmax(S, axis=1)

    def predict(self, X):
        """The most probable class of each row."""
        S = self._decision(self._validate_X(X))
        index = (S[:, 0] > 0).astype(int) if S.shape[1] == 1 else np.argmax(S, axis=1)
        return self.classes_[index]


class NeuralODERegressor(RegressorMixin, FlowEstimator):
    __doc__ = (
        """Regressor whose features are the time-T flow of an MLP vector field.

    x(0) = (input, 0, …, 0) flows under dx/dt = f(x, t; θ) to x(T); a linear read-out of x(T)
    predicts the targets (one or several). θ and the read-out are trained together by Adam on
    half the mean squared error [1]_.
"""
        + DOC_PARAMETERS
        + """
    Attributes
    ----------
    params_ : ndarray
        The field's parameters, then the read-out's weights and biases, in one vector.
    loss_curve_ : list of float
        Training loss (with the L2 penalty) at every Adam step.
    step_sizes_ : ndarray or None
        Steps of an adaptive solver replayed for predictions (see
        :class:`NeuralODEClassifier`).
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.

    References
    ----------
    .. [1] R. T. Q. Chen, Y. Rubanova, J. Bettencourt and D. Duvenaud, "Neural ordinary
       differential equations", NeurIPS 2018.
    .. [2] E. Dupont, A. Doucet and Y. W. Teh, "Augmented neural ODEs", NeurIPS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.models import NeuralODERegressor
    >>> X = np.random.default_rng(0).uniform(-1, 1, size=(100, 1))
    >>> y = np.column_stack([np.sin(2 * X[:, 0]), X[:, 0] ** 2])
    >>> reg = NeuralODERegressor(augment_dim=1, max_iter=300, random_state=0).fit(X, y)
    >>> reg.predict(X).shape
    (100, 2)
    >>> bool(reg.score(X, y) > 0.95)
    True

    Without the augmented coordinate the flow of the line preserves order, so x(T) is monotone
    in x and a linear read-out cannot give x² (only sin 2x, which is monotone on [-1, 1]):

    >>> plain = NeuralODERegressor(max_iter=300, random_state=0).fit(X, y)
    >>> bool(plain.score(X, y) < 0.6)
    True
    """
    )

    def fit(self, X, y):
        """Train the flow and the read-out.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        self._y_1d = y.ndim == 1
        targets = y[:, None] if y.ndim == 1 else y
        self._n_outputs = targets.shape[1]
        return self._fit(X, targets)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @staticmethod
    def _loss(S, targets):
        R = S - targets
        return 0.5 * float(np.sum(R * R)) / len(S), R / len(S)

    def predict(self, X):
        """The read-out of x(T): shape (n_samples,) for a 1-D ``y``, else (n_samples, n_targets)."""
        S = self._decision(self._validate_X(X))
        return S[:, 0] if self._y_1d else S
