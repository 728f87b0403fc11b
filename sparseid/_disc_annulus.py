"""The disc-and-annulus data set and the signed margin of a score between the two sets.

A flow of the plane is a homeomorphism, so the image of an annulus still surrounds the image
of the disc inside it, and no linear read-out of the flowed points can put the whole annulus
above the whole disc: the signed margin M = min over the annulus of the score − max over the
disc of it is negative whatever the training. Test accuracy does not show this (a thin arc of
the annulus can be stretched across to the disc's side where no test point falls); the margin,
evaluated on a dense polar grid and refined around the extreme points, does.

References
----------
.. [1] E. Dupont, A. Doucet and Y. W. Teh, "Augmented neural ODEs", NeurIPS 2019.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import check_integer, check_real

__all__ = ["DiscAnnulusMargin", "disc_annulus_margin", "make_disc_annulus"]


def _radii(r_disc, r_inner, r_outer, where):
    r_disc = check_real(where, "r_disc", r_disc, minimum=0, closed="neither")
    r_inner = check_real(where, "r_inner", r_inner, minimum=0, closed="neither")
    r_outer = check_real(where, "r_outer", r_outer, minimum=0, closed="neither")
    if not r_disc < r_inner < r_outer:
        raise ValueError(
            f"{where}: need r_disc < r_inner < r_outer, got {r_disc}, {r_inner}, {r_outer}"
        )
    return r_disc, r_inner, r_outer


def make_disc_annulus(n_samples=200, *, r_disc=1.0, r_inner=1.25, r_outer=2.0, random_state=None):
    """Points of class 0 in a disc and of class 1 in an annulus around it, in the plane.

    Each class has half the points (class 0 gets the extra one), uniform in area: radius
    sqrt(U(r_a², r_b²)), angle U(0, 2π).

    Parameters
    ----------
    n_samples : int, default=200
    r_disc : float, default=1.0
        Radius of the disc.
    r_inner, r_outer : float, default=1.25, 2.0
        Radii of the annulus.
    random_state : int, Generator or None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        0 in the disc, 1 in the annulus.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = make_disc_annulus(100, random_state=0)
    >>> r = np.hypot(X[:, 0], X[:, 1])
    >>> bool(r[y == 0].max() <= 1.0 and r[y == 1].min() >= 1.25), int(y.sum())
    (True, 50)
    """
    where = "make_disc_annulus"
    n = check_integer(where, "n_samples", n_samples, minimum=2)
    r_disc, r_inner, r_outer = _radii(r_disc, r_inner, r_outer, where)
    rng = np.random.default_rng(random_state)
    n1 = n // 2
    n0 = n - n1
    lo = np.r_[np.zeros(n0), np.full(n1, r_inner**2)]
    hi = np.r_[np.full(n0, r_disc**2), np.full(n1, r_outer**2)]
    r = np.sqrt(rng.uniform(lo, hi))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    order = rng.permutation(n)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])[order]
    y = np.r_[np.zeros(n0, dtype=int), np.ones(n1, dtype=int)][order]
    return X, y


class DiscAnnulusMargin(NamedTuple):
    """Result of :func:`disc_annulus_margin`.

    Attributes
    ----------
    margin : float
        M = ``annulus_min`` − ``disc_max``; positive when a threshold separates the sets.
    annulus_min, disc_max : float
    annulus_argmin, disc_argmax : ndarray of shape (2,)
        Where the extremes were found (the lowest annulus point lies on the thin arc when a
        flow stretched one across).
    n_evaluations : int
        Points scored.
    """

    margin: float
    annulus_min: float
    disc_max: float
    annulus_argmin: np.ndarray
    disc_argmax: np.ndarray
    n_evaluations: int


def _extreme(score, r_lo, r_hi, n_r, n_theta, n_best, n_refine, sign):
    """Largest sign·score over the polar region, by a grid and local refinement of its best.

    The radii span [r_lo, r_hi]; the disc passes r_hi just below its radius (open disc).
    """

    def evaluate(r, theta):
        points = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
        values = np.asarray(score(points), dtype=np.float64).reshape(-1)
        if values.shape != (len(r),) or not np.all(np.isfinite(values)):
            raise ValueError(
                "disc_annulus_margin: score must return one finite value per point, got "
                f"shape {values.shape}"
            )
        return sign * values

    rr, tt = np.meshgrid(np.linspace(r_lo, r_hi, n_r), np.linspace(0, 2 * np.pi, n_theta, False))
    r, theta = rr.ravel(), tt.ravel()
    values = evaluate(r, theta)
    count = len(r)
    dr, dt = (r_hi - r_lo) / max(n_r - 1, 1), 2 * np.pi / n_theta
    best = np.argsort(values)[-n_best:]
    best_value, best_r, best_t = values[best[-1]], r[best[-1]], theta[best[-1]]
    # all the best points are refined together: one call of score per level
    cr, ct = r[best][:, None, None], theta[best][:, None, None]
    local = np.linspace(-1.0, 1.0, 21)
    for level in range(n_refine):
        shrink = 5.0**-level
        gr = np.broadcast_to(
            np.clip(cr + dr * shrink * local[None, :, None], r_lo, r_hi), (len(best), 21, 21)
        )
        gt = np.broadcast_to(ct + dt * shrink * local[None, None, :], (len(best), 21, 21))
        v = evaluate(gr.ravel(), gt.ravel()).reshape(len(best), -1)
        count += v.size
        k = np.argmax(v, axis=1)
        rows = np.arange(len(best))
        cr = gr.reshape(len(best), -1)[rows, k][:, None, None]
        ct = gt.reshape(len(best), -1)[rows, k][:, None, None]
        top = int(np.argmax(v[rows, k]))
        if v[top, k[top]] > best_value:
            best_value, best_r, best_t = v[top, k[top]], cr[top, 0, 0], ct[top, 0, 0]
    point = np.array([best_r * np.cos(best_t), best_r * np.sin(best_t)])
    return sign * best_value, point, count


def disc_annulus_margin(
    score,
    *,
    r_disc=1.0,
    r_inner=1.25,
    r_outer=2.0,
    n_r=24,
    n_theta=1024,
    n_best=8,
    n_refine=6,
):
    """The signed margin of a score between the disc and the annulus of :func:`make_disc_annulus`.

    M = min over the annulus of ``score`` − sup over the (open) disc of it, whose boundary circle
    may belong to the outside for a discontinuous flow. Both extremes are searched
    on a polar grid (``n_r`` radii × ``n_theta`` angles per region) and then, around each of the
    ``n_best`` best grid points, on a 21 × 21 local grid shrunk 5× ``n_refine`` times (down to
    about 1e-7 rad with the defaults), which finds an arc of the annulus far thinner than the
    grid when the score dips along it.

    Parameters
    ----------
    score : callable
        ``score(points)`` for points of shape (m, 2) returns m finite values, e.g. a binary
        classifier's ``decision_function`` with the annulus as its positive class.
    r_disc, r_inner, r_outer : float
        The regions' radii.
    n_r, n_theta, n_best, n_refine : int
        Resolution of the search.

    Returns
    -------
    DiscAnnulusMargin

    Examples
    --------
    >>> import numpy as np
    >>> radial = lambda p: np.hypot(p[:, 0], p[:, 1])  # separates: M = 1.25 - 1
    >>> round(disc_annulus_margin(radial).margin, 9)
    0.25
    >>> linear = lambda p: p[:, 0]  # a line cannot: M = -2 - 1
    >>> round(disc_annulus_margin(linear).margin, 9)
    -3.0
    """
    where = "disc_annulus_margin"
    if not callable(score):
        raise TypeError(f"{where}: score must be callable, got {type(score).__name__}")
    r_disc, r_inner, r_outer = _radii(r_disc, r_inner, r_outer, where)
    n_r = check_integer(where, "n_r", n_r, minimum=2)
    n_theta = check_integer(where, "n_theta", n_theta, minimum=4)
    n_best = check_integer(where, "n_best", n_best, minimum=1)
    n_refine = check_integer(where, "n_refine", n_refine, minimum=0)
    grid = (n_r, n_theta, n_best, n_refine)
    low, low_at, n1 = _extreme(score, r_inner, r_outer, *grid, -1.0)
    # the open disc: its sup equals the closed disc's max for a continuous score, and a
    # discontinuous flow whose boundary circle belongs to the outside is judged on its inside
    high, high_at, n2 = _extreme(score, 0.0, r_disc * (1.0 - 1e-12), *grid, 1.0)
    return DiscAnnulusMargin(float(low - high), float(low), float(high), low_at, high_at, n1 + n2)
