"""Evaluating a fitted :class:`~sparseid.models.NeuralODE`: :class:`NeuralODENetworkMixin`.

The hooks of the model contract that read the learned network: ``_predict_array`` (f on stacked
states, for ``predict`` and ``score``), ``_rhs_and_jacobian`` (single-state callables, for
``simulate``, ``vector_field`` and ``to_control``) and ``_source`` (``to_source``), each with the
affine maps around the network and the optional linear part.
"""

from __future__ import annotations

from ..ode import activate, single_state_functions
from ..ode._mlp import Layers

__all__ = ["NeuralODENetworkMixin"]


class NeuralODENetworkMixin:
    """``_predict_array``, ``_rhs_and_jacobian`` and ``_source`` of the fitted network."""

    def _network(self):
        layers = Layers((W, b) for W, b in zip(self.coefs_, self.intercepts_))
        layers.slopes = list(getattr(self, "activation_slopes_", []))
        return layers

    def _network_maps(self):
        """The network, its activation and the affine maps around it, in that order."""
        return (
            self._network(),
            self.activation,
            self.input_mean_,
            self.input_scale_,
            self.output_offset_,
            self.output_scale_,
        )

    def _linear(self):
        """B of the linear part (in scaled coordinates), or None."""
        return getattr(self, "linear_coef_", None) if self.linear_part else None

    def _predict_array(self, Z):
        z = (Z - self.input_mean_) / self.input_scale_
        h = z
        layers = self._network()
        slopes = layers.slopes or [None] * (len(layers) - 1)
        for (W, b), a in zip(layers[:-1], slopes):
            h = activate(h @ W.T + b, self.activation, a)
        W, b = layers[-1]
        out = h @ W.T + b
        B = self._linear()
        if B is not None:
            out += z @ B.T
        return self.output_offset_ + self.output_scale_ * out

    def _rhs_and_jacobian(self):
        rhs, jacobian = single_state_functions(*self._network_maps())
        B = self._linear()
        if B is None:
            return rhs, jacobian
        mean, inv = self.input_mean_, 1.0 / self.input_scale_
        # f(x) = net part + scale ⊙ B (x - mean) / input_scale; its Jacobian adds a constant
        SB = self.output_scale_[:, None] * B
        J_lin = SB * inv[None, :]

        def rhs_linear(x):
            return rhs(x) + SB @ ((x - mean) * inv)

        def jacobian_linear(x):
            return jacobian(x) + J_lin

        return rhs_linear, jacobian_linear

    def _source(self, language, header):
        from ..libraries._codegen import _c_header
        from ._mlp_source import mlp_source

        if header:
            return "\n".join(_c_header(None, None, self.n_features_in_, 0)) + "\n"
        return mlp_source(
            *self._network_maps(),
            language=language,
            state_names=self.variable_names_,
            linear=self._linear(),
        )
