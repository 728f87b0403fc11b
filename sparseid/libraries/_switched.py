"""Switched library: a base library on each side of one or more switching surfaces."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from sklearn.base import clone

from .._params import Check, Estimator
from ._base import BaseLibrary
from ._nonsmooth_terms import StepTerm
from ._products import multiply_terms
from ._surfaces import check_planes, resolve_planes

__all__ = ["SwitchedLibrary"]


class SwitchedLibrary(BaseLibrary):
    """``Θ(x)`` and ``H(cᵀx − s) · Θ(x)`` for a base library Θ and switching surfaces cᵀx = s.

    With one surface the model ``ẋ = Ξ₀ Θ(x) + Ξ₁ H(cᵀx − s) Θ(x)`` is ``Ξ₀ Θ`` on the side
    cᵀx < s and ``(Ξ₀ + Ξ₁) Θ`` on the side cᵀx >= s, so the lecture's normal form
    ``A1 x + μ b`` / ``A2 x + μ b`` is in it exactly with a linear base (``Ξ₁`` holds
    ``A2 − A1``). A fitted model with these terms knows its switching surfaces and simulates
    through :class:`sparseid.switched.SwitchedSystem` (crossings located, sliding handled).

    Parameters
    ----------
    base : library, default=None
        The library on each side; None means ``PolynomialLibrary(degree=1)`` (1 and the
        inputs). It is cloned in `fit`.
    surfaces : list of (normal, offset), default=((0, 0.0),)
        One pair per surface ``normal · x = offset``. ``normal`` is an input index ``i``
        (the surface x_i = offset) or a list of numbers, one per input; ``offset`` is a
        number, or None when unknown: a model (`SINDy`) then finds it from the data by
        searching the residual of its sparse fit (see the user guide), and its fitted
        library holds the value found. ``(None, None)`` is an axis-aligned surface whose
        axis is found as well (the one whose best offset leaves the least residual).

    Attributes
    ----------
    base_ : library
        The fitted clone of ``base``.
    surfaces_ : list of (tuple of float, float)
        The surfaces with their normals as vectors.
    n_features_in_, feature_names_in_, terms_, n_output_features_
        As for every library; the terms are those of ``base_`` followed, for each surface,
        by their products with the step ``H(normal · x − offset)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.libraries import PolynomialLibrary
    >>> lib = SwitchedLibrary(PolynomialLibrary(degree=1), surfaces=[(0, 0.5)])
    >>> lib.fit(np.zeros((1, 2))).get_feature_names_out(["x", "y"]).tolist()
    ['1', 'x', 'y', 'H(x - 0.5)', 'x H(x - 0.5)', 'y H(x - 0.5)']
    >>> lib.transform([[1.0, 2.0], [0.0, 2.0]])
    array([[1., 1., 2., 1., 1., 2.],
           [1., 0., 2., 0., 0., 0.]])
    """

    _parameter_rules: ClassVar = {
        "base": Estimator("library"),
        "surfaces": Check(check_planes, "a list of (normal, offset) pairs"),
    }

    def __init__(self, base=None, surfaces=((0, 0.0),)):
        self.base = base
        self.surfaces = surfaces

    def _check_params(self):
        params = super()._check_params()
        if not params["surfaces"]:
            raise ValueError("SwitchedLibrary: surfaces must hold at least one surface")
        if params["base"] is not None and not isinstance(params["base"], BaseLibrary):
            raise TypeError(f"SwitchedLibrary: base={params['base']!r} is not a sparseid library")
        return params

    def _base(self):
        from ._polynomial import PolynomialLibrary

        return PolynomialLibrary(degree=1) if self.base is None else clone(self.base)

    @property
    def unknown_offsets(self):
        """Indices of the surfaces whose offset is None (to be found from data)."""
        return [
            k
            for k, (_, offset) in enumerate(check_planes(self, "surfaces", self.surfaces))
            if offset is None
        ]

    def _fit_n_features(self, n_features):
        params = self._check_params()
        self.surfaces_ = resolve_planes(
            params["surfaces"], n_features, "SwitchedLibrary", "surfaces"
        )
        self.base_ = self._base()._fit_without_data(n_features)
        self._steps = [StepTerm(normal, offset) for normal, offset in self.surfaces_]
        terms = list(self.base_.terms_)
        for step in self._steps:
            terms += [multiply_terms(term, step) for term in self.base_.terms_]
        return self._set_terms(terms)

    def _make_terms(self, n_features):  # pragma: no cover - _fit_n_features builds them
        return self._fit_n_features(n_features).terms_

    def _transform(self, X):
        theta = self.base_._transform(X)
        p = theta.shape[1]
        out = np.empty((X.shape[0], p * (1 + len(self._steps))))
        out[:, :p] = theta
        for k, step in enumerate(self._steps, start=1):
            np.multiply(theta, step.evaluate(X)[:, None], out=out[:, k * p : (k + 1) * p])
        return out

    # --- saving -------------------------------------------------------------------------------
    def _json_params(self, where, library_to_dict):
        from ._surfaces import planes_to_json

        base = None if self.base is None else library_to_dict(self.base, f"{where}.base")
        surfaces = planes_to_json(check_planes(self, "surfaces", self.surfaces))
        return {"base": base, "surfaces": surfaces}

    @classmethod
    def _params_from_json(cls, params, where, build):
        from ._surfaces import planes_from_json

        base = params.get("base")
        return {
            "base": None if base is None else build(base, f"{where}.base"),
            "surfaces": planes_from_json(params.get("surfaces", ((0, 0.0),)), f"{where}.surfaces"),
        }

    def _count_terms(self, n_features, count_terms):
        base = self._base()
        return count_terms(base, n_features) * (1 + len(self.surfaces))

    def to_dict(self):
        from ._serialize import library_to_dict

        return {
            "class": type(self).__name__,
            "params": self._json_params("library", library_to_dict),
        }
