"""What a formula's residuals say: whether they look like noise (uncorrelated between
neighbouring rows), and which rows lie far from it.

Noise is independent from row to row; a formula off by a smooth error leaves residuals that
are nearly the same at rows close in the inputs. The search's stops
(``kansr.search.stopping``) and the one-input compositions
(``kansr.symbolic.compositions``) both ask it. A row far out of the rest's scatter (a typo,
a row of another regime) is named to the user (``kansr.search.discover``).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

# residual correlation between neighbouring rows below which residuals count as noise
# (about 4 standard deviations of pure noise's correlation on 800 rows: 0 ± 0.035)
NOISE_CORRELATION = 0.15
# pure noise's neighbour correlation on n rows stays below NOISE_QUANTILE/√n 99 times in
# 100 (its spread is about 1.3/√n, more than a plain correlation's 1/√n, since nearest
# neighbours are often each other's, so pairs count twice)
NOISE_QUANTILE = 3.0
# a residual this many robust standard deviations out (on many rows; more on few,
# ``far_threshold``) is a row far from the formula, where at most this share of the rows are
# (``far_rows``)
FAR = 6.0
FAR_SHARE = 0.05


def neighbours(X: np.ndarray) -> np.ndarray:
    """Index of each row's nearest other row (inputs standardised)."""
    Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    if len(Z) < 2:
        return np.zeros(len(Z), dtype=int)
    if not Z.shape[1]:
        return (np.arange(len(Z)) + 1) % len(Z)  # no inputs: the table's order is the only one
    _, index = cKDTree(Z).query(Z, k=2)
    # a duplicated row may list itself second
    return np.where(index[:, 0] == np.arange(len(Z)), index[:, 1], index[:, 0])


def noise_correlation(n_rows: int) -> float:
    """The neighbour correlation that pure noise on ``n_rows`` rows stays below at least 99
    times in 100, and at least ``NOISE_CORRELATION`` (which it meets at 400 rows). On 8 rows
    a quarter of pure noise draws correlate above 0.15; below ten rows the threshold is 1 or
    more, and every residual passes: so few rows cannot tell noise from a smooth error."""
    return max(NOISE_CORRELATION, NOISE_QUANTILE / np.sqrt(max(n_rows, 1)))


def looks_like_noise(residual: np.ndarray, y: np.ndarray, nearest: np.ndarray,
                     threshold: float = NOISE_CORRELATION) -> bool:
    """Residuals uncorrelated between neighbouring rows (``nearest`` from ``neighbours``):
    their correlation below ``threshold``; or none left at all. A formula off by a smooth
    error scores near 1."""
    if not np.all(np.isfinite(residual)):
        return False
    if np.std(residual) <= 1e-12 * (np.std(y) or 1.0):
        return True  # nothing left to explain
    if np.std(residual[nearest]) == 0:
        # no correlation to measure (a row off a formula that fits every other row
        # exactly, that no row has as its nearest): nothing says the rest is noise
        return False
    return float(np.corrcoef(residual, residual[nearest])[0, 1]) < threshold


def far_threshold(n_rows: int) -> float:
    """How many robust standard deviations out a residual on ``n_rows`` rows must lie to be
    far: ``FAR`` on many rows (pure noise puts a row beyond 6 standard deviations about once
    in 5e8 rows), more on few, where the median absolute deviation of a handful of rows is
    itself uncertain and now and then small (six rows of pure noise have a row beyond 12
    of it in one draw of 200). Above pure noise's largest residual in 999 draws of 1000 on
    any number of rows (docs/benchmarks.md); infinite below five rows."""
    return FAR + 50.0 / (n_rows - 4) ** 1.2 if n_rows > 4 else np.inf


def far_rows(residual: np.ndarray, floor: float) -> tuple[np.ndarray, float]:
    """Rows whose residual lies more than ``far_threshold`` robust standard deviations from
    the residuals' median, where they are a few (at most ``FAR_SHARE`` of the rows, or one):
    a typo or a row of another regime, which a least-squares fit bends towards.
    ``floor``: a residual smaller than this is never far (rounding on an exact fit).
    Returns (indices, largest first; the robust standard deviation)."""
    finite = np.isfinite(residual)
    if finite.sum() < 3:
        return np.empty(0, dtype=int), np.nan
    centre = np.median(residual[finite])
    # a normal's standard deviation is its median absolute deviation over Φ⁻¹(3/4)
    spread = 1.482602218505602 * np.median(np.abs(residual[finite] - centre))
    distance = np.where(finite, np.abs(residual - centre), 0.0)
    far = np.flatnonzero((distance > far_threshold(int(finite.sum())) * spread) & (distance > floor))
    if not len(far) or len(far) > max(1, int(FAR_SHARE * len(residual))):
        return np.empty(0, dtype=int), spread
    return far[np.argsort(-distance[far], kind="stable")], spread
