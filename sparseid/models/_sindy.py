"""SINDy: sparse identification of nonlinear dynamics."""

from __future__ import annotations

import copy
from typing import ClassVar

import numpy as np
from sklearn.base import clone

from .._params import Bool, Check, Estimator
from ._library_model import LibraryModel

__all__ = ["SINDy"]


def _check_weak_form(owner, name, value):
    from ..weak import WeakForm

    if isinstance(value, bool | np.bool_) or value is None:
        return bool(value)
    if isinstance(value, WeakForm):
        value._check_params()
        return value
    raise TypeError(
        f"{type(owner).__name__}: {name}={value!r} must be a bool or a sparseid.weak.WeakForm, "
        f"got {type(value).__name__}"
    )


class SINDy(LibraryModel):
    """Sparse identification of nonlinear dynamics: dx/dt ≈ Θ(x) Ξᵀ with a sparse Ξ.

    The time derivatives of the trajectories (or, with ``y``/``x_dot``, given targets) are
    regressed on a library Θ of candidate terms by a sparse optimizer; the nonzero
    coefficients are the learned equations [1]_. With control inputs ``u`` the library is built
    on the states and the inputs together (SINDYc [2]_).

    ``fit`` streams: Θ is built and folded into the optimizer's statistics block by block (see
    :doc:`/guide/scale`), and accepts Dask arrays and DataFrames; ``partial_fit`` takes data
    in chunks.

    Parameters
    ----------
    feature_library : library, default=None
        Candidate terms; None means ``PolynomialLibrary(degree=2)``. A PySINDy library
        (PolynomialLibrary, IdentityLibrary, FourierLibrary, CustomLibrary, and ``+``/``*`` of
        them) is translated into the equivalent sparseid library. Any other library with
        ``fit``, ``transform`` and ``get_feature_names`` (say PySINDy's GeneralizedLibrary) is
        used through its ``transform`` and names: ``predict`` and ``simulate`` then call
        ``transform`` at every evaluation (much slower, and no Jacobian), and ``to_sympy``,
        ``latex``, code export and ``save`` (JSON) raise a TypeError; pickle works.
    differentiation_method : differentiator, default=None
        How to estimate dx/dt; None means the package default chosen by the data's estimated
        noise: ``FiniteDifference(order=8)`` on clean data, a ``SavitzkyGolay`` smoother when
        noise would dominate its derivative (the rule:
        :func:`sparseid.differentiation.noise_aware_differentiation`).
    optimizer : regressor, default=None
        Any regressor with ``fit(Θ, y)`` and ``coef_`` and no intercept (PySINDy's optimizers
        included); None means ``STLSQ()``, or ``STLSQ(threshold="auto")`` with ``weak_form``.
        sparseid's optimizers are fitted from sufficient statistics folded block by block, so
        the library matrix Θ is never whole in memory (and ``partial_fit`` and Dask
        collections work; an ensemble keeps the statistics of every 256 rows); any other
        regressor gets the whole Θ, and works with ``fit`` on in-memory data only.
    discrete_time : bool, default=False
        Learn a map x[k+1] = f(x[k]) instead of a flow; ``simulate`` then iterates it.
    weak_form : bool or WeakForm, default=False
        Fit the weak form of the equations (test-function integrals, no pointwise
        derivatives; covariance-weighted and iterated): True for the default
        :class:`sparseid.weak.WeakForm`, or a ``WeakForm`` with other settings. The
        ``differentiation_method`` is then not used for fitting. For noisy data.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_terms)
        The learned coefficients.
    differentiation_ : differentiator
        The differentiator the derivatives were estimated with (the given one, or the default
        chosen for these data); absent with ``weak_form`` or given targets.
    coef_stderr_ : ndarray of shape (n_targets, n_terms) or None
        Standard errors of the coefficients (zero off the support), when the optimizer gives them.
    feature_library_, optimizer_ : estimators
        The fitted library and optimizer. With ``weak_form`` the optimizer was fitted on the
        whitened weak equations of all targets as one block-diagonal problem (its ``coef_``
        has one row of ``n_targets * n_terms`` entries).
    weak_form_ : WeakForm
        With ``weak_form``: the settings used, with the chosen half-widths, the number of test
        functions, the estimated noise and the number of reweighting rounds.
    feature_names_ : list of str
        Names of the library terms.
    switching_surfaces_ : list of (ndarray, float)
        The surfaces ``normal · z = offset`` (z: the states, then the control inputs) on which
        the terms with a nonzero coefficient switch (steps and hinges of `SwitchedLibrary`
        and `HingeLibrary`); empty for a smooth model. ``simulate`` integrates a model that
        has any through :class:`sparseid.switched.SwitchedSystem`.
    surface_search_ : list of dict or None
        When the library had unknown offsets (None), what the search found for each: its
        ``offset``, the ``bracket`` of the samples either side and the ``residual``.
    variable_names_, control_names_, target_names_ : list of str
        Names of the state variables, control inputs and targets.
    n_features_in_ : int
        Number of state variables.
    feature_names_in_ : ndarray of str
        Column names, when fitted on a DataFrame.

    References
    ----------
    .. [1] S. L. Brunton, J. L. Proctor and J. N. Kutz, "Discovering governing equations from data
       by sparse identification of nonlinear dynamical systems", PNAS 113 (15), 3932-3937
       (2016).
    .. [2] S. L. Brunton, J. L. Proctor and J. N. Kutz, "Sparse identification of nonlinear
       dynamics with control (SINDYc)", IFAC-PapersOnLine 49 (18), 710-715 (2016).

    Examples
    --------
    >>> from sparseid import SINDy, datasets
    >>> model = SINDy().fit(datasets.load("lorenz"))
    >>> model.equations(precision=2)[0]
    '-10.00 x + 10.00 y'
    """

    # The estimators check their own rules when fitted (and when a saved model is loaded).
    _parameter_rules: ClassVar = {
        "feature_library": Estimator("library"),
        "differentiation_method": Estimator("differentiator"),
        "optimizer": Estimator("optimizer"),
        "discrete_time": Bool(),
        "weak_form": Check(_check_weak_form, "a bool or a sparseid.weak.WeakForm"),
    }

    def __init__(
        self,
        feature_library=None,
        differentiation_method=None,
        optimizer=None,
        discrete_time=False,
        weak_form=False,
    ):
        self.feature_library = feature_library
        self.differentiation_method = differentiation_method
        self.optimizer = optimizer
        self.discrete_time = discrete_time
        self.weak_form = weak_form

    def _make_library(self):
        from ..libraries import PolynomialLibrary

        if self.feature_library is None:
            return PolynomialLibrary(degree=2)
        from .._pysindy import is_foreign_library, translate_library

        if is_foreign_library(self.feature_library):
            # A PySINDy library becomes the equivalent sparseid library (same terms and
            # order), so simulation stays compiled; one without an equivalent is used through
            # its own transform.
            try:
                return translate_library(self.feature_library)
            except TypeError:
                pass
            try:
                return clone(self.feature_library)
            except (AttributeError, RuntimeError, TypeError):
                # PySINDy's CustomLibrary does not clone (it stores library_functions as
                # functions), so neither does a composition holding one: copy it instead.
                return copy.deepcopy(self.feature_library)
        return clone(self.feature_library)

    def _make_optimizer(self):
        from ..optimizers import STLSQ

        if self.optimizer is None:
            # The weak form's weighted equations have calibrated errors, so the threshold can
            # be chosen by an information criterion (see STLSQ's threshold="auto").
            weak = self.weak_form is not None and self.weak_form is not False
            return STLSQ(threshold="auto") if weak else STLSQ()
        return clone(self.optimizer)

    def _differentiation(self):
        return self.differentiation_method

    def _weak_settings(self):
        from ..weak import WeakForm

        value = _check_weak_form(self, "weak_form", self.weak_form)
        if isinstance(value, WeakForm):
            return clone(value)
        return WeakForm() if value else None

    @property
    def _is_map(self):
        return bool(self.discrete_time)
