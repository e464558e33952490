"""A column of the target's uncertainties weighs the rows (``kansr.data.Dataset.sigma``)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sympy
from scipy import optimize, stats

import kansr.search.dimensions
import kansr.search.search
from kansr import KANSymbolicRegressor, discover
from kansr.budget import Budget
from kansr.data import load
from kansr.symbolic import complexity


def _line_with_uneven_errors(rows: int = 15) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    x = np.linspace(1.0, 10.0, rows)
    sigma = np.where(np.arange(rows) % 2 == 0, 0.05, 2.0)  # every other row forty times as precise
    return pd.DataFrame({"x": x, "y": 2.0 + 3.0 * x + rng.normal(0.0, 1.0, rows) * sigma, "y_err": sigma})


def test_the_rows_are_weighed_by_their_uncertainties_as_scipy_weighs_them():
    table = _line_with_uneven_errors()
    result = discover(table, time_budget=5, verbose=False, laws=["a + b*x"])
    # weighted least squares, as curve_fit does them with sigma (its errors scaled by the
    # scatter, absolute_sigma False); the unweighted fit is 3 of these errors away
    (a, b), covariance = optimize.curve_fit(lambda v, a, b: a + b * v, table.x, table.y, sigma=table.y_err)
    (line,) = result.laws.itertuples()
    assert [c["value"] for c in line.constants] == pytest.approx([a, b], rel=1e-6)
    assert [c["stderr"] for c in line.constants] == pytest.approx(np.sqrt(np.diag(covariance)), rel=1e-4)
    # and the law's χ²/dof, with its constants
    assert line.chi2_dof == pytest.approx(np.sum(((table.y - a - b * table.x) / table.y_err) ** 2) / (len(table) - 2))
    unweighted = np.polyfit(table.x, table.y, 1)[::-1]
    assert abs(unweighted[0] - a) > 2 * np.sqrt(covariance[0, 0])
    # χ² of the chosen formula against the uncertainties, per degree of freedom
    residuals = (table.y - result.predict(table[["x"]])) / table.y_err
    dof = len(table) - len(result.constants)
    assert result.chi2_dof == pytest.approx(np.sum(residuals**2) / dof)
    p = stats.chi2.sf(np.sum(residuals**2), dof)
    assert any(note.startswith(f"χ²/dof = {result.chi2_dof:.3g} on {dof} degrees of freedom (p = {p:.2g})")
               for note in result.notes)
    # the R² of a weighted fit is against the target's weighted spread: its mean, fitted
    # with the same weights, explains none of it (leave-one-out here: a little less)
    assert -0.5 < result.front.r2.iloc[0] <= 0.0


def test_under_units_the_rows_are_weighed_too():
    rng = np.random.default_rng(5)
    m, v = rng.uniform(1, 5, 16), rng.uniform(1, 3, 16)
    sigma = np.where(np.arange(16) % 2 == 0, 0.01, 0.5)
    # a factor no simple number is within the errors of: the answer keeps it fitted
    table = pd.DataFrame({"m": m, "v": v, "E": 0.537 * m * v**2 + rng.normal(0, 1, 16) * sigma, "E_err": sigma})
    result = discover(table, target="E", time_budget=3, verbose=False, units={"m": "kg", "v": "m/s", "E": "J"},
                      laws=["a*m*v**2"])
    (a,), covariance = optimize.curve_fit(lambda X, a: a * X[0] * X[1] ** 2, (m, v), table.E, sigma=sigma)
    # the answer, refit in the user's columns after the search on dimensionless groups, and
    # the law, each fitted with the weights
    assert str(result.template()) == "c0*m*v**2"
    for constant in (result.constants.iloc[0], result.laws.constants[0][0]):
        assert constant["value"] == pytest.approx(a, rel=1e-6)
        assert constant["stderr"] == pytest.approx(np.sqrt(covariance[0, 0]), rel=1e-4)


def test_uncertainties_of_zero_weigh_nothing_and_say_so():
    table = _line_with_uneven_errors().assign(y_err=lambda t: np.where(np.arange(len(t)) < 2, 0.0, t.y_err))
    dataset = load(table)
    assert dataset.sigma is None
    assert "the rows are not weighed by it: it is 0 on 2 of them" in dataset.notes[-1]


def test_the_estimators_sample_weight_weighs_the_rows_as_scipy_does():
    rng = np.random.default_rng(6)
    x = np.linspace(1.0, 4.0, 15)
    sigma = np.where(np.arange(15) % 2 == 0, 0.01, 0.5)
    y = 0.537 * x**2 + rng.normal(0.0, 1.0, 15) * sigma
    weights = 1 / sigma**2
    weights[3] = 0.0  # a row of weight 0 counts for nothing: it may be anything
    y[3] = 100.0
    model = KANSymbolicRegressor(random_state=0, time_budget=5).fit(x[:, None], y, sample_weight=weights)
    kept = weights > 0
    (a,), covariance = optimize.curve_fit(lambda v, a: a * v**2, x[kept], y[kept], sigma=sigma[kept])
    assert str(model.result_.template()) == "c0*x0**2"
    (constant,) = model.result_.constants.itertuples()
    assert constant.value == pytest.approx(a, rel=1e-6)
    assert constant.stderr == pytest.approx(np.sqrt(covariance[0, 0]), rel=1e-4)
    assert model.result_.chi2_dof is None  # weights of no scale: no χ²
    with pytest.raises(ValueError, match="not negative"):
        KANSymbolicRegressor(time_budget=1).fit(x[:, None], y, sample_weight=-weights)


def test_a_row_is_far_from_the_formula_by_its_own_uncertainty():
    rng = np.random.default_rng(8)
    x = np.linspace(1.0, 10.0, 15)
    sigma = np.where(np.arange(15) % 2 == 0, 0.05, 3.0)
    y = 1.0 + 2.0 * x + rng.normal(0.0, 1.0, 15) * sigma
    far = [note for note in discover(pd.DataFrame({"x": x, "y": y, "y_err": sigma}), time_budget=1.5,
                                     verbose=False).notes if "robust standard deviations" in note]
    assert not far  # the imprecise rows scatter widely, as their uncertainties say
    y[6] += 2.0  # forty of its uncertainties off
    far = [note for note in discover(pd.DataFrame({"x": x, "y": y, "y_err": sigma}), time_budget=1.5,
                                     verbose=False).notes if "robust standard deviations" in note]
    assert len(far) == 1 and far[0].startswith("a row lies") and f"x = {x[6]:.4g}" in far[0]


def test_under_units_the_small_tables_note_counts_the_answers_constants():
    # the search fits the dimensionless group's constant; in the user's columns, weighed by
    # the uncertainties, it is 1/2 within its errors and the answer has none
    rng = np.random.default_rng(5)
    m, v = rng.uniform(1, 5, 16), rng.uniform(1, 3, 16)
    sigma = np.where(np.arange(16) % 2 == 0, 0.01, 0.5)
    table = pd.DataFrame({"m": m, "v": v, "E": 0.5 * m * v**2 + rng.normal(0, 1, 16) * sigma, "E_err": sigma})
    result = discover(table, target="E", time_budget=3, verbose=False, units={"m": "kg", "v": "m/s", "E": "J"})
    assert str(result.formula) == "m*v**2/2" and result.constants.empty
    (small,) = [note for note in result.notes if note.startswith("only 16 rows")]
    assert "no fitted constant" in small


def _line_with_errors_in_x(seed: int) -> pd.DataFrame:
    """15 rows of y = 2 + 3·x, x read with errors x_err (0.05 to 0.6) and y with 0.2."""
    rng = np.random.default_rng(seed)
    x_true = np.linspace(1.0, 10.0, 15)
    x_err, y_err = rng.uniform(0.05, 0.6, 15), np.full(15, 0.2)
    x, y = x_true + rng.normal(0.0, x_err), 2.0 + 3.0 * x_true + rng.normal(0.0, y_err)
    return pd.DataFrame({"x": x, "x_err": x_err, "y": y, "y_err": y_err})


def _effective_variance_line(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of a + b·x and their covariance under the effective variance of the line's own
    slope, σ² = y_err² + (b·x_err)², b refit until it settles, as a least-squares fit with
    errors in x is done by hand (scipy's curve_fit)."""
    values = np.array([1.0, 1.0])
    for _ in range(20):
        values, covariance = optimize.curve_fit(lambda v, a, b: a + b * v, table.x, table.y, p0=values,
                                                sigma=np.sqrt(table.y_err**2 + (values[1] * table.x_err) ** 2))
    return values, covariance


