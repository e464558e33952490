"""Two-function compositions for one-input problems: y ≈ x^k * (c * f(a * g(p * x) + b) + d)
or x^k * (c * f(a * g(p / x) + b) + d), k in {0, -1, 1}.

A [1, 1, 1] KAN can represent such a formula, but training does not pin its inner edge
down: on a short range u² is nearly linear, and the network learns some other monotone
inner curve with a matching outer one (1/sqrt(1 - u²) was never found that way). With one
input the search can instead be exhaustive: every inner function g of the library,
applied to the raw input (and, for functions that are not scale-free, to the input scaled
by 1 and by 1/4 to 4 times 1/max|x|, and to 1/4 to 4 times min|x|/x), becomes a curve, and
all of those curves are fitted against every outer function f at once with the batched
affine fitter (on 128 of the 256 points); the most promising are refit in all their
constants (p included) and the best few returned as formulas. The same search runs on y/x
and y·x for the factor x^k. Inverse trigonometric functions of the same trigonometric
function (sawtooths) are left out.

On noisy data every flexible composition fits about as well as the law, so ranking by fit
alone does not find it. The compositions with an exact inner map, f(s·g(x) + t) with s and
t from a few small numbers (±1, ±2, ±1/2; 0, ±1) and the outer c and d free, fixed to 1
and 0, or c alone free, are therefore screened as well (in closed form) and the shortest
descriptions (``kansr.symbolic.description``, each free constant at BIC's price) are
refit and offered beside the best fits. They are screened first, and where, on measured
data, one of them with no fitted constant but an overall factor leaves only noise
(``kansr.symbolic.residuals``: its residuals do not correlate between neighbouring
points), the affine fits and the factors x^k are skipped, as where one fits exactly: a
composition with a free inner scale or a factor can only fit the noise better, and the
selection would charge it for its extra constants. Those fits are most of the
compositions' time.
"""

from __future__ import annotations

import numpy as np
import sympy

from kansr.budget import Budget, expired
from kansr.symbolic.constants import refit
from kansr.symbolic.description import description_length, exact_numbers_cost, float_cost, structure
from kansr.symbolic.edge_fit import fit_batch, linear_part, spread
from kansr.symbolic.expression import predict
from kansr.symbolic.library import SymbolicFunction
from kansr.symbolic.limits import BudgetExhausted
from kansr.symbolic.residuals import NOISE_CORRELATION, looks_like_noise, neighbours

# functions for which g(p*x) is g(x) up to the affine map around it: scaling x changes nothing
_SCALE_FREE = {"x", "x^2", "x^3", "x^4", "1/x", "1/x^2", "sqrt", "1/sqrt", "abs", "log"}
_POINTS = 256
_SCREEN_POINTS = 128
_INVERSE_TRIG = {"arcsin", "arccos", "arctan"}
_TRIG = {"sin", "cos", "tan"}
# the exact inner maps f(s*g(x) + t) screened (module doc): those of the pieces laws are
# made of, 1/sqrt(1 - u²), exp(-u²/2), 1/(1 - u)
_EXACT_SCALES = (sympy.Integer(1), sympy.Integer(-1), sympy.Integer(2), sympy.Integer(-2), sympy.Rational(1, 2),
                 sympy.Rational(-1, 2))
_EXACT_SHIFTS = (sympy.Integer(0), sympy.Integer(1), sympy.Integer(-1))
_EXACT_KEEP = 4  # of those, the most promising by description length are refit (c and d only)
_EXACT_FIT = 1e-20  # unexplained variance below which a composition fits exactly: rounding only


def _sawtooth(f: SymbolicFunction, g: SymbolicFunction, fit) -> bool:
    """Whether f(a*g + b) is an inverse trigonometric function of ±g itself, a sawtooth: on a
    smooth target it can only stand for a line, which it hides from the judge and the reader
    (acos(-cos(m)) - π is m on (0, π)). asin(n*sin(θ)) with |n| < 0.9 stays."""
    return f.name in _INVERSE_TRIG and g.name in _TRIG and abs(fit.a) >= 0.9 and abs(fit.b) <= 0.1


