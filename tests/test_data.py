import json
import re

import numpy as np
import pandas as pd
import pytest

from kansr import data
from kansr.cli import main
from kansr.errors import DataError


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _rows(n=20, header="a,b,y", fn=lambda i: f"{i},{i % 3},{i * 2 + i % 3}"):
    return header + "\n" + "\n".join(fn(i) for i in range(1, n + 1)) + "\n"


@pytest.mark.parametrize("content, message", [
    ("", "file is empty"),
    ("a,b,y\n", "header but no data rows"),
    (_rows(fn=lambda i: f"{i},{'x' if i == 4 else 1},{i}"), "column 'b', row 5: not a number"),
    (_rows(fn=lambda i: f"{i},{'' if i > 9 else 1},{i}"), "column 'b': missing on 11 of 20 rows (to leave"),
    (_rows(fn=lambda i: f"{i},{'inf' if i == 2 else 1},{i}"), "column 'b', row 3: infinite value"),
    (_rows(fn=lambda i: f"{i},1,{'6e200' if i == 3 else i}"), "column 'y', row 4: value too large (6e+200)"),
    # beside a missing cell too (the column's largest was NaN, and the check passed it)
    (_rows(fn=lambda i: f"{i},1,{'6e200' if i == 3 else '' if i == 2 else i}"),
     "column 'y', row 4: value too large (6e+200)"),
    (_rows(fn=lambda i: f"{i},{'nan' if i % 2 else 1},{i}", n=8), "only 4 rows without a missing value"),
    (_rows(n=4), "only 4 data row(s)"),
    (_rows(header="a,a,y"), "duplicate column name(s): 'a'"),
    (_rows(fn=lambda i: f"{i},{i % 3},{i},{i}" if i == 3 else f"{i},{i % 3},{i}"), "malformed CSV"),
])
def test_bad_csv_exits_2_with_one_line(tmp_path, capsys, content, message):
    path = _write(tmp_path, content)
    before = path.read_bytes()
    assert main(["discover", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert path.read_bytes() == before  # never modified


def test_missing_file_and_unknown_target(tmp_path, capsys):
    assert main(["discover", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    path = _write(tmp_path, _rows(fn=lambda i: f"{i},{i % 3},{i * i}"))
    assert main(["discover", str(path), "--target", "zz"]) == 2
    assert "target column 'zz' not found" in capsys.readouterr().err


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["discover"]) == 2
    assert main(["discover", "x.csv", "--seed", "abc"]) == 2
    assert "invalid int value" in capsys.readouterr().err


def test_output_may_not_overwrite_the_input(tmp_path, capsys):
    path = _write(tmp_path, _rows(fn=lambda i: f"{i},{i % 3},{i * i}"))
    before = path.read_bytes()
    assert main(["discover", str(path), "--output", str(path)]) == 2
    assert "would be overwritten" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_invalid_identifiers_are_renamed_and_reported(tmp_path):
    path = _write(tmp_path, _rows(header="mass (kg),lambda,y", fn=lambda i: f"{i},{i % 3 + 1},{i * (i % 3 + 1)}"))
    dataset = data.load(str(path))
    assert dataset.names == ["mass_kg", "lambda_"]
    assert dataset.renamed == {"mass (kg)": "mass_kg", "lambda": "lambda_"}


def test_semicolon_separator_and_bom(tmp_path):
    text = "\ufeff" + _rows(header="a;b;y", fn=lambda i: f"{i};{i % 3};{i * i}")
    dataset = data.load(str(_write(tmp_path, text)))
    assert dataset.names == ["a", "b"] and dataset.target == "y"
    np.testing.assert_allclose(dataset.y, np.arange(1, 21) ** 2)


def test_dataframe_and_tuple_inputs():
    frame = pd.DataFrame({"u": np.arange(12.0), "v": np.arange(12.0) % 5, "w": np.arange(12.0) ** 2})
    assert data.load(frame).target == "w"
    dataset = data.load((frame[["u", "v"]].to_numpy(), frame.w.to_numpy()))
    assert dataset.names == ["x1", "x2"]
    with pytest.raises(DataError, match="unsupported data"):
        data.load(42)


def test_json_output_formula_reproduces_reported_r2(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0.5, 3, 300), rng.uniform(1, 5, 300)
    frame = pd.DataFrame({"x": x, "y": y, "f": x / y})
    path = tmp_path / "div.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "result.json"
    assert main(["discover", str(path), "--json", "--quiet", "--time-budget", "60", "--output", str(out)]) == 0
    stdout = capsys.readouterr().out
    payload = json.loads(stdout)
    assert json.loads(out.read_text()) == payload
    import sympy
    symbols = {name: sympy.Symbol(name) for name in payload["variables"]}
    formula = sympy.sympify(payload["formula"], locals=symbols)
    values = sympy.lambdify([symbols["x"], symbols["y"]], formula, "numpy")(x, y)
    r2 = 1 - np.mean((values - frame.f) ** 2) / np.var(frame.f)
    assert abs(r2 - payload["r2"]) < 1e-6
    assert payload["target"] == "f" and payload["front"]


def _table(n=30):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.uniform(1, 3, n), "b": rng.uniform(1, 3, n)})
    frame["y"] = frame.a * frame.b + frame.b
    return frame


@pytest.mark.parametrize("suffix", [".csv.gz", ".csv.bz2", ".csv.xz", ".zip"])
def test_compressed_csv_loads_like_the_plain_one(tmp_path, suffix):
    frame = _table()
    path = tmp_path / f"data{suffix}"
    if suffix == ".zip":
        frame.to_csv(path, index=False, compression={"method": "zip", "archive_name": "data.csv"})
    else:
        frame.to_csv(path, index=False)  # pandas compresses by the suffix
    dataset = data.load(str(path))
    assert dataset.names == ["a", "b"] and dataset.target == "y"
    np.testing.assert_array_equal(dataset.X, frame[["a", "b"]].to_numpy())
    np.testing.assert_array_equal(dataset.y, frame.y.to_numpy())


def test_corrupt_compressed_file_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(b"\x1f\x8b not really gzip")
    assert main(["discover", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "cannot decompress" in err and err.count("\n") == 1


def test_semicolons_with_decimal_commas_are_detected(tmp_path):
    frame = _table()
    path = tmp_path / "de.csv"
    frame.to_csv(path, index=False, sep=";", decimal=",")
    assert "," in path.read_text().splitlines()[1]  # the file really has decimal commas
    dataset = data.load(str(path))
    np.testing.assert_allclose(dataset.y, frame.y.to_numpy(), rtol=1e-15)
    # and given explicitly, for a file detection cannot decide (tabs, integers only)
    text = "a\tb\ty\n" + "".join(f"{i}\t{i % 3},5\t{i * 2},25\n" for i in range(1, 21))
    dataset = data.load(str(_write(tmp_path, text, "tabs.csv")), sep="\t", decimal=",")
    np.testing.assert_allclose(dataset.X[:, 1], [i % 3 + 0.5 for i in range(1, 21)])


def test_cli_sep_and_decimal_options(tmp_path, capsys):
    text = "a|b|y\n" + "".join(f"{i}|{i % 3},5|{i * (i % 3 + 0.5)}\n".replace(".", ",") for i in range(1, 30))
    path = _write(tmp_path, text, "pipes.csv")
    assert main(["discover", str(path), "--quiet", "--sep", "|", "--decimal", ",", "--time-budget", "10",
                 "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["variables"] == ["a", "b"] and payload["r2"] > 0.999


def test_a_saved_index_is_dropped_with_a_note(tmp_path, capsys):
    frame = _table()
    path = tmp_path / "indexed.csv"
    frame.to_csv(path)  # pandas' default writes the index first, with an empty name
    dataset = data.load(str(path))
    assert dataset.names == ["a", "b"]
    assert any("saved index" in note for note in dataset.notes)
    # the same through pandas, which names that column "Unnamed: 0"
    assert data.load(pd.read_csv(path)).names == ["a", "b"]
    # an unnamed first column that is not a count is data without a name: an error
    path.write_text(path.read_text().replace("\n0,", "\n7,", 1))
    with pytest.raises(DataError, match="column 1 has an empty name"):
        data.load(str(path))


def test_parquet_loads_when_pyarrow_is_installed(tmp_path):
    pytest.importorskip("pyarrow")
    frame = _table()
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    dataset = data.load(str(path))
    np.testing.assert_array_equal(dataset.y, frame.y.to_numpy())
    broken = _write(tmp_path, "not parquet", "broken.parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        data.load(str(broken))


def test_a_spreadsheets_first_sheet_loads_and_its_errors_name_the_sheets_row(tmp_path):
    pytest.importorskip("openpyxl")
    frame = _table()
    path = tmp_path / "data.xlsx"
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="measured", index=False)
        pd.DataFrame({"note": ["a second sheet is not read"]}).to_excel(writer, sheet_name="notes", index=False)
    dataset = data.load(str(path))
    assert dataset.names == ["a", "b"] and dataset.target == "y"
    np.testing.assert_allclose(dataset.y, frame.y.to_numpy())
    # a row with an empty cell is left out, named by its row of the sheet (the header is row 1)
    frame.loc[6, "b"] = np.nan
    frame.to_excel(path, index=False)
    dataset = data.load(str(path))
    assert f"left out 1 of {len(frame)} rows with a missing value (row 8)" in dataset.notes
    np.testing.assert_allclose(dataset.y, frame.y.drop(index=6).to_numpy())
    broken = _write(tmp_path, "not a workbook", "broken.xlsx")
    with pytest.raises(DataError, match="broken.xlsx: not a readable .xlsx workbook"):
        data.load(str(broken))


@pytest.mark.parametrize("orient", ["columns", "records"])
def test_a_json_table_loads_as_pandas_writes_it(tmp_path, orient):
    frame = _table()
    path = tmp_path / "data.json"
    frame.to_json(path, orient=orient)
    np.testing.assert_allclose(data.load(str(path)).X, frame[["a", "b"]].to_numpy())
    broken = _write(tmp_path, '{"a": [1, 2', "broken.json")
    with pytest.raises(DataError, match="broken.json: not a JSON table"):
        data.load(str(broken))
    # a record has no line of its own: a row is named by the table's index, as in a DataFrame
    frame.loc[6, "b"] = np.nan
    frame.to_json(path, orient=orient)
    assert any("missing value (index 6)" in note for note in data.load(str(path)).notes)


def test_a_dataframes_bad_cell_is_named_by_its_index():
    frame = pd.DataFrame({"u": np.arange(12.0), "w": np.arange(12.0) ** 2}, index=np.arange(100, 112))
    frame.loc[104, "u"] = np.inf
    with pytest.raises(DataError, match="column 'u', index 104: infinite value"):
        data.load(frame)
    loaded = data.load((np.array([1.0, 2, 3, np.nan, 5, np.nan, 7]), np.arange(7.0)))
    assert loaded.notes == ("left out 2 of 7 rows with a missing value (index 3, 5)",)
    np.testing.assert_array_equal(loaded.y, [0, 1, 2, 4, 6])
    # a frame's labels may be numbers (a DataFrame made from an array): columns are taken by
    # position, named by their text, and may be left out by it
    numbered = pd.DataFrame(np.arange(36.0).reshape(12, 3))
    loaded = data.load(numbered, drop=["0"])
    assert loaded.names == ["x_1"] and loaded.target == "2"
    np.testing.assert_array_equal(loaded.X[:, 0], numbered[1].to_numpy())
    np.testing.assert_array_equal(loaded.y, numbered[2].to_numpy())


def test_a_windows_1252_file_loads_with_a_note(tmp_path):
    # a spreadsheet on Windows saves "CSV" in its code page: é is one byte, 0xE9, not UTF-8
    path = tmp_path / "data.csv"
    path.write_bytes(_rows(header="durée,b,y").encode("cp1252"))
    dataset = data.load(str(path))
    assert dataset.renamed == {} and dataset.names == ["durée", "b"]
    assert dataset.notes == ("read as Windows-1252 text: the file is not UTF-8",)


def test_a_utf16_file_with_its_byte_order_mark_loads(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text(_rows(header="a\tb\ty", fn=lambda i: f"{i}\t{i % 3}\t{i * i}"), encoding="utf-16")
    dataset = data.load(str(path))
    assert dataset.names == ["a", "b"] and dataset.notes == ()
    np.testing.assert_allclose(dataset.y, np.arange(1, 21) ** 2)


def test_comment_lines_above_the_header_are_left_out(tmp_path):
    dataset = data.load(str(_write(tmp_path, "# run 3, 2024-05-01\n# thermometer B\n" + _rows())))
    assert dataset.names == ["a", "b"] and len(dataset.y) == 20
    assert dataset.notes == ("left out 2 comment line(s) above the header",)
    # "#" naming a first column is a header, not a comment
    dataset = data.load(str(_write(tmp_path, _rows(header="#,b,y"))))
    assert dataset.renamed == {"#": "x"} and len(dataset.y) == 20 and dataset.notes == ()


def test_the_header_numpy_savetxt_comments_out_is_read(tmp_path):
    values = np.column_stack([np.arange(1.0, 9.0), np.arange(1.0, 9.0) ** 2])
    path = tmp_path / "data.csv"
    np.savetxt(path, values, delimiter=",", header="x,y")
    dataset = data.load(str(path))
    assert dataset.names == ["x"] and dataset.target == "y"
    np.testing.assert_array_equal(dataset.y, values[:, 1])
    assert dataset.notes == ("read the header from the comment line '# x,y'",)


def test_columns_aligned_by_spaces_load_as_numpy_reads_them(tmp_path):
    values = np.column_stack([np.linspace(0.5, 9.5, 12), np.arange(12) % 4, np.linspace(1, 3, 12) ** 3])
    path = tmp_path / "run.dat"
    np.savetxt(path, values, header="t  m  y", fmt="%10.4f")  # numpy's default: one space
    dataset = data.load(str(path))
    assert dataset.names == ["t", "m"] and dataset.target == "y"
    loaded = np.loadtxt(path)  # the same rows, read a second way
    np.testing.assert_array_equal(dataset.X, loaded[:, :2])
    np.testing.assert_array_equal(dataset.y, loaded[:, 2])
    # a header line of its own, indented rows and a comment above; decimal commas as well
    text = "# bench 2, 2024\n   t      y\n" + "".join(f"  {i},5   {i * i},25\n" for i in range(1, 9))
    dataset = data.load(str(_write(tmp_path, text, "run.txt")))
    assert dataset.names == ["t"] and dataset.notes == ("left out 1 comment line(s) above the header",)
    np.testing.assert_allclose(dataset.X[:, 0], np.arange(1, 9) + 0.5)
    np.testing.assert_allclose(dataset.y, [i * i + 0.25 for i in range(1, 9)])
    assert data.load(str(_write(tmp_path, "a b y\n" + "1 2 3\n" * 8, "x.txt")), sep=" ").names == ["a", "b"]
    # names with spaces: quoted they load, unquoted they are counted and named as the problem
    text = "{0}time (s){0}   {0}height (m){0}\n" + "".join(f"{i}   {2 * i}\n" for i in range(1, 8))
    assert data.load(str(_write(tmp_path, text.format('"'), "q.txt"))).renamed == {"time (s)": "time_s"}
    with pytest.raises(DataError, match=r"the header names 4 columns and row 2 has 2 \(in columns aligned by spaces"):
        data.load(str(_write(tmp_path, text.format(""), "q.txt")))


@pytest.mark.parametrize("delimiter, comment", [(",", ""), (" ", "# measured in the lab in 2024\n")])
def test_a_table_without_a_header_keeps_its_first_row_and_gets_names(tmp_path, delimiter, comment):
    values = np.column_stack([np.arange(1.0, 11.0), np.arange(10.0) % 3, np.arange(1.0, 11.0) ** 2])
    path = tmp_path / "data.csv"
    np.savetxt(path, values, delimiter=delimiter)
    path.write_text(comment + path.read_text())
    dataset = data.load(str(path))
    assert dataset.names == ["x1", "x2"] and dataset.target == "y"
    np.testing.assert_array_equal(dataset.X, values[:, :2])
    np.testing.assert_array_equal(dataset.y, values[:, 2])  # the first row is a row, not names
    assert dataset.notes[-1] == "no header (the first line holds numbers): the columns are named x1, x2, y"
    assert len(dataset.notes) == 1 + bool(comment)


def test_numbers_as_spreadsheets_export_and_papers_print_them_load(tmp_path):
    counts = [76212168, 92228496, 106021537, 123202624, 132164569, 151325798]
    # a comma-separated file quotes 76,212,168
    text = "year,population\n" + "".join(f'{1900 + 10 * i},"{n:,}"\n' for i, n in enumerate(counts))
    dataset = data.load(str(_write(tmp_path, text)))
    np.testing.assert_array_equal(dataset.y, counts)
    assert dataset.notes == ("read '76,212,168' as 76212168 (thousands grouped by ','), and every number so written",)
    # with decimal commas the points group thousands: 1.234,5 and 1.234 beside 0,5
    values = [1234.5, 1234.0, 0.5, 12.25, 2000000.0, 7.0]
    cells = ["1.234,5", "1.234", "0,5", "12,25", "2.000.000", "7"]
    dataset = data.load(str(_write(tmp_path, "x;y\n" + "".join(f"{i};{c}\n" for i, c in enumerate(cells)))))
    np.testing.assert_array_equal(dataset.y, values)
    # without a decimal comma anywhere, 1.234 is a decimal point
    dataset = data.load(str(_write(tmp_path, "x;y\n" + "".join(f"{i};{i}.234\n" for i in range(6)))))
    np.testing.assert_array_equal(dataset.y, np.arange(6) + 0.234)
    # the minus sign of typeset tables, copied from a paper
    dataset = data.load(str(_write(tmp_path, "x,y\n" + "".join(f"{i},\u22122.5e\u22123\n" for i in range(6)))))
    np.testing.assert_array_equal(dataset.y, np.full(6, -2.5e-3))
    # a grouping that is not by threes is no number
    with pytest.raises(DataError, match="row 3: not a number: '1,23,456'"):
        data.load(str(_write(tmp_path, text.replace("92,228,496", "1,23,456"))))


def test_columns_with_neither_a_name_nor_a_value_are_left_out(tmp_path):
    # trailing separators, as a spreadsheet writes them after the last column it thinks is used
    dataset = data.load(str(_write(tmp_path, _rows(header="a,b,y,,", fn=lambda i: f"{i},{i % 3},{i * i},,"))))
    assert dataset.names == ["a", "b"] and dataset.target == "y"
    assert dataset.notes == ("left out 2 column(s) with neither a name nor a value",)
    # an unnamed column with values is still an error
    with pytest.raises(DataError, match="column 3 has an empty name"):
        data.load(str(_write(tmp_path, _rows(header="a,b,,y", fn=lambda i: f"{i},{i % 3},{i},{i * i}"))))


def test_a_row_of_units_under_the_header_is_left_out_and_later_rows_keep_their_numbers(tmp_path, capsys):
    text = _rows(fn=lambda i: f"{i},{i % 3},{i * i}").replace("a,b,y\n", "a,b,y\nm,,(kg)\n")
    dataset = data.load(str(_write(tmp_path, text)))
    assert len(dataset.y) == 20 and dataset.y[0] == 1
    assert dataset.notes == (("left out row 2 (m, , (kg)): text without a number, a second header row "
                              "(units go in a --units table)"),)
    # the third data row is the file's fifth
    path = _write(tmp_path, text.replace("\n3,0,9\n", "\n3,0,x\n"))
    assert main(["discover", str(path), "--quiet"]) == 2
    assert "column 'y', row 5: not a number: 'x'" in capsys.readouterr().err


def test_a_column_of_labels_or_with_gaps_can_be_left_out_and_is_never_read(tmp_path, capsys):
    # real tables carry a sample's name or an unused column with gaps beside the measurements;
    # --drop and --inputs choose the columns before any cell is read as a number
    lines = ["sample,x,notes,y"] + [f"s{i},{i},{'' if i % 4 else 0.5},{3 * i}" for i in range(1, 13)]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    assert main(["discover", str(path), "--quiet", "--time-budget", "5"]) == 2
    err = capsys.readouterr().err
    hint = "(to leave the column out: --drop sample, in Python drop=['sample'])"
    assert f"column 'sample', row 2: not a number: 's1' {hint}" in err
    with pytest.raises(DataError, match=re.escape(hint)):
        data.load(str(path))
    for flags in (["--drop", "sample,notes"], ["--inputs", "x"]):
        dataset = data.load(str(path), inputs=flags[1].split(",") if flags[0] == "--inputs" else None,
                            drop=flags[1].split(",") if flags[0] == "--drop" else None)
        assert dataset.names == ["x"]
        np.testing.assert_array_equal(dataset.y, 3 * np.arange(1, 13))
        assert main(["discover", str(path), *flags, "--json", "--quiet", "--time-budget", "5"]) == 0
        assert json.loads(capsys.readouterr().out)["formula"] == "3*x"
    # a column still used that is mostly gaps is an error (a few gaps leave their rows out)
    assert main(["discover", str(path), "--drop", "sample", "--quiet", "--time-budget", "5"]) == 2
    assert "column 'notes': missing on 9 of 12 rows (to leave the column out: --drop notes, in Python " \
        "drop=['notes'])" in capsys.readouterr().err


def test_rows_with_a_gap_are_left_out_with_a_note_naming_them(tmp_path, capsys):
    # a measured table with a reading missing here and there: the rows that have every value
    # still hold the law (R's lm leaves the others out the same way)
    lines = ["x,y"] + [f"{i},{'' if i == 4 else 3 * i}" if i != 7 else f",{3 * i}" for i in range(1, 13)]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    before = path.read_bytes()
    assert main(["discover", str(path), "--json", "--quiet", "--time-budget", "5"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["formula"] == "3*x"
    assert "left out 2 of 12 rows with a missing value (rows 5, 8)" in payload["notes"]
    assert path.read_bytes() == before


def test_a_column_of_dates_is_read_as_the_time_since_its_earliest(tmp_path):
    days = np.array([0, 1, 2, 4, 7, 9, 11, 13])
    stamps = np.datetime64("2024-05-01") + days  # the same dates, counted by numpy
    text = "date,value\n" + "".join(f"{d},{2 * k + 1}\n" for d, k in zip(stamps.astype(str), days))
    dataset = data.load(str(_write(tmp_path, text)))
    assert dataset.names == ["date_days"] and dataset.renamed == {"date": "date_days"}
    np.testing.assert_array_equal(dataset.X[:, 0], (stamps - stamps.min()) / np.timedelta64(1, "D"))
    assert dataset.notes == ("column 'date' holds dates: read as days since 2024-05-01",)
    elapsed = dataset.dates["date_days"]
    np.testing.assert_array_equal(elapsed.of(["2024-05-01", "2024-06-01"]), [0, 31])
    # a span of hours is counted in hours, from the earliest however the rows are ordered;
    # times with a zone are compared in UTC
    text = "t,y\n" + "".join(f"2024-03-10T{h:02d}:30:00Z,{h}\n" for h in (9, 3, 5, 7, 8, 12))
    dataset = data.load(str(_write(tmp_path, text)))
    np.testing.assert_array_equal(dataset.X[:, 0], [6, 0, 2, 4, 5, 9])
    assert dataset.dates["t_hours"].origin == "2024-03-10T03:30:00"
    # decades in years of 365.25 days
    years = data.load(str(_write(tmp_path, "year,y\n" + "".join(f"{1990 + 5 * i}-01-01,{i}\n" for i in range(6)))))
    assert years.names == ["year_years"]
    np.testing.assert_allclose(years.X[-1, 0], (np.datetime64("2015-01-01") - np.datetime64("1990-01-01"))
                               / np.timedelta64(1, "D") / 365.25)
    # times of day, as a lab log writes them, in minutes since the earliest
    clock = data.load(str(_write(tmp_path, "time,T\n" + "".join(f"{t},{k}\n" for k, t in enumerate(
        ["9:05", "9:20:30", "10:02", "10:40:15.5", "11:00", "11:30"])))))
    assert clock.names == ["time_minutes"] and clock.dates["time_minutes"].origin == "09:05:00"
    np.testing.assert_allclose(clock.X[:, 0], [0, 15.5, 57, 95.25833333333333, 115, 145])
    assert clock.notes == ("column 'time' holds times of day: read as minutes since 09:05:00",)
    # a cell that is no date in a column of dates is named; a target of dates is refused
    rows = "".join(f"2024-05-0{i},{i}\n" for i in range(1, 8))
    for cell, message in (("2024-13-03", "row 4: not a date: '2024-13-03' (the column holds dates"),
                          ("3 May 2024", "row 4: not a date: '3 May 2024'"),
                          ("9:05", "column 'date' mixes dates and times of day")):
        with pytest.raises(DataError, match=re.escape(message)):
            data.load(str(_write(tmp_path, "date,y\n" + rows.replace("2024-05-03", cell))))
    with pytest.raises(DataError, match="column 'date' holds dates; the target must be numbers"):
        data.load(str(_write(tmp_path, "y,date\n" + "".join(f"{i},2024-05-0{i}\n" for i in range(1, 8)))))
    # dates written another way are named as such, not guessed (is 01/05 May or January?)
    with pytest.raises(DataError, match=r"row 2: not a number: '01/05/2024' \(dates load written as ISO 8601"):
        data.load(str(_write(tmp_path, "date,y\n" + "".join(f"0{i}/05/2024,{i}\n" for i in range(1, 8)))))


def test_a_formula_of_dates_predicts_from_dates(tmp_path, capsys):
    import kansr

    days = np.arange(0, 24, 2)
    text = "day,mass\n" + "".join(f"{np.datetime64('2023-12-25') + d},{3 * d + 5}\n" for d in days)
    path = _write(tmp_path, text)
    assert main(["discover", str(path), "--json", "--quiet", "--time-budget", "5"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["formula"] == "3*day_days + 5"
    assert payload["dates"] == {"day_days": {"since": "2023-12-25", "unit": "days"}}
    result = kansr.discover(pd.read_csv(path, parse_dates=["day"]), time_budget=5, verbose=False)
    np.testing.assert_allclose(result.predict(pd.DataFrame({"day": ["2024-02-01", "2023-12-24"]})), [119, 2])
    np.testing.assert_allclose(result.predict(pd.DataFrame({"day_days": [38.0, -1.0]})), [119, 2])


def test_columns_of_uncertainties_are_not_inputs_nor_the_default_target(tmp_path):
    rng = np.random.default_rng(0)
    x = np.linspace(1, 10, 12)
    y = 2 * x ** 1.5
    frame = pd.DataFrame({"x": x, "dx": np.full(12, 0.3), "sigma_x": np.full(12, 0.05), "y": y, "y_err": 0.05 * y})
    dataset = data.load(frame)
    assert dataset.target == "y" and dataset.names == ["x", "dx"]  # dx beside x may be a step: kept
    np.testing.assert_array_equal(dataset.y, y)
    assert dataset.notes == (
        "the last column, 'y_err', holds the uncertainties of 'y' (by its name): explaining 'y' (--target to choose)",
        ("left out 'sigma_x', 'y_err': the uncertainties of 'x', 'y' by their names, not inputs; the rows are "
         "weighed by 1/y_err²; 'sigma_x' carried to 'y' through its slope (effective variance) "
         "(--inputs to choose)"))
    # the target's uncertainties are kept, row by row, for the fits' weights, and the inputs'
    np.testing.assert_array_equal(dataset.sigma, 0.05 * y)
    assert dataset.sigma_column == "y_err"
    assert list(dataset.input_sigma) == ["x"]
    np.testing.assert_array_equal(dataset.input_sigma["x"], np.full(12, 0.05))
    # with the inputs named, the columns of uncertainties still weigh the rows (they were left unread)
    assert data.load(frame, inputs=["x"]).input_sigma.keys() == {"x"}
    assert data.load(frame, inputs=["x"]).sigma_column == "y_err"
    assert data.load(frame, drop=["x"]).input_sigma == {}
    # "d" names the target's uncertainty; asked for, a column is an input whatever its name
    assert data.load(frame.rename(columns={"y_err": "dy"}), target="y").names == ["x", "dx"]
    assert data.load(frame, target="y", inputs=["x", "y_err"]).names == ["x", "y_err"]
    assert data.load(frame, target="y", inputs=["x", "y_err"]).sigma is None
    with pytest.raises(DataError, match=r"no input column: 'y_err' holds uncertainties \(--inputs to use them\)"):
        data.load(frame[["y", "y_err"]])
    # a unit after a column's name (T_s, "t [s]") may be left out of, or carried by, its
    # uncertainties' name; a stem two columns share (T_s, T_K) names neither
    units = pd.DataFrame({"L_m": x / 10, "L_err": np.full(12, 0.005), "T_s": np.sqrt(x), "T_err_s": np.full(12, 0.02)})
    pendulum = data.load(units)
    assert pendulum.target == "T_s" and pendulum.names == ["L_m"] and pendulum.sigma_column == "T_err_s"
    assert pendulum.input_sigma.keys() == {"L_m"}
    brackets = data.load(pd.DataFrame({"t [s]": x, "V (mV)": y, "V_err (mV)": 0.05 * y}))
    assert brackets.target == "V (mV)" and brackets.sigma_column == "V_err (mV)"
    shared = data.load(pd.DataFrame({"T_s": x, "T_K": x + 273, "T_err": np.full(12, 0.1), "y": y}))
    assert shared.names == ["T_s", "T_K", "T_err"] and not shared.input_sigma
    # signed values are no uncertainties (a residual, say), nor are values larger than the column's own
    residual = frame.assign(y_err=rng.normal(0, 1, 12), x_se=100 * x)
    assert data.load(residual, target="y").names == ["x", "dx", "y_err", "x_se"]


def test_values_with_their_uncertainties_in_one_cell_are_read_apart(tmp_path):
    # as tables in papers give them: the first row is data, not a second header row
    path = tmp_path / "pendulum.csv"
    path.write_text("L;T\n0,20 ± 0,005;0,902 ± 0,02\n0,30 ± 0,005;1,098 ± 0,03\n0,40 ± 0,005;1,27 ± 0,02\n"
                    "0,50 +/- 0,005;1,42 ± 0,02\n0,60 ± 0,005;1,55 ± 0,02\n0,70 ± 0,010;1,68 ± 0,02\n",
                    encoding="utf-8")
    dataset = data.load(path)
    assert dataset.target == "T" and dataset.names == ["L"] and dataset.sigma_column == "T_err"
    np.testing.assert_allclose(dataset.X[:, 0], [0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    np.testing.assert_allclose(dataset.y, [0.902, 1.098, 1.27, 1.42, 1.55, 1.68])
    np.testing.assert_allclose(dataset.sigma, [0.02, 0.03, 0.02, 0.02, 0.02, 0.02])
    np.testing.assert_allclose(dataset.input_sigma["L"], [0.005] * 5 + [0.01])
    assert dataset.notes[:2] == ("column 'L' holds values ± uncertainties: read as 'L' and 'L_err'",
                                 "column 'T' holds values ± uncertainties: read as 'T' and 'T_err'")
    # a plain number among them: an input's is taken as set exactly; the target's cannot be
    # weighed, and its row is left out, as said
    frame = pd.DataFrame({"t": ["1 ± 0.1", "2 ± 0.1", "3", "4 ± 0.1", "5 ± 0.1", "6 ± 0.2", "7 ± 0.1"],
                          "y": ["2.0 ± 0.2", "4.1", "6.0 ± 0.2", "7.9 ± 0.2", "10.2 ± 0.2", "12.0 ± 0.2", "14 ± 0.2"]})
    mixed = data.load(frame)
    np.testing.assert_allclose(mixed.X[:, 0], [1, 3, 4, 5, 6, 7])
    np.testing.assert_allclose(mixed.input_sigma["t"], [0.1, 0.0, 0.1, 0.1, 0.2, 0.1])
    assert mixed.notes[:2] == ("column 't' holds values ± uncertainties: read as 't' and 't_err' (1 without one: 0)",
                               "column 'y' holds values ± uncertainties: read as 'y' and 'y_err'")
    assert "left out 1 of 7 rows with a missing value (index 1)" in mixed.notes
    # text around a ± is no number
    with pytest.raises(DataError, match=r"column 't', index 0: not a number: 'a ± 0.1'"):
        data.load(frame.assign(t=["a ± 0.1"] + list(frame.t[1:])))


def test_a_workbooks_sheet_is_chosen_by_name_or_number_and_the_one_read_is_named(tmp_path, capsys):
    pytest.importorskip("openpyxl")
    path = tmp_path / "runs.xlsx"
    first, second = _table(), _table().assign(y=lambda t: 2 * t.y)
    with pd.ExcelWriter(path) as writer:
        first.to_excel(writer, sheet_name="run 1", index=False)
        second.to_excel(writer, sheet_name="run 2", index=False)
    default = data.load(str(path))
    np.testing.assert_allclose(default.y, first.y)
    assert default.notes[0] == "read sheet 'run 1' of the workbook's 2 (others: 'run 2'; --sheet to choose)"
    for sheet in ("run 2", "2"):
        np.testing.assert_allclose(data.load(str(path), sheet=sheet).y, second.y)
    with pytest.raises(DataError, match=r"no sheet 'run 3' \(sheets: 'run 1', 'run 2'\)"):
        data.load(str(path), sheet="run 3")
    csv = tmp_path / "runs.csv"
    first.to_csv(csv, index=False)
    with pytest.raises(DataError, match="--sheet 2: not a workbook"):
        data.load(str(csv), sheet="2")
    # the command line reads it, and its report draws the rows it read
    assert main(["discover", str(path), "--sheet", "run 2", "--time-budget", "1", "--quiet", "--json",
                 "--report", str(tmp_path / "report")]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert "read sheet 'run 2' of the workbook's 2 (others: 'run 1'; --sheet to choose)" in payload["notes"]
