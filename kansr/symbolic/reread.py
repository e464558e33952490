"""Terms of a formula that depend on one input alone, read again as one library function.

A KAN reads each edge on its own, and a function of one input can reach the output along
several paths: as an edge of its own and through a hidden node that also sums it with
nothing else. The formula then states that one-input function as a sum of compositions,
each fitted to the curve its edge happened to learn (−sin θ came back as
0.88·sin(97 + 310/(3·(θ/100 − 1))) + 4·exp(−(…)²) − 1/8 beside an exact −sin(φ − θ)/2).
The sum of those terms is one curve in that input, and it is read the way an edge is:
every library function's affine fit c·f(a·x + b) + d to the curve's values on the rows,
the simplest within a few times the best error (``kansr.symbolic.edge_fit.choose``).
The formula with its group replaced is only a candidate: it is refit in all its
constants and chosen, or not, by its description like any other.
"""

from __future__ import annotations

import numpy as np
import sympy

from kansr.budget import Budget
from kansr.symbolic.edge_fit import choose, fit_candidates, spread
from kansr.symbolic.expression import complexity, predict
from kansr.symbolic.library import SymbolicFunction
from kansr.symbolic.limits import SympyTimeout, time_limit

# a group is read again only where one library term would explain nearly all of it: a
# curve the library cannot state (x·exp(-x²)) keeps its terms
_MIN_R2 = 0.999
_POINTS = 256


def _terms(expr: sympy.Expr, seconds: float) -> tuple[sympy.Expr, ...]:
    """The additive terms of ``expr``, a numeric factor distributed over a sum first
    ((a + b)/π is a/π + b/π); only the top level, so that nothing inside is multiplied out."""
    try:
        with time_limit(seconds):
            expanded = sympy.expand(expr, deep=False, power_exp=False, power_base=False, log=False,
                                    multinomial=False)
    except SympyTimeout:
        expanded = expr
    return sympy.Add.make_args(expanded)


def _one_term(group: sympy.Expr, symbol: sympy.Symbol, column: np.ndarray,
              library: dict[str, SymbolicFunction], budget: Budget | None) -> sympy.Expr | None:
    """The library term c·f(a·x + b) + d that states ``group``, a function of ``symbol``
    alone, more briefly on the values ``column`` takes; None where none does."""
    if group.is_polynomial(symbol):  # a polynomial is stated as briefly as it can be
        return None
    x = column[spread(column, _POINTS)]
    values = predict(group, [symbol], x[:, None])
    if np.ptp(x) == 0 or not np.all(np.isfinite(values)) or np.ptp(values) == 0:
        return None
    table = fit_candidates(x, values, library, budget)
    if table.empty or float(table.r2.max()) < _MIN_R2:
        return None
    fit = choose(table)
    inner = sympy.Float(fit.a) * symbol + sympy.Float(fit.b)
    term = sympy.Float(fit.c) * library[fit.name].sympy(inner) + sympy.Float(fit.d)
    return term if complexity(term) < complexity(group) else None


def reread_terms(expr: sympy.Expr, symbols: list[sympy.Symbol], X: np.ndarray,
                 library: dict[str, SymbolicFunction], budget: Budget | None = None,
                 seconds: float = 2.0) -> sympy.Expr | None:
    """``expr`` with each group of its terms that depends on one input alone, and is longer
    than one library term, replaced by the library term that fits its values on the rows
    of ``X`` (module doc); None where no group was replaced.

    X : ndarray, shape (n_samples, len(symbols))
    """
    if len(symbols) == 1:
        # a problem in one input is the one-input search's (``compositions``), which tries
        # every c·f(a·x + b) + d and more
        return None
    groups: dict[sympy.Symbol, list[sympy.Expr]] = {}
    rest, numbers = [], []
    for term in _terms(expr, seconds):
        free = term.free_symbols
        if not free:
            numbers.append(term)
        elif len(free) == 1 and next(iter(free)) in symbols:
            groups.setdefault(next(iter(free)), []).append(term)
        else:
            rest.append(term)
    if not groups:
        return None
    groups[next(iter(groups))] += numbers  # the first group's offset d states the constant term too
    changed = False
    for symbol, terms in groups.items():
        group = sympy.Add(*terms)
        term = _one_term(group, symbol, X[:, symbols.index(symbol)], library, budget)
        changed = changed or term is not None
        rest.append(group if term is None else term)
    return sympy.Add(*rest) if changed else None
