"""Making a problem smaller (AI Feynman's idea, with a KAN as the surrogate): symmetry and
separability tests on a surrogate (``surrogate``), affine splits (``affine``), and the reduction
step of the search that solves the smaller problems (``solve``)."""

from kansr.search.reduction.solve import Context, Reduction, Solution, Subproblem
from kansr.search.reduction.surrogate import Surrogate

__all__ = ["Context", "Reduction", "Solution", "Subproblem", "Surrogate"]
