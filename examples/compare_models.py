"""Comparing SINDy, the linear fit and the neural ODE
==================================================

Compare SINDy, the linear-matrix fit and the neural ODE on both data sets, as
``sparseid compare`` does, from Python.

Run from any folder: ``python compare_models.py [output-folder]``. Writes ``results.csv`` and the
figures into the folder (default ``compare_results`` in the current folder; an existing folder
is refused). ``SPARSEID_QUICK=1`` makes a fast run.
"""

import os
import sys
from pathlib import Path

import matplotlib

# This script only saves figures: the non-interactive backend needs no display. (sparseid's
# plotting never selects a backend; in a notebook, leave this line out.)
matplotlib.use("Agg")

from sparseid.compare import results_frame, run_cases
from sparseid.plotting import save_figures

quick = os.environ.get("SPARSEID_QUICK") == "1"
folder = Path(sys.argv[1] if len(sys.argv) > 1 else "compare_results")
if folder.exists():
    sys.exit(f"{folder} exists already; pass another folder")
folder.mkdir(parents=True)

cases = run_cases(quick=quick, seed=0)
table = results_frame(cases)
table.to_csv(folder / "results.csv", index=False)
save_figures(cases, folder)

columns = ["dataset", "model", "train_points", "derivative_r2", "coef_error", "valid_time"]
print(table[columns].to_string(index=False, float_format="{:.3g}".format))
print(f"\nwrote {folder}/results.csv and figures")
