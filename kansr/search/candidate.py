"""Candidates: formulas refit on the training rows and scored on rows they were not fitted to.

The rows are divided once per search (``kansr.search.rows``): a small table's formulas
are scored by cross-validation, a larger one's on held-out rows. ``Scorer.score`` turns a
composed formula into candidates: the formula and its expansion,
each refit, snapped and simplified (``kansr.symbolic.polish``), with standard errors for
its constants, and scored by its out-of-sample normalised MSE. On a cross-validated table
a formula whose overall factor is exact is scored with it fitted as well
(``kansr.symbolic.snapping.with_fitted_factor``): snapping went by the in-sample
description, which charges a fitted constant's digits and not an exact number's, and the
cross-validated one, which charges the reverse, decides between the two.

Where the target has one sign, each formula is also refit with relative errors
(``kansr.symbolic.description``: y = f·e^ε, least squares on ln(f/y)), and the error model
whose description is shorter is kept; after the baselines, later formulas are refit both
ways only where some baseline kept relative errors (``Scorer.stop_relative``).
Measurements often scatter in proportion to their size, and an additive fit then follows
the largest rows and misstates its constants' errors: on 40 rows of the ideal gas law with
1 % noise, where the pressure spans a factor of eight, the additive fit put V's exponent
3.5 of its standard errors from -1 on one draw and snapped R to 25/3 on two others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import sympy

from kansr.budget import Budget, charge, cost, expired
from kansr.data import Dataset
from kansr.search import stopping
from kansr.search.baselines import Form, in_table
from kansr.search.rows import FOLDS, LEAVE_ONE_OUT, Rows
from kansr.search.weights import OWN_SLOPE_ROUNDS, own_uncertainties, product, row_weights, weighted_variance
from kansr.search.trial import StageTimer, variants
from kansr.symbolic import (Constant, Scored, complexity, cross_validated_predictions, describe, named_errors, polish,
                            predict, refit)
from kansr.symbolic.description import (FLOOR, NODE_COST, cross_validated_float_cost, data_cost,
                                        exact_numbers_cost, model_nmse, pooled, structure)
from kansr.symbolic.limits import time_limit
from kansr.symbolic.residuals import NOISE_CORRELATION, looks_like_noise, neighbours, noise_correlation
from kansr.symbolic.snapping import with_fitted_factor, without_limits, zeroed


@dataclass(frozen=True)
class Candidate:
    """One formula the search found.

    Attributes
    ----------
    formula : sympy.Expr, in the input names
    complexity : int
        Expression-tree size.
    val_nmse : float
        Held-out MSE / var(y) (on the refit rows when nothing is held out).
    attempt : str
        The plan that produced it, e.g. "log/additive".
    noise_like : bool
        Its residuals look like noise (``kansr.symbolic.residuals``).
    free_constants : int
        Fitted constants apart from an overall factor or offset (``stopping.free_constants``).
    constants : tuple of Constant
        Its fitted constants with standard errors, in the order they appear in the formula.
    parameter_cost : float
        Nats to state its numbers (``kansr.symbolic.description``); where its data term is
        cross-validated and the fit not exact, its exact numbers and ½·ln(n) - 1 for each
        fitted constant (``kansr.search.selection``).
    data_nmse, data_rows : float, int
        The error the selection's data term uses, and on how many rows: the held-out and the
        fitting rows' errors pooled (every row counts, the held-out ones out of sample), or
        the cross-validated error of every row.
    structure_cost : float
        Nats to state its expression tree: ``NODE_COST`` per node that is not a number, or,
        for a formula of a shape of the table of common laws (``kansr.search.baselines``),
        however it was found, its index in that table when that is shorter; plus ln 2 to say
        which error model it uses.
    relative : bool
        Its constants were fitted, and its data term measured, with relative errors.
    key : int
        Which trial's KAN it came from (set by the search; -1 until then).
    """

    formula: sympy.Expr
    complexity: int
    val_nmse: float
    attempt: str
    noise_like: bool
    free_constants: int
    constants: tuple[Constant, ...] = ()
    parameter_cost: float = 0.0
    data_nmse: float = float("nan")
    data_rows: int = 0
    structure_cost: float = 0.0
    relative: bool = False
    key: int = -1

    def length(self, floor: float = FLOOR) -> float:
        """Description length in nats (``kansr.search.selection``)."""
        return data_cost(self.data_nmse, self.data_rows or 1, floor) + self.structure_cost + self.parameter_cost


# formulas fitting the rows to this normalised error are exact: no error model to choose
_EXACT = 1e-12
# the units' monomial M as a column of the fits' data (``Scorer``)
_SCALE = sympy.Symbol("_scale")


def _cross_validated_parameter_cost(scored: Scored, n_rows: int) -> float:
    """What ``scored``'s numbers cost beside a cross-validated data term on ``n_rows`` rows
    (``Scorer._candidate``): its exact numbers' digits, and for each fitted constant what
    Schwarz's criterion charges beyond leave-one-out's price."""
    return exact_numbers_cost(scored.expr) + len(scored.constants) * cross_validated_float_cost(n_rows)


def one_signed(y: np.ndarray) -> bool:
    """Whether y has one sign, and so relative errors (ln(f/y)) can describe it."""
    return bool(len(y) and (np.all(y > 0) or np.all(y < 0)))


class Scorer:
    """Refits and scores formulas on one problem's rows (see the module doc)."""

    def __init__(self, dataset: Dataset, rows: Rows, simplify_seconds: float, budget: Budget | None) -> None:
        self.dataset, self.rows = dataset, rows
        # cross-validation folds where no row is held out: one row each for the smallest tables
        self.folds = 0 if len(rows.val) else len(rows.refit) if len(rows.refit) <= LEAVE_ONE_OUT else FOLDS
        self.simplify_seconds, self.budget = simplify_seconds, budget
        self.symbols = [sympy.Symbol(name) for name in dataset.names]
        # formulas are fitted and judged on the target as measured: where it was divided by
        # the units' monomial M (``Dataset.scale``), y / M weights rows by 1/M², and additive
        # noise on y is as many times larger on some rows of y / M as M varies; a curve then
        # fits the noisiest few rows better than the law does, its residuals look like noise,
        # and the law's constant is fitted off its exact value. So the formula times M (a
        # column of its own) is fitted to y·M: the fits' space (``_in_fit``)
        # Where the target's uncertainties σ are given (``Dataset.sigma``), least squares
        # weigh each row by 1/σ²: the formula (times M) times w = 1/σ, a column of its own
        # too, is fitted to y·M·w, w scaled to a geometric mean of 1 (the fits' numbers stay
        # the target's size); every fit, cross-validation and description is then weighted
        self.scale = dataset.scale
        weights = None if dataset.sigma is None else row_weights(dataset.sigma)
        self.multiplier = product(dataset.scale, weights)
        self.fit_X, self.fit_y, self.fit_symbols = dataset.X, dataset.y, self.symbols
        # what turns an error normalised by var(fit_y) into one normalised by y's own weighted
        # variance, for R² (1 where no uncertainties weigh the rows)
        self.nmse_scale = 1.0
        if weights is not None:
            measured = dataset.y if dataset.scale is None else dataset.y * dataset.scale
            self.nmse_scale = float(np.var(dataset.y * self.multiplier)) / weighted_variance(measured, weights)
        if self.multiplier is not None:
            self.fit_X = np.column_stack([dataset.X, self.multiplier])
            self.fit_y, self.fit_symbols = dataset.y * self.multiplier, self.symbols + [_SCALE]
        # each refit row's nearest other row: residuals that are only noise do not correlate
        # between neighbours; those of a wrong formula (or inexact constants) do. Near in
        # every argument of y = M·f(π): in each π, and in M
        inputs = dataset.X[rows.refit]
        if self.scale is not None:
            inputs = np.column_stack([inputs, np.log(np.abs(self.scale[rows.refit]))])
        self.neighbours = neighbours(inputs)
        # a candidate's residuals count as noise (``Candidate.noise_like``, which lets the
        # search end) unless they correlate beyond what noise does on this many rows 99
        # times in 100: on a small table the fixed threshold, set for hundreds of rows, is
        # crossed by a quarter of pure noise draws, and the law, found at once, left the
        # search running to its budget. Snapping keeps the fixed threshold
        # (``_fit_noise_like``): it gates which formulas are offered exact numbers at all,
        # and a cross-validated description does not price an exact number that every
        # fold keeps, so on a small table a loose gate let compositions of snapped numbers
        # win (docs/benchmarks.md, "Real tables")
        self.noise_threshold = noise_correlation(len(rows.refit))
        # whether relative errors are possible here, and whether formulas are still fitted with
        # them too (``stop_relative``)
        self.relative_possible = one_signed(dataset.y) and dataset.sigma is None  # given σ are absolute
        self.relative_tried = self.relative_possible
        # the shapes of the table of common laws (``use_table``), and which formulas have one
        self.forms: tuple[Form, ...] = ()
        self._in_table: dict[sympy.Expr, bool] = {}

    def stop_relative(self, baselines: list[Candidate]) -> None:
        """Fit later formulas with additive errors only when every baseline formula was
        described more briefly with them: the error model belongs to the data, and the
        table of common laws, fitted both ways, is enough to tell it. (Not by the shortest
        baseline alone: where it has relative errors and later formulas may not, a quadratic
        law on 8 noisy rows lost to a relative logistic.)"""
        if not any(c.relative for c in baselines):
            self.relative_tried = False

    def _in_fit(self, expr: sympy.Expr) -> sympy.Expr:
        """A formula for ``dataset.y`` as one for the fits' target (times M, where it was divided by M)."""
        return expr if self.multiplier is None else expr * _SCALE

    def _from_fit(self, scored: Scored) -> Scored:
        """A formula fitted to the fits' target as one for ``dataset.y`` (M = 1: it is M times
        a function of the other columns, in whatever form simplification left it), its
        constants in the order they appear there."""
        if self.multiplier is None:
            return scored
        expr = scored.expr.xreplace({_SCALE: sympy.Integer(1)})
        text = str(expr)
        position = {float(f): text.find(str(f)) for f in expr.atoms(sympy.Float)}
        return replace(scored, expr=expr,
                       constants=tuple(sorted(scored.constants, key=lambda c: position.get(c.value, -1))))

    @staticmethod
    def _residuals(predictions: np.ndarray, y: np.ndarray, relative: bool) -> tuple[np.ndarray, np.ndarray]:
        """(residuals, what they are residuals of) under the error model."""
        if not relative:
            return predictions - y, y
        with np.errstate(all="ignore"):
            return np.log(predictions / y), np.log(np.abs(y))

    def _fit_noise_like(self, expr: sympy.Expr, relative: bool = False,
                        threshold: float = NOISE_CORRELATION) -> bool:
        """Whether the residuals of a formula of the fits' space (``_in_fit``) on the refit
        rows look like noise: by the fixed threshold, snapping's gate, unless given."""
        rows = self.rows.refit
        return looks_like_noise(*self._residuals(predict(expr, self.fit_symbols, self.fit_X[rows]),
                                                 self.fit_y[rows], relative), self.neighbours, threshold)

    def noise_like(self, expr: sympy.Expr, relative: bool = False) -> bool:
        """``Candidate.noise_like`` for ``expr``: its residuals on the refit rows look like
        noise on this many rows."""
        return self._fit_noise_like(self._in_fit(expr), relative, self.noise_threshold)

    def _fit_noise_like_relative(self, expr: sympy.Expr) -> bool:
        return self._fit_noise_like(expr, relative=True)

    def reported(self, candidate: Candidate, budget: Budget | None = None, settle: bool = False) -> Candidate:
        """``candidate`` as it is reported: its constants refit from where they stand, kept
        where that fits the rows better (a formula scored once the search's budget had run
        out keeps the constants its fit started from, such as the additive fit's for a
        formula whose errors are relative), and a standard error for every constant: where the
        covariance was ill-conditioned, from a bootstrap (twenty refits, as many as
        ``budget`` allows), and from the covariance's pseudoinverse where the bootstrap could
        not finish. Where the inputs have uncertainties, the constants and their errors are
        those of the effective variance of the formula's own slopes (``_own_space``), while
        ``budget`` lasts, or until they settle whatever it left where ``settle``: the chosen
        formula's constants are the answer, and a few refits of one formula are not worth
        an answer that depends on how busy the machine was. Its tree, held-out error and
        description stay the search's."""
        if self.dataset.input_sigma and candidate.constants and (settle or not expired(budget)):
            candidate, X, y = self._under_own_slopes(candidate, None if settle else budget)
        else:
            X, y = self.fit_X[self.rows.refit], self.fit_y[self.rows.refit]
            if candidate.constants:
                formula = self._in_fit(candidate.formula)
                fitted = refit(formula, self.fit_symbols, X, y, budget, relative=candidate.relative)
                standing = describe(formula, self.fit_symbols, X, y, relative=candidate.relative)
                if fitted.nmse < standing.nmse and len(fitted.constants) == len(candidate.constants):
                    fitted = self._from_fit(fitted)
                    candidate = replace(candidate, formula=fitted.expr, constants=fitted.constants)
            if all(np.isfinite(c.stderr) for c in candidate.constants):
                return candidate
        described = self._from_fit(describe(self._in_fit(candidate.formula), self.fit_symbols, X, y, budget,
                                            ill_conditioned="bootstrap", relative=candidate.relative))
        if len(described.constants) != len(candidate.constants):
            return candidate
        return replace(candidate, constants=described.constants)

    def _under_own_slopes(self, candidate: Candidate, budget: Budget | None
                          ) -> tuple[Candidate, np.ndarray, np.ndarray]:
        """``candidate`` refit under the effective variance of its own slopes, which move
        with its constants: until they settle (``OWN_SLOPE_ROUNDS``), or ``budget`` ends after
        the first round (None: no limit); and the refit rows so weighed (``_own_space``). Its
        standard errors are left to one description after the last round."""
        X, y = self._own_space(candidate.formula)
        for round_ in range(OWN_SLOPE_ROUNDS):
            if round_ and expired(budget):
                break
            formula = self._in_fit(candidate.formula)
            fitted = refit(formula, self.fit_symbols, X, y, budget, with_errors=False, relative=candidate.relative)
            standing = model_nmse(predict(formula, self.fit_symbols, X), y, candidate.relative)
            if fitted.nmse < standing and len(fitted.expr.atoms(sympy.Float)) == len(candidate.constants):
                candidate = replace(candidate, formula=self._from_fit(fitted).expr)
            X, y = self._own_space(candidate.formula)
        return candidate, X, y

    def errors_in_names(self, expr: sympy.Expr, named: dict[sympy.Symbol, float], relative: bool,
                        budget: Budget | None = None) -> np.ndarray:
        """The standard errors of ``expr``'s constants ``named`` (symbols, at the values given,
        which fit the refit rows) as ``reported`` gives a candidate's, with the errors of
        ``relative``: a law's constants under the law's own names."""
        X, y = self._own_space(expr.xreplace({name: sympy.Float(value) for name, value in named.items()}))
        return named_errors(self._in_fit(expr), named, self.fit_symbols, X, y, budget, relative)

    def _own_space(self, formula: sympy.Expr) -> tuple[np.ndarray, np.ndarray]:
        """The refit rows of the fits' space (X, y), weighed as ``formula``'s own slopes carry
        the inputs' uncertainties (``weights.own_uncertainties``) where they have any, else
        as every fit is."""
        rows = self.rows.refit
        if not self.dataset.input_sigma:
            return self.fit_X[rows], self.fit_y[rows]
        multiplier = product(self.scale, row_weights(own_uncertainties(formula, self.dataset).sigma))
        return np.column_stack([self.dataset.X, multiplier])[rows], (self.dataset.y * multiplier)[rows]

    def use_table(self, forms: tuple[Form, ...]) -> None:
        """Price every formula of a shape in the table of common laws (``forms``, one per law)
        as the table names it (``_structure_cost``)."""
        self.forms, self._in_table = forms, {}

    def _structure_cost(self, expr: sympy.Expr, codebook: int) -> float:
        """Nats to state ``expr``'s tree (``Candidate.structure_cost``): node by node, or, for
        a formula from the table of common laws (``codebook``: the table's size) or of one
        of its shapes however found, as its entry of the table where that is shorter. A
        description is the shortest of the codes that state it: a line 2·x + 1 read off a
        KAN cost four nodes where the table's line, whose offset snapping had set to 0 on a
        table with a typo, cost one entry of eight."""
        cost = NODE_COST * structure(expr)
        if not codebook and self.forms:
            if expr not in self._in_table:
                self._in_table[expr] = in_table(expr, self.forms)
            codebook = len(self.forms) if self._in_table[expr] else 0
        if codebook:
            cost = min(cost, math.log(codebook))
        return cost + (math.log(2) if self.relative_possible else 0.0)  # which error model

    def _outclassed(self, scored: Scored, in_sample: np.ndarray, codebook: int, rivals: Sequence[Candidate],
                    floor: float) -> bool:
        """Whether a formula of a cross-validated table can neither be chosen from among
        ``rivals`` and itself nor stand on the front beside them, whatever its
        cross-validated error: a rival is at most as complex, has an out-of-sample error at
        most its error on the rows it was fitted to, and a description at most as long as
        its own would be with that error. A row predicted by constants fitted without it is
        predicted no better than with them (exactly so for least squares that are linear in
        their constants), so its cross-validated error can only be higher, and that
        cross-validation, a refit per row, is skipped: it took most of a small table's time
        where the curves of an input the target ignores ran to a limit of their constants
        (an edge that fits one row), and each refit without a row walked on towards it.
        ``in_sample``: its predictions on the refit rows, in the fits' space."""
        n = len(self.rows.refit)
        expr = self._from_fit(scored).expr
        additive = model_nmse(in_sample, self.fit_y[self.rows.refit])
        # the parameter cost is one of these two (``_candidate``): the smaller bounds it
        parameter_cost = min(scored.parameter_cost, _cross_validated_parameter_cost(scored, n))
        at_least = data_cost(scored.nmse, n, floor) + self._structure_cost(expr, codebook) + parameter_cost
        size = complexity(expr)
        return any(r.complexity <= size and r.val_nmse <= additive and r.length(floor) <= at_least
                   for r in rivals)

    def _candidate(self, scored: Scored, label: str, timer: StageTimer, codebook: int,
                   budget: Budget | None, rivals: Sequence[Candidate] = (), floor: float = FLOOR) -> Candidate | None:
        """A polished formula scored out of sample; None where it is undefined on some row, or
        has as many constants as a small table has rows (no error would say anything about it),
        or where ``rivals`` outclass it before its cross-validation (``_outclassed``).

        ``scored``: fitted in the fits' space (``_in_fit``), where its errors are measured too.
        ``val_nmse`` is the additive held-out error (what the front shows as R²); the data
        term of the description uses the error model ``scored`` was fitted in."""
        X, y, rows, relative = self.fit_X, self.fit_y, self.rows, scored.relative
        charge(budget, cost.compilation(complexity(scored.expr)))
        predictions = predict(scored.expr, self.fit_symbols, X)
        if not np.all(np.isfinite(predictions)):
            return None
        noise_like = looks_like_noise(*self._residuals(predictions[rows.refit], y[rows.refit], relative),
                                      self.neighbours, self.noise_threshold)
        parameter_cost = scored.parameter_cost
        if len(rows.val):
            val = model_nmse(predictions[rows.val], y[rows.val])
            data_nmse, data_rows = pooled(model_nmse(predictions[rows.val], y[rows.val], relative), len(rows.val),
                                          scored.nmse, len(rows.refit))
        else:
            if len(scored.constants) >= len(rows.refit) - 1:
                return None
            if rivals and self._outclassed(scored, predictions[rows.refit], codebook, rivals, floor):
                return None
            with timer.stage("refit, snap, simplify"):
                out_of_fold = cross_validated_predictions(scored.expr, self.fit_symbols, X[rows.refit], y[rows.refit],
                                                          self.folds, budget, relative)
            val = model_nmse(out_of_fold, y[rows.refit])
            data_rows, data_nmse = len(rows.refit), model_nmse(out_of_fold, y[rows.refit], relative)
            if min(scored.nmse, data_nmse) > _EXACT:
                # every row is predicted by constants fitted without it, so what the fitted
                # constants cost is in its error already (predictive MDL: a constant the other
                # rows pin down poorly predicts the row left out poorly); charging their digits
                # too counted them twice, and made an exact 1/8 cheaper than the three constants
                # of a logistic law. The tree and its exact numbers are still stated, and each
                # fitted constant what Schwarz's criterion charges beyond leave-one-out's price
                # (``cross_validated_float_cost``): without it a spurious exponent, x^0.988 for
                # x, cost nothing and won whenever it predicted a little better. An exact
                # fit's errors are below the floor, where prediction says nothing of precision:
                # its constants keep their cost to machine precision. Exact out of sample
                # counts too: a flexible law can predict every row to 1e-15 where its own
                # refit stopped short of that, and with free constants it tied the exact law
                # on the data and won on its digits
                parameter_cost = _cross_validated_parameter_cost(scored, data_rows)
        if not (np.isfinite(val) and np.isfinite(data_nmse)):
            return None
        scored = self._from_fit(scored)
        return Candidate(scored.expr, complexity(scored.expr), val, label, noise_like,
                         stopping.free_constants(scored.expr), scored.constants, parameter_cost,
                         data_nmse, data_rows, self._structure_cost(scored.expr, codebook), relative)

    def refitted(self, candidate: Candidate, expr: sympy.Expr, timer: StageTimer,
                 budget: Budget | None) -> Candidate | None:
        """``candidate`` as ``expr``, the same tree with some of its exact numbers fitted
        instead, refit (within ``budget``) without snapping and scored as any candidate;
        its tree keeps its price. None where ``expr`` is undefined on some row."""
        X, y = self.fit_X[self.rows.refit], self.fit_y[self.rows.refit]
        with timer.stage("refit, snap, simplify"):
            scored = refit(self._in_fit(expr), self.fit_symbols, X, y, budget, relative=candidate.relative)
        found = self._candidate(scored, candidate.attempt, timer, 0, budget)
        return None if found is None else replace(found, structure_cost=candidate.structure_cost,
                                                  key=candidate.key)

    def fitted(self, expr: sympy.Expr, label: str, budget: Budget | None = None) -> Candidate | None:
        """``expr`` with its numbers fitted from where they stand and never snapped (a user's
        law, ``kansr.search.laws``: its form is the user's), scored as any candidate: with
        additive errors, and where the target has one sign with relative ones too (their fit
        starting from the additive one's), the shorter description kept; None where no fit
        is defined on every row."""
        X, y, timer = self.fit_X[self.rows.refit], self.fit_y[self.rows.refit], StageTimer()
        additive = refit(self._in_fit(expr), self.fit_symbols, X, y, budget)
        found = [self._candidate(additive, label, timer, 0, budget)]
        if self.relative_possible:
            start = additive.expr if np.isfinite(additive.nmse) else self._in_fit(expr)
            found.append(self._candidate(refit(start, self.fit_symbols, X, y, budget, relative=True), label,
                                         timer, 0, budget))
        found = [c for c in found if c is not None]
        return min(found, key=lambda c: c.length()) if found else None

    def score(self, expr: sympy.Expr, label: str, timer: StageTimer, log: list[str],
              simplify: bool = True, codebook: int = 0, rivals: Sequence[Candidate] = (),
              floor: float = FLOOR, relative_start: sympy.Expr | None = None) -> list[Candidate]:
        """Refit, snap and score a composed formula (and its expansion) on rows it was not
        fitted to (``simplify``: False for formulas that are simple already; ``codebook``:
        the size of the table of common laws ``expr`` is taken from, 0 for none). Versions
        that ``rivals`` outclass on a cross-validated table (``_outclassed``, under the
        selection's error ``floor``) are left out. The fit with relative errors starts from
        the additive one, and also from ``relative_start`` where that is given (the
        table's start for it, ``kansr.search.baselines.Law``)."""
        X, y, symbols, rows = self.fit_X[self.rows.refit], self.fit_y[self.rows.refit], self.fit_symbols, self.rows
        with timer.stage("refit, snap, simplify"), time_limit(4 * self.simplify_seconds):
            first = refit(self._in_fit(expr), symbols, X, y, self.budget)
            if codebook:
                # a table law fitted to a limit of its constants is that limit
                # (``without_limits``): its refit is a candidate itself (below), and the
                # out-of-sample description, which does not charge fitted constants, would
                # weigh the two as one curve and might keep the form with a constant too many
                first = without_limits(first, symbols, X, y, self.budget)
        with timer.stage("compose"):
            # the expansion gives every term its own constant: a product KAN's formula far from
            # the data can become exact once expanded, refit and snapped
            plain = self._from_fit(first).expr
            forms = variants(plain, self.simplify_seconds) if simplify else [plain]
        candidates = []
        for variant in forms:
            # capped: refits of a huge formula rebuild it many times, each through sympy
            with timer.stage("refit, snap, simplify"), time_limit(4 * self.simplify_seconds):
                scored = polish(self._in_fit(variant), symbols, X, y, self.simplify_seconds if simplify else 0.0,
                                self.budget, noise_like=self._fit_noise_like)
            candidate = self._candidate(scored, label, timer, codebook, self.budget, rivals, floor)
            # each start of the fit with relative errors is scored out of sample like the
            # additive fit, and the shortest of them all kept (in sample, a start's fit
            # without a constant may be shorter and its prediction worse)
            starts = [variant] + ([relative_start] if relative_start is not None else [])
            for start in starts if self.relative_tried and scored.nmse > _EXACT else []:
                with timer.stage("refit, snap, simplify"), time_limit(4 * self.simplify_seconds):
                    relative = polish(self._in_fit(start), symbols, X, y, 0.0, self.budget,
                                      noise_like=self._fit_noise_like_relative, relative=True)
                other = self._candidate(relative, label, timer, codebook, self.budget, rivals, floor)
                if other is not None and (candidate is None or other.length() < candidate.length()):
                    candidate = other
            found = [candidate]
            snapped_away = complexity(scored.expr) < complexity(first.expr)  # both in the fits' space
            reversed_charges = not len(rows.val) and first.nmse > _EXACT  # not on exact fits (above)
            if codebook and (snapped_away or (reversed_charges and scored.expr != first.expr)):
                # the out-of-sample description chooses between a common law as snapped and
                # as refit, not the in-sample one the snapping went by: a law whose term
                # snapped away (a slope within its errors of 0) is another law of the table
                # (on six noisy rows of a line that snapping leaves a constant); and a
                # cross-validated description charges an exact number's digits but not a
                # fitted constant's, the reverse of the in-sample one, so on a small table
                # a slope snapped to 3 may lose to the mean where the fitted slope would not
                found.append(self._candidate(first, label, timer, codebook, self.budget, rivals, floor))
                if reversed_charges:
                    # and with its constants within their errors of 0 dropped, the rest fitted
                    with timer.stage("refit, snap, simplify"), time_limit(4 * self.simplify_seconds):
                        pruned = zeroed(first, symbols, X, y, self.budget)
                    if pruned is not None and pruned.expr != scored.expr:
                        found.append(self._candidate(pruned, label, timer, codebook, self.budget, rivals, floor))
            factor_fitted = with_fitted_factor(candidate.formula) if reversed_charges and candidate else None
            if factor_fitted is not None and \
                    not any(stopping.same_form(factor_fitted, c.formula) for c in found if c is not None):
                # and with its exact overall factor fitted again: the constant of nature and
                # units a law's factor carries is exact only by chance, and what snapping
                # kept in sample a cross-validated description may not prefer
                found.append(self.refitted(candidate, factor_fitted, timer, self.budget))
            for kept in filter(None, found):
                candidates.append(kept)
                errors = "relative, " if kept.relative else ""
                log.append(f"{label}: {kept.formula}  ({errors}{'held-out' if len(rows.val) else 'cross-validated'} "
                           f"1-R2 {kept.val_nmse:.2e})")
        return candidates
