"""Benchmark problems (the AI Feynman equations) and seeded data sampling."""

from __future__ import annotations

import keyword
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sympy

DEFAULT_SUITE = Path(__file__).resolve().parents[2] / "datasets" / "feynman.csv"
NOISE_LEVELS = (0.0, 0.001, 0.01, 0.1)


@dataclass(frozen=True)
class Problem:
    """One equation: its name, output name, formula and each variable's sampling range."""

    name: str
    output: str
    formula: sympy.Expr
    variables: tuple[str, ...]
    ranges: tuple[tuple[float, float], ...]

    @property
    def symbols(self) -> list[sympy.Symbol]:
        return [sympy.Symbol(v) for v in self.variables]


def safe_name(name: str) -> str:
    """A variable name usable as a sympy symbol and a Python identifier."""
    return name + "_" if keyword.iskeyword(name) else name


_NUMPY_NAMES = {"arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan, "arcsinh": sympy.asinh,
                "arccosh": sympy.acosh, "arctanh": sympy.atanh, "ln": sympy.log}


def parse_formula(text: str, variables: list[str]) -> sympy.Expr:
    """Parse a formula whose variables may shadow sympy names (gamma, beta, E, ...)."""
    for name in variables:
        if safe_name(name) != name:
            text = re.sub(rf"\b{name}\b", safe_name(name), text)
    # the tables write inverse functions the numpy way; sympy would read "arcsin" as an
    # unknown function that no answer can equal (I.26.2 and I.30.5 could never be solved)
    local = {name: function for name, function in _NUMPY_NAMES.items() if name not in variables}
    local.update({safe_name(v): sympy.Symbol(safe_name(v)) for v in variables})
    return sympy.sympify(text, locals=local)


def load_problems(path: str | Path | None = None) -> list[Problem]:
    """All problems of a suite CSV (columns Filename, Output, Formula, # variables, v1_name, ...)."""
    table = pd.read_csv(path or DEFAULT_SUITE)
    problems = []
    for row in table.itertuples(index=False):
        row = row._asdict()
        count = int(row["_4"]) if "_4" in row else int(row["# variables"])
        names = [str(row[f"v{i}_name"]) for i in range(1, count + 1)]
        ranges = tuple((float(row[f"v{i}_low"]), float(row[f"v{i}_high"])) for i in range(1, count + 1))
        problems.append(Problem(
            name=str(row["Filename"]), output=safe_name(str(row["Output"])),
            formula=parse_formula(str(row["Formula"]), names),
            variables=tuple(safe_name(n) for n in names), ranges=ranges))
    return problems


def select(problems: list[Problem], only: list[str] | None) -> list[Problem]:
    """The named problems, in the order given; unknown names raise ValueError."""
    if not only:
        return problems
    by_name = {p.name: p for p in problems}
    unknown = [n for n in only if n not in by_name]
    if unknown:
        raise ValueError(f"unknown problem(s): {', '.join(unknown)}")
    return [by_name[n] for n in only]


def sample(problem: Problem, n_rows: int, seed: int, noise: float = 0.0, test: bool = False) -> pd.DataFrame:
    """Uniform samples in the problem's ranges and the target with Gaussian noise of
    ``noise`` × RMS(target). Different problems, seeds and train/test draws never share a stream."""
    stream = [zlib.crc32(problem.name.encode()), seed, int(test), int(round(noise * 1e6))]
    rng = np.random.default_rng(stream)
    low = np.array([r[0] for r in problem.ranges])
    high = np.array([r[1] for r in problem.ranges])
    X = rng.uniform(low, high, size=(n_rows, len(problem.variables)))
    fn = sympy.lambdify(problem.symbols, problem.formula, "numpy")
    y = np.broadcast_to(np.asarray(fn(*X.T), dtype=float), (n_rows,)).copy()
    if noise > 0:
        y += rng.normal(0.0, noise * np.sqrt(np.mean(y**2)), size=n_rows)
    frame = pd.DataFrame(X, columns=list(problem.variables))
    frame[problem.output if problem.output not in problem.variables else problem.output + "_out"] = y
    return frame
