"""Whether a formula's residuals look like noise: uncorrelated between neighbouring rows.

Noise is independent from row to row; a formula off by a smooth error leaves residuals that
are nearly the same at rows close in the inputs. The search's stops
(``kansr.search.stopping``) and the one-input compositions
(``kansr.symbolic.compositions``) both ask it.
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
    return float(np.corrcoef(residual, residual[nearest])[0, 1]) < threshold
