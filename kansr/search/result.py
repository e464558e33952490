"""What ``discover`` returns: ``Result``, and the front as a table."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sympy

from kansr.budget import Budget
from kansr.kan import KAN
from kansr.search import bands
from kansr.search.candidate import Candidate
from kansr.search.selection import length
from kansr.symbolic import predict


@dataclass(frozen=True)
class Result:
    """What ``discover`` found.

    Attributes
    ----------
    formula : sympy.Expr, in the input names
    r2, rmse : float
        On all rows.
    complexity : int
        Expression-tree size of ``formula``.
    seconds : float
    front : DataFrame
        The trade-off: every formula that no other beats on both complexity and held-out
        error, and the chosen one, simplest first: complexity, rmse, r2 (held out), formula
        (sympy), val_nmse, attempt, score (description length in nats; the chosen formula
        has the lowest, see ``kansr.search.selection``), errors ("additive" or "relative":
        the error model its constants were fitted in), constants (a list of
        {"name", "value", "stderr"} per row).
    constants : DataFrame
        The fitted constants of ``formula``: name (c0, c1, ... in the order they appear),
        value, stderr (standard error; NaN where it could not be estimated, inf where the
        rows fix the constant only together with others, as a and c of b·log(a·x) + c).
    errors : str
        "additive" (y = f + noise) or "relative" (y = f·e^noise, for a target of one sign
        whose rows scatter in proportion to it): the error model the constants were fitted
        in, chosen by description length.
    inputs_used : list of str
        The inputs the formula uses.
    target_units : str
        The target's units where units were declared ("" otherwise); ``constants`` then
        has a units column too ("1": dimensionless).
    inputs_dropped : list of str
        The inputs screening left out of the search (wide tables, ``kansr.search.screening``).
    notes : tuple of str
        What the user should know: a dropped index column, a small table's uncertainty.
    names : list of str
    target : str
    kan : KAN or None
        The trained, pruned KAN the formula came from.
    attempt : str
        Which transform/architecture produced it, e.g. "log/additive".
    timings : dict
        Seconds per stage (train, prune, symbolic fit, compose, refit/snap/simplify).
    stopped : str or None
        "time budget" when the budget ran out before every alternative was tried.
    dates : dict
        Input name -> ``kansr.dates.Elapsed`` for each column of dates the formula reads as
        the time since its earliest; ``predict`` reads new dates the same way.
    chi2_dof : float or None
        χ² per degree of freedom of ``formula`` against the target's uncertainties, where a
        column of them weighed the rows (``kansr.data.Dataset.sigma``); None otherwise.
    laws : DataFrame
        The user's own laws (``discover(..., laws=...)``), fitted and scored as the front's
        rows (``kansr.search.laws``): the front's columns, law (the text given), named (the
        law in its own names, where its fit keeps them) and chi2_dof (given uncertainties).
    covariance : ndarray, shape (k, k), or None
        The covariance of ``constants`` (in its order; the squares of their standard errors
        on its diagonal), which ``predict(X, return_std=True)`` carries to the formula's
        values; None where the formula has no fitted constant, or it is ill-conditioned.
    """

    formula: sympy.Expr
    r2: float
    rmse: float
    complexity: int
    seconds: float
    front: pd.DataFrame
    names: list[str]
    target: str
    constants: pd.DataFrame = field(default_factory=lambda: constants_table(()))
    errors: str = "additive"
    inputs_used: list[str] = field(default_factory=list)
    inputs_dropped: list[str] = field(default_factory=list)
    target_units: str = ""
    notes: tuple[str, ...] = ()
    kan: KAN | None = None
    stopped: str | None = None
    renamed: dict = field(default_factory=dict)
    seed: int = 0
    attempt: str = ""
    timings: dict = field(default_factory=dict)
    dates: dict = field(default_factory=dict)
    chi2_dof: float | None = None
    laws: pd.DataFrame = field(default_factory=lambda: front_table([], 1.0, 0.0).assign(law=[], named=[],
                                                                                         chi2_dof=[]))
    covariance: np.ndarray | None = None

    @property
    def symbols(self) -> list[sympy.Symbol]:
        return [sympy.Symbol(name) for name in self.names]

    def predict(self, X, return_std: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Evaluate the formula on X (n_samples, n_inputs): array or DataFrame with the input
        columns (a column of dates as dates, or as the time since its origin).

        ``return_std``: also each value's standard error from the constants' uncertainty
        (``covariance``, by the delta method, ``kansr.search.bands``): 0 where the formula
        has no fitted constant, NaN where their covariance is unknown. The uncertainty of
        the fit, not of the formula's form, nor the rows' own scatter about it."""
        if isinstance(X, pd.DataFrame):
            X = X.rename(columns=self.renamed)[self.names].copy()
            for name, elapsed in self.dates.items():
                if name in X and not pd.api.types.is_numeric_dtype(X[name]):
                    X[name] = elapsed.of(X[name])
            X = X.to_numpy(dtype=float)
        X = np.asarray(X, dtype=float)
        values = predict(self.formula, self.symbols, X)
        if not return_std:
            return values
        return values, bands.standard_errors(self.template(), self.constants, self.covariance, self.symbols, X)

    @property
    def score(self) -> float:
        """The chosen formula's description length in nats (its row of ``front``), against
        which the front's rows and the user's laws compare."""
        return float(self.front.score[[str(f) == str(self.formula) for f in self.front.formula]].iloc[0])

    def latex(self) -> str:
        return sympy.latex(self.formula)

    def template(self) -> sympy.Expr:
        """The formula with its fitted constants written as the symbols of ``constants``."""
        return with_named_constants(self.formula, self.constants)


