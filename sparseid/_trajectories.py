"""The validated form of user data: :class:`Trajectories`.

What :func:`sparseid._data.validate_trajectories` hands downstream: for each trajectory the
float64 states ``x`` (n, d) and, when known, the sample times ``t`` (n,), plus the variable
names, the original DataFrame index, and the contiguous pieces between gaps in the times; and
the rule :func:`one_per_trajectory` by which ``t`` and ``y`` lists belong to the trajectories.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._time import _TIME_HINT, GAP_FACTOR, find_gaps

__all__ = ["StepTimes", "Trajectories", "one_per_trajectory"]


class StepTimes(Sequence):
    """The times ``step * arange(n_k)`` of each trajectory, made when one is asked for.

    What :attr:`Trajectories.t` holds when ``t`` was a scalar step: a sequence like a list of
    arrays, without keeping an array of ``n`` times per trajectory in memory.

    Examples
    --------
    >>> StepTimes(0.5, [3, 2])[0]
    array([0. , 0.5, 1. ])
    >>> StepTimes([0.5, 0.25], [3, 2])[1]
    array([0.  , 0.25])
    """

    def __init__(self, step, lengths):
        self.lengths = list(lengths)
        # One step for all trajectories, or one per trajectory.
        steps = np.broadcast_to(np.asarray(step, dtype=np.float64), (len(self.lengths),))
        self.steps = [float(s) for s in steps]
        self.step = self.steps[0] if self.steps else float(np.asarray(step).ravel()[0])

    def __len__(self):
        return len(self.lengths)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        return self.steps[k] * np.arange(self.lengths[k], dtype=np.float64)


@dataclass(frozen=True)
class Trajectories:
    """Validated trajectories: float64 states, optional times and the variable names.

    Attributes
    ----------
    x : list of ndarray of shape (n_i, n_features)
        The states of each trajectory.
    t : list of ndarray of shape (n_i,), StepTimes, or None
        The strictly increasing sample times of each trajectory (a :class:`StepTimes`, which
        makes them when asked for, when ``t`` was a scalar step), or None when neither ``t``
        nor a time index was given.
    names : list of str
        The variable names (DataFrame columns, or ``x0, x1, ...``).
    index : list of pandas.Index or None
        The original index of each DataFrame trajectory, so results can be handed back with it.
    from_frame : bool
        True when the input was a DataFrame (or a list of them).
    step : float or None
        The scalar sampling step when ``t`` was given as one.
    time_note : str or None
        Why a DataFrame's index was not taken as time (an integer index, for example), for the
        message of :meth:`require_time`.
    name : str
        How the data are named in error messages (``"X"``, ``"validation_data"``).
    listed : bool
        Whether ``X`` was given as a list (or tuple) of trajectories, even of one; then a
        one-entry list of times or targets belongs to that one trajectory.
    """

    x: list
    t: list | None
    names: list
    index: list | None = None
    from_frame: bool = False
    step: float | None = None
    time_note: str | None = None
    name: str = "X"
    listed: bool = False

    @property
    def n_trajectories(self):
        return len(self.x)

    @property
    def n_features(self):
        return self.x[0].shape[1]

    @property
    def n_samples(self):
        return sum(len(x) for x in self.x)

    def stacked(self):
        """All states stacked along axis 0, shape (sum n_i, n_features)."""
        return self.x[0] if len(self.x) == 1 else np.concatenate(self.x, axis=0)

    def require_time(self, purpose="differentiate X", advice=None):
        """Raise a ValueError explaining how to pass time when no time is known.

        Parameters
        ----------
        purpose : str
            What the time is needed for, as in "time is needed to {purpose}".
        advice : str, optional
            A further sentence for the message.
        """
        if self.t is None:
            hint = self.time_note or _TIME_HINT
            extra = f". {advice}" if advice else ""
            raise ValueError(f"time is needed to {purpose} but none was given: {hint}{extra}.")
        return self.t

    def pieces(self):
        """The contiguous runs of rows of every trajectory, split where the times have a gap.

        Rows either side of a gap (see :func:`find_gaps`) are not contiguous samples: they must
        not be differentiated or paired across it. Without times, or with a scalar step, every
        trajectory is one piece.

        Returns
        -------
        list of tuple (k, start, stop)
            Rows ``start:stop`` of trajectory ``k``, in order.
        """
        out = []
        for k, x in enumerate(self.x):
            cuts = [] if self.t is None or self.step is not None else find_gaps(self.t[k])
            bounds = [0, *cuts, len(x)]
            out.extend((k, a, b) for a, b in itertools.pairwise(bounds))
        return out

    def describe_gaps(self, k):
        """A sentence saying where trajectory ``k`` has gaps (for error messages)."""
        t = self.t[k]
        cuts = find_gaps(t)
        label = _where(self.name, k, self.n_trajectories)
        i = int(cuts[0])
        count = "a gap" if len(cuts) == 1 else f"{len(cuts)} gaps"
        return (
            f"{label} has {count} in its times (the first: t[{i}] - t[{i - 1}] = "
            f"{float(t[i] - t[i - 1]):.6g} is more than {GAP_FACTOR:g} times the steps around "
            "it), and the rows either side of a gap are taken as separate pieces"
        )

    def split(self, stacked):
        """Split an array stacked along axis 0 back into one piece per trajectory."""
        bounds = np.cumsum([len(x) for x in self.x])[:-1]
        return np.split(stacked, bounds, axis=0)


def _where(name, k, n_traj):
    return f"{name}[{k}]" if n_traj > 1 else name


def one_per_trajectory(value, n_traj, listed, first_length):
    """Whether a list or tuple ``value`` (``t`` or ``y``) holds one entry per trajectory.

    With several trajectories, always. With one, only when ``X`` itself was a list of
    trajectories (``listed``): ``fit([x], t=[t])`` then reads as ``fit(x, t=t)``, as
    ``fit([x1, x2], t=[t1, t2])`` reads one entry per trajectory, and a list of several arrays
    is a count that does not match (an error). A list of numbers stays the one trajectory's
    times (or targets), except a one-number list for a trajectory of several rows, which is
    its step (``fit([x], t=[0.01])``). For a single array ``X`` a list is always its times.

    Parameters
    ----------
    value : object
        What was passed as ``t`` or ``y``.
    n_traj : int
        Number of trajectories of ``X``.
    listed : bool
        Whether ``X`` was a list or tuple of arrays or DataFrames.
    first_length : int
        Number of rows of the first trajectory.

    Returns
    -------
    bool
    """
    if not isinstance(value, list | tuple):
        return False
    if n_traj > 1:
        return True
    if not listed:
        return False
    if all(isinstance(v, numbers.Number) for v in value):
        return len(value) == 1 and first_length != 1
    # Arrays, one per trajectory (a wrong count is then an error that names the counts).
    return len(value) == 1 or all(hasattr(v, "shape") for v in value)


def _is_listed(X):
    return isinstance(X, list | tuple) and all(isinstance(x, np.ndarray | pd.DataFrame) for x in X)
