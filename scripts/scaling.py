"""Scaling: test RMSE against parameter count for KANs under grid extension and for MLPs.

The KAN paper's toy functions (section 3.1): J0(20x), exp(sin(pi x) + y^2), x y, and
exp((sin(pi (x1^2 + x2^2)) + sin(pi (x3^2 + x4^2))) / 2), each with 1,000 training and
1,000 test points uniform in [-1, 1]^d. A KAN of the function's own shape is trained at
grids 3, 5, 10, 20, 50, 100 in turn (grid extension: each grid's splines refit to the
coarser grid's functions, then trained), and its test RMSE recorded after each; the
first grid is trained from ``--restarts`` seeds and the one with the lowest training
error is extended (small KANs, like small MLPs, can stall in a poor local minimum).
MLPs of depth 2, 3 and 4 and widths 4 to 128 (SiLU) are trained from scratch, each for
as many iterations as the KAN's whole schedule. Both use L-BFGS with a strong-Wolfe
line search. Slopes are least-squares fits of log RMSE on log parameters: the KAN's over
its grids up to the lowest test RMSE (after that the curve has saturated), the MLP's
over the lower envelope of all its models (the best RMSE at or below each size).

    python scripts/scaling.py [--steps 200] [--restarts 5] [--functions j0,expsin,xy,exp4]
                              [--figure docs/scaling.png] [--out FILE]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
from scipy.special import j0

from kansr.kan import KAN, KANConfig, TrainConfig, train

FUNCTIONS = {
    "j0": ("J0(20x)", 1, [1, 1], lambda x: j0(20 * x[:, 0])),
    "expsin": ("exp(sin(pi x) + y^2)", 2, [2, 1, 1], lambda x: np.exp(np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2)),
    "xy": ("x y", 2, [2, 2, 1], lambda x: x[:, 0] * x[:, 1]),
    "exp4": ("exp((sin(pi(x1^2+x2^2)) + sin(pi(x3^2+x4^2)))/2)", 4, [4, 4, 2, 1],
             lambda x: np.exp(0.5 * (np.sin(np.pi * (x[:, 0] ** 2 + x[:, 1] ** 2))
                                     + np.sin(np.pi * (x[:, 2] ** 2 + x[:, 3] ** 2))))),
}
GRIDS = (3, 5, 10, 20, 50, 100)
MLP_DEPTHS = (2, 3, 4)
MLP_WIDTHS = (4, 8, 16, 32, 64, 128)


def data(key: str, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    _, inputs, _, f = FUNCTIONS[key]
    rng = np.random.default_rng(seed)
    train_x, test_x = rng.uniform(-1, 1, (1000, inputs)), rng.uniform(-1, 1, (1000, inputs))
    as_tensor = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    return as_tensor(train_x), as_tensor(f(train_x)[:, None]), as_tensor(test_x), as_tensor(f(test_x)[:, None])


def _rmse(predict, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float(torch.sqrt(torch.mean((predict(x) - y) ** 2)))


def kan_parameters(model: KAN) -> int:
    """Spline coefficients, base and spline weights and biases (what training moves)."""
    return sum(layer.spline_coef.numel() + layer.base_weight.numel() + layer.spline_weight.numel()
               + layer.bias.numel() for layer in model.layers)


def kan_curve(key: str, steps: int, seed: int, restarts: int) -> list[tuple[int, int, float]]:
    """(grid, parameters, test RMSE) after training at each grid in turn."""
    x, y, test_x, test_y = data(key, seed)

    def trained(grid: int, model: KAN, model_seed: int) -> KAN:
        train(model, x, y, TrainConfig(steps=steps, grid_schedule=(grid,), val_fraction=0.0, seed=model_seed))
        return model

    starts = [trained(GRIDS[0], KAN(KANConfig(width=FUNCTIONS[key][2], grid_size=GRIDS[0], seed=seed + r)), seed + r)
              for r in range(restarts)]
    model = min(starts, key=lambda m: _rmse(m, x, y))  # chosen on the training rows
    curve = [(GRIDS[0], kan_parameters(model), _rmse(model, test_x, test_y))]
    for grid in GRIDS[1:]:
        trained(grid, model, seed)
        curve.append((grid, kan_parameters(model), _rmse(model, test_x, test_y)))
    return curve


def mlp_point(key: str, depth: int, width: int, steps: int, seed: int) -> tuple[int, float]:
    """(parameters, test RMSE) of an MLP with ``depth`` hidden layers of ``width`` SiLU units."""
    x, y, test_x, test_y = data(key, seed)
    torch.manual_seed(seed)
    layers, size = [], x.shape[1]
    for _ in range(depth):
        layers += [torch.nn.Linear(size, width), torch.nn.SiLU()]
        size = width
    net = torch.nn.Sequential(*layers, torch.nn.Linear(size, 1)).double()
    lbfgs = torch.optim.LBFGS(net.parameters(), lr=1.0, max_iter=steps, history_size=10,
                              line_search_fn="strong_wolfe", tolerance_grad=1e-14, tolerance_change=1e-16)

    def closure():
        lbfgs.zero_grad()
        loss = torch.mean((net(x) - y) ** 2)
        loss.backward()
        return loss

    lbfgs.step(closure)
    return sum(p.numel() for p in net.parameters()), _rmse(net, test_x, test_y)


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log RMSE against log parameters."""
    logs = np.log([[p, r] for p, r in points])
    return float(np.polyfit(logs[:, 0], logs[:, 1], 1)[0])


def kan_slope(curve: list[tuple[int, int, float]]) -> float:
    """Over the grids up to the lowest test RMSE."""
    best = int(np.argmin([r for _, _, r in curve]))
    return slope([(p, r) for _, p, r in curve[:best + 1]]) if best >= 1 else math.nan


def envelope(points: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The best RMSE at or below each size, at the sizes where it improves."""
    front, best = [], math.inf
    for parameters, rmse in sorted(points):
        if rmse < best:
            front.append((parameters, rmse))
            best = rmse
    return front


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="L-BFGS iterations per KAN grid (an MLP gets "
                        "as many as the KAN's whole schedule)")
    parser.add_argument("--restarts", type=int, default=5, help="seeds tried at the KAN's first grid")
    parser.add_argument("--functions", default=",".join(FUNCTIONS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", default="docs/scaling.png")
    parser.add_argument("--out", help="also write the tables here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.monotonic()
    keys = args.functions.split(",")
    mlp_steps = args.steps * len(GRIDS)
    lines = [f"scaling, seed {args.seed}, {args.steps} L-BFGS iterations per KAN grid (first grid: best of "
             f"{args.restarts} seeds by training error), {mlp_steps} per MLP; test RMSE on 1,000 points"]
    results = {}
    for key in keys:
        curve = kan_curve(key, args.steps, args.seed, args.restarts)
        mlps = [(depth, width, *mlp_point(key, depth, width, mlp_steps, args.seed))
                for depth in MLP_DEPTHS for width in MLP_WIDTHS]
        front = envelope([(p, r) for _, _, p, r in mlps])
        results[key] = (curve, mlps, front)
        lines.append(f"\n{FUNCTIONS[key][0]}: KAN {FUNCTIONS[key][2]}")
        lines.append("  grid  params   test RMSE")
        lines += [f"  {g:4d} {p:7d}  {r:10.3e}" for g, p, r in curve]
        lines.append("  MLP depth width  params   test RMSE")
        lines += [f"  {d:9d} {w:5d} {p:7d}  {r:10.3e}" for d, w, p, r in mlps]
        lines.append(f"  slope of log RMSE on log parameters: KAN {kan_slope(curve):.2f}, "
                     f"MLP {slope(front) if len(front) > 1 else math.nan:.2f}")
        print("\n".join(lines[-(len(curve) + len(mlps) + 4):]), flush=True)
    lines.append(f"\n{time.monotonic() - start:.0f} s")
    _figure(results, args.figure)
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")


def _figure(results: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(3.6 * len(results), 3.4))
    for ax, (key, (curve, mlps, front)) in zip(np.atleast_1d(axes), results.items()):
        ax.loglog([p for _, p, _ in curve], [r for _, _, r in curve], "o-", color="tab:red",
                  label=f"KAN (slope {kan_slope(curve):.1f})")
        for grid, parameters, rmse in curve:
            ax.annotate(str(grid), (parameters, rmse), fontsize=6, color="tab:red")
        for depth in MLP_DEPTHS:
            points = [(p, r) for d, _, p, r in mlps if d == depth]
            ax.loglog(*zip(*points), "s--", ms=3, alpha=0.6, label=f"MLP depth {depth}")
        ax.set_title(FUNCTIONS[key][0], fontsize=8)
        ax.set_xlabel("parameters")
        ax.text(0.02, 0.02, f"MLP envelope slope {slope(front):.1f}", transform=ax.transAxes, fontsize=7)
    np.atleast_1d(axes)[0].set_ylabel("test RMSE")
    np.atleast_1d(axes)[0].legend(fontsize=6)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
