"""Load and validate tabular data: CSV path, DataFrame or (X, y, names) -> Dataset.

Every problem with the data raises ``DataError`` with one line that names the file,
column and row (1-based, counting the header as row 1) where that helps.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import keyword
import lzma
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

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
    """

    X: np.ndarray
    y: np.ndarray
    names: list[str]
    target: str
    renamed: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    scale: np.ndarray | None = None


def load(data, target: str | None = None, source: str = "data", sep: str | None = None,
         decimal: str | None = None, inputs: list[str] | None = None, drop: list[str] | None = None) -> Dataset:
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
    """
    if isinstance(data, Dataset):
        return select_inputs(data, inputs, drop)
    by_line, notes = False, ()
    if isinstance(data, (str, Path)):
        frame, notes = read_table(data, sep=sep, decimal=decimal)
        source = str(data)
        by_line = Path(data).suffix.lower() not in _TABLE_FILES
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


_PARQUET = (".parquet", ".pq")
# files that store a table's rows as records, not as lines under a header: their rows are
# named by the table's index
_TABLE_FILES = (".json", *_PARQUET)


_DECOMPRESS = {".gz": gzip.decompress, ".bz2": bz2.decompress, ".xz": lzma.decompress}


def read_table(path: str | Path, sep: str | None = None, decimal: str | None = None
               ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Read a (possibly compressed) CSV file, a Parquet or JSON table, or a spreadsheet's
    first sheet, after checking it; with notes on what reading a CSV file left out or
    assumed (``read_csv_text``)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a CSV file")
    suffix = path.suffix.lower()
    if suffix in _PARQUET:
        return _read_parquet(path), ()
    if suffix in _SPREADSHEETS:
        return _read_spreadsheet(path), ()
    if suffix == ".json":
        return _read_json(path), ()
    text, encoding = _text(path)
    frame, notes = read_csv_text(text, path, sep, decimal)
    return frame, encoding + notes


# spreadsheet suffixes, and the engine pandas reads each through (its module, its pip name)
_SPREADSHEETS = {".xlsx": ("openpyxl", "openpyxl"), ".xlsm": ("openpyxl", "openpyxl"), ".xls": ("xlrd", "xlrd"),
                 ".ods": ("odf", "odfpy")}


def _read_spreadsheet(path: Path) -> pd.DataFrame:
    """The workbook's first sheet, its first row the header."""
    engine, package = _SPREADSHEETS[path.suffix.lower()]
    _require(path, engine, package, f"{path.suffix} files", " (or save the sheet as CSV)")
    try:
        frame = pd.read_excel(path, sheet_name=0, engine=engine)
    except Exception as error:  # noqa: BLE001  (each engine raises its own types for a file it cannot parse)
        raise DataError(f"{path}: not a readable {path.suffix} workbook "
                        f"({(str(error).splitlines() or [type(error).__name__])[0][:80]})") from None
    if frame.empty:
        raise DataError(f"{path}: its first sheet holds no data rows")
    return frame


def _read_json(path: Path) -> pd.DataFrame:
    """A table as pandas writes one (``DataFrame.to_json``, by columns or as records)."""
    try:
        frame = pd.read_json(io.StringIO(_text(path)[0]))
    except ValueError as error:
        raise DataError(f"{path}: not a JSON table ({str(error).splitlines()[0][:80]})") from None
    if frame.empty:
        raise DataError(f"{path}: the JSON table holds no data rows")
    return frame


def _require(path: Path, module: str, package: str, what: str, hint: str = "") -> None:
    """A one-line error where ``module``, the optional package pandas reads ``what`` through,
    is not installed."""
    try:
        __import__(module)
    except ImportError:
        raise DataError(f"{path}: reading {what} needs {package}: pip install {package}{hint}") from None


def _read_parquet(path: Path) -> pd.DataFrame:
    _require(path, "pyarrow", "pyarrow", "Parquet")
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: not a readable Parquet file ({str(error).splitlines()[0][:80]})") from None


