"""From a trained KAN to a formula: candidate functions, affine edge fits, the KAN as sympy,
constants (refit, snap, simplify) and how sure they are, one-input compositions and
one-input terms read again."""

from kansr.symbolic.compositions import compositions
from kansr.symbolic.constants import describe, refit
from kansr.symbolic.description import Constant, Scored
from kansr.symbolic.snapping import polish, snap, snap_candidates
from kansr.symbolic.edge_fit import EdgeFit, auto_symbolic, choose, fit_candidates, fit_function, fix_edge
from kansr.symbolic.expression import complexity, nmse, predict
from kansr.symbolic.library import DEFAULT_LIBRARY, SymbolicFunction, get_library, make_function
from kansr.symbolic.reread import reread_terms
from kansr.symbolic.simplify import simplify
from kansr.symbolic.to_sympy import kan_to_sympy
from kansr.symbolic.uncertainty import covariance, named_errors
from kansr.symbolic.validation import cross_validated_nmse, cross_validated_predictions

__all__ = ["DEFAULT_LIBRARY", "Constant", "EdgeFit", "Scored", "covariance", "cross_validated_nmse", "cross_validated_predictions", "describe", "SymbolicFunction", "auto_symbolic", "choose", "complexity",
           "compositions", "fit_candidates", "fit_function", "fix_edge", "get_library", "kan_to_sympy", "make_function",
           "named_errors", "nmse", "polish", "predict", "reread_terms", "refit", "simplify", "snap", "snap_candidates"]
