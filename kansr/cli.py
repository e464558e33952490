"""Command line: ``kansr discover`` and ``kansr bench``.

Exit codes: 0 success, 1 internal failure, 2 bad input or usage (one line on stderr),
130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

from kansr.errors import DataError, KansrError

_BROKEN_PIPE = 141  # 128 + SIGPIPE's number, what a shell reports for a command SIGPIPE ended
# the least share of --time-budget the search gets, however long the start took
_LEAST_SHARE = 0.1


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line and exits 2."""

    def error(self, message: str):
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kansr", description="Discover closed-form formulas with Kolmogorov-Arnold Networks.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    discover = sub.add_parser("discover", help="find a formula for one column of a CSV file")
    discover.add_argument("data", help="CSV file with a header row (.csv, .csv.gz/.bz2/.xz/.zip; "
                                       ".parquet with pyarrow; .json; a spreadsheet's first sheet, "
                                       ".xlsx with openpyxl)")
    discover.add_argument("--sep", help="field separator; ' ' for columns aligned by spaces (default: "
                                        "detected among , ; tab and spaces)")
    discover.add_argument("--decimal", help="decimal mark (default: '.', or ',' when detected with ; tab "
                                            "or spaces)")
    discover.add_argument("--sheet", help="a workbook's sheet to read, by name or number from 1 (default: the first)")
    discover.add_argument("--target", help="column to explain (default: the last column)")
    discover.add_argument("--inputs", help="comma-separated input columns to use (default: all)")
    discover.add_argument("--drop", help="comma-separated input columns to leave out")
    discover.add_argument("--units", help="units table (CSV: Variable and Units, or Variable and one column "
                                          "per base unit m, s, kg, K, V and optionally mol): search dimensionless groups")
    discover.add_argument("--constant-units", action="store_true",
                          help="with --units: let constants carry units (reported with them)")
    discover.add_argument("--partial-units", action="store_true",
                          help="with --units: columns missing from the table count as dimensionless")
    discover.add_argument("--law", action="append", default=[],
                          help="a law of your own to compare, in the column names, e.g. 'a + b*exp(-k*t)' "
                               "(names that are no column are constants to fit); may be given again")
    discover.add_argument("--start", action="append", default=[],
                          help="starting values of the laws' constants, e.g. 'k=0.05,b=-95' (default 1)")
    discover.add_argument("--seed", type=int, default=0)
    discover.add_argument("--time-budget", type=float, default=120.0, help="seconds (default 120)")
    discover.add_argument("--budget-mode", choices=("time", "work"), default="time",
                          help="'time' (the default): the budget is seconds on the clock; 'work': nominal "
                               "seconds of counted work, so the same data and seed give the same formula on "
                               "any machine, busy or not")
    discover.add_argument("--workers", type=int, default=1,
                          help="processes trying alternatives in parallel (same answer for any number)")
    discover.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    discover.add_argument("--output", help="also write the JSON result to this file")
    discover.add_argument("--quiet", action="store_true", help="no progress on stderr")
    discover.add_argument("--verbose", action="store_true", help="also print seconds per stage on stderr")
    discover.add_argument("--plot", help="write the KAN diagram to this image file (needs matplotlib)")
    discover.add_argument("--report", help="write figures and report.md into this directory")
    from kansr.bench.cli import add_bench_parser

    add_bench_parser(sub)
    return parser


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None  # JSON has no NaN


def _constants_json(records) -> list[dict]:
    # an infinite standard error (a constant the rows fix only with others) is null, as an
    # unknown one is, and says so
    return [{"name": c["name"], "value": float(c["value"]), "stderr": _number(c["stderr"]),
             **({"undetermined": True} if c["stderr"] == math.inf else {}),
             **({"units": c["units"]} if "units" in c else {})} for c in records]


def _row_json(row) -> dict:
    """A row of the front or of the user's laws as JSON."""
    return {"complexity": int(row.complexity), "r2": float(row.r2), "rmse": float(row.rmse),
            "score": _number(row.score), "formula": str(row.formula), "errors": row.errors,
            "constants": _constants_json(row.constants)}


