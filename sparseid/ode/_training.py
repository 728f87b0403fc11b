"""The Adam training loop: loss curve, divergence detection and early stopping."""

import time

import numpy as np

__all__ = ["Budget", "Diverged", "TrainingResult", "train"]

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


class Budget:
    """How much of a training budget is used: iterations, network evaluations, wall time.

    Training stops at whichever limit is reached first. :meth:`fraction` is the largest of the
    three used fractions; schedules that must span the whole budget (the learning-rate decay,
    the continuity weight of multiple shooting, the horizon curriculum) read it, so they work
    the same whichever limit ends the run. A wall-time limit makes a run depend on the machine's
    speed and load (not reproducible); ``max_iter`` and ``max_nfev`` do not.

    Parameters
    ----------
    max_iter : int
    max_nfev : int or None, default=None
        Network evaluations (forward and backward, as counted in ``n_function_evals_``).
    max_time : float or None, default=None
        Seconds of wall time, counted from the first call of :meth:`start`.

    Examples
    --------
    >>> from sparseid.ode import Budget
    >>> budget = Budget(100, max_nfev=1000)
    >>> budget.start()
    >>> budget.iterations, budget.nfev = 10, 500
    >>> budget.fraction(), budget.exhausted()
    (0.5, False)
    """

    def __init__(self, max_iter, max_nfev=None, max_time=None):
        self.max_iter = int(max_iter)
        self.max_nfev = max_nfev
        self.max_time = max_time
        self.iterations = 0
        self.nfev = 0
        self._start = None

    def start(self):
        """Start the clock (only the first call counts)."""
        if self._start is None:
            self._start = time.perf_counter()

    def elapsed(self):
        """Seconds since :meth:`start` (0 before)."""
        return 0.0 if self._start is None else time.perf_counter() - self._start

    def fraction(self):
        """The largest used fraction of the three limits, in [0, 1]."""
        parts = [self.iterations / max(self.max_iter, 1)]
        if self.max_nfev is not None:
            parts.append(self.nfev / max(self.max_nfev, 1))
        if self.max_time is not None:
            parts.append(self.elapsed() / self.max_time if self.max_time > 0 else 1.0)
        return min(max(parts), 1.0)

    def exhausted(self):
        """Whether any limit is reached."""
        return (
            self.iterations >= self.max_iter
            or (self.max_nfev is not None and self.nfev >= self.max_nfev)
            or (self.max_time is not None and self.elapsed() >= self.max_time)
        )

    def share(self, n_parts):
        """One of ``n_parts`` equal shares of this budget (a new, unstarted one)."""

        def cut(limit):
            return None if limit is None else limit / n_parts

        iters = -(-self.max_iter // n_parts)  # ceiling: no share is empty
        nfev = None if self.max_nfev is None else max(1, int(self.max_nfev // n_parts))
        return Budget(iters, nfev, cut(self.max_time))


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
    budget=None,
    stop_allowed=None,
    loss_floor=1e-300,
):
    """Run Adam on ``theta`` (in place) for ``max_iter`` iterations or until ``budget`` ends.

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
    budget : Budget, optional
        Limits in iterations, network evaluations and wall time (``max_iter`` is then
        ignored). The loop updates its counters; an optimizer with a ``progress`` attribute
        gets :meth:`Budget.fraction` before each step (its schedule spans the budget).
    stop_allowed : callable, optional
        ``stop_allowed() -> bool``: early stopping is held back while it is False (a horizon
        curriculum stops only at its final horizon).
    loss_floor : float, default=1e-300
        The explosion test compares with ``max(first loss, loss_floor)``: a run that starts
        almost exact (a linear part fitted beforehand) may rise from 1e-8 without exploding.

    Returns
    -------
    TrainingResult

    Raises
    ------
    Diverged
        On a non-finite loss or gradient, a solver failure, or a loss above 1e6 times the
        first one (or ``loss_floor``). ``theta`` then holds the last parameters that gave a
        finite loss.

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

    if budget is None:
        budget = Budget(max_iter)
    result = TrainingResult()
    previous = theta.copy()
    best_theta = None
    stale = 0
    start = time.perf_counter()
    budget.start()
    bar = tqdm(total=budget.max_iter, disable=not verbose, desc=desc)
    k = -1
    try:
        while not budget.exhausted():
            k += 1
            if hasattr(optimizer, "progress"):
                optimizer.progress = budget.fraction()
            try:
                value, grad, n_eval = step()
            except FloatingPointError as exc:
                _fail(k, f"the solver failed ({exc})", theta, previous, result)
            if not np.isfinite(value) or not np.all(np.isfinite(grad)):
                _fail(k, f"the loss or its gradient is {value}", theta, previous, result)
            curve = result.loss_curve
            if curve and value > EXPLOSION_FACTOR * max(curve[0], loss_floor):
                _fail(k, f"the loss exploded to {value:.3g}", theta, previous, result)
            curve.append(value)
            result.n_eval += n_eval
            budget.iterations += 1
            budget.nfev += n_eval
            previous[:] = theta
            optimizer.step(theta, grad)
            refresh()
            bar.update()
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
                elif stop_allowed is not None and not stop_allowed():
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
