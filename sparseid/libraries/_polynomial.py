"""Polynomial library: all monomials of the inputs up to a degree."""

from __future__ import annotations

from itertools import combinations, combinations_with_replacement
from typing import ClassVar

import numpy as np

from .._params import Bool, Integer
from ._base import BaseLibrary
from ._terms import PowerTerm

__all__ = ["PolynomialLibrary"]

# Size of the working block of the transform: it stays in cache, so the degree-by-degree
# products do not stream the whole output from memory once per degree.
_BLOCK_BYTES = 1 << 20


class PolynomialLibrary(BaseLibrary):
    """All monomials of the inputs of total degree at most ``degree``.

    Terms come in the order of scikit-learn's ``PolynomialFeatures`` and PySINDy's
    ``PolynomialLibrary``: by degree, then lexicographically (``1, x, y, z, x^2, x y, x z, y^2,
    y z, z^2, ...``), so coefficients line up with theirs.

    Parameters
    ----------
    degree : int, default=2
        Largest total degree, >= 0.
    include_bias : bool, default=True
        Whether to include the constant term ``1``.
    interaction_only : bool, default=False
        If True, only products of distinct inputs (no ``x^2``).

    Attributes
    ----------
    n_features_in_ : int
        Number of inputs seen in `fit`.
    feature_names_in_ : ndarray of str
        Input names, when `fit` was given a DataFrame.
    terms_ : list of PowerTerm
        One term per output column.
    n_output_features_ : int
        ``C(n + degree, degree)`` terms for ``n`` inputs (less one without bias).

    Notes
    -----
    The transform computes each degree from the previous one, ``x_j * (monomials of degree k
    starting at x_j or later)``, in a cache-sized block of rows that is then copied into the
    preallocated output, so it allocates nothing larger than the output.

    References
    ----------
    .. [1] S. L. Brunton, J. L. Proctor and J. N. Kutz, "Discovering governing equations from data
       by sparse identification of nonlinear dynamical systems", PNAS 113 (15), 3932-3937
       (2016).

    Examples
    --------
    >>> import numpy as np
    >>> lib = PolynomialLibrary(degree=2).fit(np.zeros((1, 2)))
    >>> lib.get_feature_names_out(["x", "y"]).tolist()
    ['1', 'x', 'y', 'x^2', 'x y', 'y^2']
    >>> lib.transform([[2.0, 3.0]])
    array([[1., 2., 3., 4., 6., 9.]])
    """

    _parameter_rules: ClassVar = {
        "degree": Integer(minimum=0),
        "include_bias": Bool(),
        "interaction_only": Bool(),
    }

    def __init__(self, degree=2, include_bias=True, interaction_only=False):
        self.degree = degree
        self.include_bias = include_bias
        self.interaction_only = interaction_only

    def _make_terms(self, n_features):
        choose = combinations if self.interaction_only else combinations_with_replacement
        terms = []
        for degree in range(0 if self.include_bias else 1, int(self.degree) + 1):
            for combo in choose(range(n_features), degree):
                terms.append(PowerTerm(tuple(np.bincount(combo, minlength=n_features).tolist())))
        return terms

    def _transform(self, X):
        n, n_features = X.shape
        p = self.n_output_features_
        out = np.empty((n, p))
        rows = min(n, max(64, _BLOCK_BYTES // (8 * p)))
        # Work on a transposed block (one contiguous row per term), where every product is a
        # long contiguous loop, and copy it into the row-major output once.
        block = np.empty((p, rows))
        x_block = np.empty((n_features, rows))
        for start in range(0, n, rows):
            m = min(rows, n - start)
            x_block[:, :m] = X[start : start + m].T
            self._fill_block(x_block[:, :m], block[:, :m])
            out[start : start + m] = block[:, :m].T
        return out

    def _fill_block(self, x, theta):
        """Fill ``theta`` (terms, rows) from ``x`` (inputs, rows), degree by degree."""
        n_features = x.shape[0]
        row = 0
        if self.include_bias:
            theta[0] = 1.0
            row = 1
        if self.degree == 0:
            return
        theta[row : row + n_features] = x
        # first[j]: row of the first monomial of the current degree whose smallest input index
        # is j; the last entry is one past the current degree's block.
        first = list(range(row, row + n_features + 1))
        row += n_features
        for _ in range(1, int(self.degree)):
            new_first = []
            end = first[-1]
            for j in range(n_features):
                start = first[j + 1] if self.interaction_only else first[j]
                new_first.append(row)
                width = end - start
                if width > 0:
                    np.multiply(theta[start:end], x[j], out=theta[row : row + width])
                    row += width
            new_first.append(row)
            first = new_first