def result_to_json(result) -> dict:
    """The JSON object of DESIGN.md for a ``Result``."""
    front = [_row_json(row) for row in result.front.itertuples()]
    laws = [{"law": row.law, **({"named": str(row.named)} if row.named is not None else {}), **_row_json(row),
             **({"chi2_dof": _number(row.chi2_dof)} if row.chi2_dof is not None else {})}
            for row in result.laws.itertuples()]
    return {
        "formula": str(result.formula), "template": str(result.template()), "latex": result.latex(),
        "target": result.target, "target_units": result.target_units or None, "variables": list(result.names), "inputs_used": list(result.inputs_used),
        "inputs_dropped": list(result.inputs_dropped),
        "constants": _constants_json(result.constants.to_dict("records")), "errors": result.errors,
        "r2": result.r2, "rmse": result.rmse,
        "chi2_dof": None if result.chi2_dof is None else _number(result.chi2_dof),
        "covariance": None if result.covariance is None else [[_number(v) for v in row] for row in result.covariance],
        "complexity": result.complexity, "seconds": round(result.seconds, 3), "seed": result.seed,
        "front": front, "laws": laws, "renamed": dict(result.renamed), "stopped": result.stopped,
        "notes": list(result.notes),
        "dates": {name: {"since": elapsed.origin, "unit": elapsed.unit} for name, elapsed in result.dates.items()},
    }


def _print_result(result) -> None:
    """The human-readable answer on stdout (see the README)."""
    from kansr.search.result import CLOSE_NATS, RELATIVE_ERRORS, row_template, stated_constants, with_error

    template = result.template()
    print(f"{result.target} = {template}" + (f"   [{result.target_units}]" if result.target_units else ""))
    for row in result.constants.itertuples():
        units = f"   [{row.units}]" if "units" in result.constants else ""
        print(f"  {row.name} = {with_error(row.value, row.stderr)}{units}")
    print(f"R2 = {result.r2:.10g}   RMSE = {result.rmse:.4g}   complexity = {result.complexity}"
          f"   ({result.seconds:.1f} s)")
    if result.errors == "relative":
        print(RELATIVE_ERRORS)
    for note in result.notes:  # they qualify the answer: stated with it, --quiet or not
        print(f"note: {note}")
    print("front (complexity, held-out R2, description length in nats, formula with its constants):")
    chosen = str(result.formula)
    for row in result.front.itertuples():
        stated = "   " + stated_constants(row.constants) if row.constants else ""
        mark = "  <- chosen" if str(row.formula) == chosen else ""
        print(f"  {int(row.complexity):4d}  {row.r2:12.8f}  {row.score:10.1f}  {row_template(row)}{stated}{mark}")
    if len(result.laws):
        print("your laws (complexity, held-out R2, description length in nats, law with its constants; "
              "against the chosen):")
        for row in result.laws.itertuples():
            stated = "   " + stated_constants(row.constants) if row.constants else ""
            difference = row.score - result.score
            verdict = (f"{difference:.1f} nats longer" if difference > 0.05 else
                       f"{-difference:.1f} nats shorter (the search missed it)" if difference < -0.05 else "as short")
            if 0.05 < abs(difference) < CLOSE_NATS:
                verdict += ": the rows barely decide"
            given = "" if row.named is not None else f"{row.law} as fitted: "
            if row.chi2_dof is not None:
                verdict += f"; χ²/dof = {row.chi2_dof:.3g}"
            print(f"  {int(row.complexity):4d}  {row.r2:12.8f}  {row.score:10.1f}  {row_template(row)}{stated}   "
                  f"({given}{verdict})")


def _starts(texts: list[str]) -> dict[str, float]:
    """``--start`` values ('k=0.05,b=-95', given once or more) as a dict."""
    starts = {}
    for item in (part.strip() for text in texts for part in text.split(",")):
        name, equals, value = item.partition("=")
        try:
            starts[name.strip()] = float(value)
        except ValueError:
            raise DataError(f"--start {item!r}: not name=number") from None
        if not equals or not name.strip():
            raise DataError(f"--start {item!r}: not name=number")
    return starts


