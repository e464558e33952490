"""One search on one dataset: the loop over alternatives (``Search``).

The table of common laws first (``kansr.search.baselines``), then the alternatives in the
order of ``kansr.search.plan.plans``, cheapest first, until all are done, the search may
stop (``kansr.search.stopping``) or the budget is spent; every candidate is kept, so an
interruption loses nothing. ``Search.solve`` runs the smaller problems a reduction makes
(``kansr.search.reduction``) through a search of their own. ``kansr.search.discover``
decides which inputs a search runs on and turns what it found into the user's answer.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import sympy

from kansr.budget import Budget, expired
from kansr.data import Dataset
from kansr.errors import KansrError
from kansr.kan import KAN
from kansr.search import stopping
from kansr.search.baselines import BASELINE, baseline_laws, table_forms
from kansr.search.candidate import Candidate, Scorer
from kansr.search.config import DiscoverConfig
from kansr.search.executor import run_parallel
from kansr.search.plan import Plan, guaranteed_index, plans, reduced_order
from kansr.search.reduction import Context, Reduction, Solution, Subproblem, Surrogate
from kansr.search.result import Result, constants_table, error_model, fit_of, front_table, report_budget
from kansr.search.rows import Rows
from kansr.search.selection import choose, pareto
from kansr.search.trial import StageTimer, train_and_read
from kansr.symbolic import compositions, get_library, predict, reread_terms
from kansr.symbolic.description import FLOOR
from kansr.symbolic.limits import BudgetExhausted, SympyTimeout, time_limit

# other readings of a KAN's edges, one formula each, where the KAN learnt from a table
# small enough to be cross-validated (``train_and_read``): there its curves are uncertain
# and a formula is scored quickly; on a held-out-split table the curves are sure, each
# formula is slower to score, and the three more per alternative can take a search that
# found its law in time past its budget
OTHER_READINGS = 3
# how far past the end of a time budget one trial may run before it is cut
_GRACE_SECONDS = 2.0
# the first trial may use the whole budget and this share more (there must be an answer)
_FIRST_TRIAL_GRACE = 0.1
# why a search stopped where the user pressed Ctrl-C
INTERRUPTED = "interrupted"


def progress(message: str, verbose: bool) -> None:
    """A line of progress on stderr, where ``verbose``."""
    if verbose:
        print(f"[kansr] {message}", file=sys.stderr, flush=True)


@dataclass
class Outcome:
    """What one alternative produced: scored candidates, the KAN they came from (if any;
    ``readings``: another reading of its edges, by the candidate's index), seconds per
    stage, why the search must stop (if it must), and progress lines."""

    candidates: list[Candidate] = field(default_factory=list)
    model: KAN | None = None
    readings: dict[int, KAN] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    stopped: str | None = None
    log: list[str] = field(default_factory=list)


class Search:
    """The loop over alternatives; keeps every candidate so an interruption loses nothing.

    ``good_enough``: a held-out error below which the search stops (machine precision on
    real data; a reduced problem's surrogate data are only as exact as the surrogate).
    ``guaranteed``: the first alternative that trains a KAN may use the whole budget and a
    tenth more, so that there is a KAN's answer on any budget that leaves it time to start.
    ``top_level``: the user's problem, not a piece of it that a reduction made; only the
    user's problem starts with the baselines: they are a table of whole laws a user brings
    (and the front's first rows), while a piece is part of a formula, which the nested
    search of one-input compositions covers exhaustively, and where a flexible shape from
    the table fits a surrogate's data within its error.
    ``by_description``: choose by description length (``kansr.search.selection``): on the
    user's data and on pieces of it (a reduction's measured subproblems), not on a
    surrogate's.
    """

    def __init__(self, dataset: Dataset, config: DiscoverConfig, rows: Rows, seed: int, budget: Budget | None,
                 verbose: bool, good_enough: float = 1e-14, guaranteed: bool = True, top_level: bool = True,
                 by_description: bool = True) -> None:
        self.dataset, self.config, self.rows, self.seed = dataset, config, rows, seed
        self.budget, self.verbose = budget, verbose
        self.good_enough, self.guaranteed, self.top_level = good_enough, guaranteed, top_level
        self.by_description = by_description
        self.floor = max(FLOOR, good_enough)  # errors below this tie (``kansr.search.selection``)
        self.library = get_library(list(config.library) if config.library else None)
        self.symbols = [sympy.Symbol(name) for name in dataset.names]
        self.scorer = Scorer(dataset, rows, config.simplify_seconds, budget)
        if not top_level:  # a piece's data come from a surrogate or a division: no error model of their own
            self.scorer.stop_relative([])
        self.candidates: list[Candidate] = []
        self.models: dict[int, KAN | None] = {}  # candidate key -> its KAN
        self.stopped: str | None = None
        self.timer = StageTimer()
        self.chosen: Candidate | None = None  # the chosen formula so far,
        self.unchanged = 0  # and for how many outcomes in a row it has stayed chosen
        self.surrogate: Surrogate | None = None  # trained by "reduce", used again by "affine"
        self.baselines_done = False
        self.said: list[str] = []  # the outcomes' progress lines, printed or not (``carried_on``)
        self.pending = True  # whether ``run`` still has plans to run

    def __getstate__(self) -> dict:
        # for worker processes: the library holds lambdas, rebuilt from its names there
        state = self.__dict__.copy()
        del state["library"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.library = get_library(list(self.config.library) if self.config.library else None)

    def widened(self, dataset: Dataset, budget: Budget | None) -> "Search":
        """The same search on ``dataset``, inputs added back to this one's (kept in the same
        order), within ``budget``: the candidates found so far stay candidates."""
        search = Search(dataset, self.config, self.rows, self.seed, budget, self.verbose, self.good_enough,
                        self.guaranteed, self.top_level, self.by_description)
        # whether residuals look like noise is judged between rows near in every input: one
        # that looked like noise without the added inputs may not with them
        search.candidates = [replace(c, noise_like=search.scorer.noise_like(c.formula, c.relative))
                             for c in self.candidates]
        search.models = dict(self.models)
        return search

    def carried_on(self, dataset: Dataset, budget: Budget | None, verbose: bool) -> "Search":
        """This search, run on the columns of ``dataset`` (its notes added) to compare them
        with others, carried on as the search within ``budget``: its common laws are not
        scored again, and what it said of them is said now, as a search of its own would."""
        search = copy.copy(self)
        search.dataset, search.budget, search.verbose = dataset, budget, verbose
        search.scorer = copy.copy(self.scorer)
        search.scorer.budget = budget
        if search.stopped is not None:  # its share of the budget ran out, not the search's
            search.stopped, search.pending = None, True
        for message in self.said:
            progress(message, verbose)
        return search

    def _spent(self) -> bool:
        return expired(self.budget)

    def _budget_label(self) -> str:
        return "time budget" if self.budget is None else self.budget.label

    def plans(self) -> list[Plan]:
        if not self.dataset.names:
            return []  # no input: the table's constant is all there is
        return plans(self.config.transforms, self.config.architectures, self.dataset.X, self.dataset.y)

    def baselines(self) -> Outcome:
        """The simplest formulas (``kansr.search.baselines``), refit and scored."""
        timer, outcome = StageTimer(), Outcome()
        X, y = self.dataset.X[self.rows.refit], self.dataset.y[self.rows.refit]
        try:
            with time_limit(self.budget.clock_cap(_GRACE_SECONDS) if self.budget is not None else None):
                laws = baseline_laws(X, y, self.symbols)
                self.scorer.use_table(table_forms(laws, self.symbols))
                for law in laws:
                    if outcome.candidates and self._spent():
                        outcome.stopped = self._budget_label()
                        break
                    # a law that those scored before it outclass is left out before its
                    # cross-validation (``Scorer.score``)
                    outcome.candidates += self.scorer.score(law.formula, BASELINE, timer, outcome.log, simplify=False,
                                                            codebook=len(laws),
                                                            rivals=self.candidates + outcome.candidates,
                                                            floor=self.floor, relative_start=law.relative_start)
            self.scorer.stop_relative(outcome.candidates)
        except SympyTimeout:
            outcome.stopped = self._budget_label()
        except KeyboardInterrupt:
            outcome.stopped = INTERRUPTED
        outcome.timings = timer.seconds
        return outcome

    def run(self, baselines_only: bool = False) -> None:
        """Run the search: the table of common laws first (at the top level), then the
        plans; with ``baselines_only``, stop after the common laws, and run the plans on the
        next call (``pending`` says whether it still would)."""
        if self.top_level and not self.baselines_done:
            self.baselines_done = True
            if self.take(self.baselines()):
                self.pending = False
                return
            if baselines_only:
                return
        self.pending = False
        found = self.plans()
        if self.config.workers > 1:  # all at once: an early copy would only run twice
            run_parallel(self, [plan for plan in found if not plan.early], self.config.workers,
                         self.config.threads, self.take)
            return
        guaranteed = guaranteed_index(found)
        ran_early = set()
        for index, plan in enumerate(found):
            if self._spent():
                self.stopped = self._budget_label()
                return
            # a formula that leaves only noise and states only plain numbers is likely the law:
            # the costly early copies wait for the cheap shapes that challenge it
            waits = plan.early and self.chosen is not None and self.chosen.noise_like and \
                stopping.plain(self.chosen.formula)
            if waits or plan.architecture in ran_early:
                continue  # it waits for its place, or ran early (``kansr.search.plan.Plan.early``)
            if plan.early:
                ran_early.add(plan.architecture)
            if self.take(self.evaluate(plan, first=index == guaranteed)):
                return

    def evaluate(self, plan: Plan, first: bool) -> Outcome:
        """One alternative, scored; ``first``: the alternative the budget is guaranteed to
        (``kansr.search.plan.guaranteed_index``), which may run however much of it is left."""
        first = first and self.guaranteed
        budget = self.budget if not first or self.budget is None else self.budget.unbounded()
        timer, outcome = StageTimer(), Outcome()
        if not first and self._spent():
            outcome.stopped = self._budget_label()
            return outcome
        # no trial may run past the end of a time budget by more than a moment (the first by a
        # tenth of the budget): sympy can spend minutes building one huge expression, and
        # this cap ends whatever runs then, on the clock (in work mode the budget is counted,
        # not timed: no cap here)
        cap = None
        if self.budget is not None and self.budget.seconds is not None:
            grace = max(_GRACE_SECONDS, _FIRST_TRIAL_GRACE * self.budget.seconds) if first else _GRACE_SECONDS
            cap = self.budget.clock_cap(grace)
        try:
            with time_limit(cap):
                self._candidates(plan, budget, timer, outcome)
        except BudgetExhausted:
            outcome.stopped = self._budget_label()
        except SympyTimeout as error:
            if self._spent():
                outcome.stopped = self._budget_label()
            else:  # one stage's own cap: only this trial is lost
                outcome.log.append(f"{plan.label}: failed ({error})")
        except (KansrError, RuntimeError, ValueError, RecursionError) as error:
            outcome.log.append(f"{plan.label}: failed ({error})")
        except KeyboardInterrupt:
            outcome.stopped = INTERRUPTED
        outcome.timings = timer.seconds
        return outcome

    def _candidates(self, plan: Plan, budget: Budget | None, timer: StageTimer, outcome: Outcome) -> None:
        """One alternative's model (or None) and scored candidates, into ``outcome`` as they
        come: where the budget, an error or Ctrl-C ends the alternative, what it had scored by
        then is kept, as a formula scored before the end is as much an answer as any."""
        X, y, log = self.dataset.X, self.dataset.y, outcome.log

        def score(expr: sympy.Expr, label: str, timer: StageTimer, log: list[str]) -> list[Candidate]:
            found = self.scorer.score(expr, label, timer, log)
            outcome.candidates.extend(found)
            return found

        if plan.architecture in ("reduce", "affine"):
            context = Context(self.dataset, self.rows, self.seed, self.budget, self.good_enough,
                              self.config.reduce_share, self.surrogate)
            reduction = Reduction(context, self.solve, score, timer, log)
            # its candidates are the formulas it scored, all of them already in ``outcome``
            outcome.model, _ = reduction.run() if plan.architecture == "reduce" else reduction.run_affine()
            self.surrogate = reduction.surrogate
            return
        if plan.architecture == "nested":
            with timer.stage("symbolic fit"):
                # on a surrogate's data (good_enough above machine precision) errors below its
                # own do not tell formulas apart, and a fit within them is as exact as they allow
                surrogate = not (self.top_level or self.by_description)
                formulas = compositions(X[self.rows.kan, 0], y[self.rows.kan], self.library, self.symbols[0],
                                        budget=budget, slack=max(1e-14, self.good_enough),
                                        exact=self.good_enough if surrogate else 0.0)
            for formula in formulas:
                score(formula, plan.label, timer, log)
            return
        readings = train_and_read(plan, X[self.rows.kan], y[self.rows.kan], self.symbols, config=self.config,
                                  seed=self.seed, budget=budget, library=self.library, timer=timer,
                                  other_readings=0 if len(self.rows.val) else OTHER_READINGS)
        outcome.model, found = readings[0][0], []
        for model, expr in readings:
            start = len(outcome.candidates)
            found += score(expr, plan.label, timer, log)
            if model is not outcome.model:  # its diagram shows the functions of its formula
                outcome.readings.update(dict.fromkeys(range(start, len(outcome.candidates)), model))
        if found:  # a one-input function the KAN stated in pieces, as one term (its refit form)
            with timer.stage("symbolic fit"):
                best = min(found, key=lambda c: c.length()).formula
                reread = reread_terms(best, self.symbols, X[self.rows.refit], self.library, budget,
                                      self.config.simplify_seconds)
            if reread is not None:
                score(reread, plan.label, timer, log)

    def take(self, outcome: Outcome) -> bool:
        """Add one alternative's outcome; True when the search should stop."""
        # candidates first: an interruption while the lines are printed keeps them
        for index, candidate in enumerate(outcome.candidates):
            key = len(self.candidates)
            self.models[key] = outcome.readings.get(index, outcome.model)
            self.candidates.append(replace(candidate, key=key))
        for stage, seconds in outcome.timings.items():
            self.timer.seconds[stage] = self.timer.seconds.get(stage, 0.0) + seconds
        for message in outcome.log:
            progress(message, self.verbose)
        self.said += outcome.log
        if outcome.stopped == INTERRUPTED:
            # the candidates of the alternative Ctrl-C cut short are kept above; the caller
            # (``kansr.search.discover``) answers with the best formula so far
            raise KeyboardInterrupt
        if outcome.stopped:
            self.stopped = outcome.stopped
            return True
        if not self.candidates:
            return False
        best = min(c.val_nmse for c in self.candidates)
        chosen = choose(self.candidates, self.floor, self.by_description)
        same = self.chosen is not None and stopping.same_form(chosen.formula, self.chosen.formula)
        self.unchanged = self.unchanged + 1 if same else 0
        self.chosen = chosen
        reason = stopping.stop_reason(best, chosen, self.good_enough, self.unchanged)
        if reason is not None and reason != "exact":
            progress(f"stopping: {reason}", self.verbose)
        return reason is not None

    def solve(self, sub: Subproblem, timer: StageTimer) -> list[Solution]:
        """The same search on a smaller problem: its chosen formula first, then up to
        ``sub.alternatives`` more from its Pareto front (the simplest of those within 100×
        the best held-out error)."""
        dataset = Dataset(X=sub.X, y=sub.y, names=sub.names, target=self.dataset.target)
        order = reduced_order(self.config.architectures, sub.X.shape[1])
        rows = self.rows if sub.rows is None else sub.rows
        search = Search(dataset, replace(self.config, workers=1, architectures=order), rows, self.seed,
                        sub.budget, False, good_enough=sub.good_enough, guaranteed=False, top_level=False,
                        by_description=sub.measured)
        search.run()
        for stage, seconds in search.timer.seconds.items():
            timer.seconds[stage] = timer.seconds.get(stage, 0.0) + seconds
        if not search.candidates:
            return []
        front = pareto(search.candidates, search.floor, sub.measured)
        # measured data: by description length, as the user's; on a surrogate's data
        # (good_enough: 3 × its error) errors below that tie, and a more flexible formula
        # fits the surrogate's own errors: the simplest of the nearly best
        chosen = choose(search.candidates, search.floor, sub.measured)
        best = min(c.val_nmse for c in front)
        close = sorted((c for c in front if c.val_nmse <= 100 * best + 1e-14), key=lambda c: c.complexity)
        picked = [chosen] + [c for c in close if c.key != chosen.key][:sub.alternatives]
        found = []
        for candidate in picked:
            model = search.models[candidate.key]
            if model is not None and model.input_names and sub.meaning:  # label diagrams in the user's names
                symbols = {name: sympy.Symbol(name) for name in sub.names}
                model.input_names = [str(sympy.sympify(name, locals=symbols).xreplace(sub.meaning))
                                     for name in model.input_names]
            found.append(Solution(model, candidate.formula, candidate.attempt))
        return found

    def refit_as(self, fitted: Callable[[sympy.Expr], sympy.Expr | None]) -> None:
        """Each candidate whose formula ``fitted`` gives again with some exact numbers
        fitted (None: as it is), refit and scored as that, within the reporting budget."""
        budget, timer = report_budget(self.budget), StageTimer()
        changed = []
        for candidate in self.candidates:
            expr = fitted(candidate.formula)
            refitted = None if expr is None else self.scorer.refitted(candidate, expr, timer, budget)
            changed.append(refitted or candidate)
        self.candidates = changed

    def consider(self, expr: sympy.Expr, label: str) -> None:
        """``expr`` among the candidates (a law the units give), its constants fitted within
        the reporting budget and never snapped, scored as any candidate."""
        found = self.scorer.fitted(expr, label, report_budget(self.budget))
        if found is not None:
            key = len(self.candidates)
            self.models[key] = None  # no KAN proposed it
            self.candidates.append(replace(found, key=key))

    def restrict(self, keep: Callable[[sympy.Expr], bool]) -> bool:
        """Keep only the candidates whose formula ``keep`` accepts, where one that is not a
        number is among them (else keep all: a constant alone is no answer where formulas
        fit); whether it did."""
        kept = [c for c in self.candidates if keep(c.formula)]
        if not any(not c.formula.is_Number for c in kept):
            return False
        self.candidates = kept
        return True

    def result(self, start: float) -> Result:
        """What the search found (``start``: its ``time.monotonic()`` start, for ``seconds``)."""
        X, y = self.dataset.X, self.dataset.y
        chosen = choose(self.candidates, self.floor)
        shown = pareto(self.candidates, self.floor)  # the chosen one among them
        # the constants and standard errors of what is shown come after the search: a small
        # budget of their own, shared, so that bootstraps of large formulas cannot overrun
        # the search's; the chosen formula's first, its constants settled whatever that
        # budget leaves
        budget = report_budget(self.budget)
        reported = self.scorer.reported(chosen, budget, settle=True)
        front = [reported if c is chosen else self.scorer.reported(c, budget) for c in shown]
        chosen = reported
        r2, rmse = fit_of(predict(chosen.formula, self.symbols, X), y)
        table = front_table(front, float(np.var(self.scorer.fit_y)), self.floor, self.scorer.nmse_scale)
        return Result(formula=chosen.formula, r2=r2, rmse=rmse,
                      complexity=int(chosen.complexity), seconds=time.monotonic() - start, front=table,
                      constants=constants_table(chosen.constants, chosen.formula), errors=error_model(chosen),
                      inputs_used=[n for n, s in zip(self.dataset.names, self.symbols) if chosen.formula.has(s)],
                      names=self.dataset.names, target=self.dataset.target, kan=self.models[chosen.key],
                      stopped=self.stopped, renamed=self.dataset.renamed, seed=self.seed,
                      attempt=chosen.attempt, timings=dict(self.timer.seconds), notes=tuple(self.dataset.notes))
