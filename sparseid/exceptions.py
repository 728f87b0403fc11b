"""Exceptions and warnings raised by sparseid.

Bad input is reported with the built-in :class:`ValueError` and :class:`TypeError`; the classes
here cover what can go wrong *after* the input was valid: a simulation that blows up, a training
run that diverges, a regression that cannot resolve collinear terms.

Examples
--------
>>> from sparseid.exceptions import SimulationError
>>> err = SimulationError("state left the training range", t=1.5, variable="x")
>>> err.t, err.variable
(1.5, 'x')
"""

from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "ConvergenceWarning",
    "IllConditionedWarning",
    "SimulationError",
    "SparseidError",
    "TrainingDivergedError",
]


class SparseidError(RuntimeError):
    """Base class of the run-time errors that sparseid raises on valid input."""


class SimulationError(SparseidError):
    """A simulation failed or blew up before reaching the requested final time.

    Parameters
    ----------
    message : str
        What happened, including the time and the variable.
    t : float, optional
        Time at which the failure was detected.
    variable : str, optional
        Name of the state variable that left its range, when known.
    partial : object, optional
        The trajectory computed up to ``t`` (array or DataFrame), so no work is lost.
    """

    def __init__(self, message, *, t=None, variable=None, partial=None):
        super().__init__(message)
        self.t = t
        self.variable = variable
        self.partial = partial


class TrainingDivergedError(SparseidError):
    """A training run produced a non-finite or exploding loss.

    Parameters
    ----------
    message : str
        What happened and what to try (usually a smaller learning rate).
    iteration : int, optional
        The iteration at which the divergence was detected.
    """

    def __init__(self, message, *, iteration=None):
        super().__init__(message)
        self.iteration = iteration


class IllConditionedWarning(UserWarning):
    """A regression matrix is (nearly) rank deficient; the message names the collinear terms."""