def constants_table(constants, formula: sympy.Expr | None = None) -> pd.DataFrame:
    """``Candidate.constants`` as a table: name (c0, c1, ...), value, stderr; named in the
    order the names read in ``formula`` as sympy prints it with them. (Constants come in
    the order their numbers read, and sympy orders a sum's terms one way with numbers and
    another with names: 2.5 - 16·tan(0.3·x) had read c1 - 16*tan(c0*x).)"""
    order = list(range(len(constants)))
    if formula is not None and len(constants) > 1:
        for _ in range(3):  # renaming can reorder the printing again; it settles at once in practice
            named = str(formula.xreplace({sympy.Float(constants[i].value): sympy.Symbol(f"c{k}")
                                          for k, i in enumerate(order)}))
            found = [re.search(rf"\bc{k}\b", named) for k in range(len(order))]
            reading = sorted(range(len(order)), key=lambda k: found[k].start() if found[k] else len(named))
            if reading == list(range(len(order))):
                break
            order = [order[k] for k in reading]
    return pd.DataFrame({"name": [f"c{i}" for i in range(len(order))],
                         "value": [constants[i].value for i in order],
                         "stderr": [constants[i].stderr for i in order]})


def with_named_constants(formula: sympy.Expr, constants: pd.DataFrame) -> sympy.Expr:
    """``formula`` with each fitted constant replaced by its name's symbol (c0, c1, ...)."""
    return formula.xreplace({sympy.Float(value): sympy.Symbol(name)
                             for name, value in zip(constants.name, constants.value)})


def row_template(row) -> sympy.Expr:
    """A row of ``Result.front`` or ``Result.laws`` as shown: its formula with its constants'
    names (a law's own names where its fit keeps them, ``named``)."""
    named = getattr(row, "named", None)
    if named is not None:
        return named
    return with_named_constants(row.formula, pd.DataFrame(row.constants)) if row.constants else row.formula


def with_error(value: float, stderr: float) -> str:
    """``value ± stderr`` with the digits the standard error leaves meaningful."""
    if stderr == math.inf:
        return f"{value:.6g} (undetermined: the rows fix it only together with other constants)"
    if not math.isfinite(stderr):
        return f"{value:.6g} (standard error unknown)"
    if stderr == 0 or value == 0:
        return f"{value:.10g} ± {stderr:.2g}"
    digits = max(2, int(math.floor(math.log10(abs(value))) - math.floor(math.log10(stderr))) + 2)
    return f"{value:.{min(digits, 17)}g} ± {stderr:.2g}"


def stated_constants(constants) -> str:
    """A front row's constants ({"name", "value", "stderr"[, "units"]} each) as one line:
    c0 = 2.01 ± 0.03, c1 = ... (units in brackets where not dimensionless)."""
    return ", ".join(f"{c['name']} = {with_error(c['value'], c['stderr'])}"
                     + (f" [{c['units']}]" if c.get("units", "1") != "1" else "") for c in constants)


# tables with fewer rows come with a note on how uncertain their answer is
SMALL_TABLE_WARNING = 20


