"""Load and validate tabular data: CSV path, DataFrame or (X, y, names) -> Dataset.

Every problem with the data raises ``DataError`` with one line that names the file,
column and row (1-based, counting the header as row 1) where that helps.
"""

from __future__ import annotations

import csv
import io
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kansr.errors import DataError

MIN_ROWS = 10


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
    """

    X: np.ndarray
    y: np.ndarray
    names: list[str]
    target: str
    renamed: dict[str, str] = field(default_factory=dict)


def load(data, target: str | None = None, source: str = "data") -> Dataset:
    """Load ``data`` (path to a CSV, DataFrame, or tuple (X, y[, names])) and validate it."""
    if isinstance(data, (str, Path)):
        frame = read_csv(data)
        source = str(data)
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
    return from_frame(frame, target, source)


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV as strings after checking the file, its encoding and its header."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a CSV file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text (byte {error.start})") from None
    if "\x00" in text:
        raise DataError(f"{path}: contains NUL bytes; not a text CSV")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise DataError(f"{path}: file is empty")
    separator = _sniff_separator(lines[0])
    try:
        header = next(csv.reader([lines[0]], delimiter=separator))
    except csv.Error as error:
        raise DataError(f"{path}: cannot read the header: {error}") from None
    header = [name.strip() for name in header]
    if len(lines) == 1:
        raise DataError(f"{path}: has a header but no data rows")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise DataError(f"{path}: duplicate column name(s): {', '.join(map(repr, duplicates))}")
    if any(name == "" for name in header):
        raise DataError(f"{path}: column {header.index('') + 1} has an empty name")
    frame = _parse(text, separator, path, dtype=float)  # fast path: all numbers
    if frame is None:  # read as text, so the bad cell can be named
        frame = _parse(text, separator, path, dtype=str)
    frame.columns = header
    return frame


def _parse(text: str, separator: str, path: Path, dtype) -> pd.DataFrame | None:
    """Parse CSV text; None when ``dtype=float`` does not fit (some cell is not a number)."""
    try:
        return pd.read_csv(io.StringIO(text), sep=separator, dtype=dtype, skip_blank_lines=True,
                           keep_default_na=dtype is float, skipinitialspace=True, engine="c")
    except ValueError as error:
        if dtype is float and not isinstance(error, pd.errors.ParserError):
            return None
        message = (str(error).strip().splitlines() or ["unreadable"])[-1]
        raise DataError(f"{path}: malformed CSV: {message}") from None
    except (csv.Error, OverflowError) as error:
        raise DataError(f"{path}: malformed CSV: {error}") from None


def _sniff_separator(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


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


def _numeric(frame: pd.DataFrame, source: str) -> np.ndarray:
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
            raise DataError(f"{source}: column {column!r}, row {row + 2}: not a number: {str(raw.iloc[row])[:40]!r}")
        if np.isnan(values).any():
            row = int(np.argmax(np.isnan(values)))
            raise DataError(f"{source}: column {column!r}, row {row + 2}: missing value (NaN)")
        if np.isinf(values).any():
            row = int(np.argmax(np.isinf(values)))
            raise DataError(f"{source}: column {column!r}, row {row + 2}: infinite value")
        if np.abs(values).max(initial=0) > 1e150:
            row = int(np.argmax(np.abs(values)))
            raise DataError(f"{source}: column {column!r}, row {row + 2}: value too large ({values[row]:g})")
        columns.append(values)
    return np.column_stack(columns)


def from_frame(frame: pd.DataFrame, target: str | None = None, source: str = "data") -> Dataset:
    """Validate a DataFrame (numbers or numeric strings) and split it into inputs and target."""
    names = [str(name) for name in frame.columns]
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
    values = _numeric(frame, source)
    y = values[:, names.index(target)]
    inputs = [n for n in names if n != target]
    X = values[:, [names.index(n) for n in inputs]]
    if np.ptp(y) == 0:
        raise DataError(f"{source}: target column {target!r} is constant ({y[0]:g}); nothing to discover")
    for j, name in enumerate(inputs):
        column = X[:, j]
        if np.ptp(column) > 0 and np.all(column != 0):
            ratio = y / column
            if np.ptp(ratio) <= 1e-12 * np.abs(ratio).max():
                raise DataError(f"{source}: target {target!r} is a constant multiple of column {name!r} "
                                f"({target} = {ratio[0]:.6g}*{name}); nothing to discover")
    renamed, safe_names = {}, []
    for name in inputs:
        safe = _identifier(name)
        while safe in safe_names:
            safe += "_"
        if safe != name:
            renamed[name] = safe
        safe_names.append(safe)
    return Dataset(X, y, safe_names, target, renamed)


def split_rows(n_rows: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded train/validation row indices (validation empty when ``val_fraction`` is 0)."""
    order = np.random.default_rng(seed).permutation(n_rows)
    n_val = int(round(n_rows * val_fraction)) if n_rows >= 10 else 0
    return np.sort(order[n_val:]), np.sort(order[:n_val])
