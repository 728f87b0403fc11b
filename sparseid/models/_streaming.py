"""The one block loop of the library models: trajectories → row blocks → Θ blocks → statistics.

A trajectory is read in blocks of a few thousand rows. Each block's derivatives are estimated on
the block widened by the differentiation method's ``halo`` (the neighbours an interior estimate
reads), so they equal those of the whole trajectory; the block's inputs ``Z`` and targets ``Y``
then become a library block Θ and are folded into :class:`~sparseid.optimizers.SufficientStatistics`
and dropped. Θ is never whole in memory. ``fit``, ``score``, ``partial_fit`` and the file
readers (:mod:`sparseid.io`) all go through :class:`TrajectoryStream`, which also takes a
trajectory in chunks (``partial_fit(..., continues=True)``): it keeps the last ``2 * halo + 1``
rows so that the rows near a chunk boundary get the derivatives of the whole trajectory. The Dask
path (:mod:`sparseid.models._dask`) widens its blocks by the same halo with ``map_overlap`` and
builds each block's Θ and statistics where the block lives. Other estimators that need per-block
statistics (ensembles over time blocks) can take :func:`regression_blocks` and
:func:`theta_blocks` and call ``SufficientStatistics.from_arrays`` per block.
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from ..differentiation._base import UNIFORM_RTOL_FAST_PATH, _Grid
from ..optimizers import SufficientStatistics

__all__ = [
    "BLOCK_ROWS",
    "TrajectoryStream",
    "accumulate",
    "global_halo_error",
    "group_statistics",
    "piece_statistics",
    "regression_blocks",
    "row_blocks",
    "theta_blocks",
    "time_block_statistics",
]

#: Rows per block: large enough for BLAS-3 speed, small enough to stay in cache.
BLOCK_ROWS = 8192


def global_halo_error(method, what):
    """The ValueError for a method whose every estimate depends on the whole trajectory."""
    return ValueError(
        f"{method!r} estimates each derivative from the whole trajectory (its halo is "
        f"'global'), so it cannot {what}; use a local method (FiniteDifference or "
        "SavitzkyGolay), or pass each trajectory whole"
    )


class TrajectoryStream:
    """Rows of one contiguous trajectory, given in chunks, turned into regression pairs.

    :meth:`append` yields the pairs ``(Z, Y)`` of the rows whose target is final (rows at least
    ``halo`` samples from the end seen so far); :meth:`tail` gives the pairs of the remaining
    rows as if the trajectory ended now (one-sided end estimates), without consuming them.

    Parameters
    ----------
    method : BaseDifferentiation or None
        The differentiator; None for maps (targets are the next states).
    is_map : bool
        Pair each row with the next state instead of a derivative.
    block_rows : int, optional
        Rows per yielded block (default :data:`BLOCK_ROWS`).
    """

    def __init__(self, method, *, is_map=False, block_rows=None):
        self.method = method
        self.is_map = is_map
        self.block_rows = int(BLOCK_ROWS if block_rows is None else block_rows)
        halo = 0 if method is None else method.halo
        self.halo = halo if isinstance(halo, numbers.Integral) else None  # None: global
        self.x = self.u = self.t = None
        self.step = None
        self.start = 0  # trajectory row of self.x[0]
        self.done = 0  # first trajectory row without a final pair
        self.n = 0  # rows seen

    # -- input -----------------------------------------------------------------------------
    def append(self, x, u, t, *, last=False):
        """Add rows (states ``x``, inputs ``u``, times ``t``: array or scalar step); yield pairs.

        With ``last=True`` the trajectory ends with these rows: every pair is yielded.
        """
        self._add(x, u, t)
        if self.is_map:
            yield from self._pairs_map(self.n - 1)
        elif last:
            yield from self._pairs_flow(self.n)
        elif self.halo is not None:
            h = self.halo
            if self.n >= 2 * h + 1:
                yield from self._pairs_flow(self.n - h)
        if last:
            self.done = self.n
        self._trim()

    def _add(self, x, u, t):
        if isinstance(t, numbers.Real) or t is None:
            if self.n and self.step != t:
                raise ValueError(
                    "a chunk that continues a trajectory must give t as the earlier chunks did "
                    f"(the step {self.step!r}), got {t!r}"
                )
            self.step = t
        elif self.n and self.t is None:
            raise ValueError(
                "a chunk that continues a trajectory must give t as the earlier chunks did "
                f"(the step {self.step!r}), got an array of times"
            )
        elif self.n and not t[0] > self.t[-1]:
            raise ValueError(
                f"the chunk's first time {t[0]!r} does not come after the last time "
                f"{self.t[-1]!r} of the trajectory it continues"
            )
        if self.x is None or not len(self.x):
            # Nothing buffered: use the rows as they are (no copy of a large trajectory).
            self.x, self.u = x, u
            self.t = None if self.step is not None or t is None else t
        else:
            self.x = np.concatenate([self.x, x])
            self.u = np.concatenate([self.u, u])
            if self.t is not None:
                self.t = np.concatenate([self.t, t])
        self.n += len(x)

    def _trim(self):
        """Keep only the rows that later pairs still read (a copy, so big inputs can go)."""
        if self.halo is None and not self.is_map:
            return  # a global method differentiates the whole trajectory at the end
        keep = max(0, self.done - (self.halo or 0) - 1)
        if keep > self.start:
            cut = keep - self.start
            self.x, self.u = self.x[cut:].copy(), self.u[cut:].copy()
            if self.t is not None:
                self.t = self.t[cut:].copy()
            self.start = keep

    # -- output ----------------------------------------------------------------------------
    def _rows(self, a, b):
        """States with inputs (Z) of trajectory rows a:b."""
        lo, hi = a - self.start, b - self.start
        x = self.x[lo:hi]
        return np.hstack([x, self.u[lo:hi]]) if self.u.shape[1] else x

    def _blocks(self, stop):
        """Evenly sized blocks of rows done:stop (as SufficientStatistics.from_arrays cuts)."""
        n_blocks = max(1, (stop - self.done) // self.block_rows)
        bounds = np.linspace(self.done, stop, n_blocks + 1).round().astype(int)
        return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]

    def _pairs_map(self, stop):
        for a, b in self._blocks(stop):
            yield self._rows(a, b), self.x[a + 1 - self.start : b + 1 - self.start]
        self.done = max(self.done, stop)

    def _pairs_flow(self, stop):
        """Pairs of rows done:stop (at least halo rows from the end seen, or stop == n)."""
        if self.halo is None:  # global: one derivative of the whole trajectory
            x_dot = self._derivative(self.start, self.n)[self.done - self.start :]
            for a, b in self._blocks(stop):
                yield self._rows(a, b), x_dot[a - self.done : b - self.done]
            self.done = max(self.done, stop)
            return
        h = self.halo
        for a, b in self._blocks(stop):
            # The window reads h rows either side, and at least 2h + 1 rows in all so that the
            # first rows of the trajectory get the same one-sided estimate as in one piece.
            lo = max(0, a - h)
            hi = min(self.n, max(b + h, lo + 2 * h + 1))
            yield self._rows(a, b), self._derivative(lo, hi)[a - lo : b - lo]
        self.done = max(self.done, stop)

    def _derivative(self, lo, hi):
        x = self.x[lo - self.start : hi - self.start]
        t = self.step if self.t is None else self.t[lo - self.start : hi - self.start]
        return self.method(x, t)

    def tail(self):
        """Pairs ``(Z, Y)`` of the rows not yet final, as if the trajectory ended now.

        Returns
        -------
        list of (Z, Y)
            Empty when every row is final (maps, given targets).
        """
        if self.is_map or self.done >= self.n:
            return []
        h = 0 if self.halo is None else self.halo
        lo = self.start
        if self.halo is not None:
            lo = max(lo, min(self.done - h, self.n - 2 * h - 1))
        x_dot = self._derivative(lo, self.n)[self.done - lo :]
        out = []
        for a, b in self._blocks(self.n):
            out.append((self._rows(a, b), x_dot[a - self.done : b - self.done]))
        return out

    def close(self):
        """Yield the pairs of the remaining rows: the trajectory has ended."""
        yield from self.tail()
        self.done = self.n


def regression_blocks(
    data, inputs, method, *, is_map=False, targets=None, noise_check=None, block_rows=None
):
    """Blocks ``(Z, Y)`` of the regression pairs of validated trajectories, piece by piece.

    Each contiguous piece of :meth:`Trajectories.pieces` is one :class:`TrajectoryStream`: no
    derivative is estimated, and no next state paired, across a gap in the times.

    Parameters
    ----------
    data : Trajectories
        The validated trajectories (with times, for flows).
    inputs : list of ndarray
        Control inputs per trajectory (arrays with 0 columns when there are none).
    method : BaseDifferentiation
        The differentiator (ignored for maps and given targets).
    is_map : bool
        Targets are the next states.
    targets : list of ndarray, optional
        Given targets per trajectory (no derivatives are estimated).
    noise_check : callable, optional
        ``noise_check(x, t, mean_square)`` after each piece, with the mean square of its
        derivatives per column (the default differentiator's noise warning).
    block_rows : int, optional
        Rows per block (default :data:`BLOCK_ROWS`).

    Yields
    ------
    Z : ndarray of shape (n_block, d + m)
    Y : ndarray of shape (n_block, k)
    """
    if targets is not None:
        for x, u, y in zip(data.x, inputs, targets):
            yield from row_blocks(np.hstack([x, u]) if u.shape[1] else x, y, block_rows)
        return
    pieces = data.pieces()
    split = {k for k, a, _ in pieces if a > 0}
    for k, a, b in pieces:
        stream = TrajectoryStream(None if is_map else method, is_map=is_map, block_rows=block_rows)
        t = None
        if not is_map:
            t = data.step if data.step is not None else data.t[k][a:b]
            if stream.halo is not None and not isinstance(t, float):
                t = _uniform_or_times(t)
        square = 0.0
        try:
            for Z, Y in stream.append(data.x[k][a:b], inputs[k][a:b], t, last=True):
                if noise_check is not None:
                    square = square + np.einsum("ij,ij->j", Y, Y)
                yield Z, Y
        except ValueError as err:
            if k not in split:
                raise
            raise ValueError(
                f"{data.describe_gaps(k)}; the piece of rows {a} to {b - 1} cannot be "
                f"differentiated: {err}. Rows must come in contiguous runs, in time order "
                "(in cross-validation, split with KFold without shuffle or TimeSeriesSplit)"
            ) from None
        if noise_check is not None:
            noise_check(data.x[k][a:b], t, square / (b - a))


def _uniform_or_times(t):
    """The constant step of a whole piece, if uniform, else its times.

    A local differentiator decides on each window whether its grid is uniform; deciding once
    for the whole piece gives every window the very step, hence the very derivatives, of one
    call on the piece. (Global methods get the times, as in one call.)
    """
    step = _Grid(len(t), t=t).uniform_step(UNIFORM_RTOL_FAST_PATH)
    return t if step is None else step


def row_blocks(Z, Y, block_rows=None):
    """Evenly sized blocks of rows of arrays that are already paired."""
    block_rows = BLOCK_ROWS if block_rows is None else block_rows
    n_blocks = max(1, len(Z) // block_rows)
    bounds = np.linspace(0, len(Z), n_blocks + 1).round().astype(int)
    for a, b in itertools.pairwise(bounds):
        yield Z[a:b], Y[a:b]


def theta_blocks(library, blocks, *, foreign=False):
    """Library blocks ``(Θ, Y)`` from blocks ``(Z, Y)`` (``foreign``: a PySINDy library)."""
    for Z, Y in blocks:
        if foreign:
            theta = np.asarray(library.transform(Z), dtype=np.float64)
        else:
            theta = library.transform(Z, check_input=False)
        yield theta, Y


def accumulate(blocks, name_terms):
    """SufficientStatistics of library blocks ``(Θ, Y)``, naming a term that is not finite.

    Parameters
    ----------
    blocks : iterable of (Θ, Y)
    name_terms : callable
        ``name_terms(theta, row_offset)`` raises the ValueError that names the first
        non-finite term of a block (see ``LibraryModel._check_finite_terms``).
    """
    offset = [0]

    def checked():
        for theta, y in blocks:
            if not np.isfinite(theta).all():
                name_terms(theta, offset[0])
            offset[0] += len(theta)
            yield theta, y

    return SufficientStatistics.from_blocks(checked())


def time_block_statistics(blocks, name_terms, n_groups, rows=256):
    """Statistics of about ``n_groups`` contiguous groups of rows, for a block bootstrap.

    Each library block ``(Θ, Y)`` is summarised in pieces of at most ``rows`` rows, so only
    p×p statistics of every ``rows`` rows are kept (never Θ); consecutive pieces are then added
    into ``n_groups`` groups of about equal numbers of rows (fewer when there are fewer
    pieces). ``name_terms`` is as for :func:`accumulate`.
    """
    pieces, n_rows = piece_statistics(blocks, name_terms, rows=rows)
    return group_statistics(pieces, n_rows, n_groups)


def piece_statistics(blocks, name_terms, *, rows=256, offset=0):
    """Statistics of every ``rows`` rows of library blocks ``(Θ, Y)``, with their first rows.

    Returns
    -------
    pieces : list of (int, SufficientStatistics)
        The row (counted from ``offset``) at which each piece starts, and its statistics.
    end : int
        ``offset`` plus the number of rows read.
    """
    pieces = []
    for theta, y in blocks:
        if not np.isfinite(theta).all():
            name_terms(theta, offset)
        for a in range(0, len(theta), rows):
            stats = SufficientStatistics.from_arrays(theta[a : a + rows], y[a : a + rows])
            pieces.append((offset + a, stats))
        offset += len(theta)
    return pieces, offset


def group_statistics(pieces, n_rows, n_groups):
    """Pieces of :func:`piece_statistics` added into ``n_groups`` groups of consecutive rows.

    A piece starting at row ``s`` joins group ``s * n_groups // n_rows``; empty groups are
    left out, so there are fewer groups when there are fewer pieces.
    """
    groups = {}
    for start, stats in pieces:
        g = min(n_groups - 1, start * n_groups // max(n_rows, 1))
        groups[g] = stats if g not in groups else groups[g] + stats
    return [groups[g] for g in sorted(groups)]
