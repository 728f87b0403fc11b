"""Identity library: the inputs themselves."""

from __future__ import annotations

import numpy as np

from ._base import BaseLibrary
from ._terms import PowerTerm

__all__ = ["IdentityLibrary"]


class IdentityLibrary(BaseLibrary):
    """The inputs unchanged, one term ``x_j`` per input (a linear model's library).

    Attributes
    ----------
    n_features_in_ : int
        Number of inputs seen in `fit`.
    feature_names_in_ : ndarray of str
        Input names, when `fit` was given a DataFrame.
    terms_ : list of PowerTerm
        ``x_j`` for every input, in input order.
    n_output_features_ : int
        Equal to ``n_features_in_``.

    Examples
    --------
    >>> import numpy as np
    >>> IdentityLibrary().fit(np.zeros((1, 2))).get_feature_names_out().tolist()
    ['x0', 'x1']
    """

    def _make_terms(self, n_features):
        return [PowerTerm(tuple(int(i == j) for i in range(n_features))) for j in range(n_features)]

    def _transform(self, X):
        return np.array(X, dtype=np.float64, copy=True)
