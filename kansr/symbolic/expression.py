"""Evaluating and measuring sympy formulas: values on data, normalised error, complexity."""

from __future__ import annotations

import numpy as np
import sympy


# beyond int64, numpy holds an integer as a Python object, which its functions cannot take
_LARGEST_INTEGER = 2**63


def as_doubles(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every rational whose numerator or denominator is past int64 written as a
    float, the value numpy would compute with: simplification can fold a power into such a
    number (log of a 188-digit integer), and numpy's log of it raised a TypeError."""
    large = {n: sympy.Float(n) for n in expr.atoms(sympy.Rational) if max(abs(n.p), n.q) >= _LARGEST_INTEGER}
    return expr.xreplace(large) if large else expr


def lambdify(expr: sympy.Expr | list[sympy.Expr], symbols: list[sympy.Symbol], params: list[sympy.Symbol]):
    exprs = [as_doubles(e) for e in expr] if isinstance(expr, list) else as_doubles(expr)
    return sympy.lambdify([symbols, params], exprs, modules="numpy")


def predict(expr: sympy.Expr, symbols: list[sympy.Symbol], X: np.ndarray) -> np.ndarray:
    """Evaluate ``expr`` on X (n_samples, n_symbols); non-real or non-finite values become NaN."""
    return predict_all([expr], symbols, X)[0]


def predict_all(exprs: list[sympy.Expr], symbols: list[sympy.Symbol], X: np.ndarray) -> list[np.ndarray]:
    """``predict`` for each of ``exprs``, compiled as one function (compiling costs more than
    evaluating, for many small pieces of one formula)."""
    fn = lambdify(list(exprs), symbols, [])
    with np.errstate(all="ignore"):
        outputs = fn(list(X.T), [])
    found = []
    for values in outputs:
        values = np.broadcast_to(np.asarray(values, dtype=complex), (X.shape[0],))
        real = np.where(np.abs(values.imag) <= 1e-9 * (1 + np.abs(values.real)), values.real, np.nan)
        found.append(np.where(np.isfinite(real), real, np.nan))
    return found


def nmse(expr: sympy.Expr, symbols: list[sympy.Symbol], X: np.ndarray, y: np.ndarray) -> float:
    """MSE / var(y); inf when the formula is undefined on any row."""
    values = predict(expr, symbols, X)
    if not np.all(np.isfinite(values)):
        return np.inf
    return float(np.mean((values - y) ** 2) / (np.var(y) or 1.0))


def complexity(expr: sympy.Expr) -> int:
    """Number of nodes in the expression tree (symbols, constants and operators)."""
    return sum(1 for _ in sympy.preorder_traversal(expr))
