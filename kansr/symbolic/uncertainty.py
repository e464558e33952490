"""How sure a fitted formula's constants are, beyond the marginal standard errors that
``describe`` gives each: their covariance (``covariance``), from which a prediction's
standard error follows (``kansr.search.bands``), and the errors of a law's constants in
the law's own names (``named_errors``). Both are formed by ``constants.Template``, as the
marginal errors are."""

from __future__ import annotations

import numpy as np
import sympy

from kansr.budget import Budget, charge
from kansr.symbolic.constants import Template


def covariance(expr: sympy.Expr, symbols, X: np.ndarray, y: np.ndarray, relative: bool = False
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, covariance) of ``expr``'s floats as fitted to (X, y) (``Template.covariance``:
    scaled by the scatter, as ``describe``'s errors are, whose squares are its diagonal);
    None where it is ill-conditioned (the errors ``describe`` gives then come from a
    bootstrap), not finite, or no degree of freedom is left. Shapes (k,) and (k, k), the
    floats in order of size."""
    template = Template(expr, symbols, X, y, relative)
    matrix = template.covariance(template.start, list(range(len(template.start))))
    return None if matrix is None else (template.start, matrix)


def named_errors(expr: sympy.Expr, named: dict[sympy.Symbol, float], symbols, X: np.ndarray, y: np.ndarray,
                 budget: Budget | None = None, relative: bool = False) -> np.ndarray:
    """The standard errors of the constants ``named`` (symbols of ``expr``, at their fitted
    values) as ``describe`` gives those of a formula's floats, from the covariance (the
    bootstrap's where it is ill-conditioned): the errors of a law's constants in the law's
    own names, xmid of Asym/(1 + exp((xmid - t)/s)) among them, which sympy would merge
    with its other numbers were it a float (a number is distributed over a sum)."""
    template = Template(expr, symbols, X, y, relative, named=named)
    charge(budget, template.compilation_cost)
    marginal, _ = template.standard_errors(template.start, list(range(len(named))), budget, "bootstrap")
    return marginal
