"""Simplification under a time cap, with trigonometric functions of inverse ones and
hyperbolic functions of logarithms written algebraically, c·(1 ± cos w) written as the
square it is, and absolute values of one-signed arguments resolved on the data."""

from __future__ import annotations

import numpy as np
import sympy

from kansr.symbolic.expression import complexity, predict
from kansr.symbolic.limits import SympyTimeout, time_limit

_TRIG = (sympy.sin, sympy.cos, sympy.tan, sympy.cot, sympy.sec, sympy.csc)
_INVERSE_TRIG = (sympy.asin, sympy.acos, sympy.atan, sympy.acot)
_HYPERBOLIC = (sympy.sinh, sympy.cosh, sympy.tanh, sympy.coth, sympy.sech, sympy.csch)


def trig_of_inverse_trig(expr: sympy.Expr) -> bool:
    """Whether ``expr`` has a trigonometric function of an inverse trigonometric one."""
    return any(node.has(*_INVERSE_TRIG) for node in expr.atoms(*_TRIG))


def half_angle_squares(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each c − c·cos(w) written 2c·sin²(w/2) and c + c·cos(w) written
    2c·cos²(w/2) (c exact). The compositions find a squared sine as an affine map of a
    cosine, 1/2 − cos(2u)/2; the square is the shorter statement, and the usual one."""
    def rewrite(node: sympy.Expr) -> sympy.Expr:
        number, terms = node.as_coeff_add()
        if not number.is_Rational or number == 0:
            return node
        for term in terms:
            factor, rest = term.as_coeff_Mul()
            if isinstance(rest, sympy.cos) and abs(factor) == abs(number):
                half = rest.args[0] / 2
                square = sympy.sin(half) ** 2 if factor == -number else sympy.cos(half) ** 2
                return sympy.Add(*[t for t in terms if t is not term]) + 2 * number * square
        return node

    return expr.replace(lambda node: isinstance(node, sympy.Add), rewrite)


def powers_of_exponentials(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each power of an exponential, exp(u)^p with p a number, written exp(p·u).
    A formula is a real function, and for real u, exp(u) is positive, so the two are the same
    function; sympy only folds whole powers, as for complex u they differ. A square root
    appears where the search fitted y² and took the root back: sqrt(exp(−(x − 5)²)) is the
    Gaussian exp(−(x − 5)²/2), two nodes longer."""
    return expr.replace(lambda node: node.is_Pow and isinstance(node.base, sympy.exp) and node.exp.is_Number,
                        lambda node: sympy.exp(node.exp * node.base.args[0]))


def one_signed_symbols(symbols, X: np.ndarray) -> dict[sympy.Symbol, sympy.Symbol]:
    """Each symbol whose column of ``X`` has one sign on every row, mapped to a symbol of
    the same name that sympy knows to be positive (or negative)."""
    signed = {}
    for symbol, column in zip(symbols, np.asarray(X, dtype=float).T):
        if np.all(column > 0):
            signed[symbol] = sympy.Symbol(symbol.name, positive=True)
        elif np.all(column < 0):
            signed[symbol] = sympy.Symbol(symbol.name, negative=True)
    return signed


def simplify(expr: sympy.Expr, seconds: float = 5.0,
             signs: dict[sympy.Symbol, sympy.Symbol] | None = None) -> sympy.Expr:
    """``sympy.simplify`` capped at ``seconds``; the input comes back unchanged on timeout.

    ``signs`` (``one_signed_symbols``): symbols known to be positive or negative, as their
    data are. A formula is only asked to hold where the data are, and there sqrt(x²) is x
    and ω·sqrt(1 − k·c²/(d²·ω²))/c is sqrt(ω²/c² − k/d²) (``radicals_taking_factors``).
    Only those steps use the signs: sympy's simplification with them also writes
    exp(a·ln x·ln y) as y^ln(x^a), no plainer to a reader. The result is in the plain symbols.

    A trigonometric function of an inverse one is algebraic, and written so where sympy
    finds the form: cot(acos(u)/2) = sqrt(1 - u²)/(1 - u) (compositions of two library
    functions land on such forms for the relativistic Doppler factor). So is a hyperbolic
    function of a logarithm: cosh(log(u)) = (u + 1/u)/2, the compositions' way to write
    u + 1/u. Squares of sines and cosines are written as squares (``half_angle_squares``),
    and powers of exponentials as exponentials (``powers_of_exponentials``).
    """
    signs = signs or {}
    back = {signed: plain for plain, signed in signs.items()}
    try:
        with time_limit(seconds):
            simplified = _simplified(expr)
            return radicals_taking_factors(simplified.xreplace(signs)).xreplace(back) if signs else simplified
    except SympyTimeout:
        return expr


def radicals_taking_factors(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each product of a square root and positive factors written as one root
    where that is the smaller tree: ω·sqrt(1 − k·c²/(d²·ω²))/c is sqrt(ω²/c² − k/d²), and
    m/sqrt(1 − v²/c²) is not changed by it, as m²/(1 − v²/c²) is no smaller. sympy takes
    factors out of a root, never into one."""
    def rewrite(node: sympy.Expr) -> sympy.Expr:
        roots = [f for f in node.args
                 if f.is_Pow and f.exp in (sympy.S.Half, -sympy.S.Half) and f.base.is_Add]
        if len(roots) != 1:
            return node
        root = roots[0]
        outside = sympy.Mul(*[f for f in node.args if f is not root])
        if outside.is_positive is not True:
            return node
        inside = sympy.expand(root.base * outside ** (2 if root.exp > 0 else -2))
        taken = sympy.Pow(inside, root.exp)
        return taken if complexity(taken) < complexity(node) else node

    return expr.replace(lambda node: isinstance(node, sympy.Mul), rewrite)


def _simplified(expr: sympy.Expr) -> sympy.Expr:
    simplified = sympy.simplify(expr)
    of_log = {node: node.rewrite(sympy.exp) for node in simplified.atoms(*_HYPERBOLIC) if node.has(sympy.log)}
    if of_log:
        simplified = sympy.simplify(simplified.xreplace(of_log))
    simplified = powers_of_exponentials(half_angle_squares(simplified))
    if trig_of_inverse_trig(simplified):
        algebraic = sympy.simplify(sympy.expand_trig(simplified.rewrite(sympy.sin)))
        if not trig_of_inverse_trig(algebraic):
            return algebraic
    return simplified


def resolve_abs(expr: sympy.Expr, symbols, X: np.ndarray) -> sympy.Expr:
    """``expr`` with each |u| written u or -u where u has that sign on every row of ``X``.

    A formula is only asked to hold where the data are: there |u| and ±u are the same
    function, and the signed form often collapses (4 - |T1 - T2 + 4| is T2 - T1 for
    T1 - T2 > -4). The absolute value is the library's even shape, not usually the law's.
    """
    replacements = {}
    for node in expr.atoms(sympy.Abs):
        values = predict(node.args[0], symbols, X)
        if np.all(values > 0):
            replacements[node] = node.args[0]
        elif np.all(values < 0):
            replacements[node] = -node.args[0]
    return expr.xreplace(replacements) if replacements else expr