def _text(path: Path) -> tuple[str, tuple[str, ...]]:
    """The file's text, decompressed by its suffix, and a note where it was not UTF-8.

    Text that is not UTF-8 is read as Windows-1252, in which spreadsheets on Windows save
    CSV files: its numbers are ASCII either way, and only accented names could differ."""
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    try:
        if suffix in _DECOMPRESS:
            raw = _DECOMPRESS[suffix](raw)
        elif suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                members = [m for m in archive.namelist() if not m.endswith("/")]
                if len(members) != 1:
                    raise DataError(f"{path}: a .zip must hold exactly one CSV file, it holds {len(members)}")
                raw = archive.read(members[0])
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile, ValueError) as error:
        raise DataError(f"{path}: cannot decompress ({error})") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # a spreadsheet's "Unicode text"
        try:
            return raw.decode("utf-16"), ()
        except UnicodeDecodeError as error:
            raise DataError(f"{path}: not UTF-16 text after its byte-order mark (byte {error.start})") from None
    if b"\x00" in raw:
        raise DataError(f"{path}: contains NUL bytes; not a text CSV")
    try:
        return raw.decode("utf-8-sig"), ()
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as error:  # five bytes that Windows-1252 leaves undefined
        raise DataError(f"{path}: neither UTF-8 nor Windows-1252 text (byte {error.start})") from None
    return text, ("read as Windows-1252 text: the file is not UTF-8",)


_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d*(?:[eE][+-]?\d+)?$")
_DECIMAL_POINT = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")


# the separator of columns aligned by spaces (a ".dat" file, ``numpy.savetxt``'s default)
WHITESPACE = " "


def _fields(line: str, separator: str) -> list[str]:
    return line.split() if separator == WHITESPACE else line.split(separator)


def _sniff_decimal(lines: list[str], separator: str) -> str:
    """"," where fields are not comma-separated and the numbers are written with decimal commas."""
    if separator == ",":
        return "."
    cells = [cell.strip().strip('"') for line in lines[1:51] for cell in _fields(line, separator)]
    if any(_DECIMAL_COMMA.match(cell) for cell in cells) and not any(_DECIMAL_POINT.match(cell) for cell in cells):
        return ","
    return "."


