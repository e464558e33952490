"""Affine splits on a surrogate: is f(x_k, B) = g(B) + φ(x_k)·h(B) for one input x_k, as
I₁ + I₂ + 2·sqrt(I₁I₂)·cos δ is in cos δ, or is a map of the target (ln|y|, y², sin y,
cos y; ``target_maps``) affine so? Then φ, h and g are smaller problems: φ from how f
changes with x_k, h and g from a least-squares line of f against φ at each row
(``affine_splits``, ``affine_function``, ``affine_coefficients``), or from local fits to the
data themselves (``local_affine_coefficients``). Sums and products are the special cases h
constant and g zero; a smooth f is nearly affine in any input over a small range, so this
verdict is judged against the surrogate's own error (``AFFINE_TOLERANCE``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy
from scipy.spatial import cKDTree


@dataclass(frozen=True)
class Affine:
    """f(x) = g(x_R) + φ(x_k)·h(x_R): f is affine in one function φ of input ``k``, with
    coefficients g and h that depend on the other inputs (``rest``). ``rows`` (rows of the
    data) and ``weights`` (h at those rows, up to scale) are where the test sampled f."""

    k: int
    rest: tuple[int, ...]
    score: float
    rows: np.ndarray = field(compare=False, repr=False)
    weights: np.ndarray = field(compare=False, repr=False)
    target: "TargetMap"  # the map of the target that is affine in φ


# An affine split leaves, of the changes T(f(a_i, b)) − mean across the levels of x_k, only
# the surrogate's own errors. Measured against its RMS error on held-out rows, on 14
# functions of two or three inputs: true splits (1 + a·cos θ, cos w + α·cos² w, I₁ + I₂ +
# 2·sqrt(I₁I₂)·cos δ, (1 − ab)/sqrt(1 − a²), and under a map of the target a Gaussian, a
# distance and x^y) 0.5-1.3 on exact data (one at 1.7) and 0.2-0.6 at 1 % noise; the splits
# that do not hold, in the same functions and in ones affine in no input, mapped or not,
# from 4.2 on exact data and from 1.5 at 1 % noise, where the noise fills the held-out
# error. Levels at the ends of the range, where a surrogate errs most, doubled the true
# splits' scores; they are left out.
AFFINE_TOLERANCE = 1.5
_AFFINE_LEVELS = 9
_AFFINE_ROWS = 64


def affine_levels(X: np.ndarray, k: int) -> np.ndarray:
    """Values of input k from its 5th to its 95th percentile, evenly spaced in probability."""
    return np.quantile(X[:, k], np.linspace(0.05, 0.95, _AFFINE_LEVELS))


def with_column(rows: np.ndarray, k: int, values: np.ndarray) -> np.ndarray:
    """(len(values)·len(rows), n): ``rows`` once per value, input k set to it (value-major)."""
    stacked = np.repeat(rows[None], len(values), axis=0)  # (values, rows, n)
    stacked[:, :, k] = np.asarray(values)[:, None]
    return stacked.reshape(-1, rows.shape[1])


def affine_split(f, X: np.ndarray, k: int, error: float, rng: np.random.Generator,
                 target: "TargetMap | None" = None) -> Affine:
    """The affine split on input k of T(f), T the ``target`` map (the identity by default),
    scored. With f sampled at levels a_1..a_K of x_k and at rows b_1..b_m of the data,
    T(f(a_i, b)) − mean = (φ(a_i) − φ̄)·h(b), the means over the levels, is a matrix of rank
    one; the score is the RMS of what its best rank-one approximation leaves, each entry over
    what an error of f moves T there (|T'(f)|), over ``error`` (the surrogate's RMS error on
    held-out rows); inf where x_k or the rest hardly change T(f), or T(f) is not finite."""
    target = target or TargetMap("identity")
    rest = tuple(i for i in range(X.shape[1]) if i != k)
    rows = X[rng.choice(len(X), min(_AFFINE_ROWS, len(X)), replace=False)]
    values = f(with_column(rows, k, affine_levels(X, k))).reshape(_AFFINE_LEVELS, len(rows))
    F, slope = target(values), target.slope(values)
    if not (np.all(np.isfinite(F)) and np.all(np.isfinite(slope)) and np.all(slope > 0)):
        return Affine(k, rest, np.inf, rows, np.ones(len(rows)), target)
    D = F - F.mean(0)
    left, singular, right = np.linalg.svd(D, full_matrices=False)
    residual = D - singular[0] * np.outer(left[:, 0], right[0])
    left_over = float(np.sqrt(np.mean((residual / slope) ** 2)))
    alone = min(np.sqrt(np.mean(D ** 2)), np.sqrt(np.mean((F - F.mean(1, keepdims=True)) ** 2)))
    usable = alone > 1e-3 * (np.std(F) or 1.0) and error > 0
    return Affine(k, rest, left_over / error if usable else np.inf, rows, right[0], target)


def affine_splits(f, X: np.ndarray, seed: int, error: float, tolerance: float,
                  target: "TargetMap | None" = None) -> list[Affine]:
    """Every affine split of one input from the rest scoring below ``tolerance``, best first."""
    rng = np.random.default_rng(seed)
    scored = [affine_split(f, X, k, error, rng, target) for k in range(X.shape[1])]
    return sorted((a for a in scored if a.score < tolerance), key=lambda a: a.score)


def affine_function(f, X: np.ndarray, affine: Affine) -> np.ndarray:
    """φ(x_k) at the data's rows, up to scale and shift: the change of f from its mean over
    the levels of x_k at the sampled rows, weighted by h there (least squares for φ)."""
    levels = affine_levels(X, affine.k)
    mean = f(with_column(affine.rows, affine.k, levels)).reshape(len(levels), len(affine.rows)).mean(0)
    moved = f(with_column(affine.rows, affine.k, X[:, affine.k])).reshape(len(X), len(affine.rows))
    return (moved - mean) @ affine.weights


@dataclass(frozen=True)
class TargetMap:
    """A map of the target under which f may be affine where f itself is not: ln|y| (a
    Gaussian, exp(−d²/(2σ²))/σ, is affine in d² there), y² (a distance, sqrt(1 + r² −
    2r·cos d), is affine in cos d there), sin y or cos y (an angle that an inverse sine or
    cosine gives, asin(n·sin θ), is a product there); ``sign``: the target's (the log and
    the square need one sign)."""

    kind: str  # "identity", "log", "square", "sin" or "cos"
    sign: float = 1.0

    def __call__(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            if self.kind == "log":
                return np.log(self.sign * values)
            if self.kind in ("sin", "cos"):
                return getattr(np, self.kind)(values)
            return values ** 2 if self.kind == "square" else values

    def slope(self, values: np.ndarray) -> np.ndarray:
        """|T'| at ``values``: how far an error of the target moves its map."""
        if self.kind == "log":
            return 1 / np.abs(values)
        if self.kind in ("sin", "cos"):
            return np.abs(np.cos(values) if self.kind == "sin" else np.sin(values))
        return 2 * np.abs(values) if self.kind == "square" else np.ones_like(values)

    def inverse(self, expr: sympy.Expr) -> sympy.Expr:
        if self.kind in ("sin", "cos"):
            return (sympy.asin if self.kind == "sin" else sympy.acos)(expr)
        sign = sympy.Integer(int(self.sign))  # exact: not a constant to fit
        if self.kind == "log":
            return sign * sympy.exp(expr)
        return sign * sympy.sqrt(expr) if self.kind == "square" else expr


