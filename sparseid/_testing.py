"""Measurement helpers shared by sparseid's test suite and its benchmarks; not part of the API.

:func:`client_bytes` counts what a Dask client receives, so that ``tests/test_dask.py`` can
check that a distributed fit sends only statistics back and ``benchmarks/bench_scale.py`` can
report how many bytes it did. It lives in the package (as scikit-learn's
``sklearn.utils._testing`` does) because the benchmarks are scripts run from anywhere, which
import ``sparseid`` but cannot import the test suite.
"""

from __future__ import annotations

import contextlib
import contextvars

__all__ = ["client_bytes"]


@contextlib.contextmanager
def client_bytes(scheduler_address):
    """Count the bytes this process reads on connections that are not the scheduler's own.

    The scheduler of a LocalCluster runs in this process; what it receives (the task graph, the
    workers' messages) is not counted, only what reaches the client (and the cluster object).

    For the duration of the block, two functions of ``distributed``'s TCP transport
    (``TCP.read`` and ``from_frames``, not public API) are wrapped; they are restored on exit.

    Parameters
    ----------
    scheduler_address : str
        The scheduler's address (``cluster.scheduler_address``); reads on connections whose
        local end is this address are the scheduler's.

    Yields
    ------
    list of int
        Filled while the block runs: the size in bytes of each message the client received.

    Examples
    --------
    No cluster, no traffic (needs ``distributed``, a test dependency):

    >>> with client_bytes("tcp://127.0.0.1:8786") as received:
    ...     pass
    >>> received
    []
    """
    from distributed.comm import tcp

    side = contextvars.ContextVar("client_side", default=False)
    received = []
    read, from_frames = tcp.TCP.read, tcp.from_frames

    async def read_side(self, deserializers=None):
        token = side.set(self.local_address != scheduler_address)
        try:
            return await read(self, deserializers)
        finally:
            side.reset(token)

    async def counting(frames, *args, **kwargs):
        if side.get():
            received.append(sum(memoryview(f).nbytes for f in frames))
        return await from_frames(frames, *args, **kwargs)

    tcp.TCP.read, tcp.from_frames = read_side, counting
    try:
        yield received
    finally:
        tcp.TCP.read, tcp.from_frames = read, from_frames
