"""Load and validate tabular data: CSV path, DataFrame or (X, y, names) -> Dataset.

Every problem with the data raises ``DataError`` with one line that names the file,
column and row (1-based, counting the header as row 1) where that helps.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from kansr import dates as dates_module
from kansr import files
from kansr.errors import DataError

MIN_ROWS = 5


@dataclass(frozen=True)
class Dataset:
    """Validated data.

    Attributes
    ----------
    X : ndarray, shape (n_samples, n_features), float64
    y : ndarray, shape (n_samples,), float64
    names : list of str
        Input names, valid Python identifiers (used as sympy symbols).
    target : str
    renamed : dict
        Original column name -> identifier, for every column that had to be renamed.
    notes : tuple of str
        What loading changed (a dropped index column), for the user to read.
    scale : ndarray, shape (n_samples,), or None
        What each row's target was divided by to make ``y`` (the units' monomial M,
        ``kansr.search.dimensions``): the measurements, and their noise, are ``y * scale``.
    dates : dict
        Input name -> ``kansr.dates.Elapsed``, for each column of dates read as the time since its
        earliest (its name then ends in the unit: ``date_days``).
    sigma : ndarray, shape (n_samples,), or None
        The target's uncertainty on each row, in its units, from a column of them
        (``sigma_column``; "" where they are weights' 1/√w, of no scale, as scikit-learn's
        ``sample_weight``): the rows are weighed by 1/sigma² in every fit of a formula.
    left_out : tuple of str
        The table's columns that are neither inputs nor the target (left out by the user or
        as uncertainties), as given and as identifiers: no name a formula may use.
    input_sigma : dict
        Input name -> its uncertainty on each row (ndarray, shape (n_samples,)), from a
        column of them (x_err beside x): carried to the target through the formula's slope
        (``kansr.search.weights.with_input_uncertainties``).
    target_sigma : ndarray, shape (n_samples,), or None
        Where ``sigma`` carries the inputs' uncertainties too, the target's own (or None).
    """

    X: np.ndarray
    y: np.ndarray
    names: list[str]
    target: str
    renamed: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    scale: np.ndarray | None = None
    dates: dict = field(default_factory=dict)
    sigma: np.ndarray | None = None
    sigma_column: str = ""
    left_out: tuple[str, ...] = ()
    input_sigma: dict = field(default_factory=dict)
    target_sigma: np.ndarray | None = None

    @property
    def uncertainties(self) -> str:
        """What ``sigma`` holds, as a note names it: the target's column of uncertainties,
        the inputs' carried to it, or both; "" where there are none, or weights of no scale."""
        if self.sigma is None:
            return ""
        inputs = f"{', '.join(self.input_sigma)}'s uncertainties through the slope" if self.input_sigma else ""
        return " and ".join(filter(None, [repr(self.sigma_column) if self.sigma_column else "", inputs]))


