"""A user's own laws, fitted and scored beside the search's (``kansr.search.laws``)."""

import json

import numpy as np
import pandas as pd
import pytest
import sympy
from scipy import optimize

from kansr import DataError, discover
from kansr.cli import main
from kansr.data import load
from kansr.search.laws import parse_laws

x, t_s = sympy.symbols("x t_s")


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x_values = np.linspace(0.0, 5.0, 12)
    # both signs: the additive error model alone, whose constants scipy's curve_fit states
    return pd.DataFrame({"x": x_values, "y": -3.0 + 2.0 * x_values + rng.normal(0.0, 0.3, 12)})


def test_a_law_is_parsed_in_the_columns_and_its_other_names_are_constants():
    data = load(pd.DataFrame({"t [s]": [1.0, 2, 3, 4, 5], "x": [2.0, 3, 5, 4, 1], "d": [1.0, 2, 3, 4, 6]}),
                target="d")
    (first, second) = parse_laws(["d = a*t_s^2 + b*exp(-k*x) + pi", "c*sqrt(x)*1.5e-3"], data)
    a, b, k, c = sympy.symbols("a b k c")
    assert first.expr == a * t_s**2 + b * sympy.exp(-k * x) + sympy.pi
    assert first.constants == ("a", "b", "k")
    # a number is exact as written, not a constant to fit
    assert second.expr == sympy.Rational(3, 2000) * c * sympy.sqrt(x)
    assert second.constants == ("c",)


def test_a_number_in_a_law_is_exact_and_its_names_alone_are_fitted():
    rng = np.random.default_rng(8)
    L = np.linspace(0.2, 1.2, 11)
    table = pd.DataFrame({"L": L, "T": 2 * np.pi * np.sqrt(L / 9.81) + rng.normal(0.0, 0.01, 11)})
    result = discover(table, target="T", time_budget=1.5, verbose=False, laws=["k*L^0.5", "2*pi*sqrt(L/g)"])
    k, covariance = optimize.curve_fit(lambda v, k: k * np.sqrt(v), L, table["T"])
    (root, pendulum) = result.laws.itertuples()
    assert [c["name"] for c in root.constants] == ["k"]
    assert root.constants[0]["value"] == pytest.approx(k[0], rel=1e-6)
    assert root.constants[0]["stderr"] == pytest.approx(np.sqrt(covariance[0, 0]), rel=1e-3)
    assert [c["name"] for c in pendulum.constants] == ["g"]
    assert pendulum.constants[0]["value"] == pytest.approx((2 * np.pi / k[0]) ** 2, rel=1e-6)


@pytest.mark.parametrize(("law", "starts", "message"), [
    ("a*x +", None, "not a formula"),
    ("a*foo(x)", None, "unknown function 'foo'"),
    ("a*x(1 + b)", None, r"the column 'x' is followed by '\(': write x\*\(...\) for a product"),
    ("a*y", None, "uses the target 'y'"),
    ("x = a*x", None, "the left of '=' must be the target column 'y'"),
    ("__import__('os')", None, "only names, numbers"),
    ("a*z + b", None, "uses no input column"),
    ("a*x", {"k": 1.0}, "'k' is no constant of any law given"),
    ("a*x", {"a": float("nan")}, "not a finite number"),
])
def test_a_law_that_cannot_be_read_is_refused_saying_why(law, starts, message):
    with pytest.raises(DataError, match=message):
        parse_laws([law], load(_table(), target="y"), starts)


def test_a_law_may_not_take_a_column_left_out_for_a_constant(tmp_path, capsys):
    table = _table().assign(z=np.arange(12.0), w=np.arange(12.0) ** 2)[["x", "z", "w", "y"]]
    for left_out in ({"drop": ["z"]}, {"inputs": ["x", "w"]}):
        with pytest.raises(DataError, match="it uses 'z', a column left out of the inputs"):
            discover(table, target="y", time_budget=1, verbose=False, laws=["a*x + b*z"], **left_out)
    path = tmp_path / "table.csv"
    table.to_csv(path, index=False)
    for flag in ("--drop", "--inputs"):
        columns = "z" if flag == "--drop" else "x,w"
        assert main(["discover", str(path), "--quiet", flag, columns, "--law", "a*x + b*z"]) == 2
        assert "it uses 'z', a column left out" in capsys.readouterr().err


