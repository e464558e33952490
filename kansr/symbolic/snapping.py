"""Snapping fitted constants to exact numbers (0, integers, simple rationals, rational
multiples of π; rationals only for the exponent of an input, ``exponents``), and
``polish``: refit, snap, simplify, refit again.

A constant is snapped only when the exact number lies within 2.5 standard errors of the
fitted one (a true constant does 99 % of the time; never closer than 1e-6 relative, the
refit's own precision; anywhere where the fit is ill-conditioned, see ``_window``) and
the formula's description length on the data (``kansr.symbolic.description``) gets
shorter with it, the other constants refit. So an exact number replaces a fitted one only
when it is simpler to state than the fitted number to its precision, and consistent with it.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy

from kansr.budget import Budget, charge, cost, expired
from kansr.symbolic.constants import Template, describe, refit
from kansr.symbolic.description import FLOOR, Scored, description_length, exact_numbers_cost, float_cost, structure
from kansr.symbolic.expression import complexity, predict, predict_all
from kansr.symbolic.scales import merged_numbers, outer_scales_in, unit_arguments
from kansr.symbolic.simplify import (
    one_signed_symbols,
    powers_of_exponentials,
    resolve_abs,
    simplify,
    trig_of_inverse_trig,
)

_SNAP_WINDOW = 2.5  # standard errors
_REFIT_PRECISION = 1e-6  # relative: no standard error is taken as smaller than this when snapping
_BEST_FIRST = 6  # constants up to which noisy formulas are snapped best-first
# constants up to which a reading far from the rows has its free scales taken in: past them
# it is no statement a reader takes in, and the refits that rewrite costs grow with them
_TAKEN_IN_UP_TO = 6
# a term below this share of the target's RMS on every row is rounding: its square is FLOOR
_ROUNDING = math.sqrt(FLOOR)
# a formula is tried at a limit of its constants (``without_limits``) where what the limit
# drops stays below this share on every row; the description decides whether it stays
_LIMIT = 0.1


def _undefined(expr: sympy.Expr) -> bool:
    """Whether exact numbers made ``expr`` no formula (a division by 0: zoo, nan, ±oo)."""
    return expr.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


def snap_candidates(value: float, plain_first: bool = False, rational: bool = False) -> list[sympy.Expr]:
    """Exact constants near ``value``: 0, the nearest integer, simple rationals, rational
    multiples of π, 1/π and π², in that order, or with ``plain_first`` by ``_plainness``;
    with ``rational``, the rationals only."""
    found: list[sympy.Expr] = [sympy.Integer(0), sympy.Integer(round(value))]
    fraction = Fraction(value).limit_denominator(12)
    found.append(sympy.Rational(fraction.numerator, fraction.denominator))
    found += _decimals(value)
    pi_fraction = Fraction(value / np.pi).limit_denominator(6)
    if pi_fraction != 0 and not rational:
        found.append(sympy.Rational(pi_fraction.numerator, pi_fraction.denominator) * sympy.pi)
    inverse_pi = Fraction(value * np.pi).limit_denominator(8)
    if inverse_pi != 0 and not rational:
        found.append(sympy.Rational(inverse_pi.numerator, inverse_pi.denominator) / sympy.pi)
    # π² enters where a wave number squared meets another (ω²/c² - π²/d²)
    pi_squared = Fraction(value / np.pi**2).limit_denominator(6)
    if pi_squared != 0 and not rational:
        found.append(sympy.Rational(pi_squared.numerator, pi_squared.denominator) * sympy.pi**2)
    unique = []
    for candidate in found:
        if candidate not in unique and abs(float(candidate) - value) <= 0.1 * max(1.0, abs(value)):
            unique.append(candidate)
    if sympy.Integer(0) not in unique:
        unique.insert(0, sympy.Integer(0))
    # for noisy data, plainest first, as snap keeps the first that fits: π/2 and 11/7 both
    # fit 1.5709 within the noise, and the rational, tried first, turns a phase shift of a
    # trigonometric function into a number no law has. Exact data tell them apart, and there
    # the plain order snapped a surrogate's piece to a different near-exact form
    return sorted(unique, key=_plainness) if plain_first else unique


def _decimals(value: float) -> list[sympy.Rational]:
    """``value`` to one and two significant digits: the numbers of a model as people set
    them (a drag of 0.05, a rate of 0.075, 2.5), whose denominators (20, 40, 250) lie past
    the simple rationals'. Each costs what any rational costs (``exact_cost``)."""
    if value == 0 or not math.isfinite(value):
        return []
    exponent = math.floor(math.log10(abs(value)))
    lasts = [exponent - digits + 1 for digits in (1, 2)]  # the power of ten of the last digit
    return [sympy.Rational(round(value / 10.0**last)) * sympy.Rational(10) ** last for last in lasts]


