"""Weak-form SINDy: regress test-function integrals instead of pointwise derivatives."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from .._params import Bool, Check, Choice, Integer, ParameterRulesMixin, Real
from ._covariance import library_derivatives, state_jacobian, whiten
from ._fitting import _fit_targets
from ._joint import joint_equations, joint_least_squares
from ._shooting import shooting_refine
from ._test_functions import auto_half_width, bump_matrices

__all__ = ["WeakForm", "weak_fit"]


def _positive_or_auto(owner, name, value):
    if isinstance(value, str) and value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{type(owner).__name__}: {name}={value!r} must be 'auto' or > 0")
    return value


class WeakForm(ParameterRulesMixin, BaseEstimator):
    """Settings of weak-form SINDy: the test functions and the covariance weighting.

    Instead of differentiating noisy data, each equation ``x_i' = Theta(x) xi_i`` is multiplied
    by smooth, compactly supported test functions ``phi_k`` and integrated by parts:
    ``-integral phi_k' x_i dt = integral phi_k Theta(x) dt xi_i`` [1]_ [2]_. The integrals are
    trapezoidal sums over the samples (any, also non-uniform, times; each contiguous piece of
    each trajectory on its own). The test functions are the bumps ``(1 - s^2)^order`` of
    half-width ``half_width``, centred ``half_width / density`` apart.

    Noise in the states makes the errors of these equations correlated and unequal, and
    ordinary least squares on them is biased (coefficients shrink toward zero). With
    ``covariance="joint"`` (the default) the equations are weighted by the inverse of their
    error covariance, linearised at the current coefficients, and the fit is iterated (the
    WENDy estimator of Bortz, Messenger & Dukic [3]_; the noise level of each state comes from
    :func:`sparseid.differentiation.estimate_noise`). The noise of one state enters the
    equations of every target (through the model's Jacobian), so the targets' errors are
    correlated: at each iteration each target's sparse optimizer chooses its support on its own
    weighted equations, and the coefficients on the chosen supports are then the generalised
    least-squares estimate of all targets together, with their joint covariance (banded, see
    :func:`sparseid.weak._covariance.whiten_joint`). Choosing the supports per target keeps a
    wrong support in one target from leaking into the others through the joint weights. The
    support can change at every iteration as the weights improve. ``covariance="gls"`` keeps
    each target's own weighted fit (the cross-target correlation ignored): on the Lorenz
    benchmark its median largest coefficient error was about 1.5-2 times larger. On noisy data
    the coefficients on the final supports are then refined by fitting trajectories
    (``refine``; multiple shooting [4]_).

    Parameters
    ----------
    half_width : "auto" or float, default="auto"
        Half-width of the test functions, in units of time. "auto" picks the narrowest width
        whose averaging keeps the errors-in-variables attenuation of the library integrals
        below ``8e-4`` (it grows like the noise variance; see
        :func:`sparseid.weak.auto_half_width`): at least ``min_samples`` samples and at most an
        eighth of the piece. On the Lorenz benchmark this is about 20 samples at 10 % noise and
        80 at 20 %.
    order : int, default=16
        Exponent of the bump; ``order - 1`` derivatives vanish at its ends. (On the Lorenz
        benchmark order 8 was as good at 10-20 % noise, but on clean data with 16-sample
        half-widths its quadrature error was 2e-7 against 2e-11 for order 16.)
    density : float, default=4
        Test functions per half-width (centres ``half_width / density`` apart).
    covariance : {"joint", "gls", "none"}, default="joint"
        Weighted supports with joint GLS coefficients (iterated; the coefficients on the
        supports are unpenalised, whatever the optimizer's penalty), each target's own
        weighted fit (iterated), or no weighting (plain weak SINDy). An ensemble is fitted
        once, on each target's own weighted equations at the final coefficients.
    max_iter : int, default=10
        Most reweighting rounds with ``covariance="joint"`` or ``"gls"``.
    tol : float, default=1e-6
        Stop reweighting when the support is unchanged and no coefficient moved by more than
        ``tol`` relative to the largest.
    min_samples : int, default=16
        Smallest half-width, in samples, that "auto" may choose (clean data: the quadrature
        error on the Lorenz system is then about 2e-11).
    bias_correction : bool, default=False
        Only with ``covariance="gls"`` (a ValueError otherwise): subtract from the weighted
        normal equations the expected products of the noise in the library integrals
        (linearised, from the derivatives of the library terms; corrected least squares for
        errors in variables). Not applied to the blocks of an ensemble. Off by default: on
        the Lorenz benchmark at 20 % noise it removed most of the shrinkage of the linear
        terms' coefficients but biased the ``-8/3 z`` term, and with the automatic threshold
        it recovered the structure less often (4 of 10 seeds against 10 of 10 without it;
        measured with the earlier, spectrum-based automatic half-width).
    refine : bool, default=True
        With ``covariance="joint"``, after the supports are chosen: refine the nonzero
        coefficients by fitting the model's own trajectories to the data (multiple shooting over
        windows of at most 50 samples tied end to start, each state weighted by its noise level;
        ``sparseid.weak._shooting``). The weak-form estimate treats the noisy states as the
        states, and the noise inside the library integrals then sets how well the
        coefficients can be known; the trajectory fit does not have that limit. It runs only
        on noisy data (some state's noise estimate at least 3 % of its standard deviation,
        none below 0.1 %), without control inputs and without an ensemble, and the weak-form
        estimate is kept if it does not converge (``refined_`` says which). On the Lorenz
        benchmark (10^4 samples) it halved the median largest coefficient error at 20 % noise
        and added about 0.15 s of CPU time to a 0.35-0.45 s fit.

    Attributes
    ----------
    half_width_ : list of float
        Half-width used on each piece (these attributes are set on the copy a fitted model
        holds as ``weak_form_``).
    n_test_functions_ : int
        Number of test functions (weak equations per target) over all pieces.
    noise_ : ndarray of shape (n_pieces, n_states)
        Estimated noise standard deviation of each state, per piece.
    n_iter_ : int
        Reweighting rounds run.
    refined_ : bool
        Whether the coefficients come from the multiple-shooting refinement (``refine``); the
        standard errors ``coef_stderr_`` then come from it too.
    optimizers_ : list of optimizers
        The optimizer fitted to each target's weighted equations (each target has its own
        weights, so its own statistics).

    References
    ----------
    .. [1] D. A. Messenger and D. M. Bortz, "Weak SINDy: Galerkin-based data-driven model
       selection", Multiscale Modeling & Simulation 19 (3), 1474-1497 (2021).
    .. [2] P. A. K. Reinbold, D. R. Gurevich and R. O. Grigoriev, "Using noisy or incomplete
       data to discover models of spatiotemporal dynamics", Physical Review E 101, 010203
       (2020).
    .. [3] D. M. Bortz, D. A. Messenger and V. Dukic, "Direct estimation of parameters in ODE
       models using WENDy: weak-form estimation of nonlinear dynamics", Bulletin of
       Mathematical Biology 85, 110 (2023).
    .. [4] H. G. Bock, "Recent advances in parameter identification techniques for O.D.E.",
       in Numerical Treatment of Inverse Problems in Differential and Integral Equations,
       Birkhauser, 95-121 (1983); E. Baake, M. Baake, H. G. Bock and K. M. Briggs, "Fitting
       ordinary differential equations to chaotic data", Physical Review A 45, 5524 (1992).

    Examples
    --------
    >>> from sparseid import SINDy, systems
    >>> from sparseid.weak import WeakForm
    >>> data = systems.make_lorenz(5000, noise=0.05, random_state=0)
    >>> model = SINDy(weak_form=WeakForm()).fit(data)
    >>> model.equations(precision=1)[0]
    '-10.0 x + 10.0 y'
    """

    _parameter_rules: ClassVar = {
        "half_width": Check(_positive_or_auto, "'auto' or a positive number"),
        "order": Integer(minimum=2),
        "density": Real(minimum=0, closed="neither"),
        "covariance": Choice(("joint", "gls", "none")),
        "max_iter": Integer(minimum=1),
        "tol": Real(minimum=0),
        "min_samples": Integer(minimum=2),
        "bias_correction": Bool(),
        "refine": Bool(),
    }

    def __init__(
        self,
        half_width="auto",
        order=16,
        density=4,
        covariance="joint",
        max_iter=10,
        tol=1e-6,
        min_samples=16,
        bias_correction=False,
        refine=True,
    ):
        self.half_width = half_width
        self.order = order
        self.density = density
        self.covariance = covariance
        self.max_iter = max_iter
        self.tol = tol
        self.min_samples = min_samples
        self.bias_correction = bias_correction
        self.refine = refine


class _Piece:
    """One contiguous piece: its test-function matrices, library and weak targets."""

    def __init__(self, settings, x, z, t, library, sigma):
        self.z = z
        self.sigma = sigma
        if len(t) < 3 * settings.order:  # too short for any test function
            self.half_width = 0.0
            self.G = np.empty((0, library.n_output_features_))
            self.B = np.empty((0, x.shape[1]))
            return
        if settings.half_width == "auto":
            h = auto_half_width(x, t, sigma, settings.order, min_samples=settings.min_samples)
        else:
            h = float(settings.half_width)
        self.half_width = h
        self.phi, self.dphi, _ = bump_matrices(t, h, settings.order, h / settings.density)
        self.G = np.asarray(self.phi @ library.transform(z))
        self.B = -np.asarray(self.dphi @ x)
        self.dtheta = None
        if settings.bias_correction and settings.covariance == "gls" and np.any(sigma > 0):
            self.dtheta = library_derivatives(library.transform, z, x.shape[1])

    @property
    def size(self):
        return self.G.shape[0]


def _weighted_rows(pieces, library, coef, n_states, weighted):
    """Per target, per piece: the (whitened) weak equations ``(G, b)``."""
    k = coef.shape[0]
    out = [[] for _ in range(k)]
    for piece in pieces:
        if piece.size == 0:
            continue
        jac = state_jacobian(library.transform, piece.z, n_states, coef) if weighted else None
        for i in range(k):
            if weighted:
                out[i].append(
                    whiten(
                        piece.phi,
                        piece.dphi,
                        jac[:, i],
                        piece.sigma,
                        i,
                        piece.G,
                        piece.B[:, i],
                        piece.dtheta,
                    )
                )
            else:
                out[i].append((piece.G, piece.B[:, i], None))
    return out


# The shooting refinement runs when the largest noise-to-spread ratio of the states is at
# least _REFINE_FROM and none is below _NOISY.
_REFINE_FROM = 0.03
_NOISY = 1e-3


def _refine(pieces, library, coef, stderr, xs, zs, ts):
    """Multiple-shooting refinement on the support of ``coef`` (see ``_shooting``), if it applies.

    Only for noisy data: the noise estimate of some state at least ``_REFINE_FROM`` times its
    standard deviation (below, on the Lorenz benchmark, the weak-form estimate was already as
    good: its error grows faster than linearly with the noise, the refinement's linearly) and
    of every state at least ``_NOISY`` times (the weights divide by it); and no control inputs
    (the inputs between samples are unknown to the integrator). Returns the
    coefficients, their standard errors and whether the refinement was used; when it does not
    apply or does not converge, the weak-form estimate is kept.
    """
    used = [k for k, piece in enumerate(pieces) if piece.size]
    if not used or not np.any(coef):
        return coef, stderr, False
    ratios = []
    for k in used:
        spread = np.std(xs[k], axis=0)
        if zs[k].shape[1] != xs[k].shape[1] or not np.all(pieces[k].sigma >= _NOISY * spread):
            return coef, stderr, False
        ratios.append(np.max(pieces[k].sigma / spread))
    if max(ratios) < _REFINE_FROM:
        return coef, stderr, False
    d = coef.shape[0]
    scale = 0.0
    for k in used:
        jac = state_jacobian(library.transform, pieces[k].z, d, coef)
        scale = max(scale, float(np.sqrt((jac**2).sum(axis=(1, 2))).max()))
    refined, errors, _ = shooting_refine(
        library,
        coef,
        [xs[k] for k in used],
        [ts[k] for k in used],
        [pieces[k].sigma for k in used],
        scale,
    )
    if refined is None or not np.all(np.isfinite(refined)):
        return coef, stderr, False
    return refined, errors if errors is not None else stderr, True


def weak_fit(settings, library, optimizer, xs, zs, ts, n_blocks=1):
    """Fit ``optimizer`` to the weak equations of the pieces ``(xs, zs, ts)``.

    Parameters
    ----------
    settings : WeakForm
    library : fitted library
    optimizer : regressor (unfitted)
    xs, zs, ts : lists of arrays
        States (n, d), library inputs (states then control inputs) and times of each piece.
    n_blocks : int
        Row blocks per piece handed to an optimizer with ``fit_blocks`` (ensembles).

    Returns
    -------
    coef, stderr : ndarray of shape (d, p)
    fitted : WeakForm
        A copy of ``settings`` with the fitted attributes (and ``optimizers_``, the fitted
        copy of ``optimizer`` of each target).
    """
    from ..differentiation import estimate_noise

    settings._check_params()
    if settings.bias_correction and settings.covariance != "gls":
        raise ValueError(
            f"WeakForm: bias_correction=True needs covariance='gls', not {settings.covariance!r}"
        )
    d = xs[0].shape[1]
    pieces = []
    for x, z, t in zip(xs, zs, ts):
        sigma = np.atleast_1d(estimate_noise(x, t)) if len(x) >= 8 else np.zeros(d)
        # A noise estimate at rounding level means clean data.
        largest = np.abs(x).max(axis=0)
        sigma = np.where(sigma <= 64 * np.finfo(float).eps * largest, 0.0, sigma)
        pieces.append(_Piece(settings, x, z, t, library, sigma))
    n_eq = sum(p.size for p in pieces)
    p = pieces[0].G.shape[1]
    if n_eq < p:
        raise ValueError(
            f"weak form: the data give only {n_eq} test function(s) for {p} library terms; "
            "use longer trajectories or a smaller half_width/larger density"
        )
    weighted = settings.covariance == "gls"
    joint = settings.covariance == "joint"
    coef = np.zeros((d, p))
    n_iter = 0
    # An ensemble is fitted once, on the final weights; the weights come from its base model.
    ensemble = hasattr(optimizer, "fit_blocks")
    single = optimizer
    if ensemble:
        from ..optimizers import STLSQ

        single = STLSQ() if optimizer.optimizer is None else optimizer.optimizer
    rows = _weighted_rows(pieces, library, coef, d, weighted)
    coef, stderr, optimizers = _fit_targets(single, rows, n_blocks)
    if weighted or joint:
        for n_iter in range(1, settings.max_iter + 1):  # noqa: B007 - counted
            rows = _weighted_rows(pieces, library, coef, d, True)
            new, stderr, optimizers = _fit_targets(single, rows, n_blocks)
            if joint:  # the coefficients on the chosen supports: joint GLS
                new = joint_least_squares(joint_equations(pieces, library, coef, d), new)
            moved = np.abs(new - coef).max() / max(np.abs(new).max(), 1e-300)
            same = np.array_equal(new != 0, coef != 0)
            coef = new
            if same and moved <= settings.tol:
                break
    refined = False
    if joint and settings.refine and not ensemble:
        coef, stderr, refined = _refine(pieces, library, coef, stderr, xs, zs, ts)
    if ensemble:
        if joint:  # per-target weights at the joint estimate
            rows = _weighted_rows(pieces, library, coef, d, True)
        coef, stderr, optimizers = _fit_targets(optimizer, rows, n_blocks)
    fitted = WeakForm(**settings.get_params())
    fitted.half_width_ = [piece.half_width for piece in pieces]
    fitted.n_test_functions_ = int(n_eq)
    fitted.noise_ = np.array([piece.sigma for piece in pieces])
    fitted.n_iter_ = int(n_iter)
    fitted.refined_ = bool(refined)
    fitted.optimizers_ = optimizers
    return coef, stderr, fitted
