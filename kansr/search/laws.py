"""The user's own laws (``discover(..., laws=...)``, ``kansr discover --law``), fitted and
scored as the search's formulas are, to stand beside the chosen one.

A scientist often comes with a law in mind, a + b·exp(-k·t) say, and asks whether the rows
bear it out and how it compares with what the search found. A law is written in the
table's column names (as the formula writes them: ``t_s`` for a column "t [s]"), with
``+ - * / **`` (or ``^``) and the functions of ``FUNCTIONS``; ``pi`` is π, and every other
name is a constant to fit, from 1 or from the start ``starts`` gives it (a rate of 0.05
per day, a midpoint at 700 days: a fit from 1 may stop in a far local minimum); a number
is exact, as written (the 0.5 of L^0.5 is one half, not a constant to fit). A leading
"target =" is read as the law's left-hand side and dropped.

Its constants are fitted by the joint least squares of the search's formulas
(``kansr.symbolic.refit``), with additive errors and, where the target has one sign, with
relative ones too, the shorter description kept; they are never snapped (the form is the
user's), and get standard errors as the front's do. It is scored on the same held-out rows
(or by the same cross-validation on a small table) and priced by the same description
length (``kansr.search.selection``), so its row and the front's compare number for number;
its tree is priced as the search prices a formula of that tree. A law is no candidate: the
search's choice stands, and a law shorter than it says the search missed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sympy
from scipy import optimize
from sympy.parsing.sympy_parser import convert_xor, parse_expr, rationalize, standard_transformations

from kansr.budget import Budget
from kansr.data import Dataset
from kansr.errors import DataError
from kansr.search.baselines import Form
from kansr.search.candidate import Scorer
from kansr.search.result import front_table
from kansr.search.rows import Rows
from kansr.search.weights import chi_square, own_uncertainties
from kansr.symbolic import predict

FUNCTIONS = {"exp": sympy.exp, "log": sympy.log, "ln": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin,
             "cos": sympy.cos, "tan": sympy.tan, "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
             "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "abs": sympy.Abs}
# what a law may hold: names, numbers, operators, brackets (parse_expr evaluates its text)
_ALLOWED = re.compile(r"^[A-Za-z0-9_.\s+\-*/^()]+$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER_EXPONENT = re.compile(r"\d\.?[eE][+-]?\d")  # the e of 1.5e-3 is no name


@dataclass(frozen=True)
class Law:
    """A user's law as parsed: ``text`` as given, ``expr`` in the input columns' symbols and
    its constants' names, ``constants`` those names (the names that are no column)."""

    text: str
    expr: sympy.Expr
    constants: tuple[str, ...]


def _names(text: str) -> list[str]:
    """The names in ``text``, without the exponent markers of numbers such as 1.5e-3."""
    return _NAME.findall(_NUMBER_EXPONENT.sub("0", text))