def test_the_inputs_uncertainties_are_carried_to_the_target_as_orthogonal_regression_weighs_them():
    table = _line_with_errors_in_x(5)
    x, x_err, y, y_err = table.x.to_numpy(), table.x_err.to_numpy(), table.y.to_numpy(), table.y_err.to_numpy()
    result = discover(table, target="y", time_budget=1.5, verbose=False, laws=["a + b*x"])
    (line,) = result.laws.itertuples()
    fitted = np.array([c["value"] for c in line.constants])
    errors = np.array([c["stderr"] for c in line.constants])
    values, covariance = _effective_variance_line(table)
    np.testing.assert_allclose(fitted, values, rtol=1e-4)
    np.testing.assert_allclose(errors, np.sqrt(np.diag(covariance)), rtol=1e-3)
    assert line.chi2_dof == pytest.approx(np.sum((y - values[0] - values[1] * x) ** 2 / (
        y_err**2 + (values[1] * x_err) ** 2)) / (len(table) - 2), rel=1e-4)
    # within a third of an error of orthogonal distance regression, which fits x too; the
    # fit that weighs by y_err alone is over one error away (scipy.odr leaves scipy in 1.19)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        odr = pytest.importorskip("scipy.odr")
    found = odr.ODR(odr.RealData(x, y, sx=x_err, sy=y_err), odr.Model(lambda beta, v: beta[0] + beta[1] * v),
                    beta0=[1.0, 1.0]).run()
    assert np.all(np.abs(fitted - found.beta) < found.sd_beta / 3)
    np.testing.assert_allclose(errors, found.sd_beta, rtol=0.05)
    by_y_err, _ = optimize.curve_fit(lambda v, a, b: a + b * v, x, y, sigma=y_err)
    assert np.all(np.abs(by_y_err - found.beta) > found.sd_beta)
    assert any("'x_err' carried to 'y' through its slope" in note for note in result.notes)


