"""Candidates: formulas refit on the training rows and scored on the held-out rows.

``split_rows`` divides the data once per search: held-out rows (``val``) for scoring
formulas, and seeded subsamples of the rest for training KANs (``kan``) and refitting
constants (``refit``). ``Scorer.score`` turns a composed formula into candidates: the
formula and its expansion, each refit, snapped and simplified (``kansr.symbolic.polish``)
and scored by its held-out normalised MSE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from kansr import data as data_module
from kansr.budget import Budget, charge, cost
from kansr.data import Dataset
from kansr.search import stopping
from kansr.search.trial import StageTimer, variants
from kansr.symbolic import complexity, polish, predict, refit
from kansr.symbolic.limits import time_limit


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
        Its residuals look like noise (``stopping.looks_like_noise``).
    free_constants : int
        Fitted constants apart from an overall factor or offset (``stopping.free_constants``).
    key : int
        Which trial's KAN it came from (set by the search; -1 until then).
    """

    formula: sympy.Expr
    complexity: int
    val_nmse: float
    attempt: str
    noise_like: bool
    free_constants: int
    key: int = -1


@dataclass(frozen=True)
class Rows:
    """Row indices of one search: held-out rows, and subsamples of the training rows."""

    train: np.ndarray
    val: np.ndarray
    kan: np.ndarray  # seeded subsample of train for the KAN
    refit: np.ndarray  # seeded subsample of train for the constant refits


def split_rows(n_rows: int, val_fraction: float, seed: int, max_train_rows: int, max_refit_rows: int) -> Rows:
    """Seeded held-out split, and seeded subsamples of the training rows."""
    train, val = data_module.split_rows(n_rows, val_fraction, seed)
    rng = np.random.default_rng(seed)
    kan = np.sort(rng.permutation(train)[:max_train_rows])
    refit_rows = np.sort(rng.permutation(train)[:max_refit_rows])
    return Rows(train, val, kan, refit_rows)


class Scorer:
    """Refits and scores formulas on one problem's rows (see the module doc)."""

    def __init__(self, dataset: Dataset, rows: Rows, simplify_seconds: float, budget: Budget | None) -> None:
        self.dataset, self.rows = dataset, rows
        self.simplify_seconds, self.budget = simplify_seconds, budget
        self.symbols = [sympy.Symbol(name) for name in dataset.names]
        # each refit row's nearest other row: residuals that are only noise do not correlate
        # between neighbours; those of a wrong formula (or inexact constants) do
        self.neighbours = stopping.neighbours(dataset.X[rows.refit])

    def noise_like(self, expr: sympy.Expr) -> bool:
        """Whether the residuals of ``expr`` on the refit rows look like noise."""
        X, y = self.dataset.X[self.rows.refit], self.dataset.y[self.rows.refit]
        return stopping.looks_like_noise(predict(expr, self.symbols, X) - y, y, self.neighbours)

    def score(self, expr: sympy.Expr, label: str, timer: StageTimer, log: list[str]) -> list[Candidate]:
        """Refit, snap and score a composed formula (and its expansion) on held-out rows."""
        X, y, rows = self.dataset.X, self.dataset.y, self.rows
        with timer.stage("refit, snap, simplify"), time_limit(4 * self.simplify_seconds):
            first = refit(expr, self.symbols, X[rows.refit], y[rows.refit], self.budget)
        with timer.stage("compose"):
            # the expansion gives every term its own constant: a product KAN's formula far from
            # the data can become exact once expanded, refit and snapped
            forms = variants(first.expr, self.simplify_seconds)
        candidates = []
        for variant in forms:
            # capped: refits of a huge formula rebuild it many times, each through sympy
            with timer.stage("refit, snap, simplify"), time_limit(4 * self.simplify_seconds):
                scored = polish(variant, self.symbols, X[rows.refit], y[rows.refit], self.simplify_seconds,
                                self.budget, noise_like=self.noise_like)
            charge(self.budget, cost.compilation(complexity(scored.expr)))
            predictions = predict(scored.expr, self.symbols, X)
            # never return a formula that is undefined on any row of the data
            if not np.all(np.isfinite(predictions)):
                continue
            noise_like = stopping.looks_like_noise(predictions[rows.refit] - y[rows.refit], y[rows.refit],
                                                   self.neighbours)
            val = float(np.mean((predictions[rows.val] - y[rows.val]) ** 2) / (np.var(y[rows.val]) or 1.0)) \
                if len(rows.val) else scored.nmse
            candidates.append(Candidate(scored.expr, complexity(scored.expr), val, label, noise_like,
                                        stopping.free_constants(scored.expr)))
            log.append(f"{label}: {scored.expr}  (held-out 1-R2 {val:.2e})")
        return candidates
