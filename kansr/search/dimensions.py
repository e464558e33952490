"""Dimensional analysis (Buckingham π) before the search, where the columns' units are known.

With D the dimension matrix (base units × inputs) of rank r, every physically possible law
y = g(x) can be written y = M(x)·f(π₁, ..., π_{n-r}): M a monomial of the inputs with the
target's units, each π a dimensionless monomial (the null space of D). The search then
runs on fewer, dimensionless inputs, and every formula it can find is dimensionally
consistent: f's constants and the arguments of its functions are dimensionless.

Which monomials: r *repeating* inputs R whose columns of D are independent; M is a
monomial of R, and each other input x_j gives π_j = x_j / (monomial of R with x_j's units).
Of all choices of R, the one whose exponents are simplest is taken: fewest non-integer
exponents, then the smallest sum of |exponents|. Equally simple choices can differ in how
hard f is to find (E = m·c²·γ(v/c), or m·v²·h(c/v) with h = γ/π² varying a hundredfold):
with the data at hand, the one whose M leaves y/M flattest (least variance of ln|y/M|)
wins; without, the earliest columns.

Where the target's units are not a monomial of the inputs' (a law with a dimensional
constant such as G or k_B, which is not a column), nothing can be reduced: the constant's
units are free, and with them every input's power. With ``constant_units`` the search
then runs on the columns as they are, and the constants' units are inferred from the
formula found (``kansr.search.formula_units``). So too where the units leave no π
(``kansr.search.discover``): y = c·M alone would rule out a scale of the law's own.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
import pandas as pd
import sympy

from kansr.budget import Budget, expired
from kansr.data import Dataset
from kansr.errors import DataError
from kansr.search.candidate import one_signed
from kansr.search.formula_units import units_of
from kansr.search.result import Result, constants_table, fit_of, report_budget
from kansr.search.rows import Rows
from kansr.search.weights import OWN_SLOPE_ROUNDS, own_uncertainties, row_weights, weighted_variance
from kansr.symbolic import complexity, describe, predict, refit, snap
from kansr.symbolic.description import description_length, model_nmse, pooled, structure
from kansr.units import Dimension, format_unit

# at most this many choices of repeating inputs are compared
_MAX_CHOICES = 5000
# the rows' weights as a column of the fits (``in_user_columns``)
_WEIGHT = sympy.Symbol("_weight")


@dataclass(frozen=True)
class Groups:
    """The dimensionless form of a problem: y = M·f(π) (module doc).

    Attributes
    ----------
    scale : tuple of Fraction
        Exponent of each input in M.
    groups : tuple of tuple of Fraction
        Exponents of each input in each π.
    """

    scale: tuple[Fraction, ...]
    groups: tuple[tuple[Fraction, ...], ...]

    @staticmethod
    def monomial(exponents, symbols) -> sympy.Expr:
        return sympy.Mul(*[s ** sympy.Rational(e.numerator, e.denominator) for s, e in zip(symbols, exponents) if e])

    def expressions(self, symbols: list[sympy.Symbol]) -> tuple[sympy.Expr, list[sympy.Expr]]:
        """(M, [π₁, ...]) as expressions in ``symbols``."""
        return self.monomial(self.scale, symbols), [self.monomial(g, symbols) for g in self.groups]

    def values(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(M, π) on the rows of X: shapes (n,) and (n, len(groups))."""
        def evaluate(exponents) -> np.ndarray:
            with np.errstate(all="ignore"):
                return np.prod([X[:, j] ** float(e) for j, e in enumerate(exponents) if e] or [np.ones(len(X))],
                               axis=0)
        return evaluate(self.scale), np.column_stack([evaluate(g) for g in self.groups]) if self.groups else \
            np.empty((len(X), 0))


def _solve(matrix: sympy.Matrix, rhs: sympy.Matrix) -> sympy.Matrix | None:
    try:
        return matrix.solve(rhs)
    except (ValueError, sympy.matrices.common.NonInvertibleMatrixError):
        return None


def _cost(exponents: list[Fraction]) -> tuple[int, Fraction]:
    return sum(1 for e in exponents if e.denominator != 1), sum(abs(e) for e in exponents)


