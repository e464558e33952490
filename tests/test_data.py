import json

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
    (_rows(fn=lambda i: f"{i},{'' if i == 7 else 1},{i}"), "column 'b', row 8: missing value"),
    (_rows(fn=lambda i: f"{i},{'inf' if i == 2 else 1},{i}"), "column 'b', row 3: infinite value"),
    (_rows(fn=lambda i: f"{i},{'nan' if i == 2 else 1},{i}"), "column 'b', row 3: missing value"),
    (_rows(n=5), "only 5 data row(s)"),
    (_rows(fn=lambda i: f"{i},{i},7"), "target column 'y' is constant"),
    (_rows(header="a,a,y"), "duplicate column name(s): 'a'"),
    (_rows(fn=lambda i: f"{i},{i % 3},{2.5 * i}"), "constant multiple of column 'a'"),
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
