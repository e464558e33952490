"""Affine fitting of one edge's curve to every candidate: y ≈ c * f(a * x + b) + d.

For a given inner pair (a, b), c and d follow in closed form (linear least squares), so
the search runs over (a, b) only: a coarse grid in the coordinates of the standardised
input (no fixed box in the raw units), then a local least-squares refinement of the best
grid points with scipy. Candidates that are undefined anywhere on the samples are skipped.

Selection rule (``choose``): candidates are ordered by complexity; the first whose
unexplained variance 1 - R² is at most ``max(r2_floor, tolerance * (1 - R²_best))`` wins.
So a simpler function wins unless a more complex one explains the curve clearly better.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from kansr.errors import KansrError
from kansr.symbolic.library import SymbolicFunction

_SCALES = np.concatenate([-np.logspace(-1.3, 1.3, 14), np.logspace(-1.3, 1.3, 14)])  # (28,)
_SHIFTS = np.linspace(-6, 6, 49)  # (49,)


@dataclass(frozen=True)
class EdgeFit:
    """The best affine fit of one candidate: y ≈ c * f(a * x + b) + d."""

    name: str
    a: float
    b: float
    c: float
    d: float
    r2: float
    complexity: int


def _linear_part(values: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closed-form c, d and 1 - R² for every row of ``values`` (..., n) against y (n,)."""
    centred = values - values.mean(-1, keepdims=True)
    y_centred = y - y.mean()
    var_f = np.einsum("...n,...n->...", centred, centred)
    cov = np.einsum("...n,n->...", centred, y_centred)
    var_y = float(y_centred @ y_centred) or 1e-300
    with np.errstate(all="ignore"):
        c = np.where(var_f > 1e-300, cov / var_f, 0.0)
        unexplained = 1 - np.where(var_f > 1e-300, cov**2 / (var_f * var_y), 0.0)
    d = y.mean() - c * values.mean(-1)
    return c, d, np.clip(unexplained, 0.0, 1.0)


