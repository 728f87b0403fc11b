"""Adam with optional L2 weight decay, gradient-norm clipping and a learning-rate schedule."""

import math

import numpy as np

__all__ = ["LR_SCHEDULES", "Adam"]

LR_SCHEDULES = (None, "constant", "cosine", "exponential")


class Adam:
    """The Adam optimiser, updating a flat parameter vector in place.

    The update is the one of ``torch.optim.Adam`` and MATLAB's ``adamupdate`` (bias-corrected
    moments, ε added to the corrected root second moment), so training runs can be compared.

    Parameters
    ----------
    n_params : int
    learning_rate : float, default=0.002
    beta1, beta2 : float, default=0.9, 0.999
    eps : float, default=1e-8
    weight_decay : float, default=0.0
        L2 penalty: ``weight_decay * theta`` is added to the gradient.
    clip_norm : float or None, default=None
        Rescale the gradient to this Euclidean norm when it is longer.
    schedule : {None, "constant", "cosine", "exponential"}, default=None
        Learning rate as a function of the iteration k of ``n_iter``: constant; cosine decay
        from ``learning_rate`` to 1 % of it; exponential decay to 1 % of it.
    n_iter : int, default=1
        Length of the schedule.
    dtype : str or numpy dtype, default="float64"
        Of the moment estimates (float32 to update float32 parameters in float32).

    Attributes
    ----------
    progress : float or None
        When set (by :func:`~sparseid.ode.train` from its budget), the schedule's position in
        [0, 1] instead of ``t / n_iter``, so the decay spans a budget in evaluations or time.

    References
    ----------
    .. [1] D. P. Kingma and J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import Adam
    >>> theta = np.array([1.0, -2.0])
    >>> opt = Adam(2, learning_rate=0.1)
    >>> for _ in range(200):
    ...     _ = opt.step(theta, 2 * theta)  # gradient of |theta|²
    >>> bool(np.abs(theta).max() < 0.05)
    True
    """

    def __init__(
        self,
        n_params,
        learning_rate=0.002,
        beta1=0.9,
        beta2=0.999,
        eps=1e-8,
        weight_decay=0.0,
        clip_norm=None,
        schedule=None,
        n_iter=1,
        dtype="float64",
    ):
        if schedule not in LR_SCHEDULES:
            raise ValueError(f"Adam: schedule={schedule!r} must be one of {LR_SCHEDULES}.")
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.clip_norm = clip_norm
        self.schedule = schedule
        self.n_iter = max(int(n_iter), 1)
        self.m = np.zeros(n_params, dtype)
        self.v = np.zeros(n_params, dtype)
        self.t = 0
        self.progress = None

    def current_rate(self):
        """Learning rate of the next step."""
        frac = min(self.t / self.n_iter, 1.0) if self.progress is None else self.progress
        if self.schedule == "cosine":
            return self.learning_rate * (0.01 + 0.99 * 0.5 * (1.0 + math.cos(math.pi * frac)))
        if self.schedule == "exponential":
            return self.learning_rate * 0.01**frac
        return self.learning_rate

    def step(self, theta, grad):
        """Update ``theta`` in place from ``grad`` (which may be modified)."""
        if self.weight_decay:
            grad = grad + self.weight_decay * theta
        if self.clip_norm is not None:
            norm = math.sqrt(float(np.dot(grad, grad)))
            if norm > self.clip_norm:
                grad = grad * (self.clip_norm / norm)
        lr = self.current_rate()
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        self.m *= b1
        self.m += (1.0 - b1) * grad
        self.v *= b2
        self.v += (1.0 - b2) * (grad * grad)
        denom = np.sqrt(self.v)
        denom /= math.sqrt(1.0 - b2**self.t)
        denom += self.eps
        theta -= (lr / (1.0 - b1**self.t)) * (self.m / denom)
        return theta
