"""Selection among candidates: the Pareto front of complexity against held-out error, and
the formula chosen from it.

Rule: the front keeps every formula that no other formula beats on both complexity and
held-out normalised MSE; the chosen formula is the least complex one whose held-out error
is at most ``1.5 × best + slack`` (errors that tie within noise or machine precision go to
the simpler formula).
"""

from __future__ import annotations

from kansr.search.candidate import Candidate


def pareto(candidates: list[Candidate]) -> list[Candidate]:
    """Candidates that no other beats on both complexity and held-out error, simplest first
    (of equal ones, the first found)."""
    ordered = sorted(candidates, key=lambda c: (c.complexity, c.val_nmse))
    front, best = [], float("inf")
    for candidate in ordered:
        if candidate.val_nmse < best:
            front.append(candidate)
            best = candidate.val_nmse
    return front


def choose(front: list[Candidate], slack: float = 1e-14) -> Candidate:
    """The least complex formula of ``front`` whose held-out error is at most 1.5 × the best + ``slack``.

    The default slack is machine precision: a saturated function can approximate an exact
    formula to 3e-13 (an arctan of a tanh standing for 1/(exp(2t) - 1)); exact formulas fit
    to below 1e-16."""
    best = min(c.val_nmse for c in front)
    return min((c for c in front if c.val_nmse <= 1.5 * best + slack), key=lambda c: c.complexity)
