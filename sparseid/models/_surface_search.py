"""Unknown switching surfaces: the offset that minimises the residual of the sparse fit.

A :class:`~sparseid.libraries.SwitchedLibrary` surface ``normal · z = s`` or a
:class:`~sparseid.libraries.HingeLibrary` hyperplane ``relu(normal · z + β)`` given with
offset None is found from the data before the model is fitted. Sorting the samples by
``v = normal · z`` makes the search cheap: a sample is on the active side (``v >= s``) or
not, and the library rows of both sides do not depend on ``s`` (a step is 0 or 1; a hinge is
0 or ``v + β``, affine in β). So the rows are cut into blocks along ``v``, the
:class:`~sparseid.optimizers.SufficientStatistics` of each block are computed once for the
inactive and the active variant, and the statistics of any split are a sum of blocks (they add
up exactly). Each candidate split then costs one sparse fit on p × p statistics, not a pass
over the data.

The search evaluates every block boundary of a coarse grid, then refines in the two blocks
around the best one, cut again into blocks, until the blocks hold single values of ``v``:
the best split is then bracketed by two consecutive samples. Within that gap,

- a hinge's residual is a smooth function of β (the active rows' column is ``v + β``), whose
  minimum is found by Brent's bounded method on the statistics;
- a step's residual is constant (no sample lies in the gap), so the data cannot place the
  surface inside it; the offset reported is where the fitted field's jump across the surface
  is smallest (zero for a continuous field such as the lecture's normal form, which locates
  the surface exactly), clipped to the gap, and the gap is reported as well.

Several unknown offsets are found one at a time, the others held at their current values
(two rounds of this coordinate search).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.base import clone

from ..exceptions import IllConditionedWarning
from ..libraries import ConcatLibrary, HingeLibrary, SwitchedLibrary
from ..libraries._surfaces import check_planes, normal_vector
from ..optimizers import BaseOptimizer, SufficientStatistics

__all__ = ["find_offsets", "has_unknown_offsets", "search_from_json"]

_PARAM = {SwitchedLibrary: "surfaces", HingeLibrary: "hyperplanes"}


def _parts(library, path=()):
    """``(path, part)`` for the library and the parts of concatenations within it."""
    yield path, library
    if isinstance(library, ConcatLibrary):
        for i, part in enumerate(library.libraries):
            yield from _parts(part, (*path, i))


def _slots(library):
    slots = []
    for path, part in _parts(library):
        if type(part) in _PARAM:
            slots += [(path, k) for k in part.unknown_offsets]
    return slots


def has_unknown_offsets(library):
    """Whether ``library`` (or a part of a concatenation) has a surface with offset None."""
    return bool(_slots(library))


def _part(library, path):
    for i in path:
        library = library.libraries[i]
    return library


def _planes(part):
    return list(check_planes(part, _PARAM[type(part)], getattr(part, _PARAM[type(part)])))


def _set_offset(library, slot, value, normal=None):
    """A clone of ``library`` with the offset of ``slot`` set to ``value`` (and its normal)."""
    library = clone(library)
    path, k = slot
    part = _part(library, path)
    planes = _planes(part)
    planes[k] = (planes[k][0] if normal is None else normal, float(value))
    part.set_params(**{_PARAM[type(part)]: tuple(planes)})
    return library


class _Statistics:
    """Block statistics of one unknown offset, and the residual of any split."""

    def __init__(self, library, slot, Z, Y, optimizer):
        path, k = slot
        part = _part(library, path)
        self.kind = "hinge" if isinstance(part, HingeLibrary) else "step"
        normal = normal_vector(_planes(part)[k][0], Z.shape[1], type(part).__name__, "normal")
        v = Z @ np.asarray(normal)
        order = np.argsort(v, kind="stable")
        self.v, self.Z, self.Y = v[order], Z[order], Y[order]
        self.library, self.slot, self.optimizer = library, slot, optimizer
        low, high = float(self.v[0]) - 1.0, float(self.v[-1]) + 1.0
        # The rows of both sides: everything active, and nothing active.
        sign = -1.0 if self.kind == "hinge" else 1.0  # a hinge's offset is β = -threshold
        self.on = self._transform(sign * low)
        self.off = self._transform(sign * high)
        if self.kind == "hinge":
            ones = np.ones((len(v), 1))
            self.on = np.hstack([self.on, ones])
            self.off = np.hstack([self.off, 0.0 * ones])
            self.column = self._hinge_column(sign * low)
            self.beta_on = sign * low
        norms = np.sqrt(np.maximum((self.on**2).sum(0), (self.off**2).sum(0)))
        self.scale = np.where(norms > 0, norms, 1.0)

    def _transform(self, offset):
        library = _set_offset(self.library, self.slot, offset)
        return library.fit_transform(self.Z, check_input=False)

    def _hinge_column(self, beta):
        """The output column of the searched hinge: the one that moves with its β."""
        moved = self._transform(beta + 1.0) - self.on[:, :-1]
        return int(np.argmax(np.abs(moved).sum(axis=0)))

    def block(self, lo, hi, active):
        rows = slice(lo, hi)
        theta = (self.on if active else self.off)[rows]
        return SufficientStatistics.from_arrays(theta, self.Y[rows], scale=self.scale)

    def residual(self, stats, beta=None):
        """Residual sum of squares of the sparse fit on ``stats`` (and the coefficients)."""
        if self.kind == "hinge":
            stats = _shift_column(stats, self.column, beta - self.beta_on)
        if isinstance(self.optimizer, BaseOptimizer):
            optimizer = clone(self.optimizer).fit_statistics(stats)
            coef = np.asarray(optimizer.coef_).reshape(stats.n_targets, stats.n_features)
        else:  # another regressor: least squares on the statistics
            coef = stats.solve()
        return float(np.sum(stats.rss(coef))), coef


def _shift_column(stats, column, shift):
    """Statistics with column ``column`` replaced by ``column + shift · last`` and ``last`` dropped.

    ``R`` maps coefficients to the rotated data, so a change of columns is a product with
    ``R``; the result is re-triangularised by a QR of the small p × p matrix (exact).
    """
    r = stats.r * stats.scale  # unscaled columns
    r = r.copy()
    r[:, column] += shift * r[:, -1]
    r = r[:, :-1]
    q, r_new = np.linalg.qr(r, mode="complete")
    qty = q.T @ stats.qty
    # Rows of Q^T y beyond the remaining columns are residual that no coefficient reaches.
    p = r.shape[1]
    residual = stats.residual_gram + qty[p:].T @ qty[p:]
    scale = np.sqrt(np.maximum((r_new[:p] ** 2).sum(0), 0.0))
    scale = np.where(scale > 0, scale, 1.0)
    return SufficientStatistics(
        r_new[:p] / scale, qty[:p], residual, (r_new[:p] ** 2).sum(0), scale, stats.n_samples
    )


def _boundaries(v, lo, hi, n_blocks):
    """Block boundaries in [lo, hi]: starts of runs of equal sorted values ``v`` (and ``hi``).

    At most ``n_blocks`` blocks; when the range holds that few distinct values, one block per
    value (the last level of the search).
    """
    starts = lo + np.flatnonzero(np.r_[True, v[lo + 1 : hi] != v[lo : hi - 1]])
    if len(starts) > n_blocks:
        keep = np.linspace(0, len(starts) - 1, n_blocks + 1).round().astype(int)
        starts = starts[np.unique(keep)]
    return sorted({int(lo), int(hi), *starts.tolist()})


def _total(*parts):
    """Sum of statistics, skipping the 0 that stands for no rows (0 when all are)."""
    parts = [p for p in parts if not (isinstance(p, int) and p == 0)]
    return sum(parts[1:], parts[0]) if parts else 0


def _search_one(stats, n_blocks):
    """The best split index (rows ``>= split`` active) by the coarse grid and refinement."""
    n = len(stats.v)
    lo, hi = 0, n
    below, above = 0, 0  # statistics of the rows outside [lo, hi): inactive / active
    best = None
    while True:
        cuts = _boundaries(stats.v, lo, hi, n_blocks)
        off = [stats.block(a, b, False) for a, b in itertools.pairwise(cuts)]
        on = [stats.block(a, b, True) for a, b in itertools.pairwise(cuts)]
        scores = []
        for j, cut in enumerate(cuts):
            total = _total(below, *off[:j], *on[j:], above)
            if total == 0 or (cut in (0, n) and stats.kind == "step"):
                scores.append(np.inf)  # a surface outside the data is no surface
                continue
            threshold = stats.v[min(cut, n - 1)]
            scores.append(stats.residual(total, beta=-threshold)[0])
        j = int(np.argmin(scores))
        best = (cuts[j], scores[j])
        if all(b - a <= 1 or stats.v[a] == stats.v[b - 1] for a, b in itertools.pairwise(cuts)):
            return best[0]
        # Bracket: the blocks either side of the best cut.
        a = max(j - 1, 0)
        b = min(j + 1, len(cuts) - 1)
        below = _total(below, *off[:a])
        above = _total(*on[b:], above)
        lo, hi = cuts[a], cuts[b]


def _split_stats(stats, split):
    n = len(stats.v)
    parts = []
    if split > 0:
        parts.append(stats.block(0, split, False))
    if split < n:
        parts.append(stats.block(split, n, True))
    return _total(*parts)


def _refine(stats, split):
    """The offset within the gap of the best split, and the gap ``(low, high)``."""
    n = len(stats.v)
    low = stats.v[split - 1] if split > 0 else stats.v[0] - 1.0
    high = stats.v[split] if split < n else stats.v[-1] + 1.0
    if stats.kind == "hinge":
        # The kink anywhere between the neighbouring samples: rows >= split stay active for a
        # threshold in (v[split-1], v[split]]; one sample further each way changes the set.
        best = None
        for s in (split - 1, split, split + 1):
            if not 0 <= s <= n:
                continue
            a = stats.v[s - 1] if s > 0 else stats.v[0] - 1.0
            b = stats.v[s] if s < n else stats.v[-1] + 1.0
            total = _split_stats(stats, s)
            result = minimize_scalar(
                lambda t, total=total: stats.residual(total, beta=-t)[0],
                bounds=(a, b),
                method="bounded",
                options={"xatol": 1e-12 * max(1.0, abs(a), abs(b))},
            )
            if best is None or result.fun < best[0]:
                best = (float(result.fun), float(result.x), (float(a), float(b)))
        return best[1], best[2]
    return _continuity_offset(stats, split, low, high), (float(low), float(high))


def _continuity_offset(stats, split, low, high):
    """The offset in [low, high] where the fitted field's jump across the surface is least."""
    _, coef = stats.residual(_split_stats(stats, split))
    # The jump of the field across the surface at z: (on(z) - off(z)) @ coef.T, evaluated at
    # samples near the surface moved onto it.
    near = np.arange(max(split - 20, 0), min(split + 20, len(stats.v)))
    path, k = stats.slot
    part = _part(stats.library, path)
    normal = np.asarray(normal_vector(_planes(part)[k][0], stats.Z.shape[1], "", ""))
    on_lib = _set_offset(stats.library, stats.slot, stats.v[0] - 1.0)
    off_lib = _set_offset(stats.library, stats.slot, stats.v[-1] + 1.0)

    def jump(s):
        z = stats.Z[near] - np.outer(stats.v[near] - s, normal) / (normal @ normal)
        diff = on_lib.fit_transform(z, check_input=False) - off_lib.fit_transform(
            z, check_input=False
        )
        return float(np.sum((diff @ coef.T) ** 2))

    if not np.isfinite(low) or not np.isfinite(high) or high <= low:
        return float(high)
    tol = 1e-12 * max(1.0, abs(low), abs(high))
    result = minimize_scalar(jump, bounds=(low, high), method="bounded", options={"xatol": tol})
    # Digits below the tolerance are the minimiser's noise (a 1e-18 for a line at 0).
    return float(np.clip(round(result.x / tol) * tol, low, high))


