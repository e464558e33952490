"""One trial of the search: a plan (transform x KAN shape) -> trained, pruned KAN -> formula.

``train_and_read`` trains the KAN (the wide shape with sparsity regularisation, then
pruned), refines it by grid extension, fixes every edge to a library function, and
composes the formula in the original variables, with a few other readings of its edges;
``variants`` adds its expansion.
"""

from __future__ import annotations

import copy
import time
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
import pandas as pd
import sympy
import torch

from kansr.budget import Budget
from kansr.kan import KAN, EdgeId, KANConfig, TrainConfig, prune, train
from kansr.search.config import DiscoverConfig
from kansr.search.plan import ARCHITECTURES, Plan
from kansr.symbolic import EdgeFit, SymbolicFunction, auto_symbolic, fix_edge, kan_to_sympy
from kansr.symbolic.limits import SympyTimeout, time_limit


class StageTimer:
    """Seconds spent per pipeline stage, summed over attempts."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def train_and_read(plan: Plan, X: np.ndarray, y: np.ndarray, symbols: list[sympy.Symbol], *,
                   config: DiscoverConfig, seed: int, budget: Budget | None, library: dict[str, SymbolicFunction],
                   timer: StageTimer, other_readings: int = 0) -> list[tuple[KAN, sympy.Expr]]:
    """Train one KAN on (X, y) as ``plan`` says and read it as formulas in ``symbols``.

    Each edge is read as the simplest library function that fits its curve within a few
    times the best fit's error (``kansr.symbolic.auto_symbolic``). A curve learnt from few
    noisy rows is uncertain itself: a parabola within that tolerance can stand where the
    law has a sine that fits the curve twice as well (and a Gaussian bump as well as the
    sine). So up to ``other_readings`` formulas follow the first, each with one edge read
    as a function that fits its curve better (``kansr.symbolic.edge_fit.better_fits``;
    the largest ratio of errors first), its constants as the curve gave them: the
    selection, which refits every constant on the rows, decides between them. Not on one
    input, where the compositions try every reading of it.

    Uses ``config``'s steps, lamb, prune_threshold, grid_schedule and simplify_seconds.
    Returns the readings, each a trained, symbolic KAN and its formula, the first reading first.
    """
    transform, architecture = plan.transform, plan.architecture
    n = X.shape[1]
    usable = transform.rows(y)
    X, y = X[usable], y[usable]
    inputs = np.log(X) if transform.x_log else X
    target = transform.target(y)
    x_mean, x_std = inputs.mean(0), inputs.std(0)
    x_std = np.where(x_std > 0, x_std, 1.0)
    y_mean, y_std = target.mean(), target.std() or 1.0
    x_t = torch.tensor((inputs - x_mean) / x_std, dtype=torch.float64)
    y_t = torch.tensor(((target - y_mean) / y_std)[:, None], dtype=torch.float64)
    width, multiply = ARCHITECTURES[architecture]
    width = [n if w == "n" else 2 * n + 1 if w == "2n+1" else w for w in width]
    model = KAN(KANConfig(width=width, seed=seed, multiply_layers=multiply))
    training = TrainConfig(steps=config.steps, seed=seed, val_fraction=0.0)
    if architecture == "wide":
        with timer.stage("train"):
            train(model, x_t, y_t, replace(training, lamb=config.lamb), budget)
        with timer.stage("prune"):
            model = prune(model, x_t, config.prune_threshold)
    with timer.stage("train"):
        train(model, x_t, y_t, replace(training, grid_schedule=config.grid_schedule), budget)
    model.input_names = [f"log({s})" if transform.x_log else str(s) for s in symbols]
    with timer.stage("symbolic fit"):
        fits = auto_symbolic(model, x_t, library, budget=budget)
        train(model, x_t, y_t, replace(training, steps=config.steps // 2, grid_update_every=0), budget)

    def compose(kan: KAN) -> sympy.Expr:
        # in standardised, transformed units, then the transforms undone symbolically
        standard = [sympy.Symbol(f"_z{i}") for i in range(n)]
        expr = kan_to_sympy(kan, standard, library)[0] * y_std + y_mean
        originals = [sympy.log(s) if transform.x_log else s for s in symbols]
        expr = expr.xreplace({z: (o - m) / s for z, o, m, s in zip(standard, originals, x_mean, x_std)})
        return transform.undo(expr)

    # sympy's automatic evaluation can take minutes on a large formula (SympyTimeout: the
    # attempt fails, or that other reading is not offered)
    with timer.stage("compose"), time_limit(2 * config.simplify_seconds):
        readings = [(model, compose(model))]
    # on one input the compositions (``kansr.symbolic.compositions``) try every library
    # function of the input and two-function compositions too: nothing to read again
    for edge, fit in _better_readings(fits, other_readings if n > 1 else 0):
        other = copy.deepcopy(model)
        fix_edge(other, edge, fit, library)
        try:
            with timer.stage("compose"), time_limit(2 * config.simplify_seconds):
                readings.append((other, compose(other)))
        except SympyTimeout:
            continue
    return readings


def _better_readings(fits: pd.DataFrame, count: int) -> list[tuple[EdgeId, EdgeFit]]:
    """Up to ``count`` pairs (edge, ``EdgeFit``) from ``auto_symbolic``'s table: a function
    that fits an edge's curve better than the one chosen, the largest ratio of errors first."""
    readings = [(max(1 - row.r2, 0.0) / max(1 - fit.r2, 1e-300), EdgeId(row.layer, row.in_idx, row.out_idx), fit)
                for row in fits.itertuples() for fit in row.better]
    readings.sort(key=lambda reading: reading[0], reverse=True)
    return [(edge, fit) for _, edge, fit in readings[:count]]


# the range of a double's magnitudes, rounded inwards
_TINIEST, _LARGEST = 1e-300, 1e300


def variants(expr: sympy.Expr, seconds: float, max_constants: int = 40) -> list[sympy.Expr]:
    """The composed formula, and its expansion into terms (each term then gets its own constant).

    An expansion with more than ``max_constants`` floats is dropped: it would not be refit
    (see ``kansr.symbolic.constants.refit``), so it could only equal the formula it came from, and compiling
    such an expansion can take longer than the whole search. So is one with a number that a
    double cannot hold (expanding exp(-(a·log x - b)²) gives exp(-b²), 1e-3265 for b = 87):
    evaluated, it is 0 or inf, and the formula left is another one, its constants not refit.
    """
    try:
        with time_limit(seconds):
            expanded = sympy.expand(expr, power_exp=False, log=False)
    except SympyTimeout:
        return [expr]
    floats = expanded.atoms(sympy.Float)
    if expanded == expr or len(floats) > max_constants or not all(_fits_a_double(f) for f in floats):
        return [expr]
    return [expr, expanded]


def _fits_a_double(number: sympy.Float) -> bool:
    magnitude = abs(number)
    return magnitude == 0 or _TINIEST < magnitude < _LARGEST

