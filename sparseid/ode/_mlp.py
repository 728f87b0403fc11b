"""A small multilayer perceptron with hand-written vector-Jacobian products.

The network is the vector field of a neural ODE, evaluated thousands of times per training
iteration on a batch of a few hundred states, so the code keeps the number of numpy calls per
evaluation small: the forward pass stores only the hidden activations (the derivative of
every activation but the parametric ReLU is a function of its output), and the parameter
gradient of many evaluations is formed by one matrix product per layer over the stacked
evaluations. The activations themselves are :mod:`sparseid.ode._activations`.
"""

import itertools

import numpy as np

from ._activations import (
    ACTIVATIONS,
    PRELU_INITIAL_SLOPE,
    activate,
    check_activation,
    derivative,
    derivative_from_output,
)
from ._bound_mlp import BoundMLP
from ._mlp_jacobians import input_jacobians, weighted_param_grad
from ._workspace import matmul, square, stack

__all__ = ["ACTIVATIONS", "MLP", "BoundMLP"]

_CHUNK = 16


class Layers(list):
    """The ``[(W_1, b_1), …]`` of :meth:`MLP.unpack`, with the learned ``slopes`` of a PReLU.

    ``slopes`` holds one vector per hidden layer (one slope per neuron) for the ``prelu``
    activation and is empty otherwise.
    """

    slopes = ()


