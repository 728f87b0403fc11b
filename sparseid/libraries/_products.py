"""Products of terms in canonical form: :func:`multiply_terms`, used by tensored libraries."""

from __future__ import annotations

import numpy as np

from ._terms import PowerTerm, ProductTerm, Term

__all__ = ["multiply_terms"]


def multiply_terms(*terms) -> Term:
    """Product of terms in canonical form.

    Power factors are merged into one `PowerTerm` (at the place of the first one), constant
    factors are dropped, and a single remaining factor is returned as it is.

    Examples
    --------
    >>> from sparseid.libraries import PowerTerm
    >>> multiply_terms(PowerTerm((1, 0)), PowerTerm((1, 1))).name(["x", "y"])
    'x^2 y'
    """
    flat = []
    for term in terms:
        flat.extend(term.factors if isinstance(term, ProductTerm) else [term])
    powers = [f for f in flat if isinstance(f, PowerTerm)]
    merged = None
    if powers:
        lengths = {len(p.exponents) for p in powers}
        if len(lengths) != 1:
            raise ValueError(f"multiply_terms: PowerTerms of different lengths {sorted(lengths)}")
        merged = PowerTerm(tuple(int(s) for s in np.sum([p.exponents for p in powers], axis=0)))
    factors, placed = [], False
    for f in flat:
        if isinstance(f, PowerTerm):
            if not placed and merged.degree > 0:
                factors.append(merged)
            placed = True
        else:
            factors.append(f)
    if not factors:
        if merged is None:
            raise ValueError("multiply_terms: no terms given")
        return merged
    return factors[0] if len(factors) == 1 else ProductTerm(tuple(factors))
