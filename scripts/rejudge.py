"""Add the scale-free verdict to a results file judged before it existed.

Each row's test data are drawn again exactly as the worker drew them (same problem, seed
and sizes), and ``kansr.bench.judge.scale_free_solution`` judges the recorded formula.
Writes a new JSONL (the input is never overwritten) and prints both verdicts' counts.

    python scripts/rejudge.py results/feynman_noise0.01_3f0fd23.jsonl --out /tmp/rejudged.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import sympy

from kansr.bench.judge import scale_free_solution
from kansr.bench.problems import load_problems, parse_formula, sample, select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if Path(args.out).resolve() == Path(args.results).resolve():
        raise SystemExit("--out is the input file; it would be overwritten")
    problems = load_problems()
    rows = [json.loads(line) for line in Path(args.results).read_text().splitlines() if line.strip()]
    for row in rows:
        if row.get("status") != "ok" or row.get("irrelevant") or row.get("suite"):
            continue
        problem = select(problems, [row["problem"]])[0]
        test = sample(problem, row["n_test"], row["seed"], 0.0, test=True)
        names = list(problem.variables)
        answer = parse_formula(row["formula"], names)
        fine = row.get("r2_test") is not None and row["r2_test"] > 0.5
        row["scale_free_solution"] = bool(fine and scale_free_solution(
            problem.formula, answer, [sympy.Symbol(n) for n in names], test[names].to_numpy()))
    Path(args.out).write_text("".join(json.dumps(row) + "\n" for row in rows))
    srbench = sum(bool(r.get("symbolic_solution")) for r in rows)
    scale_free = sum(bool(r.get("scale_free_solution")) for r in rows)
    both = sum(bool(r.get("symbolic_solution")) and bool(r.get("scale_free_solution")) for r in rows)
    print(f"{len(rows)} rows: SRBench rule {srbench}, scale-free {scale_free}, both {both}")
    for row in rows:
        if bool(row.get("symbolic_solution")) != bool(row.get("scale_free_solution")):
            print(f"  {row['problem']}: SRBench {row.get('symbolic_solution')}, scale-free "
                  f"{row.get('scale_free_solution')}: {row['formula'][:100]}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