def load(data, target: str | None = None, source: str = "data", sep: str | None = None,
         decimal: str | None = None, inputs: list[str] | None = None, drop: list[str] | None = None,
         sheet: str | None = None) -> Dataset:
    """Load ``data`` and validate it.

    Parameters
    ----------
    data : str, Path, DataFrame, tuple (X, y[, names]) or Dataset
        A path to a CSV file (also ``.csv.gz``, ``.bz2``, ``.xz`` or a ``.zip`` holding one
        CSV), a Parquet file (needs pyarrow), a JSON table (``DataFrame.to_json``), a
        spreadsheet's first sheet (``.xlsx``/``.xlsm`` need openpyxl, ``.xls`` xlrd, ``.ods``
        odfpy), a DataFrame, or arrays.
    target : str, optional
        Target column; default: the last column.
    source : str
        How messages name the data when it is not a file.
    sep, decimal : str, optional
        CSV field separator and decimal mark; default: detected (",", ";", tab, or runs of
        spaces where the header has none of these; a decimal comma when fields are not
        separated by "," and the numbers have commas). ``sep=" "``: runs of spaces and tabs.
    inputs, drop : list of str, optional
        Only these input columns, or all but these (``select_inputs``). Columns left out
        are not read as numbers: a column of labels or one with gaps can be left out.
    sheet : str, optional
        A workbook's sheet to read, by name or by its number from 1; default: the first.
    """
    if isinstance(data, Dataset):
        return select_inputs(data, inputs, drop)
    by_line, notes = False, ()
    if isinstance(data, (str, Path)):
        frame, notes = files.read_table(data, sep=sep, decimal=decimal, sheet=sheet)
        source = str(data)
        by_line = Path(data).suffix.lower() not in files.TABLE_FILES
    elif isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, tuple) and len(data) in (2, 3):
        X = np.asarray(data[0], dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        names = list(data[2]) if len(data) == 3 else [f"x{i + 1}" for i in range(X.shape[1])]
        target = target or "y"
        frame = pd.DataFrame(X, columns=names)
        frame[target] = np.asarray(data[1], dtype=float).ravel()
    else:
        raise DataError(f"unsupported data of type {type(data).__name__}; give a CSV path, a DataFrame or (X, y)")
    dataset = from_frame(frame, target, source, by_line, inputs, drop)
    return replace(dataset, notes=notes + dataset.notes) if notes else dataset


def _identifier(name: str) -> str:
    name = str(name).strip()
    if name.isidentifier() and not keyword.iskeyword(name):
        return name
    safe = re.sub(r"\W+", "_", str(name).strip()).strip("_") or "x"
    if safe[0].isdigit():
        safe = "x_" + safe
    if keyword.iskeyword(safe):
        safe += "_"
    return safe


def _numeric(frame: pd.DataFrame, source: str, by_line: bool, first_line: int = 2,
             target: str | None = None) -> tuple[np.ndarray, tuple[str, ...], dict[str, dates_module.Elapsed]]:
    """The frame's values as floats, notes, and the input columns of ISO 8601 dates read as
    the time since their earliest (``Elapsed``, by column). A bad cell is named by its
    column and its row: the row of the file where ``by_line`` (the frame's first row is the
    file's ``first_line``, the header row 1), else its index in the frame. Text in an input
    column (not ``target``) comes with how to leave that column out.

    Rows with a missing value (an empty cell, NA, NaN) are left out, with a note naming
    them, as R's ``lm`` leaves them out: a gap in a measured table is common, and the rest
    of the table still holds the law. A column missing on more than half the rows is an
    error instead (more likely the wrong column than a few gaps), as are fewer than
    ``MIN_ROWS`` rows left."""
    def row_name(row: int) -> str:
        return f"row {row + first_line}" if by_line else f"index {frame.index[row]}"

    def hint(column) -> str:  # both spellings: this loader serves the command line and Python
        return "" if str(column) == target else \
            f" (to leave the column out: --drop {column}, in Python drop=[{str(column)!r}])"

    columns, dates = [], {}
    for column in frame.columns:
        raw = frame[column]
        if pd.api.types.is_datetime64_any_dtype(raw):  # a DataFrame's own datetimes
            raw = raw.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
        # the minus sign of typeset tables (U+2212), as copied from a paper or a web page
        text = raw.astype(str).str.strip().str.replace("\u2212", "-", regex=False) \
            if raw.dtype == object or pd.api.types.is_string_dtype(raw) else None
        values = pd.to_numeric(text if text is not None else raw, errors="coerce").to_numpy(dtype=float)
        missing = text.eq("") | text.str.lower().isin(["nan", "na", "null", "none", "nat"]) if text is not None \
            else pd.Series(np.isnan(values))
        bad = np.isnan(values) & ~missing.to_numpy()
        elapsed = dates_module.as_elapsed(text, missing.to_numpy()) if bad.any() and str(column) != target else None
        if elapsed is not None:
            values, dates[column] = elapsed
        elif bad.any():
            row = int(np.argmax(bad))
            cell = str(raw.iloc[row]).strip()
            if dates_module.is_date(cell):  # a column of dates, but for some cell, or the target
                if str(column) == target:
                    raise DataError(f"{source}: column {column!r} holds dates; the target must be numbers")
                row = next((i for i in np.flatnonzero(bad) if not dates_module.is_date(text.iloc[i])), None)
                if row is None:
                    raise DataError(f"{source}: column {column!r} mixes dates and times of day{hint(column)}")
                raise DataError(f"{source}: column {column!r}, {row_name(row)}: not a date: "
                                f"{str(raw.iloc[row]).strip()[:40]!r} (the column holds dates, read where written "
                                f"as ISO 8601: 2024-05-01){hint(column)}")
            how = " (dates load written as ISO 8601: 2024-05-01)" if dates_module.OTHER_DATE.match(cell) else ""
            raise DataError(f"{source}: column {column!r}, {row_name(row)}: not a number: "
                            f"{cell[:40]!r}{how}{hint(column)}")
        gaps = int(np.isnan(values).sum())
        if 2 * gaps > len(values):
            raise DataError(f"{source}: column {column!r}: missing on {gaps} of {len(values)} rows{hint(column)}")
        if np.isinf(values).any():
            row = int(np.argmax(np.isinf(values)))
            raise DataError(f"{source}: column {column!r}, {row_name(row)}: infinite value")
        if np.nanmax(np.abs(values), initial=0) > 1e150:  # beside a missing cell as well
            row = int(np.nanargmax(np.abs(values)))
            raise DataError(f"{source}: column {column!r}, {row_name(row)}: value too large ({values[row]:g})")
        columns.append(values)
    values = np.column_stack(columns)
    incomplete = np.flatnonzero(np.isnan(values).any(axis=1))
    if not len(incomplete):
        return values, (), dates
    if len(values) - len(incomplete) < MIN_ROWS:
        raise DataError(f"{source}: only {len(values) - len(incomplete)} rows without a missing value; at least "
                        f"{MIN_ROWS} are needed")
    labels = [str(row + first_line) if by_line else str(frame.index[row]) for row in incomplete[:5]]
    kind = ("row" if len(incomplete) == 1 else "rows") if by_line else "index"
    shown = f"{kind} {', '.join(labels)}" + (", ..." if len(incomplete) > 5 else "")
    note = f"left out {len(incomplete)} of {len(values)} rows with a missing value ({shown})"
    return np.delete(values, incomplete, axis=0), (note,), dates


# how a column of uncertainties is named after the column it qualifies (y_err, sigma_y, dy),
# compared without case or punctuation; "d" and "delta" name only the target's, as dt
# beside t may be a step, an input in its own right
_ERROR_WORDS = ("err", "error", "errors", "unc", "uncertainty", "sigma", "σ", "sd", "std", "stderr", "se")
_DELTAS = ("d", "δ", "delta")


def _plain(name: str) -> str:
    return re.sub(r"[\W_]+", "", str(name).lower())


# a unit written after a name (T_s, L_m, p_kPa, "t [s]", "V (mV)"), which the name of its
# column of uncertainties may leave out (T_err beside T_s) or carry (T_err_s)
_UNIT = re.compile(r"(\s*[\[(][^\])]*[\])]|_[A-Za-zµμΩ°%0-9^/]{1,5})$")


# a column of uncertainties in percent of the values they qualify (y_err_%, "dy (%)")
_PERCENT = re.compile(r"%|percent|pct", re.IGNORECASE)


def _absolute(spread: np.ndarray, name: str, values: np.ndarray) -> np.ndarray:
    """The uncertainties of column ``name`` (``spread``) in the units of the ``values`` they
    qualify: as given, or where the name says percent, that share of each value."""
    return spread / 100 * np.abs(values) if _PERCENT.search(name) else spread


def _stem(name: str) -> str:
    """``name`` without a unit written after it ("" where nothing is left; the "_err" of
    T_err is no unit)."""
    unit = _UNIT.search(str(name))
    if unit is None or _plain(unit.group()) in _ERROR_WORDS:
        return str(name)
    return str(name)[:unit.start()].strip()


def _uncertainties(frame: pd.DataFrame, names: list[str]) -> dict[str, tuple[str, bool]]:
    """Each column named as the uncertainty of another (y_err, yerr, sigma_y, dy, δy, ...;
    T_err or T_err_s beside T_s, a unit after either name) whose values are never negative
    and mostly smaller than that column's: column -> (the column it qualifies, whether only
    a "d" or "delta" names it so)."""
    plain = {}
    stems = [_plain(_stem(name)) for name in names]
    for name, stem in zip(names, stems):  # a stem two columns share names neither
        if stem and stems.count(stem) == 1:
            plain[stem] = name
    plain.update({_plain(name): name for name in names if _plain(name)})
    found = {}
    for name in names:
        words = []
        for key in dict.fromkeys([_plain(name), _plain(_stem(name))]):
            words += [(key[:-len(w)], False) for w in _ERROR_WORDS if key.endswith(w)]
            words += [(key[len(w):], w in _DELTAS) for w in _ERROR_WORDS + _DELTAS if key.startswith(w)]
        named = [(plain[rest], delta) for rest, delta in words if plain.get(rest, name) != name]
        if not named:
            continue
        of, delta = min(named, key=lambda item: item[1])  # by a word before by a "d"
        spread, values = (pd.to_numeric(frame[column].astype(str).str.strip(), errors="coerce")
                          for column in (name, of))
        bound = 100.0 if _PERCENT.search(name) else values.abs().median()
        if spread.notna().any() and (spread.dropna() >= 0).all() and spread.median() < bound:
            found[name] = (of, delta)
    return found


# a value and its uncertainty in one cell, as tables in papers give them: 3.2 ± 0.1, 3.2 +/- 0.1
_PLUS_MINUS = re.compile(rf"^\s*(\S+?)\s*{files.PLUS_MINUS}\s*(\S+)\s*$")


def _with_uncertainties_apart(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """``frame`` with each column of numbers ± their uncertainties split in two, the values
    under its name and the uncertainties beside them as "<name>_err" (which then weigh the
    rows, or are carried to the target), and for each column so split the rows whose cell
    was a plain number (by the column's name): their uncertainty is left missing here, as
    an empty cell leaves both (``from_frame`` reads it as 0 for an input)."""
    plain = {}
    for name in list(frame.columns):
        if list(frame.columns).count(name) != 1:  # refused as a duplicate name, later
            continue
        column = frame[name]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column)):
            continue
        text = column.astype(str).str.strip().str.replace("\u2212", "-", regex=False)
        parts = text.str.extract(_PLUS_MINUS)
        given = parts[0].notna()
        parts = parts[given]
        error_name = f"{name}_err"
        if not given.any() or error_name in frame.columns:
            continue
        # a decimal comma, as a file of decimal commas writes the cell (the reader reads
        # only cells of one number so)
        numbers = parts.replace(r"^([-+]?\d*),(\d+)$", r"\1.\2", regex=True).apply(pd.to_numeric, errors="coerce")
        if numbers.isna().any().any():
            continue  # the cell is no number ± a number: named as not a number
        # by position: a frame read from a file may carry an index of repeated labels
        values, errors, mask = column.to_numpy(dtype=object).copy(), np.full(len(column), np.nan), given.to_numpy()
        values[mask], errors[mask] = numbers[0].to_numpy(), numbers[1].to_numpy()
        plain[str(name)] = ~mask & ~column.isna().to_numpy() & text.ne("").to_numpy()
        frame = frame.copy()
        frame[name] = values
        frame.insert(list(frame.columns).index(name) + 1, error_name, errors)
    return frame, plain


