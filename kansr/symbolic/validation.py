"""Out-of-sample predictions of a formula: each group of rows predicted by its constants
refit on the other rows (cross-validation), for the description of small tables."""

from __future__ import annotations

import numpy as np
import sympy

from kansr.budget import Budget, charge, expired
from kansr.symbolic.constants import Template
from kansr.symbolic.description import model_nmse
from kansr.symbolic.expression import predict


def cross_validated_predictions(expr: sympy.Expr, symbols, X: np.ndarray, y: np.ndarray, folds: int,
                                budget: Budget | None = None, relative: bool = False) -> np.ndarray:
    """``expr``'s predictions for rows it was not fitted to: the rows are cut into ``folds``
    groups (one row each for leave-one-out), and each group is predicted with the constants
    refit on the others (starting from the constants of ``expr``; once ``budget`` is spent,
    the approximation in the body). A formula without fitted constants has nothing to
    refit: its plain values. NaN where undefined."""
    if not expr.atoms(sympy.Float):
        return predict(expr, symbols, X)
    template = Template(expr, symbols, X, y, relative, derivatives=True)
    charge(budget, template.compilation_cost)
    groups = np.arange(len(y)) % folds
    predictions = np.empty(len(y))
    # where the budget ends before a fold is refit, that fold gets the all-rows fit's
    # residuals inflated by n/(n - k), k constants (generalised cross-validation; exact
    # leave-one-out for a constant): never the in-sample error, which flatters constants
    inflated = None  # computed only once the budget has ended
    for group in range(folds):
        inside = groups != group
        if expired(budget):
            if inflated is None:
                inflated = template.residual(template.start) * len(y) / max(len(y) - len(template.start), 1)
            predictions[~inside] = template.predictions(inflated[~inside], y[~inside])
            continue
        with template.rows(inside):
            values, _ = template.fit(template.start, {}, budget)
        predictions[~inside] = template.predictions(template.residual(values)[~inside], y[~inside])
    return predictions


def cross_validated_nmse(expr: sympy.Expr, symbols, X: np.ndarray, y: np.ndarray, folds: int,
                         budget: Budget | None = None, relative: bool = False) -> float:
    """The error (``description.model_nmse``) of ``cross_validated_predictions``."""
    return model_nmse(cross_validated_predictions(expr, symbols, X, y, folds, budget, relative), y, relative)