def compositions(x: np.ndarray, y: np.ndarray, library: dict[str, SymbolicFunction], symbol: sympy.Symbol,
                 top: int = 4, refine: int = 24, budget: Budget | None = None,
                 powers: tuple[int, ...] = (0, -1, 1), slack: float = 1e-14,
                 exact: float = 0.0) -> list[sympy.Expr]:
    """The three formulas x^k * (c*f(a*g(p*x)+b)+d), k in ``powers`` (k ≠ 0 only where x
    has no zero), of the shortest descriptions (below), shortest first, then the ``top`` best
    fits and the simplest one whose unexplained variance is within 10× of the best +
    ``slack`` (the error of data that are only approximate, such as a surrogate's), as
    formulas in ``symbol``: the order they are scored in, which a short budget may end
    before the last (the likeliest law first); the ``refine`` best of the first,
    affine-only fits (half as many for k ≠ 0) are refit in all their constants first. The
    factors are skipped once a formula without one fits exactly (unexplained variance
    below rounding, or below ``exact``: on a surrogate's data its own error, which no
    formula can beat), and the affine fits once a composition with an exact inner map does, or
    leaves only noise (module doc). The descriptions (module doc) are those on the (at most
    256) points the formulas are fitted on: counted as the whole table's, the errors of fits
    to a quarter of its rows would buy each free constant about four times what it is worth.

    The factor x^k covers what a reduction leaves with the input outside the composition:
    exp(-1/(2u²))/u from a Gaussian in θ/σ, u/sqrt(1 - u²) from m·v/sqrt(1 - v²/c²).

    x, y : ndarray, shape (n_samples,)
    """
    if np.ptp(x) == 0:
        return []  # one value: no curve in x to fit
    exact = max(_EXACT_FIT, exact)
    points = spread(x, _POINTS)
    xs, ys = x[points], y[points]
    nonzero = bool(np.all(np.abs(xs) > 1e-12 * (np.max(np.abs(xs)) or 1.0)))  # x^k and p/x need it
    ranked, settled = [], False
    for k in powers:
        if settled or ranked and min(item[0] for item in ranked) < exact:
            break  # exact, or only noise left, already: a factor x^k can only add complexity
        if k == 0 or nonzero:
            # half as many refits with a factor: each search costs mostly its refits
            try:
                refits = refine if k == 0 else refine // 2
                settled = _ranked(xs, ys, k, library, symbol, refits, budget, ranked, nonzero, exact)
            except BudgetExhausted:
                if not ranked:
                    raise
                break  # out of time: the formulas refit so far are still answers
    if not ranked:
        return []
    unique = list({str(item[2]): item for item in ranked}.values())  # each formula once
    ranked = sorted(unique, key=lambda item: (item[0], item[1]))
    chosen = [item[2] for item in ranked[:top]]
    best = ranked[0][0]
    simplest = min((item for item in ranked if item[0] <= 10 * best + slack), key=lambda item: item[1])[2]
    # and the shortest descriptions: on noisy data the best fits are flexible shapes fitting
    # the noise, and the law, with fewer free constants, trails them by a hair
    shortest = sorted(ranked, key=lambda item: _length(item[0], item[2], len(xs), slack))[:3]
    return list(dict.fromkeys([item[2] for item in shortest] + chosen + [simplest]))


def _length(nmse: float, formula: sympy.Expr, rows: int, floor: float) -> float:
    """The description length of ``formula`` (``kansr.symbolic.description``), with each
    fitted constant at BIC's price (no standard errors are computed here)."""
    floats = len(formula.atoms(sympy.Float))
    cost = floats * float_cost(1.0, float("nan"), rows) + exact_numbers_cost(formula)
    return description_length(nmse, rows, structure(formula), cost, max(floor, 1e-14))


