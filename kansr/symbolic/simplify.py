"""Simplification under a time cap, with trigonometric functions of inverse ones and
hyperbolic functions of logarithms written algebraically, and absolute values of one-signed
arguments resolved on the data."""

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


def simplify(expr: sympy.Expr, seconds: float = 5.0) -> sympy.Expr:
    """``sympy.simplify`` capped at ``seconds``; the input comes back unchanged on timeout.

    A trigonometric function of an inverse one is algebraic, and written so where sympy
    finds the form: cot(acos(u)/2) = sqrt(1 - u²)/(1 - u) (compositions of two library
    functions land on such forms for the relativistic Doppler factor). So is a hyperbolic
    function of a logarithm: cosh(log(u)) = (u + 1/u)/2, the compositions' way to write
    u + 1/u.
    """
    try:
        with time_limit(seconds):
            simplified = sympy.simplify(expr)
            of_log = {node: node.rewrite(sympy.exp) for node in simplified.atoms(*_HYPERBOLIC) if node.has(sympy.log)}
            if of_log:
                simplified = sympy.simplify(simplified.xreplace(of_log))
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
