"""``partial_fit`` of the library models: trajectories, or chunks of one, one call at a time.

Each call folds the rows whose regression pairs are final into the running
:class:`~sparseid.optimizers.SufficientStatistics` and refits the coefficients (O(p^3)). With
``continues=True`` a chunk continues the previous chunk's trajectory: the open
:class:`~sparseid.models._streaming.TrajectoryStream` kept its last ``2 * halo + 1`` rows, so
the derivatives across the boundary are those of the whole trajectory. The rows of the open
trajectory within ``halo`` samples of its end enter each refit provisionally, with the one-sided
estimates of a trajectory that ends there, and are replaced when the trajectory continues.
"""

from __future__ import annotations

import copy
import itertools
import numbers

import numpy as np

from .._data import validate_targets, validate_trajectories
from ..optimizers import BaseOptimizer
from ._streaming import (
    TrajectoryStream,
    accumulate,
    global_halo_error,
    group_statistics,
    piece_statistics,
    regression_blocks,
    theta_blocks,
)

__all__ = ["PartialFitMixin", "reset_partial_fit"]

# The noise check of the default differentiator runs once, on the first piece this long.
_NOISE_CHECK_ROWS = 100


class _State:
    """What ``partial_fit`` carries between calls (a private attribute of the model)."""

    def __init__(self, library, optimizer, foreign, method, noise_check, given_targets):
        self.library = library
        self.optimizer = optimizer
        self.foreign = foreign
        self.method = method
        self.noise_check = noise_check
        self.given_targets = given_targets
        self.stats = None  # statistics of the final rows
        self.open = None  # the trajectory a chunk may continue
        # An ensemble's time blocks of the final rows (see _ensemble_refit), else None.
        self.blocks = [] if hasattr(optimizer, "fit_blocks") else None


