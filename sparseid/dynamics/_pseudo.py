"""Pseudo-equilibria of switched (Filippov) systems: zeros of the sliding vector field.

On a switching surface h(x) = 0 where the fields f⁻ (side h < 0) and f⁺ (side h ≥ 0) point
in opposite normal directions, Filippov's convention moves the state with the convex
combination f_s = (1 − α) f⁻ + α f⁺, α ∈ [0, 1], that is tangent to the surface [1]_. A
pseudo-equilibrium is a point of the surface where f_s = 0: an equilibrium of the sliding
motion that is not an equilibrium of either field.

References
----------
.. [1] M. di Bernardo, C. J. Budd, A. R. Champneys and P. Kowalczyk, *Piecewise-smooth
   Dynamical Systems: Theory and Applications*, Springer (2008), sections 2.3 and 5.1.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy.linalg import null_space
from scipy.optimize import root
from sklearn.utils import check_random_state

from ._fixed_points import _check_box, _classify
from ._vector_field import finite_difference_jacobian

__all__ = ["PseudoEquilibrium", "pseudo_equilibria"]


@dataclass(frozen=True)
class PseudoEquilibrium:
    """A zero of the sliding vector field on switching surface ``surface``.

    Attributes
    ----------
    x : ndarray of shape (d,)
        The point (on the surface).
    surface : int
        Index of the switching function that vanishes there.
    alpha : float
        Weight of f⁺ in the Filippov combination, in [0, 1].
    sliding : str
        ``"attracting"`` (both fields push into the surface) or ``"repelling"`` (both push
        away, the sliding motion is not reached from off the surface).
    eigenvalues : ndarray of complex of shape (d − 1,)
        Eigenvalues of the sliding field's Jacobian within the surface.
    stability : str
        ``"stable ..."`` labels as for :class:`FixedPoint` within the surface, prefixed by
        ``"unstable (repelling sliding), "`` when the sliding is repelling.
    """

    x: np.ndarray
    surface: int
    alpha: float
    sliding: str
    eigenvalues: np.ndarray
    stability: str


def _switched(system):
    if hasattr(system, "switched_system"):
        system = system.switched_system()
    if not (
        callable(getattr(system, "field", None)) and callable(getattr(system, "switching", None))
    ):
        raise TypeError(
            "pseudo_equilibria: expected a sparseid.switched.SwitchedSystem or a system with a "
            f"switched_system() method, got {type(system).__name__}"
        )
    return system


def pseudo_equilibria(system, box, n_starts=50, random_state=None, *, tol=1e-10):
    """Pseudo-equilibria of a switched system in a box, from many starting points.

    For every switching surface ``i``, ``scipy.optimize.root`` solves
    (1 − α) f⁻(x) + α f⁺(x) = 0, h_i(x) = 0 for (x, α) from ``n_starts`` points drawn
    uniformly in the box (α from 1/2); the other surfaces' signs are those of the starting
    point. Roots with α in [0, 1], inside the box, with residual at most ``tol · max(1, |x|)``
    are kept and merged when closer than ``1e-6 · max(1, |x|)``. Sliding on the intersection
    of two surfaces is not handled, and a continuum of pseudo-equilibria (such as Coulomb
    friction's sticking band) comes back as scattered points of it.

    Parameters
    ----------
    system : SwitchedSystem or system with ``switched_system()``
        The switched system (``field(t, x, signs)``, ``switching(x)``).
    box : (low, high)
        Corners of the search box, arrays of shape (d,).
    n_starts : int
        Starting points per surface.
    random_state : int, RandomState instance or None
        Seed of the starting points.
    tol : float
        Relative residual a root must reach.

    Returns
    -------
    list of PseudoEquilibrium

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.switched import SwitchedSystem
    >>> relay = SwitchedSystem(
    ...     lambda t, x, s: np.array([-s[0], -x[1] - s[0]]), lambda x: x[:1], n_surfaces=1
    ... )
    >>> points = pseudo_equilibria(relay, ([-1, -1], [1, 1]), random_state=0)
    >>> [(p.x.round(9).tolist(), p.alpha, p.stability) for p in points]
    [([0.0, 0.0], 0.5, 'stable node')]
    """
    switched = _switched(system)
    low, high = _check_box(box)
    d = low.shape[0]
    if not isinstance(n_starts, numbers.Integral) or n_starts < 1:
        raise ValueError(
            f"pseudo_equilibria: n_starts must be a positive integer, got {n_starts!r}"
        )
    rng = check_random_state(random_state)

    def h(x):
        return np.asarray(switched.switching(x), dtype=np.float64).reshape(-1)

    def f(x, signs):
        return np.asarray(switched.field(0.0, x, tuple(signs)), dtype=np.float64)

    starts = low + (high - low) * rng.uniform(size=(n_starts, d))
    m = h(starts[0]).size
    margin = 0.01 * (high - low)
    found = []
    with np.errstate(all="ignore"):
        for i in range(m):
            for start in starts:
                signs = [1 if v >= 0 else -1 for v in h(start)]
                minus, plus = list(signs), list(signs)
                minus[i], plus[i] = -1, 1

                def equations(z, i=i, minus=minus, plus=plus):
                    x, alpha = z[:d], z[d]
                    return np.append((1 - alpha) * f(x, minus) + alpha * f(x, plus), h(x)[i])

                solution = root(equations, np.append(start, 0.5), method="hybr")
                x, alpha = solution.x[:d], float(solution.x[d])
                if not np.all(np.isfinite(solution.x)) or not -1e-9 <= alpha <= 1 + 1e-9:
                    continue
                if np.any(x < low - margin) or np.any(x > high + margin):
                    continue
                scale = max(1.0, float(np.max(np.abs(x))))
                if np.max(np.abs(equations(solution.x))) > tol * scale:
                    continue
                if any(i == j and np.max(np.abs(x - p)) <= 1e-6 * scale for p, j, *_ in found):
                    continue
                found.append((x, i, alpha, minus, plus))
    return [_describe(switched, h, f, *item) for item in sorted(found, key=lambda r: tuple(r[0]))]


def _describe(switched, h, f, x, i, alpha, minus, plus):
    """Sliding direction and in-surface eigenvalues of one pseudo-equilibrium."""
    normal = finite_difference_jacobian(lambda y: h(y), x)[i]
    # α ∈ [0, 1] makes a⁻ and a⁺ of opposite signs (or one zero, at the end of a sliding
    # region): a⁻ − a⁺ > 0 means both push into the surface.
    sliding = "attracting" if normal @ (f(x, minus) - f(x, plus)) > 0 else "repelling"

    def sliding_field(y):
        grad = finite_difference_jacobian(lambda z: h(z), y)[i]
        f_minus, f_plus = f(y, minus), f(y, plus)
        a_minus, a_plus = grad @ f_minus, grad @ f_plus
        weight = a_minus / (a_minus - a_plus)
        return (1 - weight) * f_minus + weight * f_plus

    tangent = null_space(normal[None, :])
    jacobian = tangent.T @ finite_difference_jacobian(sliding_field, x) @ tangent
    eigenvalues = np.linalg.eigvals(jacobian).astype(complex)
    eigenvalues = eigenvalues[np.lexsort((-eigenvalues.imag, -eigenvalues.real))]
    stability = _classify(eigenvalues) if eigenvalues.size else "stable node"
    if sliding == "repelling":
        stability = "unstable (repelling sliding), " + stability
    x = np.where(np.abs(x) < 1e-12, 0.0, x)
    return PseudoEquilibrium(x, i, alpha, sliding, eigenvalues, stability)
