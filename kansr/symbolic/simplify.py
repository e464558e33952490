"""Simplification under a time cap, with trigonometric functions of inverse ones and
hyperbolic functions of logarithms written algebraically, c·(1 ± cos w) written as the
square it is, and absolute values of one-signed arguments resolved on the data."""

from __future__ import annotations

import numpy as np
import sympy

from kansr.symbolic.expression import predict
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


def simplify(expr: sympy.Expr, seconds: float = 5.0) -> sympy.Expr:
    """``sympy.simplify`` capped at ``seconds``; the input comes back unchanged on timeout.

    A trigonometric function of an inverse one is algebraic, and written so where sympy
    finds the form: cot(acos(u)/2) = sqrt(1 - u²)/(1 - u) (compositions of two library
    functions land on such forms for the relativistic Doppler factor). So is a hyperbolic
    function of a logarithm: cosh(log(u)) = (u + 1/u)/2, the compositions' way to write
    u + 1/u. Squares of sines and cosines are written as squares (``half_angle_squares``).
    """
    try:
        with time_limit(seconds):
            simplified = sympy.simplify(expr)
            of_log = {node: node.rewrite(sympy.exp) for node in simplified.atoms(*_HYPERBOLIC) if node.has(sympy.log)}
            if of_log:
                simplified = sympy.simplify(simplified.xreplace(of_log))
            simplified = half_angle_squares(simplified)
            if trig_of_inverse_trig(simplified):
                algebraic = sympy.simplify(sympy.expand_trig(simplified.rewrite(sympy.sin)))
                if not trig_of_inverse_trig(algebraic):
                    return algebraic
            return simplified
    except SympyTimeout:
        return expr


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
