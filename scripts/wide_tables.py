"""Time to the answer against the number of columns, for laws in two of them.

Each table has 400 rows of inputs uniform in [1, 3]; the target depends on two of them
(x3·x7, a product; x3² + x7², a sum of squares; exp(-x3)·x7, neither), and the rest are
irrelevant. For each width the script runs ``kansr.discover`` with the default budget and
prints the seconds, whether the formula is the law (sympy), and which inputs it kept.

    python scripts/wide_tables.py [--widths 2,10,20,40,60] [--out results/wide_tables.txt]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import sympy

from kansr import discover

LAWS = {"x3*x7": lambda X: X[:, 3] * X[:, 7], "x3**2 + x7**2": lambda X: X[:, 3] ** 2 + X[:, 7] ** 2,
        "x7*exp(-x3)": lambda X: X[:, 7] * np.exp(-X[:, 3])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="8,10,20,40,60")
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out")
    args = parser.parse_args()
    lines = ["law | columns | seconds | exact | inputs kept"]
    timings: dict[int, list[float]] = {}
    for law, function in LAWS.items():
        truth = sympy.sympify(law)
        for width in (int(w) for w in args.widths.split(",")):
            X = np.random.default_rng(args.seed).uniform(1, 3, size=(args.rows, width))
            names = [f"x{i}" for i in range(width)]
            start = time.monotonic()
            result = discover((X, function(X), names), seed=args.seed, verbose=False)
            seconds = time.monotonic() - start
            exact = sympy.simplify(result.formula - truth) == 0
            kept = [n for n in names if n not in result.inputs_dropped]
            timings.setdefault(width, []).append(seconds)
            lines.append(f"{law} | {width} | {seconds:.1f} | {exact} | {', '.join(kept) if len(kept) < 10 else len(kept)}")
            print(lines[-1], flush=True)
    lines.append("")
    lines.append("median seconds by columns: " + ", ".join(f"{w}: {statistics.median(t):.1f}"
                                                          for w, t in sorted(timings.items())))
    print(lines[-1])
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
