"""Fit straight from files: CSV or Parquet read in chunks, one trajectory after another.

:func:`read_trajectories` turns files (one trajectory per file, or a column of trajectory ids)
or any iterable of DataFrames into chunks indexed by time, each saying whether it continues the
previous chunk's trajectory; :func:`fit_files` hands them to a model's ``partial_fit``. Only one
chunk is in memory at a time (plus the model's ``p x p`` statistics and the last ``2 * halo + 1``
rows of the open trajectory), so files far larger than memory can be fitted. Parquet needs
pyarrow (``pip install sparseid[io]``).
"""

from __future__ import annotations

import itertools
import numbers
import os
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["fit_files", "read_trajectories"]

#: Rows per chunk read from a file.
CHUNK_ROWS = 100_000
_NONE = object()  # no chunk read yet
_PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def read_trajectories(
    sources, *, columns=None, time="t", trajectory=None, chunk_rows=CHUNK_ROWS, verbose=True
):
    """Read trajectories from CSV or Parquet files, or DataFrames, in chunks.

    Parameters
    ----------
    sources : path, DataFrame, iterable of DataFrames, or list of them
        A CSV (``.csv``, ``.csv.gz``, ...) or Parquet (``.parquet``, ``.pq``) file, a
        DataFrame, an iterable of DataFrames that are chunks of the same data
        (``pd.read_csv(..., chunksize=...)``, a generator), or a list of these. Each source
        holds one trajectory, or several when ``trajectory`` names a column of ids (the rows
        of one trajectory must be contiguous and in time order).
    columns : list of str, optional
        The columns to keep (besides time and trajectory), in this order; default all.
    time : str or float, default="t"
        The column of sample times (numbers in seconds, or datetimes, which become seconds
        from each trajectory's first one), or the constant sampling step as a float (rows
        are then consecutive samples). A DataFrame without that column uses its index
        (as ``fit`` does).
    trajectory : str, optional
        A column of trajectory ids.
    chunk_rows : int, default=100_000
        Rows per chunk read from a file (iterables of DataFrames keep their own chunks).
    verbose : bool, default=True
        Show a tqdm progress bar (rows read).

    Yields
    ------
    frame : DataFrame
        A chunk of one trajectory: the selected columns, indexed by time in seconds (a
        ``RangeIndex`` when ``time`` is a step; a DataFrame without the time column keeps
        its index, which ``partial_fit`` reads as ``fit`` does).
    continues : bool
        Whether the chunk continues the previous chunk's trajectory.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"t": [0.0, 0.1, 0.2, 0.3], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> chunks = [frame.iloc[:3], frame.iloc[3:]]
    >>> [(len(c), cont) for c, cont in read_trajectories([chunks], verbose=False)]
    [(3, False), (1, True)]
    """
    from tqdm.auto import tqdm

    chunk_rows = _check_rows(chunk_rows)
    if isinstance(time, bool) or not isinstance(time, str | numbers.Real):
        raise TypeError(f"time must be a column name or a sampling step, got {time!r}")
    if isinstance(time, numbers.Real) and not (np.isfinite(time) and time > 0):
        raise ValueError(f"time={time!r}: a sampling step must be a positive number")
    sources = _as_sources(sources)
    total = sum(_row_count(s) for s in sources) if all(_is_parquet(s) for s in sources) else None
    with tqdm(total=total, unit=" rows", disable=not verbose, desc="reading") as bar:
        for source in sources:
            previous, seen, origin = _NONE, set(), None
            for chunk in _chunks(source, chunk_rows):
                bar.update(len(chunk))
                for key, part in _split_ids(chunk, trajectory, source):
                    continues = previous is not _NONE and key == previous
                    if not continues:
                        if key in seen:
                            raise ValueError(
                                f"{_name(source)}: the rows of trajectory {key!r} are not "
                                "contiguous; sort the data by trajectory, then time"
                            )
                        seen.add(key)
                        origin = None
                    previous = key
                    frame, origin = _frame(part, columns, time, trajectory, origin, source)
                    yield frame, continues


def fit_files(
    model,
    sources,
    *,
    states=None,
    inputs=None,
    targets=None,
    time="t",
    trajectory=None,
    chunk_rows=CHUNK_ROWS,
    verbose=True,
):
    """Fit a model on trajectories read from files in chunks (see :func:`read_trajectories`).

    Each chunk goes to ``model.partial_fit`` (``continues=True`` within a trajectory), so
    memory is bounded by the chunk size and the result equals ``model.fit`` on all the data
    in memory, to rounding. The model starts afresh.

    Parameters
    ----------
    model : SINDy or LinearModel
        The model to fit (any estimator with the ``partial_fit`` of sparseid's library
        models).
    sources : path, iterable of DataFrames, or list of them
        As in :func:`read_trajectories`.
    states : list of str, optional
        The state columns; default every column that is not time, trajectory id, input or
        target.
    inputs : list of str, optional
        Columns of control inputs ``u``.
    targets : list of str, optional
        Columns of given targets ``y`` (no derivatives are then estimated).
    time, trajectory, chunk_rows, verbose
        As in :func:`read_trajectories`.

    Returns
    -------
    model
        The fitted model.

    Examples
    --------
    >>> import tempfile, os
    >>> from sparseid import SINDy, datasets
    >>> from sparseid.io import fit_files
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "lorenz.csv")
    >>> datasets.load("lorenz").to_csv(path)
    >>> model = fit_files(SINDy(), path, chunk_rows=4000, verbose=False)
    >>> model.equations(precision=2)[0]
    '-10.00 x + 10.00 y'
    """
    from .models._partial_fit import reset_partial_fit

    inputs, targets = list(inputs or []), list(targets or [])
    columns = None
    if states is not None:
        columns = list(states) + inputs + targets
    reset_partial_fit(model)
    step = time if isinstance(time, numbers.Real) and not isinstance(time, bool) else None
    for frame, continues in read_trajectories(
        sources,
        columns=columns,
        time=time,
        trajectory=trajectory,
        chunk_rows=chunk_rows,
        verbose=verbose,
    ):
        extra = inputs + targets
        if states is None:
            missing = [c for c in extra if c not in frame.columns]
            if missing:
                raise ValueError(f"columns {missing} are not in the data ({list(frame.columns)})")
        x = frame.drop(columns=extra) if extra else frame
        model.partial_fit(
            x,
            frame[targets] if targets else None,
            t=step,
            u=frame[inputs] if inputs else None,
            continues=continues,
        )
    return model