def _is_saved_index(name: str, column: pd.Series) -> bool:
    """An unnamed column that counts 0, 1, ..., n-1: what ``DataFrame.to_csv()`` writes first."""
    if name not in ("", "Unnamed: 0"):
        return False
    values = pd.to_numeric(column.astype(str).str.strip() if column.dtype == object else column, errors="coerce")
    return bool(np.array_equal(values.to_numpy(dtype=float), np.arange(len(column), dtype=float)))


def from_frame(frame: pd.DataFrame, target: str | None = None, source: str = "data",
               by_line: bool = False, inputs: list[str] | None = None, drop: list[str] | None = None) -> Dataset:
    """Validate a DataFrame (numbers or numeric strings) and split it into inputs and target.

    ``by_line``: the frame was read from a file of lines under a header (a CSV file, a
    sheet), and messages name a bad cell's row of that file; else its index in the frame.
    ``inputs``, ``drop``: the input columns to keep, or to leave out (``select_inputs``),
    chosen before any cell is read as a number.

    Left out, with a note in ``Dataset.notes``: a first column without a name that counts
    0..n-1 (a saved pandas index), and, in a file, a first row with text and no number
    under the header (a second header row: the columns' units, say).
    """
    notes, first_line = [], 2
    if by_line and len(frame) > MIN_ROWS and files.second_header(list(frame.iloc[0])):
        shown = ", ".join("" if pd.isna(cell) else str(cell).strip() for cell in frame.iloc[0])
        notes.append(f"left out row 2 ({shown[:40]}): text without a number, a second header row "
                     "(units go in a --units table)")
        frame, first_line = frame.iloc[1:], 3
    if len(frame.columns) and _is_saved_index(str(frame.columns[0]), frame.iloc[:, 0]):
        frame = frame.iloc[:, 1:]
        notes.append("dropped the unnamed first column: it counts 0..n-1 (a saved index)")
    frame, split = _with_uncertainties_apart(frame)
    split_notes_at = len(notes)  # their notes come here, once the target is known
    names = [str(name) for name in frame.columns]
    if "" in names:
        raise DataError(f"{source}: column {names.index('') + 1} has an empty name")
    if len(names) < 2:
        raise DataError(f"{source}: needs at least one input column and a target column, found {len(names)} column(s)")
    if len(set(names)) != len(names):
        duplicates = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"{source}: duplicate column name(s): {', '.join(map(repr, duplicates))}")
    uncertain = _uncertainties(frame, names)
    if target is None and names[-1] in uncertain:
        target = uncertain[names[-1]][0]
        notes.append(f"the last column, {names[-1]!r}, holds the uncertainties of {target!r} (by its name): "
                     f"explaining {target!r} (--target to choose)")
    target = names[-1] if target is None else target
    if target not in names:
        raise DataError(f"{source}: target column {target!r} not found; columns are {', '.join(names)}")
    split_notes = []
    for name, plain in split.items():
        # an input's value without its uncertainty is taken as set exactly (t = 0 of a clock
        # started by hand); the target's cannot be weighed, and its row is left out
        split_notes.append(f"column {name!r} holds values ± uncertainties: read as {name!r} and {name + '_err'!r}")
        if plain.any() and name != target:
            frame = frame.copy()
            frame[f"{name}_err"] = np.where(plain, 0.0, frame[f"{name}_err"].to_numpy(dtype=float))
            split_notes[-1] += f" ({int(plain.sum())} without one: 0)"
    notes[split_notes_at:split_notes_at] = split_notes
    if len(frame) < MIN_ROWS:
        raise DataError(f"{source}: only {len(frame)} data row(s); at least {MIN_ROWS} are needed")
    columns_in = [n for n in names if n != target]
    # a column named an input is one, whatever its name says
    errors = [n for n in columns_in if n in uncertain and (uncertain[n][0] == target or not uncertain[n][1])
              and n not in (inputs or ())]
    if errors:
        if len(errors) == len(columns_in):
            raise DataError(f"{source}: no input column: {', '.join(map(repr, errors))} "
                            f"{'holds' if len(errors) == 1 else 'hold'} uncertainties (--inputs to use them)")
        drop = [*(drop or []), *errors]
        # the target's own are its rows' weights (the first such column, if several)
        sigma_column = next((n for n in errors if uncertain[n][0] == target), None)
    else:
        errors, sigma_column = [], None
    safe_names = []
    for name in columns_in:
        safe = _identifier(name)
        while safe in safe_names:
            safe += "_"
        safe_names.append(safe)
    keep = _kept(columns_in, safe_names, inputs, drop)
    kept = [columns_in[i] for i in keep]
    # an input's own (the first such column of each input kept) are carried to the target
    of_inputs = {}
    for name in errors:
        if uncertain[name][0] in kept and uncertain[name][0] not in of_inputs.values():
            of_inputs[name] = uncertain[name][0]
    # by position: the frame's own labels may be numbers, where ``names`` are their text
    read = kept + list(of_inputs) + ([sigma_column] if sigma_column else []) + [target]
    values, gaps, read_as_times = _numeric(frame.iloc[:, [names.index(n) for n in read]], source, by_line,
                                           first_line, target)
    sigma, weighed = None, ""
    if sigma_column:
        sigma, values = values[:, -2], np.delete(values, -2, axis=1)
        sigma = _absolute(sigma, sigma_column, values[:, -1])
        weighed = (f"the rows are weighed by 1/({sigma_column} of {target!r})²" if _PERCENT.search(sigma_column)
                   else f"the rows are weighed by 1/{sigma_column}²")
        if not (sigma > 0).all():
            weighed = f"the rows are not weighed by it: it is 0 on {int(np.sum(sigma <= 0))} of them"
            sigma, sigma_column = None, None
    spreads = values[:, len(kept):len(kept) + len(of_inputs)].copy()
    for i, (name, of) in enumerate(of_inputs.items()):
        spreads[:, i] = _absolute(spreads[:, i], name, values[:, kept.index(of)])
    values = np.delete(values, range(len(kept), len(kept) + len(of_inputs)), axis=1)
    if of_inputs:
        carried = f"{', '.join(map(repr, of_inputs))} carried to {target!r} through its slope (effective variance)"
        weighed = "; ".join(filter(None, [weighed, carried]))
    if errors:
        of = sorted({uncertain[n][0] for n in errors}, key=names.index)
        unused = [n for n in errors if n != sigma_column and n not in of_inputs]
        use = "; ".join(filter(None, [weighed, f"{', '.join(map(repr, unused))} not used" if unused else ""]))
        notes.append(f"left out {', '.join(map(repr, errors))}: the uncertainties of {', '.join(map(repr, of))} "
                     f"by {'its name' if len(errors) == 1 else 'their names'}, not inputs; {use} (--inputs to choose)")
    dates = {}
    for i in keep:  # a column of dates is named with the unit of its numbers: date_days
        elapsed = read_as_times.get(columns_in[i])
        if elapsed is not None:
            safe_names[i] = f"{safe_names[i]}_{elapsed.unit}"
            dates[safe_names[i]] = elapsed
            notes.append(f"column {columns_in[i]!r} holds {elapsed.kind}: read as {elapsed.unit} since "
                         f"{elapsed.origin}")
    renamed = {columns_in[i]: safe_names[i] for i in keep if safe_names[i] != columns_in[i]}
    input_sigma = {safe_names[columns_in.index(x)]: spreads[:, i] for i, x in enumerate(of_inputs.values())}
    left_out = tuple(dict.fromkeys(name for i, (given, safe) in enumerate(zip(columns_in, safe_names))
                                   if i not in keep for name in (given, safe)))
    return Dataset(values[:, :-1], values[:, -1], [safe_names[i] for i in keep], target, renamed,
                   tuple(notes) + gaps, dates=dates, sigma=sigma, sigma_column=sigma_column or "",
                   left_out=left_out, input_sigma=input_sigma)


