"""sparseid's NeuralODE: forecasts on Lorenz and rotating-linear, and against torchdiffeq.

Same architecture (2-20-2, tanh), same initial weights (ours, Glorot-uniform, copied into
torch), same mini-batches (drawn by the same sampler from the same seed), Adam lr 0.002,
batches of 200 segments of 40 samples, L1 loss, dopri5 with the same tolerances, one thread
each. Reported: training wall time and ratio (backprop; adjoint against torchdiffeq's
adjoint), final loss, and the relative L2 error of simulations over [0, 15] from four initial
states (both learned fields simulated by the same scipy solver).

"nfe/it" counts network evaluations per iteration: for ours forward and backward (each
vector-Jacobian product counts one), for torchdiffeq the forward calls of the vector field
(its backward pass is autograd's, and for the adjoint the augmented-system calls).

Experiments: "lecture" trains on the first 400 samples (extrapolation beyond t = 3);
"matlab" trains on all 2000 samples.

Three more experiments (``--experiments lorenz rotating shooting``):

"lorenz": the comparison's Lorenz data and training window (5,000 samples, 10 time units);
the valid-prediction time (normalised error ‖x̂ − x‖ / RMS‖x‖ first above 0.1, simulated from
the first sample) in Lyapunov times, median over the seeds, for a ladder of settings that
adds one change at a time (``--configs``), at the default budget of network evaluations and at
twice it. "rotating": the lecture's 400 rotating-linear points, the mean relative error of
simulations from the other initial states (-1, -1), (0, 2), (1, 1) over [0, 15], for the
plain network, ``linear_part=True`` and multiple shooting. "shooting": the equal-budget check
against torchdiffeq with the same multiple-shooting scheme (free initial states, the same
continuity weight schedule, all segments every iteration, the same initial weights).

Usage::

    python benchmarks/bench_neural_ode.py                       # the torchdiffeq runs (long)
    python benchmarks/bench_neural_ode.py --quick               # 1 seed, backprop only, 300 it
    python benchmarks/bench_neural_ode.py --seeds 0 1 2 3 4 --gradients backprop
    python benchmarks/bench_neural_ode.py --seeds 0 --gradients adjoint --experiments lecture
    python benchmarks/bench_neural_ode.py --experiments lorenz --configs default
    python benchmarks/bench_neural_ode.py --experiments rotating shooting
    python benchmarks/bench_neural_ode.py --reference diffrax --seeds 0 1 2 3 4   # JAX + diffrax
    python benchmarks/bench_neural_ode.py --reference diffrax --diffrax-dtypes float32 \
        --dtype float32 float64 --gradients backprop --experiments lecture   # float32 vs float32

``--reference diffrax`` (JAX, diffrax and optax from the ``bench`` extra) mirrors the torchdiffeq
reference: ``diffrax.Dopri5``, ``PIDController(rtol, atol)``, ``SaveAt`` on the segment grid,
the whole batch as one solve, optax Adam, ``RecursiveCheckpointAdjoint`` for backprop and
``BacksolveAdjoint`` for the adjoint, in float64 (``jax_enable_x64``) and float32. Its time is
the second identical training run with the step compiled; the first (with JIT compilation) is
shown beside it. XLA runs with one intra-op thread; pin the process to one core as well
(``taskset -c 0``) for the figures quoted in the docs.

``--dtype`` sets the precision of our training (``NeuralODE(dtype=...)``); with several, the
first is "ours" (the one the ratios refer to) and the others are rows "ours-32" / "ours-64".
``--adjoint`` likewise sets ``NeuralODE(adjoint=...)`` of the adjoint runs ("auto", the
default, is the interpolated adjoint after dopri5), other values giving rows "ours-backsolve"
/ "ours-interpolated".
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import functools  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from sparseid.compare import NEURAL_ODE_BUDGET  # noqa: E402
from sparseid.models._neural_ode import NeuralODE  # noqa: E402
from sparseid.ode import MLP, SegmentSampler  # noqa: E402

try:
    from sparseid.datasets import load as load_dataset
except ImportError:  # pragma: no cover
    load_dataset = None
from sparseid.systems import RotatingLinear, make_rotating_linear  # noqa: E402

X0S = ([2.0, 0.0], [-1.0, -1.0], [0.0, 2.0], [1.0, 1.0])
RTOL, ATOL = 1e-3, 1e-6


def data():
    frame = load_dataset("rotating_linear") if load_dataset else make_rotating_linear()
    return frame.index.to_numpy(), frame.to_numpy()


def simulate_errors(rhs, t):
    """Relative L2 error of the simulated trajectories from X0S against the exact solution."""
    system = RotatingLinear()
    errors = []
    for x0 in X0S:
        sol = solve_ivp(lambda _t, x: rhs(x), (t[0], t[-1]), x0, t_eval=t, rtol=1e-10, atol=1e-12)
        exact = system.solution(t, x0)
        if not sol.success or sol.y.shape[1] != len(t):
            errors.append(np.inf)
            continue
        errors.append(float(np.linalg.norm(sol.y.T - exact) / np.linalg.norm(exact)))
    return errors


def numpy_field(Ws, bs):
    def rhs(x):
        return Ws[1] @ np.tanh(Ws[0] @ x + bs[0]) + bs[1]

    return rhs


def run_ours(t, X, n_train, seed, gradient, max_iter, solver, dtype="float64", adjoint="auto"):
    model = NeuralODE(
        solver=solver,
        gradient=gradient,
        adjoint=adjoint,
        max_iter=max_iter,
        rtol=RTOL,
        atol=ATOL,
        random_state=seed,
        dtype=dtype,
    )
    model.fit(X[:n_train], t=t[:n_train])
    return {
        "time": model.fit_time_,
        "loss": float(np.mean(model.loss_curve_[-10:])),
        "errors": simulate_errors(numpy_field(model.coefs_, model.intercepts_), t),
        "nfe": model.n_function_evals_ / model.n_iter_,
        "dtype": dtype,
    }


def run_torch(t, X, n_train, seed, gradient, max_iter, solver):
    import torch
    from torchdiffeq import odeint, odeint_adjoint

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    # the same initial weights and the same batch sequence as NeuralODE(random_state=seed)
    rng = np.random.default_rng(seed)
    theta = MLP((2, 20, 2)).init_params(rng)
    (W1, b1), (W2, b2) = MLP((2, 20, 2)).unpack(theta)

    class Field(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(2, 20), torch.nn.Tanh(), torch.nn.Linear(20, 2)
            )
            with torch.no_grad():
                self.net[0].weight.copy_(torch.from_numpy(W1))
                self.net[0].bias.copy_(torch.from_numpy(b1))
                self.net[2].weight.copy_(torch.from_numpy(W2))
                self.net[2].bias.copy_(torch.from_numpy(b2))
            self.nfe = 0

        def forward(self, _t, y):
            self.nfe += 1
            return self.net(y)

    func = Field()
    solve = odeint_adjoint if gradient == "adjoint" else odeint
    optimizer = torch.optim.Adam(func.parameters(), lr=0.002)
    sampler = SegmentSampler([X[:n_train]], [t[:n_train]], 40)
    batch_t = torch.from_numpy(np.concatenate([[0.0], sampler.t_rel]))
    losses = []
    start = time.perf_counter()
    for _ in range(max_iter):
        y0, targets, _ = sampler.sample(rng, 200)
        optimizer.zero_grad()
        pred = solve(func, torch.from_numpy(y0), batch_t, rtol=RTOL, atol=ATOL, method=solver)
        loss = torch.mean(torch.abs(pred[1:] - torch.from_numpy(targets)))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    elapsed = time.perf_counter() - start
    net = func.net
    Ws = [net[0].weight.detach().numpy().copy(), net[2].weight.detach().numpy().copy()]
    bs = [net[0].bias.detach().numpy().copy(), net[2].bias.detach().numpy().copy()]
    return {
        "time": elapsed,
        "loss": float(np.mean(losses[-10:])),
        "errors": simulate_errors(numpy_field(Ws, bs), t),
        "nfe": func.nfe / max_iter,
    }


def _jax_single_thread():
    # XLA's CPU client reads its flags when it starts: one intra-op thread, no Eigen pool
    flags = os.environ.get("XLA_FLAGS", "")
    if "intra_op_parallelism_threads" not in flags:
        os.environ["XLA_FLAGS"] = (
            flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        ).strip()


def _diffrax_step(gradient, solver):
    """A new jitted Adam step of the diffrax reference (compiled at its first call)."""
    import diffrax
    import jax
    import jax.numpy as jnp
    import optax

    def field(_t, y, p):
        return jnp.tanh(y @ p["W1"].T + p["b1"]) @ p["W2"].T + p["b2"]

    term = diffrax.ODETerm(field)
    method = diffrax.Dopri5() if solver == "dopri5" else diffrax.RK4()
    controller = diffrax.PIDController(rtol=RTOL, atol=ATOL)
    adjoint = (
        diffrax.BacksolveAdjoint(solver=method, stepsize_controller=controller)
        if gradient == "adjoint"
        else diffrax.RecursiveCheckpointAdjoint()
    )
    optimizer = optax.adam(0.002)

    def loss_fn(p, y0, targets, ts):
        sol = diffrax.diffeqsolve(
            term,
            method,
            t0=ts[0],
            t1=ts[-1],
            dt0=None,
            y0=y0,
            args=p,
            saveat=diffrax.SaveAt(ts=ts),
            stepsize_controller=controller,
            adjoint=adjoint,
            max_steps=100_000,
        )
        return jnp.mean(jnp.abs(sol.ys[1:] - targets)), sol.stats["num_steps"]

    @jax.jit
    def step(p, state, y0, targets, ts):
        (loss, n_steps), grads = jax.value_and_grad(loss_fn, has_aux=True)(p, y0, targets, ts)
        updates, state = optimizer.update(grads, state, p)
        return optax.apply_updates(p, updates), state, loss, n_steps

    return step, optimizer


def run_diffrax(t, X, n_train, seed, gradient, max_iter, solver, dtype="float64"):
    """The JAX + diffrax reference, mirroring :func:`run_torch`.

    Dopri5 with ``PIDController(rtol, atol)``, ``SaveAt`` on the segment grid, the whole batch
    as one solve (one error norm over it, as ours and torchdiffeq), optax Adam;
    ``RecursiveCheckpointAdjoint`` (backpropagation through the solver) for "backprop" and
    ``BacksolveAdjoint`` for "adjoint". The same initial weights and batches as ours. The
    training loop runs twice with the same jitted step: "time_jit" includes compilation (the
    first run), "time" is the second run with the step compiled.
    """
    _jax_single_thread()
    import jax

    jax.config.update("jax_enable_x64", dtype == "float64")
    import jax.numpy as jnp

    step, optimizer = _diffrax_step(gradient, solver)  # new per seed: JIT timed each time
    np_dtype = np.dtype(dtype)
    times, result = [], None
    for _run in range(2):
        rng = np.random.default_rng(seed)
        theta = MLP((2, 20, 2)).init_params(rng)
        (W1, b1), (W2, b2) = MLP((2, 20, 2)).unpack(theta)
        p = {
            name: jnp.asarray(value, dtype=np_dtype)
            for name, value in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))
        }
        state = optimizer.init(p)
        sampler = SegmentSampler([X[:n_train]], [t[:n_train]], 40)
        ts = jnp.asarray(np.concatenate([[0.0], sampler.t_rel]), dtype=np_dtype)
        losses, n_steps = [], 0
        start = time.perf_counter()
        for _ in range(max_iter):
            y0, targets, _ = sampler.sample(rng, 200)
            p, state, loss, steps = step(
                p, state, jnp.asarray(y0, np_dtype), jnp.asarray(targets, np_dtype), ts
            )
            losses.append(float(loss))  # waits for the step, as loss.item() does in torch
            n_steps += int(steps)
        times.append(time.perf_counter() - start)
        result = p
    Ws = [np.asarray(result["W1"], np.float64), np.asarray(result["W2"], np.float64)]
    bs = [np.asarray(result["b1"], np.float64), np.asarray(result["b2"], np.float64)]
    return {
        "time": times[1],
        "time_jit": times[0],
        "loss": float(np.mean(losses[-10:])),
        "errors": simulate_errors(numpy_field(Ws, bs), t),
        # forward evaluations of the field: 6 per attempted Dopri5 step (first same as last)
        "nfe": 6 * n_steps / max_iter,
    }


LORENZ_BUDGET = NEURAL_ODE_BUDGET  # network evaluations: the comparison's default
LORENZ_BASE = {"hidden_layer_sizes": (64,), "learning_rate": 0.005, "scale_inputs": True}
# each setting adds one change to the one before it ("free" replaces shooting="data")
LORENZ_CONFIGS = {
    "old": {"max_iter": 1200},
    "budget": {"lr_schedule": "cosine"},
    "linear": {"lr_schedule": "cosine", "linear_part": True},
    "shooting": {"lr_schedule": "cosine", "linear_part": True, "shooting": "data"},
    "default": {
        "lr_schedule": "cosine",
        "linear_part": True,
        "shooting": "data",
        "curriculum": True,
    },
    "free": {"lr_schedule": "cosine", "linear_part": True, "shooting": "free", "curriculum": True},
}


def lorenz_valid_time(model, t, X):
    from sparseid.compare import LORENZ_LYAPUNOV_EXPONENT
    from sparseid.exceptions import SimulationError

    try:
        simulated = np.asarray(model.simulate(X[0], t))
    except SimulationError:  # a blown-up simulation counts as 0 (conservative)
        return 0.0
    scale = np.sqrt(np.mean(np.sum(X**2, axis=1)))
    curve = np.linalg.norm(simulated - X, axis=1) / scale
    exceeded = np.flatnonzero(~(curve <= 0.1))
    return float((t[exceeded[0]] if exceeded.size else t[-1]) * LORENZ_LYAPUNOV_EXPONENT)


def run_lorenz(seeds, configs, factors):
    frame = load_dataset("lorenz")
    t, X = frame.index.to_numpy(), frame.to_numpy()
    n = 5000
    for factor in factors:
        for name in configs:
            params = {**LORENZ_BASE, **LORENZ_CONFIGS[name]}
            if name != "old":
                params.update(max_iter=10**7, max_nfev=int(factor * LORENZ_BUDGET))
            elif factor != 1:
                params["max_iter"] = int(factor * params["max_iter"])
            times, valid = [], []
            for seed in seeds:
                model = NeuralODE(**params, random_state=seed).fit(X[:n], t=t[:n])
                valid.append(lorenz_valid_time(model, t, X))
                times.append(model.fit_time_)
                print(
                    f"lorenz {name:9s} x{factor:g} seed {seed} valid {valid[-1]:5.2f} Lyapunov "
                    f"times  fit {model.fit_time_:6.1f} s  nfev {model.n_function_evals_}  "
                    f"iterations {model.n_iter_}",
                    flush=True,
                )
            print(
                f"== lorenz {name} x{factor:g}: median valid time {np.median(valid):.2f} Lyapunov "
                f"times (min {min(valid):.2f}, max {max(valid):.2f}); median fit time "
                f"{np.median(times):.1f} s",
                flush=True,
            )


ROTATING_CONFIGS = {
    "plain": {},
    "linear_part": {"linear_part": True},
    "shooting": {"shooting": "free"},
    "shooting+linear": {"shooting": "free", "linear_part": True},
}


def run_rotating(seeds):
    t, X = data()
    for name, params in ROTATING_CONFIGS.items():
        errors, times = [], []
        for seed in seeds:
            model = NeuralODE(**params, random_state=seed).fit(X[:400], t=t[:400])
            errors.append(float(np.mean(simulate_errors(model.vector_field().batch, t)[1:])))
            times.append(model.fit_time_)
            print(
                f"rotating {name:16s} seed {seed} error other x0 {errors[-1]:.4f}  "
                f"fit {model.fit_time_:.1f} s",
                flush=True,
            )
        print(
            f"== rotating {name}: median error from the other initial states "
            f"{np.median(errors):.4f}; median fit time {np.median(times):.1f} s",
            flush=True,
        )


def run_shooting_torch(seeds, max_iter, gradient):
    """Multiple shooting (free states) on the lecture's 400 points, ours against torch."""
    import torch
    from torchdiffeq import odeint, odeint_adjoint

    from sparseid.ode import continuity_weight

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    t, X = data()
    n, L = 400, 40
    rows = {"ours": [], "torchdiffeq": []}
    for seed in seeds:
        ours = NeuralODE(
            shooting="free", gradient=gradient, max_iter=max_iter, random_state=seed
        ).fit(X[:n], t=t[:n])
        rows["ours"].append(
            {
                "time": ours.fit_time_,
                "loss": float(np.mean(ours.loss_curve_[-10:])),
                "errors": simulate_errors(numpy_field(ours.coefs_, ours.intercepts_), t),
            }
        )
        rng = np.random.default_rng(seed)
        theta = MLP((2, 20, 2)).init_params(rng)
        (W1, b1), (W2, b2) = MLP((2, 20, 2)).unpack(theta)
        net = torch.nn.Sequential(torch.nn.Linear(2, 20), torch.nn.Tanh(), torch.nn.Linear(20, 2))
        with torch.no_grad():
            for layer, W, b in ((net[0], W1, b1), (net[2], W2, b2)):
                layer.weight.copy_(torch.from_numpy(W))
                layer.bias.copy_(torch.from_numpy(b))

        class Field(torch.nn.Module):
            def __init__(self, net):
                super().__init__()
                self.net = net

            def forward(self, _t, y):
                return self.net(y)

        func = Field(net)
        data_x = torch.from_numpy(X[:n].copy())
        states = torch.nn.Parameter(data_x.clone())
        starts = np.arange(0, n - L, L)
        has_next = np.r_[starts[1:] == starts[:-1] + L, False]
        idx = torch.from_numpy(starts[None, :] + np.arange(1, L + 1)[:, None])
        starts_t = torch.from_numpy(starts)
        ends_t = torch.from_numpy(starts[has_next] + L)
        batch_t = torch.from_numpy(t[: L + 1] - t[0])
        solve = odeint_adjoint if gradient == "adjoint" else odeint
        opt_net = torch.optim.Adam(func.parameters(), lr=0.002)
        opt_states = torch.optim.Adam([states], lr=0.002)
        losses = []
        start = time.perf_counter()
        for k in range(max_iter):
            mu = continuity_weight(1.0, k / max_iter)
            opt_net.zero_grad()
            opt_states.zero_grad()
            y0 = states[starts_t]
            pred = solve(func, y0, batch_t, rtol=RTOL, atol=ATOL, method="dopri5")
            residual = torch.cat([(y0 - data_x[starts_t])[None], pred[1:] - data_x[idx]])
            gap = pred[-1][torch.from_numpy(has_next)] - states[ends_t]
            loss = torch.mean(torch.abs(residual)) + mu * torch.mean(gap**2)
            loss.backward()
            opt_net.step()
            opt_states.step()
            losses.append(loss.item())
        elapsed = time.perf_counter() - start
        Ws = [net[0].weight.detach().numpy().copy(), net[2].weight.detach().numpy().copy()]
        bs = [net[0].bias.detach().numpy().copy(), net[2].bias.detach().numpy().copy()]
        rows["torchdiffeq"].append(
            {
                "time": elapsed,
                "loss": float(np.mean(losses[-10:])),
                "errors": simulate_errors(numpy_field(Ws, bs), t),
            }
        )
        for name in rows:
            res = rows[name][-1]
            print(
                f"shooting {gradient:8s} seed {seed} {name:12s} time {res['time']:7.2f} s  "
                f"loss {res['loss']:.2e}  errors " + " ".join(f"{e:.3f}" for e in res["errors"]),
                flush=True,
            )
    summarise("shooting", gradient, rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--gradients", nargs="+", default=["backprop", "adjoint"])
    parser.add_argument(
        "--experiments",
        nargs="+",
        default=["lecture", "matlab"],
        choices=["lecture", "matlab", "lorenz", "rotating", "shooting"],
    )
    parser.add_argument(
        "--configs", nargs="+", default=list(LORENZ_CONFIGS), choices=list(LORENZ_CONFIGS)
    )
    parser.add_argument(
        "--budget-factors",
        type=float,
        nargs="+",
        default=[1.0, 2.0],
        help="lorenz budgets, multiples of the comparison's (NEURAL_ODE_BUDGET evaluations)",
    )
    parser.add_argument("--max-iter", type=int, default=1200)
    parser.add_argument(
        "--solver",
        default="dopri5",
        choices=["dopri5", "rk4"],
        help="rk4 steps on the sample grid (torchdiffeq's rk4 is the 3/8 rule, ours the classic)",
    )
    parser.add_argument("--skip-torch", action="store_true", help="skip the reference")
    parser.add_argument(
        "--reference",
        default="torchdiffeq",
        choices=["torchdiffeq", "diffrax"],
        help="the reference of the lecture/matlab experiments (diffrax: JAX, pinned to one thread)",
    )
    parser.add_argument(
        "--diffrax-dtypes",
        nargs="+",
        default=["float64", "float32"],
        choices=["float64", "float32"],
        help="precisions of the diffrax reference (each is a separate run)",
    )
    parser.add_argument(
        "--dtype",
        nargs="+",
        default=["float64"],
        choices=["float64", "float32"],
        help="precisions of our training (the first is 'ours', the others 'ours-32'/'ours-64')",
    )
    parser.add_argument(
        "--adjoint",
        nargs="+",
        default=["auto"],
        choices=["auto", "backsolve", "interpolated"],
        help="NeuralODE(adjoint=...) of our adjoint runs (the first is 'ours', the others "
        "'ours-backsolve'/'ours-interpolated')",
    )
    parser.add_argument("--quick", action="store_true", help="1 seed, backprop, 300 iterations")
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.gradients, args.max_iter = [0], ["backprop"], 300
    t, X = data()
    n_train = {"lecture": 400, "matlab": len(t)}
    with threadpool_limits(1):
        for experiment in args.experiments:
            if experiment == "lorenz":
                run_lorenz(args.seeds, args.configs, args.budget_factors)
                continue
            if experiment == "rotating":
                run_rotating(args.seeds)
                continue
            if experiment == "shooting":
                for gradient in args.gradients:
                    run_shooting_torch(args.seeds, args.max_iter, gradient)
                continue
            for gradient in args.gradients:
                adjoints = args.adjoint if gradient == "adjoint" else ["auto"]
                ours = functools.partial(run_ours, dtype=args.dtype[0], adjoint=adjoints[0])
                runners = {"ours": ours}
                for dtype in args.dtype[1:]:
                    runners[f"ours-{dtype[-2:]}"] = functools.partial(
                        run_ours, dtype=dtype, adjoint=adjoints[0]
                    )
                for adjoint in adjoints[1:]:
                    runners[f"ours-{adjoint}"] = functools.partial(
                        run_ours, dtype=args.dtype[0], adjoint=adjoint
                    )
                if not args.skip_torch and args.reference == "torchdiffeq":
                    runners["torchdiffeq"] = run_torch
                elif not args.skip_torch:
                    for dtype in args.diffrax_dtypes:
                        runners[f"diffrax-{dtype[-2:]}"] = functools.partial(
                            run_diffrax, dtype=dtype
                        )
                rows = {name: [] for name in runners}
                for seed in args.seeds:
                    for name, runner in runners.items():
                        res = runner(
                            t, X, n_train[experiment], seed, gradient, args.max_iter, args.solver
                        )
                        rows[name].append(res)
                        jit = f" (with JIT {res['time_jit']:.2f} s)" if "time_jit" in res else ""
                        print(
                            f"{experiment:8s} {gradient:8s} seed {seed} {name:12s} "
                            f"time {res['time']:7.2f} s{jit}  nfe/it {res['nfe']:6.1f}  "
                            f"loss {res['loss']:.2e}  errors "
                            + " ".join(f"{e:.3f}" for e in res["errors"]),
                            flush=True,
                        )
                summarise(experiment, gradient, rows)


def summarise(experiment, gradient, rows):
    ours = rows["ours"]
    t_ours = min(r["time"] for r in ours)
    med_ours = np.median([r["errors"] for r in ours], axis=0)
    spread = np.ptp([r["time"] for r in ours]) / np.median([r["time"] for r in ours])
    print(
        f"== {experiment} / {gradient}: ours ({ours[0].get('dtype', 'float64')}) best time "
        f"{t_ours:.2f} s, median "
        f"{np.median([r['time'] for r in ours]):.2f} s (spread {100 * spread:.0f} %)"
    )
    print("   median rel. error per x0, ours:", np.round(med_ours, 3))
    for name, ref in rows.items():
        if name == "ours" or not ref:
            continue
        t_ref = min(r["time"] for r in ref)
        med_ref = np.median([r["errors"] for r in ref], axis=0)
        paired = [b["time"] / a["time"] for a, b in zip(ours, ref)]
        jit = ""
        if "time_jit" in ref[0]:
            jit = f", with JIT {np.median([r['time_jit'] for r in ref]):.2f} s"
        print(
            f"   {name}: best {t_ref:.2f} s, median {np.median([r['time'] for r in ref]):.2f} s"
            f"{jit}; speed-up of ours (median of per-seed ratios) {np.median(paired):.2f}x "
            "(" + " ".join(f"{q:.2f}x" for q in paired) + ")"
        )
        print(f"   median rel. error per x0, {name}:", np.round(med_ref, 3))
        print("   error ratio ours/theirs:", np.round(med_ours / med_ref, 2))
        print(
            f"   median final loss ours {np.median([r['loss'] for r in ours]):.2e}, "
            f"{name} {np.median([r['loss'] for r in ref]):.2e}"
        )


if __name__ == "__main__":
    main()
