"""NeuralODE: an MLP vector field dx/dt = f(x; θ) trained through an ODE solver, in numpy.

This module holds the estimator: its parameters (their rules are
:mod:`sparseid.models._neural_ode_params`) and ``fit``. How it trains is
:mod:`sparseid.models._neural_ode_training`; how the fitted network is evaluated,
:mod:`sparseid.models._neural_ode_network`; how it is saved,
:mod:`sparseid.models._neural_ode_state`.
"""

from __future__ import annotations

from typing import ClassVar

from ._base import DynamicsModel
from ._neural_ode_network import NeuralODENetworkMixin
from ._neural_ode_params import NEURAL_ODE_RULES
from ._neural_ode_state import NeuralODEStateMixin
from ._neural_ode_training import NeuralODETrainingMixin

__all__ = ["NeuralODE"]


class NeuralODE(NeuralODETrainingMixin, NeuralODENetworkMixin, NeuralODEStateMixin, DynamicsModel):
    """Neural ordinary differential equation dx/dt = f(x; θ), f a small MLP, trained in numpy.

    With ``fit(X, t=t)`` the network is trained through an ODE solver [1]_, as in MathWorks'
    example [2]_: random mini-batches of ``batch_size`` segments are drawn from the
    trajectories (start points without replacement; the targets are the ``segment_length``
    samples after each start), each segment is integrated from its first sample, and the mean
    absolute (or squared) error of the predicted samples is minimised with Adam [3]_, the
    gradient coming from backpropagation through the solver or from the continuous adjoint.
    With ``fit(X, y)`` the network is instead regressed directly on the targets ``y`` (no
    ODE), which makes the class a plain scikit-learn regressor.

    For long trajectories, ``shooting`` switches to multiple shooting [4]_ [5]_: the
    trajectories are cut into consecutive segments, each integrated from its own initial state
    (its data sample, or a free parameter trained with the network), and a continuity penalty
    whose weight grows from ``continuity_weight`` by a factor 1000 over the budget joins the
    segments into one trajectory. ``curriculum=True`` starts with segments of
    ``segment_length / 8`` samples and doubles them whenever the loss levels off (see
    :class:`~sparseid.ode.HorizonCurriculum` for the schedule). ``n_init`` runs from different
    initial weights share the budget and the one with the smallest held-out loss is kept.
    Training stops at ``max_iter`` iterations, ``max_nfev`` network evaluations or
    ``max_time`` seconds, whichever comes first (give every model of a comparison the same).

    f(x) = W_L σ(… σ(W_1 x̃ + b_1) …) + b_L, with Glorot-uniform weights and zero biases at
    the start; with ``scale_inputs=True``, x̃ = (x - mean) / std of the training part of the
    data (never the held-out tail) and training happens in these standardised coordinates with
    time rescaled to the data's time scale T = 1 / RMS(dx̃/dt): the network learns
    dx̃/dτ = f̃(x̃) with τ = t / T, whose values are of order one, and f(x) = std ⊙ f̃(x̃) / T.
    With ``linear_part=True``, f̃(x̃) = B x̃ + MLP(x̃): B starts at the least-squares linear
    fit of the (finite-difference) derivatives and the network at zero (its last layer's
    weights), and both train together.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(20,)
        Widths of the hidden layers.
    activation : str, default="tanh"
        Activation of every hidden layer (the output layer is linear): "identity",
        "logistic", "tanh", "arctan", "relu", "leaky_relu" (slope 0.01), "prelu" (parametric
        ReLU: one slope per neuron, learned with the weights), "elu" or "softplus". A binary
        step is refused, having no gradient; "logistic" is its smoothing.
    solver : {"dopri5", "bosh3", "rk4", "euler"}, default="dopri5"
        A name from ``sparseid.ode.SOLVERS``: the adaptive Dormand–Prince 5(4) or
        Bogacki–Shampine 3(2) with dense output, or a fixed-step method on the sample grid
        (``n_substeps`` steps per sample interval).
    gradient : {"backprop", "adjoint"}, default="backprop"
        Reverse mode through the solver's steps (exact gradient of the discrete solve, step
        sizes held constant), or the continuous adjoint of Chen et al. [1]_ (no network
        activations stored, solved backwards at ``rtol``/``atol``).
    adjoint : {"auto", "backsolve", "interpolated"}, default="auto"
        How the adjoint finds the state backwards: "backsolve" integrates it backwards with
        the adjoint (Dormand–Prince; memory independent of the number of steps);
        "interpolated" reads it from the forward solve's dense output (memory: its steps
        and stages, n_steps × n_stages × batch × d numbers) and integrates only the adjoint
        (Bogacki–Shampine for ``rtol`` ≥ 1e-4), with the network's activations at a block of
        observation intervals computed in one batched pass: about twice as fast, gradient as
        accurate (adaptive solvers only). "auto": "interpolated" for the adaptive solvers,
        "backsolve" for the fixed-step ones.
    segment_length : int, default=40
        Samples predicted after each segment's start.
    batch_size : int, default=200
        Segments per iteration (samples per iteration when ``y`` is given).
    learning_rate : float, default=0.002
        Adam's step size.
    max_iter : int, default=1200
        Adam iterations (the total over the ``n_init`` runs).
    loss : {"l1", "l2"}, default="l1"
        Mean absolute or mean squared error.
    rtol, atol : float, default=1e-3, 1e-6
        Tolerances of the adaptive solver (MATLAB ``dlode45``'s defaults).
    n_substeps : int, default=1
        Steps per sample interval of the fixed-step solvers.
    scale_inputs : bool, default=False
        Standardise the states (and, with ``y``, the targets; without ``y``, rescale time)
        before training, with statistics of the training part only.
    weight_decay : float, default=0.0
        L2 penalty added to the gradient.
    clip_norm : float or None, default=None
        Clip the gradient to this Euclidean norm.
    lr_schedule : {None, "constant", "cosine", "exponential"}, default=None
        Decay of the learning rate over the budget (to 1 % of it for the decays).
    validation_fraction : float or None, default=None
        Hold out this final fraction of each trajectory and stop early when its loss (over
        non-overlapping segments, every ``validation_interval`` iterations) has not improved
        for ``n_iter_no_change`` evaluations; the best parameters are kept. Separate
        validation trajectories can be passed instead as ``fit(..., validation_data=(X, t))``.
    n_iter_no_change : int, default=10
        Validation evaluations without a relative improvement of 1e-4 after which training
        stops early (with ``validation_fraction`` or ``validation_data``).
    validation_interval : int, default=20
        Iterations between two evaluations of the validation loss.
    max_solver_steps : int, default=1000
        Step budget per solve during training; exceeding it (a vector field grown stiff)
        counts as divergence.
    max_time : float or None, default=None
        Wall-time budget of the training in seconds (over all ``n_init`` runs). A run limited
        by it depends on the machine and its load: use ``max_nfev`` or ``max_iter`` for
        reproducible results.
    max_nfev : int or None, default=None
        Budget of network evaluations, forward and backward, as counted in
        ``n_function_evals_`` (over all ``n_init`` runs).
    n_init : int, default=1
        Training runs from different initial weights, each with ``1 / n_init`` of the budget;
        the one with the smallest held-out loss (``validation_fraction`` or
        ``validation_data``; without them the training loss over the tiled training data) is
        kept. The first run is the single run of the same ``random_state``, so more runs never
        give a larger held-out loss than it.
    shooting : {None, "data", "free"}, default=None
        None: random segments, each from its data sample. "data": multiple shooting over
        consecutive segments (``batch_size`` of them per iteration) starting at their data
        samples. "free": their initial states are parameters trained with the network
        (started at the data).
    continuity_weight : float, default=1.0
        Initial weight μ of the multiple-shooting continuity penalty μ · mean‖x̂_k(end) −
        s_{k+1}‖² (in scaled coordinates); it grows geometrically to 1000 μ over the budget.
    curriculum : bool, default=False
        Lengthen the segments from ``segment_length / 8`` to ``segment_length`` samples,
        doubling when the training loss levels off (at the latest at equal shares of the
        first half of the budget). Early stopping waits for the full length.
    linear_part : bool, default=False
        Learn f̃(x̃) = B x̃ + MLP(x̃) (see above).
    random_state : int, Generator, RandomState or None, default=None
        Seeds the initial weights and the mini-batches; a fixed value makes training
        bit-for-bit reproducible.
    verbose : bool, default=False
        Show a tqdm progress bar with the loss.
    dtype : {"float64", "float32"}, default="float64"
        Precision of the training: with "float32" the data, the parameters, Adam's moments,
        the solver's stages and both gradients are float32 arrays (faster, about 7
        significant digits: keep ``rtol`` ≥ 1e-5 or so). The fitted parameters are cast to
        float64 at the end, so ``predict``, ``simulate`` and saving work in float64 either
        way. A float32 fit is reproducible with ``random_state`` but differs from the float64
        one by rounding.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[l]`` of shape ``(n_out, n_in)``.
    intercepts_ : list of ndarray
        Bias vectors.
    activation_slopes_ : list of ndarray
        The learned slopes of each hidden layer for ``activation="prelu"``; empty otherwise.
    input_mean_, input_scale_, output_offset_, output_scale_ : ndarray
        The affine maps around the network (zeros and ones without ``scale_inputs``).
    loss_curve_ : list of float
        Training loss of each iteration (at the parameters before its update).
    linear_coef_ : ndarray of shape (n_features, n_features)
        B of the linear part, in the scaled coordinates (only with ``linear_part=True``).
    time_scale_ : float
        The time unit T of training (1 without ``scale_inputs`` or with targets ``y``).
    shooting_gap_ : float
        The largest continuity gap between consecutive segments at the end of training, in
        scaled coordinates (only with ``shooting="free"``).
    validation_curve_ : list of float
        Validation losses, when ``validation_fraction`` or ``validation_data`` is given.
    best_validation_loss_ : float
        The smallest validation loss, whose parameters the model keeps (set only when
        validating).
    n_iter_ : int
        Iterations run by the kept run (``loss_curve_`` and ``validation_curve_`` are its).
    n_function_evals_ : int
        Network evaluations (forward and backward) during training, over all runs.
    fit_time_ : float
        Wall time of the training loops, in seconds, over all runs.
    n_features_in_, variable_names_, target_names_ : see :class:`DynamicsModel`.

    Notes
    -----
    ``predict(X)`` returns f(X), the learned time derivative (or the regression of ``y``).
    ``score(X, y=None, t=...)`` is the R² of ``predict(X)`` against ``y`` when given, else
    against the time derivatives of ``X`` estimated with the package's default
    differentiation — it measures the vector field, not a simulated trajectory. Use
    ``simulate(x0, t)`` to compare trajectories.

    During ``fit`` the training state (``_mlp``, ``_theta``, ``_field``, ``_optimizer``: the
    network, its flat parameters, the network bound to them, Adam) lives on the model and is
    removed when training ends; it is not part of the fitted model.

    References
    ----------
    .. [1] R. T. Q. Chen, Y. Rubanova, J. Bettencourt and D. Duvenaud, "Neural ordinary
       differential equations", Advances in Neural Information Processing Systems 31 (2018).
    .. [2] MathWorks, "Dynamical system modeling using neural ODE", MATLAB documentation
       example (the reference experiment).
    .. [3] D. P. Kingma and J. Ba, "Adam: a method for stochastic optimization", International
       Conference on Learning Representations (2015).
    .. [4] H. G. Bock and K. J. Plitt, "A multiple shooting algorithm for direct solution of
       optimal control problems", IFAC Proceedings 17 (1984).
    .. [5] E. M. Turan and J. Jäschke, "Multiple shooting for training neural differential
       equations on time series", IEEE Control Systems Letters 6 (2022).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid import NeuralODE
    >>> t = np.linspace(0, 3, 200)
    >>> X = np.c_[2 * np.exp(-0.1 * t) * np.cos(t), 2 * np.exp(-0.1 * t) * np.sin(t)]
    >>> model = NeuralODE(max_iter=100, batch_size=50, learning_rate=0.01, random_state=0)
    >>> model = model.fit(X, t=t)
    >>> model.loss_curve_[-1] < model.loss_curve_[0]
    True
    >>> model.simulate([2.0, 0.0], t[:5]).shape
    (5, 2)
    """

    # Every bad value is a ValueError, except for the flags (True/False options), TypeErrors as for
    # the flags of the other models.
    _parameter_type_error = ValueError
    _parameter_rules: ClassVar = NEURAL_ODE_RULES

    def __init__(
        self,
        hidden_layer_sizes=(20,),
        activation="tanh",
        solver="dopri5",
        gradient="backprop",
        adjoint="auto",
        segment_length=40,
        batch_size=200,
        learning_rate=0.002,
        max_iter=1200,
        loss="l1",
        rtol=1e-3,
        atol=1e-6,
        n_substeps=1,
        scale_inputs=False,
        weight_decay=0.0,
        clip_norm=None,
        lr_schedule=None,
        validation_fraction=None,
        n_iter_no_change=10,
        validation_interval=20,
        max_solver_steps=1000,
        max_time=None,
        max_nfev=None,
        n_init=1,
        shooting=None,
        continuity_weight=1.0,
        curriculum=False,
        linear_part=False,
        random_state=None,
        verbose=False,
        dtype="float64",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.gradient = gradient
        self.adjoint = adjoint
        self.segment_length = segment_length
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.loss = loss
        self.rtol = rtol
        self.atol = atol
        self.n_substeps = n_substeps
        self.scale_inputs = scale_inputs
        self.weight_decay = weight_decay
        self.clip_norm = clip_norm
        self.lr_schedule = lr_schedule
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.validation_interval = validation_interval
        self.max_solver_steps = max_solver_steps
        self.max_time = max_time
        self.max_nfev = max_nfev
        self.n_init = n_init
        self.shooting = shooting
        self.continuity_weight = continuity_weight
        self.curriculum = curriculum
        self.linear_part = linear_part
        self.random_state = random_state
        self.verbose = verbose
        self.dtype = dtype

    # ---------------------------------------------------------------------------------------
    # training
    def fit(self, X, y=None, *, t=None, validation_data=None, **kwargs):
        """Train through the ODE on trajectories ``X`` (y=None), or regress ``y`` on ``X``.

        Parameters
        ----------
        X, y, t, **kwargs
            As for :meth:`DynamicsModel.fit`.
        validation_data : array-like, DataFrame, list of them, or tuple ``(X_val, t_val)``
            Held-out trajectories for early stopping (trajectory training only): their loss
            over non-overlapping segments is evaluated every ``validation_interval``
            iterations, training stops after ``n_iter_no_change`` evaluations without
            improvement and the best parameters are kept. Refused (ValueError) with targets
            ``y``, whose regression has no early stopping: it would be ignored (so is a
            ``validation_fraction``).

        Returns
        -------
        self
        """
        if y is not None or kwargs.get("x_dot") is not None:
            held_out = [
                name
                for name, value in (
                    ("validation_data", validation_data),
                    ("validation_fraction", self.validation_fraction),
                )
                if value is not None
            ]
            if held_out:
                raise ValueError(
                    f"{type(self).__name__}.fit: {held_out[0]} is used only when training "
                    "through the ODE on trajectories (fit(X, t=...) with y=None); with targets "
                    "y the network is regressed directly and has no early stopping, so "
                    f"{held_out[0]} would be ignored: leave it out, or fit without y"
                )
        return self._fit(X, y, t=t, validation_data=validation_data, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags
