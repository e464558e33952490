"""Continual learning, the KAN paper's 1-D experiment: a KAN keeps what it learned, an MLP forgets.

The target has five Gaussian peaks on [-1, 1]. The data arrive in five phases, each
covering one fifth of the domain, left to right. A one-layer KAN learns them with
``KANRegressor.partial_fit`` (grids extended to each new fifth, coefficients elsewhere
held), with L-BFGS, its default; an MLP of about the same number of parameters is
trained on each phase's rows with Adam. Both take the same number of steps per phase
(L-BFGS stops earlier once converged). After every phase both
predict the whole domain (the figure); the table gives, over several seeds, each model's
RMSE on the regions of the first four phases after the last phase, against the KAN's RMSE
on each region right after learning it.

    python scripts/continual.py [--seeds 5] [--steps 2000] [--figure docs/continual.png] [--out FILE]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from kansr import KANRegressor

CENTRES = np.array([-0.8, -0.4, 0.0, 0.4, 0.8])
WIDTH = 0.05  # standard deviation of each peak
PHASES = 5
ROWS_PER_PHASE = 200
GRID_PER_PHASE = 40  # grid intervals over one fifth: 200 over the whole domain, as in the paper's KAN


def target(x: np.ndarray) -> np.ndarray:
    return np.exp(-((x[:, None] - CENTRES) ** 2) / (2 * WIDTH**2)).sum(axis=1)


def region(phase: int) -> tuple[float, float]:
    return -1 + 2 * phase / PHASES, -1 + 2 * (phase + 1) / PHASES


def phase_rows(phase: int, seed: int) -> np.ndarray:
    low, high = region(phase)
    return np.sort(np.random.default_rng([seed, phase]).uniform(low, high, ROWS_PER_PHASE))


class MLP(torch.nn.Module):
    """[1, width, width, 1], SiLU activations."""

    def __init__(self, width: int, seed: int) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.net = torch.nn.Sequential(torch.nn.Linear(1, width), torch.nn.SiLU(), torch.nn.Linear(width, width),
                                       torch.nn.SiLU(), torch.nn.Linear(width, 1)).double()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def train_on(self, x: np.ndarray, y: np.ndarray, steps: int, lr: float = 1e-2) -> None:
        xt, yt = torch.tensor(x[:, None]), torch.tensor(y[:, None])
        adam = torch.optim.Adam(self.parameters(), lr=lr)
        for _ in range(steps):
            adam.zero_grad()
            loss = torch.mean((self(xt) - yt) ** 2)
            loss.backward()
            adam.step()

    def predict(self, x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self(torch.tensor(x[:, None]))[:, 0].numpy()


def _rmse(predicted: np.ndarray, x: np.ndarray) -> float:
    return float(np.sqrt(np.mean((predicted - target(x)) ** 2)))


def run(seed: int, steps: int) -> dict:
    """One seed: both models through the five phases; predictions after each phase and RMSEs."""
    kan = KANRegressor(hidden_layer_sizes=(), grid_size=GRID_PER_PHASE, grid_schedule=(), steps=steps,
                       random_state=seed)
    kan_parameters = (GRID_PER_PHASE * PHASES + 3) + 3  # coefficients over the whole domain, base, scale, bias
    mlp = MLP(width=13, seed=seed)
    grid = np.linspace(-1, 1, 2001)
    regions = [grid[(grid >= region(p)[0]) & (grid <= region(p)[1])] for p in range(PHASES)]
    kan_curves, mlp_curves, just_learned = [], [], []
    for phase in range(PHASES):
        x = phase_rows(phase, seed)
        kan.partial_fit(x[:, None], target(x))
        mlp.train_on(x, target(x), steps)
        just_learned.append(_rmse(kan.predict(regions[phase][:, None]), regions[phase]))
        kan_curves.append(kan.predict(grid[:, None]))
        mlp_curves.append(mlp.predict(grid))
    earlier = np.concatenate(regions[:-1])
    return {
        "grid": grid, "kan_curves": kan_curves, "mlp_curves": mlp_curves,
        "kan_parameters": kan_parameters, "mlp_parameters": mlp.parameter_count(),
        "kan_earlier": _rmse(kan.predict(earlier[:, None]), earlier),
        "mlp_earlier": _rmse(mlp.predict(earlier), earlier),
        "kan_just_learned": float(np.sqrt(np.mean(np.square(just_learned[:-1])))),
        "kan_per_region_after": [_rmse(kan.predict(r[:, None]), r) for r in regions[:-1]],
        "kan_per_region_just": just_learned[:-1],
    }


def figure(result: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = result["grid"]
    fig, axes = plt.subplots(2, PHASES, figsize=(3.0 * PHASES, 4.6), sharex=True, sharey=True)
    for phase in range(PHASES):
        low, high = region(phase)
        for row, (name, curves) in enumerate((("KAN", result["kan_curves"]), ("MLP", result["mlp_curves"]))):
            ax = axes[row, phase]
            ax.axvspan(low, high, color="0.9")
            ax.plot(grid, target(grid), color="0.6", lw=1, ls="--")
            ax.plot(grid, curves[phase], color="tab:red" if row == 0 else "tab:blue", lw=1.2)
            ax.set_ylim(-0.6, 1.6)
            if phase == 0:
                ax.set_ylabel(name)
            if row == 0:
                ax.set_title(f"after phase {phase + 1}")
    fig.suptitle("Continual learning: data arrive one fifth at a time (shaded); dashed: target")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=2000, help="steps per phase, for both models")
    parser.add_argument("--figure", default="docs/continual.png")
    parser.add_argument("--out", help="also write the table here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.monotonic()
    results = [run(seed, args.steps) for seed in range(args.seeds)]
    figure(results[0], args.figure)
    lines = [f"continual learning, {args.seeds} seeds, {args.steps} steps per phase for both models "
             "(KAN: L-BFGS, MLP: Adam, lr 0.01); "
             f"KAN {results[0]['kan_parameters']} parameters (one layer, grid {GRID_PER_PHASE * PHASES}), "
             f"MLP {results[0]['mlp_parameters']} ([1, 13, 13, 1], SiLU)",
             "RMSE on the regions of phases 1-4 after phase 5, and the KAN's right after learning each region",
             " seed |  KAN after all | MLP after all | KAN just learned | MLP / KAN | KAN after / just learned"]
    for seed, r in enumerate(results):
        lines.append(f" {seed:4d} | {r['kan_earlier']:14.3e} | {r['mlp_earlier']:13.3e} | {r['kan_just_learned']:16.3e} |"
                     f" {r['mlp_earlier'] / r['kan_earlier']:9.1f} | {r['kan_earlier'] / r['kan_just_learned']:6.3f}")
    kan = statistics.median(r["kan_earlier"] for r in results)
    mlp = statistics.median(r["mlp_earlier"] for r in results)
    just = statistics.median(r["kan_just_learned"] for r in results)
    lines.append(f"median | {kan:14.3e} | {mlp:13.3e} | {just:16.3e} | {mlp / kan:9.1f} | {kan / just:6.3f}")
    lines.append(f"per region, seed 0, KAN after all: "
                 + ", ".join(f"{v:.2e}" for v in results[0]["kan_per_region_after"])
                 + "; just learned: " + ", ".join(f"{v:.2e}" for v in results[0]["kan_per_region_just"]))
    lines.append(f"figure: {args.figure} (seed 0); {time.monotonic() - start:.0f} s")
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