def _plainness(constant: sympy.Expr) -> int:
    """|p| + q of the rational part, plus 2 for a factor π, 3 for 1/π, 4 for π²."""
    rational, rest = constant.as_coeff_Mul()
    penalty = {sympy.Integer(1): 0, sympy.pi: 2, 1 / sympy.pi: 3, sympy.pi**2: 4}.get(rest, 5)
    rational = sympy.Rational(rational)
    return abs(int(rational.p)) + (int(rational.q) if rational.q != 1 else 0) + penalty


def exponents(template: Template) -> set[int]:
    """Positions of the template's constants that sit in the exponent of a power of an
    input (x^b, (x + a)^b). They snap to rationals only: an exponent of a law comes from
    counting (dimensions, geometry: x^(3/2), L^3), and π enters laws as a factor or a phase,
    never as a power of a measured quantity; offered π, a fitted 3.21 became x^π."""
    inputs = set(template.symbols)
    found: set[int] = set()
    for power in template.expr.atoms(sympy.Pow):
        if power.base.free_symbols & inputs:
            found |= {i for i, p in enumerate(template.params) if p in power.exp.free_symbols}
    return found


def _trial_length(template: Template, values: np.ndarray, exact: dict[int, sympy.Expr], error: float,
                  budget: Budget | None) -> float:
    """Description length of the template with ``exact`` constants snapped and the rest at
    ``values`` (a snapping decision; the final formula is described again by ``describe``)."""
    free = [i for i in range(len(values)) if i not in exact]
    _, precisions = template.standard_errors(values, free, budget)
    expr = template.build(values, exact)
    floats = sum(float_cost(float(values[i]), float(p), len(template.y)) for i, p in zip(free, precisions))
    return description_length(error, len(template.y), structure(expr), floats + exact_numbers_cost(expr))


def _snap_order(template: Template, values: np.ndarray, errors: np.ndarray, rational: set[int]) -> np.ndarray:
    """Constants ordered by how many standard errors separate each from its nearest exact
    value, closest first (ties keep the order by magnitude).

    Snapping the most certain constant first matters on noisy data: snapping an overall
    factor before an exponent of -0.499 lets the exponent absorb the error, and -1/2 is
    then refused. ``rational``: positions that snap to rationals only (``exponents``).
    """
    distance = [min(abs(float(c) - v) for c in snap_candidates(float(v), rational=i in rational))
                for i, v in enumerate(values)]
    z = np.array([d / e if e > 0 else (0.0 if d == 0 else np.inf) for d, e in zip(distance, errors)])
    return np.argsort(np.nan_to_num(z, nan=np.inf), kind="stable")


def _window(value: float, stderr: float) -> float:
    """How far an exact number may lie from a fitted ``value`` to replace it: 2.5 standard
    errors; any distance where the marginal error is unknown (an ill-conditioned fit:
    constants that only matter together, each of which the data leave free, so that fixing
    one at a simple value costs nothing; the description length decides)."""
    if not math.isfinite(stderr):
        return math.inf
    return _SNAP_WINDOW * max(stderr, _REFIT_PRECISION * abs(value), 1e-12)


def _snap_best_first(template: Template, values: np.ndarray, length: float, rational: set[int],
                     budget: Budget | None) -> tuple[np.ndarray, dict[int, sympy.Expr]]:
    """Snap, in each round, the one constant whose snapping shortens the description most
    (the others refit, their windows taken afresh), until none does. One at a time in a
    fixed order, a first snap can be wrong in a way the next constant then absorbs (an
    overall factor snapped to 1/12 where 1/(4π) is right, and an exponent of 1 left at 0.97);
    the best one first is right more often, and costs rounds × constants refits.
    ``rational``: positions that snap to rationals only (``exponents``)."""
    exact: dict[int, sympy.Expr] = {}
    while True:
        free = [i for i in range(len(values)) if i not in exact]
        errors, precisions = template.standard_errors(values, free, budget)
        best = None
        for position, index in enumerate(free):
            window = _window(float(values[index]), float(errors[position]))
            for candidate in snap_candidates(float(values[index]), True, index in rational):
                if abs(float(candidate) - values[index]) > window:
                    continue
                if expired(budget):
                    return values, exact
                trial_exact = {**exact, index: candidate}
                trial_values, error = template.fit(values, {i: float(v) for i, v in trial_exact.items()}, budget)
                if not math.isfinite(error):
                    continue
                trial_length = _trial_length(template, trial_values, trial_exact, error, budget)
                if trial_length < (best[0] if best else length):
                    best = (trial_length, trial_values, trial_exact)
        if best is None:
            return values, exact
        length, values, exact = best