def read_csv_text(text: str, path: str | Path = "data", sep: str | None = None,
                  decimal: str | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Parse CSV text after checking its header; numbers as floats where every cell is one,
    else as strings (so that ``from_frame`` can name the bad cell). With notes on what was
    left out or assumed: comment lines above the header (a header itself commented out, as
    ``numpy.savetxt`` writes it, is read), columns without a name or a value (the trailing
    separators a spreadsheet writes), and names for a table without a header (x1, x2, ...,
    y, the last column the target)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise DataError(f"{path}: file is empty")
    lines, notes = _without_comments(lines)
    separator = _sniff_separator(lines[0]) if sep is None else WHITESPACE if sep.isspace() and sep != "\t" else sep
    decimal = decimal or _sniff_decimal(lines, separator)
    if decimal == separator:
        raise DataError(f"{path}: the decimal mark and the separator are both {separator!r}")
    try:
        header = (next(csv.reader([lines[0].strip()], delimiter=" ", skipinitialspace=True))
                  if separator == WHITESPACE else next(csv.reader([lines[0]], delimiter=separator)))
    except csv.Error as error:
        raise DataError(f"{path}: cannot read the header: {error}") from None
    header = [name.strip() for name in header]
    if all(header) and not any(_texts(header)):  # numbers only: a table saved without names
        header = [f"x{i + 1}" for i in range(len(header) - 1)] + ["y"]
        lines = [(" " if separator == WHITESPACE else separator).join(header), *lines]
        named = ", ".join(header) if len(header) <= 4 else f"x1, ..., x{len(header) - 1}, y"
        notes.append(f"no header (the first line holds numbers): the columns are named {named}")
    if len(lines) == 1:
        raise DataError(f"{path}: has a header but no data rows")
    text = "\n".join(lines)
    frame = _parse(text, separator, decimal, path, dtype=float)  # fast path: all numbers
    if frame is None:  # read as text, so the bad cell can be named
        frame = _parse(text, separator, decimal, path, dtype=str)
        if decimal != ".":
            frame = frame.apply(lambda column: column.str.replace(decimal, ".", regex=False))
    empty = [i for i, name in enumerate(header) if name == "" and i < frame.shape[1]
             and frame.iloc[:, i].map(lambda cell: pd.isna(cell) or not str(cell).strip()).all()]
    if empty:
        notes.append(f"left out {len(empty)} column(s) with neither a name nor a value")
        keep = [i for i in range(frame.shape[1]) if i not in empty]
        frame, header = frame.iloc[:, keep], [header[i] for i in keep]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise DataError(f"{path}: duplicate column name(s): {', '.join(map(repr, duplicates))}")
    # an unnamed first column is allowed: a saved index, which ``from_frame`` drops
    if any(name == "" for name in header[1:]):
        raise DataError(f"{path}: column {header.index('', 1) + 1} has an empty name")
    frame.columns = header
    return frame, tuple(notes)


def _without_comments(lines: list[str]) -> tuple[list[str], list[str]]:
    """The lines without the comment lines ("#") above the header, and a note on them. Where
    the first line after them has no name in it, the last comment is the header
    (``numpy.savetxt(..., header=...)`` writes "# a,b,y"); a "#" that names a first column
    ("#,a,y") is a header as it stands."""
    count = next((i for i, line in enumerate(lines) if not line.lstrip().startswith("#")), len(lines))
    if count == 0 or count == len(lines):
        return lines, []
    header = lines[count - 1].lstrip()[1:].strip()
    if header.startswith((",", ";", "\t")):  # "#" names the first column: the header
        count -= 1
    elif header and not any(_texts(re.split(r"[,;\s]+", lines[count].strip()))) and _same_width(header, lines[count]):
        return [header] + lines[count:], [f"read the header from the comment line {'# ' + header[:38]!r}"]
    return lines[count:], [f"left out {count} comment line(s) above the header"] if count else []


def _same_width(header: str, line: str) -> bool:
    """Whether a commented-out header names as many columns as the line under it has (a
    comment such as "# measured in 2024" above rows of numbers is no header)."""
    separator = _sniff_separator(header)
    return len(_fields(header, separator)) == len(_fields(line.strip(), separator))


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", re.IGNORECASE)


def _texts(cells) -> list[bool]:
    """For each non-empty cell, whether it is text rather than a number (a header's names are)."""
    cells = ["" if pd.isna(cell) else str(cell).strip().strip('"') for cell in cells]
    return [not _NUMBER.match(cell) for cell in cells if cell]


def _second_header(cells: list) -> bool:
    """Whether a first data row holds text and no number: a second header row (units)."""
    texts = _texts(cells)
    return bool(texts) and all(texts)


def _parse(text: str, separator: str, decimal: str, path, dtype) -> pd.DataFrame | None:
    """Parse CSV text; None when ``dtype=float`` does not fit (some cell is not a number)."""
    try:
        return pd.read_csv(io.StringIO(text), sep=r"\s+" if separator == WHITESPACE else separator,
                           decimal=decimal, dtype=dtype, skip_blank_lines=True,
                           keep_default_na=dtype is float, skipinitialspace=True, engine="c")
    except ValueError as error:
        if dtype is float and not isinstance(error, pd.errors.ParserError):
            return None
        message = (str(error).strip().splitlines() or ["unreadable"])[-1]
        raise DataError(f"{path}: malformed CSV: {message}") from None
    except (csv.Error, OverflowError) as error:
        raise DataError(f"{path}: malformed CSV: {error}") from None


def _sniff_separator(header_line: str) -> str:
    """The separator the header uses most among ",", ";" and tab; else runs of spaces where
    the header has two names or more (columns aligned by spaces); else ","."""
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    if counts[best] > 0:
        return best
    return WHITESPACE if len(header_line.split()) > 1 else ","


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
             target: str | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """The frame's values as floats, and notes; a bad cell is named by its column and its
    row: the row of the file where ``by_line`` (the frame's first row is the file's
    ``first_line``, the header row 1), else its index in the frame. Text in an input column
    (not ``target``) comes with how to leave that column out.

    Rows with a missing value (an empty cell, NA, NaN) are left out, with a note naming
    them, as R's ``lm`` leaves them out: a gap in a measured table is common, and the rest
    of the table still holds the law. A column missing on more than half the rows is an
    error instead (more likely the wrong column than a few gaps), as are fewer than
    ``MIN_ROWS`` rows left."""
    def row_name(row: int) -> str:
        return f"row {row + first_line}" if by_line else f"index {frame.index[row]}"

    def hint(column) -> str:
        return "" if str(column) == target else f" (to leave the column out: --drop {column})"

    columns = []
    for column in frame.columns:
        raw = frame[column]
        text = raw.astype(str).str.strip() if raw.dtype == object or pd.api.types.is_string_dtype(raw) else None
        values = pd.to_numeric(text if text is not None else raw, errors="coerce").to_numpy(dtype=float)
        missing = text.eq("") | text.str.lower().isin(["nan", "na", "null", "none"]) if text is not None \
            else pd.Series(np.isnan(values))
        bad = np.isnan(values) & ~missing.to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            raise DataError(f"{source}: column {column!r}, {row_name(row)}: not a number: "
                            f"{str(raw.iloc[row])[:40]!r}{hint(column)}")
        gaps = int(np.isnan(values).sum())
        if 2 * gaps > len(values):
            raise DataError(f"{source}: column {column!r}: missing on {gaps} of {len(values)} rows{hint(column)}")
        if np.isinf(values).any():
            row = int(np.argmax(np.isinf(values)))
            raise DataError(f"{source}: column {column!r}, {row_name(row)}: infinite value")
        if np.abs(values).max(initial=0) > 1e150:
            row = int(np.argmax(np.abs(values)))
            raise DataError(f"{source}: column {column!r}, {row_name(row)}: value too large ({values[row]:g})")
        columns.append(values)
    values = np.column_stack(columns)
    incomplete = np.flatnonzero(np.isnan(values).any(axis=1))
    if not len(incomplete):
        return values, ()
    if len(values) - len(incomplete) < MIN_ROWS:
        raise DataError(f"{source}: only {len(values) - len(incomplete)} rows without a missing value; at least "
                        f"{MIN_ROWS} are needed")
    labels = [str(row + first_line) if by_line else str(frame.index[row]) for row in incomplete[:5]]
    kind = ("row" if len(incomplete) == 1 else "rows") if by_line else "index"
    shown = f"{kind} {', '.join(labels)}" + (", ..." if len(incomplete) > 5 else "")
    note = f"left out {len(incomplete)} of {len(values)} rows with a missing value ({shown})"
    return np.delete(values, incomplete, axis=0), (note,)


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
    if by_line and len(frame) > MIN_ROWS and _second_header(list(frame.iloc[0])):
        shown = ", ".join("" if pd.isna(cell) else str(cell).strip() for cell in frame.iloc[0])
        notes.append(f"left out row 2 ({shown[:40]}): text without a number, a second header row "
                     "(units go in a --units table)")
        frame, first_line = frame.iloc[1:], 3
    if len(frame.columns) and _is_saved_index(str(frame.columns[0]), frame.iloc[:, 0]):
        frame = frame.iloc[:, 1:]
        notes.append("dropped the unnamed first column: it counts 0..n-1 (a saved index)")
    names = [str(name) for name in frame.columns]
    if "" in names:
        raise DataError(f"{source}: column {names.index('') + 1} has an empty name")
    if len(names) < 2:
        raise DataError(f"{source}: needs at least one input column and a target column, found {len(names)} column(s)")
    if len(set(names)) != len(names):
        duplicates = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"{source}: duplicate column name(s): {', '.join(map(repr, duplicates))}")
    target = names[-1] if target is None else target
    if target not in names:
        raise DataError(f"{source}: target column {target!r} not found; columns are {', '.join(names)}")
    if len(frame) < MIN_ROWS:
        raise DataError(f"{source}: only {len(frame)} data row(s); at least {MIN_ROWS} are needed")
    columns_in = [n for n in names if n != target]
    safe_names = []
    for name in columns_in:
        safe = _identifier(name)
        while safe in safe_names:
            safe += "_"
        safe_names.append(safe)
    keep = _kept(columns_in, safe_names, inputs, drop)
    kept = [columns_in[i] for i in keep]
    # by position: the frame's own labels may be numbers, where ``names`` are their text
    values, gaps = _numeric(frame.iloc[:, [names.index(n) for n in kept + [target]]], source, by_line, first_line,
                            target)
    renamed = {columns_in[i]: safe_names[i] for i in keep if safe_names[i] != columns_in[i]}
    return Dataset(values[:, :-1], values[:, -1], [safe_names[i] for i in keep], target, renamed,
                   tuple(notes) + gaps)


def columns(dataset: Dataset, keep: list[int]) -> Dataset:
    """``dataset`` with only the input columns ``keep`` (indices, in this order)."""
    kept = {dataset.names[i] for i in keep}
    renamed = {original: safe for original, safe in dataset.renamed.items() if safe in kept}
    return Dataset(dataset.X[:, keep], dataset.y, [dataset.names[i] for i in keep], dataset.target, renamed,
                   dataset.notes, dataset.scale)


def select_inputs(dataset: Dataset, inputs: list[str] | None = None, drop: list[str] | None = None) -> Dataset:
    """The inputs a user named (``inputs``: only these; ``drop``: all but these), by their
    column names as given or as renamed; an unknown name or an empty selection raises
    ``DataError``."""
    if not inputs and not drop:
        return dataset
    original = {safe: name for name, safe in dataset.renamed.items()}
    return columns(dataset, _kept([original.get(n, n) for n in dataset.names], dataset.names, inputs, drop))


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
