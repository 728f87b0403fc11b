"""sparseid: learn the equations of a dynamical system from its measured trajectories."""

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
