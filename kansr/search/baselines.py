"""The simplest formulas, fitted before any KAN is trained: a constant, straight lines, power
laws, exponentials, sums of two exponentials, saturation (Michaelis-Menten's and Hill's) and
logistic curves in each input, a damped oscillation (on a straight trend or not) in an
input the target swings with, Gauss's and Lorentz's peaks in one it peaks in, a linear
function and a monomial of all inputs: a table of common laws.

They give the front its first rows (a user sees what a constant or a line already
explains), an answer on any budget, and, for data that follow one of these textbook laws
(y = k·n, Kleiber's power law, a decay a + b·exp(-k·t), a two-compartment decay
a·exp(-k₁·t) + b·exp(-k₂·t) or, with terms of opposite signs, Bateman's rise and fall,
Michaelis-Menten's a·x/(b + x), Hill's dose-response and binding curves, a pendulum's
swings, a spectral line), the answer itself, usually at once. A sum of two exponentials
and a damped oscillation are the common curves that no other entry reaches as a limit and
that no KAN composition of one input gives (each is one function of one affine argument).
Each formula comes with starting values for its constants; the refit that follows
(``kansr.search.candidate``) fits them. An exponential of a target of one sign
comes with a second start, for its fit with relative errors (``Law``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy

# the attempt label of every baseline candidate
BASELINE = "baseline"
# one-input shapes are tried for each input of problems with at most this many inputs;
# wider problems get the constant and the shapes of all inputs at once
MAX_INPUTS_FOR_SHAPES = 3
# an oscillation is looked for on this many distinct inputs or more (it has five constants),
# with at most this many periods in the range; it and a peak on at most this many rows
_OSCILLATION_ROWS = 12
_MAX_PERIODS = 50
_SHAPE_SAMPLE = 128
# a peak has four constants, and is looked for on this many distinct inputs or more
_PEAK_CONSTANTS = 4
_PEAK_ROWS = 8


@dataclass(frozen=True)
class Law:
    """One entry of the table: its formula with starting values for its constants, and,
    where the fit with relative errors starts better elsewhere, that start (a formula of the
    same entry, or one of its limits)."""

    formula: sympy.Expr
    relative_start: sympy.Expr | None = None


def _f(value: float) -> sympy.Float:
    return sympy.Float(float(value))


def _sign(y: np.ndarray) -> float:
    """The target's sign where nearly all of it has one (noise may push a few values of a
    target near zero across it), else 0: a power law or a monomial needs one."""
    positive = float(np.mean(y > 0))
    return 1.0 if positive >= 0.9 else -1.0 if positive <= 0.1 else 0.0


def _exp_in_range(log_value: float) -> float | None:
    """exp(log_value), or None where that leaves the double range (0 or inf): on inputs far
    from 1 (calendar years) a steep curve's start needs amplitudes past it, and such a
    start is none."""
    with np.errstate(over="ignore", under="ignore"):
        value = float(np.exp(log_value))
    return value if np.isfinite(value) and value != 0 else None


def _log_fit(columns: np.ndarray, y: np.ndarray, sign: float) -> tuple[float, np.ndarray] | None:
    """Least squares of log(sign·y) on ``columns`` (and a constant), on the rows of that
    sign: with the logarithms of inputs, starting values of a power law or a monomial; with
    an input itself, of an exponential. As (amplitude, coefficients); None where the
    amplitude leaves the double range (``_exp_in_range``)."""
    rows = sign * y > 0
    design = np.column_stack([np.ones(int(rows.sum())), columns[rows]])
    coefficients = np.linalg.lstsq(design, np.log(sign * y[rows]), rcond=None)[0]
    amplitude = _exp_in_range(coefficients[0])
    return None if amplitude is None else (sign * amplitude, coefficients[1:])


def _two_exponentials(x: sympy.Symbol, values: np.ndarray, y: np.ndarray, sign: float) -> list[sympy.Expr]:
    """a·exp(k₁·x) + b·exp(k₂·x), two time scales, started by peeling: the slow term is
    fitted in log space to the half of the rows where the target is smaller, the fast one
    to what it leaves on the other half. What it leaves is the target above the slow term
    where both terms have one sign (a decay through two compartments or two stages), and
    below it where they have opposite signs (Bateman's curve, a rise and then a fall: a
    dose absorbed and eliminated, a daughter nuclide, the intermediate of two consecutive
    reactions); the peel takes the side most of those rows lie on, the lower one only
    where the target peaks inside the range. Nothing where it gives no second term that is
    faster than the first."""
    magnitude = sign * y
    order = np.argsort(values)
    half = len(order) // 2
    if half < 2:
        return []
    first, last = order[:half], order[-half:]
    tail, head = (last, first) if magnitude[last].mean() < magnitude[first].mean() else (first, last)
    if np.any(magnitude[tail] <= 0) or np.ptp(values[tail]) == 0:
        return []
    k_slow, log_b = np.polyfit(values[tail], np.log(magnitude[tail]), 1)
    with np.errstate(all="ignore"):
        rest = magnitude[head] - np.exp(log_b + k_slow * values[head])
    # terms of opposite signs rise and then fall: a target largest at an end of the range
    # has no such peak (an exponential fitted to half of a convex curve overshoots the
    # other half, and the rest lies below it for that alone)
    peaks = np.argmax(magnitude[order]) not in (0, len(order) - 1)
    side = -1.0 if peaks and np.sum(rest < 0) > np.sum(rest > 0) else 1.0
    left = side * rest > 0
    rows = head[left]
    if len(rows) < 2 or np.ptp(values[rows]) == 0:
        return []
    k_fast, log_a = np.polyfit(values[rows], np.log(side * rest[left]), 1)
    if not (np.sign(k_fast) == np.sign(k_slow) and abs(k_fast) > abs(k_slow)):
        return []
    fast, slow = _f(side * sign * np.exp(log_a)), _f(sign * np.exp(log_b))
    return [fast * sympy.exp(_f(k_fast) * x) + slow * sympy.exp(_f(k_slow) * x)]


def _hill(x: sympy.Symbol, values: np.ndarray, y: np.ndarray, sign: float) -> list[sympy.Expr]:
    """Hill's saturation b/(1 + c·x^(−n)), b·xⁿ/(c + xⁿ) (for positive x): binding and
    dose-response curves, Michaelis-Menten's where n = 1. Started from ln(b/y − 1) = ln c −
    n·ln x, with b a little above the target's largest size."""
    ceiling = 1.1 * float(np.max(sign * y))
    rows = sign * y > 0
    if len(np.unique(values[rows])) < 2:
        return []
    minus_n, log_c = np.polyfit(np.log(values[rows]), np.log(ceiling / (sign * y[rows]) - 1), 1)
    c = _exp_in_range(log_c)
    if c is None or not np.isfinite(minus_n) or minus_n == 0:
        return []
    return [_f(sign * ceiling) / (1 + _f(c) * x ** _f(minus_n))]


