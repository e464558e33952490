"""Affine fitting of edge curves to every candidate: y ≈ c * f(a * x + b) + d.

All edges of a layer are fitted against each candidate at once, in array operations
(no Python loop over edges, no optimiser call per edge): for a given inner pair (a, b),
c and d follow in closed form (linear least squares), so the search runs over (a, b)
only: a coarse grid in the coordinates of each edge's standardised input (no fixed box
in the raw units), then a batched Levenberg–Marquardt refinement of each edge's best
grid points. Each edge is fitted on ``n_points`` = 256 of its samples (see
``auto_symbolic``), spread evenly over its sorted inputs; the coarse grid scores every
(a, b) on 64 of them and the refinement uses all 256. Memory is edges × 28 × 49 × 64
doubles per candidate for the grid (0.7 MB per edge) plus edges × points for the
refinement: linear in the points, never a grid squared, and edges are processed in
chunks so the grid stays under ``_CHUNK_BYTES``. Candidates that are undefined anywhere on an edge's samples are
skipped for that edge.

Selection rule (``choose``): candidates are ordered by complexity; the first whose
unexplained variance 1 - R² is at most ``max(r2_floor, tolerance * (1 - R²_best))`` wins.
So a simpler function wins unless a more complex one explains the curve clearly better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from kansr.budget import Budget, charge, cost, expired
from kansr.symbolic.library import SymbolicFunction
from kansr.symbolic.limits import BudgetExhausted

_SCALES = np.concatenate([-np.logspace(-1.3, 1.3, 14), np.logspace(-1.3, 1.3, 14)])  # (28,)
_SHIFTS = np.linspace(-6, 6, 49)  # (49,)
_CHUNK_BYTES = 64 * 2**20
_GRID_POINTS = 64
_COLUMNS = ["name", "a", "b", "c", "d", "r2", "complexity"]
# ``better_fits``: how much less unexplained variance makes a fit another curve than the
# chosen one, and how close two errors are when two functions fit one curve
_BETTER = 1.01
_SAME_CURVE = 1e-6


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


def linear_part(values: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closed-form c, d and 1 - R² for every row of ``values`` (..., n) against y (..., n).

    ``y`` broadcasts against ``values``; NaN rows (undefined candidates) give NaN.
    """
    centred = values - values.mean(-1, keepdims=True)
    y_centred = y - y.mean(-1, keepdims=True)
    var_f = np.einsum("...n,...n->...", centred, centred)
    cov = (centred * y_centred).sum(-1)
    var_y = np.maximum((y_centred**2).sum(-1), 1e-300)
    with np.errstate(all="ignore"):
        c = np.where(var_f > 1e-300, cov / var_f, 0.0)
        unexplained = 1 - np.where(var_f > 1e-300, cov**2 / (var_f * var_y), 0.0)
    d = y.mean(-1) - c * values.mean(-1)
    return c, d, np.clip(unexplained, 0.0, 1.0)


def _evaluate(fn: SymbolicFunction, inner: np.ndarray) -> np.ndarray:
    """fn at ``inner`` (..., n); rows where fn is undefined or huge anywhere become NaN."""
    with np.errstate(all="ignore"):
        values = np.asarray(fn.numpy(inner), dtype=float)
    bad = ~np.isfinite(values) | (np.abs(values) > 1e12)
    return np.where(bad.any(-1, keepdims=True), np.nan, values)


def _loss(fn: SymbolicFunction, z: np.ndarray, y: np.ndarray, alpha: np.ndarray, beta: np.ndarray):
    """Sum of squared residuals after projecting out c, d; inf where fn is undefined. Shapes (m,)."""
    values = _evaluate(fn, alpha[:, None] * z + beta[:, None])
    c, d, _ = linear_part(values, y)
    residual = c[:, None] * values + d[:, None] - y
    loss = (residual**2).sum(-1)
    return np.where(np.isfinite(loss), loss, np.inf), values, residual, c


