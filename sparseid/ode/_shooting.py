"""Multiple shooting and a horizon curriculum for training a neural ODE on long trajectories.

Multiple shooting [1]_ [2]_ cuts every training trajectory into consecutive segments of
``horizon`` sample intervals that share their end samples. Segment k is integrated from its
own initial state s_k, either the data sample at its start (``states="data"``) or a free
parameter trained with the network (``states="free"``, started at the data). The loss is the
mismatch with the data on each segment (for free states including s_k against its own sample)
plus a continuity penalty μ · mean ‖x̂_k(end) − s_{k+1}‖² that ties each segment's end to the
next one's start; raising μ during training (:func:`continuity_weight`) closes the gaps, so the
segments join into one trajectory of the model. With data states the gap is the residual of the
segment's last sample, so the penalty puts a growing weight on the longest-horizon prediction
(the loss curve then rises with μ late in training). Gradients with respect to the network and
to the free states come from either gradient method (both give ∂L/∂s_k).

:class:`HorizonCurriculum` starts with short segments and lengthens them as the loss stops
falling, so training neither stalls on long, chaotic horizons nor only learns one step.

References
----------
.. [1] H. G. Bock and K. J. Plitt, "A multiple shooting algorithm for direct solution of
   optimal control problems", IFAC Proceedings 17 (1984).
.. [2] E. M. Turan and J. Jäschke, "Multiple shooting for training neural differential
   equations on time series", IEEE Control Systems Letters 6 (2022).
"""

import numpy as np

from ._loss import backward_segments, forward_segments, loss_residual_grad

__all__ = ["SHOOTING", "HorizonCurriculum", "MultipleShooting", "continuity_weight"]

SHOOTING = (None, "data", "free")

#: The continuity weight grows by this factor over the whole training budget.
CONTINUITY_GROWTH = 1e3


def continuity_weight(initial, fraction):
    """μ at a used fraction of the budget: ``initial · 1000**fraction`` (geometric growth).

    Examples
    --------
    >>> from sparseid.ode import continuity_weight
    >>> continuity_weight(1.0, 0.0), continuity_weight(1.0, 1.0)
    (1.0, 1000.0)
    """
    return float(initial) * CONTINUITY_GROWTH ** float(fraction)


