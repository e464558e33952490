"""The "reduce" and "affine" alternatives of the search: merge inputs, or split f into two
factors or two terms ("reduce"), or into g + φ(x)·h, f affine in a function of one input
("affine"), by tests on a surrogate KAN (``kansr.search.reduction.surrogate``,
``kansr.search.reduction.affine``); solve the smaller problems with the same search, and
score the recombined formulas on the real data.

``Reduction`` gets what it needs from the search that runs it as values (``Context``) and
two callbacks: ``solve`` runs a search on a smaller problem (``Subproblem`` -> ``Solution``
list, its chosen formula first) and ``score`` refits and scores a formula on the real data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy

from kansr.budget import Budget
from kansr.data import Dataset
from kansr.kan import KAN
from kansr.search.candidate import Candidate
from kansr.search.rows import Rows
from kansr.search.reduction.affine import (AFFINE_TOLERANCE, Affine, TargetMap, affine_coefficients,
                                           affine_function, affine_levels, affine_splits, local_affine_coefficients,
                                           target_maps)
from kansr.search.reduction.surrogate import (CONFIRM_RATIO, NOISY_SURROGATE, SEPARABILITY_TOLERANCE,
                                              SYMMETRY_TOLERANCE, UNCERTAIN_SPLIT, UNCERTAIN_SYMMETRY, Merge, Split,
                                              Surrogate, confirms_merge, disjoint, merged_columns, merged_error,
                                              logarithmic_surrogate, separated_surrogate, split_data, splits,
                                              symmetries)
from kansr.search.trial import StageTimer
from kansr.symbolic import predict
from kansr.symbolic.description import model_nmse

# surrogates trained at most to confirm uncertain reductions (``Reduction._confirmed``)
CONFIRMATIONS = 4

@dataclass(frozen=True)
class Context:
    """What a reduction needs of the search that runs it."""

    dataset: Dataset
    rows: Rows
    seed: int
    budget: Budget | None
    good_enough: float
    share: float  # of the remaining budget this reduction may use
    # the surrogate KAN of the data where an earlier reduction trained it (the same seed
    # and rows train the same one)
    surrogate: Surrogate | None = None


@dataclass(frozen=True)
class Subproblem:
    """A smaller problem for the same search. ``meaning``: what each new input stands for in
    the original inputs (for labelling diagrams); ``alternatives``: how many formulas beside
    the chosen one to return; ``measured``: y is the user's target up to a division by
    formulas (not a surrogate's values), so its errors are the data's noise and its formula
    is chosen as the user's is (``kansr.search.selection``)."""

    X: np.ndarray
    y: np.ndarray
    names: list[str]
    budget: Budget | None
    good_enough: float
    meaning: dict | None = None
    alternatives: int = 0
    measured: bool = False
    rows: Rows | None = None  # where X holds only some of the problem's rows: which rows are which


@dataclass(frozen=True)
class Parts:
    """g and h of an affine split at the data's rows, from one source (the surrogate or the
    data); ``h_error``, ``g_error``: the variance of each one's error there."""

    g: np.ndarray
    h: np.ndarray
    h_error: float
    g_error: float
    label: str


@dataclass(frozen=True)
class Solution:
    """One formula of a solved subproblem and the KAN it came from (None for searches without one)."""

    model: KAN | None
    formula: sympy.Expr
    attempt: str


Solve = Callable[[Subproblem, StageTimer], list[Solution]]
Score = Callable[[sympy.Expr, str, StageTimer, list], list[Candidate]]


def bare(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` without an added number or a numeric factor at its top: a part that enters
    a formula through a fitted affine map keeps only its shape."""
    _, rest = expr.as_coeff_Add()
    _, rest = rest.as_coeff_Mul()
    return rest


def fresh_symbols(names: list[str], count: int) -> list[sympy.Symbol]:
    """``count`` symbols z1, z2, ... whose names no input has."""
    fresh, k = [], 1
    while len(fresh) < count:
        if f"z{k}" not in names:
            fresh.append(sympy.Symbol(f"z{k}"))
        k += 1
    return fresh


class Reduction:
    """One reduction of one problem (see the module doc); ``run`` ("reduce") and
    ``run_affine`` ("affine") return (model, candidates)."""

    def __init__(self, context: Context, solve: Solve, score: Score, timer: StageTimer, log: list[str]) -> None:
        self.context, self.solve, self.score, self.timer, self.log = context, solve, score, timer, log
        self.X, self.y, self.names = context.dataset.X, context.dataset.y, context.dataset.names
        self.symbols = [sympy.Symbol(name) for name in self.names]
        self.surrogate: Surrogate | None = None  # the data's surrogate KAN, once trained
        # the held-out rows that judge a surrogate: those inside the range of its training
        # rows in every input. It is queried only there; outside it extrapolates, and on a
        # skewed input one held-out row past the largest training value can hold nearly all
        # of its held-out error (1e-2 against 4e-6 without it), which would pass false
        # reductions and accept loose formulas for the parts
        trained, held_out = self.X[context.rows.kan], self.X[context.rows.val]
        inside = np.all((held_out >= trained.min(0)) & (held_out <= trained.max(0)), axis=1)
        self.held_out_rows = context.rows.val[inside]

    def run(self) -> tuple[KAN | None, list[Candidate]]:
        """Merge inputs, or split f into two factors or terms, by tests on a surrogate KAN;
        solve the smaller problem(s) with the same search; rescore on the real data."""
        context, rows = self.context, self.context.rows
        budget = None if context.budget is None else context.budget.share(context.share)
        with self.timer.stage("surrogate"):
            model = self._surrogate(budget)
            # scored once up to the uncertain limits: the certain verdicts are those below the tolerances
            symmetric = symmetries(model, self.X[rows.kan], context.seed, UNCERTAIN_SYMMETRY)
            merges = disjoint([m for m in symmetric if m.score < SYMMETRY_TOLERANCE])
            merges = self._contested(model, merges, symmetric, budget)
            separable = [] if merges else splits(model, self.X[rows.kan], context.seed, UNCERTAIN_SPLIT)
            split = next((s for s in separable if s.score < SEPARABILITY_TOLERANCE), None)
            if split is not None and split.kind == "*":
                model = self._for_factors(model, budget)
            if not merges and split is None:
                merges, split, model = self._confirmed(model, symmetric, separable, budget)
            if not merges and split is None:
                split, model = self._product_of_a_wide_range(model, budget)
        if merges:
            return self._merged(merges, budget)
        if split is not None:
            return self._separated(split, model, budget)
        return None, []

    def run_affine(self) -> tuple[KAN | None, list[Candidate]]:
        """Split f into g + φ·h (f or a map of it affine in a function of one input) by a test on
        a surrogate KAN; solve φ, h and g with the same search; rescore on the real data.

        An alternative of its own, after the KAN shapes that read the same laws more
        cheaply: its three smaller searches cost more than one KAN, and a law that is affine
        in one input is often a product or a sum with an offset that those shapes read."""
        budget = None if self.context.budget is None else self.context.budget.share(self.context.share)
        with self.timer.stage("surrogate"):
            model = self._surrogate(budget)
            affine = self._affine_split(model)
        return (None, []) if affine is None else self._affine(affine, model, budget)

    def _surrogate(self, budget: Budget | None) -> Surrogate:
        """The surrogate KAN of the data (``Context.surrogate`` where the search has one)."""
        rows = self.context.rows
        self.surrogate = self.context.surrogate if self.context.surrogate is not None else \
            Surrogate(self.X[rows.kan], self.y[rows.kan], self.context.seed, budget=budget)
        return self.surrogate

    def _affine_split(self, model: Surrogate) -> Affine | None:
        """The best affine split (``kansr.search.reduction.affine``) of f or a map of it
        (``target_maps``), judged against the surrogate's error on held-out rows; None
        without held-out rows or where none passes."""
        val = self.held_out_rows
        if not len(val):
            return None
        error = float(np.sqrt(model.error(self.X[val], self.y[val]) * np.var(self.y[val])))
        found = [split for target in target_maps(self.y)
                 for split in affine_splits(model, self.X[self.context.rows.kan], self.context.seed, error,
                                            AFFINE_TOLERANCE, target)]
        return min(found, key=lambda split: split.score, default=None)

    def _held_out(self, model: Surrogate) -> tuple[tuple, tuple, float] | None:
        """(training rows, held-out rows, the surrogate's held-out error) where that error is
        above ``NOISY_SURROGATE`` (its verdicts blurred by noise); None otherwise."""
        rows, val = self.context.rows, self.held_out_rows
        if not len(val):
            return None
        held_out = (self.X[val], self.y[val])
        reference = model.error(*held_out)
        return ((self.X[rows.kan], self.y[rows.kan]), held_out, reference) if reference >= NOISY_SURROGATE else None

    def _contested(self, model: Surrogate, merges: list[Merge], scored: list[Merge],
                   budget: Budget | None) -> list[Merge]:
        """``merges`` (the certain ones, disjoint) less those a held-out test refutes, where
        a noisy surrogate's scores also rank other merges (``scored``) sharing their inputs.
        A certain merge whose surrogate on the merged inputs is not within ``CONFIRM_RATIO``
        of the unreduced one's held-out error is tested against the others sharing its
        inputs (at most ``CONFIRMATIONS``): those within the ratio take its place, lowest
        error first, and it is dropped only where one of them has a lower error than its
        own. A surrogate's error is noise only on noisy data; on exact data it is the
        surrogate's own approximation error, which a true merge can raise (x1 - x2 in a
        distance sqrt((x1 - x2)² + ...)) while no other merge does better."""
        used = {k for m in merges for k in (m.i, m.j)}
        others = [m for m in scored if m not in merges and {m.i, m.j} & used]
        held = self._held_out(model) if others else None
        if held is None:
            return merges
        train_rows, held_out, reference = held
        seed = self.context.seed
        limit = CONFIRM_RATIO * reference
        own = {m: merged_error(m, train_rows, held_out, seed, budget) for m in merges}
        failing = [m for m in merges if own[m] > limit]
        if not failing:
            return merges
        freed = {k for m in failing for k in (m.i, m.j)}
        rivals = [m for m in others if {m.i, m.j} & freed][:CONFIRMATIONS]
        errors = [merged_error(m, train_rows, held_out, seed, budget) for m in rivals]
        refuted = [m for m in failing
                   if any(e < own[m] and {r.i, r.j} & {m.i, m.j} for r, e in zip(rivals, errors))]
        if not refuted:
            return merges
        decided = [m for e, m in sorted(zip(errors, rivals), key=lambda pair: pair[0]) if e <= limit]
        kept = disjoint([m for m in merges if m not in refuted] + decided)
        self.log.append("reduce: merges refuted on held-out rows: "
                        + ", ".join(str(m.expr(self.symbols)) for m in refuted)
                        + "; kept: " + (", ".join(str(m.expr(self.symbols)) for m in kept) or "none"))
        return kept

    def _confirmed(self, model: Surrogate, uncertain_merges: list[Merge], uncertain_splits: list[Split],
                   budget: Budget | None) -> tuple[list[Merge], Split | None, Surrogate]:
        """Where the surrogate is blurred by noise (``NOISY_SURROGATE``), the uncertain
        merges, else the uncertain splits (each list best first), that a model with the
        reduction built in confirms on the held-out rows (``kansr.search.reduction.surrogate``),
        at most ``CONFIRMATIONS`` trainings; a confirmed split comes with its separated surrogate."""
        seed = self.context.seed
        held = self._held_out(model)
        if held is None:
            return [], None, model
        train_rows, held_out, reference = held
        tried = uncertain_merges[:CONFIRMATIONS]
        confirmed = [m for m in tried if confirms_merge(m, train_rows, held_out, reference, seed, budget)]
        if confirmed:
            self.log.append("reduce: merges confirmed on held-out rows: "
                            + ", ".join(str(m.expr(self.symbols)) for m in confirmed))
            return disjoint(confirmed), None, model
        for split in uncertain_splits[:CONFIRMATIONS - len(tried)]:
            separated = separated_surrogate(split, train_rows, seed, budget)
            if separated is not None and separated.error(*held_out) <= CONFIRM_RATIO * reference:
                self.log.append(f"reduce: split of {self.names[split.left[0]]} confirmed on held-out rows")
                return [], split, separated
        return [], None, model

    def _for_factors(self, model: Surrogate, budget: Budget | None) -> Surrogate:
        """The surrogate to take a product's factors' data from: one of ln|y| where y spans
        decades (``logarithmic_surrogate``) and it predicts the held-out rows with smaller
        relative errors than ``model``, else ``model``."""
        rows, val = self.context.rows, self.held_out_rows
        if not len(val):  # nothing to compare them on: no surrogate trained for nothing
            return model
        logarithmic = logarithmic_surrogate(self.X[rows.kan], self.y[rows.kan], self.context.seed, budget)
        if logarithmic is None:
            return model
        return min((model, logarithmic), key=lambda s: model_nmse(s(self.X[val]), self.y[val], relative=True))

    def _product_of_a_wide_range(self, model: Surrogate, budget: Budget | None) -> tuple[Split | None, Surrogate]:
        """A product split found on a surrogate of ln|y| (with that surrogate,
        ``logarithmic_surrogate``); else (None, ``model``)."""
        rows, seed = self.context.rows, self.context.seed
        logarithmic = logarithmic_surrogate(self.X[rows.kan], self.y[rows.kan], seed, budget)
        if logarithmic is None:
            return None, model
        found = [s for s in splits(logarithmic, self.X[rows.kan], seed) if s.kind == "*"]
        return (found[0], logarithmic) if found else (None, model)

    def _merged(self, merges: list[Merge], budget: Budget | None) -> tuple[KAN | None, list[Candidate]]:
        """Solve the problem with each merged pair as one input (real data), then substitute back."""
        columns, factor_values, kept = merged_columns(merges, self.X)
        fresh = fresh_symbols(self.names, len(merges))
        names = [str(s) for s in fresh] + [self.names[k] for k in kept]
        meaning = {z: m.expr(self.symbols) for z, m in zip(fresh, merges)}
        factor = sympy.Mul(*[m.factor_expr(self.symbols) for m in merges])
        target = self.y / factor_values
        label = "reduce[" + ", ".join(str(e) for e in meaning.values()) + (f"; {factor}" if factor != 1 else "") + "]"
        self.log.append(f"{label}: solving with {len(names)} inputs instead of {self.X.shape[1]}")
        solved = self.solve(Subproblem(columns, target, names, budget, self.context.good_enough, meaning,
                                       measured=True), self.timer)
        if not solved:
            return None, []
        first = solved[0]
        return first.model, self.score(factor * first.formula.xreplace(meaning), f"{label}/{first.attempt}",
                                       self.timer, self.log)

    def _separated(self, split: Split, model: Surrogate, budget: Budget | None
                   ) -> tuple[KAN | None, list[Candidate]]:
        """Solve g(one input) on surrogate data, then the rest on the real data with g divided
        out (subtracted for a sum); every pairing of the parts' formulas is scored. Where no
        pairing fits, the first part again on the real data with the rest divided out, and
        then the other way round: the rest first, on surrogate data."""
        X, y, context = self.X, self.y, self.context
        g_values, h_values, reference = split_data(model, X, split)
        val = self.held_out_rows
        surrogate_error = model.error(X[val], y[val]) if len(val) else 0.0
        good_enough = max(context.good_enough, 3 * surrogate_error)
        label = f"reduce[{' '.join(self.names[k] for k in split.left)} {split.kind} rest]"
        self.log.append(f"{label}: solving the two parts separately")
        left, right = list(split.left), list(split.right)
        share = (lambda fraction: None) if budget is None else budget.share
        lefts = self._part(left, g_values, share(1 / 3), good_enough)
        if not lefts:
            return None, []
        # the surrogate's errors let over-flexible formulas win on its data, so the rest is
        # solved on the real data with the first part divided out (subtracted for a sum):
        # exact data whenever that part is right up to its constants
        derived = self._divide_out(lefts[0].formula, left, split.kind)
        usable = derived is not None
        rights = self._part(right, derived if usable else h_values, budget,
                            context.good_enough if usable else good_enough, alternatives=2, measured=usable)
        if not rights:
            return None, []
        candidates = self._pairings(lefts, rights, split.kind, usable, reference, label)
        if usable and not self._fits(candidates):
            # the first part came from the surrogate's data, where a wrong formula can fit within
            # its error (an arctan standing for u/sqrt(1 - u²)); the rest, solved on real data,
            # is often right even so, and then dividing it out gives exact data for the first
            # part: solve that again, with time beyond this reduction's share (one input: cheap)
            candidates += self._from_the_other(rights[:1], right, left, split.kind, reference, label)
        if usable and not self._fits(candidates):
            # a wrong first part makes the rest's real data wrong too (4π/3/(b² − 1)² read
            # as exp(10/b) makes a·(5/3 + 0.1) of a): the rest's part from the surrogate's
            # data, where it may be the simpler of the two, and the first from real data
            firsts = self._part(right, h_values, share(1 / 3), good_enough)
            candidates += self._from_the_other(firsts[:1], right, left, split.kind, reference, label)
        return lefts[0].model, candidates

    def _part(self, columns: list[int], values: np.ndarray, budget: Budget | None, good_enough: float,
              alternatives: int = 0, measured: bool = False) -> list[Solution]:
        """One part of a split, solved on ``values`` in the inputs ``columns``."""
        return self.solve(Subproblem(self.X[:, columns], values, [self.names[k] for k in columns], budget,
                                     good_enough, alternatives=alternatives, measured=measured), self.timer)

    def _from_the_other(self, others: list[Solution], other: list[int], columns: list[int], kind: str,
                        reference: float, label: str) -> list[Candidate]:
        """The part in ``columns`` solved on the real data with the other part's formula
        (in ``other``) divided out, with time beyond this reduction's share (the parts are
        small problems), paired with that formula."""
        rest = None if not others else self._divide_out(others[0].formula, other, kind)
        if rest is None:
            return []
        solved = [Solution(s.model, s.formula, f"{s.attempt} again")
                  for s in self._part(columns, rest, self.context.budget, self.context.good_enough, measured=True)]
        return self._pairings(solved, others, kind, True, reference, label)

    def _fits(self, candidates: list[Candidate]) -> bool:
        return min((c.val_nmse for c in candidates), default=np.inf) <= self.context.good_enough

    def _affine(self, affine: Affine, model: Surrogate, budget: Budget | None
                ) -> tuple[KAN | None, list[Candidate]]:
        """T(f) = g(rest) + φ(x_k)·h(rest), T the split's map of the target: solve φ, then h
        and g, on the values of the surrogate or of local fits to the data, whichever is
        closer to the data, then on the other where no pairing fits the real data (each with
        ``_g_again``). Every pairing is scored."""
        X, y, rows, context, target = self.X, self.y, self.context.rows, self.context, affine.target
        k, rest = affine.k, list(affine.rest)
        f, mapped_y = (lambda X: target(model(X))), target(y)
        variance = float(np.var(mapped_y))
        val = self.held_out_rows
        relative = float(np.mean((f(X[val]) - mapped_y[val]) ** 2)) / (variance or 1.0)
        label = f"reduce[{self.names[k]} affine rest{'' if target.kind == 'identity' else ' of ' + target.kind + ' y'}]"
        self.log.append(f"{label}: solving φ({self.names[k]}), then h and g of the rest")
        share = (lambda fraction: None) if budget is None else budget.share
        # φ's data where the test sampled x_k: at the ends of its range the surrogate errs
        # most, and on a skewed input (x/(c·t)) those few rows bent a straight φ by 100
        # times the error it had inside
        levels = affine_levels(X[rows.kan], k)
        inner = (X[:, k] >= levels[0]) & (X[:, k] <= levels[-1])
        phis = self.solve(Subproblem(X[inner][:, [k]], affine_function(f, X[inner], affine), [self.names[k]],
                                     share(1 / 4), max(context.good_enough, 3 * relative),
                                     rows=rows.within(inner)), self.timer)
        phi = bare(phis[0].formula) if phis else sympy.S.Zero
        if not phi.free_symbols:
            return None, []
        at_levels = predict(phi, [self.symbols[k]], levels[:, None])
        if not np.all(np.isfinite(at_levels)) or np.ptp(at_levels) == 0:
            return None, []
        g_values, h_values, scale = affine_coefficients(f, X, k, levels, at_levels)
        # g and h at the data's rows from the surrogate, and from local fits to the data
        # themselves (``local_affine_coefficients``): a surrogate is read at levels of x_k
        # that the data may never pair with a row's rest (x/(c·t) and u/c share c), where it
        # extrapolates; local fits use only rows the data have, but follow their noise. They
        # are solved first where their residual in T(y) is under half the surrogate's
        # held-out error (exact data: 1e-5 against 1e-3), the surrogate's first otherwise
        # (noise fills both alike), the other where no pairing of the first fits. Each
        # part's error: its source's, through the fit
        sources = [Parts(g_values, h_values, scale ** 2 * relative * variance, relative * variance, label)]
        phi_values = predict(phi, [self.symbols[k]], X[:, [k]])
        fitted = local_affine_coefficients(X[:, rest], phi_values, mapped_y) \
            if np.all(np.isfinite(phi_values)) and np.all(np.isfinite(mapped_y)) else None
        if fitted is not None:
            g_local, h_local, error = fitted
            local = Parts(g_local, h_local, error ** 2 / (np.var(phi_values) or 1.0), error ** 2,
                          f"{label} from the data")
            sources = [local] + sources if error < 0.5 * np.sqrt(relative * variance) else sources + [local]
        model, candidates = None, []
        for index, parts in enumerate(sources):
            if not all(np.all(np.isfinite(values)) for values in (parts.g, parts.h)):
                continue
            last = index == len(sources) - 1
            solved_model, solved = self._affine_parts(affine, phi, parts, budget if last else share(1 / 2))
            model, candidates = model or solved_model, candidates + solved
            if self._fits(candidates):
                break
        return model, candidates

    def _affine_parts(self, affine: Affine, phi: sympy.Expr, parts: Parts, budget: Budget | None
                      ) -> tuple[KAN | None, list[Candidate]]:
        """h, then g, solved on one source's values; where no pairing fits the real data, g
        again there (``_g_again``)."""
        X, rest, good_enough = self.X, list(affine.rest), self.context.good_enough
        names = [self.names[i] for i in rest]
        share = (lambda fraction: None) if budget is None else budget.share
        hs = self.solve(Subproblem(X[:, rest], parts.h, names, share(1 / 3),
                                   max(good_enough, 3 * parts.h_error / (np.var(parts.h) or 1.0)), alternatives=1),
                        self.timer)
        if not hs:
            return None, []
        gs = self.solve(Subproblem(X[:, rest], parts.g, names, share(1 / 2),
                                   max(good_enough, 3 * parts.g_error / (np.var(parts.g) or 1.0)), alternatives=1),
                        self.timer)
        candidates = self._affine_pairings(gs, hs, phi, affine.target, parts.label)
        if not self._fits(candidates):
            candidates += self._g_again(affine, phi, hs[0], budget, parts.label)
        return hs[0].model, candidates

    def _g_again(self, affine: Affine, phi: sympy.Expr, h: Solution, budget: Budget | None, label: str
                 ) -> list[Candidate]:
        """g solved again on the real data, from T(y) with φ·h subtracted: exact data
        whenever φ and h are right up to their constants."""
        X, k, rest = self.X, affine.k, list(affine.rest)
        offset = affine.target(self.y) - predict(phi, [self.symbols[k]], X[:, [k]]) * \
            predict(h.formula, [self.symbols[i] for i in rest], X[:, rest])
        if not np.all(np.isfinite(offset)):
            return []
        again = self.solve(Subproblem(X[:, rest], offset, [self.names[i] for i in rest], budget,
                                      self.context.good_enough, alternatives=1, measured=True), self.timer)
        return self._affine_pairings([Solution(s.model, s.formula, f"{s.attempt} again") for s in again], [h], phi,
                                     affine.target, label)

    def _affine_pairings(self, gs: list[Solution], hs: list[Solution], phi: sympy.Expr, target: TargetMap,
                         label: str) -> list[Candidate]:
        """T⁻¹(g + φ·h) for every pairing of the parts' formulas, scored on the real data."""
        return [candidate for g in gs for h in hs
                for candidate in self.score(target.inverse(g.formula + phi * h.formula),
                                            f"{label}/{h.attempt}|{g.attempt}", self.timer, self.log)]

    def _divide_out(self, part: sympy.Expr, columns: list[int], kind: str) -> np.ndarray | None:
        """y with one part's formula (in the inputs ``columns``) divided out, or subtracted for a
        sum; None where that is not finite or the part comes near zero."""
        values = predict(part, [self.symbols[k] for k in columns], self.X[:, columns])
        with np.errstate(all="ignore"):
            rest = self.y / values if kind == "*" else self.y - values
        if not np.all(np.isfinite(rest)):
            return None
        if kind == "*" and np.min(np.abs(values)) <= 1e-9 * np.max(np.abs(values)):
            return None
        return rest

    def _pairings(self, lefts: list[Solution], rights: list[Solution], kind: str, usable: bool,
                  reference: float, label: str) -> list[Candidate]:
        """Every pairing of the two parts' formulas, combined and scored on the real data."""
        candidates = []
        for g in lefts:
            for h in rights:
                formula = g.formula * h.formula if kind == "*" else g.formula + h.formula
                if not usable:  # both parts from the surrogate, each taken at the reference point
                    formula = formula / sympy.Float(reference) if kind == "*" else formula - sympy.Float(reference)
                candidates += self.score(formula, f"{label}/{g.attempt}|{h.attempt}", self.timer, self.log)
        return candidates