# An angle map is offered only where it is one-to-one on the target's range (sin on
# [−π/2, π/2], cos on [0, π]) and that range spans a radian or more: on a narrower range
# either map is nearly a line or a parabola, which the identity and the square already
# cover, and it would only add chances of a spurious split.
_ANGLE_SPAN = 1.0


def target_maps(y: np.ndarray) -> list[TargetMap]:
    """The identity; ln|y| and y² where y has one sign; sin y and cos y where y is an angle
    on which they are one-to-one (``_ANGLE_SPAN``)."""
    sign = 1.0 if np.all(y > 0) else -1.0 if np.all(y < 0) else 0.0
    maps = [TargetMap("identity")] + ([TargetMap("log", sign), TargetMap("square", sign)] if sign else [])
    if np.ptp(y) >= _ANGLE_SPAN:
        maps += [TargetMap("sin")] if np.max(np.abs(y)) <= np.pi / 2 else []
        maps += [TargetMap("cos")] if np.min(y) >= 0 and np.max(y) <= np.pi else []
    return maps


def affine_coefficients(f, X: np.ndarray, k: int, levels: np.ndarray, phi: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, float]:
    """(g, h, scale) at the data's rows for a known φ: at each row, the least-squares line of
    f against φ over the ``levels`` of x_k (φ: its values there); ``scale``: the standard
    error of h where f has the RMS error 1 (multiply by the surrogate's)."""
    F = f(with_column(X, k, levels)).reshape(len(levels), len(X))  # (levels, rows)
    centred = phi - phi.mean()
    h = centred @ (F - F.mean(0)) / (centred @ centred)
    return F.mean(0) - phi.mean() * h, h, float(1 / np.sqrt(centred @ centred))


