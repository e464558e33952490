"""Telling noise from a wrong formula: residual correlation between neighbouring rows, and
which constants of a formula were fitted rather than exact.

On noisy data no formula fits to machine precision, so ``discover`` needs another sign that
a formula is right: what it leaves unexplained does not correlate between rows that are
close in the inputs (``kansr.symbolic.residuals``; a formula off by a smooth error leaves
residuals that do), and it states only numbers a law would: no fitted constant apart from an
overall factor or offset, and small integers and simple fractions (``plain``).
"""

from __future__ import annotations

import sympy

from kansr.symbolic.description import FLOOR, NODE_COST, exact_cost

# alternatives in a row that leave the chosen formula as it is, after which a formula whose
# residuals look like noise ends the search: one with a law's numbers (``plain``), and any
# other (``stop_reason``)
CHALLENGES = 2
PATIENCE = 10
# on data exact to machine precision (``good_enough`` at ``FLOOR``), a formula with fitted
# constants ends the search as exact only below this error: a flexible shape whose constants
# run off to a limit fits to about 1e-14 (a logistic b/(1 − (1 + b)·exp(−b·x)), b → 0, is
# 1/(1 − x)), while a law with fitted constants fits to the data's rounding, about 1e-28
LIMIT_OF_A_SHAPE = 1e-20


def _past_factor(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` without its overall factor (or else its overall offset)."""
    factor, expr = expr.as_coeff_Mul()
    return expr.as_coeff_Add()[1] if factor == 1 else expr


def free_constants(expr: sympy.Expr) -> int:
    """Floats in ``expr``, apart from an overall factor (or else an overall offset): the
    constants that were fitted rather than found exact. (Exact numbers got there by a
    test of their own: a snapped constant is within 2.5 standard errors of the fitted one
    and shortens the description, ``kansr.symbolic.snapping``.)"""
    return len(_past_factor(expr).atoms(sympy.Float))


def plain(expr: sympy.Expr) -> bool:
    """Whether ``expr``, apart from an overall factor (or else an overall offset), has only
    numbers that a law would state: no fitted constant, and no exact one that costs more to
    state than a node of the tree (``kansr.symbolic.description``). On noisy data the window
    for exact numbers is wide, and a smooth formula that is not the law fits within the
    noise with numbers such as 231/75 or 15/18 snapped; the numbers of laws are small
    integers and simple fractions."""
    expr = _past_factor(expr)
    if expr.atoms(sympy.Float):
        return False
    return all(exact_cost(number) <= NODE_COST for number in expr.atoms(sympy.Rational))


def same_form(first: sympy.Expr, second: sympy.Expr) -> bool:
    """Whether two formulas differ at most in their fitted constants (floats): another
    search's refit of the chosen formula, with other last digits, is no new formula, and
    does not show that the last one was not yet the law (``stop_reason``)."""
    fitted = sympy.Symbol("_fitted")

    def form(expr: sympy.Expr) -> sympy.Expr:
        return expr.xreplace({number: fitted for number in expr.atoms(sympy.Float)})

    return form(first) == form(second)


def stop_reason(best_val_nmse: float, chosen, good_enough: float, unchanged: int = 0) -> str | None:
    """Why the search can end now, or None.

    It ends when some formula fits to ``good_enough`` (machine precision on real data: more
    complex attempts cannot do better) and the chosen one is exact too (without fitted
    constants, or below ``LIMIT_OF_A_SHAPE`` with them), or when the formula the selection criterion
    chooses (``chosen``, a ``Candidate``) leaves only noise and either states only numbers
    a law would (``plain``: more attempts could only fit the noise), or has stayed the
    chosen one for ``PATIENCE`` alternatives in a row (``unchanged``; the same formula refit
    with other digits in its constants counts as staying, ``same_form``). Even a plain one
    must first stay the chosen one through ``CHALLENGES`` more alternatives: on noisy data
    the window for exact numbers is wide, and many smooth formulas fit within the noise
    with every constant but a factor snapped (a flexible shape from the table of
    baselines, a KAN's reading of a nearly flat curve); each next alternative that finds a
    shorter one shows that the last was not yet the law. A formula with fitted constants,
    or with exact numbers no law would state (2·cosh(4θ − π)/9 for the sin 2θ of a
    projectile's range, read by the first alternatives off 80 noisy rows, the later ones
    reading the law), can fit noisy data as well as the law, so the search goes on longer
    before it believes one.
    """
    exact = chosen.free_constants == 0 or good_enough > FLOOR or chosen.val_nmse < LIMIT_OF_A_SHAPE
    if best_val_nmse < good_enough and exact:
        return "exact"
    if chosen.noise_like and plain(chosen.formula) and unchanged >= CHALLENGES:
        return f"the residuals of {chosen.formula} look like noise"
    if chosen.noise_like and unchanged >= PATIENCE:
        return f"the residuals of {chosen.formula} look like noise, and {unchanged} alternatives found nothing shorter"
    return None
