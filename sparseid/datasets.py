"""The data sets shipped with sparseid.

The CSV files live in the repository's ``datasets/`` folder, which is installed as the package
``sparseid._datasets`` and read through :mod:`importlib.resources`. A source checkout has no
such package (``datasets/`` sits beside ``sparseid/``), so when Python imports ``sparseid`` from a
checkout (for instance from the clone's root, where the current directory comes first on
``sys.path``), the files are read from the checkout's ``datasets/`` folder instead, found from
this module's own path: where the files come from never depends on the current directory.
Values are written with 17 significant digits and read back exactly.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ._disc_annulus import DiscAnnulusMargin, disc_annulus_margin, make_disc_annulus
from .systems import make_lorenz, make_rotating_linear

__all__ = [
    "CANONICAL",
    "DiscAnnulusMargin",
    "available",
    "disc_annulus_margin",
    "generate",
    "load",
    "make_disc_annulus",
    "read_csv",
    "write",
]

#: How each shipped file is generated: the generator and its arguments.
CANONICAL = {
    "lorenz": (make_lorenz, {"n_samples": 10_000, "dt": 0.002, "x0": (-8.0, 8.0, 27.0)}),
    "rotating_linear": (
        make_rotating_linear,
        {"n_samples": 2000, "t_end": 15.0, "x0": (2.0, 0.0)},
    ),
}


def available():
    """Names of the shipped data sets.

    Examples
    --------
    >>> available()
    ['lorenz', 'rotating_linear']
    """
    return sorted(CANONICAL)


def _check_name(name):
    if name not in CANONICAL:
        raise ValueError(f"unknown data set {name!r}; known data sets: {available()}")


def _data_folders():
    """Where the shipped CSV files may live: the installed package, then a source checkout."""
    folders = []
    try:
        folders.append(resources.files("sparseid._datasets"))
    except ModuleNotFoundError:
        pass
    folders.append(Path(__file__).resolve().parent.parent / "datasets")
    return folders


def _data_file(name):
    """The shipped CSV file of data set ``name``, or a FileNotFoundError saying where it looked."""
    folders = _data_folders()
    for folder in folders:
        source = folder.joinpath(f"{name}.csv")
        if source.is_file():
            return source
    looked = ", ".join(str(folder) for folder in folders)
    raise FileNotFoundError(
        f"the shipped data file {name}.csv was not found; looked in: {looked}. The installed "
        "sparseid is incomplete: reinstall it (pip install --force-reinstall sparseid, or "
        "pip install . from a source checkout), or run from a checkout with its datasets/ folder"
    )


def load(name):
    """Load a shipped data set as a DataFrame indexed by time ``t``.

    Parameters
    ----------
    name : {"lorenz", "rotating_linear"}
        Which data set.

    Returns
    -------
    DataFrame
        ``lorenz``: 10,000 × 3 (columns ``x, y, z``, dt = 0.002);
        ``rotating_linear``: 2000 × 2 (columns ``x, y``, t ∈ [0, 15]).

    Raises
    ------
    FileNotFoundError
        When the installation has lost its data files; the message lists where it looked.

    Examples
    --------
    >>> load("rotating_linear").shape
    (2000, 2)
    """
    _check_name(name)
    with _data_file(name).open("r") as handle:
        return read_csv(handle)


def read_csv(handle):
    """Read a data-set CSV (first column ``t``) exactly: every value parses to the float64 written.

    numpy's parser rounds correctly under every pandas version, so this does not depend on which
    float parser pandas defaults to.
    """
    columns = handle.readline().strip().split(",")
    values = np.loadtxt(handle, delimiter=",", dtype=np.float64, ndmin=2)
    return pd.DataFrame(
        values[:, 1:], index=pd.Index(values[:, 0], name=columns[0]), columns=columns[1:]
    )


def generate(name):
    """Regenerate a shipped data set from its generator (see :data:`CANONICAL`).

    Examples
    --------
    >>> generate("rotating_linear").equals(load("rotating_linear"))
    True
    """
    _check_name(name)
    generator, kwargs = CANONICAL[name]
    return generator(**kwargs)


def write(folder, names=None, *, overwrite=False):
    """Write the canonical data sets as CSV files into ``folder``.

    Parameters
    ----------
    folder : str or Path
        Destination folder (created if missing).
    names : list of str, optional
        Which data sets (default: all).
    overwrite : bool
        Replace existing files; without it an existing file raises ``FileExistsError``.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    names = available() if names is None else list(names)
    for name in names:
        _check_name(name)
    paths = [folder / f"{name}.csv" for name in names]
    existing = [str(p) for p in paths if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{existing} already exist; pass overwrite=True to replace them")
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in zip(names, paths):
        generate(name).to_csv(path, float_format="%.17g")
    return paths