def parse_law(text: str, dataset: Dataset) -> Law:
    """``text`` as a ``Law`` over ``dataset``'s inputs; ``DataError`` naming what is wrong
    (a column left out, ``Dataset.left_out``, is no constant either)."""
    shown = f"law {text!r}"
    body = text.strip()
    targets = {dataset.target, *[k for k, v in dataset.renamed.items() if v == dataset.target]}
    left, equals, right = body.partition("=")
    if equals:
        if left.strip() not in targets:
            raise DataError(f"{shown}: the left of '=' must be the target column {dataset.target!r}")
        body = right.strip()
    if not body:
        raise DataError(f"{shown}: no formula")
    if not _ALLOWED.match(body) or "__" in body:
        raise DataError(f"{shown}: only names, numbers, + - * / ** ^ and brackets may stand in a law")
    columns = {name: sympy.Symbol(name) for name in dataset.names}
    columns.update({original: sympy.Symbol(safe) for original, safe in dataset.renamed.items()
                    if safe in dataset.names and _NAME.fullmatch(original)})
    names = _names(body)
    for name in names:
        if name in targets:
            raise DataError(f"{shown}: it uses the target {name!r}; a law gives the target from the inputs")
    calls = {m.group(1) for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", body)}
    called = sorted(calls & set(columns))
    if called:
        raise DataError(f"{shown}: the column {called[0]!r} is followed by '(': write {called[0]}*(...) for a "
                        "product")
    unknown = sorted(calls - set(FUNCTIONS))
    if unknown:
        raise DataError(f"{shown}: unknown function {unknown[0]!r} (known: {', '.join(sorted(FUNCTIONS))}; "
                        "a product is written with *)")
    constants = tuple(dict.fromkeys(n for n in names if n not in columns and n not in FUNCTIONS and n != "pi"))
    dropped = [n for n in constants if n in dataset.left_out]
    if dropped:
        raise DataError(f"{shown}: it uses {dropped[0]!r}, a column left out of the inputs (--inputs, "
                        "--drop, or a column of uncertainties)")
    if len(constants) > 1 and not any(n in columns for n in names):
        raise DataError(f"{shown}: it uses no input column (inputs: {', '.join(dataset.names)}); every other "
                        "name is a constant")
    local = {**FUNCTIONS, "pi": sympy.pi, **columns, **{n: sympy.Symbol(n) for n in constants}}
    try:
        numbers = {"Integer": sympy.Integer, "Float": sympy.Float, "Rational": sympy.Rational, "Symbol": sympy.Symbol}
        expr = parse_expr(body, local_dict=local, global_dict=numbers,
                          transformations=(*standard_transformations, convert_xor, rationalize))
    except Exception as error:  # noqa: BLE001  (the parser raises SyntaxError, TypeError, TokenError, ...)
        raise DataError(f"{shown}: not a formula ({type(error).__name__})") from None
    if not isinstance(expr, sympy.Expr) or expr.has(sympy.I, sympy.zoo, sympy.nan):
        raise DataError(f"{shown}: not a real formula")
    return Law(text, expr, constants)


def parse_laws(texts, dataset: Dataset, starts: dict[str, float] | None = None) -> tuple[Law, ...]:
    """Every law of ``texts`` parsed (``parse_law``), checking that each start names a
    constant of some law and is a finite number."""
    laws = tuple(parse_law(text, dataset) for text in texts or ())
    named = {name for law in laws for name in law.constants}
    for name, value in (starts or {}).items():
        if name not in named:
            raise DataError(f"start {name}={value}: {name!r} is no constant of "
                            f"{'any law given' if laws else 'a law (no law was given)'}")
        if not np.isfinite(value):
            raise DataError(f"start {name}={value}: not a finite number")
    return laws


# a start of 0 is taken as this: sympy drops a term 0.0·x, and the law would lose its constant
_ZERO_START = 1e-6


def _distinct(values: list[float]) -> Iterator[sympy.Float]:
    """The starting values as floats, each one that repeats an earlier one moved by
    thousandths of itself until it repeats none: a fit tells its constants apart by their
    values, and two of the same start would be fitted as one (a·x + b·x² as c·(x + x²))."""
    used: set[float] = set()
    for value in values:
        value = value or _ZERO_START
        moved, step = value, 0
        while moved in used:
            step += 1
            moved = value * (1 + 1e-3 * step)
        used.add(moved)
        yield sympy.Float(moved)


def fitted_laws(laws: tuple[Law, ...], starts: dict[str, float] | None, table: Dataset, rows: Rows,
                simplify_seconds: float, floor: float, forms: tuple[Form, ...] = (),
                budget: Budget | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The laws fitted and scored on ``table`` (the user's columns; ``rows`` the search's
    split of them; ``floor`` its error floor; ``forms`` its table of common laws, which
    prices a tree of theirs as the search does) as a table with the front's columns, ``law``
    (the text given), ``named`` (the law in its own names where its fit keeps them, else
    None) and ``chi2_dof`` (against the target's uncertainties, where a column gives them,
    else None), and a note for each law no fit of which is defined on every row."""
    starts = starts or {}
    scorer = Scorer(table, rows, simplify_seconds, budget)
    scorer.use_table(forms)
    found, laws_fitted, notes = [], [], []
    for law in laws:
        start = law.expr.xreplace(dict(zip(map(sympy.Symbol, law.constants), _distinct(
            [starts.get(n, 1.0) for n in law.constants]))))
        candidate = scorer.fitted(start, "your law", budget)
        if candidate is None:
            notes.append(f"law {law.text!r} could not be fitted: with the constants its fit reached it is "
                         "undefined on some row, or it has as many constants as the rows allow "
                         "(give the constants starting values: --start name=value)")
            continue
        found.append(scorer.reported(candidate, budget))
        laws_fitted.append(law)
    shown = front_table(found, float(np.var(scorer.fit_y)), floor, scorer.nmse_scale)
    named = [_in_law_names(law, row.formula, candidate.relative, scorer, starts, budget)
             for law, row, candidate in zip(laws_fitted, shown.itertuples(), found)]
    tested = bool(table.uncertainties)  # not weights of no scale
    return shown.assign(law=[law.text for law in laws_fitted],
                        chi2_dof=[chi_square(row.formula, len(row.constants), own_uncertainties(row.formula, table))[0]
                                  if tested else None
                                  for row in shown.itertuples()],
                        named=[law.expr if constants is not None else None
                               for law, constants in zip(laws_fitted, named)],
                        constants=[constants if constants is not None else row.constants
                                   for constants, row in zip(named, shown.itertuples())]), tuple(notes)


def _in_law_names(law: Law, fitted: sympy.Expr, relative: bool, scorer: Scorer, starts: dict[str, float],
                  budget: Budget | None) -> list[dict] | None:
    """The fitted constants under the law's own names ({"name", "value", "stderr"} each, in
    the order the law names them), where the fitted formula is the law with numbers for its
    names and the rows fix each of them; None where they do not (a·b·x is fitted as one
    constant). The values are found by matching the law's tree, else by solving for the
    law's curve from ``starts``; the standard errors are the law's own, as a fit of it in
    its names gives them (``Scorer.errors_in_names``): a logistic's midpoint, which its fit
    holds in two numbers, gets one."""
    if not law.constants:
        return None
    table = scorer.dataset
    symbols = [sympy.Symbol(n) for n in table.names]
    names = [sympy.Symbol(n) for n in law.constants]
    curve = sympy.lambdify([*symbols, *names], law.expr, "numpy")
    target = predict(fitted, symbols, table.X)

    def residuals(values):
        with np.errstate(all="ignore"):
            return np.broadcast_to(curve(*table.X.T, *values), target.shape) - target

    wilds = {name: sympy.Wild(f"_{name}", exclude=symbols, properties=[lambda e: e.is_Number]) for name in names}
    binding = fitted.match(law.expr.xreplace(wilds)) or {}
    start = np.array([float(binding[wilds[n]]) if wilds[n] in binding else starts.get(str(n), 1.0) or 1e-6
                      for n in names])
    with np.errstate(all="ignore"):
        values = optimize.least_squares(residuals, start, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15).x
    close = np.allclose(residuals(values), 0.0, rtol=0.0, atol=1e-9 * float(np.max(np.abs(target))))
    if not close or not _identifiable(curve, table.X, values):
        return None
    errors = scorer.errors_in_names(law.expr, dict(zip(names, values)), relative, budget)
    return [{"name": name, "value": float(value), "stderr": float(error)}
            for name, value, error in zip(law.constants, values, errors)]


def _identifiable(curve, X: np.ndarray, values: np.ndarray) -> bool:
    """Whether the rows fix each of the law's constants at ``values``: the curve's
    derivatives by them (each scaled by its constant, so that units do not matter) are
    independent columns (a and b of a·b·x are not: only their product is fitted)."""
    with np.errstate(all="ignore"):
        at = np.broadcast_to(curve(*X.T, *values), (len(X),))
        columns = []
        for j, value in enumerate(values):
            step = 1e-6 * abs(value) or 1e-6
            moved = values.copy()
            moved[j] += step
            columns.append((np.broadcast_to(curve(*X.T, *moved), (len(X),)) - at) / step * (abs(value) or 1.0))
    singular = np.linalg.svd(np.column_stack(columns), compute_uv=False)
    return bool(np.all(np.isfinite(singular)) and singular[-1] > 1e-6 * singular[0])
