"""The lecture's one-dimensional sigmoid map, vectorised over its parameters.

A feed-forward network with one neuron per layer and shared weights is the map
x[n+1] = a x[n] − σ(x[n]) + b. With the Heaviside step for σ the map is discontinuous at 0 and
shows border-collision bifurcations and period adding [1]_; smoothing the step with
(1 + tanh(c x))/2 gives a smooth map that tends to the discontinuous one as c → ∞.

References
----------
.. [1] M. di Bernardo, C. J. Budd, A. R. Champneys and P. Kowalczyk, *Piecewise-smooth
   Dynamical Systems: Theory and Applications*, Springer (2008).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["SigmoidMap"]


def _parameter(value, name):
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"SigmoidMap: {name} must be finite, got {value!r}")
    return array


class SigmoidMap:
    """The sigmoid map x[n+1] = a x[n] − H(x[n]) + b, or its tanh smoothing.

    With ``c=None`` the step is the Heaviside function with H(0) = 1; otherwise it is
    (1 + tanh(c x))/2. The parameters broadcast as arrays, so one call iterates the map for
    thousands of parameter values at once (the state broadcasts against them).

    Parameters
    ----------
    a : float or array-like
        Slope of the linear part (0.8 in the lecture).
    b : float or array-like
        Offset (the bifurcation parameter of the lecture's diagrams).
    c : float, array-like or None
        Steepness of the smoothed step; None for the discontinuous step.

    Attributes
    ----------
    shape : tuple
        Broadcast shape of ``a``, ``b`` and ``c``.

    References
    ----------
    .. [1] M. di Bernardo, C. J. Budd, A. R. Champneys and P. Kowalczyk, *Piecewise-smooth
       Dynamical Systems: Theory and Applications*, Springer (2008).

    Examples
    --------
    >>> import numpy as np
    >>> f = SigmoidMap(a=0.8, b=np.array([0.0, 0.5]))
    >>> f(np.array([1.0, -1.0]))
    array([-0.2, -0.3])
    >>> SigmoidMap(a=0.5, c=1.0).derivative(0.0)
    array(0.)
    """

    def __init__(self, a=0.8, b=0.0, c=None):
        self.a = _parameter(a, "a")
        self.b = _parameter(b, "b")
        if c is not None:
            c = _parameter(c, "c")
            if np.any(c <= 0):
                raise ValueError(f"SigmoidMap: c must be positive (or None for the step), got {c}")
        self.c = c
        arrays = (self.a, self.b) if c is None else (self.a, self.b, c)
        self.shape = np.broadcast_shapes(*(x.shape for x in arrays))

    def __repr__(self):
        def show(v):
            return repr(float(v)) if np.ndim(v) == 0 else f"array{np.shape(v)}"

        c = "None" if self.c is None else show(self.c)
        return f"SigmoidMap(a={show(self.a)}, b={show(self.b)}, c={c})"

    @property
    def smooth(self):
        """Whether the step is smoothed (``c`` is not None)."""
        return self.c is not None

    def with_params(self, **params):
        """A copy with some parameters replaced, e.g. ``f.with_params(b=grid)``.

        Examples
        --------
        >>> SigmoidMap(a=0.8).with_params(b=0.3).b
        array(0.3)
        """
        unknown = set(params) - {"a", "b", "c"}
        if unknown:
            raise ValueError(
                f"SigmoidMap.with_params: unknown parameter(s) {sorted(unknown)}; "
                "the parameters are a, b and c"
            )
        current = {"a": self.a, "b": self.b, "c": self.c}
        return type(self)(**{**current, **params})

    def step(self, x, out=None):
        """One iteration x ↦ a x − H(x) + b, broadcast against the parameters.

        Parameters
        ----------
        x : float or array-like
            State(s).
        out : ndarray, optional
            Array of the broadcast shape to write the result into (saves allocations in long
            iterations).

        Returns
        -------
        ndarray
        """
        x = np.asarray(x, dtype=np.float64)
        if self.c is None:
            step = np.greater_equal(x, 0.0).astype(np.float64)
        else:
            step = np.tanh(self.c * x)
            step += 1.0
            step *= 0.5
        result = np.multiply(self.a, x, out=out)
        result -= step
        result += self.b
        return result if out is not None else np.asarray(result)

    __call__ = step

    def derivative(self, x):
        """The derivative a − H′(x): a away from 0 for the step map, a − c sech²(c x)/2 else.

        The step map's derivative at 0 itself is undefined; ``a`` is returned there too (the
        one-sided derivative), which is what the Lyapunov exponent of an orbit needs.

        Returns
        -------
        ndarray
        """
        x = np.asarray(x, dtype=np.float64)
        if self.c is None:
            return np.broadcast_to(self.a, np.broadcast_shapes(x.shape, self.a.shape)).copy()
        # sech² through 1 − tanh², which stays finite for large |c x| (cosh overflows).
        return np.asarray(self.a - 0.5 * self.c * (1.0 - np.tanh(self.c * x) ** 2))

    def parameter_derivatives(self, x):
        """∂f/∂a = x, ∂f/∂b = 1 and, for the smoothed step, ∂f/∂c = −x sech²(c x)/2.

        What backpropagation through iterations of the map needs (see
        :func:`sparseid.dynamics.omega_limit_loss`).

        Parameters
        ----------
        x : float or array-like

        Returns
        -------
        dict of str to ndarray
            Keys ``"a"``, ``"b"`` and, when ``smooth``, ``"c"``; arrays of the broadcast shape.

        Examples
        --------
        >>> d = SigmoidMap(a=0.8, b=0.1, c=2.0).parameter_derivatives(0.0)
        >>> {k: float(v) for k, v in d.items()}
        {'a': 0.0, 'b': 1.0, 'c': -0.0}
        """
        x = np.asarray(x, dtype=np.float64)
        shape = np.broadcast_shapes(x.shape, self.shape)
        result = {"a": np.broadcast_to(x, shape).copy(), "b": np.ones(shape)}
        if self.c is not None:
            d_c = -0.5 * x * (1.0 - np.tanh(self.c * x) ** 2)
            result["c"] = np.broadcast_to(d_c, shape).copy()
        return result

    def iterate(self, x0, n):
        """The orbit x[0] = x0, x[1], ..., x[n], stacked along axis 0.

        Parameters
        ----------
        x0 : float or array-like
            Initial state(s), broadcast against the parameters.
        n : int
            Number of iterations.

        Returns
        -------
        ndarray of shape (n + 1, *broadcast shape)

        Examples
        --------
        >>> SigmoidMap(a=0.5, b=0.25).iterate(0.0, 2)
        array([ 0.   , -0.75 , -0.125])
        """
        if not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"SigmoidMap.iterate: n must be a non-negative integer, got {n!r}")
        x = np.broadcast_to(np.asarray(x0, dtype=np.float64), self._state_shape(x0))
        orbit = np.empty((n + 1, *x.shape))
        orbit[0] = x
        for k in range(n):
            self.step(orbit[k, ...], out=orbit[k + 1, ...])
        return orbit

    def _state_shape(self, x0):
        return np.broadcast_shapes(np.shape(x0), self.shape)
