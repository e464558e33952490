"""Rewrites that leave a formula's numbers one free scale each before its constants are
fitted: numbers of one product or sum merged into one float, and a denominator's sums
refit with their constant term 1. A fit leaves a redundant scale wherever it starts, and
snapping single constants then turns it into common factors that mean nothing."""

from __future__ import annotations

import math

import sympy


def merged_numbers(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with the numbers of each product or sum that holds a float merged into one
    float (0.357·sqrt(10)·sqrt(π)·x → 2.0·x): they are one constant, which a fit and the
    snapping of its value can then see whole, where fitting the float alone keeps the exact
    factors beside it and their cost."""
    if not expr.args:
        return expr
    args = [merged_numbers(arg) if isinstance(arg, sympy.Expr) else arg for arg in expr.args]
    if isinstance(expr, (sympy.Mul, sympy.Add)):
        numbers = [arg for arg in args if not arg.free_symbols]
        if len(numbers) > 1 and any(arg.has(sympy.Float) for arg in numbers):
            value = complex(expr.func(*numbers).evalf())
            if value.imag == 0 and math.isfinite(value.real):
                return expr.func(sympy.Float(value.real), *[arg for arg in args if arg.free_symbols])
    return expr.func(*args) if args != list(expr.args) else expr


def unit_denominator(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` = N/D with each sum among D's factors divided by its constant term where every
    term of N and of that sum has a numeric factor, floats among them: (a·x + b)/(c·x + d)
    has one scale too many, and so has a·y/(z·(c·x + d)), which a fit leaves wherever it
    starts and the snapping of single constants then turns into common factors such as
    35π² above and below, or 4/(3·(13·x/10 − 5/4)) for 1/(x − 1). With each such sum's
    constant term 1 (N taking its scale; ±1 under a root) the scale is fixed. Where a term
    has no factor (a·x/(b + x)) the scale is fixed already; the form stays. In a sum, each
    term is such a ratio of its own: an offset beside b/sqrt(c·x² + d) leaves that term's
    scale free as well."""
    if isinstance(expr, sympy.Add):
        terms = [unit_denominator(term) for term in expr.args]
        return sympy.Add(*terms) if terms != list(expr.args) else expr
    numerator, denominator = sympy.fraction(expr)

    def scaled(part: sympy.Expr) -> bool:  # a snapped factor (657308/7) may have been set by the free scale
        return part.has(sympy.Float) and all(abs(term.as_coeff_Mul()[0]) != 1
                                             for term in sympy.Add.make_args(part))

    def divided(terms: sympy.Expr, by: sympy.Expr) -> sympy.Expr:  # each term's own factor takes the division
        return sympy.Add(*[term / by for term in sympy.Add.make_args(terms)])

    if not scaled(numerator):
        return expr
    factors, changed = [], False
    for factor in sympy.Mul.make_args(denominator):
        base, power = factor.as_base_exp()
        constant, rest = base.as_coeff_Add() if isinstance(base, sympy.Add) else (0, base)
        if constant == 0 or not (power.is_Rational and power > 0 and scaled(base)):
            factors.append(factor)
            continue
        # a root's argument keeps its sign: divided by |constant|, its constant term is ±1
        by, unit = (constant, 1) if power.is_Integer else (abs(constant), 1 if constant > 0 else -1)
        numerator = divided(numerator, by**power)
        factors.append((unit + divided(rest, by)) ** power)
        changed = True
    return numerator / sympy.Mul(*factors) if changed else expr


def unit_arguments(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each function's argument at one scale (``unit_denominator``):
    c·exp(a/(b·T + d)) is c·exp(a'/(b'·T + 1)), the same curve with a constant fewer. For a
    formula already fitted: ``refit`` does not apply it before a fit (see
    ``snapping.with_unit_arguments``)."""
    return expr.replace(lambda node: isinstance(node, sympy.Function),
                        lambda node: node.func(*[unit_denominator(arg) for arg in node.args]))


def outer_scales_in(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each float factor of a product taken into a function beside it that
    takes a factor out of its argument, where every term of that argument carries a float:
    c·|u| is ±|c·u|, c·u^p is (c^(1/p)·u)^p for c > 0 and p > 0, and c·exp(d + v) is
    (c·e^d)·exp(v). A KAN's edge c·f(a·x + b) + d leaves such a scale free wherever f is
    one of these; no fit can fix it, and none of its constants has an error. (A power
    below 0 is a ratio, whose scale ``unit_denominator`` fixes the other way.)"""
    if not expr.args:
        return expr
    args = [outer_scales_in(arg) if isinstance(arg, sympy.Expr) else arg for arg in expr.args]
    expr = expr.func(*args) if args != list(expr.args) else expr
    factor, rest = expr.as_coeff_Mul() if isinstance(expr, sympy.Mul) else (None, expr)
    if not isinstance(factor, sympy.Float):
        return expr
    others = sympy.Mul.make_args(rest)
    for position, part in enumerate(others):
        taken = _taken_in(part, float(factor))
        if taken is not None:
            return sympy.Mul(*others[:position], taken, *others[position + 1:])
    return expr


def _taken_in(part: sympy.Expr, factor: float) -> sympy.Expr | None:
    """``factor``·``part`` with the factor inside ``part`` (``outer_scales_in``); None where
    ``part`` cannot take it."""
    def scaled(argument: sympy.Expr, by: float) -> sympy.Expr | None:
        terms = sympy.Add.make_args(argument)
        if not all(isinstance(term.as_coeff_Mul()[0], sympy.Float) for term in terms):
            return None  # a term without a float (x + b): the scale is fixed already
        return sympy.Add(*[term * by for term in terms])

    if isinstance(part, sympy.Abs):
        inner = scaled(part.args[0], abs(factor))
        return None if inner is None else sympy.Integer(1 if factor > 0 else -1) * sympy.Abs(inner)
    if isinstance(part, sympy.Pow) and part.exp.is_number and part.exp.is_positive and factor > 0:
        try:
            by = factor ** (1 / float(part.exp))
        except OverflowError:  # a tiny exponent: the factor inside would pass the double range
            return None
        inner = scaled(part.base, by) if math.isfinite(by) and by > 0 else None
        return None if inner is None else inner**part.exp
    if isinstance(part, sympy.exp):
        offset, rest = part.args[0].as_coeff_Add()
        if isinstance(offset, sympy.Float):
            return sympy.Float(factor * math.exp(float(offset))) * sympy.exp(rest)
    return None
