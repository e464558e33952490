"""Two-function compositions for one-input problems: y ≈ x^k * (c * f(a * g(p * x) + b) + d),
k in {0, -1, 1}.

A [1, 1, 1] KAN can represent such a formula, but training does not pin its inner edge
down: on a short range u² is nearly linear, and the network learns some other monotone
inner curve with a matching outer one (1/sqrt(1 - u²) was never found that way). With one
input the search can instead be exhaustive: every inner function g of the library,
applied to the raw input (and, for functions that are not scale-free, to the input scaled
by 1 and by 1/4 to 4 times 1/max|x|), becomes a curve, and all of those curves are fitted against every outer
function f at once with the batched affine fitter; the most promising are refit in all
their constants (p included) and the best few returned as formulas. The same search runs
on y/x and y·x for the factor x^k.
"""

from __future__ import annotations

import time

import numpy as np
import sympy

from kansr.symbolic import compose
from kansr.symbolic.fit import BudgetExhausted, fit_batch
from kansr.symbolic.library import SymbolicFunction

# functions for which g(p*x) is g(x) up to the affine map around it: scaling x changes nothing
_SCALE_FREE = {"x", "x^2", "x^3", "x^4", "1/x", "1/x^2", "sqrt", "1/sqrt", "abs", "log"}


def compositions(x: np.ndarray, y: np.ndarray, library: dict[str, SymbolicFunction], symbol: sympy.Symbol,
                 top: int = 4, refine: int = 24, deadline: float | None = None,
                 powers: tuple[int, ...] = (0, -1, 1), slack: float = 1e-14) -> list[sympy.Expr]:
    """The ``top`` best formulas x^k * (c*f(a*g(p*x)+b)+d), k in ``powers`` (k ≠ 0 only where
    x has no zero), as formulas in ``symbol``, best fit first, plus the simplest one whose
    unexplained variance is within 10× of the best + ``slack`` (the error of data that are
    only approximate, such as a surrogate's); the ``refine`` best of the first,
    affine-only fits (half as many for k ≠ 0) are refit in all their constants first. The
    factors are skipped once a formula without one fits exactly.

    The factor x^k covers what a reduction leaves with the input outside the composition:
    exp(-1/(2u²))/u from a Gaussian in θ/σ, u/sqrt(1 - u²) from m·v/sqrt(1 - v²/c²).

    x, y : ndarray, shape (n_samples,)
    """
    order = np.argsort(x, kind="stable")
    points = order[np.unique(np.linspace(0, len(x) - 1, min(len(x), 256)).astype(int))]
    xs, ys = x[points], y[points]
    ranked = []
    for k in powers:
        if ranked and min(item[0] for item in ranked) < 1e-20:
            break  # exact already: a factor x^k can only add complexity
        if k == 0 or np.all(np.abs(xs) > 1e-12 * (np.max(np.abs(xs)) or 1.0)):
            # half as many refits with a factor: each search costs mostly its refits
            ranked += _ranked(xs, ys, k, library, symbol, refine if k == 0 else refine // 2, deadline)
    if not ranked:
        return []
    unique = list({str(item[2]): item for item in ranked}.values())  # each formula once
    ranked = sorted(unique, key=lambda item: (item[0], item[1]))
    chosen = [item[2] for item in ranked[:top]]
    best = ranked[0][0]
    simplest = min((item for item in ranked if item[0] <= 10 * best + slack), key=lambda item: item[1])[2]
    return chosen + ([simplest] if simplest not in chosen else [])


def _ranked(xs: np.ndarray, ys: np.ndarray, power: int, library: dict[str, SymbolicFunction],
            symbol: sympy.Symbol, refine: int, deadline: float | None) -> list[tuple]:
    """(nmse on ys, complexity, formula) of the ``refine`` most promising compositions of
    ys / xs**power, each multiplied back by symbol**power and refit in all its constants."""
    target = ys / xs**power
    reach = float(np.max(np.abs(xs))) or 1.0
    inner, labels = [], []
    for g in library.values():
        scales = [1.0] if g.name in _SCALE_FREE else [1.0] + [2.0**k / reach for k in (-2, -1, 0, 1, 2)]
        for scale in scales:
            with np.errstate(all="ignore"):
                values = np.asarray(g.numpy(scale * xs), dtype=float)
            if np.all(np.isfinite(values)) and np.max(np.abs(values)) < 1e12 and np.std(values) > 1e-12:
                inner.append(values)
                labels.append((g, scale))
    inner = np.array(inner)
    found = []  # (unexplained, complexity, f, g, scale, fit)
    for f in library.values():
        if deadline is not None and time.monotonic() > deadline:
            raise BudgetExhausted("time budget spent fitting compositions")
        fits = fit_batch(f, inner, np.broadcast_to(target, inner.shape))
        for (g, scale), fit in zip(labels, fits):
            if fit is not None:
                found.append((max(1 - fit.r2, 0.0), f.complexity + g.complexity, f, g, scale, fit))
    if not found:
        return []
    # the inner scale p was only guessed (1 or 1/max|x|): refit every constant of the most
    # promising compositions on the sampled points before ranking them
    found.sort(key=lambda item: (item[0], item[1]))
    best_scale = {}
    for item in found:  # each pair (f, g) once, at its best scale
        best_scale.setdefault((item[2].name, item[3].name), item)
    pairs = list(best_scale.values())
    # the most accurate, and the simplest of the nearly accurate: with a guessed scale the
    # right composition can trail many complex near-fits (1/(exp(z/2π) - 1) at p = 1/5)
    simple = sorted((item for item in pairs if item[0] < 1e-4), key=lambda item: (item[1], item[0]))
    promising = pairs[: refine // 2] + [item for item in simple if item not in pairs[: refine // 2]][: refine // 2]
    factor = symbol**power
    ranked = []
    for _, complexity, f, g, scale, fit in promising:
        if deadline is not None and time.monotonic() > deadline:
            raise BudgetExhausted("time budget spent fitting compositions")
        argument = symbol if g.name in _SCALE_FREE else sympy.Float(scale) * symbol
        formula = sympy.Float(fit.c) * f.sympy(sympy.Float(fit.a) * g.sympy(argument) + sympy.Float(fit.b)) \
            + sympy.Float(fit.d)
        scored = compose.refit(factor * formula, [symbol], xs[:, None], ys, deadline)
        ranked.append((scored.nmse, complexity + (2 if power else 0), scored.expr))
    return ranked
