"""Speed and memory of kansr, side by side with pykan when it is installed.

    python scripts/bench_speed.py                  # everything (pykan parts need `pip install pykan`)
    python scripts/bench_speed.py --part train     # (a) training only
    python scripts/bench_speed.py --part discover  # (b) discover vs pykan's recipe on 10 problems
    python scripts/bench_speed.py --part big       # (c) discover on 100,000 rows x 6 inputs

(a) Training: for each width, sample count and grid, one KAN is trained by pykan's ``fit``
for ``--steps`` steps and by kansr's ``fit`` for as many L-BFGS iterations as pykan made,
on the same data (inputs uniform in [-1, 1], target sin(pi x0) + sum x^2), float64, one
thread, λ = 0.01 (sparsity regularisation on, as in both libraries' symbolic recipes),
no grid updates. A "step" is not the same work in the two libraries: pykan's L-BFGS step
runs up to 20 iterations, kansr's one. Both run L-BFGS with history 10 and a strong-Wolfe
line search, so the like-for-like figure is milliseconds per L-BFGS iteration (also per
loss-and-gradient evaluation; pykan's iteration count is read from its optimiser).

(b) discover: kansr's ``discover`` (default settings, ``--budget`` seconds) and
pykan's documented recipe (kansr.bench.methods.run_pykan: train with λ, prune, train,
auto_symbolic, train) on the same 1,000 rows of 10 Feynman problems chosen before
measuring; seconds, exact recoveries (SRBench rule) and medians.

(c) discover on 100,000 rows x 6 inputs with the default budget: seconds and peak memory.

Every measurement runs in a fresh process (peak RSS is that process's own, including
~330 MB for importing torch), one thread each; run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

WIDTHS = ["2,5,1", "4,5,1", "6,13,1"]
SAMPLES = [1000, 10000]
GRIDS = [5, 20]
# fixed before any measurement: 1-5 inputs, products, quotients, powers, exp, sqrt
PROBLEMS = ["I.6.2a", "I.12.1", "I.12.4", "I.14.4", "I.25.13", "I.29.4", "I.34.27", "I.39.1",
            "I.43.31", "II.38.14"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _count_calls(obj, method: str) -> list[int]:
    """Wrap ``obj.method`` to count its calls; returns the one-item counter."""
    calls, original = [0], getattr(obj, method)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(obj, method, counted)
    return calls


def _training_data(width: list[int], samples: int):
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.rand(samples, width[0], generator=generator, dtype=torch.float64) * 2 - 1
    y = torch.sin(math.pi * x[:, :1]) + (x**2).sum(dim=1, keepdim=True)
    return x, y


def train_kansr(width: list[int], samples: int, grid: int, iterations: int) -> dict:
    from kansr.kan import KAN, KANConfig
    from kansr.kan.objective import Objective
    from kansr.kan import TrainConfig, train

    x, y = _training_data(width, samples)
    config = TrainConfig(steps=iterations, lamb=0.01, val_fraction=0.0, grid_update_every=0)
    train(KAN(KANConfig(width=width, grid_size=grid)), x, y, TrainConfig(steps=2, val_fraction=0.0))  # warm-up
    model = KAN(KANConfig(width=width, grid_size=grid))
    evaluations = _count_calls(Objective, "__call__")
    start = time.perf_counter()
    train(model, x, y, config)
    seconds = time.perf_counter() - start
    # one L-BFGS iteration per kansr step
    return {"seconds": seconds, "steps": iterations, "iterations": iterations, "evaluations": evaluations[0],
            "peak_mb": _peak_mb()}


def train_pykan(width: list[int], samples: int, grid: int, steps: int) -> dict:
    import torch
    from kan import KAN as PyKAN
    from kan.LBFGS import LBFGS as PyLBFGS

    torch.set_default_dtype(torch.float64)
    x, y = _training_data(width, samples)
    dataset = {"train_input": x, "train_label": y, "test_input": x, "test_label": y}
    with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stderr(io.StringIO()), \
            contextlib.redirect_stdout(io.StringIO()):
        warm = PyKAN(width=width, grid=grid, k=3, seed=0, auto_save=False, ckpt_path=scratch)
        warm.fit(dataset, opt="LBFGS", steps=1, lamb=0.01, update_grid=False)
        model = PyKAN(width=width, grid=grid, k=3, seed=0, auto_save=False, ckpt_path=scratch)
        calls = _count_calls(model, "forward")
        iterations = [0]
        step = PyLBFGS.step

        def counted_step(self, closure):  # the optimiser's own iteration counter, after each step
            result = step(self, closure)
            iterations[0] = self.state[self._params[0]]["n_iter"]
            return result

        PyLBFGS.step = counted_step
        start = time.perf_counter()
        model.fit(dataset, opt="LBFGS", steps=steps, lamb=0.01, update_grid=False)
        seconds = time.perf_counter() - start
    # pykan's fit also runs one test-set forward per step, outside its closure
    return {"seconds": seconds, "steps": steps, "iterations": iterations[0], "evaluations": calls[0] - steps,
            "peak_mb": _peak_mb()}


def discover_one(method: str, problem_name: str, budget: float) -> dict:
    import numpy as np

    from kansr.bench.judge import judge
    from kansr.bench.methods import resolve
    from kansr.bench.problems import load_problems, sample, select
    from kansr.bench.problems import parse_formula

    problem = select(load_problems(), [problem_name])[0]
    frame, test = sample(problem, 1000, 0), sample(problem, 1000, 0, test=True)
    X, y = frame.iloc[:, :-1].to_numpy(), frame.iloc[:, -1].to_numpy()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            formula = resolve(method)(X, y, list(problem.variables), 0, budget)
        if isinstance(formula, tuple):  # (formula, details), as kansr's adapter returns
            formula = formula[0]
    except Exception as error:  # a crash inside the method: reported with its time, not solved
        return {"seconds": time.perf_counter() - start, "solved": False, "error": f"{type(error).__name__}: {error}",
                "peak_mb": _peak_mb()}
    seconds = time.perf_counter() - start
    answer = parse_formula(formula, list(problem.variables))
    positive = [symbol for symbol, (low, _) in zip(problem.symbols, problem.ranges) if low > 0]
    verdict = judge(problem.formula, answer, problem.symbols, test.iloc[:, :-1].to_numpy(),
                    np.asarray(test.iloc[:, -1]), positive=positive)
    return {"seconds": seconds, "solved": verdict.symbolic_solution, "r2": verdict.r2_test,
            "formula": formula, "peak_mb": _peak_mb()}


def discover_big(budget: float | None) -> dict:
    import numpy as np
    import pandas as pd

    from kansr import discover

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.uniform(1, 5, size=(100_000, 6)), columns=[f"x{i}" for i in range(6)])
    frame["y"] = frame.x0 * frame.x1 / frame.x2 + np.sin(frame.x3)
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "big.csv")
        frame.to_csv(path, index=False)
        del frame
        start = time.perf_counter()
        kwargs = {} if budget is None else {"time_budget": budget}
        result = discover(path, verbose=False, **kwargs)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "formula": str(result.formula), "r2": result.r2, "peak_mb": _peak_mb()}


def isolated(*args: str) -> dict:
    """Run one measurement in a fresh one-thread process; returns its JSON line."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([sys.executable, __file__, "--one", *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def have_pykan() -> bool:
    try:
        import kan  # noqa: F401
    except ImportError:
        return False
    return True