class PartialFitMixin:
    """``partial_fit`` for :class:`~sparseid.models._library_model.LibraryModel`."""

    def partial_fit(self, X, y=None, *, t=None, u=None, continues=False):
        """Fit on one more trajectory, or one more chunk of a trajectory, and refit.

        After the last call the model equals ``fit`` on all the data at once (to rounding),
        with the same trajectories in the same order: every row is folded into the
        sufficient statistics of the optimizer, and the coefficients are refitted from them
        after each call (O(p^3), independent of the number of rows seen). ``fit`` starts
        afresh and forgets what ``partial_fit`` accumulated; so does ``partial_fit`` on a model
        fitted by ``fit``, which is taken as fitted on nothing yet.

        Parameters
        ----------
        X : array-like of shape (n, d), DataFrame, or list of them
            A trajectory, a chunk of one, or several trajectories (as for ``fit``). A chunk
            may have any number of rows, fewer than the differentiation method's ``halo``
            included.
        y : array-like or list of them, optional
            Given targets, as for ``fit``; every call must then give them.
        t : float, array-like, or list of array-like, optional
            Sampling step or sample times, as for ``fit``. A chunk that continues a trajectory
            gives its times after the previous chunk's (or the same scalar step).
        u : array-like, optional
            Control inputs, when the model has them (every call then gives them).
        continues : bool, default=False
            The first trajectory of ``X`` continues the last trajectory of the previous call:
            the model kept its last ``2 * halo + 1`` samples, so the derivatives across the
            boundary are those of the whole trajectory. A differentiation method whose
            estimate is global (``SmoothingSpline``, ``TotalVariation``, ``Spectral``)
            refuses it.

        Returns
        -------
        self

        Notes
        -----
        With the default differentiator, the noise check of ``fit`` (a
        :class:`~sparseid.differentiation.NoiseWarning`) runs once, on the first piece of at
        least 100 samples. The coefficients are those of the rows seen so far: the last
        ``halo`` rows of the open trajectory enter with one-sided end estimates, replaced
        when it continues; an open trajectory still shorter than the method's stencil enters
        when it has enough rows (a ValueError when the next trajectory starts before then, as
        ``fit`` raises for a trajectory too short to differentiate). Before any row can enter,
        the model is not fitted yet. ``fit`` forgets what ``partial_fit`` accumulated.

        With an :class:`~sparseid.optimizers.EnsembleOptimizer` the rows of each call become
        time blocks of the ensemble: they are cut into the optimizer's ``n_blocks`` groups
        of consecutive rows (fewer for a call of fewer than ``256 * n_blocks`` rows: rows are
        grouped in pieces of 256), kept as statistics and added to the blocks of earlier
        calls; each call refits the whole ensemble on all blocks, with the optimizer's
        ``random_state`` (an integer seed gives the same ensemble as ``fit_blocks`` on the
        same blocks). Block boundaries follow the calls, so the ensemble differs from one
        ``fit`` on all the data, which cuts all rows into ``n_blocks`` groups; one call
        gives nearly the blocks of ``fit`` on the same data (the last ``halo`` rows of a
        trajectory, and the pieces of trajectories longer than 16,384 rows, may be cut a few
        rows apart, so that a row may sit in a neighbouring block). The rows a call holds
        back near the end of its open trajectory (``halo`` rows) enter the last block
        provisionally and become part of the next call's first block when the trajectory
        continues. The model is fitted once the ensemble has at least two blocks.

        Examples
        --------
        >>> import numpy as np
        >>> from sparseid import SINDy, datasets
        >>> X = datasets.load("lorenz")
        >>> model = SINDy()
        >>> for start in range(0, len(X), 2500):
        ...     model = model.partial_fit(X.iloc[start : start + 2500], continues=start > 0)
        >>> bool(np.allclose(model.coef_, SINDy().fit(X).coef_, atol=1e-10))
        True
        """
        if self._weak_settings() is not None:
            raise ValueError(
                "partial_fit does not build the weak form (weak_form is set): fit the model "
                "on all the data with fit, or stream a pointwise model (weak_form=False)"
            )
        state = getattr(self, "_stream", None)
        first = state is None
        method = None if first else state.method
        if continues and method is not None and not isinstance(method.halo, numbers.Integral):
            raise global_halo_error(method, "continue a trajectory (continues=True)")
        if continues and (first or state.open is None):
            raise ValueError(
                "partial_fit(..., continues=True) needs an earlier call whose trajectory it "
                "continues, but "
                + ("this is the first call" if first else "there is no open trajectory")
            )
        y = self._resolve_targets(X, y, None, method="partial_fit")
        data = validate_trajectories(
            X,
            t,
            estimator=self,
            reset=first,
            min_samples=1,
            expected_names=None if first else self._given_feature_names(),
        )
        inputs = self._validate_inputs(u, data, fitting=first)
        if first:
            self.variable_names_ = list(data.names)
            self.time_step_ = data.step
            self._fitted_on_frame = data.from_frame
            state = self._start_partial_fit(data, inputs, y)
        elif (y is not None) != state.given_targets:
            raise ValueError(
                "partial_fit: "
                + ("y was given" if y is not None else "y was not given")
                + " in this call but "
                + ("was" if state.given_targets else "was not")
                + " in the first call; give targets in every call or in none"
            )
        left_open = []
        blocks = self._partial_blocks(state, data, inputs, y, continues, left_open)
        theta = theta_blocks(state.library, blocks, foreign=state.foreign)
        ensemble = state.blocks is not None
        new = self._pieces(theta, state) if ensemble else self._statistics(theta, state)
        # Commit only once every row of this call has been read without error.
        earlier = state.blocks
        if ensemble:
            state.blocks = earlier + group_statistics(*new, state.optimizer.n_blocks)
        else:
            state.stats = _add(state.stats, new)
        state.open = open_stream = left_open[0]
        self._stream = state
        self._update_range(data, first)
        tail = []
        if open_stream is not None and open_stream.n >= 2 * (open_stream.halo or 0) + 1:
            tail = open_stream.tail()
        tail = theta_blocks(state.library, tail, foreign=state.foreign)
        if ensemble:
            self._ensemble_refit(state, earlier, new, tail)
            return self
        tail = self._statistics(tail, state)
        total = _add(state.stats, tail)
        if total is not None:
            optimizer = state.optimizer
            optimizer._fit_model_statistics(total, y_1d=len(self.target_names_) == 1, partial=True)
            self._set_fitted(state.library, optimizer, len(self.target_names_))
        return self

    def _start_partial_fit(self, data, inputs, y):
        for name in ("coef_", "feature_library_", "optimizer_", "coef_stderr_", "feature_names_"):
            self.__dict__.pop(name, None)
        # Nothing is searched in a streamed fit (the library's constants are given).
        self.surface_search_ = None
        self.nonlinear_parameters_ = {}
        if y is None:
            self._targets_1d = False
            self.target_names_ = self._derivative_names()
        else:
            targets, self._targets_1d = validate_targets(y, data)
            self.target_names_ = self._given_target_names(y, targets[0].shape[1])
        from ._library_model import _is_foreign

        library = self._make_library()
        foreign = _is_foreign(library)
        x0, u0 = data.x[0][:1], inputs[0][:1]
        library.fit(np.hstack([x0, u0]) if u0.shape[1] else x0)
        optimizer = self._make_optimizer()
        if not isinstance(optimizer, BaseOptimizer):
            raise TypeError(
                f"partial_fit needs one of sparseid's optimizers (which fold rows into "
                f"sufficient statistics); {type(optimizer).__name__} can only be fitted on the "
                "whole library matrix: use fit"
            )
        method, noise_check = None, None
        if y is None and not self._is_map:
            method, noise_check = self._resolved_differentiation(data)
        return _State(library, optimizer, foreign, method, noise_check, y is not None)

    def _partial_blocks(self, state, data, inputs, y, continues, left_open):
        """Yield the final blocks (Z, Y) of this call; append the stream left open after it."""
        if y is not None:
            targets, _ = validate_targets(y, data)
            yield from regression_blocks(data, inputs, None, targets=targets)
            left_open.append(None)
            return
        if not self._is_map:
            data.require_time("differentiate X")
        # A copy: an error half-way leaves the model as it was before the call.
        open_stream = copy.deepcopy(state.open)
        for i, (k, a, b) in enumerate(data.pieces()):
            t = None if self._is_map else (data.step if data.step is not None else data.t[k][a:b])
            new = not (continues and i == 0)
            if not new and not isinstance(t, numbers.Real | type(None)):
                new = _gap_before(open_stream, t)
            if new:
                if open_stream is not None:
                    yield from _close(open_stream)
                open_stream = TrajectoryStream(state.method, is_map=self._is_map)
            x, u = data.x[k][a:b], inputs[k][a:b]
            whole = open_stream.halo is None and not self._is_map
            square, rows = 0.0, 0
            for Z, Y in open_stream.append(x, u, t, last=whole):
                if state.noise_check is not None:
                    square, rows = square + np.einsum("ij,ij->j", Y, Y), rows + len(Y)
                yield Z, Y
            if whole:
                open_stream = None  # a global method cannot continue a trajectory
            if state.noise_check is not None and b - a >= _NOISE_CHECK_ROWS and rows:
                state.noise_check(x, t, square / rows)
                state.noise_check = None
        left_open.append(open_stream)

    def _statistics(self, blocks, state):
        """SufficientStatistics of library blocks (Θ, Y), or None when there are no rows."""
        blocks = (b for b in blocks if len(b[0]))
        first = next(blocks, None)
        if first is None:
            return None
        return accumulate(
            itertools.chain([first], blocks),
            lambda theta, row: self._check_finite_terms(state.library, theta, row),
        )

    def _pieces(self, blocks, state, offset=0):
        """Statistics of every 256 rows of library blocks, with their first rows (ensembles)."""
        return piece_statistics(
            blocks,
            lambda theta, row: self._check_finite_terms(state.library, theta, row),
            offset=offset,
        )

    def _ensemble_refit(self, state, earlier, new, tail):
        """Refit the ensemble on the blocks of earlier calls and this call's rows and tail.

        This call's rows, with the provisional tail after them, are grouped as ``fit`` groups
        the rows of one call, so that one call gives (nearly) the blocks of ``fit``.
        """
        pieces, n_final = new
        tail_pieces, n_rows = self._pieces(tail, state, offset=n_final)
        if pieces:  # the tail continues the last piece: it joins that piece's group
            tail_pieces = [(pieces[-1][0], stats) for _, stats in tail_pieces]
        optimizer = state.optimizer
        blocks = earlier + group_statistics(pieces + tail_pieces, n_rows, optimizer.n_blocks)
        if len(blocks) >= 2:
            optimizer.fit_blocks(blocks)
            self._set_fitted(state.library, optimizer, len(self.target_names_))

    def _update_range(self, data, first):
        low = np.array([min(x[:, j].min() for x in data.x) for j in range(data.n_features)])
        high = np.array([max(x[:, j].max() for x in data.x) for j in range(data.n_features)])
        if not first:
            low = np.minimum(low, self.training_range_[0])
            high = np.maximum(high, self.training_range_[1])
        self.training_range_ = np.array([low, high])


def reset_partial_fit(model):
    """Forget what ``partial_fit`` accumulated: the next call starts afresh."""
    model.__dict__.pop("_stream", None)


def _close(stream):
    """The remaining pairs of a trajectory that has ended (its too-short error, explained)."""
    try:
        return list(stream.close())
    except ValueError as err:
        raise ValueError(
            f"the trajectory that partial_fit had open ended after {stream.n} sample(s), too "
            f"few to differentiate: {err}"
        ) from None


def _gap_before(stream, t):
    """Whether the first time of a continuing chunk follows a gap after the stream's rows."""
    from .._time import find_gaps

    if stream.t is None or not len(stream.t):
        return False
    joined = np.concatenate([stream.t[-6:], t[:6]])
    return bool(np.any(find_gaps(joined) == min(6, len(stream.t))))


def _add(a, b):
    if a is None:
        return b
    return a if b is None else a + b
