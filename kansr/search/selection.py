"""Selection among candidates: the formula reported, and the Pareto front shown beside it.

Criterion: the shortest description (minimum description length, MDL). A candidate's
description length is

    L = (n / 2) · ln(max(MSE / var(y), floor))  +  ln(10) · (nodes that are not numbers)
      + the cost of its numbers (a fitted constant: ln(|c| / σ_c); an exact p/q: ln(1 + |p|) + ln q)

in nats (``kansr.symbolic.description``), with σ_c each constant's (conditional) standard
error, and the MSE over all n rows: out of sample on the held-out rows and on the fitting
rows where they are fitted (or, where a small table is cross-validated, out of sample on
every row). A cross-validated data term already prices the fitted constants, each row being
predicted by constants fitted without it (predictive MDL), so there the exact numbers are
charged their digits and each fitted constant only ½·ln(n) - 1, what Schwarz's criterion
charges beyond the nat of Akaike's that leave-one-out prices it at
(``description.cross_validated_float_cost``), unless the fit is exact
(``kansr.search.candidate``). A formula from the table of
common laws (``kansr.search.baselines``) may state its tree as its index in that table
instead (ln of the table's size), which is how a scientist names "an exponential decay"
rather than spelling it out. One criterion serves every noise level: on exact data the
error term dominates and the exact formula wins (errors below ``floor``, machine precision,
tie, and then the simplest wins); on noisy data errors within the noise differ little, and
each node and each constant must pay for itself in explained variance. The search's early
stops (``kansr.search.stopping``) look at the formula this criterion chooses. Where the
target has one sign, a formula may be fitted with relative errors instead; its data term
is then the log-normal code's, in the same nats (``description.model_nmse``), so the error
model is chosen by the same criterion.

The pieces a reduction makes (``kansr.search.reduction``) from a surrogate's values are
chosen by the rule that came before this criterion: the least complex piece whose
held-out error is within half again of the best (``choose(..., by_description=False)``);
a surrogate's errors are not noise. Pieces of the user's own data (inputs merged, or a
solved part divided out) are chosen by description length like the whole problem: their
errors are the data's noise, and on noisy data the rule by complexity let a quadratic,
within half again of the best, stand for 1/sqrt(1 - u²) with no free constant.

The front keeps every candidate that no other beats on both complexity and
out-of-sample error, and the chosen formula; each row carries its description length.
"""

from __future__ import annotations

import math

from kansr.search.candidate import Candidate
from kansr.symbolic.description import FLOOR

# nats: descriptions closer than this are equal, their difference the rounding of the same
# curve computed through two trees (Michaelis-Menten's b·x/(c + x) and Hill's b/(1 + c/x),
# its exponent snapped to 1, with the same numbers), so that the simpler tree states it
_ROUNDING = 1e-9
# relative: out-of-sample errors closer than this are the same fit's, computed from two starts
# (a line through the origin refit from the table's start and from a KAN's differs in the
# twelfth digit)
_SAME_ERROR = 1e-9


def _same_fit(first: Candidate, second: Candidate) -> bool:
    """Whether two candidates' out-of-sample errors are equal but for rounding (the same
    curve fitted from two starts)."""
    return abs(first.val_nmse - second.val_nmse) <= _SAME_ERROR * max(first.val_nmse, second.val_nmse)


def length(candidate: Candidate, floor: float = FLOOR) -> float:
    """The candidate's description length in nats (module doc)."""
    return candidate.length(floor)


def choose(candidates: list[Candidate], floor: float = FLOOR, by_description: bool = True) -> Candidate:
    """The candidate with the shortest description; of equal ones (to ``_ROUNDING``), the
    simplest, then the first.

    ``floor``: errors below it tie (machine precision on real data; a surrogate's own error
    on a reduced problem's surrogate data). ``by_description`` False, for the pieces a
    reduction makes: the least complex candidate whose held-out error is at most 1.5 × the
    best + ``floor``. A piece's data come from a surrogate KAN or from a division by a
    solved part; their errors are the surrogate's approximation errors, not noise, so a
    data term in nats says nothing there, and exact numbers are no cheaper than fitted
    ones: among the pieces that fit as well as the best, the smallest tree is the likeliest
    part of the law."""
    if by_description:
        lengths = [length(c, floor) for c in candidates]
        shortest = min(lengths)
        return min((c for c, n in zip(candidates, lengths) if n <= shortest + _ROUNDING), key=lambda c: c.complexity)
    best = min(c.val_nmse for c in candidates)
    return min((c for c in candidates if c.val_nmse <= 1.5 * best + floor), key=lambda c: c.complexity)


def pareto(candidates: list[Candidate], floor: float = FLOOR, by_description: bool = True) -> list[Candidate]:
    """Candidates that no other beats on both complexity and out-of-sample error, simplest
    first (of equal ones, the one with the shortest description where descriptions choose
    (``by_description``), then the first found: a line through the origin from the table
    of common laws and from a KAN fit the same to the last digits, and the table's states
    its tree for less), with the chosen formula among them: in place of the row of its
    complexity where it is not that row, as a front has one formula per complexity (the
    same law fitted with the other error model had shown as a second row no reader could
    tell from the chosen one)."""
    ordered = sorted(candidates, key=lambda c: (c.complexity, c.val_nmse))
    front, best = [], math.inf
    for candidate in ordered:
        if candidate.val_nmse < best:
            front.append(candidate)
            best = candidate.val_nmse
        elif (by_description and candidate.complexity == front[-1].complexity and _same_fit(candidate, front[-1])
              and length(candidate, floor) < length(front[-1], floor) - _ROUNDING):
            front[-1] = candidate
    chosen = choose(candidates, floor, by_description)
    if not any(c is chosen for c in front):
        front = sorted([c for c in front if c.complexity != chosen.complexity] + [chosen],
                       key=lambda c: (c.complexity, c.val_nmse))
    return front
