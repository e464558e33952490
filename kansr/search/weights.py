"""Rows weighed by the target's uncertainties (``kansr.data.Dataset.sigma``): the weights,
the weighted spread an R² is measured against, and χ² against the uncertainties; the
inputs' uncertainties carried to the target (effective variance).

Least squares that weigh each row by 1/σ² are ordinary least squares of f·w against y·w,
w = 1/σ: the searches fit every formula so (``kansr.search.candidate.Scorer``), and so
does the mapping of a result back to the user's columns (``kansr.search.dimensions``).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import sympy
from scipy import interpolate, stats

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


# the least share of the median effective uncertainty a row keeps: where the rows' slope is
# estimated near 0 and the target's own uncertainty is not given, the row is not exact, and
# a weight without bound would make the fit pass through it
_LEAST_SHARE = 0.01
# refits of a reported formula under the effective variance of its own slopes
# (``own_uncertainties``): the weights move with the constants, and settle to well within
# their errors in two or three
OWN_SLOPE_ROUNDS = 4


def trend_slopes(X: np.ndarray, y: np.ndarray, sigma: np.ndarray | None = None) -> np.ndarray:
    """The slope of the rows' trend by each input at each row, shape (n_samples,
    n_features): of one input, the derivative of a cubic smoothing spline (its smoothness
    chosen by generalised cross-validation, rows weighed by 1/sigma²); else, or where an
    input repeats a value, of a straight line through each row's nearest rows (4 per input
    and one). Both are fitted in inputs scaled to unit range, which keeps inputs of
    extreme size (1e-200) within the fits' precision."""
    n, d = X.shape
    spread = np.ptp(X, axis=0)  # not the standard deviation, whose squares underflow at 1e-200
    spread = np.where(spread > 0, spread, 1.0)
    scaled = (X - np.min(X, axis=0)) / spread
    if d == 1 and n >= 5 and len(np.unique(scaled[:, 0])) == n:
        order = np.argsort(scaled[:, 0])
        weights = None if sigma is None else 1.0 / sigma[order] ** 2
        try:
            with np.errstate(all="ignore"):
                spline = interpolate.make_smoothing_spline(scaled[order, 0], y[order], w=weights)
                slopes = spline.derivative()(scaled[:, 0])[:, None] / spread
        except (ValueError, np.linalg.LinAlgError):
            slopes = None
        if slopes is not None and np.all(np.isfinite(slopes)):
            return slopes
    near = min(n, 4 * (d + 1))
    slopes = np.zeros((n, d))
    for i in range(n):
        rows = np.argsort(np.sum((scaled - scaled[i]) ** 2, axis=1), kind="stable")[:near]
        design = np.column_stack([np.ones(near), scaled[rows] - scaled[i]])
        slopes[i] = np.linalg.lstsq(design, y[rows], rcond=None)[0][1:]
    return slopes / spread


def _carried(dataset: Dataset, slopes: np.ndarray, own: np.ndarray | None) -> np.ndarray | None:
    """σ = √(σ_y² + Σ (slope·σ_x)²) on each row, σ_y the target's ``own`` uncertainty (None:
    0), σ_x each input's, ``slopes`` the target's by each input (shape (n_samples,
    n_features)); None where every row's is 0."""
    variance = np.zeros(len(dataset.y)) if own is None else own**2
    for j, name in enumerate(dataset.names):
        if name in dataset.input_sigma:
            variance = variance + (slopes[:, j] * dataset.input_sigma[name]) ** 2
    sigma = np.sqrt(variance)
    if not np.any(sigma > 0):
        return None
    return np.maximum(sigma, _LEAST_SHARE * float(np.median(sigma[sigma > 0])))


def with_input_uncertainties(dataset: Dataset) -> Dataset:
    """``dataset`` with the inputs' uncertainties (``Dataset.input_sigma``) carried into the
    target's (``sigma``; its own kept as ``target_sigma``): σ² = σ_y² + Σ (∂y/∂x·σ_x)² on
    each row, the effective variance, so that a row whose input is uncertain where the
    target changes fast counts for less. The slopes are those of the rows' trend
    (``trend_slopes``), one set for the whole search; each formula reported is refit with
    its own (``own_uncertainties``). Unchanged where no input has uncertainties (none of
    them but 0 ones, which carry nothing)."""
    if not dataset.input_sigma:
        return dataset
    sigma = _carried(dataset, trend_slopes(dataset.X, dataset.y, dataset.sigma), dataset.sigma)
    if sigma is None:
        return replace(dataset, input_sigma={})
    return replace(dataset, sigma=sigma, target_sigma=dataset.sigma)


def own_uncertainties(formula: sympy.Expr, dataset: Dataset) -> Dataset:
    """``dataset`` (``with_input_uncertainties``) with the inputs' uncertainties carried to
    the target through ``formula``'s own slopes, its derivatives by them: the effective
    variance of that formula, as a fit of it with errors in its inputs weighs the rows (to
    first order as orthogonal distance regression does); the rows' trend's slopes where a
    derivative is not finite. Unchanged where no input has uncertainties."""
    if not dataset.input_sigma or dataset.sigma is None:
        return dataset
    symbols = [sympy.Symbol(n) for n in dataset.names]
    slopes = np.zeros(dataset.X.shape)
    for j, symbol in enumerate(symbols):
        if dataset.names[j] in dataset.input_sigma:
            with np.errstate(all="ignore"):
                slopes[:, j] = predict(sympy.diff(formula, symbol), symbols, dataset.X)
    sigma = _carried(dataset, slopes, dataset.target_sigma)
    if sigma is None:
        return dataset
    return replace(dataset, sigma=np.where(np.isfinite(sigma), sigma, dataset.sigma))
