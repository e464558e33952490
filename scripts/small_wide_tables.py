"""kansr on small wide tables: a law in three of many columns, with few rows.

Each case samples y = 3·x0·x1/x2 with 2 % relative noise on n rows of k columns uniform on
[1, 10] (the other columns are irrelevant), seeded by its position in ``CASES``, and asks
``kansr.discover`` for it. Tables of ten or more inputs are screened first
(``kansr.search.screening``), on too few rows for the screen's wide KAN to predict well;
the search must then add back what the screen dropped. An answer counts when it is the
law's form (``scripts/real_tables.same_form``).

    python scripts/small_wide_tables.py [--time-budget S] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sympy

import kansr
from kansr.markdown import markdown_table

from real_tables import same_form

# (rows, columns)
CASES = [(40, 12), (60, 15), (30, 20), (80, 40), (40, 12), (100, 30)]


def run(time_budget: float) -> pd.DataFrame:
    records = []
    for seed, (n, k) in enumerate(CASES):
        rng = np.random.default_rng(seed)
        X = rng.uniform(1, 10, (n, k))
        y = 3 * X[:, 0] * X[:, 1] / X[:, 2] * (1 + 0.02 * rng.standard_normal(n))
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(k)]).assign(y=y)
        start = time.monotonic()
        result = kansr.discover(frame, target="y", seed=0, time_budget=time_budget, verbose=False)
        seconds = time.monotonic() - start
        symbols = sympy.symbols(f"x0:{k}")
        law = sympy.Float(3.0) * symbols[0] * symbols[1] / symbols[2]
        form = same_form(result.formula, law, list(symbols), X)
        records.append({"rows": n, "columns": k, "law form": form, "formula": str(result.formula),
                        "seconds": round(seconds, 1)})
        print(f"{n} rows, {k} columns: {result.formula}  (law form {form}; {seconds:.0f} s)", flush=True)
    return pd.DataFrame(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-budget", type=float, default=30.0)
    parser.add_argument("--out", help="write the table as Markdown here")
    args = parser.parse_args()
    table = run(args.time_budget)
    summary = f"{int(table['law form'].sum())} of {len(table)} in the law's form (budget {args.time_budget:g} s)"
    print(summary)
    if args.out:
        Path(args.out).write_text(f"# kansr on small wide tables\n\n{summary}\n\n{markdown_table(table)}\n")


if __name__ == "__main__":
    main()