def snap(scored: Scored, symbols, X, y, budget: Budget | None = None, max_constants: int = 40,
         by_certainty: bool = False) -> Scored:
    """Replace floats by exact constants where the description gets shorter (module doc).

    An exact number snapped inside a function can come out of it beside a float: c·sqrt(a·z)
    with a = 11 is c·sqrt(11)·sqrt(z), and c·sqrt(11) is 1. That product is one constant
    (``merged_numbers``); it is refit and snapped once more, and kept where the description
    is shorter (0.1013·π²·B for B, 0.00806·π² for 1/(4π)).

    On a spent ``budget`` no snap could be tried, and ``scored`` is returned at once: the
    template's compilation and standard errors came first and took a tenth of a second per
    formula past the end of a search.
    """
    if expired(budget):
        return scored
    snapped = _snapped(scored, symbols, X, y, budget, max_constants, by_certainty)
    merged = merged_numbers(snapped.expr)
    if merged == snapped.expr or expired(budget):
        return snapped
    again = _snapped(refit(merged, symbols, X, y, budget, relative=scored.relative), symbols, X, y, budget,
                     max_constants, by_certainty)
    return again if again.description_length < snapped.description_length else snapped


def _snapped(scored: Scored, symbols, X, y, budget: Budget | None, max_constants: int,
             by_certainty: bool) -> Scored:
    """The snapping itself, before the numbers it leaves side by side are merged (``snap``).

    Each constant is tried once, against the candidates of ``snap_candidates`` within its
    window, plainest first; a replacement is kept when the description length after
    refitting the remaining constants is shorter. Constants are taken by magnitude,
    smallest first, or with ``by_certainty`` (for residuals that are noise) the most
    certain first. Stops (keeping what it has) when ``budget`` is spent; formulas with
    more than ``max_constants`` floats are left as they are (they are far from a closed
    form anyway).

    With ``by_certainty`` and at most ``_BEST_FIRST`` constants, snapping goes best-first
    instead (``_snap_best_first``). A (nearly) exact fit leaves too little error to order
    constants by certainty: constants that only matter together (c/sqrt(a - a·u²)) look
    arbitrarily certain or uncertain, so the order by magnitude is kept there.
    """
    if not 0 < len(scored.expr.atoms(sympy.Float)) <= max_constants:
        return scored
    relative = scored.relative
    template = Template(scored.expr, symbols, X, y, relative, derivatives=True)
    charge(budget, template.compilation_cost)
    values = template.start.copy()
    current = template.nmse(values)
    if not math.isfinite(current):
        return scored
    errors, precisions = template.standard_errors(values, list(range(len(values))), budget)
    length = _trial_length(template, values, {}, current, budget)
    exact: dict[int, sympy.Expr] = {}
    rational = exponents(template)
    noisy = by_certainty and current >= 1e-8
    if noisy and len(values) <= _BEST_FIRST:
        values, exact = _snap_best_first(template, values, length, rational, budget)
        result = template.build(values, exact)
        return scored if _undefined(result) else \
            describe(result, symbols, X, y, budget, relative=relative)
    known = np.where(np.isfinite(errors), errors, precisions)
    order = _snap_order(template, values, known, rational) if noisy else range(len(values))
    for index in order:
        index = int(index)
        window = _window(float(values[index]), float(errors[index]))
        candidates = [c for c in snap_candidates(float(values[index]), True, index in rational)
                      if abs(float(c) - values[index]) <= window]
        for candidate in candidates:
            if expired(budget):
                return describe(template.build(values, exact), symbols, X, y, budget, relative=relative)
            trial_exact = {**exact, index: candidate}
            trial_values, error = template.fit(values, {i: float(v) for i, v in trial_exact.items()}, budget)
            if not math.isfinite(error):
                continue
            trial_length = _trial_length(template, trial_values, trial_exact, error, budget)
            if trial_length < length:
                values, current, exact, length = trial_values, error, trial_exact, trial_length
                break
    result = template.build(values, exact)
    if _undefined(result):
        return scored
    return describe(result, symbols, X, y, budget, relative=relative)


