"""kansr on real measurement tables against their textbook laws (datasets/real/).

For each table, the rows are sorted by the first input and the last fifth is held out:
kansr's formula and the textbook law (its constants fitted by least squares from the
starting values in laws.csv, with the error model that describes the rows more briefly,
as kansr chooses its own) are both fitted on the first four fifths and scored on the
held-out end of the range (extrapolation). kansr's formula counts as a success when it is
the textbook form (the two families of curves reproduce each other's fitted curve), or
at most as complex and at least as accurate on the held-out rows. The law is also given to
kansr (``discover(..., laws=...)``), which fits and describes it as its own formulas on the
same rows: its description length less the chosen formula's says whether the criterion
prefers kansr's formula given the rows (> 0) or the search missed the law (< 0).
With ``--units``, kansr is given each column's units (``units.csv``) and may let
constants carry units (``constant_units``), as a user with a units table would run it.

    python scripts/real_tables.py [--split dev|holdout|all] [--only NAME,...] [--time-budget S]
        [--units] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sympy

import kansr
from kansr.markdown import markdown_table
from kansr.search.candidate import one_signed
from kansr.symbolic import complexity, predict, refit

REAL = Path(__file__).resolve().parents[1] / "datasets" / "real"
HELD_OUT = 0.2


def _law(row, names: list[str]) -> sympy.Expr:
    """The law with its named constants replaced by their starting values (floats)."""
    start = dict(item.split("=") for item in row.start.split(";"))
    symbols = {name: sympy.Symbol(name) for name in names}
    law = sympy.sympify(row.law, locals={**symbols, **{k: sympy.Symbol(k) for k in start}})
    return law.xreplace({sympy.Symbol(k): sympy.Float(float(v)) for k, v in start.items()})


def _fit_law(law: sympy.Expr, symbols, X: np.ndarray, y: np.ndarray) -> sympy.Expr:
    """The law's constants fitted as kansr fits its own formulas: with additive errors, and
    with relative ones where the target has one sign, keeping the fit with the shorter
    description (an additive fit of a power law over six decades follows the largest rows,
    or runs off to a far local minimum)."""
    fits = [refit(law, symbols, X, y)]
    if one_signed(y):
        fits.append(refit(law, symbols, X, y, relative=True))
    return min(fits, key=lambda fit: fit.description_length).expr


def _rmse(expr, symbols, X, y) -> float:
    values = predict(expr, symbols, X)
    return float(np.sqrt(np.mean((values - y) ** 2))) if np.all(np.isfinite(values)) else math.inf


def same_form(first: sympy.Expr, second: sympy.Expr, symbols, X: np.ndarray) -> bool:
    """Whether each formula's family (its floats free) reproduces the other fitted curve on a
    dense grid over X's range, to 1e-8 of its variance: the same law up to its constants."""
    grid = np.column_stack([np.linspace(column.min(), column.max(), 200) for column in X.T])

    def free(expr):  # exact numbers too are constants of the family (118 - 40·π·exp(k·t))
        numbers = {n: sympy.Float(n) for n in expr.atoms(sympy.Rational, sympy.pi.func)
                   if n not in (0, 1, -1) and not (n.is_Integer and any(p.exp == n for p in expr.atoms(sympy.Pow)))}
        return expr.xreplace(numbers)

    first, second = free(first), free(second)
    for a, b in ((first, second), (second, first)):
        target = predict(b, symbols, grid)
        if not np.all(np.isfinite(target)) or np.var(target) == 0:
            return False
        if refit(a, symbols, grid, target, with_errors=False).nmse > 1e-8:
            return False
    return True


def run(split: str, time_budget: float, only: list[str] | None = None, units: bool = False) -> pd.DataFrame:
    laws = pd.read_csv(REAL / "laws.csv")
    columns_units = pd.read_csv(REAL / "units.csv")
    if split != "all":
        laws = laws[laws.split == split]
    if only:
        laws = laws[laws.name.isin(only)]
    rows = []
    for row in laws.itertuples():
        frame = pd.read_csv(REAL / f"{row.name}.csv")
        names = [c for c in frame.columns if c != row.target]
        frame = frame.sort_values(names[0], kind="stable").reset_index(drop=True)
        cut = int(round(len(frame) * (1 - HELD_OUT)))
        train, test = frame.iloc[:cut], frame.iloc[cut:]
        symbols = [sympy.Symbol(n) for n in names]
        X_train, y_train = train[names].to_numpy(float), train[row.target].to_numpy(float)
        X_test, y_test = test[names].to_numpy(float), test[row.target].to_numpy(float)
        law = _fit_law(_law(row, names), symbols, X_train, y_train)
        start = time.monotonic()
        starts = {k: float(v) for k, v in (item.split("=") for item in row.start.split(";"))}
        given = columns_units[columns_units.table == row.name]
        result = kansr.discover(train[names + [row.target]], target=row.target, seed=0, time_budget=time_budget,
                                verbose=False, laws=[row.law], starts=starts,
                                units=dict(zip(given.column, given.units)) if units else None,
                                constant_units=units)
        seconds = time.monotonic() - start
        found = result.formula.xreplace({sympy.Symbol(s): sympy.Symbol(n) for n, s in result.renamed.items()})
        textbook = same_form(found, law, symbols, frame[names].to_numpy(float))
        kansr_rmse, law_rmse = _rmse(found, symbols, X_test, y_test), _rmse(law, symbols, X_test, y_test)
        simpler = complexity(found) <= complexity(law)
        # the textbook law fitted and described by kansr on the same rows: longer than the
        # chosen formula, the criterion prefers kansr's given the rows; shorter, the search
        # missed it
        nats = float(result.laws.score.iloc[0] - result.score) if len(result.laws) else math.nan
        rows.append({"table": row.name, "rows": len(frame), "textbook law": row.law, "law complexity": complexity(law),
                     "law held-out RMSE": law_rmse, "kansr formula": str(found), "kansr complexity": complexity(found),
                     "kansr held-out RMSE": kansr_rmse, "law's description - kansr's (nats)": round(nats, 1),
                     "textbook form": textbook,
                     "success": textbook or (simpler and kansr_rmse <= law_rmse), "seconds": round(seconds, 1)})
        print(f"{row.name}: {found}  (law {law}; textbook form {textbook}; held-out RMSE {kansr_rmse:.4g} "
              f"vs {law_rmse:.4g}; the law's description {nats:+.1f} nats; {seconds:.0f} s)", flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "holdout", "all"))
    parser.add_argument("--time-budget", type=float, default=60.0)
    parser.add_argument("--only", help="comma-separated table names (of the split)")
    parser.add_argument("--units", action="store_true", help="give kansr the columns' units (units.csv)")
    parser.add_argument("--out", help="write the table as Markdown here")
    args = parser.parse_args()
    table = run(args.split, args.time_budget, args.only.split(",") if args.only else None, args.units)
    summary = (f"{int(table.success.sum())} of {len(table)} tables: kansr's formula is the textbook form, or at "
               f"most as complex and at least as accurate on the held-out end ({int(table['textbook form'].sum())} "
               f"the textbook form); split {args.split}, budget {args.time_budget:g} s"
               + (", with the columns' units" if args.units else ""))
    text = markdown_table(table.assign(**{c: table[c].map(lambda v: f"{v:.4g}") for c in
                                          ("law held-out RMSE", "kansr held-out RMSE")}))
    print(summary)
    if args.out:
        Path(args.out).write_text(f"# kansr on real tables\n\n{summary}\n\n{text}\n")


if __name__ == "__main__":
    main()