class MLP:
    """Fully connected network f(z) = W_L σ(… σ(W_1 z + b_1) …) + b_L.

    Parameters live in one flat vector ``theta`` (what Adam updates; float64, or float32
    for a float32 training, whose arrays then all stay float32); :meth:`unpack`
    returns views of it shaped as the weights ``W_l`` (``(n_out, n_in)``, the convention of
    ``torch.nn.Linear``) and biases ``b_l``.

    Parameters
    ----------
    layer_sizes : sequence of int
        Sizes from input to output, e.g. ``(2, 20, 2)``.
    activation : str, default="tanh"
        Activation of every hidden layer, one of ``ACTIVATIONS``: "identity", "logistic",
        "tanh", "arctan", "relu", "leaky_relu" (slope 0.01), "prelu" (one learned slope per
        neuron, a trainable parameter), "elu" or "softplus" (see
        :mod:`sparseid.ode._activations`). The output layer is linear. A binary step is
        refused: it has no gradient.

    Attributes
    ----------
    n_params : int
        Length of the flat parameter vector.
    slices : list of tuple
        For each layer, ``(weight_slice, weight_shape, bias_slice)`` into ``theta``.
    slope_slices : list of slice
        For ``prelu``, the slopes of each hidden layer in ``theta`` (after every weight and
        bias); empty otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import MLP
    >>> mlp = MLP((2, 20, 2))
    >>> mlp.n_params  # 20 x 2 weights and 20 biases, then 2 x 20 weights and 2 biases
    102
    >>> theta = mlp.init_params(np.random.default_rng(0))
    >>> (W1, b1), (W2, b2) = mlp.unpack(theta)
    >>> W1.shape, W2.shape, bool(np.all(b1 == 0) and np.all(b2 == 0))
    ((20, 2), (2, 20), True)
    >>> z = np.array([[1.0, -0.5], [0.0, 2.0]])
    >>> out, cache = mlp.forward(mlp.unpack(theta), z)
    >>> bool(np.allclose(out, np.tanh(z @ W1.T + b1) @ W2.T + b2, rtol=1e-14, atol=1e-15))
    True
    >>> len(cache)  # the input and the hidden activations, what vjp needs
    2
    >>> W2[:] = 0.0  # unpack's views write through to theta: the output is now b2 = 0
    >>> mlp.forward(mlp.unpack(theta), z)[0].tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """

    def __init__(self, layer_sizes, activation="tanh"):
        sizes = tuple(int(s) for s in layer_sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"MLP: layer_sizes={layer_sizes!r} needs ≥ 2 positive sizes.")
        check_activation("MLP", "activation", activation)
        self.layer_sizes = sizes
        self.activation = activation
        self.slices = []
        offset = 0
        for n_in, n_out in itertools.pairwise(sizes):
            w = slice(offset, offset + n_in * n_out)
            offset += n_in * n_out
            b = slice(offset, offset + n_out)
            offset += n_out
            self.slices.append((w, (n_out, n_in), b))
        self.slope_slices = []
        if activation == "prelu":
            for width in sizes[1:-1]:
                self.slope_slices.append(slice(offset, offset + width))
                offset += width
        self.n_params = offset

    def init_params(self, rng):
        """Glorot-uniform weights and zero biases (PReLU slopes 0.25), as a new flat vector.

        Parameters
        ----------
        rng : numpy.random.Generator

        Returns
        -------
        theta : ndarray of shape (n_params,)

        References
        ----------
        .. [1] X. Glorot and Y. Bengio, "Understanding the difficulty of training deep
           feedforward neural networks", AISTATS 2010.
        """
        theta = np.zeros(self.n_params)
        for w, (n_out, n_in), _ in self.slices:
            limit = np.sqrt(6.0 / (n_in + n_out))
            theta[w] = rng.uniform(-limit, limit, size=n_out * n_in)
        for s in self.slope_slices:
            theta[s] = PRELU_INITIAL_SLOPE
        return theta

    def unpack(self, theta):
        """Views ``[(W_1, b_1), …]`` of the flat vector (writes go through to ``theta``).

        The list is a :class:`Layers`, whose ``slopes`` are views of a PReLU's slopes.
        """
        layers = Layers((theta[w].reshape(shape), theta[b]) for w, shape, b in self.slices)
        layers.slopes = [theta[s] for s in self.slope_slices]
        return layers

    def _slopes(self, params):
        slopes = getattr(params, "slopes", ())
        if self.activation == "prelu" and len(slopes) != len(self.slope_slices):
            raise ValueError(
                "MLP: the 'prelu' activation needs the slopes of every hidden layer: pass the "
                "parameters as returned by unpack"
            )
        return slopes

    def _transposed(self, params):
        # contiguous copies of Wᵀ: a product with a transposed view is about 1.5× slower
        return [np.ascontiguousarray(W.T) for W, _ in params]

    def forward(self, params, z, out=None, transposed=None):
        """Evaluate the network on a batch.

        Parameters
        ----------
        params : list of (W, b)
            From :meth:`unpack`.
        z : ndarray of shape (n, n_in)
        out : ndarray of shape (n, n_out), optional
            Buffer for the result.
        transposed : list of ndarray, optional
            Contiguous ``W_l.T`` of the same parameters (a cache kept by :class:`BoundMLP`).

        Returns
        -------
        out : ndarray of shape (n, n_out)
        cache : list
            ``(z, h_1, …, h_{L-1})``: what :meth:`vjp` needs; for ``prelu`` followed by
            the pre-activations ``u_1, …, u_{L-1}``.
        """
        if transposed is None:
            transposed = self._transposed(params)
        if len(params) == 2 and self.activation != "prelu":
            # one hidden layer, the common case: the same operations with fewer Python calls
            h = activate(np.add(z @ transposed[0], params[0][1]), self.activation)
            cache = [z, h]
        else:
            cache = self.hidden(params, z, transposed)
            h = cache[len(params) - 1]
        if out is None:
            out = h @ transposed[-1]
        else:
            np.matmul(h, transposed[-1], out=out)
        out += params[-1][1]
        return out, cache

    def hidden(self, params, z, transposed=None, workspace=None):
        """The ``cache`` of :meth:`forward` without the output layer (all a vjp needs).

        With a ``workspace`` (dict) the activations are written into buffers kept there:
        no fresh pages for large batches, but the next such call overwrites them.
        """
        if transposed is None:
            transposed = self._transposed(params)
        cache = [z]
        h = z
        name = self.activation
        if name == "prelu":
            pre = []
            for (_, b), WT, a in zip(params[:-1], transposed[:-1], self._slopes(params)):
                u = h @ WT
                u += b
                pre.append(u.copy())
                h = activate(u, name, a)
                cache.append(h)
            cache += pre
        else:
            for layer, ((_, b), WT) in enumerate(zip(params[:-1], transposed[:-1])):
                u = matmul(h, WT, workspace, ("hidden", layer))
                u += b
                h = activate(u, name)
                cache.append(h)
        return cache

    def vjp(self, params, cache, v, need_input=True, workspace=None):
        """Vector-Jacobian product vᵀ ∂f/∂z, and the per-layer deltas for the parameters.

        Parameters
        ----------
        params : list of (W, b)
        cache : tuple
            From :meth:`forward` at the same parameters.
        v : ndarray of shape (n, n_out)
        need_input : bool, default=True
            Skip the last product when the input gradient is not wanted.
        workspace : dict, optional
            Buffers for the deltas (``tanh``), overwritten by the next such call.

        Returns
        -------
        v_z : ndarray of shape (n, n_in) or None
        deltas : list of ndarray
            ``deltas[l]`` has shape ``(n, n_out_l)``: the gradient with respect to the
            pre-activation of layer ``l``; for ``prelu`` followed by, per hidden layer, the
            per-row gradient with respect to its slopes. :meth:`param_grad` turns these into
            ∂/∂θ.
        """
        n_layers = len(params)
        if n_layers == 2 and workspace is None and self.activation == "tanh":
            # one tanh layer, the common case: the operations below with fewer Python calls
            g = v @ params[1][0]
            slope = np.multiply(cache[1], cache[1])
            np.subtract(1.0, slope, out=slope)
            g *= slope
            return (g @ params[0][0] if need_input else None), [g, v]
        deltas = [None] * n_layers
        delta = v
        deltas[-1] = delta
        name = self.activation
        slopes = self._slopes(params) if name == "prelu" else ()
        slope_grads = [None] * len(slopes)
        for layer in range(n_layers - 1, 0, -1):
            g = matmul(delta, params[layer][0], workspace, ("vjp", layer))
            if name == "prelu":
                # h = u (u > 0) or a u: ∂h/∂a = min(u, 0) and ∂h/∂u = 1 or a
                u = cache[n_layers + layer - 1]
                slope_grads[layer - 1] = g * np.minimum(u, 0.0)
                g = g * derivative(u, None, name, slopes[layer - 1])
            elif name == "tanh":
                # g *= 1 - h², without temporaries beyond one buffer
                h = cache[layer]
                slope = square(h, workspace, "slope")
                np.subtract(1.0, slope, out=slope)
                g *= slope
            else:
                g *= derivative_from_output(cache[layer], name)
            delta = g
            deltas[layer - 1] = delta
        v_z = delta @ params[0][0] if need_input else None
        return v_z, deltas + slope_grads

    def vjp_factors(self, params, cache, workspace=None):
        """The activations' derivatives σ'(u_l) of each hidden layer, for :meth:`vjp_with`."""
        n_layers = len(params)
        if self.activation == "prelu":
            slopes = self._slopes(params)
            return [derivative(cache[n_layers + k], None, "prelu", a) for k, a in enumerate(slopes)]
        if self.activation != "tanh":
            return [derivative_from_output(h, self.activation) for h in cache[1:n_layers]]
        factors = []
        for layer, h in enumerate(cache[1:n_layers]):
            f = square(h, workspace, ("factor", layer))
            factors.append(np.subtract(1.0, f, out=f))
        return factors

    def vjp_with(self, params, factors, v, out=None):
        """vᵀ ∂f/∂z from the derivatives of :meth:`vjp_factors` (no parameter deltas)."""
        g = v
        for layer in range(len(params) - 1, 0, -1):
            g = g @ params[layer][0]
            g *= factors[layer - 1]
        return np.matmul(g, params[0][0], out=out)

    def input_jacobians(self, params, factors, workspace=None):
        """Transposed Jacobians (∂f/∂z)ᵀ, shape ``(n_in, n_out, n)`` (see ``_mlp_jacobians``)."""
        return input_jacobians(self, params, factors, workspace)

    def weighted_param_grad(self, params, cache, factors, VT, out):
        """Add Σ_k v_kᵀ ∂f/∂θ(z_k) to ``out``, ``VT`` of shape (n_out, n) (``_mlp_jacobians``)."""
        return weighted_param_grad(self, params, cache, factors, VT, out)

    def param_grad(self, caches, deltas, out=None, workspace=None, scales=None):
        """Σ over evaluations of vᵀ ∂f/∂θ, as a flat vector.

        Parameters
        ----------
        caches : list of tuple
            Forward caches of several evaluations.
        deltas : list of list of ndarray
            The matching :meth:`vjp` deltas.
        out : ndarray of shape (n_params,), optional
            Accumulate into this vector instead of a new one.
        workspace : dict, optional
            Buffers for the stacked evaluations, kept between calls (a :class:`BoundMLP`
            passes its own). Stacking into fresh arrays of a few hundred kilobytes made glibc
            map and unmap pages on every call in some processes (whether it does depends on
            its adaptive mmap threshold, hence on the process's history): about 250 page
            faults per training iteration and 1.6× the time. Reused buffers avoid that.
        scales : sequence of float, optional
            A weight per evaluation: Σ_e scales[e] vᵀ∂f/∂θ (the adjoint's quadrature weights),
            applied to the stacked copies, not to ``deltas``.

        Returns
        -------
        grad : ndarray of shape (n_params,)
        """
        dtype = deltas[0][0].dtype  # float32 training accumulates in float32
        grad = np.zeros(self.n_params, dtype) if out is None else out
        # One product over a chunk of stacked evaluations instead of one per evaluation; the
        # chunks stay small enough to be cache-friendly (stacking hundreds of evaluations at
        # once costs more in copying than it saves). For the 13 evaluations of a 2-step
        # dopri5 backprop of 200 states and width 20, chunks of 16 took 73 µs, of 8 84 µs.
        for lo in range(0, len(caches), _CHUNK):
            chunk_c = caches[lo : lo + _CHUNK]
            chunk_d = deltas[lo : lo + _CHUNK]
            if scales is not None:
                chunk_s = scales[lo : lo + _CHUNK]
                weights = np.repeat(chunk_s, [len(c[0]) for c in chunk_c]).astype(dtype, copy=False)
            for layer, (w, _, b) in enumerate(self.slices):
                if len(chunk_c) == 1 and scales is None:
                    inputs = chunk_c[0][layer]
                    delta = chunk_d[0][layer]
                else:
                    inputs = stack([c[layer] for c in chunk_c], workspace, (layer, 0))
                    delta = stack([d[layer] for d in chunk_d], workspace, (layer, 1))
                if scales is None:
                    # a product with a ones vector is several times faster than sum(axis=0)
                    grad[b] += np.ones(len(delta), dtype) @ delta
                else:
                    grad[b] += weights @ delta
                    # weight the rows of the narrower of the two stacked copies
                    narrow = inputs if inputs.shape[1] <= delta.shape[1] else delta
                    narrow *= weights[:, None]
                if inputs.shape[1] > delta.shape[1]:
                    # the wider factor transposed on the left: measured 15 µs instead of 18 µs
                    # for 2600 rows of width 20 against 2 outputs
                    grad[w] += (inputs.T @ delta).T.ravel()
                else:
                    grad[w] += (delta.T @ inputs).ravel()
            n_layers = len(self.slices)
            for layer, s in enumerate(self.slope_slices):
                for k, d in enumerate(chunk_d):
                    part = np.ones(len(d[n_layers + layer]), dtype) @ d[n_layers + layer]
                    grad[s] += part if scales is None else chunk_s[k] * part
        return grad

    def param_grad_into(self, cache, deltas, out):
        """Write (not add) Σ_batch vᵀ ∂f/∂θ of one evaluation into ``out`` (for the adjoint)."""
        for layer, (w, shape, b) in enumerate(self.slices):
            np.matmul(deltas[layer].T, cache[layer], out=out[w].reshape(shape))
            np.matmul(np.ones(len(deltas[layer]), out.dtype), deltas[layer], out=out[b])
        n_layers = len(self.slices)
        for layer, s in enumerate(self.slope_slices):
            slope_grad = deltas[n_layers + layer]
            np.matmul(np.ones(len(slope_grad), out.dtype), slope_grad, out=out[s])
        return out

    def bind(self, theta):
        """The network at fixed parameters, as the vector field the solvers call."""
        return BoundMLP(self, theta)
