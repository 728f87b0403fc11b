"""Buffers kept between calls, so that hot loops do not allocate fresh arrays every time.

Fresh arrays of a few hundred kilobytes are served by glibc either from its heap or from newly
mapped pages, depending on the process's history; the page faults of the second case made
identical training runs take up to twice as long. The network code therefore writes its
larger temporaries into buffers of a ``workspace`` dictionary that lives as long as the bound
network (``None`` means: allocate as usual).
"""

import numpy as np

__all__ = ["buffer", "flat_buffer", "matmul", "square", "stack"]


def buffer(workspace, key, rows, tail, dtype):
    """The first ``rows`` rows of a buffer of ``workspace`` kept for the next call (or None)."""
    if workspace is None:
        return None
    buf = workspace.get(key)
    if buf is None or len(buf) < rows or buf.shape[1:] != tail or buf.dtype != dtype:
        buf = workspace[key] = np.empty((rows, *tail), dtype=dtype)
    return buf[:rows]


def matmul(a, B, workspace, key):
    """``a @ B``, into a buffer of ``workspace`` when one is given."""
    if workspace is None:
        return a @ B
    return np.matmul(a, B, out=buffer(workspace, key, len(a), B.shape[1:], np.result_type(a, B)))


def square(h, workspace, key):
    """``h * h``, into a buffer of ``workspace`` when one is given."""
    if workspace is None:
        return np.multiply(h, h)
    return np.multiply(h, h, out=buffer(workspace, key, len(h), h.shape[1:], h.dtype))


def stack(arrays, workspace, key):
    """``np.concatenate(arrays)``, into a buffer of ``workspace`` kept for the next call."""
    if workspace is None:
        return np.concatenate(arrays)
    rows = sum(len(a) for a in arrays)
    buf = buffer(workspace, key, rows, arrays[0].shape[1:], arrays[0].dtype)
    return np.concatenate(arrays, out=buf)


def flat_buffer(workspace, key, shape, dtype):
    """An array of ``shape`` in a buffer of ``workspace`` kept for the next call (or a new one)."""
    size = int(np.prod(shape))
    if workspace is None:
        return np.empty(shape, dtype)
    buf = workspace.get(key)
    if buf is None or buf.size < size or buf.dtype != dtype:
        buf = workspace[key] = np.empty(size, dtype)
    return buf[:size].reshape(shape)
