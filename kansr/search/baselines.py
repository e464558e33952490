"""The simplest formulas, fitted before any KAN is trained: a constant, straight lines, power
laws, exponentials, saturation and logistic curves in each input, a linear
function and a monomial of all inputs: a table of common laws.

They give the front its first rows (a user sees what a constant or a line already
explains), an answer on any budget, and, for data that follow one of these textbook laws
(y = k·n, Arrhenius' and Kleiber's power laws, a decay a + b·exp(-k·t), Michaelis-Menten's
a·x/(b + x)), the answer itself, usually at once. Each formula comes with starting values
for its constants; the refit that follows (``kansr.search.candidate``) fits them.
"""

from __future__ import annotations

import numpy as np
import sympy

# one-input shapes are tried for each input of problems with at most this many inputs;
# wider problems get the constant and the shapes of all inputs at once
MAX_INPUTS_FOR_SHAPES = 3


def _f(value: float) -> sympy.Float:
    return sympy.Float(float(value))


def _shapes(x: sympy.Symbol, values: np.ndarray, y: np.ndarray) -> list[sympy.Expr]:
    """One-input textbook shapes in ``x`` that the data allow, with starting values."""
    low, high = float(values.min()), float(values.max())
    spread = (high - low) or 1.0
    mean, span = float(y.mean()), float(np.ptp(y)) or 1.0
    slope = float(np.polyfit(values, y, 1)[0]) if np.ptp(values) > 0 else 0.0
    shapes = [_f(mean - slope * values.mean()) + _f(slope or 1.0) * x]  # a + b·x
    for rate in (-3.0, 3.0):  # a + b·exp(k·x), decaying or growing over the range
        k = rate / spread
        with np.errstate(all="ignore"):
            b = span * np.sign(slope or 1.0) * np.sign(k) * np.exp(-k * (high if k > 0 else low))
        if np.isfinite(b) and b != 0:
            shapes.append(_f(mean) + _f(b) * sympy.exp(_f(k) * x))
    if low > 0:
        positive = y > 0
        if positive.all():  # a·x^b: least squares in logs for the start
            b, log_a = np.polyfit(np.log(values), np.log(y), 1)
            shapes.append(_f(np.exp(log_a)) * x ** _f(b))
            # a·x/(b + x), saturating; the half-saturation constant starts mid-range
            shapes.append(_f(2 * y.max()) * x / (_f(np.median(values)) + x))
    middle = float(np.median(values))
    # logistic: a + b/(1 + exp(-k·(x - m))), rising or falling with the data
    shapes.append(_f(y.min()) + _f(span) / (1 + sympy.exp(_f(-4 * np.sign(slope or 1.0) / spread) * (x - _f(middle)))))
    return shapes


def baseline_formulas(X: np.ndarray, y: np.ndarray, symbols: list[sympy.Symbol]) -> list[sympy.Expr]:
    """The baseline formulas for data (X, y), simplest first."""
    formulas: list[sympy.Expr] = [_f(y.mean())]
    n = X.shape[1]
    if n > 1:  # a linear function of all inputs
        design = np.column_stack([np.ones(len(y)), X])
        coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
        formulas.append(_f(coefficients[0]) + sympy.Add(*[_f(c) * s for c, s in zip(coefficients[1:], symbols)]))
        if np.all(X > 0) and (np.all(y > 0) or np.all(y < 0)):  # a monomial of all inputs
            sign = 1.0 if y[0] > 0 else -1.0
            design = np.column_stack([np.ones(len(y)), np.log(X)])
            coefficients = np.linalg.lstsq(design, np.log(sign * y), rcond=None)[0]
            formulas.append(_f(sign * np.exp(coefficients[0])) * sympy.Mul(*[s ** _f(c) for c, s in
                                                                             zip(coefficients[1:], symbols)]))
    if n <= MAX_INPUTS_FOR_SHAPES:
        for j, symbol in enumerate(symbols):
            if np.ptp(X[:, j]) > 0:
                formulas += _shapes(symbol, X[:, j], y)
    return formulas
