"""Fourier library: sines and cosines of integer multiples of each input."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .._params import Bool, Integer
from ._base import BaseLibrary
from ._terms import FourierTerm

__all__ = ["FourierLibrary"]


class FourierLibrary(BaseLibrary):
    """``sin(k x_j)`` and ``cos(k x_j)`` for ``k = 1 .. n_frequencies`` and every input ``x_j``.

    Terms come in PySINDy's order: for each frequency, for each input, the sine then the
    cosine (``sin(x), cos(x), sin(y), cos(y), sin(2 x), ...``). Names omit a frequency of 1.

    Parameters
    ----------
    n_frequencies : int, default=1
        Number of frequencies, >= 1.
    include_sin : bool, default=True
        Whether to include the sines.
    include_cos : bool, default=True
        Whether to include the cosines. At least one of the two must be True.

    Attributes
    ----------
    n_features_in_ : int
        Number of inputs seen in `fit`.
    feature_names_in_ : ndarray of str
        Input names, when `fit` was given a DataFrame.
    terms_ : list of FourierTerm
        One term per output column.
    n_output_features_ : int
        ``n_frequencies * n_features_in_ * (include_sin + include_cos)``.

    Examples
    --------
    >>> import numpy as np
    >>> lib = FourierLibrary(n_frequencies=2).fit(np.zeros((1, 1)))
    >>> lib.get_feature_names_out(["x"]).tolist()
    ['sin(x)', 'cos(x)', 'sin(2 x)', 'cos(2 x)']
    """

    _parameter_rules: ClassVar = {
        "n_frequencies": Integer(minimum=1),
        "include_sin": Bool(),
        "include_cos": Bool(),
    }

    def __init__(self, n_frequencies=1, include_sin=True, include_cos=True):
        self.n_frequencies = n_frequencies
        self.include_sin = include_sin
        self.include_cos = include_cos

    def _check_params(self):
        params = super()._check_params()
        if not (params["include_sin"] or params["include_cos"]):
            name = type(self).__name__
            raise ValueError(f"{name}: include_sin and include_cos cannot both be False")
        return params

    def _kinds(self):
        return [kind for kind, on in (("sin", self.include_sin), ("cos", self.include_cos)) if on]

    def _make_terms(self, n_features):
        return [
            FourierTerm(kind, j, k)
            for k in range(1, int(self.n_frequencies) + 1)
            for j in range(n_features)
            for kind in self._kinds()
        ]

    def _transform(self, X):
        n, d = X.shape
        kinds = self._kinds()
        out = np.empty((n, len(self.terms_)))
        scaled = np.empty_like(X)
        stride = len(kinds)
        for k in range(1, int(self.n_frequencies) + 1):
            np.multiply(X, float(k), out=scaled)
            base = (k - 1) * d * stride
            for offset, kind in enumerate(kinds):
                # The sines (or cosines) of one frequency are every `stride`-th column.
                cols = out[:, base + offset : base + d * stride : stride]
                getattr(np, kind)(scaled, out=cols)
        return out
