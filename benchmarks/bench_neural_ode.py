"""sparseid's NeuralODE against torchdiffeq on the rotating-linear experiments.

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

Usage::

    python benchmarks/bench_neural_ode.py                       # everything (long)
    python benchmarks/bench_neural_ode.py --quick               # 1 seed, backprop only, 300 it
    python benchmarks/bench_neural_ode.py --seeds 0 1 2 3 4 --gradients backprop
    python benchmarks/bench_neural_ode.py --seeds 0 --gradients adjoint --experiments lecture
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

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


def run_ours(t, X, n_train, seed, gradient, max_iter, solver):
    model = NeuralODE(
        solver=solver, gradient=gradient, max_iter=max_iter, rtol=RTOL, atol=ATOL, random_state=seed
    )
    model.fit(X[:n_train], t=t[:n_train])
    return {
        "time": model.fit_time_,
        "loss": float(np.mean(model.loss_curve_[-10:])),
        "errors": simulate_errors(numpy_field(model.coefs_, model.intercepts_), t),
        "nfe": model.n_function_evals_ / model.n_iter_,
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--gradients", nargs="+", default=["backprop", "adjoint"])
    parser.add_argument("--experiments", nargs="+", default=["lecture", "matlab"])
    parser.add_argument("--max-iter", type=int, default=1200)
    parser.add_argument(
        "--solver",
        default="dopri5",
        choices=["dopri5", "rk4"],
        help="rk4 steps on the sample grid (torchdiffeq's rk4 is the 3/8 rule, ours the classic)",
    )
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--quick", action="store_true", help="1 seed, backprop, 300 iterations")
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.gradients, args.max_iter = [0], ["backprop"], 300
    t, X = data()
    n_train = {"lecture": 400, "matlab": len(t)}
    with threadpool_limits(1):
        for experiment in args.experiments:
            for gradient in args.gradients:
                rows = {"ours": [], "torchdiffeq": []}
                for seed in args.seeds:
                    runners = [("ours", run_ours)]
                    if not args.skip_torch:
                        runners.append(("torchdiffeq", run_torch))
                    for name, runner in runners:
                        res = runner(
                            t, X, n_train[experiment], seed, gradient, args.max_iter, args.solver
                        )
                        rows[name].append(res)
                        print(
                            f"{experiment:8s} {gradient:8s} seed {seed} {name:12s} "
                            f"time {res['time']:7.2f} s  nfe/it {res['nfe']:6.1f}  "
                            f"loss {res['loss']:.2e}  errors "
                            + " ".join(f"{e:.3f}" for e in res["errors"]),
                            flush=True,
                        )
                summarise(experiment, gradient, rows)


def summarise(experiment, gradient, rows):
    ours, ref = rows["ours"], rows["torchdiffeq"]
    t_ours = min(r["time"] for r in ours)
    med_ours = np.median([r["errors"] for r in ours], axis=0)
    print(f"== {experiment} / {gradient}: ours best time {t_ours:.2f} s", end="")
    if ref:
        t_ref = min(r["time"] for r in ref)
        med_ref = np.median([r["errors"] for r in ref], axis=0)
        print(f", torchdiffeq {t_ref:.2f} s, speed-up {t_ref / t_ours:.1f}x")
        paired = [b["time"] / a["time"] for a, b in zip(ours, ref)]
        print(
            f"   median times ours {np.median([r['time'] for r in ours]):.2f} s, torchdiffeq "
            f"{np.median([r['time'] for r in ref]):.2f} s; per-seed speed-ups "
            + " ".join(f"{p:.1f}x" for p in paired)
        )
        print("   median rel. error per x0, ours:       ", np.round(med_ours, 3))
        print("   median rel. error per x0, torchdiffeq:", np.round(med_ref, 3))
        print("   error ratio ours/theirs:              ", np.round(med_ours / med_ref, 2))
        print(
            f"   median final loss ours {np.median([r['loss'] for r in ours]):.2e}, "
            f"torchdiffeq {np.median([r['loss'] for r in ref]):.2e}"
        )
    else:
        print()
        print("   median rel. error per x0, ours:", np.round(med_ours, 3))


if __name__ == "__main__":
    main()
