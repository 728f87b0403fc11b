"""What the estimators built on an MLP share in their parameters.

The neural ODE (:class:`~sparseid.models.NeuralODE`) and the flow classifier and regressor
(:mod:`sparseid.models._flow_estimator`) take the widths of their hidden layers
(``hidden_layer_sizes``, checked by :func:`check_layer_sizes`, a ``Check`` rule of
:mod:`sparseid._params`) and draw their random numbers from the generator their
``random_state`` gives (:func:`random_generator`).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_layer_sizes", "random_generator"]


def check_layer_sizes(owner, name, sizes):
    """The widths of the hidden layers as a list of ints (an int is one layer).

    Parameters
    ----------
    owner : object
        The estimator, named in the error message.
    name : str
        The parameter's name, for the error message.
    sizes : int or iterable of int
        The widths, each at least 1.

    Returns
    -------
    list of int

    Raises
    ------
    ValueError
        When ``sizes`` is not an int or an iterable of ints >= 1.

    Examples
    --------
    >>> check_layer_sizes(None, "hidden_layer_sizes", 8), check_layer_sizes(None, "h", (4, 2))
    ([8], [4, 2])
    """
    given = sizes
    if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        sizes = tuple(sizes)
    except TypeError:
        sizes = None
    if sizes is None or not all(isinstance(s, numbers.Integral) and s >= 1 for s in sizes):
        raise ValueError(
            f"{type(owner).__name__}: {name}={given!r} must be a tuple of positive integers"
        )
    return [int(s) for s in sizes]


def random_generator(random_state):
    """The numpy ``Generator`` of a ``random_state`` (as the ``Seed`` rule accepts it).

    Parameters
    ----------
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        A ``Generator`` is used as it is; a ``RandomState`` seeds a new generator with one
        draw; None or an int seeds one as ``numpy.random.default_rng`` does.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> import numpy as np
    >>> a, b = random_generator(0), random_generator(np.random.default_rng(0))
    >>> bool(a.random() == b.random())
    True
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    return np.random.default_rng(random_state)