# rows in each neighbourhood of ``local_affine_coefficients`` (at least 8 per parameter);
# in more than three inputs a neighbourhood of a few dozen rows is no longer local
_LOCAL_ROWS = 48
_LOCAL_INPUTS = 3
_LOCAL_DEGREES = (2, 3, 4, 5)
_LOCAL_CHUNK = 4096  # rows fitted at once: bounds the memory of the stacked fits


def local_affine_coefficients(rest: np.ndarray, phi: np.ndarray, target: np.ndarray
                              ) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(g, h, error) at each row from the data alone, for T(y) = g(rest) + φ·h(rest) with φ
    known: among the row's nearest neighbours in the rest (inputs scaled to unit spread),
    the least-squares fit of T(y) with g and h each a polynomial in the neighbours' offsets
    from the row (no cross terms), taken at the row; ``error``: the RMS residual of those
    fits per degree of freedom. None where the rest has more than ``_LOCAL_INPUTS`` inputs.

    The degree rises from 2 while each step at least halves ``error``: on exact data what
    is left shrinks by about the neighbourhood's size per degree (a curved g near a pole is
    read a decade closer per step), while on noisy data the noise fills the residual at
    once and the degree stays low, where fewer parameters are fitted to it.

    A surrogate's g and h are read at levels of x_k that the row's rest may never come
    with in the data (x/(c·t) and u/c share c): they are its extrapolation there. These
    use only rows the data have.

    rest : (n, m); phi, target : (n,); g, h : (n,)"""
    n, m = rest.shape
    if m > _LOCAL_INPUTS:
        return None
    spread = rest.std(0)
    scaled = (rest - rest.mean(0)) / np.where(spread > 0, spread, 1.0)
    counts = {degree: min(n, max(_LOCAL_ROWS, 8 * _parameters(degree, m))) for degree in _LOCAL_DEGREES}
    _, near = cKDTree(scaled).query(scaled, max(counts.values()))  # (n, most), nearest first
    near = near.reshape(n, -1)
    best = None
    for degree in _LOCAL_DEGREES:
        if 4 * _parameters(degree, m) > counts[degree]:  # a small table: too few rows for so many parameters
            break
        fitted = _local_fit(scaled, near[:, :counts[degree]], phi, target, degree)
        if best is not None and not fitted[2] < best[2] / 2:
            break
        best = fitted
    return best


def _parameters(degree: int, inputs: int) -> int:
    """The parameters of one local fit: g and h, each a constant and ``degree`` powers of each input."""
    return 2 * (1 + degree * inputs)


def _local_fit(scaled: np.ndarray, near: np.ndarray, phi: np.ndarray, target: np.ndarray, degree: int
               ) -> tuple[np.ndarray, np.ndarray, float]:
    """``local_affine_coefficients`` at one polynomial degree; ``near``: (n, count) the
    neighbours of each row, the row itself first."""
    n, m = scaled.shape
    count, parameters = near.shape[1], _parameters(degree, m)
    g, h, squares = np.empty(n), np.empty(n), 0.0
    for start in range(0, n, _LOCAL_CHUNK):
        rows = slice(start, start + _LOCAL_CHUNK)
        offsets = scaled[near[rows]] - scaled[rows, None, :]  # (chunk, count, m)
        reach = np.abs(offsets).max(1, keepdims=True)  # (chunk, 1, m): offsets in [-1, 1], for conditioning
        offsets = offsets / np.where(reach > 0, reach, 1.0)
        ones = np.ones(offsets.shape[:2] + (1,))
        powers = [offsets ** power for power in range(1, degree + 1)]
        basis = np.concatenate([ones] + powers, -1)  # (chunk, count, 1 + degree·m)
        design = np.concatenate([basis, phi[near[rows]][..., None] * basis], -1)  # (chunk, count, parameters)
        values = target[near[rows]]  # (chunk, count)
        coefficients = np.einsum("npc,nc->np", np.linalg.pinv(design), values)  # (chunk, parameters)
        squares += float(np.sum((values - np.einsum("ncp,np->nc", design, coefficients)) ** 2))
        g[rows], h[rows] = coefficients[:, 0], coefficients[:, 1 + degree * m]
    return g, h, float(np.sqrt(squares / (n * (count - parameters))))  # as if held out: per degree of freedom