def test_a_law_is_fitted_as_scipy_fits_it_and_scored_as_the_front_is():
    table = _table()
    # a start of 0 (an intercept, say) is a start, not the term's removal
    result = discover(table, target="y", time_budget=1.5, verbose=False, laws=["a + b*x", "c", "a*b*x"],
                      starts={"a": 0.0})
    line, mean, product = result.laws.itertuples()
    # a small table: every row is fitted, so the law's fit is the least-squares line of all
    # 12 rows, and its standard errors the textbook ones (curve_fit: s²·(JᵀJ)⁻¹)
    (a, b), covariance = optimize.curve_fit(lambda v, a, b: a + b * v, table.x, table.y)
    assert [c["name"] for c in line.constants] == ["a", "b"]
    assert [c["value"] for c in line.constants] == pytest.approx([a, b], rel=1e-6)
    assert [c["stderr"] for c in line.constants] == pytest.approx(np.sqrt(np.diag(covariance)), rel=1e-4)
    assert line.named == sympy.Symbol("a") + sympy.Symbol("b") * x
    assert line.errors == "additive"
    # the mean is the front's first row: the same fit, scored and priced the same
    first = result.front.iloc[0]
    assert mean.score == pytest.approx(first.score, abs=1e-6)  # the fits agree to their last digits
    assert mean.r2 == pytest.approx(first.r2, abs=1e-7)
    # a·b·x is one constant: fitted as c0·x, shown so
    assert product.named is None
    assert [c["name"] for c in product.constants] == ["c0"]
    assert product.constants[0]["value"] == pytest.approx(np.sum(table.x * table.y) / np.sum(table.x**2))


def test_a_logistic_law_is_fitted_from_the_starts_given():
    # from 1 for each constant, exp((1 - age)/1) is 0 on every row past the first: the fit
    # cannot move; from starts of the right sizes it finds the law
    rng = np.random.default_rng(2)
    age = np.linspace(100.0, 1600.0, 25)
    table = pd.DataFrame({"age": age, "size": 190.0 / (1 + np.exp((700.0 - age) / 350.0)) + rng.normal(0, 3, 25)})
    result = discover(table, target="size", time_budget=1.5, verbose=False, laws=["Asym/(1 + exp((xmid - age)/scal))"],
                      starts={"Asym": 100.0, "xmid": 500.0, "scal": 100.0})
    (law,) = result.laws.itertuples()
    assert law.r2 > 0.99
    # (xmid - age)/scal is fitted as c1·exp(c2·age) (sympy distributes a number over a sum),
    # and xmid rests on both c1 and c2: its value and error are the law's own, as curve_fit
    # finds them fitting the law in its names
    assert law.named is not None
    fitted = {c["name"]: c for c in law.constants}
    values, covariance = optimize.curve_fit(lambda v, Asym, xmid, scal: Asym / (1 + np.exp((xmid - v) / scal)),
                                            age, table["size"], p0=(100.0, 500.0, 100.0))
    for name, value, stderr in zip(("Asym", "xmid", "scal"), values, np.sqrt(np.diag(covariance))):
        assert fitted[name]["value"] == pytest.approx(value, rel=1e-5)
        assert fitted[name]["stderr"] == pytest.approx(stderr, rel=1e-3)
    assert abs(fitted["xmid"]["value"] - 700.0) < 4 * fitted["xmid"]["stderr"]


def test_a_laws_constant_that_is_a_function_of_a_fitted_one_keeps_its_name_and_error():
    # exp(-t/tau) is fitted as exp(c·t); tau = -1/c, its error carried through, as curve_fit
    # finds fitting tau itself
    rng = np.random.default_rng(9)
    t = np.linspace(0.0, 5.0, 14)
    table = pd.DataFrame({"t": t, "V": 6.0 * np.exp(-t / 1.3) + rng.normal(0.0, 0.02, 14) - 2.0})
    result = discover(table, target="V", time_budget=1.5, verbose=False, laws=["V0*exp(-t/tau) + c"])
    (law,) = result.laws.itertuples()
    assert law.named is not None
    fitted = {c["name"]: c for c in law.constants}
    values, covariance = optimize.curve_fit(lambda v, V0, tau, c: V0 * np.exp(-v / tau) + c, t, table.V,
                                            p0=(1.0, 1.0, 1.0))
    for name, value, stderr in zip(("V0", "tau", "c"), values, np.sqrt(np.diag(covariance))):
        assert fitted[name]["value"] == pytest.approx(value, rel=1e-5)
        assert fitted[name]["stderr"] == pytest.approx(stderr, rel=1e-3)


def test_the_command_line_compares_the_users_laws_with_the_chosen_formula(tmp_path, capsys):
    path = tmp_path / "line.csv"
    _table().to_csv(path, index=False)
    assert main(["discover", str(path), "--time-budget", "1.5", "--quiet", "--law", "a + b*x", "--law", "a*x^2",
                 "--start", "a=2"]) == 0
    text = capsys.readouterr().out
    lines = text[text.index("your laws"):].splitlines()
    assert lines[1].split()[3:6] == ["a", "+", "b*x"] and "a = " in lines[1] and "b = " in lines[1]
    assert "nats" in lines[1] and "a*x**2" in lines[2]
    assert main(["discover", str(path), "--time-budget", "1.5", "--quiet", "--json", "--law", "a*x^2"]) == 0
    (law,) = json.loads(capsys.readouterr().out)["laws"]
    assert law["law"] == "a*x^2" and law["named"] == "a*x**2" and law["constants"][0]["name"] == "a"
    assert main(["discover", str(path), "--time-budget", "1.5", "--quiet", "--law", "a*sinc(x)"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "unknown function 'sinc'" in error
