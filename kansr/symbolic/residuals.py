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


def looks_like_noise(residual: np.ndarray, y: np.ndarray, nearest: np.ndarray) -> bool:
    """Residuals uncorrelated between neighbouring rows (``nearest`` from ``neighbours``),
    or none left at all; a formula off by a smooth error scores near 1."""
    if not np.all(np.isfinite(residual)):
        return False
    if np.std(residual) <= 1e-12 * (np.std(y) or 1.0):
        return True  # nothing left to explain
    return float(np.corrcoef(residual, residual[nearest])[0, 1]) < NOISE_CORRELATION
