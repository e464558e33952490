"""kansr on small synthetic tables of textbook laws: is the law's form what comes back?

Each law (a line, a line through the origin, a power law, a decay to an offset, a
saturation, a logistic, an exponential, 1/x, a quadratic, a product of two inputs, a
square root, a logarithm) is sampled on 8, 20 and 60 rows of x and z uniform on [1, 10]
(z is an input the laws other than the product ignore), with relative Gaussian noise of
the given sizes, and given to ``kansr.discover``. An answer counts when it is the law's
form: each of the two families (their numbers free) reproduces the other's curve
(``scripts/real_tables.same_form``). The rows and noise of each case are seeded by its
name, so every run and every commit sees the same tables.

``--laws further`` samples, the same way, curves that the table of common laws does not
hold and that a scientist fits as often: a Gaussian and a Lorentzian peak, Gompertz's
growth, Arrhenius' exp(-E/x), a damped oscillation, Bateman's rise and fall, Hill's
saturation of order 2 and a sine.

    python scripts/small_tables.py [--laws textbook|further] [--rows 8,20,60] [--noise 0,0.02]
        [--time-budget S] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import sympy

import kansr
from kansr.markdown import markdown_table
from kansr.symbolic import complexity

from real_tables import same_form

x, z = sympy.symbols("x z")
_F = sympy.Float
LAWS = {
    "line": _F(3.2) + _F(1.7) * x,
    "origin": _F(2.4) * x,
    "power": _F(1.3) * x ** _F(1.5),
    "decay": _F(5.0) + _F(20.0) * sympy.exp(_F(-0.4) * x),
    "saturation": _F(8.0) * x / (_F(2.5) + x),
    "logistic": _F(10.0) / (1 + sympy.exp(_F(-0.8) * (x - _F(5.0)))),
    "exponential": _F(3.0) * sympy.exp(_F(-0.3) * x),
    "inverse": _F(4.0) / x,
    "quadratic": _F(0.5) * x**2 + _F(1.0),
    "product": _F(2.0) * x * z,
    "sqrt": _F(3.0) * sympy.sqrt(x),
    "log": _F(2.0) * sympy.log(x) + _F(1.0),
}
FURTHER = {
    "gauss": _F(6.0) * sympy.exp(-(x - _F(5.0)) ** 2 / _F(2.0)),
    "lorentz": _F(6.0) / (1 + ((x - _F(5.0)) / _F(1.2)) ** 2),
    "gompertz": _F(9.0) * sympy.exp(_F(-4.0) * sympy.exp(_F(-0.6) * x)),
    "arrhenius": _F(50.0) * sympy.exp(_F(-6.0) / x),
    "damped": _F(5.0) * sympy.exp(_F(-0.2) * x) * sympy.cos(_F(1.5) * x),
    "bateman": _F(8.0) * (sympy.exp(_F(-0.15) * x) - sympy.exp(_F(-0.9) * x)),
    "hill": _F(10.0) * x**2 / (_F(16.0) + x**2),
    "sine": _F(3.0) * sympy.sin(_F(0.9) * x + _F(0.5)) + _F(4.0),
}
# --laws: what the run's title calls each set, and its curves
SETS = {"textbook": ("textbook laws", LAWS), "further": ("further curves", FURTHER)}


def run(rows: list[int], noises: list[float], time_budget: float, laws: dict = LAWS) -> pd.DataFrame:
    records = []
    for noise in noises:
        for n in rows:
            for name, law in laws.items():
                rng = np.random.default_rng(zlib.crc32(f"{name}{n}".encode()))
                X = rng.uniform(1, 10, (n, 2))
                truth = np.broadcast_to(sympy.lambdify([x, z], law)(X[:, 0], X[:, 1]), (n,))
                y = truth * (1 + noise * rng.standard_normal(n))
                start = time.monotonic()
                frame = pd.DataFrame({"x": X[:, 0], "z": X[:, 1], "y": y})
                result = kansr.discover(frame, target="y", seed=0, time_budget=time_budget, verbose=False)
                seconds = time.monotonic() - start
                form = same_form(result.formula, law, [x, z], X)
                records.append({"noise": noise, "rows": n, "law": name, "law form": form,
                                "formula": str(result.formula), "complexity": int(result.complexity),
                                "law complexity": complexity(law), "seconds": round(seconds, 1)})
                print(f"noise {noise:g}, {n} rows, {name}: {result.formula}  "
                      f"(law form {form}; {seconds:.0f} s)", flush=True)
    return pd.DataFrame(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laws", default="textbook", choices=tuple(SETS))
    parser.add_argument("--rows", default="8,20,60")
    parser.add_argument("--noise", default="0,0.02")
    parser.add_argument("--time-budget", type=float, default=10.0)
    parser.add_argument("--out", help="write the table as Markdown here")
    args = parser.parse_args()
    kind, laws = SETS[args.laws]
    table = run([int(r) for r in args.rows.split(",")], [float(s) for s in args.noise.split(",")],
                args.time_budget, laws)
    counts = table.groupby("noise")["law form"].agg(["sum", "count"])
    summary = "; ".join(f"noise {noise:g}: {int(row['sum'])} of {int(row['count'])} in the law's form"
                        for noise, row in counts.iterrows()) + f" (budget {args.time_budget:g} s)"
    print(summary)
    if args.out:
        title = f"# kansr on small tables of {kind}"
        Path(args.out).write_text(f"{title}\n\n{summary}\n\n{markdown_table(table)}\n")


if __name__ == "__main__":
    main()
