"""The uncertainty of the chosen formula's values (``kansr.search.bands``,
``Result.predict(X, return_std=True)``)."""

import json

import numpy as np
import pandas as pd
import pytest
import sympy
from scipy import optimize

from kansr import KANSymbolicRegressor, discover
from kansr.cli import main


def _line(rows: int = 20, sigma: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(6)
    x = np.linspace(1.0, 8.0, rows)
    return pd.DataFrame({"x": x, "y": 2.3 + 1.7 * x + rng.normal(0.0, sigma, rows)})


def test_a_lines_band_is_the_textbook_one_from_its_constants_covariance():
    table = _line()
    result = discover(table, time_budget=1.5, verbose=False)
    (a, b), covariance = optimize.curve_fit(lambda v, a, b: a + b * v, table.x, table.y)
    assert result.constants.value.to_numpy() == pytest.approx([b, a], rel=1e-6)  # c0·x + c1
    np.testing.assert_allclose(result.covariance, covariance[::-1, ::-1], rtol=1e-4)
    # Var(a + b·x) = Var a + 2x·Cov(a, b) + x²·Var b, at rows and far beyond them
    x = np.array([0.0, 4.0, 8.0, 20.0])
    values, std = result.predict(pd.DataFrame({"x": x}), return_std=True)
    np.testing.assert_allclose(values, a + b * x, rtol=1e-6)
    expected = np.sqrt(covariance[0, 0] + 2 * x * covariance[0, 1] + x**2 * covariance[1, 1])
    np.testing.assert_allclose(std, expected, rtol=1e-4)
    assert std[3] > 2 * std[1]  # wider away from the rows' centre


def test_a_curves_band_is_the_delta_method_on_its_covariance_whose_diagonal_is_the_errors_squared():
    rng = np.random.default_rng(3)
    x = np.linspace(0.5, 6.0, 30)
    table = pd.DataFrame({"x": x, "y": 4.1 * np.exp(-0.63 * x) + 0.7 + rng.normal(0.0, 0.02, 30)})
    result = discover(table, time_budget=3, verbose=False)
    np.testing.assert_allclose(np.sqrt(np.diag(result.covariance)), result.constants.stderr, rtol=1e-9)
    # the derivatives by the constants by central differences (bands.py differentiates with sympy)
    at = np.array([0.0, 3.0, 9.0])
    _, std = result.predict(at[:, None], return_std=True)
    names = [sympy.Symbol(n) for n in result.constants.name]
    curve = sympy.lambdify([sympy.Symbol("x"), *names], result.template(), "numpy")
    constants = result.constants.value.to_numpy()
    gradient = []
    for i, value in enumerate(constants):
        up, down = constants.copy(), constants.copy()
        up[i], down[i] = value * (1 + 1e-6), value * (1 - 1e-6)
        gradient.append((curve(at, *up) - curve(at, *down)) / (2e-6 * value))
    g = np.column_stack(gradient)
    np.testing.assert_allclose(std, np.sqrt(np.einsum("ij,jk,ik->i", g, result.covariance, g)), rtol=1e-5)


def test_an_exact_formula_has_no_band_and_the_estimator_and_json_carry_it(tmp_path, capsys):
    rng = np.random.default_rng(2)
    m, v = rng.uniform(1.0, 5.0, 30), rng.uniform(1.0, 4.0, 30)
    exact = discover(pd.DataFrame({"m": m, "v": v, "E": 0.5 * m * v**2}), time_budget=3, verbose=False)
    assert exact.constants.empty and exact.covariance is None
    _, std = exact.predict(np.array([[2.0, 3.0]]), return_std=True)
    assert std.tolist() == [0.0]
    table = _line()
    model = KANSymbolicRegressor(time_budget=1.5).fit(table[["x"]], table.y)
    values, std = model.predict(table[["x"]], return_std=True)
    np.testing.assert_allclose((values, std), model.result_.predict(table[["x"]], return_std=True))
    path = tmp_path / "line.csv"
    table.to_csv(path, index=False)
    assert main(["discover", str(path), "--time-budget", "1.5", "--json", "--quiet"]) == 0
    payload = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(payload["covariance"], model.result_.covariance, rtol=1e-9)
