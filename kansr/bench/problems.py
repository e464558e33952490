"""Benchmark problems (the AI Feynman equations) and seeded data sampling."""

from __future__ import annotations

import keyword
import math
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sympy

DEFAULT_SUITE = Path(__file__).resolve().parents[2] / "datasets" / "feynman.csv"
NOISE_LEVELS = (0.0, 0.001, 0.01, 0.1)


# how a suite may say each variable is sampled (column ``v<i>_dist``; uniform when absent)
DISTRIBUTIONS = ("uniform", "log-uniform", "integer")


@dataclass(frozen=True)
class Problem:
    """One equation: its name, output name, formula and each variable's sampling range,
    distribution (one of ``DISTRIBUTIONS``) and whether its sign is random (each value
    then negated with probability 1/2; column ``v<i>_sign`` = ``random``)."""

    name: str
    output: str
    formula: sympy.Expr
    variables: tuple[str, ...]
    ranges: tuple[tuple[float, float], ...]
    distributions: tuple[str, ...] = ()
    random_signs: tuple[bool, ...] = ()

    def distribution(self, index: int) -> str:
        return self.distributions[index] if self.distributions else "uniform"

    def positive(self) -> list[sympy.Symbol]:
        """The symbols whose sampled values are all positive."""
        return [symbol for i, (symbol, (low, _)) in enumerate(zip(self.symbols, self.ranges))
                if low > 0 and not (self.random_signs and self.random_signs[i])]

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


def _cell(row: pd.Series, column: str, default: str) -> str:
    value = row.get(column)
    return default if value is None or pd.isna(value) or not str(value).strip() else str(value).strip().lower()


def load_problems(path: str | Path | None = None) -> list[Problem]:
    """All problems of a suite CSV (columns Filename, Output, Formula, # variables, v1_name,
    v1_low, v1_high, ...; optionally v1_dist and v1_sign, see ``Problem``). A distribution
    the sampler does not know, or a log-uniform range that is not positive, raises
    ValueError naming the problem and the column."""
    table = pd.read_csv(path or DEFAULT_SUITE)
    problems = []
    for _, row in table.iterrows():
        name = str(row["Filename"])
        count = int(row["# variables"])
        names = [str(row[f"v{i}_name"]) for i in range(1, count + 1)]
        ranges = tuple((float(row[f"v{i}_low"]), float(row[f"v{i}_high"])) for i in range(1, count + 1))
        distributions = tuple(_cell(row, f"v{i}_dist", "uniform") for i in range(1, count + 1))
        signs = tuple(_cell(row, f"v{i}_sign", "positive") for i in range(1, count + 1))
        for i, (distribution, sign, (low, high)) in enumerate(zip(distributions, signs, ranges), start=1):
            if distribution not in DISTRIBUTIONS:
                raise ValueError(f"{name}: v{i}_dist {distribution!r} is not one of {', '.join(DISTRIBUTIONS)}")
            if sign not in ("positive", "random"):
                raise ValueError(f"{name}: v{i}_sign {sign!r} is not 'positive' or 'random'")
            if distribution == "log-uniform" and not 0 < low <= high:
                raise ValueError(f"{name}: v{i} is log-uniform over [{low}, {high}], which is not positive")
            if distribution == "integer" and math.floor(high) < math.ceil(low):
                raise ValueError(f"{name}: v{i} is integer over [{low}, {high}], which holds no integer")
        problems.append(Problem(
            name=name, output=safe_name(str(row["Output"])),
            formula=parse_formula(str(row["Formula"]), names),
            variables=tuple(safe_name(n) for n in names), ranges=ranges,
            distributions=distributions, random_signs=tuple(s == "random" for s in signs)))
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
    """Samples of each variable from its distribution over its range (uniform unless the
    suite says otherwise), and the target with Gaussian noise of ``noise`` × RMS(target).
    Different problems, seeds and train/test draws never share a stream."""
    stream = [zlib.crc32(problem.name.encode()), seed, int(test), int(round(noise * 1e6))]
    rng = np.random.default_rng(stream)
    # one uniform draw per value, mapped through each variable's distribution (for uniform
    # variables the same numbers as rng.uniform(low, high))
    U = rng.random(size=(n_rows, len(problem.variables)))
    X = np.empty_like(U)
    for j, (low, high) in enumerate(problem.ranges):
        distribution = problem.distribution(j)
        if distribution == "log-uniform":
            X[:, j] = np.exp(np.log(low) + (np.log(high) - np.log(low)) * U[:, j])
        elif distribution == "integer":
            first, last = math.ceil(low), math.floor(high)
            X[:, j] = np.minimum(first + np.floor(U[:, j] * (last - first + 1)), last)
        else:
            X[:, j] = low + (high - low) * U[:, j]
    if any(problem.random_signs):
        negate = rng.random(size=X.shape) < 0.5
        X = np.where(negate & np.array(problem.random_signs), -X, X)
    fn = sympy.lambdify(problem.symbols, problem.formula, "numpy")
    y = np.broadcast_to(np.asarray(fn(*X.T), dtype=float), (n_rows,)).copy()
    if noise > 0:
        y += rng.normal(0.0, noise * np.sqrt(np.mean(y**2)), size=n_rows)
    frame = pd.DataFrame(X, columns=list(problem.variables))
    frame[problem.output if problem.output not in problem.variables else problem.output + "_out"] = y
    return frame



def with_irrelevant(problem: Problem, train: pd.DataFrame, test: pd.DataFrame, count: int, seed: int,
                    pool: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``train`` and ``test`` (inputs, then the target) with ``count`` more input columns the
    target does not depend on: each uniform over the range of one of the problem's inputs
    (drawn at random), named from ``pool`` (say, other problems' variable names) where a
    name is free, else u0, u1, ...; all inputs in a seeded shuffled order, the target last."""
    rng = np.random.default_rng([zlib.crc32(problem.name.encode()), seed, count, 7])
    output = train.columns[-1]
    taken = set(problem.variables) | {output}
    free = [name for name in dict.fromkeys(pool) if name not in taken]
    names = [str(name) for name in rng.permutation(free)[:count]] if free else []
    names += [name for name in (f"u{i}" for i in range(2 * count)) if name not in taken][:count - len(names)]
    extra_train, extra_test = {}, {}
    for name in names:
        low, high = problem.ranges[int(rng.integers(len(problem.ranges)))]
        extra_train[name] = rng.uniform(low, high, len(train))
        extra_test[name] = rng.uniform(low, high, len(test))
    order = [str(n) for n in rng.permutation(list(problem.variables) + names)] + [output]

    def widened(frame: pd.DataFrame, extra: dict) -> pd.DataFrame:
        return pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)[order]

    return widened(train, extra_train), widened(test, extra_test)
