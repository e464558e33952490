"""Description length: how many nats it takes to state a formula and, given it, the data.

Minimum description length (Rissanen) trades error against complexity in one currency:

    L = (n / 2) · ln(max(MSE / var(y), FLOOR))      the data, Gaussian code, n rows
      + NODE_COST · structure                       the expression tree, per node of it
                                                    written as a binary tree that is not a
                                                    number (operators, functions,
                                                    variables, π)
      + Σ over fitted constants  ln(|c| / σ_c)      each float, to its own precision σ_c
                                                    (at least ln 2, its sign)
      + Σ over exact numbers     ln(1 + |p|) + ln(q)   each rational p/q but 0 and ±1

A fitted constant costs what it takes to write it down to the precision the data give
it (the parameter term of Bartlett, Desmond & Ferreira's "Exhaustive Symbolic
Regression", 2023, without its small constants): a constant the data pin down to 1e-15
costs ~35 nats, one known to 1 % ~5. Its precision σ_c is the conditional one (the others
held fixed): constants that only matter together are each uncertain, but not each free.
An exact number such as 1/2 costs the digits of its numerator and denominator, and π a
node and ``NAMED_CONSTANT``. So a snapped constant is cheaper only when it is simpler to state than the fitted
number to its precision; 1028703·π²/5 never is.

``FLOOR`` is machine precision in the normalised MSE: errors below it are rounding, and
tie. On exact data the exact formula therefore wins against any approximation (an error
of 1e-12 costs n/2 · 4.6 nats more than the floor), and among exact formulas the
simplest; on noisy data errors that differ by less than the noise cost little, and the
simpler formula wins.

Errors may be additive (y = f + ε, the same spread everywhere) or relative (y = f·e^ε, a
spread in proportion to |y|: measurements over several decades, such as body weights
from shrews to elephants). Under relative errors the data's code is the log-normal one,
(n/2)·ln(mean(ln(f/y)²)) + Σ ln|y| (the last term: the change of variable from ln|y| back
to y), so ``model_nmse`` gives it as the normalised MSE that costs the same under the
additive code: both models are then compared, and chosen, by the same description length.

``Scored`` carries a formula with what its description needs: its error, its rows, the
cost of its numbers (``kansr.symbolic.constants`` fits and describes them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import sympy

from kansr.symbolic.expression import complexity

FLOOR = 1e-14
NODE_COST = math.log(10.0)  # about the number of choices for each node of the tree
# π beside its node: which of the named constants it is (π, e, and a few more a reader
# knows), so that π is not attached to an arbitrary fitted number for the price of a node
NAMED_CONSTANT = math.log(4.0)
# a fitted constant costs at least its sign: one the data do not tell from zero (|c| < σ)
# would otherwise cost nothing, and snapping it to 0 could never shorten a description
MIN_FLOAT_COST = math.log(2.0)


def model_variance(y: np.ndarray, relative: bool = False) -> float:
    """What the MSE is divided by: var(y), or for relative errors var(y) / GM(|y|)² (GM the
    geometric mean), which turns a mean squared log ratio into an equivalent normalised MSE."""
    variance = float(np.var(y)) or 1.0
    if not relative:
        return variance
    return variance / float(np.exp(2 * np.mean(np.log(np.abs(y)))))


def model_nmse(predictions: np.ndarray, y: np.ndarray, relative: bool = False) -> float:
    """The normalised error of ``predictions`` under the error model: MSE / var(y), or for
    relative errors mean(ln(f/y)²) / ``model_variance`` (the additive NMSE of the same
    description length, module doc); inf where a prediction is undefined (or, for relative
    errors, of the other sign than y)."""
    predictions = np.asarray(predictions, dtype=float)
    if len(y) == 0:
        return math.nan
    if not np.all(np.isfinite(predictions)):
        return math.inf
    if relative:
        ratio = predictions / y
        if not np.all(ratio > 0):
            return math.inf
        return float(np.mean(np.log(ratio) ** 2) / model_variance(y, True))
    return float(np.mean((predictions - y) ** 2) / model_variance(y))


def data_cost(nmse: float, n_rows: int, floor: float = FLOOR) -> float:
    """(n/2)·ln(max(nmse, floor)): the data's cost given a formula with normalised MSE ``nmse``."""
    if not math.isfinite(nmse):
        return math.inf
    return 0.5 * n_rows * math.log(max(nmse, floor))


