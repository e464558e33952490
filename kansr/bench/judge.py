"""Judging an answer the way SRBench does (cavalab/srbench ``assess_symbolic_model.py``).

Symbolic solution: checked only when test R² > 0.5. The answer is simplified with
``sympy.simplify(..., ratio=1)`` and its floats rounded to 6 decimal places; π in the truth
is written 3.1415926535. The answer is a solution when ``truth - answer`` (floats rounded,
simplified if not yet constant) is a constant, or ``answer / truth`` is a constant. One
addition to SRBench's rule: where the ratio does not simplify to a constant, its square
may, and the ratio has one sign on every test row (it is then constant too).
Accuracy solution: R² ≥ 0.999 on test rows. Each sympy step runs under a time cap; a
timeout counts as not solved and is recorded.

SRBench's rounding is to decimal places, so it depends on the target's scale: where the
truth's constants are 1e-11, every answer constant rounds to 0 and a nonsense answer
passes; where they are 1e9, nine significant digits are demanded. A second, scale-free
verdict sits beside it (``scale_free_solution``): the answer's floats rounded to
``SIGNIFICANT_DIGITS`` significant digits, and the answer a solution when, on the test
rows, its ratio to the truth is one nonzero number or its difference from the truth one
number, each to ``RELATIVE_TOLERANCE`` of the truth's scale.

Variables sampled from a positive range are declared positive for the check, so that
forms equal on the whole domain are recognised (``sqrt(a*b/c)`` and
``sqrt(a)*sqrt(b)/sqrt(c)``, which plain sympy symbols leave apart).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from kansr.symbolic import complexity, predict
from kansr.symbolic.limits import SympyTimeout, time_limit

PI_AS_WRITTEN = sympy.Float("3.1415926535")
SIGNIFICANT_DIGITS = 6
RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Judgement:
    """Verdict on one answer."""

    symbolic_solution: bool
    accuracy_solution: bool
    r2_test: float
    complexity: int
    judge_timeout: bool
    scale_free_solution: bool = False


def round_floats(expr: sympy.Expr, digits: int = 6) -> sympy.Expr:
    """Every float of ``expr`` rounded to ``digits`` decimal places."""
    return expr.xreplace({f: sympy.Float(round(float(f), digits)) for f in expr.atoms(sympy.Float)})


def round_significant(expr: sympy.Expr, digits: int = SIGNIFICANT_DIGITS) -> sympy.Expr:
    """Every float of ``expr`` rounded to ``digits`` significant digits."""
    return expr.xreplace({f: sympy.Float(float(f"{float(f):.{digits - 1}e}")) for f in expr.atoms(sympy.Float)})


def scale_free_solution(truth: sympy.Expr, answer: sympy.Expr, symbols: list[sympy.Symbol],
                        X_test: np.ndarray) -> bool:
    """The scale-free verdict (module doc): with the answer's floats rounded to significant
    digits, answer / truth or answer - truth is one number on every test row, to
    ``RELATIVE_TOLERANCE`` of the truth's scale; a ratio of 0 is never a solution."""
    with np.errstate(all="ignore"):
        t = np.broadcast_to(predict(truth, symbols, X_test), (len(X_test),))
        a = np.broadcast_to(predict(round_significant(answer), symbols, X_test), (len(X_test),))
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(a))) or len(t) == 0:
        return False
    scale = float(np.sqrt(np.mean(t**2)))
    if scale == 0:
        return bool(np.all(a == 0))
    difference = a - t
    if np.max(np.abs(difference - np.median(difference))) <= RELATIVE_TOLERANCE * scale:
        return True
    rows = np.abs(t) > RELATIVE_TOLERANCE * scale
    with np.errstate(all="ignore"):
        ratio = a[rows] / t[rows]
    middle = float(np.median(ratio)) if len(ratio) else 0.0
    if middle == 0 or not np.isfinite(middle):
        return False
    return bool(np.max(np.abs(ratio - middle)) <= RELATIVE_TOLERANCE * abs(middle))


def _is_constant(expr: sympy.Expr) -> bool:
    return bool(expr.is_constant(simplify=False)) if expr.free_symbols else True


def symbolic_solution(truth: sympy.Expr, answer: sympy.Expr, positive: list[sympy.Symbol] = (),
                      same_sign: bool = False) -> bool:
    """SRBench's rule (module doc); no time cap here, see ``judge``.

    ``positive``: symbols known to be positive on the sampled domain. ``same_sign``: whether
    answer / truth has one sign on every test row; only then is a ratio whose square is
    constant taken as constant.
    """
    if positive:
        as_positive = {s: sympy.Symbol(s.name, positive=True) for s in positive}
        truth, answer = truth.xreplace(as_positive), answer.xreplace(as_positive)
    truth = truth.xreplace({sympy.pi: PI_AS_WRITTEN})
    # SRBench judges answers that carry π as a number; an exact π is judged the same way
    answer = answer.xreplace({sympy.pi: sympy.Float(sympy.pi, 15)})
    cleaned = round_floats(sympy.simplify(answer, ratio=1))
    difference = round_floats(truth - cleaned)
    if not _is_constant(difference):
        difference = round_floats(sympy.simplify(difference, ratio=1))
    if difference == 0 or _is_constant(difference):
        return True
    if cleaned == 0:
        return False
    fraction = round_floats(cleaned / truth)
    if not _is_constant(fraction):
        fraction = round_floats(sympy.simplify(fraction, ratio=1))
    if not _is_constant(fraction) and same_sign:
        # sympy cannot use the domain's order between variables: the ratio of
        # sqrt((c + v)/(c - v)) to (1 + v/c)/sqrt(1 - v²/c²) stays
        # sqrt(c² - v²)*sqrt(1/(c - v))/sqrt(c + v) although c > v on every row. Its square is
        # 1, so the ratio is ±1, and of one sign on every test row: constant
        fraction = round_floats(sympy.simplify(fraction**2, ratio=1))
    return _is_constant(fraction) and fraction != 0


def r2_score(values: np.ndarray, y: np.ndarray) -> float:
    if not np.all(np.isfinite(values)):
        return -np.inf
    return float(1 - np.mean((values - y) ** 2) / np.var(y))


def judge(truth: sympy.Expr, answer: sympy.Expr, symbols: list[sympy.Symbol], X_test: np.ndarray,
          y_test: np.ndarray, seconds: float = 60.0, positive: list[sympy.Symbol] = ()) -> Judgement:
    """Score ``answer`` against ``truth`` on test rows (X_test columns follow ``symbols``);
    ``positive``: the symbols whose sampling range is positive."""
    values = predict(answer, symbols, X_test)
    r2 = r2_score(values, y_test)
    solved, timed_out = False, False
    if r2 > 0.5:
        with np.errstate(all="ignore"):
            signs = np.sign(values * predict(truth, symbols, X_test))
        same_sign = bool(np.all(signs == 1) or np.all(signs == -1))
        try:
            with time_limit(seconds):
                solved = symbolic_solution(truth, answer, positive, same_sign)
        except SympyTimeout:
            timed_out = True
    scale_free = r2 > 0.5 and scale_free_solution(truth, answer, symbols, X_test)
    return Judgement(bool(solved), bool(r2 >= 0.999), r2, complexity(answer), timed_out, bool(scale_free))
