"""The constants of a formula: ``refit`` fits every numeric constant jointly on the data
(scipy ``least_squares``) and gives each a standard error; ``describe`` scores a formula
as it stands; ``cross_validated_predictions`` refits it fold by fold. Snapping constants to
exact numbers and ``polish`` live in ``kansr.symbolic.snapping``.

Standard errors come from the least-squares fit: cov = s²(JᵀJ)⁻¹ with J the Jacobian of
the residuals at the optimum and s² = RSS / (n - k); where JᵀJ is ill-conditioned (constants
that only matter together) they come from a bootstrap over the rows instead.
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np
import sympy
from scipy.optimize import least_squares

from kansr.budget import Budget, charge, cost, expired
from kansr.symbolic.description import Constant, Scored, exact_numbers_cost, float_cost, model_nmse, model_variance
from kansr.symbolic.expression import as_doubles, complexity, lambdify, predict
from kansr.symbolic.scales import merged_numbers, unit_denominator

_BOOTSTRAP_ROUNDS = 20
_ILL_CONDITIONED = 1e10
# an eigenvalue of the unit columns' Gram matrix at most this fraction of the largest is a
# direction the rows do not determine at all (rounding leaves ~1e-16 on an exact one), and a
# constant whose component in it exceeds _IN_DIRECTION lies along it
_SINGULAR = 1e-12
_IN_DIRECTION = 1e-4
# free constants from which a fit uses the formula's derivatives (``Template``): a difference
# Jacobian costs one evaluation per constant, the compiled one about two
_ANALYTIC_FROM = 3
_DIFFERENCE_STEP = float(np.sqrt(np.finfo(float).eps))  # relative, as scipy's 2-point rule
# a difference step of _DIFFERENCE_STEP·max(1, |c|) (scipy's rule) is larger than a constant
# far below 1 in size (Planck's constant in SI units), and the Jacobian it gives is noise;
# such a constant is fitted and differenced in units of its own size
_TINY = 1e-6
# compiled derivatives by (parametrised formula, symbols): a refit, its snapping and its
# description build templates of the same formula, and compiling costs more than a fit
_GRADIENTS: OrderedDict = OrderedDict()
_GRADIENTS_KEPT = 256


def _parametrize(expr: sympy.Expr):
    floats = sorted(expr.atoms(sympy.Float), key=lambda f: (abs(float(f)), str(f)))
    params = [sympy.Symbol(f"_p{i}") for i in range(len(floats))]
    return expr.xreplace(dict(zip(floats, params))), params, np.array([float(f) for f in floats])


def _compile_gradient(expr: sympy.Expr, symbols, params):
    """``expr``'s derivatives by each of ``params``, compiled together (common subexpressions
    shared); False where one has no closed form."""
    derivatives = [sympy.diff(expr, p) for p in params]
    if any(d.has(sympy.Derivative, sympy.Subs) for d in derivatives):
        return False
    try:
        return sympy.lambdify([list(symbols), params], [as_doubles(d) for d in derivatives], modules="numpy",
                              cse=True)
    except (TypeError, ValueError, NameError, SyntaxError, KeyError):
        return False


def _undetermined(gram: np.ndarray) -> np.ndarray:
    """Which constants of a Gram matrix of unit columns (shape (k, k)) the rows leave
    undetermined: those in a direction along which no residual moves to machine precision
    (b·log(a·x) + c, where only b and b·log a + c are fixed). Along it the error is
    infinite; the bootstrap's refits, which do not walk far along a flat direction, report
    a spread that looks like a measurement (a = 3.0 ± 0.25)."""
    eigenvalues, vectors = np.linalg.eigh(gram)
    flat = eigenvalues <= _SINGULAR * max(float(eigenvalues[-1]), 0.0)
    return np.any(np.abs(vectors[:, flat]) > _IN_DIRECTION, axis=1)


def _units(values: np.ndarray) -> np.ndarray:
    """The unit each constant is fitted and differenced in: its own size where that is below
    ``_TINY`` (and not 0), else 1, so that only such constants are stepped differently."""
    size = np.abs(values)
    return np.where((size > 0) & (size < _TINY), size, 1.0)


def _column_lengths(jacobian: np.ndarray) -> np.ndarray:
    """Each column's length, from the column divided by its largest entry, whose squares
    neither overflow nor underflow: the derivative by an amplitude of 1e-290 (exp(0.35·year)
    on calendar years) is near 1e300, the one by the 1e195 of c·year^(-59) near 1e-196, and
    squared whole they leave the double range (the Gram matrix's entries too, so it is only
    formed of the columns so scaled). Shape (columns,)."""
    with np.errstate(all="ignore"):
        largest = np.max(np.abs(jacobian), axis=0)
        return largest * np.linalg.norm(jacobian / np.where(largest > 0, largest, 1.0), axis=0)


class _OutOfTime(Exception):
    pass


class Template:
    """``expr`` with every float replaced by a parameter, compiled once for many refits.

    ``relative``: errors are relative (``description.model_nmse``): residuals are
    ln(f/y), which needs f of y's sign on every row, and the error is the relative
    model's equivalent normalised MSE.

    ``derivatives``: fits take the Jacobian from the formula's derivatives, compiled on the
    first fit, instead of from forward differences (one evaluation per constant). Compiling
    them costs about as much as one fit with differences, so this is for templates fitted
    many times (snapping, cross-validation) with at least ``_ANALYTIC_FROM`` free constants.

    ``named``: the parameters are these symbols of ``expr``, starting from their values,
    and its floats stay as they are (a law in its own names, ``uncertainty.named_errors``)."""

    def __init__(self, expr: sympy.Expr, symbols, X: np.ndarray, y: np.ndarray, relative: bool = False,
                 derivatives: bool = False, named: dict[sympy.Symbol, float] | None = None) -> None:
        if named is None:
            self.expr, self.params, self.start = _parametrize(expr)
        else:
            self.expr, self.params, self.start = expr, list(named), np.array(list(named.values()), dtype=float)
        self.fn = lambdify(self.expr, symbols, self.params)
        self.columns, self.y = list(X.T), y
        self.relative = relative
        self.sign = float(np.sign(y[0])) if relative and len(y) else 1.0
        self.scale = float(np.std(self._target(y))) or 1.0
        self.variance = model_variance(y, relative)
        self.symbols = list(symbols)
        self.target = self._target(y)
        self.derivatives = derivatives
        self._gradient = None  # compiled derivatives, on first use (``gradient``)
        self.nodes = complexity(self.expr)
        self.evaluation_cost = cost.residual_evaluation(len(y), self.nodes)
        self.compilation_cost = cost.compilation(self.nodes)

    def _target(self, values: np.ndarray) -> np.ndarray:
        """What residuals are differences of: values, or ln(values·sign) for relative errors
        (NaN where of the other sign)."""
        if not self.relative:
            return values
        with np.errstate(all="ignore"):
            return np.log(np.where(self.sign * values > 0, self.sign * values, np.nan))

    def predictions(self, residual: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The formula's values on the rows of ``y`` from its ``residual`` there."""
        fitted = residual * self.scale + self._target(y)
        return self.sign * np.exp(fitted) if self.relative else fitted

    @contextmanager
    def rows(self, rows: np.ndarray):
        """The template restricted to ``rows`` (a bootstrap sample, the rows outside a fold)
        for the duration of the block."""
        whole = self.columns, self.y, self.target
        self.columns, self.y, self.target = [column[rows] for column in whole[0]], whole[1][rows], whole[2][rows]
        try:
            yield self
        finally:
            self.columns, self.y, self.target = whole

    def evaluate(self, values: np.ndarray) -> np.ndarray:
        """The formula on the rows with the parameters at ``values``; NaN where it is not a
        finite real number."""
        with np.errstate(all="ignore"):
            out = np.asarray(self.fn(self.columns, list(values)))
        if out.dtype.kind == "f" and out.shape == self.y.shape:
            return out if np.all(np.isfinite(out)) else np.where(np.isfinite(out), out, np.nan)
        out = np.broadcast_to(np.asarray(out, dtype=complex), self.y.shape)
        bad = ~np.isfinite(out) | (np.abs(out.imag) > 1e-9 * (1 + np.abs(out.real)))
        return np.where(bad, np.nan, out.real)

    def residual(self, values: np.ndarray) -> np.ndarray:
        """(target(formula) - target(y)) / scale on every row; NaN where the formula is undefined."""
        with np.errstate(all="ignore"):
            return (self._target(self.evaluate(values)) - self.target) / self.scale

    def gradient(self):
        """The formula's derivatives by each parameter, compiled together (common
        subexpressions shared) on first use, as most templates are only described; None
        where sympy cannot state one in closed form (|u| of an unrestricted symbol)."""
        if self._gradient is None:
            key = (self.expr, tuple(self.symbols))
            if key not in _GRADIENTS:
                _GRADIENTS[key] = _compile_gradient(self.expr, self.symbols, self.params)
                if len(_GRADIENTS) > _GRADIENTS_KEPT:
                    _GRADIENTS.popitem(last=False)
            self._gradient = _GRADIENTS[key]
        return self._gradient or None

    def analytic_jacobian(self, values: np.ndarray, free: list[int]) -> np.ndarray | None:
        """d residual / d value for the ``free`` constants from the compiled derivatives;
        rows where the formula is undefined get 0 (their residual is a constant there);
        None where the derivatives are unavailable or not finite on a defined row. Shape
        (rows, len(free))."""
        gradient = self.gradient()
        if gradient is None:
            return None
        formula = self.evaluate(values)
        with np.errstate(all="ignore"):
            defined = np.isfinite(self._target(formula))  # where the residual is
            parts = gradient(self.columns, list(values))
            columns = [np.broadcast_to(np.asarray(parts[i]), self.y.shape) for i in free]
            if any(c.dtype.kind not in "fiu" for c in columns):
                return None
            jacobian = np.column_stack(columns).astype(float) if columns else np.empty((len(self.y), 0))
            jacobian = jacobian / (formula[:, None] if self.relative else 1.0) / self.scale
        jacobian[~defined] = 0.0
        return jacobian if np.all(np.isfinite(jacobian)) else None

    def nmse(self, values: np.ndarray) -> float:
        residual = self.residual(values)
        if not np.all(np.isfinite(residual)):
            return np.inf
        with np.errstate(over="ignore"):  # residuals of a formula far off: inf, as it should be
            return float(np.mean(residual**2) * self.scale**2 / self.variance)

    def fit(self, values: np.ndarray, fixed: dict[int, float], budget: Budget | None = None,
            max_evaluations: int | None = None) -> tuple[np.ndarray, float]:
        """Least squares over the parameters not in ``fixed`` (index -> value); returns (values, nmse).

        When ``budget`` is spent the fit stops with the best values it has evaluated; it is
        charged every evaluation.
        """
        values = values.copy()
        for index, value in fixed.items():
            values[index] = value
        free = [i for i in range(len(values)) if i not in fixed]
        if free:
            unit = _units(values[free])  # the free constants are fitted as multiples of these
            best = {"cost": np.inf, "values": values[free].copy()}

            def trial(scaled):
                out = values.copy()
                out[free] = scaled * unit
                return out

            def residual(scaled):
                if expired(budget):
                    raise _OutOfTime
                charge(budget, self.evaluation_cost)
                out = np.nan_to_num(self.residual(trial(scaled)), nan=1e3)
                total = float(out @ out)
                if total < best["cost"]:
                    best["cost"], best["values"] = total, scaled * unit
                return out

            def jacobian(scaled):
                analytic = self.analytic_jacobian(trial(scaled), free)
                if analytic is not None:
                    charge(budget, 2 * self.evaluation_cost)
                    return analytic * unit
                at, columns = residual(scaled), []
                for position in range(len(free)):  # forward differences, as scipy's default
                    moved = scaled.copy()
                    moved[position] += _DIFFERENCE_STEP * max(1.0, abs(moved[position]))
                    columns.append((residual(moved) - at) / (moved[position] - scaled[position]))
                return np.column_stack(columns)

            # whether derivatives are used, and what they are charged, never depends on the
            # cache: the same data and seed give the same fits in any process
            analytic = len(free) >= _ANALYTIC_FROM and self.derivatives
            if analytic and self._gradient is None:
                charge(budget, cost.differentiation(self.nodes, len(self.params)))
            try:
                # overflow in a trial step is expected far from the optimum; scipy recovers from it
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    least_squares(residual, values[free] / unit, jac=jacobian if analytic else "2-point",
                                  method="trf", x_scale="jac",
                                  max_nfev=max_evaluations or 20 * (len(free) + 1) + 100)
            except (_OutOfTime, ValueError, OverflowError, ZeroDivisionError, np.linalg.LinAlgError):
                pass
            values[free] = best["values"]
        return values, self.nmse(values)

    def jacobian(self, values: np.ndarray, free: list[int]) -> np.ndarray | None:
        """d residual / d value for the ``free`` constants: from the compiled derivatives
        for a template with ``derivatives``, else by forward differences; None where not finite.
        Shape (rows, len(free))."""
        if self.derivatives:
            analytic = self.analytic_jacobian(values, free)
            if analytic is not None:
                return analytic
        residual = self.residual(values)
        if not np.all(np.isfinite(residual)):
            return None
        columns = []
        for i, unit in zip(free, _units(values[free])):
            step = 1e-7 * unit * max(1.0, abs(values[i]) / unit)
            moved = values.copy()
            moved[i] += step
            columns.append((self.residual(moved) - residual) / step)
        jacobian = np.column_stack(columns) if columns else np.empty((len(residual), 0))
        return jacobian if np.all(np.isfinite(jacobian)) else None

    def standard_errors(self, values: np.ndarray, free: list[int], budget: Budget | None = None,
                        ill_conditioned: str = "unknown") -> tuple[np.ndarray, np.ndarray]:
        """(marginal, conditional) standard errors of the ``free`` constants at their fitted
        ``values``; NaN where they cannot be estimated (as many constants as rows).

        Marginal: each constant's uncertainty with the others free, from the covariance; what
        is reported, and what snapping must respect. Where the covariance is ill-conditioned,
        ``ill_conditioned`` says what to give: "unknown" (NaN), "bootstrap" (twenty refits on
        resampled rows, for the formula reported; the pseudoinverse's where ``budget`` ends
        it before three; inf for a constant the rows do not determine, ``_undetermined``)
        or "pseudoinverse" (the covariance's pseudoinverse: directions the data do not
        determine are left out). Where the Jacobian is not finite, both of the
        latter give the bootstrap's (NaN where ``budget`` ends it before three refits).
        Conditional: with the others held at their values, s / |∂residual/∂c|; what stating
        the constant to its precision costs (``description.float_cost``). Constants that
        only matter together have large marginal but small conditional errors: each is
        cheap to leave out of a formula, none is cheap to keep in it.
        """
        n, k = len(self.y), len(free)
        if k == 0:
            return np.empty(0), np.empty(0)
        unknown = np.full(k, np.nan)
        if n <= k:
            return unknown, unknown
        charge(budget, (k + 1) * self.evaluation_cost)
        jacobian = self.jacobian(values, free)
        residual = self.residual(values)
        # LAPACK's SVD (cond, pinv) can loop without end on a matrix with inf or NaN in it
        # (a Jacobian that overflows where a constant sits in an exponent): nothing is
        # estimated from one. Where a constant sits at the edge of its function's domain
        # (asin(c·u + d) reaching -1, sqrt(x - a) at the smallest x) a step across it is
        # undefined and the derivative there infinite: no covariance describes such a
        # constant, but refits on resampled rows do, for a formula that is reported
        if jacobian is None or not (np.all(np.isfinite(jacobian)) and np.all(np.isfinite(residual))):
            if ill_conditioned == "unknown" or not np.all(np.isfinite(residual)):
                return unknown, unknown
            return self._bootstrap(values, free, budget), unknown
        variance = float(residual @ residual) / (n - k)  # in units of std(y)²
        norms = _column_lengths(jacobian)
        with np.errstate(all="ignore"):
            conditional = np.where(norms > 0, np.sqrt(variance) / norms, np.inf)
        if not (np.all(np.isfinite(norms)) and np.isfinite(variance)):
            return unknown, np.where(np.isfinite(conditional), conditional, np.nan)
        # a constant that moves no residual has no error the data give: unknown; the others'
        # covariance is that of the columns that move
        moves = norms > 0
        scaled = jacobian[:, moves] / norms[moves]
        gram = scaled.T @ scaled
        with np.errstate(all="ignore"):
            condition = np.linalg.cond(gram) if moves.any() else np.inf
        if moves.all() and np.isfinite(condition) and condition < _ILL_CONDITIONED:
            # divided by each column's length only after the root, whose square (the
            # covariance of that amplitude, 1e-580) is below the smallest double; a
            # constant the rows barely move (its length near the smallest double, on a
            # target of tiny size) has an error past the largest: inf, without a warning
            with np.errstate(over="ignore"):
                marginal = np.sqrt(np.abs(np.diag(np.linalg.inv(gram))) * variance) / norms
            return marginal, conditional
        pseudoinverse = unknown.copy()
        if moves.any():
            with np.errstate(over="ignore"):
                pseudoinverse[moves] = np.sqrt(np.abs(np.diag(np.linalg.pinv(gram))) * variance) / norms[moves]
        if ill_conditioned == "bootstrap":  # where it could not finish, the pseudoinverse's
            booted = self._bootstrap(values, free, budget)
            marginal = np.where(np.isfinite(booted), booted, pseudoinverse)
            if moves.any():
                marginal[np.flatnonzero(moves)[_undetermined(gram)]] = np.inf
            return marginal, conditional
        if ill_conditioned == "pseudoinverse":
            return pseudoinverse, conditional
        return unknown, conditional

    def covariance(self, values: np.ndarray, free: list[int]) -> np.ndarray | None:
        """s²·(JᵀJ)⁻¹ of the ``free`` constants at their fitted ``values`` (shape (k, k)),
        formed as ``standard_errors`` forms it, whose marginal errors are the roots of its
        diagonal; None where those come from elsewhere or nowhere (the covariance
        ill-conditioned or not finite, no degree of freedom left)."""
        n, k = len(self.y), len(free)
        if k == 0 or n <= k:
            return None
        jacobian, residual = self.jacobian(values, free), self.residual(values)
        if jacobian is None or not (np.all(np.isfinite(jacobian)) and np.all(np.isfinite(residual))):
            return None
        variance = float(residual @ residual) / (n - k)
        norms = _column_lengths(jacobian)
        if not (np.all(norms > 0) and np.all(np.isfinite(norms)) and np.isfinite(variance)):
            return None
        scaled = jacobian / norms
        gram = scaled.T @ scaled
        with np.errstate(all="ignore"):
            if not np.linalg.cond(gram) < _ILL_CONDITIONED:
                return None
            return np.linalg.inv(gram) * variance / np.outer(norms, norms)

    def _bootstrap(self, values: np.ndarray, free: list[int], budget: Budget | None) -> np.ndarray:
        """Standard deviations of the constants refit on rows drawn with replacement (seeded)."""
        rng = np.random.default_rng(0)
        fixed = {i: float(values[i]) for i in range(len(values)) if i not in free}
        estimates = []
        for _ in range(_BOOTSTRAP_ROUNDS):
            if expired(budget):
                break
            with self.rows(rng.integers(0, len(self.y), len(self.y))):
                refitted, _ = self.fit(values, fixed, budget, max_evaluations=10 * (len(free) + 1))
            estimates.append(refitted[free])
        if len(estimates) < 3:
            return np.full(len(free), np.nan)
        # in units of each constant's size: the spread of a 1e195 squared is past the double range
        size = np.maximum(np.abs(values[free]), np.finfo(float).tiny)
        return np.std(np.array(estimates) / size, axis=0, ddof=1) * size

    def build(self, values: np.ndarray, exact: dict[int, sympy.Expr]) -> sympy.Expr:
        return self.expr.xreplace({p: exact.get(i, sympy.Float(v)) for i, (p, v) in enumerate(zip(self.params, values))})