def columns(dataset: Dataset, keep: list[int]) -> Dataset:
    """``dataset`` with only the input columns ``keep`` (indices, in this order)."""
    kept = {dataset.names[i] for i in keep}
    renamed = {original: safe for original, safe in dataset.renamed.items() if safe in kept}
    return replace(dataset, X=dataset.X[:, keep], names=[dataset.names[i] for i in keep], renamed=renamed,
                   dates={name: e for name, e in dataset.dates.items() if name in kept},
                   input_sigma={name: s for name, s in dataset.input_sigma.items() if name in kept})


def select_inputs(dataset: Dataset, inputs: list[str] | None = None, drop: list[str] | None = None) -> Dataset:
    """The inputs a user named (``inputs``: only these; ``drop``: all but these), by their
    column names as given or as renamed; an unknown name or an empty selection raises
    ``DataError``."""
    if not inputs and not drop:
        return dataset
    original = {safe: name for name, safe in dataset.renamed.items()}
    keep = _kept([original.get(n, n) for n in dataset.names], dataset.names, inputs, drop)
    out = [name for i, safe in enumerate(dataset.names) if i not in keep
           for name in (original.get(safe, safe), safe)]
    return replace(columns(dataset, keep), left_out=tuple(dict.fromkeys([*dataset.left_out, *out])))


