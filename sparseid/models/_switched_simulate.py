"""Simulation of a fitted library model whose terms switch (steps, hinges).

A model fitted with :class:`~sparseid.libraries.SwitchedLibrary` or
:class:`~sparseid.libraries.HingeLibrary` terms is smooth on each region cut out by its
switching surfaces. :class:`SwitchedField` rewrites its terms for every region
(:func:`sparseid.libraries.terms_on_side`), compiles each region's field once (on first use)
and hands them to :class:`sparseid.switched.SwitchedSystem`, which locates every crossing and
slides along a surface where both sides push into it. A plain ODE solver would instead step
over the kink with its error control and lose accuracy at every crossing.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..exceptions import SimulationError
from ..libraries import compile_rhs, switching_surfaces, terms_on_side
from ..switched import SwitchedSystem

__all__ = ["SwitchedField", "SwitchingMixin", "active_surfaces"]


def active_surfaces(terms, coef):
    """The switching surfaces ``(normal, offset)`` of the terms with a nonzero coefficient."""
    coef = np.asarray(coef)
    return switching_surfaces([t for k, t in enumerate(terms) if np.any(coef[:, k])])


class _LeftBox(Exception):
    def __init__(self, t, x):
        super().__init__(t)
        self.t, self.x = float(t), np.array(x)


class SwitchedField:
    """The fitted field region by region, for :class:`~sparseid.switched.SwitchedSystem`.

    Parameters
    ----------
    terms : list of Term
        The library terms (inputs: the ``n_states`` states, then the control inputs).
    coef : ndarray of shape (n_states, n_terms)
    n_states : int
    surfaces : list of (normal, offset)
        As :func:`active_surfaces` gives them (normals over states and inputs).
    """

    def __init__(self, terms, coef, n_states, surfaces):
        self.terms, self.coef = terms, np.asarray(coef, dtype=np.float64)
        self.n_states, self.surfaces = int(n_states), list(surfaces)
        self.n_inputs = len(self.surfaces[0][0]) if self.surfaces else self.n_states
        self._compiled = {}

    def region(self, signs):
        """The compiled field of the region with these signs (+1: ``normal · z >= offset``)."""
        key = tuple(int(s) for s in signs)
        if key not in self._compiled:
            sides = dict(zip(self.surfaces, key))
            terms, coef = terms_on_side(self.terms, self.coef, sides, self.n_inputs)
            self._compiled[key] = compile_rhs(terms, coef, self.n_inputs)
        return self._compiled[key]

    def system(self, inputs=None, control=None, box=None):
        """A :class:`SwitchedSystem` of the states, with the control inputs held or given.

        Parameters
        ----------
        inputs : ndarray of shape (m,), optional
            Constant control inputs (parameters); surfaces may depend on them.
        control : callable ``control(t) -> (m,)``, optional
            Time-varying control inputs; then no surface may depend on them.
        box : Box, optional
            Leaving it raises SimulationError (see :mod:`sparseid.models._simulate`).
        """
        d = self.n_states
        normals = np.array([n for n, _ in self.surfaces], dtype=np.float64)
        offsets = np.array([o for _, o in self.surfaces], dtype=np.float64)
        on_states, on_inputs = normals[:, :d], normals[:, d:]
        if control is not None and np.any(on_inputs):
            raise ValueError(
                "simulate: a switching surface of this model depends on the control inputs, "
                "so they must be constant: pass them as parameters= (or as u values that do "
                "not change)"
            )
        fixed = np.asarray(inputs if inputs is not None else np.zeros(normals.shape[1] - d))
        # Surfaces in the inputs alone: their side is fixed by the inputs, not crossed.
        moving = np.flatnonzero(np.any(on_states != 0.0, axis=1))
        frozen = np.where(on_inputs @ fixed - offsets >= 0.0, 1, -1) if fixed.size else None
        shift = offsets[moving] - (on_inputs[moving] @ fixed if fixed.size else 0.0)
        grad = on_states[moving]
        n_all = len(self.surfaces)

        def full_signs(signs):
            out = [0] * n_all if frozen is None else list(frozen)
            for k, s in zip(moving, signs):
                out[k] = s
            return out

        bounds = None
        if box is not None:
            bounds = (box.center - box.factor * box.half, box.center + box.factor * box.half)

        def field(t, x, signs):
            if bounds is not None and not np.all((bounds[0] <= x) & (x <= bounds[1])):
                raise _LeftBox(t, x)
            rhs = self.region(full_signs(signs)).rhs
            u = fixed if control is None else control(t)
            return rhs(np.concatenate([x, u]) if u.size else x)

        if moving.size == 0:
            raise ValueError("SwitchedField.system: no surface depends on the states")
        return SwitchedSystem(
            field, lambda x: grad @ x - shift, lambda x: grad, n_surfaces=moving.size
        )


def simulate_switched(switched_field, x0, times, *, inputs=None, control=None, box=None, **solver):
    """States at ``times`` through the switched integrator; leaving ``box`` raises."""
    system = switched_field.system(inputs, control, box)
    solver = {**solver}
    solver.setdefault("method", "DOP853")
    try:
        return system.simulate(x0, times, **solver).x
    except _LeftBox as out:
        message, variable = box.describe(out.x, out.t)
        raise SimulationError(
            f"{message} (in the switched integrator)", t=out.t, variable=variable
        ) from None


class SwitchingMixin:
    """What a library model whose terms switch adds: its surfaces, its switched system, its runs."""

    def _set_switching(self):
        """Record the switching surfaces of the active terms and prepare their regions."""
        library = self.feature_library_
        surfaces = active_surfaces(library.terms_, self.coef_)
        self.switching_surfaces_ = [(np.array(n), o) for n, o in surfaces]
        self._switched_field = (
            SwitchedField(library.terms_, self.coef_, self.n_features_in_, surfaces)
            if surfaces and not self._is_map
            else None
        )

    def switched_system(self, parameters=None):
        """The learned field as a :class:`~sparseid.switched.SwitchedSystem` of the states.

        For a model whose active terms switch (see ``switching_surfaces_``): each region's
        field is compiled on first use. ``simulate`` integrates it, and
        :func:`sparseid.dynamics.pseudo_equilibria` finds its sliding equilibria.

        Parameters
        ----------
        parameters : array-like of shape (m,) or dict, optional
            The control inputs, held constant (required when the model has any).

        Returns
        -------
        SwitchedSystem

        Raises
        ------
        ValueError
            When no active term switches.
        """
        from ._parameters import parameter_vector

        check_is_fitted(self)
        field = getattr(self, "_switched_field", None)
        if field is None:
            raise ValueError(
                "switched_system: no active term of this model switches (no step or hinge "
                "term has a nonzero coefficient), so it has no switching surfaces"
            )
        if self.n_control_features_ and parameters is None:
            raise ValueError(
                f"switched_system: the model has control inputs {self.control_names_}: pass "
                "their constant values as parameters="
            )
        inputs = None
        if self.n_control_features_:
            inputs = parameter_vector(parameters, self.control_names_)
        return field.system(inputs)

    def _switched_run(self, x0, times, inputs, control, box, solver):
        """A run of the switched integrator when the active terms switch, else None."""
        field = getattr(self, "_switched_field", None)
        if field is None or solver.get("switched", True) is False:
            return None
        options = {k: v for k, v in solver.items() if k != "switched"}
        return lambda: simulate_switched(
            field, x0, times, inputs=inputs, control=control, box=box, **options
        )