def _solve_where_finite(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solve of a x = b, (m, k, k) and (m, k, j); NaN for problems with a non-finite
    entry, least squares for singular ones (a curve that overflows or goes flat)."""
    out = np.full(b.shape, np.nan)
    ok = np.isfinite(a).all((1, 2)) & np.isfinite(b).all((1, 2))
    if ok.any():
        try:
            out[ok] = np.linalg.solve(a[ok], b[ok])
        except np.linalg.LinAlgError:
            out[ok] = np.linalg.pinv(a[ok]) @ b[ok]
    return out


def _refine(fn: SymbolicFunction, z: np.ndarray, y: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
            iterations: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched Levenberg–Marquardt over the free inner constants (a, b), c and d projected out.

    z, y : (m, n) standardised inputs and targets of m independent problems;
    alpha, beta : (m,) starting points. Returns refined alpha, beta and their losses.
    The Jacobian uses a central difference of fn (works for any library function). A
    problem leaves the batch once its step is negligible and no longer lowers its loss, or
    its damping has grown past any useful step: most settle in a few iterations, and the
    rest no longer pay for them.
    """
    free = np.array([not fn.fixed_scale, not fn.fixed_shift], dtype=float)  # (2,)
    alpha, beta = np.array(alpha, dtype=float), np.array(beta, dtype=float)
    loss, values, residual, c = _loss(fn, z, y, alpha, beta)
    if not free.any():
        return alpha, beta, loss
    damping = np.full(alpha.shape, 1e-3)
    active = np.flatnonzero(np.isfinite(loss))  # the problems still being refined
    for _ in range(iterations):
        if not len(active):
            break
        za, ya, ca, va, ra = z[active], y[active], c[active], values[active], residual[active]
        inner = alpha[active, None] * za + beta[active, None]
        h = 1e-6 * (1 + np.abs(inner))
        with np.errstate(all="ignore"):
            ahead, behind = np.asarray(fn.numpy(inner + h), dtype=float), np.asarray(fn.numpy(inner - h), dtype=float)
            slope = (ahead - behind) / (2 * h)
        # residual r = c f(alpha z + beta) + d - y with c, d at their optimum (variable projection,
        # Kaufman's approximation): dr/dalpha = c f' z, dr/dbeta = c f', made orthogonal to [f, 1]
        jac = np.stack([ca[:, None] * slope * za * free[0], ca[:, None] * slope * free[1]], axis=-1)  # (a, n, 2)
        basis = np.stack([va, np.ones_like(va)], axis=-1)  # (a, n, 2)
        with np.errstate(all="ignore"):
            gram_b = basis.transpose(0, 2, 1) @ basis + 1e-12 * np.eye(2)
            jac = jac - basis @ _solve_where_finite(gram_b, basis.transpose(0, 2, 1) @ jac)
            jtj = jac.transpose(0, 2, 1) @ jac  # (a, 2, 2)
            jtr = np.einsum("mnk,mn->mk", jac, ra)
            diag = np.diagonal(jtj, axis1=1, axis2=2)
            # damped normal equations; the 1e-12 * trace term keeps degenerate problems (flat
            # curve, proportional columns) solvable
            floor = 1e-12 * diag.sum(-1) + 1e-300
            system = jtj + (damping[active, None] * diag + floor[:, None])[:, :, None] * np.eye(2)
            system = system + np.diag(1 - free)[None]  # fixed constants: identity rows, zero step
            step = np.nan_to_num(-_solve_where_finite(system, jtr[..., None])[..., 0], nan=0.0, posinf=0.0,
                                 neginf=0.0)
        step *= free
        trial_alpha, trial_beta = alpha[active] + step[:, 0], beta[active] + step[:, 1]
        trial = _loss(fn, za, ya, trial_alpha, trial_beta)
        better = trial[0] < loss[active]
        improved = active[better]
        alpha[improved], beta[improved], loss[improved] = trial_alpha[better], trial_beta[better], trial[0][better]
        values[improved], residual[improved], c[improved] = trial[1][better], trial[2][better], trial[3][better]
        damping[active] = np.where(better, damping[active] / 3, damping[active] * 4)
        point = np.stack([alpha[active], beta[active]], -1)
        tiny = (np.abs(step) <= 1e-10 * (1 + np.abs(point))).all(-1)
        settled = (tiny & ~better) | (damping[active] > 1e10)
        active = active[~settled]
    return alpha, beta, loss


def fit_batch(fn: SymbolicFunction, x: np.ndarray, y: np.ndarray, refine: int = 2,
              budget: Budget | None = None) -> list[EdgeFit | None]:
    """Best ``c * fn(a * x + b) + d`` for each of m curves at once (None where fn is undefined).

    x, y : ndarray, shape (m, n_samples)
    budget : charged the fits' estimated cost (``kansr.budget``)
    """
    m, n = x.shape
    mean, std = x.mean(-1), x.std(-1)
    std = np.where(std > 0, std, 1.0)
    z = (x - mean[:, None]) / std[:, None]  # standardised inputs: the search grid is in these units
    scales = np.array([1.0, -1.0]) if fn.fixed_scale else _SCALES
    shifts = np.array([0.0]) if fn.fixed_shift else _SHIFTS
    if fn.fixed_scale and not fn.fixed_shift:
        # inner = ±(x - t): scan the shift t over and around the data range
        shifts = np.concatenate([_SHIFTS, [-1e3, 1e3]])
    # the coarse search scores every grid point on at most _GRID_POINTS samples spread over the
    # curve; the refinement then uses all of them
    coarse = np.unique(np.linspace(0, n - 1, min(n, _GRID_POINTS)).astype(int))
    charge(budget, cost.edge_fits(m * (len(scales) * len(shifts) * len(coarse) + refine * n * 20)))
    chunk = max(1, int(_CHUNK_BYTES // (8 * 3 * len(scales) * len(shifts) * len(coarse))))
    starts = []
    for lo in range(0, m, chunk):
        zc = z[lo:lo + chunk][:, coarse]
        inner = scales[None, :, None, None] * zc[:, None, None, :] + shifts[None, None, :, None]
        _, _, unexplained = linear_part(_evaluate(fn, inner), y[lo:lo + chunk, None, None, coarse])
        unexplained = np.where(np.isnan(unexplained), np.inf, unexplained).reshape(len(zc), -1)
        starts.append(np.argsort(unexplained, axis=1, kind="stable")[:, :refine])
        starts[-1] = np.where(np.take_along_axis(unexplained, starts[-1], 1) < np.inf, starts[-1], -1)
    flat = np.concatenate(starts)  # (m, refine); -1: no defined start
    rows, picks = np.nonzero(flat >= 0)
    if len(rows) == 0:
        return [None] * m
    i, j = np.unravel_index(flat[rows, picks], (len(scales), len(shifts)))
    alpha, beta, loss = _refine(fn, z[rows], y[rows], scales[i].astype(float), shifts[j].astype(float))
    best_alpha, best_beta, best_loss = np.zeros(m), np.zeros(m), np.full(m, np.inf)
    for r, a_, b_, l_ in zip(rows, alpha, beta, loss):
        if l_ < best_loss[r]:
            best_alpha[r], best_beta[r], best_loss[r] = a_, b_, l_
    values = _evaluate(fn, best_alpha[:, None] * z + best_beta[:, None])
    c, d, unexplained = linear_part(values, y)
    fits: list[EdgeFit | None] = []
    for k in range(m):
        if not np.isfinite(best_loss[k]) or not np.isfinite(unexplained[k]):
            fits.append(None)
            continue
        # back to raw units: alpha * (x - mean) / std + beta = a * x + b
        a = best_alpha[k] / std[k]
        b = best_beta[k] - best_alpha[k] * mean[k] / std[k]
        a, b, ck = canonical(fn, a, b, c[k])
        fits.append(EdgeFit(fn.name, float(a), float(b), float(ck), float(d[k]), float(1 - unexplained[k]),
                            fn.complexity))
    return fits


def fit_function(fn: SymbolicFunction, x: np.ndarray, y: np.ndarray, refine: int = 2) -> EdgeFit | None:
    """Best ``c * fn(a * x + b) + d`` for samples (x, y), or None where fn is undefined throughout.

    x, y : ndarray, shape (n_samples,)
    """
    return fit_batch(fn, np.asarray(x, float)[None], np.asarray(y, float)[None], refine)[0]


def canonical(fn: SymbolicFunction, a: float, b: float, c: float) -> tuple[float, float, float]:
    """One form for equivalent fits: a > 0 for even/odd functions, b within one period."""
    if fn.symmetry and a < 0:
        a, b, c = -a, -b, c * fn.symmetry
    if fn.period:
        b = (b + fn.period / 2) % fn.period - fn.period / 2
    return a, b, c


def fit_candidates_batch(x: np.ndarray, y: np.ndarray, library: dict[str, SymbolicFunction],
                         budget: Budget | None = None) -> list[pd.DataFrame]:
    """Every candidate's best fit for each of m curves: one table per curve (see ``fit_candidates``).

    x, y : ndarray, shape (m, n_samples)
    """
    rows: list[list[dict]] = [[] for _ in range(x.shape[0])]
    for fn in library.values():
        if expired(budget):
            raise BudgetExhausted(f"{budget.label} spent during symbolic fitting")
        for k, fit in enumerate(fit_batch(fn, x, y, budget=budget)):
            if fit is not None:
                rows[k].append(fit.__dict__)
    return [pd.DataFrame(r, columns=_COLUMNS).sort_values(["r2", "complexity"], ascending=[False, True],
                                                          ignore_index=True) for r in rows]


def fit_candidates(x: np.ndarray, y: np.ndarray, library: dict[str, SymbolicFunction],
                   budget: Budget | None = None) -> pd.DataFrame:
    """Every candidate's best fit, one row each (name, a, b, c, d, r2, complexity), best R² first."""
    return fit_candidates_batch(np.asarray(x, float)[None], np.asarray(y, float)[None], library, budget)[0]


def spread(values: np.ndarray, n_points: int) -> np.ndarray:
    """Indices of up to ``n_points`` of ``values``, evenly spread over their sorted order (both
    ends of the range kept): the samples a curve is fitted on."""
    order = np.argsort(values, kind="stable")
    return order[np.unique(np.linspace(0, len(order) - 1, min(n_points, len(order))).astype(int))]


def choose(table: pd.DataFrame, tolerance: float = 3.0, r2_floor: float = 1e-7) -> EdgeFit:
    """The simplest candidate whose 1 - R² is within ``tolerance`` × the best (see module doc)."""
    best_unexplained = max(1 - float(table.r2.max()), 0.0)
    limit = max(r2_floor, tolerance * best_unexplained)
    good = table[1 - table.r2 <= limit].sort_values(["complexity", "r2"], ascending=[True, False])
    return EdgeFit(**good.iloc[0].to_dict())


def better_fits(table: pd.DataFrame, chosen: EdgeFit, margin: float = _BETTER) -> list[EdgeFit]:
    """The candidates whose unexplained variance is below ``chosen``'s by more than the
    factor ``margin``, best first, one per curve: a function that only mimics the chosen
    one (a sine of tiny frequency is a parabola) fits no better, and one that is another's
    shift (cos for sin) fits the same curve to the same error, and is left out."""
    result: list[EdgeFit] = []
    for row in table.sort_values("r2", ascending=False).itertuples(index=False):
        unexplained = 1 - row.r2
        if unexplained * margin >= 1 - chosen.r2:
            break
        if any(abs(unexplained - (1 - fit.r2)) <= _SAME_CURVE * unexplained for fit in result):
            continue
        result.append(EdgeFit(**row._asdict()))
    return result


# an edge whose input takes this many values or fewer: its curve is a handful of points,
# through which every candidate's affine fit passes
FEW_VALUES = 3


def next_simplest(table: pd.DataFrame, chosen: EdgeFit) -> list[EdgeFit]:
    """The candidates of the next complexity above ``chosen``'s (1/x, √x and x² beside x)
    that fit its points as closely: where an edge's input takes a few values only, every
    candidate passes through them, the curve cannot tell the functions apart, and the
    simplest is only the first guess; the rows of the whole formula tell."""
    above = table[(table.complexity > chosen.complexity) & (1 - table.r2 <= max(2 * (1 - chosen.r2), 1e-9))]
    if above.empty:
        return []
    level = above[above.complexity == above.complexity.min()]
    return [EdgeFit(**row._asdict()) for row in level.sort_values("name").itertuples(index=False)]


def fix_edge(model, edge, fit: EdgeFit, library: dict[str, SymbolicFunction]) -> None:
    """Replace the edge ``EdgeId(layer, in_idx, out_idx)`` of ``model`` by the fitted candidate."""
    layer = model.layers[edge.layer]
    fn = library[fit.name]
    layer.fix_symbolic(edge.in_idx, edge.out_idx, fit.name, fn.torch, (fit.a, fit.b, fit.c, fit.d))


def auto_symbolic(model, x, library: dict[str, SymbolicFunction], n_points: int = 256,
                  tolerance: float = 3.0, budget: Budget | None = None) -> pd.DataFrame:
    """Fit and fix every unmasked, not yet symbolic edge of ``model``, layer by layer.

    Each edge is fitted on ``n_points`` of its input samples (evenly spread in sorted
    order, so both ends of the range are kept). Returns one row per edge with the
    chosen candidate and its R² (layer, in_idx, out_idx: the edge's ``EdgeId``), and the
    candidates that fit its curve better (``better``, see ``better_fits``: where a spline
    learnt from few noisy rows is itself uncertain, the simplest fit within ``tolerance``
    of the best, a parabola, can be another function than the law's, a sine, and only the
    data can tell them apart); where the edge's input takes ``FEW_VALUES`` values or
    fewer, the next simplest candidates instead (``next_simplest``).

    x : Tensor, shape (n_samples, n_data_inputs)
    """
    rows = []
    for index, layer in enumerate(model.layers):
        edges = [edge for edge in model.edges()
                 if edge.layer == index and layer.symbolic_mask[edge.out_idx, edge.in_idx] == 0]
        if not edges:
            continue
        if expired(budget):
            raise BudgetExhausted(f"{budget.label} spent during symbolic fitting")
        # edges fixed in earlier layers change what later layers see: trace once per layer
        with torch.no_grad():
            trace = model.trace(x)
        inputs = trace.inputs[index].cpu().numpy()  # (samples, in)
        outputs = trace.edges[index].cpu().numpy()  # (samples, out, in)
        xs, ys = [], []
        for edge in edges:
            pick = spread(inputs[:, edge.in_idx], n_points)
            xs.append(inputs[pick, edge.in_idx])
            ys.append(outputs[pick, edge.out_idx, edge.in_idx])
        tables = fit_candidates_batch(np.stack(xs), np.stack(ys), library, budget)
        for edge, table in zip(edges, tables):
            chosen = choose(table, tolerance)
            fix_edge(model, edge, chosen, library)
            few = len(np.unique(inputs[:, edge.in_idx])) <= FEW_VALUES
            rows.append({"layer": edge.layer, "in_idx": edge.in_idx, "out_idx": edge.out_idx,
                         "function": chosen.name, "r2": chosen.r2,
                         "better": next_simplest(table, chosen) if few else better_fits(table, chosen)})
    return pd.DataFrame(rows)
