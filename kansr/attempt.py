"""One attempt of the search: a data transform and a KAN shape -> trained KAN -> formula.

``ARCHITECTURES`` lists the shapes; ``attempt`` trains, prunes, fixes every edge to a
library function and composes the formula in the original variables.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import sympy
import torch

from kansr.errors import KansrError
from kansr.model import KAN, KANConfig
from kansr.prune import prune
from kansr.symbolic import compose
from kansr.symbolic.fit import auto_symbolic
from kansr.train import TrainConfig, fit


# name -> (width with "n" for the number of inputs, layers whose nodes multiply)
ARCHITECTURES: dict[str, tuple[list, tuple[int, ...]]] = {
    "additive": (["n", 1], ()),               # f1(x1) + f2(x2) + ...
    "product": (["n", 1], (0,)),              # f1(x1) * f2(x2) * ...
    "outer": (["n", 1, 1], ()),               # g(f1(x1) + f2(x2) + ...)
    "product_outer": (["n", 1, 1], (0,)),     # g(f1(x1) * f2(x2) * ...)
    "product_sum": (["n", 3, 1], (0,)),       # sum of up to three separable products
    "sum_product": (["n", 2, 1], (1,)),       # product of two additive functions
    "wide": (["n", "2n+1", 1], ()),           # general, regularised and pruned
}


@dataclass(frozen=True)
class Transform:
    """How the data are changed before training: log of the inputs, and of the target
    (``y_kind`` "log"), its reciprocal ("inverse": 1/y = a sum when y = 1/(1/d1 + n/d2)) or
    its square ("square": y² = a sum when y = sqrt(a² + b²)); ``y_sign`` is the target's sign."""

    name: str
    x_log: bool
    y_sign: float  # 0: target left alone
    y_kind: str = "log"

    def target(self, y: np.ndarray) -> np.ndarray:
        if not self.y_sign:
            return y
        if self.y_kind == "inverse":
            return 1 / y
        if self.y_kind == "square":
            return y**2
        return np.log(self.y_sign * y)

    def rows(self, y: np.ndarray) -> np.ndarray:
        """Rows the transform is defined on: a noisy target near zero can have a few values of
        the other sign (see ``transforms_for``), left out of training; the formula is still
        scored on every row."""
        if not self.y_sign or self.y_kind == "square":
            return np.ones(len(y), dtype=bool)
        # values of the other sign show how large the noise is: rows within twice that of
        # zero are mostly noise after a log or a reciprocal
        other = y[self.y_sign * y <= 0]
        return self.y_sign * y > 2 * np.max(np.abs(other), initial=0.0)

    def undo(self, expr: sympy.Expr) -> sympy.Expr:
        if not self.y_sign:
            return expr
        if self.y_kind == "inverse":
            return 1 / expr
        if self.y_kind == "square":
            return self.y_sign * sympy.sqrt(expr)
        return self.y_sign * sympy.exp(expr)


# transforms of the target alone, tried only with the cheapest shapes (see ``transforms_for``)
TARGET_ONLY = ("inverse_target", "square_target")
_KNOWN = ("identity", "log", "log_target") + TARGET_ONLY


def transforms_for(names: tuple[str, ...], X: np.ndarray, y: np.ndarray) -> list[Transform]:
    """The transforms among ``names`` that the data allow (see the pipeline module doc)."""
    result = []
    sign = 1.0 if np.sum(y > 0) >= np.sum(y < 0) else -1.0
    # one sign up to noise: at most 10 % of the rows on the other side (or zero), all within
    # 5 % of the target's RMS of zero (noise of 1 % RMS makes a target near zero cross it:
    # 5 % of the rows of I.32.5)
    other = y[sign * y <= 0]
    one_signed = len(y) > 0 and len(other) <= 0.1 * len(y) and \
        bool(np.all(np.abs(other) <= 0.05 * np.sqrt(np.mean(y**2))))
    for name in names:
        if name not in _KNOWN:
            raise KansrError(f"unknown transform {name!r}")
        if name == "identity":
            result.append(Transform("identity", False, 0.0))
        elif name == "log" and np.all(X > 0) and one_signed:
            result.append(Transform("log", True, sign))
        elif name == "log_target" and one_signed:
            result.append(Transform("log_target", False, sign))
        elif name == "inverse_target" and one_signed:
            result.append(Transform("inverse_target", False, sign, "inverse"))
        elif name == "square_target" and one_signed:
            result.append(Transform("square_target", False, sign, "square"))
    return result


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


def attempt(transform, architecture, X, y, symbols, config, seed, deadline, library, timer: StageTimer):
    """Train one KAN and turn it into candidate formulas (in the original variables)."""
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
    remaining = lambda: None if deadline is None else max(deadline - time.monotonic(), 0.1)  # noqa: E731
    model = KAN(KANConfig(width=width, seed=seed, multiply_layers=multiply))
    train = TrainConfig(steps=config.steps, seed=seed, val_fraction=0.0, time_budget=remaining())
    if architecture == "wide":
        with timer.stage("train"):
            fit(model, x_t, y_t, replace(train, lamb=config.lamb))
        with timer.stage("prune"):
            model = prune(model, x_t, config.prune_threshold)
    with timer.stage("train"):
        fit(model, x_t, y_t, replace(train, grid_schedule=config.grid_schedule, time_budget=remaining()))
    model.input_names = [f"log({s})" if transform.x_log else str(s) for s in symbols]
    with timer.stage("symbolic fit"):
        auto_symbolic(model, x_t, library, deadline=deadline)
        fit(model, x_t, y_t, replace(train, steps=config.steps // 2, grid_update_every=0,
                                     time_budget=remaining()))
    # sympy's automatic evaluation can take minutes on a large formula (SympyTimeout: the attempt fails)
    with timer.stage("compose"), compose.time_limit(2 * config.simplify_seconds):
        # compose in standardised, transformed units, then undo the transforms symbolically
        standard = [sympy.Symbol(f"_z{i}") for i in range(n)]
        expr = compose.kan_to_sympy(model, standard, library)[0] * y_std + y_mean
        originals = [sympy.log(s) if transform.x_log else s for s in symbols]
        expr = expr.xreplace({z: (o - m) / s for z, o, m, s in zip(standard, originals, x_mean, x_std)})
        expr = transform.undo(expr)
    return model, expr


def variants(expr: sympy.Expr, seconds: float, max_constants: int = 40) -> list[sympy.Expr]:
    """The composed formula, and its expansion into terms (each term then gets its own constant).

    An expansion with more than ``max_constants`` floats is dropped: it would not be refit
    (see ``compose.refit``), so it could only equal the formula it came from, and compiling
    such an expansion can take longer than the whole search.
    """
    try:
        with compose.time_limit(seconds):
            expanded = sympy.expand(expr, power_exp=False, log=False)
    except compose.SympyTimeout:
        return [expr]
    if expanded == expr or len(expanded.atoms(sympy.Float)) > max_constants:
        return [expr]
    return [expr, expanded]