def without_rounding_terms(scored: Scored, symbols, X, y, budget: Budget | None = None) -> Scored:
    """``scored`` without the terms of its sum that stay below ``_ROUNDING`` × RMS(y) on
    every row (an expansion's cross terms left with coefficients of 1e-14): removing them
    moves the normalised error by less than ``FLOOR``, and each costs nodes and a constant.
    Only terms with a fitted coefficient: an exact term is never rounding."""
    if not isinstance(scored.expr, sympy.Add):
        return scored
    scale = _ROUNDING * float(np.sqrt(np.mean(np.square(y))))
    kept = [term for term in scored.expr.args
            if not (term.atoms(sympy.Float) and np.all(np.abs(predict(term, symbols, X)) <= scale))]
    if len(kept) == len(scored.expr.args) or not kept:
        return scored
    trimmed = describe(sympy.Add(*kept), symbols, X, y, budget, relative=scored.relative)
    return trimmed if trimmed.description_length <= scored.description_length else scored


def _limit_forms(expr: sympy.Expr, symbols, X) -> list[sympy.Expr]:
    """``expr`` at each limit of its fitted constants that the rows (X) can hardly tell from
    it: a sum whose other terms stay below ``_LIMIT`` × |its fitted constant term| on every
    row, as that constant; a sum whose other terms, with a fitted constant, stay above
    |its constant term| / ``_LIMIT``, as those terms (1/(1 + b·exp(k·x)) with b·exp(k·x)
    large everywhere is exp(-k·x)/b), unless that term is a fitted constant at rounding
    level (``_ROUNDING`` of the rest), which snapping sets to 0; an exponential of an
    argument with a fitted constant that stays below ``_LIMIT`` in size, as 1 plus the
    argument (expanded, so that the products and sums of constants it leaves merge)."""
    # sums as (node, its constant term, the other terms, whether those have a fitted constant)
    sums, exponentials = [], []
    for node in dict.fromkeys(sympy.preorder_traversal(expr)):  # each once, in a fixed order
        if isinstance(node, sympy.Add):
            constant, rest = node.as_coeff_Add()
            rest_fitted = rest.has(sympy.Float)
            if constant != 0 and rest.free_symbols and (isinstance(constant, sympy.Float) or rest_fitted):
                sums.append((node, constant, rest, rest_fitted))
        elif isinstance(node, sympy.exp) and node.args[0].free_symbols and node.args[0].has(sympy.Float):
            exponentials.append(node)
    if not (sums or exponentials):
        return []
    pieces = [rest for _, _, rest, _ in sums] + [node.args[0] for node in exponentials]
    values = predict_all(pieces, symbols, X)
    forms = []
    for (node, constant, rest, rest_fitted), value in zip(sums, values):
        if not np.all(np.isfinite(value)):
            continue
        size, fitted, magnitude = abs(float(constant)), isinstance(constant, sympy.Float), np.abs(value)
        if fitted and magnitude.max() <= _LIMIT * size:
            forms.append(expr.xreplace({node: constant}))
        # a fitted constant at rounding level beside the rest (a·x + 3.7e-16) is left to
        # snapping, which sets it to 0 with the form's other constants where they are: the
        # limit's refit moves them along the directions the data leave free (constants that
        # only matter together), and snapping from there can write 1 as a large rational
        # multiple of π. An exact one (the logistic's 1) is never snapped: only the limit drops it
        elif (rest_fitted and size <= _LIMIT * magnitude.min()
              and not (fitted and size <= _ROUNDING * magnitude.max())):
            forms.append(expr.xreplace({node: rest}))
    for node, argument in zip(exponentials, values[len(sums):]):
        if np.all(np.isfinite(argument)) and np.max(np.abs(argument)) <= _LIMIT:
            forms.append(sympy.expand_mul(expr.xreplace({node: 1 + node.args[0]})))
    return forms


