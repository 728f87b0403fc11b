"""The result of :meth:`sparseid.switched.SwitchedSystem.simulate`: :class:`SwitchedTrajectory`.

The states at the output times, and the events on the way: transversal crossings of the
switching surfaces and sliding intervals along them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["SwitchedTrajectory"]


@dataclass
class SwitchedTrajectory:
    """The result of :meth:`SwitchedSystem.simulate`.

    Attributes
    ----------
    t : ndarray of shape (n,)
        The requested output times.
    x : ndarray of shape (n, d)
        The states at ``t``.
    crossings : list of tuple
        One ``(t, x, surface, from_region, to_region)`` per transversal crossing, in time
        order; regions are tuples of signs (+1 where ``h_i >= 0``, -1 where ``h_i < 0``).
    sliding : list of tuple
        One ``(t_start, t_end, surface)`` per sliding interval; a slide still under way at the
        final time ends there.
    names : tuple of str or None
        Variable names, used as the columns of :meth:`to_frame`.

    Examples
    --------
    >>> from sparseid.switched import SwitchedSystem
    >>> relay = SwitchedSystem(lambda t, x, s: -s[0] * 1.0, lambda x: x, n_surfaces=1)
    >>> trajectory = relay.simulate([1.0], [0.0, 0.5, 2.0])
    >>> trajectory.x[:, 0].round(12).tolist()
    [1.0, 0.5, 0.0]
    >>> [(round(t0, 12), t1, surface) for t0, t1, surface in trajectory.sliding]
    [(1.0, 2.0, 0)]
    """

    t: np.ndarray
    x: np.ndarray
    crossings: list = field(default_factory=list)
    sliding: list = field(default_factory=list)
    names: tuple | None = None

    def to_frame(self, names=None):
        """The states as a DataFrame indexed by time ``t`` (columns ``names`` or x0, x1, ...)."""
        names = self.names if names is None else names
        names = [f"x{j}" for j in range(self.x.shape[1])] if names is None else list(names)
        return pd.DataFrame(self.x, index=pd.Index(self.t, name="t"), columns=names)

    def events_frame(self):
        """Crossings and sliding intervals as one tidy DataFrame, one row per event."""
        rows = [
            {"kind": "crossing", "t": tc, "t_end": tc, "surface": i, "from": a, "to": b}
            for tc, _, i, a, b in self.crossings
        ] + [
            {"kind": "sliding", "t": t0, "t_end": t1, "surface": i, "from": None, "to": None}
            for t0, t1, i in self.sliding
        ]
        columns = ["kind", "t", "t_end", "surface", "from", "to"]
        return pd.DataFrame(rows, columns=columns).sort_values("t", ignore_index=True)