def float_cost(value: float, stderr: float, n_rows: int) -> float:
    """Nats to state a fitted constant to its standard error (``stderr``: NaN when unknown,
    which costs as BIC's ½·ln(n)); at least ``MIN_FLOAT_COST``."""
    if not math.isfinite(stderr) or stderr < 0:
        return 0.5 * math.log(max(n_rows, 2))
    precision = max(stderr, 1e-15 * abs(value), 1e-300)
    ratio = abs(value) / precision  # 0 where a tiny constant's error is huge: below the smallest double
    return max(math.log(ratio), MIN_FLOAT_COST) if ratio > 0 else MIN_FLOAT_COST


def cross_validated_float_cost(n_rows: int) -> float:
    """What a fitted constant costs beside a cross-validated data term on ``n_rows`` rows:
    ½·ln(n) - 1 nats (at least 0). Leave-one-out error prices a constant as Akaike's
    criterion does, about one nat (Stone, 1977), which keeps a spurious one (x^0.988 for x)
    about one time in six however many rows there are; a constant stated to its precision
    costs about ½·ln(n), as in Schwarz's criterion, which drops it ever more surely as rows
    come. The difference makes the two agree, and a table just under a hundred rows
    (cross-validated) choose as one just over it (held out, ``float_cost``)."""
    return max(0.5 * math.log(max(n_rows, 1)) - 1.0, 0.0)


def exact_cost(number: sympy.Rational) -> float:
    """Nats to state an exact rational p/q: the digits of p and q."""
    return math.log(1 + abs(int(number.p))) + math.log(int(number.q))


def exact_numbers_cost(expr: sympy.Expr) -> float:
    """What stating the exact numbers of ``expr`` costs: every rational in it other than 0
    and ±1, at each place it appears, and π (``description.exact_cost``, ``NAMED_CONSTANT``)."""
    return sum(exact_cost(node) if isinstance(node, sympy.Rational) else NAMED_CONSTANT
               for node in sympy.preorder_traversal(expr)
               if (isinstance(node, sympy.Rational) and node not in (0, 1, -1)) or node is sympy.pi)


def structure(expr: sympy.Expr) -> int:
    """Nodes of the binary expression tree that are not numbers (numbers are costed by value).

    sympy holds a sum or a product of k terms as one node; written out it takes k - 1
    operators, and each is counted. Counted once, a further term of a sum that is there
    already would cost only its own nodes: an additive constant beside the other terms
    (−0.05·v² − sin θ + c) only its digits, at least ln 2, and a constant that is truly 0
    would be kept wherever it lay more than 1.2 standard errors from 0. The terms without a
    variable are one number (2·π in 2·π·B is the number 2π), so π costs its node and its
    name wherever it stands, not an operator more than the fitted 6.28 would."""
    return sum(_operators(node) for node in sympy.preorder_traversal(expr) if not node.is_Number)


def _operators(node: sympy.Expr) -> int:
    """Nodes that ``node`` stands for in the binary tree: k - 1 for a sum or a product of k
    terms, its terms without a variable taken as one; 1 for any other node."""
    if not isinstance(node, (sympy.Add, sympy.Mul)):
        return 1
    variable = sum(1 for term in node.args if term.free_symbols)
    return max(variable + (variable < len(node.args)) - 1, 0)


def pooled(held_out_nmse: float, held_out_rows: int, fit_nmse: float, fit_rows: int) -> tuple[float, int]:
    """One data term from the held-out rows (out of sample) and the fitting rows (in sample):
    the normalised error over both, and how many rows that is."""
    rows = held_out_rows + fit_rows
    return (held_out_rows * held_out_nmse + fit_rows * fit_nmse) / rows, rows


def description_length(nmse: float, n_rows: int, structure_nodes: int, parameter_cost: float,
                       floor: float = FLOOR) -> float:
    """Total description length in nats (see the module doc)."""
    return data_cost(nmse, n_rows, floor) + NODE_COST * structure_nodes + parameter_cost


@dataclass(frozen=True)
class Constant:
    """A fitted constant and its standard error (NaN where it could not be estimated)."""

    value: float
    stderr: float


@dataclass(frozen=True)
class Scored:
    """A formula, its normalised MSE (MSE / var(y)) on the ``rows`` rows it was fitted to, its
    fitted constants (in the order they appear in ``str(expr)``) with standard errors, the
    cost in nats of stating its numbers (``parameter_cost``, module doc), and whether its
    errors are taken as relative."""

    expr: sympy.Expr
    nmse: float
    constants: tuple[Constant, ...] = field(default=())
    parameter_cost: float = 0.0
    rows: int = 0
    relative: bool = False  # the error model ``nmse`` is measured in (``model_nmse``)

    @property
    def complexity(self) -> int:
        return complexity(self.expr)

    @property
    def description_length(self) -> float:
        return description_length(self.nmse, self.rows, structure(self.expr), self.parameter_cost)
