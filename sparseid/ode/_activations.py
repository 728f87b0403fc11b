"""The activations of the MLP: values, derivatives, checks and their source code.

Every activation is applied in place to the pre-activations of a hidden layer. The batch
backward pass computes σ'(u) from the output h = σ(u) where that is exact (so only the outputs
are stored); the parametric ReLU, whose slope is learned and may have either sign, keeps its
pre-activations instead. ``leaky_relu`` has the fixed slope :data:`LEAKY_SLOPE` and ``elu``
is ``u`` for ``u > 0`` and ``e^u - 1`` otherwise (α = 1).

A binary step has no gradient (its derivative is zero wherever it exists), so a network
with it cannot be trained by gradients: it is refused, pointing to its smoothing ``logistic``.

References
----------
.. [1] A. L. Maas, A. Y. Hannun and A. Y. Ng, "Rectifier nonlinearities improve neural network
   acoustic models", ICML Workshop on Deep Learning for Audio, Speech and Language (2013)
   (leaky ReLU).
.. [2] K. He, X. Zhang, S. Ren and J. Sun, "Delving deep into rectifiers: surpassing
   human-level performance on ImageNet classification", ICCV (2015) (parametric ReLU).
.. [3] D.-A. Clevert, T. Unterthiner and S. Hochreiter, "Fast and accurate deep network
   learning by exponential linear units (ELUs)", ICLR (2016).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "LEAKY_SLOPE",
    "PRELU_INITIAL_SLOPE",
    "activate",
    "check_activation",
    "derivative",
    "derivative_from_output",
]

#: Names of the activations, in the order of the lecture's table.
ACTIVATIONS = (
    "identity",
    "logistic",
    "tanh",
    "arctan",
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "softplus",
)
#: Slope of ``leaky_relu`` for negative inputs.
LEAKY_SLOPE = 0.01
#: Starting slope of every neuron of a ``prelu`` layer (He et al.'s choice).
PRELU_INITIAL_SLOPE = 0.25
# Names of a step activation, refused with a message.
_STEPS = ("step", "binary_step", "heaviside", "sign", "threshold")


def check_activation(owner, name, value):
    """Return ``value`` if it names an activation; explain why a step is refused.

    Raises
    ------
    ValueError
        For a step (no gradient) or any other unknown value.
    """
    label = owner if isinstance(owner, str) else type(owner).__name__
    if isinstance(value, str) and value.lower() in _STEPS:
        raise ValueError(
            f"{label}: {name}={value!r} is a binary step, which has no gradient (its "
            "derivative is zero wherever it exists), so the network could not be trained by "
            "backpropagation or the adjoint; use a smoothed step such as 'logistic' (or "
            "'tanh')"
        )
    if not isinstance(value, str) or value not in ACTIVATIONS:
        raise ValueError(f"{label}: {name}={value!r} must be one of {ACTIVATIONS}")
    return value


def activate(u, name, slope=None):
    """Apply the activation in place to the pre-activations ``u`` and return them.

    ``slope`` is the learned slope of each neuron (``prelu`` only), broadcast along the last
    axis.
    """
    if name == "tanh":
        return np.tanh(u, out=u)
    if name == "relu":
        return np.maximum(u, 0.0, out=u)
    if name == "softplus":
        # log(1 + e^u), written to avoid overflow for large u
        return np.logaddexp(0.0, u, out=u)
    if name == "identity":
        return u
    if name == "logistic":
        # 1 / (1 + e^-u) through tanh: no overflow for large |u|
        u *= 0.5
        np.tanh(u, out=u)
        u *= 0.5
        u += 0.5
        return u
    if name == "arctan":
        return np.arctan(u, out=u)
    if name == "leaky_relu":
        return np.maximum(u, LEAKY_SLOPE * u, out=u)
    if name == "elu":
        negative = u < 0.0
        u[negative] = np.expm1(u[negative])
        return u
    if name == "prelu":
        if slope is None:
            raise ValueError("activate: the 'prelu' activation needs the learned slopes")
        return np.multiply(u, np.where(u > 0.0, 1.0, slope), out=u)
    raise ValueError(f"activate: unknown activation {name!r}")


def derivative_from_output(h, name):
    """σ'(u) as a function of h = σ(u), so the pre-activations need not be stored.

    Not for ``prelu`` (use :func:`derivative` with the pre-activations).
    """
    if name == "tanh":
        return 1.0 - h * h
    if name == "relu":
        return (h > 0.0).astype(h.dtype)
    if name == "softplus":
        # softplus' = logistic(u) = 1 - exp(-softplus(u))
        return -np.expm1(-h)
    if name == "identity":
        return np.ones_like(h)
    if name == "logistic":
        return h * (1.0 - h)
    if name == "arctan":
        # u = tan(h), so 1 / (1 + u²) = cos²(h)
        c = np.cos(h)
        return c * c
    if name == "leaky_relu":
        return np.where(h > 0.0, 1.0, LEAKY_SLOPE)
    if name == "elu":
        # h = e^u - 1 < 0 on the negative side, where σ' = e^u = h + 1
        return np.where(h > 0.0, 1.0, h + 1.0)
    raise ValueError(f"derivative_from_output: {name!r} needs the pre-activations")


def derivative(u, h, name, slope=None):
    """σ'(u) from the pre-activations ``u`` (and outputs ``h``); every activation."""
    if name == "prelu":
        return np.where(u > 0.0, 1.0, slope)
    return derivative_from_output(h, name)
