"""Figures: the KAN with every edge's learned curve, the Pareto front, predicted vs actual.

matplotlib is an optional extra (``pip install 'kansr[plot]'``), imported only here and
only when a figure is drawn. Every function returns the Figure (notebooks show it
inline) and also saves it when ``path`` is given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from kansr import data as data_module
from kansr.errors import KansrError

_N_CURVE = 100


def _pyplot():
    try:
        import matplotlib

        if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise KansrError("plotting needs matplotlib: pip install 'kansr[plot]'") from None
    return plt


def _save(figure, path):
    if path is not None:
        figure.savefig(Path(path), dpi=120, bbox_inches="tight")
    return figure


def _edge_curves(model):
    """Per layer: input grid (points, in), learned curves and symbolic curves (points, out, in), scores."""
    curves = []
    with torch.no_grad():
        for layer in model.layers:
            order = layer.spline_order
            low, high = layer.grid[:, order], layer.grid[:, -order - 1]  # (in,)
            steps = torch.linspace(0, 1, _N_CURVE, dtype=layer.grid.dtype)[:, None]
            x = low + steps * (high - low)  # (points, in)
            learned = layer.spline_outputs(x) * layer.mask  # (points, out, in)
            symbolic = layer.symbolic_outputs(x) if layer.symbolic_names else None
            shown = layer.edge_outputs(x)
            scale = shown.std(dim=0)  # (out, in)
            curves.append((x.numpy(), learned.numpy(), None if symbolic is None else symbolic.numpy(),
                           (scale / scale.max().clamp_min(1e-12)).numpy()))
    return curves


def plot_kan(result_or_model, path=None, names: list[str] | None = None):
    """The network: nodes by layer, each edge a small panel with its learned curve (grey),
    its symbolic fit (red, labelled) where fixed, drawn with opacity by importance."""
    plt = _pyplot()
    model = getattr(result_or_model, "kan", result_or_model)
    if model is None:
        raise KansrError(f"this formula is a {getattr(result_or_model, 'attempt', '')} fit, not read from a KAN: "
                         "there is no KAN to draw")
    names = names or model.input_names or getattr(result_or_model, "names", None)
    input_names = [names[int(i)] if names else f"x{int(i)}" for i in model.input_index]
    widths = model.width
    curves = _edge_curves(model)
    columns = max(widths)
    figure = plt.figure(figsize=(max(4.0, 1.7 * columns), 2.3 * len(model.layers) + 0.8))
    canvas = figure.add_axes([0, 0, 1, 1])
    canvas.set_xlim(0, 1), canvas.set_ylim(0, 1), canvas.axis("off")

    def node_x(count, index):
        return (index + 0.5) / count

    levels = np.linspace(0.08, 0.86, len(widths))
    for index, name in enumerate(input_names):
        canvas.text(node_x(widths[0], index), levels[0] - 0.04, name, ha="center", va="top", fontsize=9,
                    rotation=0 if len(name) * columns <= 70 else 20)
    if hasattr(result_or_model, "formula"):
        title = f"{result_or_model.target} = {result_or_model.formula}"
        if getattr(result_or_model, "attempt", ""):
            title += f"\n(KAN of the {result_or_model.attempt} attempt)"
        canvas.text(0.5, 0.995, title, ha="center", va="top", fontsize=8, wrap=True)
    for l, layer in enumerate(model.layers):
        x, learned, symbolic, score = curves[l]
        # one slot per edge between the two node rows, so panels never overlap
        edges = [(o, i) for i in range(layer.in_features) for o in range(layer.out_features)
                 if layer.mask[o, i] != 0]
        panel_w = min(0.8 / max(len(edges), 1), 0.16)
        panel_h = min(0.45 * (levels[l + 1] - levels[l]), 0.2)
        for slot, (out_idx, in_idx) in enumerate(edges):
            x0, y0 = node_x(widths[l], in_idx), levels[l]
            x1, y1 = node_x(widths[l + 1], out_idx), levels[l + 1]
            cx, cy = (slot + 0.5) / len(edges), (y0 + y1) / 2
            alpha = float(np.clip(score[out_idx, in_idx], 0.08, 1.0))
            canvas.plot([x0, cx], [y0, cy - panel_h / 2], color="black", alpha=alpha * 0.6, lw=0.8)
            canvas.plot([cx, x1], [cy + panel_h / 2, y1], color="black", alpha=alpha * 0.6, lw=0.8)
            panel = figure.add_axes([cx - panel_w / 2, cy - panel_h / 2, panel_w, panel_h])
            panel.plot(x[:, in_idx], learned[:, out_idx, in_idx], color="0.4", alpha=alpha, lw=1.5)
            name = layer.symbolic_names.get((out_idx, in_idx))
            if name is not None and symbolic is not None:
                panel.plot(x[:, in_idx], symbolic[:, out_idx, in_idx], color="tab:red", alpha=alpha,
                           lw=1.0, ls="--")
                panel.set_title(name, fontsize=7, color="tab:red", pad=1)
            panel.set_xticks([]), panel.set_yticks([])
            for spine in panel.spines.values():
                spine.set_alpha(alpha)
    for l, count in enumerate(widths):
        symbol = "×" if 0 < l < len(widths) and model.layers[l - 1].multiply else "+"
        for index in range(count):
            canvas.scatter([node_x(count, index)], [levels[l]], s=60, color="black", zorder=3)
            if l > 0:
                canvas.text(node_x(count, index) + 0.012, levels[l], symbol, fontsize=9, va="center")
    return _save(figure, path)


def plot_front(result, path=None):
    """Pareto front: complexity against held-out RMSE (log scale), the chosen formula marked."""
    plt = _pyplot()
    front = result.front
    figure, axes = plt.subplots(figsize=(6.5, 4))
    rmse = np.maximum(front.rmse.to_numpy(dtype=float), 1e-16)
    axes.step(front.complexity, rmse, where="post", color="tab:blue", alpha=0.5)
    axes.scatter(front.complexity, rmse, color="tab:blue", zorder=3)
    chosen = front.formula.astype(str) == str(result.formula)
    axes.scatter(front.complexity[chosen], rmse[chosen.to_numpy()], s=160, facecolors="none",
                 edgecolors="tab:red", lw=2, zorder=4, label="chosen")
    label = str(result.formula)
    axes.annotate(label if len(label) < 60 else label[:57] + "...", (result.complexity, max(result.rmse, 1e-16)),
                  textcoords="offset points", xytext=(8, 8), fontsize=8, color="tab:red")
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_yscale("log"), axes.set_xlabel("complexity"), axes.set_ylabel("held-out RMSE")
    axes.set_title("Pareto front"), axes.legend(loc="upper right")
    return _save(figure, path)


def plot_fit(result, data, path=None, max_points: int = 5000):
    """The formula against the rows of ``data`` (anything ``discover`` accepts), with R².

    A formula of one input is drawn as a curve over the rows, with the band of ±2 standard
    errors of the fit (``Result.predict(..., return_std=True)``) and the rows' own
    uncertainties as error bars, where columns give them; any other, as predicted against
    actual values (error bars likewise)."""
    plt = _pyplot()
    dataset = data_module.load(data, result.target, inputs=list(result.names))  # the result's columns only
    rows = np.random.default_rng(0).permutation(len(dataset.y))[:max_points]
    actual, predicted = dataset.y[rows], result.predict(dataset.X[rows])
    y_err = None if dataset.sigma is None or not dataset.sigma_column else dataset.sigma[rows]
    r2 = 1 - np.mean((predicted - actual) ** 2) / np.var(actual)
    figure, axes = plt.subplots(figsize=(4.8, 4.5))
    if len(result.inputs_used) == 1:
        column = list(result.names).index(result.inputs_used[0])
        x = dataset.X[rows, column]
        x_err = dataset.input_sigma.get(result.names[column])
        axes.errorbar(x, actual, yerr=y_err, xerr=None if x_err is None else x_err[rows], fmt="o", ms=3,
                      alpha=0.6, lw=0.8, label="rows")
        # the other inputs at their medians: the formula does not read them
        grid = np.tile(np.median(dataset.X, axis=0), (200, 1))
        grid[:, column] = np.linspace(float(x.min()), float(x.max()), 200)
        curve, std = result.predict(grid, return_std=True)
        axes.plot(grid[:, column], curve, color="tab:red", lw=1.2, label="formula")
        if np.all(np.isfinite(std)) and np.any(std > 0):
            axes.fill_between(grid[:, column], curve - 2 * std, curve + 2 * std, color="tab:red", alpha=0.2,
                              label="±2 standard errors of the fit")
        axes.set_xlabel(result.inputs_used[0]), axes.set_ylabel(result.target)
        axes.legend(fontsize="small")
    else:
        axes.errorbar(actual, predicted, xerr=y_err, fmt="o", ms=3, alpha=0.5, lw=0.8)
        low, high = float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))
        axes.plot([low, high], [low, high], color="tab:red", lw=1)
        axes.set_xlabel(f"actual {result.target}"), axes.set_ylabel("predicted")
    axes.set_title(f"R² = {r2:.8f}")
    return _save(figure, path)


def plot_rates(table, path=None):
    """Benchmark figure: solution rates per noise level and per number of variables, one
    bar per method side by side (a results table with columns noise, symbolic_solution
    and, where present, method and n_variables)."""
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    methods = sorted(table.method.unique()) if "method" in table else [None]
    width = 0.8 / len(methods)
    for axis, column, label in ((left, "noise", "noise level"), (right, "n_variables", "number of variables")):
        if column not in table or not table[column].notna().any():
            continue
        levels = sorted(table[column].dropna().unique())
        for k, method in enumerate(methods):
            rows = table if method is None else table[table.method == method]
            rates = rows.groupby(column).symbolic_solution.mean().reindex(levels) * 100
            axis.bar(np.arange(len(levels)) + (k - (len(methods) - 1) / 2) * width, rates.fillna(0).to_numpy(),
                     width, label=method)
        axis.set_xticks(np.arange(len(levels)), [f"{v:g}" for v in levels])
        axis.set_xlabel(label), axis.set_ylabel("symbolic solutions (%)"), axis.set_ylim(0, 100)
    if len(methods) > 1:
        left.legend()
    figure.suptitle("kansr bench")
    return _save(figure, path)


def write_report(result, data, directory) -> Path:
    """Write kan.png (where the formula came from a KAN), front.png, fit.png and report.md
    (formula in LaTeX, the notes that qualify it, its constants, the front as a table)."""
    import pandas as pd
    import sympy

    from kansr.markdown import markdown_table
    from kansr.search.result import RELATIVE_ERRORS, row_template, stated_constants, with_error

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    figures = ["![Pareto front](front.png)", "", "![fit](fit.png)", ""]
    if result.kan is not None:
        plot_kan(result, directory / "kan.png")
        figures = ["![KAN](kan.png)", ""] + figures
    plot_front(result, directory / "front.png")
    plot_fit(result, data, directory / "fit.png")
    def shown(rows: pd.DataFrame, columns: list[str]) -> str:
        return markdown_table(rows[columns].assign(
            formula=[str(row_template(row)) for row in rows.itertuples()],
            constants=[stated_constants(row.constants) for row in rows.itertuples()]))

    columns = ["complexity", "rmse", "r2", "score", "formula"]
    laws = ["## Your laws", "", "Fitted and scored as the front's formulas.", "",
            shown(result.laws, ["law", *columns]), ""] if len(result.laws) else []
    constants = result.constants.assign(value=[with_error(row.value, row.stderr)
                                               for row in result.constants.itertuples()]).drop(columns="stderr")
    constants = ["## Constants", "", markdown_table(constants), ""] if len(constants) else []
    # what qualifies the answer (few rows, a close rival, a far row, χ²/dof) goes with it
    errors = [RELATIVE_ERRORS] if result.errors == "relative" else []
    notes = ["## Notes", "", *[f"- {note}" for note in [*errors, *result.notes]], ""] if errors or result.notes else []
    text = "\n".join([
        f"# kansr report: {result.target}", "", f"$$ {result.target} = {sympy.latex(result.template())} $$", "",
        (f"R² = {result.r2:.10g}, RMSE = {result.rmse:.4g}, complexity {result.complexity}, "
         f"{result.seconds:.1f} s, seed {result.seed}."), "", *notes, *constants, "## Pareto front", "",
        shown(result.front, columns), "", *laws, "## Figures", "", *figures])
    (directory / "report.md").write_text(text)
    return directory / "report.md"