def _exact(xs: np.ndarray, ys: np.ndarray, power: int, library: dict[str, SymbolicFunction],
           symbol: sympy.Symbol, curves: list[tuple[SymbolicFunction, np.ndarray]], budget: Budget | None,
           ranked: list) -> None:
    """Append to ``ranked`` (as ``_ranked`` does) the ``_EXACT_KEEP`` compositions
    x^power * (c*f(s*g(x) + t) + d), x^power * c*f(s*g(x) + t) and x^power * f(s*g(x) + t)
    with s and t from the exact numbers above that are shortest to describe on the points xs,
    refit in c and d. ``curves``: (g, g(xs)) for each inner function.

    xs, ys : ndarray, shape (n_samples,)"""
    target = ys / xs**power
    shifts = np.array([float(t) for t in _EXACT_SHIFTS])
    scales = np.array([float(s) for s in _EXACT_SCALES])
    variance = float(np.var(target)) or 1.0
    # (scales, shifts): what stating s and t costs
    numbers = np.array([[exact_numbers_cost(s) + exact_numbers_cost(t) for t in _EXACT_SHIFTS]
                        for s in _EXACT_SCALES])
    rows = len(xs)
    constant = float_cost(1.0, float("nan"), rows)
    found = {}  # (f, free constants, unexplained rounded) -> (length, f, g, s, t, free, c, d): each curve once
    for f in library.values():
        if expired(budget):
            raise BudgetExhausted(f"{budget.label} spent fitting compositions")
        for g, values in curves:
            if f.name in _INVERSE_TRIG and g.name in _TRIG:
                continue
            # (scales, shifts, n): s*g + t; rows where f is undefined or huge anywhere are left out
            inner = scales[:, None, None] * values[None, None, :] + shifts[None, :, None]
            with np.errstate(all="ignore"):
                outer = np.asarray(f.numpy(inner), dtype=float)
            invalid = ~np.isfinite(outer) | (np.abs(outer) > 1e12)
            outer = np.where(invalid, 0.0, outer)
            bad = invalid.any(-1) | (outer.std(-1) < 1e-12)
            outer = np.where(bad[..., None], 1.0, outer)
            # c*f + d, c*f and f itself: the law may need no constant at all (1/sqrt(1 - u²)).
            # A target of tiny size (1e-145) has a variance near the smallest double, and an
            # error over it overflows to inf, which the loop below leaves out: no warning
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                c, d, affine = linear_part(outer, target)
                scale = (outer * target).sum(-1) / (outer * outer).sum(-1)
                scaled = ((scale[..., None] * outer - target) ** 2).mean(-1) / variance
                plain = ((outer - target) ** 2).mean(-1) / variance
            for free, unexplained in ((2, affine), (1, scaled), (0, plain)):
                for i, s in enumerate(_EXACT_SCALES):
                    for j, t in enumerate(_EXACT_SHIFTS):
                        if bad[i, j] or not np.isfinite(unexplained[i, j]):
                            continue
                        length = description_length(float(unexplained[i, j]), rows, f.complexity + g.complexity,
                                                    free * constant + numbers[i, j])
                        key = (f.name, free, round(float(unexplained[i, j]), 12))
                        if key not in found or length < found[key][0]:
                            found[key] = (length, f, g, s, t, free, (1.0, scale[i, j], c[i, j])[free], d[i, j])
    factor = symbol**power
    for _, f, g, s, t, free, c, d in sorted(found.values(), key=lambda item: item[0])[:_EXACT_KEEP]:
        if expired(budget):
            raise BudgetExhausted(f"{budget.label} spent fitting compositions")
        formula = f.sympy(s * g.sympy(symbol) + t)
        formula = formula if free == 0 else sympy.Float(c) * formula + (sympy.Float(d) if free == 2 else 0)
        scored = refit(factor * formula, [symbol], xs[:, None], ys, budget, with_errors=False)
        ranked.append((scored.nmse, f.complexity + g.complexity + (2 if power else 0), scored.expr))


