"""The Adam training loop: loss curve, divergence detection and early stopping."""

import time

import numpy as np

__all__ = ["Diverged", "TrainingResult", "train"]

#: A loss this many times the first one counts as divergence.
EXPLOSION_FACTOR = 1e6


class Diverged(ArithmeticError):
    """Training produced a non-finite or exploding loss; the parameters were restored.

    Attributes
    ----------
    iteration : int
    reason : str
    result : TrainingResult
        The curves up to the failing iteration.
    """

    def __init__(self, iteration, reason, result):
        super().__init__(f"iteration {iteration}: {reason}")
        self.iteration = iteration
        self.reason = reason
        self.result = result


class TrainingResult:
    """Curves and counters of a training run."""

    def __init__(self):
        self.loss_curve = []
        self.validation_curve = []
        self.n_eval = 0
        self.best_validation = np.inf
        self.fit_time = 0.0


def train(
    step,
    theta,
    refresh,
    optimizer,
    max_iter,
    *,
    validate=None,
    validation_interval=20,
    n_iter_no_change=10,
    verbose=False,
    desc=None,
):
    """Run Adam on ``theta`` (in place) for ``max_iter`` iterations.

    Parameters
    ----------
    step : callable
        ``step() -> (loss, grad, n_eval)`` at the current parameters (it draws its own batch).
        A ``FloatingPointError`` from the solver counts as divergence.
    theta : ndarray
        Flat parameters, updated in place.
    refresh : callable
        Called after each update (e.g. to refresh cached transposed weights).
    optimizer : Adam
    max_iter : int
    validate : callable, optional
        ``validate() -> loss`` on held-out data; every ``validation_interval`` iterations.
        Training stops after ``n_iter_no_change`` validations without a relative improvement
        of 1e-4, and ``theta`` is set to the best validated parameters.
    verbose : bool
        Show a tqdm progress bar.
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    TrainingResult

    Raises
    ------
    Diverged
        On a non-finite loss or gradient, a solver failure, or a loss above 1e6 times the
        first one. ``theta`` then holds the last parameters that gave a finite loss.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import Adam, train
    >>> theta = np.array([3.0])
    >>> result = train(lambda: (float(theta[0] ** 2), 2 * theta, 1), theta, lambda: None,
    ...                Adam(1, learning_rate=0.1), 300)
    >>> len(result.loss_curve), bool(abs(theta[0]) < 0.1)
    (300, True)
    """
    from tqdm.auto import tqdm

    result = TrainingResult()
    previous = theta.copy()
    best_theta = None
    stale = 0
    start = time.perf_counter()
    bar = tqdm(range(max_iter), disable=not verbose, desc=desc)
    try:
        for k in bar:
            try:
                value, grad, n_eval = step()
            except FloatingPointError as exc:
                _fail(k, f"the solver failed ({exc})", theta, previous, result)
            if not np.isfinite(value) or not np.all(np.isfinite(grad)):
                _fail(k, f"the loss or its gradient is {value}", theta, previous, result)
            curve = result.loss_curve
            if curve and value > EXPLOSION_FACTOR * max(curve[0], 1e-300):
                _fail(k, f"the loss exploded to {value:.3g}", theta, previous, result)
            curve.append(value)
            result.n_eval += n_eval
            previous[:] = theta
            optimizer.step(theta, grad)
            refresh()
            if verbose and k % 10 == 0:
                bar.set_postfix(loss=f"{value:.3g}")
            if validate is not None and (k + 1) % validation_interval == 0:
                try:
                    val = validate()
                except FloatingPointError:
                    val = np.inf
                result.validation_curve.append(val)
                if val < result.best_validation * (1.0 - 1e-4):
                    result.best_validation = val
                    best_theta = theta.copy()
                    stale = 0
                else:
                    stale += 1
                    if stale >= n_iter_no_change:
                        break
    finally:
        bar.close()
        result.fit_time = time.perf_counter() - start
    if best_theta is not None:
        theta[:] = best_theta
        refresh()
    return result


def _fail(k, reason, theta, previous, result):
    theta[:] = previous
    raise Diverged(k, reason, result)