def small_table_note(rows: int, fitted: int) -> str | None:
    """The note on a small table's answer (``rows`` of them, ``fitted`` constants in the
    chosen formula); None from ``SMALL_TABLE_WARNING`` rows on."""
    if rows >= SMALL_TABLE_WARNING:
        return None
    if fitted:
        return (f"only {rows} rows: {rows / fitted:.1f} per fitted constant of the chosen formula; with so few, "
                "its constants and the choice itself are uncertain")
    return f"only {rows} rows: the chosen formula has no fitted constant, but with so few rows the choice itself " \
           "is uncertain"


# what the text answer and report.md say of a formula fitted with relative errors
RELATIVE_ERRORS = "errors: relative (the constants fit ln(y/formula): the rows scatter in proportion to y)"

# description lengths are log-odds (nats): a rival this close is as likely as the chosen
# formula but for a Bayes factor under 3, "not worth more than a bare mention" on Kass &
# Raftery's scale (1995), so the rows do not decide between them
CLOSE_NATS = math.log(3)
_RIVALS_NAMED = 3


def close_rivals_note(result: Result) -> str | None:
    """A note naming the front's rows whose description is within ``CLOSE_NATS`` of the
    chosen formula's (odds under 3 to 1): a choice the rows barely make; None where there
    are none."""
    chosen = str(result.formula)
    rivals = [row for row in result.front.itertuples()
              if str(row.formula) != chosen and abs(row.score - result.score) < CLOSE_NATS]
    if not rivals:
        return None
    rivals.sort(key=lambda row: abs(row.score - result.score))
    stated = [f"{row_template(row)} ({abs(row.score - result.score):.1f} nats "
              f"{'longer' if row.score > result.score else 'shorter'})" for row in rivals[:_RIVALS_NAMED]]
    if len(rivals) > _RIVALS_NAMED:  # the closest, and how many more: a note stays a line
        stated.append(f"{len(rivals) - _RIVALS_NAMED} more of the front")
    return (f"the rows barely decide between the chosen formula and {', '.join(stated)}: odds under 3 to 1; "
            "more rows, or rows over a wider range, would tell them apart")


def error_model(candidate: Candidate) -> str:
    return "relative" if candidate.relative else "additive"


def front_table(front: list[Candidate], variance: float, floor: float, nmse_scale: float = 1.0) -> pd.DataFrame:
    """The front as ``Result.front`` (see ``Result``; ``variance``: the variance of the
    target the candidates were fitted to, which turns the normalised error into an RMSE;
    ``floor``: the selection's error floor; ``nmse_scale``: what turns that normalised error
    into one against the target's weighted variance, for R², where uncertainties weigh the
    rows, ``Scorer.nmse_scale``)."""
    return pd.DataFrame({
        "complexity": [c.complexity for c in front],
        "rmse": [float(np.sqrt(c.val_nmse * variance)) for c in front],
        "r2": [1 - c.val_nmse * nmse_scale for c in front],
        "formula": [c.formula for c in front],
        "val_nmse": [c.val_nmse for c in front],
        "attempt": [c.attempt for c in front],
        "score": [length(c, floor) for c in front],
        "errors": [error_model(c) for c in front],
        "constants": [constants_table(c.constants, c.formula).to_dict("records") for c in front],
    })


# the standard errors of the front after the search: this share of the budget, so that a
# bootstrap of a large formula cannot overrun the search's; at least this many seconds, a
# bootstrap's moment, but at most this share of a short budget, which the whole search
# honours within a tenth (0.5 s were an eighth of a 4 s budget)
REPORT_SHARE = 0.02
REPORT_MIN_SECONDS = 0.5
REPORT_MAX_SHARE = 0.05


def _report_seconds(seconds: float) -> float:
    return max(REPORT_SHARE * seconds, min(REPORT_MIN_SECONDS, REPORT_MAX_SHARE * seconds))


def report_budget(budget: Budget | None) -> Budget | None:
    """The budget of the work that reports what the search found (see ``REPORT_SHARE``)."""
    if budget is None or budget.seconds is None:
        return None
    return Budget(_report_seconds(budget.seconds), budget.mode)


def search_seconds(seconds: float | None) -> float | None:
    """What the search may spend of a user's budget of ``seconds``: the report's share of it
    is kept for the work after the search, which ran on top of the whole budget."""
    return None if seconds is None else seconds - _report_seconds(seconds)


def fit_of(predictions: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(R², RMSE) of ``predictions`` on all rows; a constant y has R² 1 when fitted exactly, else 0."""
    mse = float(np.mean((predictions - y) ** 2))
    r2 = 1.0 if mse == 0 else float(1 - mse / np.var(y)) if np.var(y) > 0 else 0.0
    return r2, float(np.sqrt(mse))
