import builtins
import sys

import numpy as np
import pandas as pd
import pytest
import sympy

pytest.importorskip("matplotlib")

import kansr  # noqa: E402
from kansr.cli import main  # noqa: E402
from kansr.errors import KansrError  # noqa: E402
from kansr import discover  # noqa: E402


@pytest.fixture(scope="module")
def solved():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-1, 1, (2, 400))
    frame = pd.DataFrame({"x": x, "y": y, "f": np.sin(np.pi * x) + y**2})
    return discover(frame, seed=0, time_budget=60, verbose=False), frame


def _assert_image(path, min_side=200):
    from matplotlib import image

    pixels = image.imread(path)
    assert min(pixels.shape[:2]) >= min_side
    assert pixels[..., :3].var() > 1e-3  # not blank


def test_figures_render(solved, tmp_path):
    result, frame = solved
    kansr.plot_kan(result, tmp_path / "kan.png")
    kansr.plot_front(result, tmp_path / "front.png")
    figure = kansr.plot_fit(result, frame, tmp_path / "fit.png")
    assert "R²" in figure.axes[0].get_title()
    for name in ("kan", "front", "fit"):
        _assert_image(tmp_path / f"{name}.png")
    labels = [t.get_text() for t in kansr.plot_kan(result.kan).axes[0].texts]
    assert "x" in labels and "y" in labels


def test_eight_input_diagram_labels_do_not_overlap(tmp_path):
    from kansr.kan import KAN, KANConfig

    model = KAN(KANConfig(width=[8, 3, 1]))
    names = [f"variable_{i}" for i in range(8)]
    figure = kansr.plot_kan(model, tmp_path / "wide.png", names=names)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in figure.axes[0].texts if t.get_text() in names]
    assert len(boxes) == 8
    for first, second in zip(boxes, boxes[1:]):
        assert not first.overlaps(second)


def test_cli_report_and_plot(tmp_path, capsys):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(1, 3, (2, 200))
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": a, "b": b, "y": np.sin(a) + b**2}).to_csv(path, index=False)
    assert main(["discover", str(path), "--quiet", "--plot", str(tmp_path / "k.png"),
                 "--report", str(tmp_path / "rep")]) == 0
    _assert_image(tmp_path / "k.png")
    report = (tmp_path / "rep" / "report.md").read_text()
    assert "![KAN](kan.png)" in report and "\\sin{\\left(a \\right)}" in report
    for name in ("kan", "front", "fit"):
        _assert_image(tmp_path / "rep" / f"{name}.png")


def test_a_formula_without_a_kan_gets_a_note_instead_of_a_diagram(tmp_path, capsys):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(1, 3, (2, 200))
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": a, "b": b, "y": a / b}).to_csv(path, index=False)  # a monomial: a baseline fit
    assert main(["discover", str(path), "--quiet", "--plot", str(tmp_path / "k.png"),
                 "--report", str(tmp_path / "rep")]) == 0
    assert "no diagram written" in capsys.readouterr().err and not (tmp_path / "k.png").exists()
    report = (tmp_path / "rep" / "report.md").read_text()
    assert "kan.png" not in report and "\\frac{a}{b}" in report
    for name in ("front", "fit"):
        _assert_image(tmp_path / "rep" / f"{name}.png")


def test_the_report_states_the_constants_as_the_text_does(tmp_path, capsys):
    import json

    from kansr.search.result import with_error

    rng = np.random.default_rng(3)
    x = np.linspace(1, 10, 15)
    path = tmp_path / "d.csv"
    pd.DataFrame({"x": x, "y": 2.37 * x + 1.21 + rng.normal(0, 0.3, 15)}).to_csv(path, index=False)
    assert main(["discover", str(path), "--quiet", "--time-budget", "2", "--output", str(tmp_path / "r.json"),
                 "--report", str(tmp_path / "rep")]) == 0
    payload = json.loads((tmp_path / "r.json").read_text())
    report = (tmp_path / "rep" / "report.md").read_text()
    line = sympy.sympify(payload["template"])  # a noisy line keeps its fitted constants
    assert line.free_symbols == set(sympy.symbols("c0 c1 x")) and sympy.diff(line, "x", 2) == 0
    assert f"$$ y = {sympy.latex(line)} $$" in report
    for constant in payload["constants"]:
        assert f"| {constant['name']} | {with_error(constant['value'], constant['stderr'])} |" in report
    chosen = next(row for row in payload["front"] if row["formula"] == payload["formula"])
    assert f"| {payload['template']} | c0 = " in report and chosen["score"] is not None
    # and the notes that qualify the answer, as the text states them (15 rows: few)
    assert any(note.startswith("only 15 rows") for note in payload["notes"])
    notes = report[report.index("## Notes"):report.index("## Constants")].splitlines()[2:-1]
    assert notes == [f"- {note}" for note in payload["notes"]]


def test_missing_matplotlib_message(monkeypatch, solved):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    for module in [m for m in sys.modules if m.startswith("matplotlib")]:
        monkeypatch.delitem(sys.modules, module)
    with pytest.raises(KansrError, match=r"pip install 'kansr\[plot\]'"):
        kansr.plot_front(solved[0])


def test_a_one_input_formula_is_drawn_over_the_rows_with_its_band_and_their_error_bars(tmp_path):
    rng = np.random.default_rng(6)
    x = np.linspace(1.0, 8.0, 20)
    frame = pd.DataFrame({"x": x, "y": 2.3 + 1.7 * x + rng.normal(0.0, 0.3, 20), "y_err": np.full(20, 0.3)})
    result = discover(frame, time_budget=1.5, verbose=False)
    figure = kansr.plot_fit(result, frame, tmp_path / "fit.png")
    _assert_image(tmp_path / "fit.png")
    axes = figure.axes[0]
    assert axes.get_xlabel() == "x" and axes.get_ylabel() == "y"
    curve = next(line for line in axes.get_lines() if line.get_label() == "formula")
    grid = curve.get_xdata()
    np.testing.assert_allclose(curve.get_ydata(), result.predict(grid[:, None]))
    # the band: the formula ± twice the standard error of the fit at each point of the curve
    _, std = result.predict(grid[:, None], return_std=True)
    band = next(c for c in axes.collections if c.get_label() == "±2 standard errors of the fit")
    vertices = band.get_paths()[0].vertices
    at = np.searchsorted(grid, vertices[:, 0]).clip(0, len(grid) - 1)
    lower, upper = curve.get_ydata() - 2 * std, curve.get_ydata() + 2 * std
    on_lower, on_upper = np.isclose(vertices[:, 1], lower[at]), np.isclose(vertices[:, 1], upper[at])
    assert np.all(on_lower | on_upper) and on_lower.sum() >= len(grid) and on_upper.sum() >= len(grid)
    # the rows' uncertainties as error bars
    bars = [c for c in axes.collections if c is not band]
    assert any(len(c.get_segments()) == 20 for c in bars)