def _discover(args, started: float) -> int:
    """``kansr discover``; ``started``: when the command started (time.monotonic), from
    which its budget counts."""
    from kansr.data import load

    if args.time_budget is not None and args.time_budget <= 0:
        raise DataError(f"--time-budget must be positive, got {args.time_budget:g}")
    if args.workers < 1:
        raise DataError(f"--workers must be at least 1, got {args.workers}")
    if args.output and Path(args.output).resolve() == Path(args.data).resolve():
        raise DataError(f"--output {args.output} is the input file; it would be overwritten")
    separator = {"\\t": "\t", "tab": "\t"}.get(args.sep, args.sep)
    names = {flag: [n.strip() for n in value.split(",") if n.strip()] if value else None
             for flag, value in (("inputs", args.inputs), ("drop", args.drop))}
    dataset = load(args.data, args.target, sep=separator, decimal=args.decimal, inputs=names["inputs"],
                   drop=names["drop"], sheet=args.sheet)
    # the search's modules load PyTorch and sympy (3 s): after the table, so that a bad one
    # is told at once
    from kansr.search import DiscoverConfig, discover
    from kansr.search.search import INTERRUPTED

    took = time.monotonic() - started
    left = _left(args, took)
    if left is not None and took > _LEAST_SHARE * args.time_budget and not args.quiet:  # said where it matters
        print(f"[kansr] the search has {left:.1f} s of the {args.time_budget:g} s budget: reading the table and "
              f"loading took {took:.1f} s", file=sys.stderr)
    result = discover(dataset, target=args.target, seed=args.seed, time_budget=left,
                      config=DiscoverConfig(workers=args.workers), verbose=not args.quiet,
                      budget_mode=args.budget_mode,
                      units=args.units, constant_units=args.constant_units, partial_units=args.partial_units,
                      laws=args.law, starts=_starts(args.start))
    if args.verbose:
        for stage, seconds in result.timings.items():
            print(f"[kansr] {stage}: {seconds:.2f} s" + (" (summed over workers)" if args.workers > 1 else ""),
                  file=sys.stderr)
    payload = result_to_json(result)
    text = json.dumps(payload)
    for target in (args.plot, args.report):
        if target and Path(target).resolve() == Path(args.data).resolve():
            raise DataError(f"{target} is the input file; it would be overwritten")
    if args.plot:
        from kansr.plot import plot_kan

        if result.kan is None:
            print(f"kansr: note: {result.formula} is a {result.attempt} fit, not read from a KAN; "
                  f"no diagram written to {args.plot}", file=sys.stderr)
        else:
            plot_kan(result, args.plot)
    if args.report:
        from kansr.plot import write_report

        write_report(result, dataset, args.report)  # the rows as read (--sheet, --sep, ...)
    if args.output:
        Path(args.output).write_text(text + "\n")
    if args.json:
        print(text)
    else:
        for original, safe in result.renamed.items():
            print(f"note: column {original!r} is written {safe!r} in the formula", file=sys.stderr)
        _print_result(result)
    if result.stopped == INTERRUPTED:
        print("kansr: interrupted; the formula above is the best found so far", file=sys.stderr)
        return 130
    return 0


def _left(args, took: float) -> float | None:
    """The budget the search gets: on the clock, what the command has left of
    ``--time-budget`` after the ``took`` seconds since its start (reading the table and
    loading PyTorch and sympy), but never less than a tenth of it; in work, all of it (work
    is not counted on the clock)."""
    if args.time_budget is None or args.budget_mode != "time":
        return args.time_budget
    return max(args.time_budget - took, _LEAST_SHARE * args.time_budget)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kansr`` command; returns the exit code."""
    started = time.monotonic()
    try:
        args = _build_parser().parse_args(argv)
        if args.command == "discover":
            return _discover(args, started)
        return args.handler(args)
    except _UsageError as error:
        print(str(error), file=sys.stderr)
        return 2
    except DataError as error:
        print(f"kansr: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kansr: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # whatever read the output stopped reading (``kansr discover ... | head -3``): end
        # quietly, as a command killed by SIGPIPE does, and point stdout elsewhere, or
        # Python reports the same broken pipe again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _BROKEN_PIPE
    except KansrError as error:
        print(f"kansr: failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