def _ranked(xs: np.ndarray, ys: np.ndarray, power: int, library: dict[str, SymbolicFunction],
            symbol: sympy.Symbol, refine: int, budget: Budget | None, ranked: list, nonzero: bool,
            exact: float) -> bool:
    """Append to ``ranked`` (nmse on ys, complexity, formula) of the ``refine`` most promising
    compositions of ys / xs**power, each multiplied back by symbol**power and refit in all its
    constants (one by one, so that what is done survives the end of the budget), and the
    compositions with exact inner maps (``_exact``). True where one of those fits exactly or
    leaves only noise: the rest are then skipped (module doc)."""
    target = ys / xs**power
    reach = float(np.max(np.abs(xs))) or 1.0
    near = float(np.min(np.abs(xs))) if nonzero else 1.0
    inner, labels = [], []
    for g in library.values():
        # (kind, p): g(p*x) or g(p/x) — a merged input may come as the inverse of the natural
        # one: 1/(exp(1/(2πu)) - 1) for u = kT/(ħω) in Planck's law
        curves = [("scale", 1.0)]
        if g.name not in _SCALE_FREE:
            curves += [("scale", 2.0**k / reach) for k in (-2, -1, 0, 1, 2)]
            curves += [("inverse", 2.0**k * near) for k in (-2, -1, 0, 1, 2)] if nonzero else []
        for kind, p in curves:
            with np.errstate(all="ignore"):
                argument = p * xs if kind == "scale" else p / xs
                values = np.asarray(g.numpy(argument), dtype=float)
            if np.all(np.isfinite(values)) and np.max(np.abs(values)) < 1e12 and np.std(values) > 1e-12:
                inner.append(values)
                labels.append((g, kind, p))
    inner = np.array(inner)
    # the exact inner maps first: they are cheap, and on a budget too short for the affine
    # fits below they still give answers (c*x + d among them)
    curves = [(g, values) for (g, kind, p), values in zip(labels, inner) if kind == "scale" and p == 1.0]
    before = len(ranked)
    _exact(xs, ys, power, library, symbol, curves, budget, ranked)
    if min((item[0] for item in ranked), default=np.inf) < exact:
        return True  # an exact map fits exactly: a free inner scale or shift could only add constants
    # with an overall factor at most: with an offset too, many exact maps bend enough to fit
    # a smooth curve within 1 % noise (c/sqrt(x/2 + 1) + d and c·log(x + 1) + d for exp(-x/2.7)).
    # On measured data only (``exact`` at rounding): a surrogate's errors are its own, not noise.
    # On 256 points pure noise passes the threshold in 97 draws of 100: now and then a law's
    # noise is not believed, and the fits run as they did before. On fewer points pure
    # noise's correlation spreads as 1/√n, and the threshold with it, so that a law's noise
    # is disbelieved as rarely (2 draws in 100 on 50 rows; at the fixed threshold 18, where
    # the fits then ran to the end of the budget)
    if exact <= _EXACT_FIT:
        nearest = neighbours(xs[:, None])
        threshold = NOISE_CORRELATION * np.sqrt(max(_POINTS / len(xs), 1.0))
        if any(len(formula.atoms(sympy.Float)) <= 1 and
               looks_like_noise(predict(formula, [symbol], xs[:, None]) - ys, ys, nearest, threshold)
               for _, _, formula in ranked[before:]):
            return True
    # the affine fits only rank the compositions; half of the points do that (the refits
    # below use them all)
    screen = np.arange(0, len(xs), max(1, len(xs) // _SCREEN_POINTS))
    found = []  # (unexplained, complexity, f, g, (kind, p), fit)
    for f in library.values():
        if expired(budget):
            raise BudgetExhausted(f"{budget.label} spent fitting compositions")
        fits = fit_batch(f, inner[:, screen], np.broadcast_to(target[screen], (len(inner), len(screen))),
                         budget=budget)
        for (g, kind, p), fit in zip(labels, fits):
            if fit is not None and not _sawtooth(f, g, fit):
                complexity = f.complexity + g.complexity + (0 if kind == "scale" else 1)
                found.append((max(1 - fit.r2, 0.0), complexity, f, g, (kind, p), fit))
    if not found:
        return False
    # the inner scale p was only guessed (1 or 1/max|x|): refit every constant of the most
    # promising compositions on the sampled points before ranking them
    found.sort(key=lambda item: (item[0], item[1]))
    best_scale = {}
    for item in found:  # each pair (f, g) once per kind of argument, at its best p
        best_scale.setdefault((item[2].name, item[3].name, item[4][0]), item)
    pairs = list(best_scale.values())
    # the most accurate, and the simplest of the nearly accurate: with a guessed scale the
    # right composition can trail many complex near-fits (1/(exp(z/2π) - 1) at p = 1/5).
    # Nearly accurate: below 1e-4, or on noisy data within half the best's unexplained
    # variance of it: the noise fills that variance, so a law and the flexible near-fits
    # ranked above it by a hair of fit are the same there
    near = max(1e-4, 1.5 * pairs[0][0])
    simple = sorted((item for item in pairs if item[0] < near), key=lambda item: (item[1], item[0]))
    promising = pairs[: refine // 2] + [item for item in simple if item not in pairs[: refine // 2]][: refine // 2]
    factor = symbol**power
    for _, complexity, f, g, (kind, p), fit in promising:
        if expired(budget):
            raise BudgetExhausted(f"{budget.label} spent fitting compositions")
        argument = sympy.Float(p) / symbol if kind == "inverse" else \
            symbol if g.name in _SCALE_FREE else sympy.Float(p) * symbol
        formula = sympy.Float(fit.c) * f.sympy(sympy.Float(fit.a) * g.sympy(argument) + sympy.Float(fit.b)) \
            + sympy.Float(fit.d)
        scored = refit(factor * formula, [symbol], xs[:, None], ys, budget, with_errors=False)
        ranked.append((scored.nmse, complexity + (2 if power else 0), scored.expr))
    return False
