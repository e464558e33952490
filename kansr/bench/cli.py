"""``kansr bench`` and ``kansr bench report``."""

from __future__ import annotations

import sys
from pathlib import Path

from kansr.errors import DataError


def add_bench_parser(sub) -> None:
    bench = sub.add_parser("bench", help="run the equation-discovery benchmark, or `bench report FILE ...`")
    bench.add_argument("action", nargs="*", help="nothing to run the benchmark; `report FILE [FILE ...]` for a "
                                                        "summary, methods side by side")
    bench.add_argument("--suite", default="feynman", help="'feynman' or a CSV in the same format")
    bench.add_argument("--only", help="comma-separated problem names")
    bench.add_argument("--noise", default="0", help="comma-separated noise levels (default 0)")
    bench.add_argument("--seeds", type=int, default=1, help="seeds per problem (default 1)")
    bench.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    bench.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    bench.add_argument("--time-budget", type=float, default=120.0, help="seconds per task (default 120)")
    bench.add_argument("--hard-timeout", type=float, help="kill a task after this many seconds "
                                                           "(default 1.5 x budget + 60)")
    bench.add_argument("--out", default="results.jsonl", help="JSONL results file (appended, resumable)")
    bench.add_argument("--method", default="kansr", help="comma-separated: kansr, pykan, gplearn, operon or "
                                                         "module:function (default kansr)")
    bench.add_argument("--units", help="units table for the suite's variables (e.g. datasets/feynman_units.csv): "
                                       "the method gets them (kansr searches dimensionless groups)")
    bench.add_argument("--irrelevant", type=int, default=0,
                       help="add this many input columns the target does not depend on (uniform over "
                            "the range of one of its inputs, named like other problems' variables, "
                            "columns shuffled)")
    bench.add_argument("--plot", help="with `report`: write a figure of solution rates to this file")
    bench.set_defaults(handler=run_bench)


def _floats(text: str, flag: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise DataError(f"{flag} takes comma-separated numbers, got {text!r}") from None


def run_bench(args) -> int:
    from kansr.bench import problems as problems_module
    from kansr.bench.report import markdown
    from kansr.bench.runner import Task, run

    if args.action:
        if args.action[0] != "report" or len(args.action) < 2:
            raise DataError("usage: kansr bench report RESULTS.jsonl [MORE.jsonl ...]")
        paths = [Path(p) for p in args.action[1:]]
        for path in paths:
            if not path.exists():
                raise DataError(f"{path}: no such file")
        print(markdown(paths))
        if args.plot:
            from kansr.bench.report import load_many, with_variable_counts
            from kansr.plot import plot_rates

            plot_rates(with_variable_counts(load_many(paths)), args.plot)
        return 0
    if args.workers < 1 or args.seeds < 1 or args.time_budget <= 0:
        raise DataError("--workers, --seeds and --time-budget must be positive")
    suite = None if args.suite == "feynman" else str(Path(args.suite).resolve())
    if suite and not Path(suite).exists():
        raise DataError(f"{args.suite}: no such suite file")
    try:
        chosen = problems_module.select(problems_module.load_problems(suite),
                                        args.only.split(",") if args.only else None)
    except ValueError as error:
        raise DataError(str(error)) from None
    hard = args.hard_timeout or 1.5 * args.time_budget + 60
    if args.irrelevant < 0:
        raise DataError("--irrelevant must be 0 or more")
    units = None
    if args.units:
        from kansr.units import read_units

        read_units(args.units)  # a bad table is an error now, not in every task
        units = str(Path(args.units).resolve())
    from kansr.bench.peers import unavailable

    methods = []
    for method in (m.strip() for m in args.method.split(",") if m.strip()):
        reason = unavailable(method)
        if reason:
            print(f"kansr bench: {reason}", file=sys.stderr)
        else:
            methods.append(method)
    tasks = [Task(p.name, noise, seed, method, args.time_budget, hard, suite=suite, irrelevant=args.irrelevant,
                  units=units)
             for method in methods for noise in _floats(args.noise, "--noise") for p in chosen
             for seed in range(args.seeds)]
    if not tasks:
        print("kansr bench: nothing to run", file=sys.stderr)
        return 0
    executor = None
    if args.scheduler:
        try:
            from dask.distributed import Client
        except ImportError:
            raise DataError("--scheduler needs Dask: pip install 'kansr[dask]'") from None
        try:
            client = Client(args.scheduler, timeout="20s")
        except OSError as error:
            raise DataError(f"cannot reach the Dask scheduler at {args.scheduler}: {error}") from None
        executor = client.get_executor(pure=False)  # concurrent.futures interface
    try:
        rows = run(tasks, args.out, executor=executor, workers=args.workers)
    finally:
        if executor is not None:
            executor.shutdown(wait=False)
            client.close()
    solved = sum(bool(r.get("symbolic_solution")) for r in rows)
    print(f"{len(rows)} task(s) run, {solved} solved symbolically; results in {args.out}", file=sys.stderr)
    return 0