def dimensionless_groups(inputs: list[Dimension], target: Dimension, constant_units: bool = False,
                         X: np.ndarray | None = None, y: np.ndarray | None = None,
                         target_text: str | None = None) -> Groups | None:
    """The simplest y = M·f(π) for inputs and a target of these dimensions (module doc).
    Where the target's units are no monomial of the inputs': None with ``constant_units``
    (no reduction is valid then: the constant's units are free, and with them the powers
    of every input), else ``DataError`` (naming the target's units as the user wrote them,
    ``target_text``, where given)."""
    n = len(inputs)
    D = sympy.Matrix([[sympy.Rational(e.numerator, e.denominator) for e in column] for column in inputs]).T
    d = sympy.Matrix([sympy.Rational(e.numerator, e.denominator) for e in target])
    rank = D.rank()
    in_span = D.row_join(d).rank() == rank
    if not in_span:
        if constant_units:
            return None
        raise DataError(f"the target's units ({target_text or format_unit(target)}) are no product of powers "
                        "of the inputs' units: the law has a dimensional constant that is not a column; add that "
                        "column, or allow constants with units (--constant-units; constant_units=True in Python)")
    found = []
    for count, chosen in enumerate(itertools.combinations(range(n), rank)):
        if count >= _MAX_CHOICES:
            break
        R = D[:, list(chosen)]
        if R.rank() < rank:
            continue
        # a square system in r independent base units (rows)
        basis_rows = _independent_rows(R)
        square = R[basis_rows, :]
        solution = _solve(square, d[basis_rows, :])
        if solution is None:
            continue
        scale = [Fraction(0)] * n
        for k, j in enumerate(chosen):
            scale[j] = Fraction(str(solution[k]))
        if in_span and any(x != 0 for x in (R * solution - d)):
            continue
        groups = []
        for j in (j for j in range(n) if j not in chosen):
            b = _solve(square, D[basis_rows, j])
            if b is None or any(x != 0 for x in (R * b - D[:, j])):
                groups = None
                break
            group = [Fraction(0)] * n
            group[j] = Fraction(1)
            for k, i in enumerate(chosen):
                group[i] = -Fraction(str(b[k]))
            groups.append(tuple(group))
        if groups is None:
            continue
        cost = tuple(a + b for a, b in zip(_cost(scale), _cost([e for g in groups for e in g])))
        found.append((cost, tuple(scale), tuple(groups)))
    if not found:
        raise DataError("no set of inputs spans the inputs' units; check the units table")
    simplest = min(cost for cost, _, _ in found)
    tied = [Groups(scale, groups) for cost, scale, groups in found if cost == simplest]
    if len(tied) == 1 or X is None or y is None:
        return tied[0]

    def spread(groups: Groups) -> float:
        # how much of y the monomial leaves to f: the flatter f, the easier to find
        with np.errstate(all="ignore"):
            ratio = np.log(np.abs(y / groups.values(X)[0]))
        return float(np.var(ratio)) if np.all(np.isfinite(ratio)) else math.inf

    return min(tied, key=spread)


def _independent_rows(R: sympy.Matrix) -> list[int]:
    """Row indices of R (base units) that are linearly independent, as many as its rank."""
    _, pivots = R.T.rref()
    return list(pivots)


def dimensionless_data(groups: Groups, X: np.ndarray, y: np.ndarray, names: list[str]
                       ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray | None]:
    """The search's data: the π columns, y / M, their names (pi1, pi2, ...) and M on each
    row; or, where no input is left dimensionless, M itself as the one input (named M), y,
    and None; ``DataError`` where M or a π is undefined on some row (a fractional power of
    a negative column)."""
    scale, pis = groups.values(X)
    bad = ~np.isfinite(scale) | (scale == 0) | ~np.all(np.isfinite(pis), axis=1)
    if np.any(bad):
        row = int(np.argmax(bad))
        raise DataError(f"row {row + 2}: the units' monomials are undefined there (zero, or a fractional "
                        f"power of a negative value, in {', '.join(names)})")
    if not groups.groups:
        return scale[:, None], y, ["M"], None
    taken = set(names)
    labels = []
    for k in range(len(groups.groups)):
        label = f"pi{k + 1}"
        while label in taken:
            label += "_"
        labels.append(label)
    return pis, y / scale, labels, scale


def substitution(groups: Groups, labels: list[str], symbols: list[sympy.Symbol]
                 ) -> tuple[dict[sympy.Symbol, sympy.Expr], sympy.Expr]:
    """(the search's input symbols -> expressions in the user's columns, the factor M the
    search's formula is multiplied by: 1 where M was itself the input)."""
    scale, pis = groups.expressions(symbols)
    if not groups.groups:
        return {sympy.Symbol(labels[0]): scale}, sympy.Integer(1)
    return {sympy.Symbol(label): pi for label, pi in zip(labels, pis)}, scale


