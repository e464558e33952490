"""The constants of a formula: ``polish`` refits every numeric constant jointly on the data
(scipy ``least_squares``), snaps constants to 0, integers, simple rationals and rational
multiples of π where the fit stays as good, and simplifies under a time cap.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy
from scipy.optimize import least_squares

from kansr.budget import Budget, charge, cost, expired
from kansr.symbolic.expression import complexity, lambdify, nmse
from kansr.symbolic.simplify import simplify


@dataclass(frozen=True)
class Scored:
    """A formula with its normalised mean squared error (MSE / var(y)) on the rows it was scored on."""

    expr: sympy.Expr
    nmse: float


def _parametrize(expr: sympy.Expr):
    floats = sorted(expr.atoms(sympy.Float), key=lambda f: (abs(float(f)), str(f)))
    params = [sympy.Symbol(f"_p{i}") for i in range(len(floats))]
    return expr.xreplace(dict(zip(floats, params))), params, np.array([float(f) for f in floats])


class _OutOfTime(Exception):
    pass


class _Template:
    """``expr`` with every float replaced by a parameter, compiled once for many refits."""

    def __init__(self, expr: sympy.Expr, symbols, X: np.ndarray, y: np.ndarray) -> None:
        self.expr, self.params, self.start = _parametrize(expr)
        self.fn = lambdify(self.expr, symbols, self.params)
        self.columns, self.y = list(X.T), y
        self.scale = float(np.std(y)) or 1.0
        self.variance = float(np.var(y)) or 1.0
        nodes = complexity(self.expr)
        self.evaluation_cost = cost.residual_evaluation(len(y), nodes)
        self.compilation_cost = cost.compilation(nodes)

    def residual(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = np.asarray(self.fn(self.columns, list(values)), dtype=complex)
        out = np.broadcast_to(out, self.y.shape)
        bad = ~np.isfinite(out) | (np.abs(out.imag) > 1e-9 * (1 + np.abs(out.real)))
        return np.where(bad, np.nan, (out.real - self.y) / self.scale)

    def nmse(self, values: np.ndarray) -> float:
        residual = self.residual(values)
        return float(np.mean(residual**2) * self.scale**2 / self.variance) if np.all(np.isfinite(residual)) \
            else np.inf

    def fit(self, values: np.ndarray, fixed: dict[int, float], budget: Budget | None = None
            ) -> tuple[np.ndarray, float]:
        """Least squares over the parameters not in ``fixed`` (index -> value); returns (values, nmse).

        When ``budget`` is spent the fit stops with the best values it has evaluated; it is
        charged every evaluation.
        """
        values = values.copy()
        for index, value in fixed.items():
            values[index] = value
        free = [i for i in range(len(values)) if i not in fixed]
        if free:
            best = {"cost": np.inf, "values": values[free].copy()}

            def residual(free_values):
                if expired(budget):
                    raise _OutOfTime
                charge(budget, self.evaluation_cost)
                trial = values.copy()
                trial[free] = free_values
                out = np.nan_to_num(self.residual(trial), nan=1e3)
                total = float(out @ out)
                if total < best["cost"]:
                    best["cost"], best["values"] = total, free_values.copy()
                return out

            try:
                # overflow in a trial step is expected far from the optimum; scipy recovers from it
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    least_squares(residual, values[free], method="trf", x_scale="jac",
                                  max_nfev=20 * (len(free) + 1))
            except (_OutOfTime, ValueError, OverflowError, ZeroDivisionError, np.linalg.LinAlgError):
                pass
            values[free] = best["values"]
        return values, self.nmse(values)

    def build(self, values: np.ndarray, exact: dict[int, sympy.Expr]) -> sympy.Expr:
        return self.expr.xreplace({p: exact.get(i, sympy.Float(v)) for i, (p, v) in enumerate(zip(self.params, values))})


def refit(expr: sympy.Expr, symbols: list[sympy.Symbol], X: np.ndarray, y: np.ndarray,
          budget: Budget | None = None, max_constants: int = 40) -> Scored:
    """Jointly refit every float constant of ``expr`` by least squares on (X, y).

    Formulas with more than ``max_constants`` floats are only scored: they are far from a
    closed form, and a joint fit of that many constants costs more than it can gain.
    """
    if not 0 < len(expr.atoms(sympy.Float)) <= max_constants:
        return Scored(expr, nmse(expr, symbols, X, y))
    template = _Template(expr, symbols, X, y)
    charge(budget, template.compilation_cost)
    before = template.nmse(template.start)
    values, after = template.fit(template.start, {}, budget)
    if after <= before:
        return Scored(template.build(values, {}), after)
    return Scored(expr, before)


def snap_candidates(value: float, plain_first: bool = False) -> list[sympy.Expr]:
    """Exact constants near ``value``: 0, the nearest integer, simple rationals, rational
    multiples of π, 1/π and π², in that order, or with ``plain_first`` by ``_plainness``."""
    found: list[sympy.Expr] = [sympy.Integer(0), sympy.Integer(round(value))]
    fraction = Fraction(value).limit_denominator(12)
    found.append(sympy.Rational(fraction.numerator, fraction.denominator))
    pi_fraction = Fraction(value / np.pi).limit_denominator(6)
    if pi_fraction != 0:
        found.append(sympy.Rational(pi_fraction.numerator, pi_fraction.denominator) * sympy.pi)
    inverse_pi = Fraction(value * np.pi).limit_denominator(8)
    if inverse_pi != 0:
        found.append(sympy.Rational(inverse_pi.numerator, inverse_pi.denominator) / sympy.pi)
    pi_squared = Fraction(value / np.pi**2).limit_denominator(6)
    if pi_squared != 0:  # 49π² in sqrt(ω²/c² - π²/d²) once ω/c is one input (II.24.17)
        found.append(sympy.Rational(pi_squared.numerator, pi_squared.denominator) * sympy.pi**2)
    unique = []
    for candidate in found:
        if candidate not in unique and abs(float(candidate) - value) <= 0.1 * max(1.0, abs(value)):
            unique.append(candidate)
    if sympy.Integer(0) not in unique:
        unique.insert(0, sympy.Integer(0))
    # for noisy data, plainest first, as snap keeps the first that fits: π/2 and 11/7 both
    # fit 1.5709, and the rational, tried first, gave sin(θ - 11/7) for -cos(θ) (III.17.37).
    # Exact data tell them apart, and there the plain order lost I.34.1 (a surrogate's piece
    # snapped to another near-exact form)
    return sorted(unique, key=_plainness) if plain_first else unique


def _plainness(constant: sympy.Expr) -> int:
    """|p| + q of the rational part, plus 2 for a factor π, 3 for 1/π, 4 for π²."""
    rational, rest = constant.as_coeff_Mul()
    penalty = {sympy.Integer(1): 0, sympy.pi: 2, 1 / sympy.pi: 3, sympy.pi**2: 4}.get(rest, 5)
    rational = sympy.Rational(rational)
    return abs(int(rational.p)) + (int(rational.q) if rational.q != 1 else 0) + penalty


def _snap_order(template: _Template, values: np.ndarray) -> np.ndarray:
    """Constants ordered by how many standard errors separate each from its nearest exact
    value, closest first (ties, and data fitted exactly, keep the order by magnitude).

    Snapping the most certain constant first matters on noisy data: snapping 0.3979 to 5/(4π)
    before the exponent -0.499 let the exponent absorb the error, so -1/2 was refused (I.6.2a).
    """
    order = np.arange(len(values))  # _parametrize sorts by magnitude
    residual = template.residual(values)
    # a (nearly) exact fit leaves too little error to measure certainty by: constants that
    # only matter together (c/sqrt(a - a*u²)) look arbitrarily certain or uncertain, and
    # the order by magnitude is kept
    if not np.all(np.isfinite(residual)) or len(residual) <= len(values) or \
            float(np.mean(residual**2)) < 1e-8:
        return order
    jacobian = np.empty((len(residual), len(values)))
    for i in range(len(values)):
        step = 1e-6 * max(1.0, abs(values[i]))
        moved = values.copy()
        moved[i] += step
        jacobian[:, i] = (template.residual(moved) - residual) / step
    if not np.all(np.isfinite(jacobian)):
        return order
    variance = float(residual @ residual) / (len(residual) - len(values))
    with np.errstate(all="ignore"):
        errors = np.sqrt(np.abs(np.diag(np.linalg.pinv(jacobian.T @ jacobian))) * variance)
    distance = [min(abs(float(c) - v) for c in snap_candidates(float(v))) for v in values]
    z = np.array([d / e if e > 0 else (0.0 if d == 0 else np.inf) for d, e in zip(distance, errors)])
    return np.argsort(np.nan_to_num(z, nan=np.inf), kind="stable")


def snap(scored: Scored, symbols, X, y, tolerance: float = 0.02, floor: float = 1e-12,
         budget: Budget | None = None, max_constants: int = 40, by_certainty: bool = False) -> Scored:
    """Replace floats by exact constants while the refit error stays within tolerance.

    Each constant is tried once, against ``snap_candidates``; a replacement is kept when the
    normalised MSE after refitting the remaining constants is at most
    ``current * (1 + tolerance) + floor``. Constants are taken by magnitude, smallest first,
    or with ``by_certainty`` (for residuals that are noise) the most certain first, each
    then trying its plainest candidates first. Stops (keeping what it has) when ``budget``
    is spent; formulas with more than ``max_constants`` floats are left as they are (they
    are far from a closed form anyway).
    """
    if not 0 < len(scored.expr.atoms(sympy.Float)) <= max_constants:
        return scored
    template = _Template(scored.expr, symbols, X, y)
    charge(budget, template.compilation_cost)
    values, current = template.start.copy(), template.nmse(template.start)
    exact: dict[int, sympy.Expr] = {}
    for index in (_snap_order(template, values) if by_certainty else range(len(values))):
        for candidate in snap_candidates(float(values[index]), plain_first=by_certainty):
            if expired(budget):
                return Scored(template.build(values, exact), current)
            trial_exact = {**exact, int(index): candidate}
            trial_values, error = template.fit(values, {i: float(v) for i, v in trial_exact.items()}, budget)
            if error <= current * (1 + tolerance) + floor:
                values, current, exact = trial_values, error, trial_exact
                break
    result = template.build(values, exact)
    if result.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return scored
    return Scored(result, current)


def polish(expr: sympy.Expr, symbols, X, y, simplify_seconds: float = 5.0,
           budget: Budget | None = None, snap_below: float = 1e-3, noise_like=None) -> Scored:
    """Refit, snap, simplify, and refit again; the best-scoring version is returned.

    Snapping and simplification run only when the refit formula's normalised MSE is below
    ``snap_below`` (R² > 0.999 by default), or below 0.05 where ``noise_like(expr)`` says
    that what the formula leaves unexplained looks like noise (noisy data).
    """
    scored = refit(expr, symbols, X, y, budget)
    noisy = noise_like is not None and scored.nmse <= 0.05 and noise_like(scored.expr)
    if scored.nmse > snap_below and not noisy:
        return scored  # far from the data: exact constants cannot make it right, only cost time
    # only noise gives the standard errors that order by certainty needs: on a surrogate's
    # smooth errors that order ended I.34.1 with ω0·tan(11/7 - εv/c) instead of ω0/(1 - v/c)
    scored = snap(scored, symbols, X, y, budget=budget, by_certainty=noisy)
    if expired(budget):
        return scored
    if budget is not None and budget.mode == "time":
        simplify_seconds = min(simplify_seconds, budget.remaining())
    charge(budget, cost.simplification(complexity(scored.expr)))
    simplified = simplify(scored.expr, simplify_seconds)
    if simplified != scored.expr:
        candidate = snap(refit(simplified, symbols, X, y, budget), symbols, X, y, budget=budget,
                         by_certainty=noisy)
        if candidate.nmse <= scored.nmse * 1.02 + 1e-12:
            scored = candidate
    return scored


