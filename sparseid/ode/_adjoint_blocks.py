"""Network activations of a block of observation intervals for the interpolated adjoint.

See :func:`~sparseid.ode.interpolated_adjoint_gradient`: before the backward sweep reaches a
block of intervals, the network's activations (and their derivatives) at the stage points of
every whole-interval step are computed in one batched pass; the parameter integral of the
block is formed from them at its end. With step matrices (:mod:`._adjoint_maps`) the block
also holds the Jacobians at its points and builds the matrices of a chunk of intervals at a
time.
"""

import numpy as np

from ._adjoint_maps import apply_maps, step_maps
from ._workspace import flat_buffer

__all__ = ["Block"]

#: Entries (d² × intervals × batch) of one stage's matrices built at once (64 kB in float64).
CHUNK_ENTRIES = 8192


class Block:
    """Network activations at the whole-interval stage points of intervals ``lo..hi``.

    Point ``s - lo`` is the observation point s (s = lo..hi+1, z exactly the solve's output);
    then come the interior stage points of each interval. ``factors`` are the activations'
    derivatives (what a vector–Jacobian product needs), ``VT`` collects, per point, the weighted
    adjoint values of the parameter integral and ``P`` holds -ȳᵀ ∂f/∂z at the observation
    points, ȳ being the jump of the adjoint there.
    """

    def __init__(self, field, lo, hi, z_at_obs, interior_states, ybar_at_obs, maps=None):
        self.lo, self.hi = lo, hi
        self.n_int = interior_states.shape[0] // (hi - lo + 1)
        # reused buffers: fresh arrays of this size cost page faults in some processes
        workspace = getattr(field, "workspace", None)
        n_obs, (batch, d) = hi - lo + 2, interior_states.shape[1:]
        shape = (n_obs + len(interior_states), batch, d)
        Z = flat_buffer(workspace, "adjoint Z", shape, interior_states.dtype)
        np.stack([z_at_obs(s) for s in range(lo, hi + 2)], out=Z[:n_obs])
        Z[n_obs:] = interior_states
        self.batch = batch
        self.n_points = len(Z)
        self.cache = field.hidden(Z.reshape(-1, d), reuse=True)
        self.factors = field.vjp_factors(self.cache, reuse=True)
        # (d, points, batch): the layout of the step matrices and of weighted_param_grad
        self.VT = flat_buffer(workspace, "adjoint VT", (d, *Z.shape[:2]), Z.dtype)
        self.VT[...] = 0.0
        self.handles = [None] * self.n_points
        self.maps = maps is not None
        if self.maps:
            self._build_maps(field, d, *maps)
            return
        # the jumps at all observation points of the block in one product
        n_obs = (hi - lo + 2) * self.batch
        Ybar = np.stack([ybar_at_obs(s) for s in range(lo, hi + 2)]).reshape(n_obs, d)
        self.P = -field.vjp_with([f[:n_obs] for f in self.factors], Ybar).reshape(-1, self.batch, d)

    def _build_maps(self, field, d, tab, slots, scales, weights):
        """The step matrices of every interval's whole step (:mod:`._adjoint_maps`)."""
        n_j, batch = self.hi - self.lo + 1, self.batch
        JT = field.input_jacobians(self.factors, reuse=True)
        self.JT = JT.reshape(d, d, self.n_points, batch)
        self.points = np.array([self.stage_points(j, slots) for j in range(self.lo, self.hi + 1)])
        self.tab, self.weights, self.scales = tab, weights, scales
        self.keep = [i for i, _ in weights]
        self.A0 = np.empty((n_j, d, batch), self.VT.dtype)  # a at the top of each interval
        self.fast = np.zeros(n_j, dtype=bool)  # intervals done by their step matrices
        # the matrices are built for a chunk of intervals at a time, just before the sweep
        # reaches it: arrays of a few thousand columns stay in cache and below the size at
        # which fresh arrays cost page faults (measured: 3-4 times faster per column than
        # the whole block of 27 intervals × 200 rows at once)
        self.per_chunk = max(1, CHUNK_ENTRIES // (d * d * batch))
        self.chunk = None

    def step_matrix(self, j):
        """Interval j's step matrix (2 d, d, batch), building its chunk's when needed."""
        if self.chunk is None or j < self.chunk[0]:
            self.finish_chunk()
            lo = max(self.lo, j - self.per_chunk + 1)
            rows = slice(lo - self.lo, j + 1 - self.lo)
            d, batch = self.JT.shape[0], self.batch
            JT = [self.JT[:, :, p].reshape(d, d, -1) for p in self.points[rows].T]
            step, R = step_maps(self.tab, JT, self.scales[rows].ravel(), -1.0, self.keep)
            R = {i: None if Ri is None else Ri.reshape(d, d, -1, batch) for i, Ri in R.items()}
            self.chunk = lo, j, step.reshape(2 * d, d, -1, batch), R
        lo, _, step, _ = self.chunk
        return step[:, :, j - lo]

    def whole_steps(self, j, a, YbarT, rtol, atol):
        """Whole-interval steps from interval j to the end of its chunk, assumed accepted.

        The adjoint's values do not depend on the error control as long as every step is a
        whole interval, so they are computed first (one matrix–vector product per interval)
        and the error norms of all of them afterwards, in one batched pass; the caller
        replays the step-size control on the norms and keeps the accepted prefix.

        Returns the error ratios and the new values (before the jumps) of intervals
        j, j - 1, …, in that order; ``A0`` holds the values at their tops.
        """
        self.step_matrix(j)
        lo, _, step, _ = self.chunk
        d, k = len(a), j + 1 - lo
        Y1 = np.empty((k, d, self.batch), a.dtype)
        for r in range(k):
            jj = j - r
            self.A0[jj - self.lo] = a
            apply_maps(step[:d, :, jj - lo], a, out=Y1[r])
            a = Y1[r] + YbarT[jj - 1] if jj > 0 else Y1[r]
        A0 = self.A0[lo - self.lo : j + 1 - self.lo][::-1].swapaxes(0, 1)
        err = apply_maps(step[d:, :, k - 1 :: -1], A0)
        scale = np.maximum(np.abs(A0), np.abs(Y1.swapaxes(0, 1)))
        scale *= rtol
        scale += atol
        err /= scale
        ratios = np.sqrt(np.einsum("ikn,ikn->k", err, err) / (d * self.batch))
        return ratios, Y1

    def finish_chunk(self):
        """Add the stage values a_i = R_i a_0 of the chunk's matrix-stepped intervals to VT."""
        if self.chunk is None:
            return
        lo, hi, _, R = self.chunk
        self.chunk = None
        sel = np.flatnonzero(self.fast[lo - self.lo : hi + 1 - self.lo])
        if not len(sel):
            return
        whole = len(sel) == hi + 1 - lo  # usually: slices instead of gathers
        if whole:
            sel = slice(None)
        rows = slice(lo - self.lo, hi + 1 - self.lo) if whole else lo - self.lo + sel
        A0 = self.A0[rows].swapaxes(0, 1)
        for i, b_i in self.weights:
            scale = self.scales[rows] * -b_i
            if R[i] is None:
                a = A0 * scale
            else:
                a = apply_maps(R[i][:, :, sel], A0)
                a *= scale
            points = self.points[rows, i]
            if whole and len(points) > 1:  # an arithmetic progression (stage_points)
                points = slice(points[0], points[-1] + 1, points[1] - points[0])
            self.VT[:, points] += a

    def stage_points(self, j, slots):
        """Indices of the points of the stages of interval j's whole step."""
        n_obs = self.hi - self.lo + 2
        return [
            j + 1 - self.lo
            if slot == 0
            else j - self.lo
            if slot == 1
            else n_obs + (j - self.lo) * self.n_int + slot - 2
            for slot in slots
        ]

    def handle(self, p):
        if self.handles[p] is None:
            rows = slice(p * self.batch, (p + 1) * self.batch)
            self.handles[p] = [f[rows] for f in self.factors], self.VT[:, p].T, None
        return self.handles[p]

    def stage_handles(self, j, slots):
        """Handles of the stages of interval j's whole step, from their slots."""
        return [self.handle(p) for p in self.stage_points(j, slots)]

    def flush(self, field, g):
        """Add the block's share of the parameter integral to ``g``."""
        if self.maps:
            self.finish_chunk()
        VT = self.VT.reshape(len(self.VT), -1)
        if hasattr(field, "weighted_param_grad"):
            field.weighted_param_grad(self.cache, self.factors, VT, g)
            return
        V = VT.T
        deltas = field.vjp(self.cache, V, need_input=False, reuse=True)[1]
        field.param_grad([self.cache], [deltas], out=g)
