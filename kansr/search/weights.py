"""Rows weighed by the target's uncertainties (``kansr.data.Dataset.sigma``): the weights,
the weighted spread an R² is measured against, and χ² against the uncertainties.

Least squares that weigh each row by 1/σ² are ordinary least squares of f·w against y·w,
w = 1/σ: the searches fit every formula so (``kansr.search.candidate.Scorer``), and so
does the mapping of a result back to the user's columns (``kansr.search.dimensions``).
"""

from __future__ import annotations

import math

import numpy as np
import sympy
from scipy import stats

from kansr.data import Dataset
from kansr.symbolic import predict


def row_weights(sigma: np.ndarray) -> np.ndarray:
    """1/σ for each row, scaled to a geometric mean of 1: what the formula and the target
    are multiplied by for least squares that weigh each row by 1/σ²."""
    logs = -np.log(sigma)
    return np.exp(logs - np.mean(logs))


def weighted_variance(y: np.ndarray, weights: np.ndarray) -> float:
    """The variance of y about its mean, each row weighed by weights² (``row_weights``): the
    error of the best constant under those weights, which a weighted R² is measured against."""
    squared = weights**2
    return float(np.sum(squared * (y - np.sum(squared * y) / np.sum(squared)) ** 2) / len(y))


def chi_square(formula: sympy.Expr, n_constants: int, dataset: Dataset) -> tuple[float, int, float]:
    """(χ²/dof, dof, p) of ``formula`` (in ``dataset``'s inputs, with ``n_constants`` fitted
    constants) against the target's uncertainties (``Dataset.sigma``): about 1 where the rows
    scatter about it as their uncertainties say; p the chance of a χ² as large or larger
    from that scatter alone. χ²/dof and p are NaN where no degree of freedom is left."""
    symbols = [sympy.Symbol(n) for n in dataset.names]
    chi2 = float(np.sum(((dataset.y - predict(formula, symbols, dataset.X)) / dataset.sigma) ** 2))
    dof = len(dataset.y) - n_constants
    if dof <= 0:
        return math.nan, dof, math.nan
    return chi2 / dof, dof, float(stats.chi2.sf(chi2, dof))


def product(first: np.ndarray | None, second: np.ndarray | None) -> np.ndarray | None:
    """The rows' product of two per-row factors, either of which may be absent (None)."""
    if first is None or second is None:
        return second if first is None else first
    return first * second