class MultipleShooting:
    """Consecutive segments tiling trajectories, and their multiple-shooting loss.

    Parameters
    ----------
    xs, ts : list of ndarray
        Training trajectories (n_i, d) and their times (n_i,).
    states : {"data", "free"}, default="data"
        Where each segment starts: at its data sample, or at a free state (the caller keeps
        the free states in an (n, d) array aligned with the stacked samples, see
        :attr:`X`, and passes it to :meth:`loss`).

    Attributes
    ----------
    X, T : ndarray
        The stacked samples and times.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import MLP, MultipleShooting
    >>> t = np.linspace(0, 2, 41)
    >>> ms = MultipleShooting([np.c_[np.cos(t), np.sin(t)]], [t], states="free")
    >>> ms.tiling(10).tolist()  # segment starts: 4 segments of 10 intervals
    [0, 10, 20, 30]
    >>> mlp = MLP((2, 8, 2))
    >>> field = mlp.bind(mlp.init_params(np.random.default_rng(0)))
    >>> value, grad, s_grad, n_eval = ms.loss(field, ms.tiling(10), 10, ms.X.copy(), 1.0)
    >>> grad.shape, s_grad.shape
    ((42,), (41, 2))
    """

    def __init__(self, xs, ts, states="data"):
        if states not in ("data", "free"):
            raise ValueError(f"MultipleShooting: states={states!r} must be 'data' or 'free'")
        self.states = states
        self.X = np.concatenate(xs)
        self.T = np.concatenate(ts)
        self.lengths = [len(x) for x in xs]
        self.offsets = np.cumsum([0, *self.lengths[:-1]])
        dts = np.concatenate([np.diff(t) for t in ts])
        self.uniform = bool(np.all(np.abs(dts - dts[0]) <= 1e-9 * abs(dts[0])))
        self._tilings = {}

    def tiling(self, horizon):
        """Starts of consecutive segments of ``horizon`` intervals (a short tail is left out)."""
        h = int(horizon)
        if h not in self._tilings:
            starts = [off + np.arange(0, n - h, h) for off, n in zip(self.offsets, self.lengths)]
            starts = np.concatenate(starts).astype(int)
            if not starts.size:
                raise ValueError(
                    f"MultipleShooting: a horizon of {h} intervals needs a trajectory with at "
                    f"least {h + 1} samples; the longest has {max(self.lengths)}."
                )
            # segment k continues into k + 1 when the next start is its end sample
            has_next = np.r_[starts[1:] == starts[:-1] + h, False]
            self._tilings[h] = (starts, has_next)
        return self._tilings[h][0]

    def sample(self, rng, horizon, batch_size):
        """A random batch of distinct segments of the tiling (all when it is small)."""
        starts = self.tiling(horizon)
        if batch_size >= len(starts):
            return starts
        return np.sort(starts[rng.choice(len(starts), size=int(batch_size), replace=False)])

    def loss(
        self,
        field,
        starts,
        horizon,
        S,
        weight,
        *,
        solver="dopri5",
        gradient="backprop",
        loss="l1",
        rtol=1e-3,
        atol=1e-6,
        n_substeps=1,
        max_steps=100_000,
        need_grad=True,
        adjoint="auto",
    ):
        """The multiple-shooting loss of the segments at ``starts`` and its gradients.

        Parameters
        ----------
        field : BoundMLP or LinearPartField
        starts : ndarray of int
            Segment starts from :meth:`tiling` (or :meth:`sample`) of the same ``horizon``.
        horizon : int
        S : ndarray of shape (n, d)
            The segments' initial states by sample (the free states; with ``states="data"``
            pass :attr:`X`).
        weight : float
            The continuity weight μ.
        solver, gradient, loss, rtol, atol, n_substeps, max_steps, need_grad, adjoint
            As for :func:`~sparseid.ode.segment_loss`.

        Returns
        -------
        value : float
            Data loss plus μ times the mean squared continuity gap.
        grad : ndarray of shape (n_params,) or None
        S_grad : ndarray of shape (n, d) or None
            ∂value/∂S (free states and ``need_grad`` only).
        n_eval : int
        """
        h = int(horizon)
        self.tiling(h)
        all_starts, all_next = self._tilings[h]
        has_next = all_next[np.searchsorted(all_starts, starts)]
        steps = np.arange(1, h + 1)
        idx = starts[None, :] + steps[:, None]
        targets = self.X[idx]
        t_rel = self.T[starts[0] + steps] - self.T[starts[0]]
        if not self.uniform:
            t_rel = (self.T[idx] - self.T[starts]).T
        free = self.states == "free"
        y0 = S[starts] if free else self.X[starts]
        Y, rec, n_eval = forward_segments(
            field,
            y0,
            t_rel,
            solver,
            gradient,
            need_grad,
            rtol,
            atol,
            n_substeps,
            max_steps,
            adjoint,
        )
        residual = Y - targets
        if free:  # a free state is also compared with its own sample
            residual = np.concatenate([(y0 - self.X[starts])[None], residual])
        value, Rbar = loss_residual_grad(residual, loss)
        Ybar = Rbar[1:] if free else Rbar
        ends = starts[has_next] + h
        gap = Y[-1, has_next] - (S[ends] if free else self.X[ends])
        n_gap = max(gap.size, 1)
        value += weight * float(np.dot(gap.ravel(), gap.ravel())) / n_gap
        if not need_grad:
            return value, None, None, n_eval
        gap_bar = gap * (2.0 * weight / n_gap)
        Ybar[-1, has_next] += gap_bar
        grad, n_back, y0_bar = backward_segments(
            field, Y, rec, Ybar, t_rel, gradient, rtol, atol, max_steps, free
        )
        S_grad = None
        if free:
            S_grad = np.zeros_like(S)
            S_grad[starts] += Rbar[0] + y0_bar
            np.subtract.at(S_grad, ends, gap_bar)
        return value, grad, S_grad, n_eval + n_back

    def max_gap(self, field, horizon, S, **options):
        """Largest continuity gap |x̂_k(end) − s_{k+1}| over the whole tiling (no gradient)."""
        h = int(horizon)
        starts = self.tiling(h)
        has_next = self._tilings[h][1]
        if not has_next.any():
            return 0.0
        steps = np.arange(1, h + 1)
        t_rel = self.T[starts[0] + steps] - self.T[starts[0]]
        if not self.uniform:
            t_rel = (self.T[starts[None, :] + steps[:, None]] - self.T[starts]).T
        Y, _, _ = forward_segments(
            field,
            S[starts],
            t_rel,
            options.get("solver", "dopri5"),
            "backprop",
            False,
            options.get("rtol", 1e-3),
            options.get("atol", 1e-6),
            options.get("n_substeps", 1),
            options.get("max_steps", 100_000),
            "backsolve",
        )
        return float(np.abs(Y[-1, has_next] - S[starts[has_next] + h]).max())