def _log_linear(x: sympy.Symbol, values: np.ndarray, y: np.ndarray, sign: float) -> tuple[float, sympy.Expr] | None:
    """b·exp(k·x) from the line ln(sign·y) = ln|b| + k·x on the rows of that sign: where the
    target spans decades, the start of an exponential's fit with relative errors. (The
    additive fit, which the relative one otherwise starts from, follows the largest rows,
    and its offset can leave the curve below zero on the smallest, where no relative error
    is defined: a doubling every two years over fifty.) As (k, the formula); None where the
    line is flat or its amplitude leaves the double range."""
    if len(np.unique(values[sign * y > 0])) < 2:
        return None
    fit = _log_fit(values[:, None], y, sign)
    if fit is None or not fit[1][0]:
        return None
    b, k = fit[0], float(fit[1][0])
    return k, _f(b) * sympy.exp(_f(k) * x)


def _least_squares(designs: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Linear least squares of y (n,) on each of a stack of designs (m, n, p), by the normal
    equations (the designs here are a few well-scaled columns): coefficients (m, p) and sums
    of squares (m,)."""
    gram = np.einsum("mni,mnj->mij", designs, designs)  # (m, p, p)
    moments = np.einsum("mni,n->mi", designs, y)  # (m, p)
    # a ridge of 1e-12 of the trace keeps a design whose column vanishes (a bell far from every row) solvable
    ridge = 1e-12 * np.trace(gram, axis1=1, axis2=2)[:, None, None] * np.eye(gram.shape[1])
    coefficients = np.linalg.solve(gram + ridge, moments[..., None])[..., 0]
    residuals = np.einsum("mnp,mp->mn", designs, coefficients) - y
    return coefficients, np.sum(residuals**2, axis=1)


# the shapes of a peak in z = (x − m)/w, Gauss's and Lorentz's, for numpy arrays and
# sympy expressions alike
_PEAK_SHAPES = (lambda z, exp=np.exp: exp(-(z**2)), lambda z, exp=None: 1 / (1 + z**2))
# of a peak, as shares of the range: its centres (the grid's first and last at its ends) and widths
_MIDDLES = np.linspace(0.0, 1.0, 21)
_WIDTHS = np.geomspace(0.05, 1.0, 12)


def _sample(values: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """At most ``_SHAPE_SAMPLE`` rows spread over the range of ``values``, sorted by them,
    with the inputs scaled to [0, 1]: as (inputs (n,), targets (n,), the range's low end,
    its spread)."""
    order = np.argsort(values, kind="stable")
    order = order[np.unique(np.linspace(0, len(order) - 1, _SHAPE_SAMPLE).round().astype(int))]
    low, spread = float(values.min()), float(np.ptp(values))
    return (values[order] - low) / spread, y[order], low, spread


def _cubic(unit: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The least-squares cubic in ``unit``: its sums of squared and of absolute errors, what
    a shape must beat to enter the table (a cubic turns at most twice, and follows a smooth
    rise, fall or broad hump)."""
    powers = np.vander(unit, 4)  # (n, 4)
    coefficients, sse = _least_squares(powers[None], y)
    return float(sse[0]), float(np.sum(np.abs(powers @ coefficients[0] - y)))


def _peaks(unit: np.ndarray, y: np.ndarray, middles: np.ndarray, shape) -> tuple[float, float, float, float, float]:
    """The best d + a·shape((u − m)/w) over a grid of centres m (``middles``) and widths w
    (``_WIDTHS``) of the inputs u scaled to [0, 1]: as (its sum of squares, d, a, m, w),
    d and a by least squares for each."""
    ones = np.ones(len(unit))
    grid_middles, grid_widths = (g.reshape(-1, 1) for g in np.meshgrid(middles, _WIDTHS))
    z = (unit - grid_middles) / grid_widths  # (m, n)
    bells = shape(z)
    coefficients, sse = _least_squares(np.stack([np.broadcast_to(ones, bells.shape), bells], axis=2), y)
    # a peak is sampled by as many rows within a width of its centre as it has constants: a
    # narrower one fits a row or two far from the rest (the largest of a few noisy rows)
    sse = np.where(np.sum(np.abs(z) <= 1, axis=1) >= _PEAK_CONSTANTS, sse, np.inf)
    i = int(np.argmin(sse))
    return float(sse[i]), *map(float, coefficients[i]), float(grid_middles[i, 0]), float(grid_widths[i, 0])


def _peak(x: sympy.Symbol, values: np.ndarray, y: np.ndarray) -> list[sympy.Expr]:
    """A single peak (or dip) d + a·exp(−((x − m)/w)²), Gauss's, and d + a/(1 + ((x − m)/w)²),
    Lorentz's (or Cauchy's): a line of a spectrum, a resonance. Each started from the best of
    a grid of centres inside the range and widths. Only where the target peaks: where either
    describes it better than a cubic does (which turns at most twice and follows a
    broad hump as well as a peak would), by Schwarz's criterion with the grid's centres and
    widths counted as the trials they are, and with smaller absolute errors as well (where
    the target scatters widely with other inputs, a peak under its largest few rows would
    otherwise pass on their squares alone); a rise or a fall is a peak whose top lies
    outside the range, which the other shapes cover. The KAN reads a Gaussian by itself (the
    exponential of a square); a Lorentzian is the reciprocal of one plus a square, a
    composition of two of its layers that the table gives at once."""
    if len(np.unique(values)) < _PEAK_ROWS:
        return []
    unit, y, low, spread = _sample(values, y)  # (n,)
    middles = _MIDDLES[1:-1]
    cubic, cubic_absolute = _cubic(unit, y)
    best = [_peaks(unit, y, middles, shape) for shape in _PEAK_SHAPES]
    # both have four constants, as the cubic; m and w are found among the grid's trials
    penalty = 2 * np.log(len(_PEAK_SHAPES) * len(middles) * len(_WIDTHS))

    def opens(shape, sse, d, a, middle, width) -> bool:
        absolute = float(np.sum(np.abs(d + a * shape((unit - middle) / width) - y)))
        return len(unit) * np.log(max(sse, 1e-300) / max(cubic, 1e-300)) + penalty < 0 and \
            absolute < cubic_absolute

    if not any(opens(shape, *fit) for shape, fit in zip(_PEAK_SHAPES, best)):
        return []
    found = []
    for shape, (_, d, a, middle, width) in zip(_PEAK_SHAPES, best):
        scale = 1 / (width * spread)
        z = _f(scale) * x - _f(scale * (low + middle * spread))
        found.append(_f(d) + _f(a) * shape(z, exp=sympy.exp))
    return found


def _oscillation(x: sympy.Symbol, values: np.ndarray, y: np.ndarray) -> list[sympy.Expr]:
    """d + a·exp(−k·x)·cos(ω·x + φ): a damped oscillation (a pendulum, a mass on a spring,
    a circuit with a coil), a steady one where k = 0; and d + b·x + a·exp(−k·x)·cos(ω·x + φ),
    one on a straight trend (a yearly cycle on a rising record, a drifting sensor). For a
    fixed rate k and frequency ω each is linear in d (and b) and in the cosine's and sine's
    amplitudes, so it is started from the best of a grid of (k, ω), with at least one
    period (two on a trend) and at most a quarter as many as rows in the range, each
    sampled (on at most ``_SHAPE_SAMPLE`` rows spread over the range). Only where the
    target swings: where that fit describes it better than a cubic (which turns at most
    twice and follows a smooth rise or fall) and a single bell-shaped peak both do, by
    Schwarz's criterion with ω and k charged as constants and the grid's frequencies as the
    trials they are (pure noise fits one of hundreds of frequencies better than chance);
    elsewhere the entry would only make every other entry of the table cost more to name.
    The trend's constant is charged as ω and k are; the fit of the two that the criterion
    prefers is the entry."""
    if len(np.unique(values)) < _OSCILLATION_ROWS:
        return []
    unit, y, low, spread = _sample(values, y)  # (n,)
    n, ones = len(unit), np.ones(len(unit))
    # no gap between neighbouring rows as long as half a period, so that every swing is
    # sampled (on a skewed input, a fast wave would otherwise fit its few far rows one by one)
    periods = min((n - 1) / 4, 1 / (2 * np.max(np.diff(unit))), _MAX_PERIODS)
    frequencies = 2 * np.pi * np.arange(1.0, periods + 1e-9, 0.125)  # per range
    if not len(frequencies):
        return []
    # per range: steady, or decaying or growing by up to e⁴ over it
    rates = np.array([0.0, 0.5, 1.0, 2.0, 4.0, -0.5, -1.0, -2.0, -4.0])
    fits = []  # (sse, rate, ω, coefficients) without and with the trend
    for trend in (False, True):
        # on a trend, two periods at least: a line takes up what a wave of one period does
        # not fit of a sine's less than one (sin(0.6·t) over 0.86 of a period)
        trial = frequencies[frequencies >= 2 * (2 * np.pi)] if trend else frequencies
        best = (math.inf, 0.0, 0.0, None)
        for rate in rates if len(trial) else ():
            phases = trial[:, None] * unit  # (m, n)
            envelope = np.exp(-rate * unit)
            slope = [np.broadcast_to(unit, phases.shape)] if trend else []
            columns = [np.broadcast_to(ones, phases.shape), *slope, envelope * np.cos(phases), envelope * np.sin(phases)]
            coefficients, sse = _least_squares(np.stack(columns, axis=2), y)  # designs (m, n, 3 or 4)
            i = int(np.argmin(sse))
            if sse[i] < best[0]:
                best = (float(sse[i]), rate, trial[i], coefficients[i])
        fits.append(best)
    smooth = min(_cubic(unit, y)[0], _peaks(unit, y, _MIDDLES, _PEAK_SHAPES[0])[0])
    # five constants against four, ω and k found among the grid's trials
    penalty = 2 * np.log(n) + 2 * np.log(len(frequencies) * len(rates))
    plain, trended = (n * np.log(max(sse, 1e-300) / max(smooth, 1e-300)) + penalty if math.isfinite(sse)
                      else math.inf for sse, *_ in fits)
    trended += 2 * np.log(n)  # the trend's constant, charged as ω and k are
    if min(plain, trended) >= 0:
        return []
    sse, rate, omega, coefficients = fits[int(trended < plain)]
    d, *b, p, q = coefficients
    # p·cos(θ) + q·sin(θ) = a·cos(θ + φ), θ = ω·(x − low)/spread
    k, w = rate / spread, omega / spread
    amplitude, phase = float(np.hypot(p, q) * np.exp(k * low)), float(np.arctan2(-q, p) - w * low)
    if not np.isfinite(amplitude):
        return []
    # b·(x − low)/spread on the trend: its offset joins d
    line = [_f(b[0] / spread) * x] if b else []
    return [sympy.Add(_f(d - (b[0] * low / spread if b else 0.0)), *line,
                      _f(amplitude) * sympy.exp(_f(-k) * x) * sympy.cos(_f(w) * x + _f(phase)))]


def _shapes(x: sympy.Symbol, values: np.ndarray, y: np.ndarray) -> list[Law]:
    """One-input textbook shapes in ``x`` that the data allow, with starting values."""
    low, high = float(values.min()), float(values.max())
    spread = (high - low) or 1.0
    mean, span = float(y.mean()), float(np.ptp(y)) or 1.0
    slope = float(np.polyfit(values, y, 1)[0]) if np.ptp(values) > 0 else 0.0
    sign = _sign(y)
    # the relative fit's start of the exponential that rises or falls as the line does
    logarithmic = _log_linear(x, values, y, sign) if sign else None
    shapes = [Law(_f(mean - slope * values.mean()) + _f(slope or 1.0) * x)]  # a + b·x
    for rate in (-3.0, 3.0):  # a + b·exp(k·x), decaying or growing over the range
        k = rate / spread
        with np.errstate(all="ignore"):
            b = span * np.sign(slope or 1.0) * np.sign(k) * np.exp(-k * (high if k > 0 else low))
        if np.isfinite(b) and b != 0:
            same_way = logarithmic is not None and (logarithmic[0] > 0) == (k > 0)
            shapes.append(Law(_f(mean) + _f(b) * sympy.exp(_f(k) * x), logarithmic[1] if same_way else None))
    if low > 0 and sign:
        fit = _log_fit(np.log(values[:, None]), y, sign)  # a·x^b
        if fit is not None:
            shapes.append(Law(_f(fit[0]) * x ** _f(fit[1][0])))
        # a·x/(b + x), saturating; the half-saturation constant starts mid-range
        shapes.append(Law(_f(2 * sign * np.abs(y).max()) * x / (_f(np.median(values)) + x)))
        shapes += [Law(f) for f in _hill(x, values, y, sign)]
    if sign:
        shapes += [Law(f) for f in _two_exponentials(x, values, y, sign)]
    shapes += [Law(f) for f in _oscillation(x, values, y)]
    shapes += [Law(f) for f in _peak(x, values, y)]
    middle = float(np.median(values))
    # logistic: a + b/(1 + exp(-k·(x - m))), rising or falling with the data
    shapes.append(Law(_f(y.min()) + _f(span)
                      / (1 + sympy.exp(_f(-4 * np.sign(slope or 1.0) / spread) * (x - _f(middle))))))
    return shapes


def baseline_laws(X: np.ndarray, y: np.ndarray, symbols: list[sympy.Symbol]) -> list[Law]:
    """The table of common laws for data (X, y), simplest first."""
    formulas: list[sympy.Expr] = [_f(y.mean())]
    n = X.shape[1]
    if n > 1:  # a linear function of all inputs
        design = np.column_stack([np.ones(len(y)), X])
        coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
        formulas.append(_f(coefficients[0]) + sympy.Add(*[_f(c) * s for c, s in zip(coefficients[1:], symbols)]))
        sign = _sign(y)
        fit = _log_fit(np.log(X), y, sign) if np.all(X > 0) and sign else None
        if fit is not None:  # a monomial of all inputs
            formulas.append(_f(fit[0]) * sympy.Mul(*[s ** _f(c) for c, s in zip(fit[1], symbols)]))
    laws = [Law(f) for f in formulas]
    if n <= MAX_INPUTS_FOR_SHAPES:
        for j, symbol in enumerate(symbols):
            if np.ptp(X[:, j]) > 0:
                laws += _shapes(symbol, X[:, j], y)
    return laws


@dataclass(frozen=True)
class Form:
    """A law of the table with a wildcard for each of its constants: the shape that any
    formula of it has, whatever its constants' values (fitted, or exact as snapping left
    them), and what a formula must have to match it (cheap to check first)."""

    pattern: sympy.Expr
    functions: frozenset
    symbols: frozenset
    nodes: int


def _number(value: sympy.Expr) -> bool:
    return bool(value.is_number)


def table_forms(laws: list[Law], symbols: list[sympy.Symbol]) -> tuple[Form, ...]:
    """The shapes of the table's ``laws`` (``Form``), one per law."""
    forms = []
    for law in laws:
        floats = sorted(law.formula.atoms(sympy.Float), key=str)
        # a wildcard may be 0 (an exact number, stated for nothing): a decay to a floor of 0
        wilds = [sympy.Wild(f"_c{i}", exclude=symbols, properties=[_number]) for i in range(len(floats))]
        pattern = law.formula.xreplace(dict(zip(floats, wilds)))
        forms.append(Form(pattern, _functions(law.formula), frozenset(law.formula.free_symbols),
                          sympy.count_ops(law.formula, visual=False)))
    return tuple(forms)


def _functions(expr: sympy.Expr) -> frozenset:
    return frozenset(type(f) for f in expr.atoms(sympy.Function))


def _once_each(expr: sympy.Expr) -> bool:
    """No fitted constant (float) of ``expr`` stands in two places."""
    floats = [node for node in sympy.preorder_traversal(expr) if isinstance(node, sympy.Float)]
    return len(floats) == len(set(floats))


def _linear(expr: sympy.Expr) -> bool:
    """A sum of numbers times distinct inputs, and a number (the table's linear function)."""
    seen = set()
    for term in sympy.Add.make_args(expr):
        coefficient, rest = term.as_independent(*term.free_symbols, as_Add=False)
        if rest == 1:
            continue
        if not (rest.is_Symbol and coefficient.is_number) or rest in seen:
            return False
        seen.add(rest)
    return True


def _monomial(expr: sympy.Expr) -> bool:
    """A number times powers of distinct inputs with numbers as exponents (the table's
    monomial)."""
    seen = set()
    for factor in sympy.Mul.make_args(expr):
        if factor.is_number:
            continue
        base, exponent = factor.as_base_exp()
        if not (base.is_Symbol and exponent.is_number) or base in seen:
            return False
        seen.add(base)
    return True


def in_table(expr: sympy.Expr, forms: tuple[Form, ...]) -> bool:
    """Whether ``expr`` has the shape of one of the table's laws (``table_forms``): a
    formula found otherwise (by a KAN, as a tree) that the table states as well. Its shape
    can then be named as the table names it, whatever found it: a line 2·x + 1 read off a
    KAN where the table's own line had snapped its offset to 0.

    The linear function and the monomial of several inputs are recognised by their
    structure: sympy's matching of a product of many powers tries their orders, and took
    two minutes for c·x0·x1/x2 against the monomial of six inputs."""
    functions, symbols, nodes = _functions(expr), expr.free_symbols, None
    for form in forms:
        if form.functions != functions or not symbols <= form.symbols:
            continue
        if len(form.symbols) > 1:
            if (_linear(expr) if form.pattern.is_Add else _monomial(expr)) and _once_each(expr):
                return True
            continue
        if nodes is None:
            nodes = sympy.count_ops(expr, visual=False)
        # exact numbers state no more operations than the floats they replace (2·π·x: one more)
        if nodes > form.nodes + 1:
            continue
        try:
            found = expr.match(form.pattern)
        except (TypeError, ValueError, AttributeError, RecursionError):
            continue
        # each of the table's constants stated once: a fitted constant that fills two of
        # them (c·x + c, one constant where the table's line has two) is a tree of its own
        fitted = [value for value in (found or {}).values() if value.has(sympy.Float)]
        if found is not None and len(set(fitted)) == len(fitted):
            return True
    return False