def test_the_chosen_formulas_constants_settle_under_the_effective_variance_whatever_the_report_budget_left(
        monkeypatch):
    monkeypatch.setattr(kansr.search.search, "report_budget", lambda budget: Budget(0.0))
    table = _line_with_errors_in_x(3)
    result = discover(table, target="y", time_budget=3, verbose=False)
    values, covariance = _effective_variance_line(table)
    assert result.formula.free_symbols == {sympy.Symbol("x")} and complexity(result.formula) == 5
    by_size = result.constants.sort_values("value")  # the intercept near 2, the slope near 3
    np.testing.assert_allclose(by_size["value"], values, rtol=1e-6)
    np.testing.assert_allclose(by_size["stderr"], np.sqrt(np.diag(covariance)), rtol=1e-3)


@pytest.mark.parametrize("report_spent", [False, True])
def test_under_units_the_inputs_uncertainties_are_carried_through_each_formulas_own_slope(monkeypatch, report_spent):
    if report_spent:  # a busy machine: the front's rows before the chosen one spent the report's budget
        for module in (kansr.search.search, kansr.search.dimensions):
            monkeypatch.setattr(module, "report_budget", lambda budget: Budget(0.0))
    rng = np.random.default_rng(11)
    rows = 25
    m, v_true = rng.uniform(1.0, 5.0, rows), rng.uniform(1.0, 4.0, rows)
    v_err, E_err = rng.uniform(0.001, 0.012, rows), np.full(rows, 0.005)
    v = v_true + rng.normal(0.0, v_err)
    table = pd.DataFrame({"m": m, "v": v, "v_err": v_err, "E": 0.4137 * m * v_true**2 + rng.normal(0.0, E_err),
                          "E_err": E_err})
    result = discover(table, target="E", time_budget=4, verbose=False, units={"m": "kg", "v": "m/s", "E": "J"})
    # E = c·m·v², c refit in the user's columns with σ² = E_err² + (2·c·m·v·v_err)², by hand
    # with curve_fit until c settles; weighed by E_err alone, its error is twice as large
    c = np.array([1.0])
    for _ in range(20):
        c, covariance = optimize.curve_fit(lambda X, c: c * X[0] * X[1] ** 2, (m, v), table.E, p0=c,
                                           sigma=np.sqrt(E_err**2 + (2 * c[0] * m * v * v_err) ** 2))
    (constant,) = result.constants.itertuples()
    assert result.formula == sympy.Float(constant.value) * sympy.Symbol("m") * sympy.Symbol("v") ** 2
    assert constant.value == pytest.approx(c[0], rel=1e-6)
    assert constant.stderr == pytest.approx(np.sqrt(covariance[0, 0]), rel=1e-3)


