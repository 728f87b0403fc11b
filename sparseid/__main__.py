"""``python -m sparseid``: the same as the ``sparseid`` console command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