def _in_order(expr: sympy.Expr) -> list[sympy.Float]:
    """The floats of ``expr`` in the order they appear in ``str(expr)`` (then by magnitude)."""
    text = str(expr)
    return sorted(expr.atoms(sympy.Float), key=lambda f: (text.find(str(f)) % (len(text) + 1), abs(float(f))))


def describe(expr: sympy.Expr, symbols, X: np.ndarray, y: np.ndarray, budget: Budget | None = None,
             max_constants: int = 40, ill_conditioned: str = "unknown", relative: bool = False) -> Scored:
    """``expr`` scored on (X, y) as it stands: its error, its constants with standard
    errors (``ill_conditioned``: what to give where the covariance is, see
    ``Template.standard_errors``), and the cost of its numbers. Formulas with more than
    ``max_constants`` floats get no standard errors (each float then costs as BIC's).
    ``relative``: errors are relative (``description.model_nmse``), here as in every
    function of this module that takes it."""
    floats = _in_order(expr)
    if not floats or len(floats) > max_constants:
        error = model_nmse(predict(expr, symbols, X), y, relative)
        constants = tuple(Constant(float(f), math.nan) for f in floats)
        precisions = [math.nan] * len(floats)
    else:
        template = Template(expr, symbols, X, y, relative)
        charge(budget, template.compilation_cost)
        index = {float(v): i for i, v in enumerate(template.start)}
        marginal, conditional = template.standard_errors(template.start, list(range(len(floats))), budget,
                                                         ill_conditioned)
        error = template.nmse(template.start)
        constants = tuple(Constant(float(f), float(marginal[index[float(f)]])) for f in floats)
        precisions = [float(conditional[index[float(f)]]) for f in floats]
    cost_of_floats = sum(float_cost(c.value, p, len(y)) for c, p in zip(constants, precisions))
    return Scored(expr, error, constants, cost_of_floats + exact_numbers_cost(expr), len(y), relative)