def test_uncertainties_in_percent_are_a_share_of_the_values_they_qualify():
    rng = np.random.default_rng(12)
    x = np.linspace(1.0, 10.0, 12)
    y = 3.2 * x**1.5 * (1 + rng.normal(0.0, 0.03, 12))
    table = pd.DataFrame({"x": x, "y": y, "y_err (%)": np.full(12, 3.0)})
    result = discover(table, time_budget=1.5, verbose=False, laws=["a*x^b"])
    values, covariance = optimize.curve_fit(lambda v, a, b: a * v**b, x, y, p0=(1.0, 1.0), sigma=0.03 * y)
    (law,) = result.laws.itertuples()
    assert [c["value"] for c in law.constants] == pytest.approx(values, rel=1e-6)
    assert [c["stderr"] for c in law.constants] == pytest.approx(np.sqrt(np.diag(covariance)), rel=1e-3)
    assert load(table).sigma == pytest.approx(0.03 * y)
    # an input's, likewise
    inputs = pd.DataFrame({"x": x, "x_err_pct": np.full(12, 2.0), "y": y})
    assert load(inputs).input_sigma["x"] == pytest.approx(0.02 * x)


def test_the_trends_slopes_are_the_derivatives_of_a_smooth_trend_at_any_scale():
    from kansr.search.weights import trend_slopes

    x = np.linspace(1.0, 4.0, 20)
    # a smooth curve: the spline's derivative is the curve's, but at the ends' curvature
    np.testing.assert_allclose(trend_slopes(x[:, None], np.exp(x))[2:-2, 0], np.exp(x)[2:-2], rtol=0.02)
    # a plane of two inputs: local lines give its slopes exactly
    rng = np.random.default_rng(0)
    X = rng.uniform(1.0, 5.0, (15, 2))
    np.testing.assert_allclose(trend_slopes(X, 2.0 * X[:, 0] - 0.5 * X[:, 1]), np.tile([2.0, -0.5], (15, 1)),
                               rtol=1e-9)
    # inputs of extreme size, and repeated values (local lines then)
    for scale in (1e-200, 1e200):
        np.testing.assert_allclose(trend_slopes(x[:, None] * scale, 3.0 * x)[:, 0], 3.0 / scale, rtol=1e-6)
        repeated = np.repeat(x[:10], 2)
        np.testing.assert_allclose(trend_slopes(repeated[:, None] * scale, 3.0 * repeated)[:, 0], 3.0 / scale,
                                   rtol=1e-6)
