"""The ``sparseid`` console command (also ``python -m sparseid``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["build_parser", "main"]

LECTURE_MATRICES = {
    100: [[-0.1001, -1.0005], [1.0004, -0.0993]],
    400: [[-0.1000, -1.0005], [1.0007, -0.1002]],
    2000: [[-0.1000, -1.0005], [1.0005, -0.1001]],
}
SWEEP_NOISE = (0.0, 0.01, 0.05, 0.1)
SWEEP_TRAIN_POINTS = (400, 2000)  # the lecture's and MathWorks' neural-ODE experiments


def _floats(text):
    return [float(v) for v in text.split(",") if v.strip()]


def _ints(text):
    return [int(v) for v in text.split(",") if v.strip()]


def _names(text):
    return [v.strip() for v in text.split(",") if v.strip()]


def markdown_table(frame, digits=4):
    """A GitHub-flavoured Markdown table of a DataFrame (no extra dependency)."""

    def cell(value):
        if isinstance(value, float):
            return "" if value != value else f"{value:.{digits}g}"
        return str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines) + "\n"


def _lecture_matrices(cases):
    """Our fitted B beside the lecture's, for the rotating-linear table."""
    import numpy as np

    lines = []
    for case in cases:
        if case.dataset != "rotating_linear" or case.train_points not in LECTURE_MATRICES:
            continue
        if case.model_name not in ("linear", "sindy") or case.noise:
            continue
        frame = case.model.coefficients_frame()
        ours = frame[["x", "y"]].to_numpy()
        lecture = np.array(LECTURE_MATRICES[case.train_points])
        lines.append(
            f"{case.model_name:7s} {case.train_points:5d} points: B = "
            f"{np.array2string(ours, precision=6, floatmode='fixed').replace(chr(10), '')}"
            f"   lecture: {lecture.tolist()}"
        )
    return lines


def _prepare_output(folder, overwrite):
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise SystemExit(
            f"sparseid compare: {folder} exists and is not empty; pass --overwrite to write into "
            "it (only the files this command writes are replaced) or choose another --out"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _select_file_backend():
    """Select matplotlib's non-interactive Agg backend: the command only writes files.

    Done by the command (before anything draws), never by :mod:`sparseid.plotting`, whose
    figures follow whatever backend the user's session chose.
    """
    import matplotlib

    matplotlib.use("Agg")


def _compare(args):
    from .compare import COLUMNS, results_frame, run_cases
    from .plotting import save_figures

    _select_file_backend()

    datasets = ["lorenz", "rotating_linear"] if args.dataset == "all" else [args.dataset]
    noise = list(SWEEP_NOISE) if args.sweep == "noise" else args.noise
    train_points = args.train_points
    if args.sweep == "train-points":
        train_points = {"neural_ode": list(SWEEP_TRAIN_POINTS)}
    out = _prepare_output(args.out, args.overwrite)
    cases = run_cases(
        datasets,
        args.models,
        noise=noise,
        train_points=train_points,
        seed=args.seed,
        quick=args.quick,
        progress=not args.no_progress,
    )
    table = results_frame(cases)[COLUMNS]
    table.to_csv(out / "results.csv", index=False, float_format="%.10g")
    (out / "results.md").write_text(markdown_table(table))
    formats = ("png", "svg") if args.svg else ("png",)
    figures = save_figures(cases, out, formats)
    summary = table.drop(columns=["valid_time_unit"])
    import pandas as pd

    with pd.option_context(
        "display.width", 200, "display.max_columns", 30, "display.float_format", "{:.3g}".format
    ):
        print(summary.to_string(index=False))
    lines = _lecture_matrices(cases)
    if lines:
        print(
            "\nrotating-linear, fitted B beside the lecture's (true A = [[-0.1, -1], [1, -0.1]]):"
        )
        print("\n".join(lines))
    print(f"\nwrote {out / 'results.csv'}, {out / 'results.md'} and {len(figures)} figures")
    return 0


def _fit(args):
    from . import datasets
    from .models import LinearModel, SINDy
    from .optimizers import STLSQ

    names = datasets.available() if args.dataset == "all" else [args.dataset]
    for name in names:
        data = datasets.load(name)
        print(f"== {name}: {len(data)} samples of {', '.join(data.columns)}")
        print("SINDy (degree-2 polynomial library, STLSQ):")
        SINDy(optimizer=STLSQ(threshold=args.threshold)).fit(data).print(precision=args.precision)
        print("Linear model dx/dt = B x:")
        LinearModel().fit(data).print(precision=args.precision)
        print()
    return 0


def build_parser():
    """The argument parser of the ``sparseid`` command."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sparseid",
        description="Learn the equations of a dynamical system from its measured trajectories.",
    )
    parser.add_argument("--version", action="version", version=f"sparseid {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    compare = commands.add_parser(
        "compare",
        help="compare SINDy, the linear model and the neural ODE (the main job)",
        description="Fit SINDy, the linear-matrix model and the neural ODE on Lorenz and "
        "rotating-linear; write results.csv, results.md and figures into --out.",
    )
    compare.add_argument("--dataset", choices=["lorenz", "rotating_linear", "all"], default="all")
    compare.add_argument(
        "--models",
        type=_names,
        default=["sindy", "linear", "neural_ode"],
        help="comma-separated subset of sindy,linear,neural_ode",
    )
    compare.add_argument(
        "--noise",
        type=_floats,
        default=[0.0],
        help="comma-separated noise levels, fractions of each column's std",
    )
    compare.add_argument(
        "--train-points",
        type=_ints,
        default=None,
        help="comma-separated training-window lengths (default: per data set)",
    )
    compare.add_argument(
        "--sweep",
        choices=["noise", "train-points"],
        default=None,
        help="noise: 0, 1, 5, 10 %% (SINDy fits noisy data by the weak form with an ensemble: "
        "column 'fitting', figure *_sindy_inclusion); train-points: the neural ODE on 400 and "
        "2000 rotating-linear points",
    )
    compare.add_argument("--out", default="results", help="output folder (default: results/)")
    compare.add_argument("--seed", type=int, default=0)
    compare.add_argument("--quick", action="store_true", help="a fast run (under 30 s)")
    compare.add_argument(
        "--overwrite", action="store_true", help="write into an existing, non-empty output folder"
    )
    compare.add_argument("--svg", action="store_true", help="also write SVG figures")
    compare.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    compare.set_defaults(run=_compare)

    fit = commands.add_parser(
        "fit", help="fit SINDy and the linear model to a shipped data set and print the equations"
    )
    fit.add_argument("--dataset", choices=["lorenz", "rotating_linear", "all"], default="all")
    fit.add_argument("--threshold", type=float, default=0.1, help="STLSQ threshold (default 0.1)")
    fit.add_argument("--precision", type=int, default=4, help="digits printed (default 4)")
    fit.set_defaults(run=_fit)
    return parser


def main(argv=None):
    """Run the console command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
