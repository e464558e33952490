"""How sure the chosen formula's values are: the covariance of its fitted constants
(``constants_covariance``), from which ``Result.predict(X, return_std=True)`` gives each
prediction's standard error by the delta method, as lmfit's ``eval_uncertainty`` does:
√(gᵀ·C·g), g the formula's derivatives by its constants at the row. It is the
uncertainty of the fit, not of the formula's form: a formula chosen wrongly is as far
off as it is, whatever its band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sympy

from kansr.data import Dataset
from kansr.search.weights import row_weights
from kansr.symbolic import covariance

_WEIGHT = sympy.Symbol("_weight")


def constants_covariance(formula: sympy.Expr, constants: pd.DataFrame, dataset: Dataset, rows: np.ndarray,
                         relative: bool) -> np.ndarray | None:
    """The covariance of ``formula``'s fitted ``constants`` (the table of ``Result.constants``,
    in its order; shape (k, k)), as they were fitted on ``rows`` of ``dataset`` (weighed by
    its ``sigma``: the inputs' uncertainties carried through the formula's own slopes,
    ``weights.own_uncertainties``) with relative errors or not; its diagonal is the squares
    of their standard errors. None where there are no constants, or the covariance is
    ill-conditioned (the errors are a bootstrap's then)."""
    if constants.empty:
        return None
    symbols = [sympy.Symbol(n) for n in dataset.names]
    X, y, fitted = dataset.X[rows], dataset.y[rows], formula
    if dataset.sigma is not None:
        weights = row_weights(dataset.sigma)[rows]
        X, y, symbols, fitted = np.column_stack([X, weights]), y * weights, symbols + [_WEIGHT], formula * _WEIGHT
    found = covariance(fitted, symbols, X, y, relative)
    if found is None:
        return None
    values, matrix = found
    order = [np.flatnonzero(values == value) for value in constants["value"].to_numpy(dtype=float)]
    if any(len(where) != 1 for where in order) or len(order) != len(values):
        return None
    index = np.concatenate(order)
    return matrix[np.ix_(index, index)]


def standard_errors(template: sympy.Expr, constants: pd.DataFrame, matrix: np.ndarray | None,
                    symbols: list[sympy.Symbol], X: np.ndarray) -> np.ndarray:
    """The standard error of ``template`` (the formula with its constants' names,
    ``Result.template``) on each row of X from the constants' covariance ``matrix``: NaN on
    every row where it is None and there are constants to be unsure of; 0 without any."""
    if constants.empty:
        return np.zeros(len(X))
    if matrix is None:
        return np.full(len(X), np.nan)
    names = [sympy.Symbol(n) for n in constants["name"]]
    values = list(constants["value"].to_numpy(dtype=float))
    gradient = sympy.lambdify([*symbols, *names], [sympy.diff(template, name) for name in names], "numpy")
    with np.errstate(all="ignore"):
        columns = [np.broadcast_to(np.asarray(part, dtype=float), (len(X),))
                   for part in gradient(*np.asarray(X, dtype=float).T, *values)]
    g = np.column_stack(columns)  # (rows, k)
    return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", g, matrix, g), 0.0))
