"""Markdown summary of a results JSONL file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from kansr.markdown import markdown_table


def load_results(path: str | Path) -> pd.DataFrame:
    rows = []
    for line in Path(path).read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by an interruption
    # a task that errored and was rerun appears twice: its last row counts
    table = pd.DataFrame(rows).drop_duplicates("key", keep="last")
    for column in ("symbolic_solution", "accuracy_solution", "scale_free_solution"):
        if column not in table:
            if column == "scale_free_solution":
                continue  # see ``summary``
            table[column] = False
        table[column] = table[column].fillna(False).astype(bool)
    if "seconds" not in table:
        table["seconds"] = float("nan")
    return table


def with_variable_counts(table: pd.DataFrame, suite: str | None = None) -> pd.DataFrame:
    """``table`` with an n_variables column (older results files lack it), from the suite."""
    if "n_variables" in table and table.n_variables.notna().all():
        return table
    from kansr.bench.problems import load_problems

    counts = {p.name: len(p.variables) for p in load_problems(suite)}
    return table.assign(n_variables=table.problem.map(counts))


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per method and noise level (and number of irrelevant columns added, where any were):
    tasks, symbolic and accuracy solutions, timeouts, errors, median seconds."""
    keys = ["method", "noise"]
    extra = {}
    if "irrelevant" in table and table.irrelevant.fillna(0).any():
        table = table.assign(irrelevant=table.irrelevant.fillna(0).astype(int))
        keys.append("irrelevant")
        if "irrelevant_used" in table:
            used = table.irrelevant_used.apply(lambda names: isinstance(names, list) and len(names) > 0)
            extra["formulas_using_irrelevant"] = used.groupby([table[k] for k in keys]).sum()
    grouped = table.groupby(keys)
    # results from before the scale-free verdict have no such column: not judged, not "unsolved"
    scale_free = {"scale_free_solutions": grouped.scale_free_solution.sum()} if "scale_free_solution" in table else {}
    return pd.DataFrame({
        "tasks": grouped.size(),
        "symbolic_solutions": grouped.symbolic_solution.sum(),
        **scale_free,
        "accuracy_solutions": grouped.accuracy_solution.sum(),
        "timeouts": grouped.status.apply(lambda s: int((s == "timeout").sum())),
        "errors": grouped.status.apply(lambda s: int((s == "error").sum())),
        "median_seconds": grouped.wall_seconds.median().round(1),
        **extra,
    }).reset_index()


def load_many(paths: list[str | Path]) -> pd.DataFrame:
    """Several results files as one table (a task in more than one: its last row counts)."""
    table = pd.concat([load_results(path) for path in paths], ignore_index=True)
    return table.drop_duplicates("key", keep="last")


def side_by_side(table: pd.DataFrame) -> pd.DataFrame:
    """One row per problem and noise level, the methods' verdicts and seconds side by side."""
    verdict = table.symbolic_solution.map({True: "solved", False: "-"})
    verdict = verdict.where(table.status == "ok", table.status)
    wide = table.assign(verdict=verdict + " (" + table.wall_seconds.round(1).astype(str) + " s)").pivot_table(
        index=["problem", "noise"], columns="method", values="verdict", aggfunc="last")
    return wide.reset_index().rename_axis(columns=None)


def markdown(paths: str | Path | list[str | Path]) -> str:
    """The report: summary table (method × noise), then the methods side by side per
    problem where there are several, then one row per task."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    table = load_many(paths)
    per_task = table.sort_values(["method", "noise", "problem", "seed"])
    columns = [c for c in ("problem", "noise", "seed", "method", "status", "symbolic_solution",
                           "scale_free_solution", "accuracy_solution", "r2_test", "complexity", "wall_seconds", "formula")
               if c in per_task]
    names = ", ".join(f"`{Path(path).name}`" for path in paths)
    lines = ["# kansr bench report", "", f"Results: {names}, {len(table)} task(s).", "",
             "## Summary", "", markdown_table(summary(table)), ""]
    if table.method.nunique() > 1:
        lines += ["## Side by side", "", markdown_table(side_by_side(table)), ""]
    lines += ["## Per task", "", markdown_table(per_task[columns]), ""]
    return "\n".join(lines)