def find_offsets(library, Z, Y, optimizer, *, n_blocks=16):
    """Find every unknown offset of ``library`` from the regression pairs ``(Z, Y)``.

    Parameters
    ----------
    library : library
        Unfitted; a `SwitchedLibrary` or `HingeLibrary` with offsets None, or a
        concatenation holding such parts.
    Z : ndarray of shape (n, n_inputs)
        Inputs (states, then control inputs).
    Y : ndarray of shape (n, n_targets)
        Targets.
    optimizer : optimizer
        The model's (unfitted) optimizer; its sparse fit on each candidate's statistics gives
        the residual. A regressor other than sparseid's is replaced by least squares.
    n_blocks : int
        Blocks per level of the grid.

    Returns
    -------
    library : library
        A clone with every offset set.
    found : list of dict
        Per unknown offset: ``part`` (path of part indices within concatenations), ``index``
        (of the surface or hyperplane), ``kind`` ("step" or "hinge"), ``normal`` (as a
        vector; for a normal given as None, the axis whose best fit has the least residual),
        ``offset`` (s for a step, β for a hinge), ``bracket`` (the gap between the two
        samples around the switch, in ``normal · z``) and ``residual`` (of the final fit).
    """
    slots = _slots(library)
    for path, _ in slots:
        if _part(library, path) is not library and not isinstance(library, ConcatLibrary):
            raise ValueError("unknown offsets are searched only in a library or a + of libraries")
    current = library
    axes = {}  # the slots whose axis is found too: the axes to try
    for slot in slots:  # start every unknown at the median of its projection
        path, k = slot
        part = _part(current, path)
        normal = _planes(part)[k][0]
        axes[slot] = range(Z.shape[1]) if normal is None else [normal]
        normal = 0 if normal is None else normal
        vector = normal_vector(normal, Z.shape[1], type(part).__name__, "normal")
        median = float(np.median(Z @ np.asarray(vector)))
        hinge = isinstance(part, HingeLibrary)
        current = _set_offset(current, slot, -median if hinge else median, normal)
    found = {}
    with warnings.catch_warnings():
        # Candidates near the ends of the data leave few rows on one side (collinear there, or
        # every term thresholded away): those warnings are about trial fits, not the model's.
        warnings.simplefilter("ignore", IllConditionedWarning)
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(2 if len(slots) > 1 else 1):  # coordinate search over the unknowns
            for slot in slots:
                results = [
                    _search_slot(current, slot, axis, Z, Y, optimizer, n_blocks)
                    for axis in axes[slot]
                ]
                best = min(results, key=lambda r: r[1]["residual"])
                current, found[slot] = best
    return current, list(found.values())