def refit(expr: sympy.Expr, symbols: list[sympy.Symbol], X: np.ndarray, y: np.ndarray,
          budget: Budget | None = None, max_constants: int = 40, with_errors: bool = True,
          relative: bool = False) -> Scored:
    """Jointly refit every float constant of ``expr`` by least squares on (X, y), with
    standard errors unless ``with_errors`` is False (then only ``expr`` and ``nmse`` are set).

    Formulas with more than ``max_constants`` floats are only scored: they are far from a
    closed form, and a joint fit of that many constants costs more than it can gain.
    """
    expr = unit_denominator(merged_numbers(expr))
    if not 0 < len(expr.atoms(sympy.Float)) <= max_constants:
        return describe(expr, symbols, X, y, budget, max_constants, relative=relative) if with_errors else \
            Scored(expr, model_nmse(predict(expr, symbols, X), y, relative), rows=len(y), relative=relative)
    template = Template(expr, symbols, X, y, relative)
    charge(budget, template.compilation_cost)
    before = template.nmse(template.start)
    values, after = template.fit(template.start, {}, budget)
    fitted = template.build(values, {}) if after <= before else expr
    if not with_errors:
        return Scored(fitted, min(after, before), rows=len(y), relative=relative)
    return describe(fitted, symbols, X, y, budget, max_constants, relative=relative)
