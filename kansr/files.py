"""Read a table file into a DataFrame: CSV text (compressed or not, its separator, decimal
mark, encoding and header found), Parquet, JSON, or a spreadsheet's sheet. Every
problem raises ``DataError`` with one line naming the file."""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import re
import zipfile
from pathlib import Path

import pandas as pd

from kansr.errors import DataError

_PARQUET = (".parquet", ".pq")
# files that store a table's rows as records, not as lines under a header: their rows are
# named by the table's index
TABLE_FILES = (".json", *_PARQUET)


_DECOMPRESS = {".gz": gzip.decompress, ".bz2": bz2.decompress, ".xz": lzma.decompress}


def read_table(path: str | Path, sep: str | None = None, decimal: str | None = None, sheet: str | None = None
               ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Read a (possibly compressed) CSV file, a Parquet or JSON table, or a spreadsheet's
    sheet (``sheet``, by name or by its number from 1; default the first), after checking
    it; with notes on what reading a CSV file left out or assumed (``read_csv_text``), or
    which sheet of several was read."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a CSV file")
    suffix = path.suffix.lower()
    if suffix in _PARQUET:
        return _read_parquet(path), ()
    if suffix in _SPREADSHEETS:
        return _read_spreadsheet(path, sheet)
    if sheet is not None:
        raise DataError(f"{path}: --sheet {sheet}: not a workbook (.xlsx, .xlsm, .xls, .ods)")
    if suffix == ".json":
        return _read_json(path), ()
    text, encoding = _text(path)
    frame, notes = read_csv_text(text, path, sep, decimal)
    return frame, encoding + notes


# spreadsheet suffixes, and the engine pandas reads each through (its module, its pip name)
_SPREADSHEETS = {".xlsx": ("openpyxl", "openpyxl"), ".xlsm": ("openpyxl", "openpyxl"), ".xls": ("xlrd", "xlrd"),
                 ".ods": ("odf", "odfpy")}


def _read_spreadsheet(path: Path, sheet: str | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The workbook's sheet ``sheet`` (a name, or a number from 1; default the first), its
    first row the header, and a note naming the sheet read where there are several."""
    engine, package = _SPREADSHEETS[path.suffix.lower()]
    _require(path, engine, package, f"{path.suffix} files", " (or save the sheet as CSV)")
    try:
        with pd.ExcelFile(path, engine=engine) as book:
            names = [str(name) for name in book.sheet_names]
            if sheet is None:
                chosen = names[0]
            elif sheet in names:
                chosen = sheet
            elif sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
                chosen = names[int(sheet) - 1]
            else:
                raise DataError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(map(repr, names))})")
            frame = pd.read_excel(book, sheet_name=chosen)
    except DataError:
        raise
    except Exception as error:  # noqa: BLE001  (each engine raises its own types for a file it cannot parse)
        raise DataError(f"{path}: not a readable {path.suffix} workbook "
                        f"({(str(error).splitlines() or [type(error).__name__])[0][:80]})") from None
    if frame.empty:
        raise DataError(f"{path}: its sheet {chosen!r} holds no data rows"
                        + (" (--sheet to read another)" if len(names) > 1 else ""))
    others = [name for name in names if name != chosen]
    note = (f"read sheet {chosen!r} of the workbook's {len(names)} (others: {', '.join(map(repr, others))}; "
            "--sheet to choose)") if others else ""
    return frame, (note,) if note else ()


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
# numbers with their thousands grouped, by the file's decimal mark, as spreadsheets export
# them: 76,212,168 and 1,234.5 where it is "."; 1.234.567, 1.234 and 1.234,5 where it is ","
_GROUPED = {".": re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$"),
            ",": re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?$")}
_THOUSANDS = {".": ",", ",": "."}


# the separator of columns aligned by spaces (a ".dat" file, ``numpy.savetxt``'s default)
WHITESPACE = " "


def _fields(line: str, separator: str) -> list[str]:
    return line.split() if separator == WHITESPACE else line.split(separator)


def _sniff_decimal(lines: list[str], separator: str) -> str:
    """"," where fields are not comma-separated and the numbers are written with decimal commas."""
    if separator == ",":
        return "."
    cells = [cell.strip().strip('"') for line in lines[1:51] for cell in _fields(line, separator)]
    commas = any(_DECIMAL_COMMA.match(cell) or (_GROUPED[","].match(cell) and "," in cell) for cell in cells)
    # a point between groups of three digits beside decimal commas (1.234 by 0,5) groups thousands
    points = any(_DECIMAL_POINT.match(cell) and not _GROUPED[","].match(cell) for cell in cells)
    return "," if commas and not points else "."


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
    width = len(_fields(lines[1], separator))
    if separator == WHITESPACE and len(header) != width:
        raise DataError(f"{path}: the header names {len(header)} columns and row 2 has {width} (in columns "
                        "aligned by spaces, a name with a space needs quotes: \"time (s)\")")
    text = "\n".join(lines)
    frame = _parse(text, separator, decimal, path, dtype=float)  # fast path: all numbers
    if frame is None:  # read as text, so the bad cell can be named
        frame = _parse(text, separator, decimal, path, dtype=str)
        frame, grouped = _ungrouped(frame, decimal)
        if grouped:
            notes.append(f"read {grouped!r} as {grouped.replace(_THOUSANDS[decimal], '').replace(',', '.')} "
                         f"(thousands grouped by {_THOUSANDS[decimal]!r}), and every number so written")
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


def _ungrouped(frame: pd.DataFrame, decimal: str) -> tuple[pd.DataFrame, str]:
    """``frame`` (cells as text) with the thousands marks taken out of the numbers written
    with grouped thousands (``_GROUPED``), and the first such cell as written ("" if none)."""
    first = ""
    columns = {}
    for name, column in frame.items():
        text = column.astype("string").str.strip()
        grouped = text.str.match(_GROUPED[decimal]).fillna(False).astype(bool)
        if grouped.any():
            first = first or str(text[grouped].iloc[0])
            column = column.where(~grouped, text.str.replace(_THOUSANDS[decimal], "", regex=False))
        columns[name] = column
    return (pd.DataFrame(columns, index=frame.index) if first else frame), first


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
    elif (header and not any(_texts(re.split(r"[,;\s]+", lines[count].strip())))
          and _same_width(header, lines[count])):
        return [header] + lines[count:], [f"read the header from the comment line {'# ' + header[:38]!r}"]
    return lines[count:], [f"left out {count} comment line(s) above the header"] if count else []


def _same_width(header: str, line: str) -> bool:
    """Whether a commented-out header names as many columns as the line under it has (a
    comment such as "# measured in 2024" above rows of numbers is no header)."""
    separator = _sniff_separator(header)
    return len(_fields(header, separator)) == len(_fields(line.strip(), separator))


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", re.IGNORECASE)


# what writes a number and its uncertainty in one cell (3.2 ± 0.1, 3.2 +/- 0.1): the value
# is a number (``kansr.data`` splits such cells in two)
PLUS_MINUS = r"(?:±|\+/-|\+-)"
_WITH_UNCERTAINTY = re.compile(rf"\s*{PLUS_MINUS}\s*\S+$")


def _texts(cells) -> list[bool]:
    """For each non-empty cell, whether it is text rather than a number (a header's names are)."""
    cells = ["" if pd.isna(cell) else _WITH_UNCERTAINTY.sub("", str(cell).strip().strip('"')) for cell in cells]
    return [not _NUMBER.match(cell) for cell in cells if cell]


def second_header(cells: list) -> bool:
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
