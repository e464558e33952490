"""discover(): data -> trained, pruned KANs -> symbolic formulas -> Pareto front -> Result.

Alternatives are tried in the order of ``kansr.search.plan.plans``, cheapest first, until
all are done, the search may stop (``kansr.search.stopping``) or the time budget is spent:
each *transform* of the data (``identity`` always; ``log`` when every input is positive
and the target has one sign, which turns products and powers into sums; ``log_target``,
``inverse_target`` and ``square_target`` when the target has one sign) times each
*architecture* (``[n, 1]`` additive, ``[n, 1]`` with a multiplication node, ``[n, 1, 1]``
a function of a sum, a wider ``[n, 2n+1, 1]`` trained with sparsity regularisation and
pruned, ...). Every trial (``kansr.search.trial``) yields candidate formulas (as composed,
and expanded into terms), each refit, snapped and scored on held-out rows
(``kansr.search.candidate``).

Two alternatives, "reduce" and "affine", make the problem smaller instead
(``kansr.search.reduction``): tests on an accurate surrogate KAN find pairs of inputs that
enter only as a ratio, product, difference or sum, or split f into g(one input)·h(the rest)
or a sum ("reduce"), or into g(rest) + φ(one input)·h(rest) ("affine"). The smaller
problems go through this same search, recursively, within a share of the remaining time;
their formulas are recombined and refit on the real data like any other candidate.

The formula reported is chosen from the Pareto front by ``kansr.search.selection``.

That loop is ``kansr.search.search.Search``. This module prepares what it runs on (the
data loaded, reduced to dimensionless groups where units are given, wide tables screened,
small ones narrowed to the inputs their best common law uses) and turns what it found into
the user's answer (inputs added back where the residuals need them; the user's columns
and units).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import sympy
import torch
from threadpoolctl import threadpool_limits

from kansr import data as data_module
from kansr.budget import Budget, expired
from kansr.data import Dataset
from kansr.errors import KansrError
from kansr import units as units_module
from kansr.search import dimensions, formula_units, screening
from kansr.search import laws as laws_module
from kansr.search.bands import constants_covariance
from kansr.search.rows import Rows, split_rows
from kansr.search.weights import chi_square, own_uncertainties, row_weights, with_input_uncertainties
from kansr.search.config import DiscoverConfig
from kansr.search.result import Result, close_rivals_note, search_seconds, small_table_note
from kansr.search.search import INTERRUPTED, Search, progress
from kansr.search.selection import choose
from kansr.symbolic import residuals

# a column within this share of its spread of a straight line in an earlier one restates it
# (``_restates``): the same numbers in other units, to a double's rounding; two
# instruments reading one quantity differ by far more
_RESTATED = 1e-6
# the share of the budget the trials of restated columns may spend together, the rest left
# for the search on the columns kept (counted in work, it can take twice that on the clock
# of a slow machine)
_TRIALS_SHARE = 0.4
# descriptions within this many nats tie: the same law in proportional columns (cm and m)
_TIE_NATS = 1e-6
# sympy's caps in work mode, relative to the time mode's: they must decide nothing, on
# a busy machine as on an idle one (``kansr.budget``)
_WORK_MODE_CAPS = 5.0
# a residual below this (times the target's spread, for additive errors) is rounding, never
# a row far from the formula
_FAR_FLOOR = 1e-6


def _one_of_each_restatement(dataset: Dataset, config: DiscoverConfig, rows: Rows, seed: int,
                             budget: Budget | None, verbose: bool
                             ) -> tuple[list[int], tuple[str, ...], Search | None]:
    """The columns of ``dataset`` to search (indices, in order), one of each set that restate
    one another (``_restates``), a note for each left out, and the trial on the columns kept,
    its common laws scored (None where no set had two members). Such columns are one quantity
    in two units (a length in cm and in m, a temperature in °C and in K): no data can tell
    a formula in one from the same formula in the other, and searched side by side they
    share its terms (x + xdup + 1 for 2·x + 1). Which one a law is written in still
    matters, as a power law in kelvin is none in degrees Celsius: the column kept is the
    one in which the table of common laws describes the target most briefly, the earlier
    on a tie. A note names each column left out and how it restates the one kept."""
    X, names = dataset.X, dataset.names
    sets: list[list[int]] = []
    for column in range(len(names)):
        for members in sets:
            if _restates(X[:, members[0]], X[:, column]):
                members.append(column)
                break
        else:
            sets.append([column])
    kept = [members[0] for members in sets]
    # each trial gets an equal share of the whole budget (not of what is left), counted in
    # work, and only that: cut by the clock, or by what loading left, the first column's
    # trial could leave the next one nothing, and the choice would follow the machine's
    # load; run to their ends, the trials overran short budgets
    count = sum(len(members) for members in sets if len(members) > 1)
    each = None if budget is None or budget.seconds is None or not count else _TRIALS_SHARE * budget.seconds / count
    chosen: Search | None = None
    for position, members in enumerate(sets):
        if len(members) == 1:
            continue
        trials, lengths = [], []
        for column in members:
            trial = Search(data_module.columns(dataset, sorted(kept[:position] + [column] + kept[position + 1:])),
                           config, rows, seed, None if budget is None else Budget(each, "work", parent=budget,
                                                                                   bound_by_parent=False),
                           verbose=False)
            trial.run(baselines_only=True)
            trials.append(trial)
            lengths.append(choose(trial.candidates, trial.floor).length(trial.floor) if trial.candidates
                           else math.inf)
        best = min(lengths)
        winner = next(i for i, length in enumerate(lengths) if length <= best + _TIE_NATS)
        # the sets after this one keep their first columns, as its trials did
        kept[position], chosen = members[winner], trials[winner]
    notes = []
    for position, members in enumerate(sets):
        for column in members:
            if column != kept[position]:
                slope, intercept, _ = _line(X[:, kept[position]], X[:, column])
                notes.append(f"left out {names[column]}: it is {_affine(names[kept[position]], slope, intercept)} "
                             "on every row (--inputs to choose)")
                progress(f"note: {notes[-1]}", verbose)
    return sorted(kept), tuple(notes), chosen


def _restates(earlier: np.ndarray, later: np.ndarray) -> bool:
    """Whether a straight line in ``earlier`` gives ``later`` to within ``_RESTATED`` of its spread."""
    return _line(earlier, later)[2] <= _RESTATED * float(np.std(later))


def _line(earlier: np.ndarray, later: np.ndarray) -> tuple[float, float, float]:
    """(slope, intercept, RMS residual) of the least-squares line of ``later`` in ``earlier``
    (neither of one value), from the centred columns: no cancellation where the values lie
    far from 0 beside their spread (1e9 + x)."""
    centred, other = earlier - earlier.mean(), later - later.mean()
    slope = float(centred @ other / (centred @ centred))
    residual = other - slope * centred
    return slope, float(later.mean() - slope * earlier.mean()), float(np.sqrt(np.mean(residual**2)))


def _affine(name: str, slope: float, intercept: float) -> str:
    """slope·name + intercept as a reader writes it, to six digits: x, 100·x, 1.8·x + 32, x - 273.15."""
    scale = max(abs(slope), abs(intercept))
    slope, intercept = (0.0 if abs(v) < 1e-12 * scale else float(f"{v:.6g}") for v in (slope, intercept))
    term = name if slope == 1 else f"-{name}" if slope == -1 else f"{slope:g}·{name}"
    return term if intercept == 0 else f"{term} {'+' if intercept > 0 else '-'} {abs(intercept):g}"


def _used_by_best_law(search: Search, dataset: Dataset, rows: Rows, kept: list[int]) -> list[int] | None:
    """The inputs (of ``kept``, the search's) that the best formula of ``search`` uses, where
    it uses some but not all and its residuals depend on none of the rest
    (``screening.residual_dependence``); else None.

    Nor where the residuals follow the rest together with the inputs used
    (``screening.jointly_needed``): the residual test looks at one input at a time, and an
    input whose effect shows only with another's (cos(k·d), averaged over d at each k, is
    flat in k) passes it. Only on tables too small for a held-out split (``Rows.val``
    empty), where a KAN has too few rows to learn that an input does nothing: on a
    thousand rows the search on every input finds such laws (2·U·(1 − cos(k·d)) at 1 %
    noise), and the narrowing was not measured there."""
    if len(search.rows.val) or not search.pending or not search.candidates:
        return None
    chosen = choose(search.candidates, search.floor)
    used = [i for i, symbol in zip(kept, search.symbols) if chosen.formula.has(symbol)]
    if not used or len(used) == len(kept):
        return None
    rest = tuple(i for i in kept if i not in used)
    X, y = dataset.X[rows.refit], dataset.y[rows.refit]
    residuals = screening.residuals_of(chosen.formula, search.symbols, X[:, kept], y, chosen.relative)
    if residuals is None or screening.residual_dependence(residuals, X, rest) or \
            screening.jointly_needed(residuals, X, used, rest):
        return None
    return used


def discover(data, target: str | None = None, seed: int = 0, time_budget: float | None = 120.0,
             config: DiscoverConfig | None = None, verbose: bool = True, budget_mode: str = "time",
             inputs: list[str] | None = None, drop: list[str] | None = None, units=None,
             constant_units: bool = False, partial_units: bool = False, laws: list[str] | None = None,
             starts: dict[str, float] | None = None) -> Result:
    """Find a closed-form formula for ``target`` in terms of the other columns.

    Parameters
    ----------
    data : str, Path, DataFrame, tuple (X, y[, names]) or Dataset
        A CSV (or compressed CSV, or Parquet) file, a DataFrame, or arrays
        (see ``kansr.data.load``).
    target : str, optional
        Target column; defaults to the last column.
    seed : int
        Same data and seed give the same formula.
    time_budget : float or None
        Seconds for the whole search; the best formula so far is returned when spent.
        None: no limit.
    config : DiscoverConfig, optional
    verbose : bool
        Progress lines on stderr.
    budget_mode : {"time", "work"}
        "time": ``time_budget`` is seconds on the clock (the search ends within about 10 %
        of it). "work": nominal seconds of counted work (trainings' evaluations, refits,
        edge fits; ``kansr.budget``), so that the same data and seed give the same formula
        on any machine, busy or not; the alternatives then run in this process whatever
        ``config.workers`` says.
    inputs, drop : list of str, optional
        Search with only these input columns, or without these.
    units : str, Path or dict, optional
        The columns' physical units: a units table (``kansr.units.read_units``) or a dict
        of column -> unit string ("kg m s^-2") or exponents of (m, s, kg, K, V, mol). The search
        then runs on dimensionless groups (``kansr.search.dimensions``), and its formulas
        are dimensionally consistent.
    constant_units : bool
        With ``units``: allow constants to carry units (a law with a dimensional
        constant that is not a column, a scale of its own); they are reported with them.
    partial_units : bool
        With ``units``: columns without units count as dimensionless instead of an error.
    laws : list of str, optional
        Laws of the user's own, such as "a + b*exp(-k*t)" in the column names, each fitted and
        scored as the front's formulas are, to compare with the chosen one
        (``kansr.search.laws``; ``Result.laws``); every name that is no column is a constant.
    starts : dict, optional
        Starting values of the laws' constants (1 for those not given).

    Returns
    -------
    Result
    """
    start = time.monotonic()
    config = config or DiscoverConfig()
    budget = Budget(search_seconds(time_budget), budget_mode)  # checks the mode before any work
    if budget_mode == "work":
        config = replace(config, workers=1, simplify_seconds=_WORK_MODE_CAPS * config.simplify_seconds)
    dataset = with_input_uncertainties(data_module.load(data, target, inputs=inputs, drop=drop))
    loaded = dataset  # the user's columns, which the user's laws are in
    given = laws_module.parse_laws(laws, dataset, starts)  # before the search: a typo fails at once
    dates = dict(dataset.dates)  # the columns read as times, by the names the user's table gives them
    for note in dataset.notes:
        progress(f"note: {note}", verbose)
    groups, units_law = None, None  # units_law: c·M, where the units leave no π (below)
    if units is not None:
        user = dataset
        original = {safe: name for name, safe in dataset.renamed.items()}
        (dims, target_dims), (texts, target_text) = units_module.resolve_with_texts(
            units, [original.get(n, n) for n in dataset.names], dataset.target, partial_units)
        groups = dimensions.dimensionless_groups(dims, target_dims, constant_units, dataset.X, dataset.y,
                                                 target_text)
        if constant_units and groups is not None and not groups.groups:
            # no π left: y = c·M is the one law of dimensionless constants, where constants
            # with units allow a scale of the law's own (a logistic's mid-year, an allometric
            # exponent); the columns are searched as they are, c·M among the candidates
            scale, _ = groups.expressions([sympy.Symbol(n) for n in dataset.names])
            units_law = None if scale == 1 else sympy.Float(1.0) * scale
            groups = None
        if groups is None:
            progress("units: constants may carry units; searching the columns as they are", verbose)
    if groups is not None:
        X, y, labels, divisor = dimensions.dimensionless_data(groups, dataset.X, dataset.y, dataset.names)
        mapping, scale = dimensions.substitution(groups, labels, [sympy.Symbol(n) for n in user.names])
        notes = dataset.notes
        if not groups.groups:  # the units alone decide the law, up to its constant: c·M, M the one input
            (monomial,) = mapping.values()
            law = f"{user.target} = c·{monomial}" if monomial != 1 else f"a constant {user.target}"
            notes += ((f"the units leave no dimensionless group: the one law they allow is {law}; "
                       "--constant-units lets constants carry units (a scale of the law's own)"),)
            progress(f"note: {notes[-1]}", verbose)
        dataset = Dataset(X, y, labels, dataset.target, notes=notes, scale=divisor, sigma=dataset.sigma,
                          sigma_column=dataset.sigma_column)
        shown = ", ".join(f"{k} = {v}" for k, v in mapping.items())
        progress(f"units: {user.target} = {scale}·f({shown})" if scale != 1
                 else f"units: {user.target} = f({shown})", verbose)
    torch.manual_seed(seed)
    rows = split_rows(len(dataset.y), config.val_fraction, seed, config.max_train_rows, config.max_refit_rows)
    if len(rows.train) > config.max_train_rows:
        progress(f"training on a subsample of {len(rows.kan)} of {len(rows.train)} rows", verbose)
    table = dataset  # every input column, as the result names them
    if groups is None:
        # a column with one value on every row is a number, not an input: no data can tell a
        # formula in it from the same formula with that number in its place. (Where the search
        # runs on dimensionless groups it stays: a constant column's units, g's or c's, may be
        # what the law needs.) The search runs on the other columns
        constant = [i for i in range(len(table.names)) if np.ptp(table.X[:, i]) == 0]
        notes = tuple(f"left out {table.names[i]}: it is {table.X[0, i]:g} on every row" for i in constant)
        for note in notes:
            progress(f"note: {note}", verbose)
        usable = [i for i in range(len(table.names)) if i not in constant]
        table = replace(table, notes=table.notes + notes)
        dataset = data_module.columns(table, usable)
    kept = list(range(len(dataset.names)))
    set_aside: list[int] = []  # inputs the best common law did not use, searched without
    search, trial = None, None  # trial: ``_one_of_each_restatement``'s on the columns kept
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        # numpy's BLAS too: a different thread count changes rounding, and so the formula
        with threadpool_limits(limits=config.threads):
            if groups is None:
                restating, notes, trial = _one_of_each_restatement(dataset, config, rows, seed, budget, verbose)
                usable = [usable[i] for i in restating]  # as columns of the user's table
                dataset = data_module.columns(replace(dataset, notes=dataset.notes + notes), restating)
                kept = list(range(len(dataset.names)))
            if config.screen and len(kept) >= screening.SCREEN_FROM:
                kept = list(screening.screen(dataset.X[rows.kan], dataset.y[rows.kan], seed, budget).kept)
                progress(f"kept {len(kept)} of {len(dataset.names)} inputs: "
                         f"{', '.join(dataset.names[i] for i in kept)}", verbose)
            if trial is not None and len(kept) == len(dataset.names):
                search = trial.carried_on(data_module.columns(dataset, kept), budget, verbose)
            else:
                search = Search(data_module.columns(dataset, kept), config, rows, seed, budget, verbose)
            # the common laws first: with inputs screened out, their best one's residuals are
            # checked against them before any KAN is trained (a search without an input the
            # law needs cannot stop early, and spent the whole budget before the check after
            # it could run); without, where that law leaves inputs out and its residuals do
            # not depend on them, the search runs on the inputs it uses, as on a screened
            # table: a one-input law then meets the exhaustive search of one input's
            # compositions, which a table with a column it ignores never reached
            if not search.baselines_done:
                search.run(baselines_only=True)
            narrowed = _used_by_best_law(search, dataset, rows, kept) if len(kept) == len(dataset.names) else None
            if narrowed:
                progress(f"the best common law uses {', '.join(dataset.names[i] for i in narrowed)} alone, and "
                         "its residuals do not depend on the rest: searching those first", verbose)
                set_aside = [i for i in kept if i not in narrowed]
                kept, relative = narrowed, search.scorer.relative_tried
                search = Search(data_module.columns(dataset, kept), config, rows, seed, budget, verbose)
                search.run(baselines_only=True)
                # the error model is the data's: the whole table's shapes told it, where those
                # of fewer inputs may all fit too poorly to (a quadratic's noise in proportion
                # to y, which no shape of x but the quadratic follows)
                search.scorer.relative_tried = search.scorer.relative_tried or relative
            # dropped inputs the chosen formula's residuals still depend on are added back,
            # until none is left: an input can show only once another one is in
            while True:
                dropped = tuple(i for i in range(len(dataset.names)) if i not in kept)
                back = []
                if dropped and search.candidates and not expired(budget):
                    chosen = choose(search.candidates, search.floor)
                    back = screening.still_needed(chosen.formula, search.symbols, dataset.X[rows.refit],
                                                  dataset.y[rows.refit], kept, dropped, chosen.relative)
                if not back:
                    if not search.pending:
                        break
                    search.run()  # the plans, after the common laws
                    continue
                progress(f"the residuals still depend on {', '.join(dataset.names[i] for i in back)}: "
                         "searching again with them", verbose)
                # a further input may show only once these are in (the masses of a centre of
                # mass, one by one): a quick KAN finds it, and the search gets all that is left
                kept = screening.completed(dataset.X[rows.kan], dataset.y[rows.kan], sorted(kept + back), seed, budget)
                search = search.widened(data_module.columns(dataset, kept), budget)
                search.run(baselines_only=len(kept) < len(dataset.names))
    except KeyboardInterrupt:
        if search is None:
            raise
        search.stopped = INTERRUPTED
        progress("interrupted: returning the best formula found so far", verbose)
    finally:
        torch.set_num_threads(previous_threads)
    if search is None or not search.candidates:
        if search is not None and search.stopped == INTERRUPTED:
            raise KeyboardInterrupt
        raise KansrError("no formula could be fitted to the data")
    if units is not None and groups is None:
        if units_law is not None and units_law.free_symbols <= set(search.symbols):
            search.consider(units_law, "units")
        by_symbol = {sympy.Symbol(name): unit for name, unit in zip(table.names, dims)}
        search.refit_as(lambda formula: formula_units.with_fitted_carrier(formula, by_symbol, target_dims))
        # constants may carry units, each those its place fixes: formulas that no units of
        # their constants make consistent (a function of metres) are dropped where any other fits
        if not search.restrict(lambda formula: formula_units.consistent(formula, by_symbol, target_dims)):
            progress("units: no formula found is consistent in units, whatever its constants' units; "
                     "showing the formulas as found", verbose)
    result = search.result(start)
    if groups is not None:
        result = dimensions.in_user_columns(result, groups, dataset.names, user, rows, dims, target_dims, budget)
        result = formula_units.with_user_units(result, dict(zip(user.names, texts)), target_text)
    elif units is not None:
        result = formula_units.with_constant_units(result, dict(zip(table.names, dims)), target_dims)
        result = formula_units.with_user_units(result, dict(zip(table.names, texts)), target_text)
    # the small table's note counts the constants of the answer in the user's columns (under
    # units, m·v²/2 has none where the search fitted the dimensionless group's constant)
    small = small_table_note(len(loaded.y), len(result.constants))
    if small:
        result = replace(result, notes=result.notes + (small,))
    if groups is None:
        original = {safe: name for name, safe in dataset.renamed.items()}
        out = [original.get(dataset.names[i], dataset.names[i]) for i in set_aside if i not in kept]
        if out:
            pronoun = "it" if len(out) == 1 else "them"
            note = (f"searched without {', '.join(out)}: the best common law did not use {pronoun}, and the "
                    f"answer's residuals do not follow {pronoun}")
            result = replace(result, notes=result.notes + (note,))
        kept = [usable[i] for i in kept]  # as columns of the user's table
        if len(kept) < len(table.names):
            result = replace(result, names=list(table.names), renamed=dict(table.renamed),
                             inputs_dropped=[table.names[i] for i in range(len(table.names)) if i not in kept],
                             kan=screening.reading_all_columns(result.kan, kept, len(table.names)))
    if given:
        # the search's table of common laws prices a tree of theirs; its symbols are the
        # user's columns unless the search ran on dimensionless groups
        try:
            fitted, notes = laws_module.fitted_laws(given, starts, loaded, rows, config.simplify_seconds,
                                                    search.floor, search.scorer.forms if groups is None else ())
            result = replace(result, laws=fitted, notes=result.notes + notes)
        except KeyboardInterrupt:  # the answer stands; the laws were the user's to drop
            progress("interrupted: your laws are left unfitted", verbose)
            note = "interrupted before your laws were fitted"
            result = replace(result, stopped=INTERRUPTED, notes=(*result.notes, note))
    # the user's rows weighed as the chosen formula was fitted to them (the inputs'
    # uncertainties carried through its own slopes)
    weighed = own_uncertainties(result.formula, loaded)
    result = replace(result, covariance=constants_covariance(result.formula, result.constants, weighed, rows.refit,
                                                             result.errors == "relative"))
    if loaded.uncertainties:  # not weights of no scale
        chi2, note = _chi_square(result, weighed)
        result = replace(result, chi2_dof=chi2, notes=result.notes + (note,))
    for note in (close_rivals_note(result), _far_rows_note(result, weighed)):
        if note:
            result = replace(result, notes=result.notes + (note,))
    if dates:
        result = replace(result, dates=dates)
    for note in result.notes[len(dataset.notes):]:
        progress(f"note: {note}", verbose)
    return result


def _chi_square(result: Result, data: Dataset) -> tuple[float, str]:
    """χ²/dof of the chosen formula against the target's uncertainties (``chi_square``), and
    a note that says what it means: whether the rows scatter about the formula as much as
    their uncertainties say, more (the formula falls short, or the uncertainties are
    understated), or less (they are overstated). The constants' standard errors are scaled
    by the scatter either way, as ``scipy.optimize.curve_fit`` scales them by default;
    divided by √(χ²/dof) they are the errors the uncertainties alone imply."""
    per_dof, dof, p = chi_square(result.formula, len(result.constants), data)
    if dof <= 0:
        return per_dof, f"no degree of freedom is left to test the formula against {data.uncertainties}"
    meaning = ("the rows scatter more than their uncertainties say (the formula falls short, or they are "
               "understated)" if p < 0.01 else
               "the rows scatter less than their uncertainties say (are they overstated?)" if p > 0.99 else
               "the rows scatter about the formula as their uncertainties say")
    return per_dof, (f"χ²/dof = {per_dof:.3g} on {dof} degrees of freedom (p = {p:.2g}) against "
                     f"{data.uncertainties}: {meaning}")


def _far_rows_note(result: Result, data: Dataset) -> str | None:
    """A note naming the rows (by their values) that lie far out of the rest's scatter about
    the chosen formula (``residuals.far_rows``), in its error model and, where the target's
    uncertainties weigh the rows, in units of them, for the user to check: a typo or a row
    of another regime, which the least-squares fit bends towards, or where the formula falls
    short (a surrogate that misses a corner of the inputs); None where there are none."""
    symbols = [sympy.Symbol(n) for n in data.names]
    relative = result.errors == "relative"
    found = screening.residuals_of(result.formula, symbols, data.X, data.y, relative)
    if found is None:
        return None
    if data.sigma is not None:  # a row is far by its own uncertainty: weigh it as the fits did
        found = found * row_weights(data.sigma)
    floor = _FAR_FLOOR * (1.0 if relative else float(np.std(data.y)))
    far, spread = residuals.far_rows(found, floor)
    if not len(far):
        return None
    original = {safe: name for name, safe in data.renamed.items()}
    columns = [original.get(n, n) for n in data.names] + [data.target]
    values = np.column_stack([data.X, data.y])
    shown = "; ".join(", ".join(f"{c} = {v:.4g}" for c, v in zip(columns, values[i])) for i in far[:3])
    more = f" and {len(far) - 3} more" if len(far) > 3 else ""
    rows, them = ("a row lies", "it") if len(far) == 1 else (f"{len(far)} rows lie", "them")
    if spread > 0:
        size = float(np.max(np.abs(found[far] - np.median(found)))) / spread
        where = f"{'' if len(far) == 1 else 'up to '}{size:.0f} robust standard deviations from the formula, which"
    else:  # half the rows or more lie on it: no scatter to measure the distance in
        where = "off the formula, which at least half of the rows meet exactly and which"
    return (f"{rows} {where} was fitted with {them}: {shown}{more} (a typo, another regime, or where the formula "
            "falls short?)")
