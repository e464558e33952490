"""The units of a formula's constants, where the columns' units are known and the target's
are no product of powers of the inputs' (``--constant-units``): which formulas the search
may show (``consistent``: those some units of their constants make consistent), and each
constant's units that consistency fixes (``inferred_constant_units``), stated in the units
the user gave the columns where they can be (``user_unit_statements``), as the numbers
are. The units of a formula itself are ``units_of``'s."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pandas as pd
import sympy

from kansr.search.result import Result
from kansr.units import BASE, Dimension, format_powers, format_unit, unit_powers

# the units of the 1 of a product without a number, unknown (``inferred_constant_units``)
_CARRIER = sympy.Symbol("_carrier")


def units_of(expr: sympy.Expr, units: dict[sympy.Symbol, Dimension]) -> Dimension | None:
    """The units of ``expr`` with its numbers dimensionless; None where it is not
    consistent (terms of different units added, a function of a quantity with units,
    a power with units in the exponent)."""
    if expr.is_Number or expr in (sympy.pi, sympy.E):
        return (Fraction(0),) * len(BASE)
    if expr.is_Symbol:
        return units.get(expr)
    if expr.is_Mul:
        parts = [units_of(a, units) for a in expr.args]
        return None if any(p is None for p in parts) else tuple(map(sum, zip(*parts)))
    if expr.is_Pow:
        base, exponent = expr.args
        base_units, exponent_units = units_of(base, units), units_of(exponent, units)
        if base_units is None or exponent_units is None or any(exponent_units):
            return None
        if not any(base_units):
            return base_units
        if not exponent.is_Rational:  # a fitted exponent leaves the units undefined
            return None
        power = Fraction(int(exponent.p), int(exponent.q))
        return tuple(power * e for e in base_units)
    if expr.is_Add:
        parts = [units_of(a, units) for a in expr.args]
        return parts[0] if parts[0] is not None and all(p == parts[0] for p in parts) else None
    arguments = [units_of(a, units) for a in expr.args]
    return arguments[0] if arguments and all(a is not None and not any(a) for a in arguments) else None


def inferred_constant_units(formula: sympy.Expr, units: dict[sympy.Symbol, Dimension], target: Dimension
                            ) -> dict[float, Dimension | None]:
    """The units of each float of ``formula`` that consistency alone fixes: the argument of
    every function and every exponent dimensionless, the terms of a sum alike, the whole of
    the ``target``'s units (k of A·exp(k·t) is per second, A the target's); None where they
    leave a constant's open (two constants only multiplied together), or for all where they
    contradict each other (``consistent``). A fitted exponent raises its base's units to
    it (a of a·M^0.75 is per kg^0.75). Exact numbers are dimensionless unless that
    contradicts the rest: then each carries units too (snapped, the 2 mM of 2·exp(k·t), the
    5/6 mM of c·S/(S + 5/6)), as does the 1 of a product without a number (exp(k·t) alone
    in mM)."""
    found = _solved(formula, units, target)
    return {float(f): None for f in formula.atoms(sympy.Float)} if found is None else found


def consistent(formula: sympy.Expr, units: dict[sympy.Symbol, Dimension], target: Dimension) -> bool:
    """Whether some units of ``formula``'s constants make it consistent in units
    (``inferred_constant_units``): what ``--constant-units`` allows. sin(L) + c for a time
    against a length is not, whatever c's units: a function of metres; a + b·exp(k·L) is,
    a and b in seconds, k per metre."""
    return _solved(formula, units, target) is not None


def _solved(formula: sympy.Expr, units: dict[sympy.Symbol, Dimension], target: Dimension
            ) -> dict[float, Dimension | None] | None:
    """``_inferred`` with exact numbers dimensionless, else, where that contradicts the
    rest, with their units unknown too; None where both contradict."""
    found = _inferred(formula, units, target, free=False)
    return _inferred(formula, units, target, free=True) if found is None else found


def _inferred(formula: sympy.Expr, units: dict[sympy.Symbol, Dimension], target: Dimension, free: bool
              ) -> dict[float, Dimension | None] | None:
    """``inferred_constant_units``, with the units of exact numbers unknown too where
    ``free``; None where the constraints contradict each other."""
    floats = sorted(formula.atoms(sympy.Float), key=float)
    unknown = {f: sympy.Symbol(f"_u{i}") for i, f in enumerate(floats)}
    implicit = free and not formula.is_Add and formula.as_coeff_Mul()[0] == 1
    found: dict[float, list] = {float(f): [] for f in floats}
    for d in range(len(target)):
        constraints: list[sympy.Expr] = []
        exact: list[sympy.Symbol] | None = [] if free else None
        total = _exponent(formula, d, units, unknown, constraints, exact)
        constraints.append(total + (_CARRIER if implicit else 0) - sympy.Rational(target[d]))
        symbols = list(unknown.values()) + (exact or []) + ([_CARRIER] if implicit else [])
        constraints = [c for c in constraints if c != 0]
        if not symbols:
            if constraints:
                return None
            continue
        solutions = sympy.linsolve(constraints, symbols)
        if not solutions:
            return None
        for f, solved in zip(floats, next(iter(solutions))):
            found[float(f)].append(Fraction(int(solved.p), int(solved.q)) if solved.is_Rational else None)
    return {value: None if None in exponents else tuple(exponents) for value, exponents in found.items()}


def _exponent(expr: sympy.Expr, d: int, units: dict[sympy.Symbol, Dimension], unknown: dict, constraints: list,
              exact: list | None) -> sympy.Expr:
    """The exponent of base dimension ``d`` in ``expr``'s units, linear in the ``unknown``
    exponents of its floats (and of its exact numbers but ±1 and exponents, each one
    appended to ``exact``, where that is a list); what consistency requires is added to
    ``constraints`` (each expression there is 0)."""
    if isinstance(expr, sympy.Float):
        return unknown[expr]
    if exact is not None and expr.is_Rational and abs(expr) != 1:
        exact.append(sympy.Symbol(f"_e{len(exact)}"))
        return exact[-1]
    if expr.is_Number or expr in (sympy.pi, sympy.E):
        return sympy.Integer(0)
    if expr.is_Symbol:
        return sympy.Rational(units[expr][d]) if expr in units else sympy.Integer(0)
    if expr.is_Pow:
        base, power = expr.args
        if power.is_Rational:
            return power * _exponent(base, d, units, unknown, constraints, exact)
        if power.is_Number:  # a fitted exponent raises the base's units to it (a·M^0.75: a per kg^0.75)
            constraints.append(_exponent(power, d, units, unknown, constraints, exact))
            return sympy.Rational(float(power)) * _exponent(base, d, units, unknown, constraints, exact)
        # a power of a quantity (x**y): a dimensionless base and exponent
        constraints.extend([_exponent(base, d, units, unknown, constraints, exact),
                            _exponent(power, d, units, unknown, constraints, exact)])
        return sympy.Integer(0)
    parts = [_exponent(a, d, units, unknown, constraints, exact) for a in expr.args]
    if expr.is_Mul:
        return sympy.Add(*parts)
    if expr.is_Add or isinstance(expr, sympy.Abs):
        constraints.extend(p - parts[0] for p in parts[1:])
        return parts[0]
    constraints.extend(parts)  # exp, log, sin, ...: of dimensionless arguments
    return sympy.Integer(0)


def with_fitted_carrier(formula: sympy.Expr, units: dict[sympy.Symbol, Dimension], target: Dimension
                        ) -> sympy.Expr | None:
    """``formula`` with its overall factor fitted instead of exact, where that factor carries
    units (the target's less the rest's, y = c·g(x)); None where it is fitted already,
    dimensionless, or of units the columns do not tell. A constant with units has the
    value the units give it (g is 9.81 in metres and seconds, 32.2 in feet): an exact 49/10
    for it says nothing about the law, and hides the number and its error the user measured."""
    factor, rest = formula.as_coeff_Mul()
    if isinstance(factor, sympy.Float) or rest.is_Number:
        return None
    rest_units = units_of(rest, units)
    if rest_units is None or tuple(rest_units) == tuple(target):
        return None
    return sympy.Float(float(factor)) * rest


def user_unit_statements(formula: sympy.Expr, texts: dict[sympy.Symbol, str | None], target: str | None
                         ) -> dict[float, str | None]:
    """Each float's units as ``inferred_constant_units`` fixes them, stated in the units the
    user's strings for the columns (``texts``) and the ``target`` are made of, each a unit
    of its own: a rate against a column in ``yr`` is per ``yr``, the slope of a distance in
    ``cm`` against a stretch in ``mm`` is ``cm mm^-1`` (its number is in those, where the
    base units would call it dimensionless). Empty where a column of the formula or the
    target has no string; None for a float they leave open or where the strings contradict
    each other (cm added to mm)."""
    if target is None or any(texts.get(s) is None for s in formula.free_symbols):
        return {}
    used = [texts[s] for s in texts if s in formula.free_symbols]  # the table's order, not a set's
    powers = {t: unit_powers(t) for t in [*used, target]}
    basis = list(dict.fromkeys(name for t in [target, *used] for name in powers[t]))  # as first written
    vectors = {t: tuple(p.get(name, Fraction(0)) for name in basis) for t, p in powers.items()}
    symbols = {s: vectors[texts[s]] for s in formula.free_symbols}
    found = _solved(formula, symbols, vectors[target])
    if found is None:
        return {float(f): None for f in formula.atoms(sympy.Float)}

    def stated(exponents: tuple) -> str:  # as written, positive powers first (kg m s^-2)
        return format_powers(sorted(zip(basis, exponents), key=lambda part: part[1] < 0))

    return {value: None if exponents is None else stated(exponents) for value, exponents in found.items()}


def with_constant_units(result: Result, units: dict[str, tuple], target_units: tuple) -> Result:
    """``result`` with the units of each constant of each formula that consistency fixes
    (``inferred_constant_units``), in the base units, "?" where it leaves them open."""
    symbols = {sympy.Symbol(name): dims for name, dims in units.items()}

    def units_of_constants(formula: sympy.Expr, constants: pd.DataFrame) -> list[str]:
        inferred = inferred_constant_units(formula, symbols, target_units)
        return ["?" if inferred.get(value) is None else format_unit(inferred[value]) for value in constants.value]

    return replace(_with_units(result, units_of_constants), target_units=format_unit(target_units))


def with_user_units(result: Result, texts: dict[str, str | None], target_text: str | None) -> Result:
    """``result`` with each constant's units stated in the unit strings the user gave the
    columns (``user_unit_statements``) where they state them, the units it had elsewhere; the
    target's as the user wrote them."""
    strings = {sympy.Symbol(name): text for name, text in texts.items()}

    def units_of_constants(formula: sympy.Expr, constants: pd.DataFrame) -> list[str]:
        users = user_unit_statements(formula, strings, target_text)
        before = constants["units"] if "units" in constants else ["?"] * len(constants)
        return [users[value] if users.get(value) is not None else units
                for value, units in zip(constants.value, before)]

    return replace(_with_units(result, units_of_constants), target_units=target_text or result.target_units)


def _with_units(result: Result, units_of_constants) -> Result:
    """``result`` with the units column of the constants of its formula and of each front
    row given by ``units_of_constants(formula, constants)``."""
    def table(formula: sympy.Expr, constants: pd.DataFrame) -> pd.DataFrame:
        return constants.assign(units=units_of_constants(formula, constants))

    def constants_of(records: list[dict]) -> pd.DataFrame:
        return pd.DataFrame(records, columns=list(records[0]) if records else ["name", "value", "stderr", "units"])

    front = result.front.assign(constants=[
        table(row.formula, constants_of(row.constants)).to_dict("records") for row in result.front.itertuples()])
    return replace(result, constants=table(result.formula, result.constants), front=front)
