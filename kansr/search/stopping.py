"""Telling noise from a wrong formula: residual correlation between neighbouring rows, and
which constants of a formula were fitted rather than exact.

On noisy data no formula fits to machine precision, so ``discover`` needs another sign that
a formula is right: what it leaves unexplained does not correlate between rows that are
close in the inputs (a formula off by a smooth error leaves residuals that do), and it has
no fitted constant apart from an overall factor or offset.
"""

from __future__ import annotations

import numpy as np
import sympy
from scipy.spatial import cKDTree

# residual correlation between neighbouring rows below which residuals count as noise
# (about 4 standard deviations of pure noise's correlation on 800 rows: 0 ± 0.035)
NOISE_CORRELATION = 0.15


def neighbours(X: np.ndarray) -> np.ndarray:
    """Index of each row's nearest other row (inputs standardised)."""
    Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    if len(Z) < 2:
        return np.zeros(len(Z), dtype=int)
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


def free_constants(expr: sympy.Expr) -> int:
    """Numbers in ``expr``, apart from an overall factor (or else an overall offset), that
    look fitted rather than exact: floats, and integers or fractions with a numerator or
    denominator above 12 (a rational snapped from noisy data, like 1647/513, is as free as
    a float)."""
    factor, expr = expr.as_coeff_Mul()
    if factor == 1:
        expr = expr.as_coeff_Add()[1]
    return sum(1 for number in expr.atoms(sympy.Number)
               if isinstance(number, sympy.Float)
               or (isinstance(number, sympy.Rational) and (abs(number.p) > 12 or number.q > 12)))


def stop_reason(best_val_nmse: float, chosen, good_enough: float) -> str | None:
    """Why the search can end now, or None.

    It ends when some formula fits to ``good_enough`` (machine precision on real data: more
    complex attempts cannot do better), or when the formula it would choose (``chosen``, a
    ``Candidate``) has no fitted constant but an overall factor or offset and leaves only
    noise: more attempts could only fit the noise. With one free constant anywhere,
    approximations within the noise would end the search (a smooth non-closed form fits as
    well as the law on noisy data), so those go on.
    """
    if best_val_nmse < good_enough:
        return "exact"
    if chosen.noise_like and chosen.free_constants == 0:
        return f"the residuals of {chosen.formula} look like noise"
    return None
