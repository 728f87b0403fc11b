"""Composed libraries: concatenation (``a + b``) and tensor products (``a * b``)."""

from __future__ import annotations

import re
from itertools import product
from typing import ClassVar

import numpy as np
from sklearn.base import clone

from .._params import Check
from ._base import BaseLibrary
from ._products import multiply_terms

__all__ = ["ConcatLibrary", "TensoredLibrary"]

_PART_PARAM = re.compile(r"^libraries__(\d+)__(.+)$")


def _check_libraries(owner, name, libs):
    label = type(owner).__name__
    if not isinstance(libs, (list, tuple)) or len(libs) == 0:
        raise TypeError(f"{label}: {name}={libs!r} must be a non-empty list of libraries")
    for i, lib in enumerate(libs):
        if not isinstance(lib, BaseLibrary):
            raise TypeError(f"{label}: {name}[{i}]={lib!r} is not a sparseid library")
    return libs


class _ComposedLibrary(BaseLibrary):
    """Shared machinery: a list of parts, cloned and fitted in `fit`, nested parameters.

    Besides the attributes the subclasses document, fitting sets ``_sources_``: where each
    term comes from in the parts (see `_unique_terms`), which `_transform` reads.
    """

    _operator = ""
    # The parts' own parameters are checked when they are fitted (or rebuilt by the loader).
    _parameter_rules: ClassVar = {
        "libraries": Check(_check_libraries, "a non-empty list of sparseid libraries"),
    }

    def __init__(self, libraries):
        self.libraries = libraries

    def _fit_n_features(self, n_features):
        self._check_params()
        # Parts are cloned so that fitting never changes the user's objects (scikit-learn rule).
        self.libraries_ = [clone(lib)._fit_without_data(n_features) for lib in self.libraries]
        terms, self._sources_ = self._unique_terms()
        return self._set_terms(terms)

    def _make_terms(self, n_features):
        """The terms alone; `_fit_n_features` takes them with their sources."""
        return self._unique_terms()[0]

    def _unique_terms(self):
        """The terms of the fitted parts, each at its first place, and where each comes from.

        Returns
        -------
        terms : list of terms
        sources : list of tuple
            For each term, the key ``_candidate_terms`` gave it: ``(part, column)`` for a
            concatenation, one column per part for a product; ``_transform`` reads them.
        """
        terms, sources, seen = [], [], set()
        for source, term in self._candidate_terms():
            if term not in seen:
                seen.add(term)
                terms.append(term)
                sources.append(source)
        return terms, sources

    def get_params(self, deep=True):
        params = super().get_params(deep=False)
        if deep and isinstance(self.libraries, (list, tuple)):
            for i, lib in enumerate(self.libraries):
                if isinstance(lib, BaseLibrary):
                    params[f"libraries__{i}"] = lib
                    for key, value in lib.get_params(deep=True).items():
                        params[f"libraries__{i}__{key}"] = value
        return params

    def set_params(self, **params):
        nested = {}
        for key in list(params):
            match = _PART_PARAM.match(key)
            if match:
                nested.setdefault(int(match.group(1)), {})[match.group(2)] = params.pop(key)
        super().set_params(**params)
        for i, sub in nested.items():
            self.libraries[i].set_params(**sub)
        return self

    def to_dict(self):
        return {
            "class": type(self).__name__,
            "params": {"libraries": [lib.to_dict() for lib in self.libraries]},
        }

    def __repr__(self, N_CHAR_MAX=700):
        if not isinstance(self.libraries, (list, tuple)) or not self.libraries:
            return super().__repr__(N_CHAR_MAX)
        parts = []
        for lib in self.libraries:
            text = repr(lib)
            # `*` binds tighter than `+`: only a sum inside a product needs parentheses.
            if isinstance(lib, ConcatLibrary) and self._operator == "*":
                text = f"({text})"
            parts.append(text)
        return f" {self._operator} ".join(parts)


class ConcatLibrary(_ComposedLibrary):
    """All terms of several libraries side by side; ``lib_a + lib_b`` builds one.

    A term that appears in an earlier part (such as a second constant ``1``) is dropped, so
    every term appears once, at its first place.

    Parameters
    ----------
    libraries : list of BaseLibrary
        The parts, in output order. They are cloned in `fit`.

    Attributes
    ----------
    libraries_ : list of BaseLibrary
        The fitted clones of the parts.
    n_features_in_, feature_names_in_, terms_, n_output_features_
        As for every library (see `BaseLibrary`).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.libraries import PolynomialLibrary, FourierLibrary
    >>> lib = (PolynomialLibrary(degree=1) + FourierLibrary()).fit(np.zeros((1, 1)))
    >>> lib.get_feature_names_out(["x"]).tolist()
    ['1', 'x', 'sin(x)', 'cos(x)']
    """

    _operator = "+"

    def _candidate_terms(self):
        for p, part in enumerate(self.libraries_):
            for c, term in enumerate(part.terms_):
                yield (p, c), term

    def _transform(self, X):
        out = np.empty((X.shape[0], len(self.terms_)))
        sources = np.asarray(self._sources_)
        for p, part in enumerate(self.libraries_):
            # Kept columns of one part are consecutive in the output.
            dest = np.flatnonzero(sources[:, 0] == p)
            if dest.size == 0:
                continue
            values = part._transform(X)
            columns = sources[dest, 1]
            target = out[:, dest[0] : dest[-1] + 1]
            if columns.size == values.shape[1]:
                target[...] = values
            else:
                target[...] = values[:, columns]
        return out


class TensoredLibrary(_ComposedLibrary):
    """All products of one term from each part; ``lib_a * lib_b`` builds one.

    Products are simplified: powers of the inputs merge into one power term (``x * x`` is
    ``x^2``), constant factors drop (``1 * sin(x)`` is ``sin(x)``, ``1 * 1`` is ``1``), and a
    product equal to an earlier one is dropped. Terms come in the order of the nested loops
    (first part outermost). So with parts that include a constant, ``a * b`` also contains
    every term of ``a`` and of ``b``.

    Parameters
    ----------
    libraries : list of BaseLibrary
        The factors, at least one. They are cloned in `fit`.

    Attributes
    ----------
    libraries_ : list of BaseLibrary
        The fitted clones of the parts.
    n_features_in_, feature_names_in_, terms_, n_output_features_
        As for every library (see `BaseLibrary`).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.libraries import PolynomialLibrary, FourierLibrary
    >>> lib = (PolynomialLibrary(degree=1) * FourierLibrary(include_cos=False))
    >>> lib.fit(np.zeros((1, 2))).get_feature_names_out(["x", "y"]).tolist()
    ['sin(x)', 'sin(y)', 'x sin(x)', 'x sin(y)', 'y sin(x)', 'y sin(y)']
    """

    _operator = "*"

    def _candidate_terms(self):
        ranges = [range(len(part.terms_)) for part in self.libraries_]
        for combo in product(*ranges):
            factors = [part.terms_[c] for part, c in zip(self.libraries_, combo)]
            yield combo, multiply_terms(*factors)

    def _transform(self, X):
        out = np.empty((X.shape[0], len(self.terms_)))
        values = [part._transform(X) for part in self.libraries_]
        for col, combo in enumerate(self._sources_):
            target = out[:, col]
            if len(values) == 1:
                target[...] = values[0][:, combo[0]]
                continue
            np.multiply(values[0][:, combo[0]], values[1][:, combo[1]], out=target)
            for part_values, c in zip(values[2:], combo[2:]):
                target *= part_values[:, c]
        return out