def zeroed(scored: Scored, symbols, X, y, budget: Budget | None = None) -> Scored | None:
    """``scored`` with the constants that lie within their snapping window of 0 (``_window``)
    set to 0 and the others refit; None where none does, or where that divides by zero (every
    constant of a denominator within its window: 1/(a + b·x) on rows it does not describe).
    Snapping sets them to 0 too, but with every other constant it can snap, which a
    cross-validated description may not prefer (it charges an exact number's digits and not
    a fitted constant's): an offset of 0.0015 ± 0.0030 beside a damped oscillation should go
    whether or not the rate and the frequency are written exactly. A constant whose error is
    unknown is not within it: its window is unbounded only so that snapping lets the
    description decide, one at a time."""
    floats = {float(c.value) for c in scored.constants
              if math.isfinite(c.stderr) and abs(c.value) <= _window(c.value, c.stderr)}
    zero = {f: sympy.Integer(0) for f in scored.expr.atoms(sympy.Float) if float(f) in floats}
    zeroed_expr = scored.expr.xreplace(zero)
    if not zero or _undefined(zeroed_expr):
        return None
    return refit(zeroed_expr, symbols, X, y, budget, relative=scored.relative)


def with_fitted_factor(expr: sympy.Expr) -> sympy.Expr | None:
    """``expr`` with its exact overall factor as a number to be fitted again; None where it
    has none (a factor of ±1) or it is fitted already.

    The numbers inside a law (exponents, a rate's form) are counted (``exponents``); its
    overall factor carries whatever constant of nature and choice of units the data were
    measured in, g or R or 1/(4π·ε0), which is exact only by chance. Snapping keeps an
    exact number within its window that shortens the in-sample description, so 2 % noise
    on a law c·sqrt(h), c = 4.43, leaves 9/2·sqrt(h), whose digits cost more than the fitted
    factor where a cross-validated description decides (``kansr.search.candidate``). An
    offset is not freed: it carries no such constant, and a flexible shape's snapped
    offset, freed, let it beat a power law on a real table (docs/benchmarks.md)."""
    if not expr.free_symbols:
        return None
    factor, rest = expr.as_independent(*sorted(expr.free_symbols, key=str), as_Add=False)
    if factor.is_number and not factor.has(sympy.Float) and factor not in (1, -1):
        return sympy.Float(float(factor)) * rest
    return None


def without_limits(scored: Scored, symbols, X, y, budget: Budget | None = None) -> Scored:
    """``scored`` at the limit of its constants (``_limit_forms``) whose refit has the
    shortest description, where that is no longer than its own; else ``scored``.

    A fitted constant that ran off to a limit states the limit's curve with a constant too
    many, whose value says nothing: a·x/(x + b) with b far beyond every x is the line
    (a/b)·x, a + b·exp(k·x) with k·x small everywhere the line a + b + b·k·x (31739 −
    31737·exp(−0.000213·x) for 2.2 + 6.8·x). Where the data show what the limit drops, the
    refit's error tells, and the formula stays."""
    best = scored
    for form in _limit_forms(scored.expr, symbols, X):
        limit = refit(form, symbols, X, y, budget, relative=scored.relative)
        if limit.description_length <= best.description_length:
            best = limit
    return best


def common_factors_out(scored: Scored, symbols, X, y, budget: Budget | None = None) -> Scored:
    """``scored`` with the common factors of its sums taken out where the tree gets smaller
    (``sympy.factor_terms``, an identity found without a search): 3·a/(3·c + 3) is a/(c + 1).
    Simplification does this and more; this much costs next to nothing where the budget
    has no time left for simplification (a formula snapped factor by factor keeps them)."""
    factored = sympy.factor_terms(scored.expr)
    if complexity(factored) >= complexity(scored.expr):
        return scored
    return _rewritten(scored, factored, symbols, X, y, budget)


def _rewritten(scored: Scored, expr: sympy.Expr, symbols, X, y, budget: Budget | None) -> Scored:
    """``scored`` as ``expr``, the same curve written otherwise, refit, where that is no
    longer to state; ``scored`` itself where ``expr`` is its formula."""
    if expr == scored.expr:
        return scored
    refitted = refit(expr, symbols, X, y, budget, relative=scored.relative)
    return refitted if refitted.description_length <= scored.description_length else scored


def exponentials_unpowered(scored: Scored, symbols, X, y, budget: Budget | None = None) -> Scored:
    """``scored`` with each power of an exponential written as one exponential
    (``simplify.powers_of_exponentials``), an identity for a real formula that shortens its
    tree. Simplification does it too, but snapping after it can bring one back: the root of
    a fitted square, √(2500.3·exp(u)) snapped, is 50·√exp(u), sympy's own form."""
    return _rewritten(scored, powers_of_exponentials(scored.expr), symbols, X, y, budget)