def _search_slot(library, slot, normal, Z, Y, optimizer, n_blocks):
    """The best offset of ``slot`` with the given normal: the library and the report."""
    library = _set_offset(library, slot, 0.0, normal)
    stats = _Statistics(library, slot, Z, Y, optimizer)
    split = _search_one(stats, n_blocks)
    threshold, bracket = _refine(stats, split)
    offset = -threshold if stats.kind == "hinge" else threshold
    total = _split_stats(stats, split)
    residual = stats.residual(total, beta=offset if stats.kind == "hinge" else None)[0]
    vector = normal_vector(normal, Z.shape[1], "", "")
    return _set_offset(library, slot, offset), {
        "part": list(slot[0]),
        "index": slot[1],
        "kind": stats.kind,
        "normal": list(vector),
        "offset": offset,
        "bracket": bracket,
        "residual": residual,
    }


def search_from_json(state, key):
    """``surface_search_`` read back from a model file (checked field by field)."""
    from ._fields import Fields

    value = state[key]
    if not isinstance(value, list) or not 0 < len(value) <= 1000:
        raise state.error(key, "must be a non-empty list of search results")
    out = []
    for i, item in enumerate(value):
        fields = Fields(item, f"{state.name(key)}[{i}]")
        kind = fields.string("kind")
        if kind not in ("step", "hinge"):
            raise fields.error("kind", f"must be 'step' or 'hinge', got {kind!r}")
        part = fields.array("part", (None,))
        if not np.array_equal(part, part.round()) or np.any(part < 0):
            raise fields.error("part", "must be a list of indices")
        out.append(
            {
                "part": [int(p) for p in part],
                "index": fields.integer("index"),
                "kind": kind,
                "normal": [float(v) for v in fields.array("normal", (None,))],
                "offset": fields.real("offset"),
                "bracket": tuple(float(v) for v in fields.array("bracket", (2,))),
                "residual": fields.real("residual"),
            }
        )
        fields.finish()
    return out