# -- sources -----------------------------------------------------------------------------------
def _as_sources(sources):
    """A list of sources: paths, DataFrames (one chunk each), iterables of DataFrames."""
    if isinstance(sources, list | tuple):
        return list(sources)
    return [sources]


def _is_parquet(source):
    return isinstance(source, str | os.PathLike) and Path(source).suffix.lower() in (
        ".parquet",
        ".pq",
    )


def _name(source):
    return str(source) if isinstance(source, str | os.PathLike) else "the DataFrames"


def _parquet():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "reading Parquet files needs pyarrow: pip install sparseid[io] (or pip install pyarrow)"
        ) from None
    return pq


def _row_count(source):
    return _parquet().ParquetFile(source).metadata.num_rows


def _chunks(source, chunk_rows):
    if isinstance(source, pd.DataFrame):
        yield source
    elif _is_parquet(source):
        # Without pre-buffering (which reads the whole file ahead) and threads, pyarrow holds
        # about one row group at a time: memory stays bounded by the chunk, not the file.
        with _parquet().ParquetFile(source, pre_buffer=False) as file:
            for batch in file.iter_batches(batch_size=chunk_rows, use_threads=False):
                yield batch.to_pandas()
    elif isinstance(source, str | os.PathLike):
        # The text of a float must be read back as exactly that float: pandas 3 does so by
        # default (and deprecates the option), pandas 2 needs "round_trip".
        options = {} if _PANDAS_3 else {"float_precision": "round_trip"}
        with pd.read_csv(source, chunksize=chunk_rows, **options) as reader:
            yield from reader
    else:
        for chunk in source:
            if not isinstance(chunk, pd.DataFrame):
                raise TypeError(
                    "sources must be paths or iterables of DataFrames; got a "
                    f"{type(chunk).__name__}"
                )
            yield chunk


def _check_rows(chunk_rows):
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, numbers.Integral):
        raise TypeError(f"chunk_rows must be an int, got {chunk_rows!r}")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows={chunk_rows} must be at least 1")
    return int(chunk_rows)


def _split_ids(chunk, trajectory, source):
    """(id, rows) runs of a chunk: consecutive rows with the same trajectory id."""
    if trajectory is None:
        yield None, chunk
        return
    if trajectory not in chunk.columns:
        raise ValueError(f"{_name(source)} has no trajectory column {trajectory!r}")
    ids = chunk[trajectory].to_numpy()
    starts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    bounds = [0, *starts.tolist(), len(ids)]
    for a, b in itertools.pairwise(bounds):
        key = ids[a]
        yield (key.item() if isinstance(key, np.generic) else key), chunk.iloc[a:b]


def _frame(part, columns, time, trajectory, origin, source):
    """One chunk as a DataFrame of the selected columns indexed by time in seconds."""
    drop = [c for c in (trajectory,) if c is not None]
    if isinstance(time, str) and time in part.columns:
        values = part[time]
        drop.append(time)
    elif isinstance(time, str) and isinstance(source, str | os.PathLike):
        raise ValueError(
            f"{_name(source)} has no time column {time!r} (columns: {list(part.columns)}); "
            "name it with time=..., or pass the sampling step as time=0.01"
        )
    else:
        values = None
    frame = part.drop(columns=drop) if drop else part
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{_name(source)} has no column(s) {missing}")
        frame = frame[list(columns)]
    if values is None:
        # A step (rows are consecutive samples), or a DataFrame whose index partial_fit reads
        # as fit does.
        return (frame.reset_index(drop=True) if isinstance(time, numbers.Real) else frame), origin
    if not pd.api.types.is_numeric_dtype(values.dtype) and values.dtype.kind not in "mM":
        try:  # datetimes read from a CSV file arrive as text
            values = pd.to_datetime(values)
        except (TypeError, ValueError):
            raise ValueError(
                f"{_name(source)}: the time column {time!r} holds neither numbers nor datetimes"
            ) from None
    if values.dtype.kind in "mM":
        origin = values.iloc[0] if origin is None else origin
        seconds = (values - origin).dt.total_seconds().to_numpy(dtype=np.float64)
    else:
        seconds = values.to_numpy(dtype=np.float64)
    return frame.set_axis(pd.Index(seconds, name="t"), axis=0), origin
