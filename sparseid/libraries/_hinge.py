"""Hinge library: ReLU(wᵀx + β) terms, for given hyperplanes or thresholds on each input."""

from __future__ import annotations

import math
import numbers
from typing import ClassVar

import numpy as np

from .._params import Check
from ._base import BaseLibrary
from ._nonsmooth_terms import HingeTerm
from ._surfaces import check_planes, normal_vector

__all__ = ["HingeLibrary"]


def _check_thresholds(owner, name, value):
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, list | tuple | np.ndarray):
        raise TypeError(f"HingeLibrary: {name}={value!r} must be a list of numbers or None")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"HingeLibrary: {name} holds {v!r}; every threshold must be finite")
        out.append(float(v))
    return tuple(out)


class HingeLibrary(BaseLibrary):
    """Hinge (ReLU) terms ``max(0, wᵀx + β)``: the kinks of continuous piecewise-linear fields.

    Terms come in order: one per ``hyperplanes`` entry, then, for every input ``x_j`` and every
    threshold ``τ``, ``relu(x_j − τ)``. Add the affine terms with
    ``PolynomialLibrary(degree=1) + HingeLibrary(...)``: a continuous piecewise-linear
    field with a kink on wᵀx + β = 0 is then in the library exactly (as the ReLU flows of
    :class:`sparseid.systems.ReluFlow` are).

    Parameters
    ----------
    hyperplanes : list of (weights, bias), default=None
        One term ``relu(weights · x + bias)`` each. ``weights`` is an input index ``i``
        (``relu(x_i + bias)``) or a list of numbers, one per input; ``bias`` a number, or None
        when unknown: a model (`SINDy`) then finds it from the data (see the user guide).
        ``(None, None)`` is a hinge on an input ``relu(x_i + β)`` whose input is found too.
    thresholds : list of float, default=(0.0,)
        Candidate thresholds applied to every input; None for none.

    Attributes
    ----------
    n_features_in_, feature_names_in_, terms_, n_output_features_
        As for every library.

    Examples
    --------
    >>> import numpy as np
    >>> lib = HingeLibrary(hyperplanes=[([1.0, -1.0], 0.5)], thresholds=[1.0])
    >>> lib.fit(np.zeros((1, 2))).get_feature_names_out(["x", "y"]).tolist()
    ['relu(x - y + 0.5)', 'relu(x - 1)', 'relu(y - 1)']
    >>> lib.transform([[2.0, 0.0]])
    array([[2.5, 1. , 0. ]])
    """

    _parameter_rules: ClassVar = {
        "hyperplanes": Check(
            lambda owner, name, value: None if value is None else check_planes(owner, name, value),
            "None or a list of (weights, bias) pairs",
        ),
        "thresholds": Check(_check_thresholds, "None or a list of finite numbers"),
    }

    def __init__(self, hyperplanes=None, thresholds=(0.0,)):
        self.hyperplanes = hyperplanes
        self.thresholds = thresholds

    @property
    def unknown_offsets(self):
        """Indices of the hyperplanes whose bias is None (to be found from data)."""
        planes = self._check_params()["hyperplanes"] or ()
        return [k for k, (_, bias) in enumerate(planes) if bias is None]

    def _make_terms(self, n_features):
        params = self._check_params()
        terms = []
        for k, (weights, bias) in enumerate(params["hyperplanes"] or ()):
            if bias is None:
                raise ValueError(
                    f"HingeLibrary: the bias of hyperplanes[{k}] is unknown (None): fit the "
                    "library inside a model (SINDy finds it from the data), or give it"
                )
            normal = normal_vector(weights, n_features, "HingeLibrary", f"hyperplanes[{k}]")
            terms.append(HingeTerm(normal, bias))
        for j in range(n_features):
            axis = tuple(float(i == j) for i in range(n_features))
            terms += [HingeTerm(axis, -tau) for tau in params["thresholds"] or ()]
        return terms

    def _transform(self, X):
        out = np.empty((X.shape[0], len(self.terms_)))
        for col, term in enumerate(self.terms_):
            np.maximum(term._argument(X), 0.0, out=out[:, col])
        return out

    def _json_params(self, where, library_to_dict=None):
        from ._surfaces import planes_to_json

        params = self._check_params()
        planes, thresholds = params["hyperplanes"], params["thresholds"]
        return {
            "hyperplanes": None if planes is None else planes_to_json(planes),
            "thresholds": None if thresholds is None else list(thresholds),
        }

    @classmethod
    def _params_from_json(cls, params, where, build=None):
        from ._surfaces import planes_from_json

        thresholds = params.get("thresholds", (0.0,))
        if thresholds is not None and not isinstance(thresholds, list | tuple):
            raise ValueError(f"{where}.thresholds must be a list of numbers or null")
        return {
            "hyperplanes": planes_from_json(params.get("hyperplanes"), f"{where}.hyperplanes"),
            "thresholds": thresholds,
        }

    def _count_terms(self, n_features, count_terms=None):
        planes = self.hyperplanes or ()
        thresholds = self.thresholds or ()
        return len(planes) + n_features * len(thresholds)

    def to_dict(self):
        return {"class": type(self).__name__, "params": self._json_params("library")}