def part_train(steps: int, pykan: bool) -> None:
    print(f"(a) training, float64, one thread, lambda 0.01, no grid updates. pykan: {steps} fit steps "
          "(each up to 20 L-BFGS iterations); kansr: as many L-BFGS iterations as pykan made (one per "
          "kansr step; 400 without pykan). Like for like: ms per L-BFGS iteration (same algorithm: "
          "history 10, strong Wolfe) and per loss+gradient evaluation; 'step' = as each library defines one")
    head = f"{'width':>9} {'rows':>6} {'grid':>4} | {'kansr ms/iter':>13} {'ms/eval':>8} {'MB':>5}"
    if pykan:
        head += (f" | {'pykan ms/step':>13} {'ms/iter':>8} {'ms/eval':>8} {'MB':>5} | "
                 f"{'iter ratio':>10} {'eval ratio':>10} {'step ratio':>10}")
    print(head)
    for width in WIDTHS:
        for samples in SAMPLES:
            for grid in GRIDS:
                theirs = isolated("train_pykan", width, str(samples), str(grid), str(steps)) if pykan else None
                iterations = theirs["iterations"] if theirs and "error" not in theirs else 400
                ours = isolated("train_kansr", width, str(samples), str(grid), str(iterations))
                if "error" in ours:
                    print(f"{'[' + width + ']':>9} {samples:>6} {grid:>4} | kansr failed: {ours['error']}")
                    continue
                per_iter = ours["seconds"] / ours["iterations"] * 1e3
                per_eval = ours["seconds"] / ours["evaluations"] * 1e3
                line = f"{'[' + width + ']':>9} {samples:>6} {grid:>4} | {per_iter:>13.2f} {per_eval:>8.2f} {ours['peak_mb']:>5.0f}"
                if theirs is not None and "error" in theirs:
                    line += f" | pykan failed: {theirs['error']}"
                elif theirs is not None:
                    their_step = theirs["seconds"] / theirs["steps"] * 1e3
                    their_iter = theirs["seconds"] / theirs["iterations"] * 1e3
                    their_eval = theirs["seconds"] / theirs["evaluations"] * 1e3
                    line += (f" | {their_step:>13.1f} {their_iter:>8.2f} {their_eval:>8.2f} {theirs['peak_mb']:>5.0f} | "
                             f"{their_iter / per_iter:>9.1f}x {their_eval / per_eval:>9.1f}x {their_step / per_iter:>9.1f}x")
                print(line, flush=True)


