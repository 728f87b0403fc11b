"""The ``sparseid`` console command."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _fit(args):
    from . import datasets
    from .models import LinearModel, SINDy
    from .optimizers import STLSQ

    names = datasets.available() if args.dataset == "all" else [args.dataset]
    for name in names:
        data = datasets.load(name)
        print(f"== {name}: {len(data)} samples of {', '.join(data.columns)}")
        sindy = SINDy(optimizer=STLSQ(threshold=args.threshold)).fit(data)
        print("SINDy (degree-2 polynomial library, STLSQ):")
        sindy.print(precision=args.precision)
        linear = LinearModel().fit(data)
        print("Linear model dx/dt = B x:")
        linear.print(precision=args.precision)
        print()
    return 0


def build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sparseid",
        description="Learn the equations of a dynamical system from its measured trajectories.",
    )
    parser.add_argument("--version", action="version", version=f"sparseid {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    fit = commands.add_parser(
        "fit", help="fit SINDy and the linear model to a shipped data set and print the equations"
    )
    fit.add_argument(
        "--dataset",
        choices=["lorenz", "rotating_linear", "all"],
        default="all",
        help="which shipped data set (default: all)",
    )
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
