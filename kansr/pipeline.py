"""discover(): data -> trained, pruned KANs -> symbolic formulas -> Pareto front -> Result.

Alternatives tried, cheapest first, until all are done or the time budget is spent:
each *transform* of the data (``identity`` always; ``log`` when every input is positive
and the target has one sign, which turns products and powers into sums; ``log_target``,
``inverse_target`` and ``square_target`` when the target has one sign, the last two with
the additive and outer shapes only) times each *architecture* (``[n, 1]`` additive, ``[n, 1]``
with a multiplication node, ``[n, 1, 1]`` a function of a sum, and a wider
``[n, 2n+1, 1]`` trained with sparsity regularisation and pruned). Every attempt
yields candidate formulas (as composed, and expanded into terms), each refit, snapped and
scored on held-out rows.

One alternative, "reduce", makes the problem smaller instead (``kansr.reduce``): tests on
an accurate surrogate KAN find pairs of inputs that enter only as a ratio, product,
difference or sum (merged into one input, computed from the real data), or else split f
into g(one input)·h(the rest) or a sum (each part's data from the surrogate). The smaller
problems go through this same search, recursively, within a share of the remaining time;
their formulas are recombined and refit on the real data like any other candidate.

Selection rule: the Pareto front keeps formulas that no other formula beats on both
complexity and held-out error; the chosen formula is the least complex one whose
held-out normalised MSE is at most ``1.5 * best + 1e-14`` (errors that tie within noise
or machine precision go to the simpler formula).

Stopping: the search ends early when a formula fits to machine precision, or when the
formula it would choose has no fitted constant but an overall factor or offset, and
residuals that look like noise (uncorrelated between neighbouring rows): on noisy data
more attempts could only fit the noise.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import sympy
import torch
from threadpoolctl import threadpool_limits

from kansr import data as data_module
from kansr import noise
from kansr.attempt import TARGET_ONLY, StageTimer, Transform, attempt, transforms_for, variants
from kansr.errors import KansrError
from kansr.model import KAN
from kansr.result import Result, _choose, _pareto  # noqa: F401  (Result: public here too)
from kansr.subproblems import Reductions
from kansr.symbolic import compose, nested
from kansr.symbolic.fit import BudgetExhausted
from kansr.symbolic.library import get_library
from kansr.train import split_rows


@dataclass(frozen=True)
class DiscoverConfig:
    """Settings of ``discover`` (one set for every problem).

    Attributes
    ----------
    transforms : tuple of str
        Data transforms to try: "identity", "log" (log of inputs and target), "log_target"
        (log of the target only), "inverse_target" (1/y), "square_target" (y²); each used
        only where the data allows, the last two only with the additive and outer shapes.
    architectures : tuple of str
        Names from ``ARCHITECTURES``, tried in this order (cheapest and simplest first), and
        "nested": for one input, every composition c*f(a*g(p*x)+b)+d of two library
        functions (``kansr.symbolic.nested``); "reduce": merge or separate inputs by tests
        on a surrogate KAN and solve the smaller problems with the same search (``kansr.reduce``).
    reduce_share : float
        Share of the remaining time budget that one "reduce" alternative may use.
    steps : int
        LBFGS steps per training stage.
    lamb : float
        Sparsity regularisation for the wide architecture.
    prune_threshold : float
    grid_schedule : tuple of int
        Grid sizes for the refinement after pruning.
    max_train_rows : int
        Rows used to train the KAN (a seeded subsample of larger data).
    val_fraction : float
        Held-out share for scoring formulas.
    simplify_seconds : float
        Time cap of each sympy simplification.
    library : tuple of str or None
        Candidate function names (None: all of ``kansr.symbolic.library``).
    workers : int
        Processes that try alternatives in parallel (1: in this process). The answer does
        not depend on it: results are taken in the fixed plan order, and attempts after the
        first exact one are discarded, as a sequential search would never have run them.
    threads : int
        torch intra-op threads during the search. The KANs are small, so one thread is
        fastest, and several threads per process collapse when processes share cores
        (measured: 84 s instead of 3.8 s for datasets/coulomb.csv beside two busy processes).
    """

    transforms: tuple[str, ...] = ("log", "identity", "log_target", "inverse_target", "square_target")
    architectures: tuple[str, ...] = ("additive", "product", "nested", "reduce", "outer", "wide",
                                      "product_outer", "product_sum", "sum_product")
    steps: int = 100
    lamb: float = 0.01
    prune_threshold: float = 0.05
    grid_schedule: tuple[int, ...] = (5, 10, 20)
    max_train_rows: int = 2000
    max_refit_rows: int = 5000
    val_fraction: float = 0.2
    simplify_seconds: float = 5.0
    library: tuple[str, ...] | None = None
    reduce_share: float = 0.5
    workers: int = 1
    threads: int = 1


def _log(message: str, verbose: bool) -> None:
    if verbose:
        print(f"[kansr] {message}", file=sys.stderr, flush=True)


def discover(data, target: str | None = None, seed: int = 0, time_budget: float | None = 120.0,
             config: DiscoverConfig | None = None, verbose: bool = True) -> Result:
    """Find a closed-form formula for ``target`` in terms of the other columns.

    Parameters
    ----------
    data : str, Path, DataFrame or tuple (X, y[, names])
    target : str, optional
        Target column; defaults to the last column.
    seed : int
        Same data and seed give the same formula.
    time_budget : float or None
        Seconds for the whole search; the best formula so far is returned when spent.
    config : DiscoverConfig, optional
    verbose : bool
        Progress lines on stderr.
    """
    start = time.monotonic()
    config = config or DiscoverConfig()
    dataset = data_module.load(data, target)
    deadline = None if time_budget is None else start + time_budget
    torch.manual_seed(seed)
    rows = _split(len(dataset.y), config, seed)
    if len(rows.train) > config.max_train_rows:
        _log(f"training on a subsample of {len(rows.kan)} of {len(rows.train)} rows", verbose)
    search = _Search(dataset, config, rows, seed, deadline, verbose)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        # numpy's BLAS too: a different thread count changes rounding, and so the formula
        with threadpool_limits(limits=config.threads):
            search.run()
    except KeyboardInterrupt:
        search.stopped = "interrupted"
        _log("interrupted: returning the best formula found so far", verbose)
    finally:
        torch.set_num_threads(previous_threads)
    if not search.candidates:
        if search.stopped == "interrupted":
            raise KeyboardInterrupt
        raise KansrError("no formula could be fitted to the data")
    return search.result(time.monotonic() - start)


_GRACE_SECONDS = 2.0
_WORKER_SEARCH: "_Search | None" = None
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _worker_init(search: "_Search") -> None:
    """Pool initializer: one torch thread, no Ctrl-C (the parent handles it), the search state."""
    import signal

    global _WORKER_SEARCH
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(search.config.threads)
    threadpool_limits(limits=search.config.threads)
    _WORKER_SEARCH = search


def _worker_evaluate(index: int, transform: "Transform", architecture: str) -> dict:
    return _WORKER_SEARCH.evaluate(transform, architecture, first=index == 0)


@dataclass(frozen=True)
class _Rows:
    train: np.ndarray
    val: np.ndarray
    kan: np.ndarray  # seeded subsample of train for the KAN
    refit: np.ndarray  # seeded subsample of train for the constant refits


def _split(n_rows: int, config: DiscoverConfig, seed: int) -> _Rows:
    train, val = split_rows(n_rows, config.val_fraction, seed)
    rng = np.random.default_rng(seed)
    kan = np.sort(rng.permutation(train)[: config.max_train_rows])
    refit = np.sort(rng.permutation(train)[: config.max_refit_rows])
    return _Rows(train, val, kan, refit)


class _Search(Reductions):
    """The loop over alternatives; keeps every candidate so an interruption loses nothing.
    The "reduce" alternative and its smaller problems come from ``Reductions``."""

    def __init__(self, dataset, config: DiscoverConfig, rows: _Rows, seed: int, deadline, verbose: bool,
                 good_enough: float = 1e-14, guaranteed: bool = True):
        self.dataset, self.config, self.rows, self.seed = dataset, config, rows, seed
        self.deadline, self.verbose = deadline, verbose
        # stop once a formula's held-out error is below this (exact to machine precision
        # on real data; a reduced problem's surrogate data are only as exact as the surrogate)
        self.good_enough = good_enough
        # the first attempt ignores the deadline, so that there is an answer on any budget
        self.guaranteed = guaranteed
        self.library = get_library(list(config.library) if config.library else None)
        self.symbols = [sympy.Symbol(name) for name in dataset.names]
        # each refit row's nearest other row: residuals that are only noise do not correlate
        # between neighbours; those of a wrong formula (or inexact constants) do
        self.neighbours = noise.neighbours(dataset.X[rows.refit])
        self.candidates: list[dict] = []
        self.models: dict[int, KAN] = {}
        self.stopped: str | None = None
        self.timer = StageTimer()

    def __getstate__(self) -> dict:
        # for worker processes: the library holds lambdas, rebuilt from its names there
        state = self.__dict__.copy()
        del state["library"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.library = get_library(list(self.config.library) if self.config.library else None)

    def _noise_like(self, expr) -> bool:
        """Whether the residuals of ``expr`` on the refit rows look like noise (``kansr.noise``)."""
        X, y = self.dataset.X[self.rows.refit], self.dataset.y[self.rows.refit]
        return noise.looks_like_noise(compose.predict(expr, self.symbols, X) - y, y, self.neighbours)

    def _out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def plans(self) -> list[tuple[Transform, str]]:
        X, y = self.dataset.X, self.dataset.y
        transforms = transforms_for(self.config.transforms, X, y)
        plans = []
        for architecture in self.config.architectures:
            if architecture in ("reduce", "nested"):  # on the data as given, once
                applies = X.shape[1] >= 2 if architecture == "reduce" else X.shape[1] == 1
                plans += [(Transform("identity", False, 0.0), architecture)] if applies else []
            else:
                plans += [(t, architecture) for t in transforms
                          if t.name not in TARGET_ONLY or architecture in ("additive", "outer")]
        return plans

    def run(self) -> None:
        if self.config.workers > 1:
            self._run_parallel()
            return
        for index, (transform, architecture) in enumerate(self.plans()):
            if self._out_of_time():
                self.stopped = "time budget"
                return
            outcome = self.evaluate(transform, architecture, first=index == 0)
            if self._take(outcome):
                return

    def evaluate(self, transform: Transform, architecture: str, first: bool) -> dict:
        """One attempt, scored: {"candidates", "model", "timings", "stopped", "log"}."""
        first = first and self.guaranteed
        deadline = None if first else self.deadline
        label = f"{transform.name}/{architecture}"
        timer, outcome = StageTimer(), {"candidates": [], "model": None, "stopped": None, "log": []}
        if not first and self._out_of_time():
            outcome.update(stopped="time budget", timings={})
            return outcome
        # no attempt may run past the deadline by more than a moment: sympy can spend minutes
        # building one huge expression (measured: 167 s for exp() of a product_sum formula)
        cap = None if deadline is None else max(deadline - time.monotonic(), 0.0) + _GRACE_SECONDS
        try:
            with compose.time_limit(cap):
                outcome["model"], outcome["candidates"] = self._candidates(
                    transform, architecture, label, deadline, timer, outcome["log"])
        except BudgetExhausted:
            outcome["stopped"] = "time budget"
        except compose.SympyTimeout as error:
            if self._out_of_time():
                outcome["stopped"] = "time budget"
            else:  # one stage's own cap: only this attempt is lost
                outcome["log"].append(f"{label}: failed ({error})")
        except (KansrError, RuntimeError, ValueError, RecursionError) as error:
            outcome["log"].append(f"{label}: failed ({error})")
        outcome["timings"] = timer.seconds
        return outcome

    def _candidates(self, transform: Transform, architecture: str, label: str, deadline, timer: StageTimer,
                    log: list) -> tuple:
        """(model or None, scored candidates) of one alternative."""
        X, y = self.dataset.X, self.dataset.y
        if architecture == "reduce":
            return self._reduce(timer, log)
        if architecture == "nested":
            with timer.stage("symbolic fit"):
                # on a surrogate's data (good_enough above machine precision) errors below its
                # own do not tell formulas apart
                formulas = nested.compositions(X[self.rows.kan, 0], y[self.rows.kan], self.library,
                                               self.symbols[0], deadline=deadline,
                                               slack=max(1e-14, self.good_enough))
            return None, [c for formula in formulas for c in self._score(formula, label, timer, log)]
        model, expr = attempt(transform, architecture, X[self.rows.kan], y[self.rows.kan],
                              self.symbols, self.config, self.seed, deadline, self.library, timer)
        return model, self._score(expr, label, timer, log)

    def _take(self, outcome: dict) -> bool:
        """Add one attempt's outcome; True when the search should stop."""
        for message in outcome["log"]:
            _log(message, self.verbose)
        for stage, seconds in outcome["timings"].items():
            self.timer.seconds[stage] = self.timer.seconds.get(stage, 0.0) + seconds
        for candidate in outcome["candidates"]:
            key = len(self.candidates)
            self.models[key] = outcome["model"]
            self.candidates.append({**candidate, "key": key})
        if outcome["stopped"]:
            self.stopped = outcome["stopped"]
            return True
        if not self.candidates:
            return False
        # exact to machine precision; more complex attempts cannot do better
        if min(c["val_nmse"] for c in self.candidates) < self.good_enough:
            return True
        # noisy data: the formula that would be chosen is closed-form (no fitted constant but
        # an overall factor or offset) and leaves only noise; more attempts can only fit the
        # noise. (With one free constant anywhere, approximations within the noise ended the
        # search: exp(-log(χ)²/9)/χ^0.507 for 1/(1 + χ) in II.10.9, at 1.7 s.)
        chosen = _choose(_pareto(self.candidates))
        if chosen.noise_like and chosen.free_constants == 0:
            _log(f"stopping: the residuals of {chosen.formula} look like noise", self.verbose)
            return True
        return False

    def _run_parallel(self) -> None:
        import multiprocessing

        plans = self.plans()
        context = multiprocessing.get_context("spawn")  # fork is unsafe once torch has threads
        # one BLAS/OpenMP thread per worker: numpy's and torch's thread pools spin-wait, and
        # several per process on shared cores made the refits 30x slower (measured)
        saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
        os.environ.update({name: str(self.config.threads) for name in _THREAD_VARIABLES})
        try:
            pool = context.Pool(min(self.config.workers, len(plans)), initializer=_worker_init,
                                initargs=(self,))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        try:
            pending = [pool.apply_async(_worker_evaluate, (index, transform, architecture))
                       for index, (transform, architecture) in enumerate(plans)]
            for job in pending:  # in plan order, whatever order they finish in
                if self._take(job.get()):
                    return
        finally:
            pool.terminate()
            pool.join()

    def _score(self, expr, label: str, timer: StageTimer, log: list) -> list[dict]:
        """Refit, snap and score a composed formula (and its expansion) on held-out rows."""
        X, y, rows = self.dataset.X, self.dataset.y, self.rows
        with timer.stage("refit, snap, simplify"), compose.time_limit(4 * self.config.simplify_seconds):
            first = compose.refit(expr, self.symbols, X[rows.refit], y[rows.refit], self.deadline)
        with timer.stage("compose"):
            # the expansion gives every term its own constant: a product KAN's formula far from
            # the data can become exact once expanded, refit and snapped (I.13.12:
            # G*m1*m2*(r1 - r2)/(r1*r2) from a product of five edges)
            forms = variants(first.expr, self.config.simplify_seconds)
        candidates = []
        for variant in forms:
            # capped: refits of a huge formula rebuild it many times, each through sympy
            with timer.stage("refit, snap, simplify"), compose.time_limit(4 * self.config.simplify_seconds):
                scored = compose.polish(variant, self.symbols, X[rows.refit], y[rows.refit],
                                        self.config.simplify_seconds, self.deadline,
                                        noise_like=self._noise_like)
            predictions = compose.predict(scored.expr, self.symbols, X)
            # never return a formula that is undefined on any row of the data
            if not np.all(np.isfinite(predictions)):
                continue
            noise_like = noise.looks_like_noise(predictions[rows.refit] - y[rows.refit], y[rows.refit],
                                                self.neighbours)
            val = float(np.mean((predictions[rows.val] - y[rows.val]) ** 2) / (np.var(y[rows.val]) or 1.0)) \
                if len(rows.val) else scored.nmse
            candidates.append({"complexity": compose.complexity(scored.expr), "val_nmse": val,
                               "formula": scored.expr, "attempt": label,
                               "noise_like": noise_like,
                               "free_constants": noise.free_constants(scored.expr)})
            log.append(f"{label}: {scored.expr}  (held-out 1-R2 {val:.2e})")
        return candidates

    def result(self, seconds: float) -> Result:
        X, y = self.dataset.X, self.dataset.y
        front = _pareto(self.candidates)
        chosen = _choose(front)
        predictions = compose.predict(chosen.formula, self.symbols, X)
        mse = float(np.mean((predictions - y) ** 2))
        front = front.assign(rmse=[float(np.sqrt(v * np.var(y))) for v in front.val_nmse],
                             r2=[1 - v for v in front.val_nmse])
        return Result(formula=chosen.formula, r2=float(1 - mse / np.var(y)), rmse=float(np.sqrt(mse)),
                      complexity=int(chosen.complexity), seconds=seconds,
                      front=front[["complexity", "rmse", "r2", "formula", "val_nmse", "attempt"]],
                      names=self.dataset.names, target=self.dataset.target, kan=self.models[int(chosen.key)],
                      stopped=self.stopped, renamed=self.dataset.renamed, seed=self.seed,
                      attempt=str(chosen.attempt), timings=dict(self.timer.seconds))