def _kept(names: list[str], safe_names: list[str], inputs: list[str] | None, drop: list[str] | None) -> list[int]:
    """Indices of the input columns to keep, in their order: ``inputs`` only, or all but
    ``drop``, each named as given (``names``) or as renamed (``safe_names``)."""
    if not inputs and not drop:
        return list(range(len(names)))
    index = {**{name: i for i, name in enumerate(safe_names)}, **{name: i for i, name in enumerate(names)}}

    def resolve(given: list[str], flag: str) -> list[int]:
        unknown = [n for n in given if n not in index]
        if unknown:
            raise DataError(f"{flag}: no input column {', '.join(map(repr, unknown))}; inputs are "
                            f"{', '.join(names)}")
        return [index[n] for n in given]

    keep = resolve(inputs, "--inputs") if inputs else list(range(len(names)))
    if drop:
        dropped = set(resolve(drop, "--drop"))
        keep = [i for i in keep if i not in dropped]
    if not keep:
        raise DataError("--inputs/--drop leave no input column")
    return sorted(set(keep))


def split_rows(n_rows: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded train/validation row indices (validation empty when ``val_fraction`` is 0)."""
    order = np.random.default_rng(seed).permutation(n_rows)
    n_val = int(round(n_rows * val_fraction)) if n_rows >= 10 else 0
    return np.sort(order[n_val:]), np.sort(order[:n_val])
