"""Training speed and memory of kansr KANs: steps/s and peak RSS per configuration.

Each configuration runs in a fresh process so its peak memory is its own.

    python scripts/bench_train.py                       # the default table
    python scripts/bench_train.py --widths 4,5,1 --samples 1000 --grid 5 --threads 1
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

DEFAULT_WIDTHS = ["2,5,1", "4,9,1", "8,17,1"]
DEFAULT_SAMPLES = [1000, 10000]


def measure(width: list[int], samples: int, grid: int, steps: int, dtype: str, threads: int) -> dict:
    """Time ``steps`` LBFGS steps (after one warm-up step) of a KAN; returns steps/s and peak RSS."""
    import torch

    from kansr.kan import KAN, KANConfig
    from kansr.kan import TrainConfig, train

    torch.set_num_threads(threads)
    torch_dtype = getattr(torch, dtype)
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(samples, width[0], generator=generator, dtype=torch_dtype) * 2 - 1
    y = torch.sin(math.pi * x[:, :1]) + (x**2).sum(dim=1, keepdim=True)
    model = KAN(KANConfig(width=width, grid_size=grid, dtype=torch_dtype))
    config = TrainConfig(steps=1, val_fraction=0.0, grid_update_every=0)
    train(model, x, y, config)  # warm-up
    start = time.perf_counter()
    train(model, x, y, TrainConfig(steps=steps, val_fraction=0.0, grid_update_every=0))
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"width": width, "samples": samples, "grid": grid, "dtype": dtype, "threads": threads,
            "steps_per_s": steps / seconds, "seconds_per_step": seconds / steps, "peak_rss_mb": peak_mb}


def run_isolated(args: list[str]) -> dict:
    completed = subprocess.run([sys.executable, __file__, "--one", *args], capture_output=True, text=True,
                               check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", nargs="*", default=DEFAULT_WIDTHS)
    parser.add_argument("--samples", nargs="*", type=int, default=DEFAULT_SAMPLES)
    parser.add_argument("--grid", nargs="*", type=int, default=[5])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        width = [int(v) for v in args.widths[0].split(",")]
        print(json.dumps(measure(width, args.samples[0], args.grid[0], args.steps, args.dtype, args.threads)))
        return
    print(f"{'width':>10} {'samples':>8} {'grid':>5} {'steps/s':>9} {'ms/step':>9} {'peak MB':>8}")
    for width in args.widths:
        for samples in args.samples:
            for grid in args.grid:
                row = run_isolated(["--widths", width, "--samples", str(samples), "--grid", str(grid),
                                    "--steps", str(args.steps), "--dtype", args.dtype,
                                    "--threads", str(args.threads)])
                print(f"{'[' + width + ']':>10} {samples:>8} {grid:>5} {row['steps_per_s']:>9.1f} "
                      f"{row['seconds_per_step'] * 1e3:>9.2f} {row['peak_rss_mb']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