class HorizonCurriculum:
    """Segment lengths that double from short to ``segment_length`` as the loss stops falling.

    The schedule: the horizons are ``ceil(segment_length / 2**j)`` for j = ``n_stages`` − 1,
    …, 1, 0 (duplicates and horizons below 2 removed), shortest first. Every ``window``
    iterations the mean training loss of the last ``window`` iterations is compared with the
    one before; when it fell by less than ``tol`` (relative) the loss has levelled off at this
    horizon and the next, twice longer one starts. A stage also ends when the budget fraction
    reaches its share: stage i of the S shorter stages ends at the latest at fraction
    (i + 1) / (2 S), so the short horizons together use at most half of the budget and the
    full horizon at least the other half. Disabled (``n_stages=1``), the horizon is always
    ``segment_length``.

    Parameters
    ----------
    segment_length : int
    n_stages : int, default=4
    window : int, default=25
    tol : float, default=0.02

    Examples
    --------
    >>> from sparseid.ode import HorizonCurriculum
    >>> curriculum = HorizonCurriculum(40)
    >>> curriculum.horizons
    [5, 10, 20, 40]
    >>> curriculum.update(1.0, fraction=0.2)  # past the first stage's share of 1/6
    10
    """

    def __init__(self, segment_length, n_stages=4, window=25, tol=0.02):
        L = int(segment_length)
        horizons = sorted({max(2, -(-L // 2**j)) for j in range(int(n_stages))} | {L})
        self.horizons = [h for h in horizons if h <= L]
        self.stage = 0
        self.window = int(window)
        self.tol = float(tol)
        self._losses = []
        self._previous = None

    @property
    def horizon(self):
        """The current segment length."""
        return self.horizons[self.stage]

    @property
    def final(self):
        """Whether the full horizon is reached."""
        return self.stage == len(self.horizons) - 1

    def update(self, loss, fraction):
        """Record an iteration's training loss; returns the horizon for the next iteration."""
        if self.final:
            return self.horizon
        n_short = len(self.horizons) - 1
        advance = fraction >= (self.stage + 1) / (2 * n_short)
        self._losses.append(float(loss))
        if len(self._losses) == self.window:
            mean = float(np.mean(self._losses))
            self._losses = []
            if self._previous is not None and mean > (1.0 - self.tol) * self._previous:
                advance = True
            self._previous = mean
        if advance:
            self.stage += 1
            self._losses = []
            self._previous = None
        return self.horizon