def _evaluate(fn: SymbolicFunction, inner: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        values = np.asarray(fn.numpy(inner), dtype=float)
    bad = ~np.isfinite(values) | (np.abs(values) > 1e12)
    return np.where(bad.any(-1, keepdims=True), np.nan, values)


def fit_function(fn: SymbolicFunction, x: np.ndarray, y: np.ndarray, refine: int = 2) -> EdgeFit | None:
    """Best ``c * fn(a * x + b) + d`` for samples (x, y), or None where fn is undefined throughout.

    x, y : ndarray, shape (n_samples,)
    """
    mean, std = float(x.mean()), float(x.std()) or 1.0
    z = (x - mean) / std  # standardised input: the search grid is in these units
    scales = np.array([1.0, -1.0]) if fn.fixed_scale else _SCALES
    shifts = np.array([0.0]) if fn.fixed_shift else _SHIFTS
    if fn.fixed_scale and not fn.fixed_shift:
        # inner = ±(x - t): scan the shift t over and around the data range
        shifts = np.concatenate([_SHIFTS, [-1e3, 1e3]])
    inner = scales[:, None, None] * z[None, None, :] + shifts[None, :, None]  # (scales, shifts, n)
    values = _evaluate(fn, inner)
    c, d, unexplained = _linear_part(values, y)
    unexplained = np.where(np.isnan(unexplained), np.inf, unexplained)
    if not np.isfinite(unexplained).any():
        return None
    order = np.argsort(unexplained, axis=None)[:refine]
    best = None
    for flat in order:
        if not np.isfinite(unexplained.flat[flat]):
            continue
        i, j = np.unravel_index(flat, unexplained.shape)
        candidate = _refine(fn, z, y, scales[i], shifts[j])
        if best is None or candidate[2] < best[2]:
            best = candidate
    alpha, beta, loss = best
    values = _evaluate(fn, alpha * z + beta)
    c, d, unexplained = _linear_part(values, y)
    if not np.isfinite(unexplained):
        return None
    # back to raw units: alpha * (x - mean) / std + beta = a * x + b
    a, b = alpha / std, beta - alpha * mean / std
    a, b, c = canonical(fn, a, b, c)
    return EdgeFit(fn.name, float(a), float(b), float(c), float(d), float(1 - unexplained), fn.complexity)


def canonical(fn: SymbolicFunction, a: float, b: float, c: float) -> tuple[float, float, float]:
    """One form for equivalent fits: a > 0 for even/odd functions, b within one period."""
    if fn.symmetry and a < 0:
        a, b, c = -a, -b, c * fn.symmetry
    if fn.period:
        b = (b + fn.period / 2) % fn.period - fn.period / 2
    return a, b, c


def _refine(fn: SymbolicFunction, z: np.ndarray, y: np.ndarray, alpha: float, beta: float):
    """Local least squares over the free inner constants, c and d projected out."""
    free_alpha, free_beta = not fn.fixed_scale, not fn.fixed_shift
    start = [v for v, free in ((alpha, free_alpha), (beta, free_beta)) if free]

    def unpack(params):
        params = list(params)
        a = params.pop(0) if free_alpha else alpha
        b = params.pop(0) if free_beta else beta
        return a, b

    def residual(params):
        a, b = unpack(params)
        values = _evaluate(fn, a * z + b)
        if not np.all(np.isfinite(values)):
            return np.full_like(y, 1e6)
        c, d, _ = _linear_part(values, y)
        return c * values + d - y

    if not start:
        return alpha, beta, float(np.sum(residual([]) ** 2))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        solution = least_squares(residual, start, method="lm", xtol=1e-12, ftol=1e-14, gtol=1e-14, max_nfev=80)
    a, b = unpack(solution.x)
    return a, b, float(np.sum(solution.fun**2))


def fit_candidates(x: np.ndarray, y: np.ndarray, library: dict[str, SymbolicFunction]) -> pd.DataFrame:
    """Every candidate's best fit, one row each (name, a, b, c, d, r2, complexity), best R² first."""
    fits = [fit_function(fn, x, y) for fn in library.values()]
    rows = [fit.__dict__ for fit in fits if fit is not None]
    table = pd.DataFrame(rows, columns=["name", "a", "b", "c", "d", "r2", "complexity"])
    return table.sort_values(["r2", "complexity"], ascending=[False, True], ignore_index=True)


def choose(table: pd.DataFrame, tolerance: float = 3.0, r2_floor: float = 1e-7) -> EdgeFit:
    """The simplest candidate whose 1 - R² is within ``tolerance`` × the best (see module doc)."""
    best_unexplained = max(1 - float(table.r2.max()), 0.0)
    limit = max(r2_floor, tolerance * best_unexplained)
    good = table[1 - table.r2 <= limit].sort_values(["complexity", "r2"], ascending=[True, False])
    return EdgeFit(**good.iloc[0].to_dict())


def fix_edge(model, edge, fit: EdgeFit, library: dict[str, SymbolicFunction]) -> None:
    """Replace the edge ``EdgeId(layer, in_idx, out_idx)`` of ``model`` by the fitted candidate."""
    layer = model.layers[edge.layer]
    fn = library[fit.name]
    layer.fix_symbolic(edge.in_idx, edge.out_idx, fit.name, fn.torch, (fit.a, fit.b, fit.c, fit.d))


class BudgetExhausted(KansrError):
    """The time budget ran out in the middle of a step."""


def auto_symbolic(model, x, library: dict[str, SymbolicFunction], n_points: int = 256,
                  tolerance: float = 3.0, deadline: float | None = None) -> pd.DataFrame:
    """Fit and fix every unmasked, not yet symbolic edge of ``model``, layer by layer.

    Each edge is fitted on ``n_points`` of its input samples (evenly spread in sorted
    order, so both ends of the range are kept). Returns one row per edge with the
    chosen candidate and its R².

    x : Tensor, shape (n_samples, n_data_inputs)
    """
    import torch

    rows, trace, traced_layer = [], None, None
    for edge in model.edges():
        if deadline is not None and time.monotonic() > deadline:
            raise BudgetExhausted("time budget spent during symbolic fitting")
        layer = model.layers[edge.layer]
        if layer.symbolic_mask[edge.out_idx, edge.in_idx] > 0:
            continue
        if traced_layer != edge.layer:
            # edges fixed in earlier layers change what later layers see: trace once per layer
            with torch.no_grad():
                trace = model.trace(x)
            traced_layer = edge.layer
        inputs = trace.inputs[edge.layer][:, edge.in_idx].cpu().numpy()
        outputs = trace.edges[edge.layer][:, edge.out_idx, edge.in_idx].cpu().numpy()
        order = np.argsort(inputs, kind="stable")
        pick = order[np.unique(np.linspace(0, len(order) - 1, min(n_points, len(order))).astype(int))]
        table = fit_candidates(inputs[pick], outputs[pick], library)
        chosen = choose(table, tolerance)
        fix_edge(model, edge, chosen, library)
        rows.append({"layer": edge.layer, "in_idx": edge.in_idx, "out_idx": edge.out_idx,
                     "function": chosen.name, "r2": chosen.r2})
    return pd.DataFrame(rows)