def with_unit_arguments(scored: Scored, symbols, X, y, budget: Budget | None = None) -> Scored:
    """``scored`` with each ratio in a function's argument at one scale, refit
    (``scales.unit_arguments``), where that is no longer to state. c·exp(a/(b·T + d))
    (Antoine's vapour pressure) has one scale too many: its covariance is singular, and
    snapping fixes its constants one by one at numbers that mean nothing (−57/(0.01424·T −
    5/9)). Applied to a fitted formula, not before its fit as ``refit`` applies
    ``unit_denominator``: from the same start, a/(b·T + 1) cannot pass the constant term
    through 0 on its way to a fit where it has the other sign, as a/(b·T + d) can (that
    fit ran off to the limit exp(a/T), 25 nats longer)."""
    return _rewritten(scored, unit_arguments(scored.expr), symbols, X, y, budget)


def polish(expr: sympy.Expr, symbols, X, y, simplify_seconds: float = 5.0,
           budget: Budget | None = None, snap_below: float = 1e-3, noise_like=None, relative: bool = False) -> Scored:
    """Refit (at a limit of its constants where that is shorter, ``without_limits``), snap,
    simplify, and refit again, dropping terms that are rounding (``without_rounding_terms``);
    the version with the shortest description wins.

    Snapping and simplification run only when the refit formula's normalised MSE is below
    ``snap_below`` (R² > 0.999 by default), or where ``noise_like(expr)`` says that what the
    formula leaves unexplained looks like noise (noisy data, however noisy): elsewhere the
    formula is far from the data, and exact constants cannot make it right.
    """
    scored = without_limits(refit(expr, symbols, X, y, budget, relative=relative), symbols, X, y, budget)
    scored = with_unit_arguments(scored, symbols, X, y, budget)
    noisy = noise_like is not None and noise_like(scored.expr)
    if scored.nmse > snap_below and not noisy:
        # far from the data: exact constants cannot make it right, only cost time; but a
        # scale too many costs the reader a constant, and each of them its error (refit at
        # one scale, a fit can reach a limit its start was not at: a vertex beyond the rows).
        # Where every constant has an error, the covariance is regular and no scale is free
        if all(math.isfinite(c.stderr) for c in scored.constants) or len(scored.constants) > _TAKEN_IN_UP_TO:
            return scored
        rescaled = _rewritten(scored, outer_scales_in(scored.expr), symbols, X, y, budget)
        if rescaled is scored:
            return scored
        signed = _rewritten(rescaled, resolve_abs(rescaled.expr, symbols, X), symbols, X, y, budget)
        return without_limits(signed, symbols, X, y, budget)
    # only noise gives the standard errors that order by certainty needs: on a surrogate's
    # smooth errors that order snaps one piece to a near-exact wrong form
    snapped = snap(scored, symbols, X, y, budget=budget, by_certainty=noisy)
    if snapped.description_length <= scored.description_length:
        # an exact number can send another constant, refit, to a limit: Hill's exponent
        # snapped to 1 leaves b/(1 + c/x), whose c may run far beyond every x (the line (b/c)·x)
        scored = snapped if snapped.expr == scored.expr else without_limits(snapped, symbols, X, y, budget)
    signed = resolve_abs(scored.expr, symbols, X)
    if signed != scored.expr:
        signed = snap(refit(signed, symbols, X, y, budget, relative=relative), symbols, X, y, budget=budget,
                      by_certainty=noisy)
        if signed.description_length <= scored.description_length:
            scored = signed
    scored = without_rounding_terms(scored, symbols, X, y, budget)
    if expired(budget) or simplify_seconds <= 0:
        return exponentials_unpowered(common_factors_out(scored, symbols, X, y, budget), symbols, X, y, budget)
    if budget is not None and budget.mode == "time":
        simplify_seconds = min(simplify_seconds, budget.remaining())
    charge(budget, cost.simplification(complexity(scored.expr)))
    simplified = simplify(scored.expr, simplify_seconds, one_signed_symbols(symbols, X))
    if simplified != scored.expr:
        candidate = snap(refit(simplified, symbols, X, y, budget, relative=relative), symbols, X, y, budget=budget,
                         by_certainty=noisy)
        # an algebraic form of a trigonometric function of an inverse one is the plainer
        # statement of the same law, even where its tree is a few nodes longer
        algebraic = trig_of_inverse_trig(scored.expr) and not trig_of_inverse_trig(candidate.expr) \
            and candidate.nmse <= scored.nmse * 1.02 + 1e-12
        if algebraic or candidate.description_length <= scored.description_length:
            scored = without_rounding_terms(candidate, symbols, X, y, budget)
    return exponentials_unpowered(scored, symbols, X, y, budget)