def in_user_columns(result: Result, groups: Groups, labels: list[str], user: Dataset, rows: Rows,
                     input_units: list, target_units, budget: Budget) -> Result:
    """A result found on the dimensionless data in the user's columns: every formula of the
    front as M·f(π(x)), its constants refit and snapped on the user's data (the search fitted
    its formulas times M to the measured target already, ``Dataset.scale``, but a constant
    can become exact as a number of the user's formula), with units for the target and each
    constant (all dimensionless), and the formula reported chosen again there, by
    description length on the user's rows. Only formulas with the target's units are kept:
    where no input was left dimensionless, the search's input was M itself, and its constant
    or a + b·M are not (c·M then stands for them).

    The front begins, as every front does, with a constant: the target's mean (its geometric
    mean where relative errors describe the rows more briefly), the reference each R² is
    measured against and the simplest fit. Its one constant carries the target's units (the
    only constant with units under ``units`` alone) and is left as fitted, since its value
    depends on the units the target was measured in."""
    symbols = [sympy.Symbol(n) for n in user.names]
    by_symbol = dict(zip(symbols, input_units))
    mapping, scale = substitution(groups, labels, symbols)
    X, y = user.X, user.y
    # where the target's uncertainties weigh the rows (``Dataset.sigma``), each formula times
    # the rows' weights w is fitted to y·w, as the search fitted it (``Scorer``)
    fit_symbols = symbols if user.sigma is None else symbols + [_WEIGHT]

    def space(formula: sympy.Expr | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(X, y, w) of the fits: the rows weighed by the target's uncertainties, with the
        inputs' carried through ``formula``'s own slopes where they have any and it is given
        (``weights.own_uncertainties``, as ``Scorer.reported`` weighs them)."""
        if user.sigma is None:
            return X, y, None
        weights = row_weights(user.sigma if formula is None else own_uncertainties(formula, user).sigma)
        return np.column_stack([X, weights]), y * weights, weights

    def weighed(expr: sympy.Expr) -> sympy.Expr:
        return expr if user.sigma is None else expr * _WEIGHT

    held_out = rows.val if len(rows.val) else rows.refit
    finish = report_budget(budget)

    unsettled = []  # (row, how to redo it) where the budget cut its own-slope rounds

    def row(expr: sympy.Expr, relative: bool, attempt: str, exact: bool = True, settle: bool = False) -> dict:
        """A row of the front: ``expr`` (in the user's columns) refit, and snapped where
        ``exact``; its description length (held-out and fitting rows pooled, as
        ``Candidate.length``) and its held-out error. As ``Scorer.reported``: the inputs'
        uncertainties carried through its own slopes while the report's budget lasts, or
        until they settle where ``settle``."""
        fit_X, fit_y, weights = space(None)
        scored = refit(weighed(expr), fit_symbols, fit_X[rows.refit], fit_y[rows.refit], finish, relative=relative)
        cut = False
        for round_ in range(OWN_SLOPE_ROUNDS if user.input_sigma else 0):
            if round_ and not settle and expired(finish):
                cut = True
                break
            fit_X, fit_y, weights = space(scored.expr.xreplace({_WEIGHT: sympy.Integer(1)}))
            scored = refit(scored.expr, fit_symbols, fit_X[rows.refit], fit_y[rows.refit],
                           None if settle else finish, relative=relative)
        if exact:  # the weights changed, so a constant the search left fitted may now be an exact one
            scored = snap(scored, fit_symbols, fit_X[rows.refit], fit_y[rows.refit], finish)
        if user.input_sigma:  # described under the weights every formula shares, as the search's are
            fit_X, fit_y, weights = space(None)
            scored = replace(scored, nmse=model_nmse(predict(scored.expr, fit_symbols, fit_X[rows.refit]),
                                                     fit_y[rows.refit], relative))
        predictions = predict(scored.expr, fit_symbols, fit_X[held_out])
        data_nmse, data_rows = scored.nmse, len(rows.refit)
        if len(rows.val):
            data_nmse, data_rows = pooled(model_nmse(predictions, fit_y[rows.val], relative), len(rows.val),
                                          scored.nmse, len(rows.refit))
        formula = scored.expr.xreplace({_WEIGHT: sympy.Integer(1)})
        length = description_length(data_nmse, data_rows, structure(formula), scored.parameter_cost)
        spread = np.var(y[held_out]) if user.sigma is None else weighted_variance(y[held_out], weights[held_out])
        nmse = float(np.mean((predictions - fit_y[held_out]) ** 2) / (spread or 1.0))
        found = {"complexity": complexity(formula), "rmse": float(np.sqrt(nmse * np.var(y[held_out]))),
                 "r2": 1 - nmse, "formula": formula, "val_nmse": nmse, "attempt": attempt, "score": length,
                 "errors": "relative" if relative else "additive",
                 "constants": constants_table(scored.constants, formula).assign(units="1")}
        if cut:
            unsettled.append((found, (expr, relative, attempt, exact)))
        return found

    consistent = []
    for shown in result.front.itertuples():
        found = row(scale * shown.formula.xreplace(mapping), shown.errors == "relative", shown.attempt)
        if units_of(found["formula"], by_symbol) == tuple(target_units) and math.isfinite(found["score"]):
            consistent.append(found)
    if not consistent:
        consistent.append(row(scale * sympy.Float(1.0) * sympy.Symbol(labels[0]).xreplace(mapping), False, "units"))
    models = (False, True) if one_signed(y) and user.sigma is None else (False,)
    mean = min((row(sympy.Float(float(np.mean(y[rows.refit]))), relative, "baseline", exact=False)
                for relative in models), key=lambda found: found["score"])
    mean["constants"] = mean["constants"].assign(units=format_unit(target_units))
    # (a constant the search found is a dimensionless target's mean: the row above)
    candidates = sorted([mean] + [r for r in consistent if not r["formula"].is_Number],
                        key=lambda r: (r["complexity"], r["val_nmse"]))
    chosen = min(candidates, key=lambda r: (r["score"], r["complexity"]))
    for found, redo in unsettled:  # the answer's constants, whatever the rows before it left of the budget
        if found is chosen:
            settled = row(*redo, settle=True)
            candidates = [settled if other is chosen else other for other in candidates]
            chosen = settled
            break
    front_rows, best = [], math.inf  # refit on the user's rows, a row may now be beaten by a simpler one
    for found in candidates:
        if found is chosen or found["val_nmse"] < best:
            front_rows.append(found)
            best = min(best, found["val_nmse"])
    # every formula shown with an error for each constant, the chosen one's first (as
    # ``Scorer.reported``: from a bootstrap where the covariance is ill-conditioned)
    def errors_of(found: dict) -> dict:
        fit_X, fit_y, _ = space(found["formula"] if user.input_sigma else None)
        return with_errors(found, fit_symbols, fit_X[rows.refit], fit_y[rows.refit], finish, weighed)

    shown = errors_of(chosen)
    front_rows = [shown if found is chosen else errors_of(found) for found in front_rows]
    chosen_formula, chosen_constants = shown["formula"], shown["constants"]
    for found in front_rows:
        found["constants"] = found["constants"].to_dict("records")
    r2, rmse = fit_of(predict(chosen_formula, symbols, X), y)
    return replace(result, formula=chosen_formula, r2=r2, rmse=rmse,
                   complexity=complexity(chosen_formula), front=pd.DataFrame(front_rows),
                   constants=chosen_constants, names=list(user.names), renamed=dict(user.renamed),
                   inputs_used=[n for n, s in zip(user.names, symbols) if chosen_formula.has(s)], kan=None,
                   target_units=format_unit(target_units), notes=tuple(user.notes) + result.notes[len(user.notes):])



def with_errors(found: dict, symbols: list[sympy.Symbol], X: np.ndarray, y: np.ndarray, budget: Budget | None,
                weighed=lambda expr: expr) -> dict:
    """A row of ``in_user_columns``'s front with a standard error for every constant: where
    its covariance was ill-conditioned, from twenty refits on resampled rows (X, y), as many
    as ``budget`` allows, else from the covariance's pseudoinverse (``weighed``: the formula
    as fitted to X, y, times the rows' weights where they are weighed)."""
    table = found["constants"]
    if table.empty or np.all(np.isfinite(table["stderr"].to_numpy(dtype=float))):
        return found
    described = describe(weighed(found["formula"]), symbols, X, y, budget, ill_conditioned="bootstrap",
                         relative=found["errors"] == "relative")
    errors = {c.value: c.stderr for c in described.constants}
    return {**found, "constants": table.assign(stderr=[errors.get(value, stderr)
                                                       for value, stderr in zip(table["value"], table["stderr"])])}


