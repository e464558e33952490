"""Runs one benchmark task in its own process: task JSON on stdin, result JSON on stdout.

A separate process per task is what lets the runner kill a hung task at its hard
timeout from any executor, a Dask worker included.
"""

from __future__ import annotations

import json
import sys
import time
import traceback

import numpy as np
import sympy


def execute(task: dict) -> dict:
    """Generate the task's data, run the method, judge the answer."""
    from kansr.bench.judge import judge
    from kansr.bench.methods import resolve
    from kansr.bench.problems import load_problems, parse_formula, sample, select, with_irrelevant

    problems = load_problems(task.get("suite"))
    problem = select(problems, [task["problem"]])[0]
    train = sample(problem, task["n_train"], task["seed"], task["noise"])
    test = sample(problem, task["n_test"], task["seed"], 0.0, test=True)
    if task.get("irrelevant"):
        pool = [name for p in problems for name in p.variables]
        train, test = with_irrelevant(problem, train, test, task["irrelevant"], task["seed"], pool)
    names = list(train.columns[:-1])
    method = resolve(task["method"])
    options = {}
    if task.get("units"):  # the columns' units, and the target's under the name methods give it
        from kansr.units import read_units

        table = read_units(task["units"])
        declared = {name: table.get(name, table.get(name.rstrip("_"))) for name in names}
        declared["_target_"] = table.get(problem.output, table.get(problem.output.rstrip("_")))
        options["units"] = {name: dims for name, dims in declared.items() if dims is not None}
    start = time.monotonic()
    formula = method(train[names].to_numpy(), train.iloc[:, -1].to_numpy(), names, task["seed"],
                     task["time_budget"], **options)
    seconds = time.monotonic() - start
    formula, details = formula if isinstance(formula, tuple) else (formula, {})
    answer = parse_formula(formula, names)
    positive = problem.positive()
    inputs = list(problem.variables)
    verdict = judge(problem.formula, answer, [sympy.Symbol(n) for n in names], test[names].to_numpy(),
                    test.iloc[:, -1].to_numpy(), task.get("judge_seconds", 60.0), positive)
    if task.get("irrelevant"):
        details = {**details, "irrelevant_used": sorted(str(s) for s in answer.free_symbols
                                                        if str(s) not in inputs)}
    return {"status": "ok", "n_variables": len(inputs), "formula": formula, "seconds": round(seconds, 3), **details,
            **verdict.__dict__,
            "r2_test": float(verdict.r2_test) if np.isfinite(verdict.r2_test) else None}


def main() -> int:
    task = json.loads(sys.stdin.read())
    try:
        result = execute(task)
    except Exception as error:  # reported as the task's outcome, never lost
        result = {"status": "error", "error": f"{type(error).__name__}: {error}",
                  "traceback": traceback.format_exc()[-2000:]}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