def part_discover(budget: float, pykan: bool) -> None:
    print(f"\n(b) discover on 1,000 rows, seed 0, budget {budget:.0f} s (exact = SRBench symbolic solution)")
    methods = ["kansr", "pykan"] if pykan else ["kansr"]
    print(f"{'problem':>9} | " + " | ".join(f"{m + ' s':>9} {'exact':>5} {'MB':>5}" for m in methods))
    rows = {m: [] for m in methods}
    for name in PROBLEMS:
        cells = []
        for method in methods:
            row = isolated("discover", method, name, str(budget))
            rows[method].append(row)
            if "seconds" not in row:
                cells.append(f"{'error':>21}")
            else:
                verdict = "crash" if "error" in row else str(row["solved"])
                cells.append(f"{row['seconds']:>9.1f} {verdict:>5} {row['peak_mb']:>5.0f}")
        print(f"{name:>9} | " + " | ".join(cells), flush=True)
    medians = {}
    for method in methods:
        timed = [r["seconds"] for r in rows[method] if "seconds" in r]
        crashed = [r["error"] for r in rows[method] if "error" in r]
        medians[method] = statistics.median(timed) if timed else float("nan")
        solved = sum(bool(r.get("solved")) for r in rows[method])
        print(f"{method}: median {medians[method]:.1f} s (crashed runs counted up to the crash), "
              f"{solved}/{len(PROBLEMS)} exact, {len(crashed)} crashed"
              + (f"; first crash: {crashed[0][:120]}" if crashed else ""))
    if pykan:
        print(f"median time ratio pykan/kansr: {medians['pykan'] / medians['kansr']:.1f}x")


def part_big(budget: float | None) -> None:
    print("\n(c) discover on 100,000 rows x 6 inputs (y = x0*x1/x2 + sin(x3)), default budget")
    row = isolated("big", "none" if budget is None else str(budget))
    if "error" in row:
        print(f"failed: {row['error']}")
        return
    print(f"{row['seconds']:.1f} s, peak {row['peak_mb']:.0f} MB, R2 {row['r2']:.6f}, formula {row['formula']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["train", "discover", "big", "all"], default="all")
    parser.add_argument("--steps", type=int, default=20, help="optimiser steps per training measurement")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per problem in (b)")
    parser.add_argument("--no-pykan", action="store_true", help="skip pykan even when installed")
    parser.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        import torch

        torch.set_num_threads(1)
        kind, *rest = args.one
        if kind in ("train_kansr", "train_pykan"):
            width = [int(v) for v in rest[0].split(",")]
            fn = train_kansr if kind == "train_kansr" else train_pykan
            print(json.dumps(fn(width, int(rest[1]), int(rest[2]), int(rest[3]))))
        elif kind == "discover":
            print(json.dumps(discover_one(rest[0], rest[1], float(rest[2]))))
        else:
            print(json.dumps(discover_big(None if rest[0] == "none" else float(rest[0]))))
        return
    pykan = have_pykan() and not args.no_pykan
    if not pykan:
        print("pykan not installed (pip install pykan): kansr figures only", file=sys.stderr)
    print(f"kansr bench_speed, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs seen, one thread per run")
    if args.part in ("train", "all"):
        part_train(args.steps, pykan)
    if args.part in ("discover", "all"):
        part_discover(args.budget, pykan)
    if args.part in ("big", "all"):
        part_big(None)


if __name__ == "__main__":
    main()
