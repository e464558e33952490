"""Run (problem × noise × seed) tasks on a concurrent.futures-style executor.

Each task runs in its own ``python -m kansr.bench.worker`` process, killed at the hard
timeout and recorded as a timeout. Results stream to a JSONL file, one line per task as
it finishes; a rerun skips every task already in the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path


# The protocol is one core per task; several BLAS/OpenMP threads per task also
# oversubscribe the cores when tasks run side by side (measured: 30x slower).
_ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "PYTHONUNBUFFERED": "1"}


@dataclass(frozen=True)
class Task:
    """One run: a problem at one noise level and seed, by one method."""

    problem: str
    noise: float
    seed: int
    method: str = "kansr"
    time_budget: float = 120.0
    hard_timeout: float = 300.0
    n_train: int = 1000
    n_test: int = 1000
    suite: str | None = None
    irrelevant: int = 0
    units: str | None = None

    @property
    def key(self) -> str:
        extra = (f"|+{self.irrelevant}" if self.irrelevant else "") + ("|units" if self.units else "")
        return f"{self.problem}|{self.noise:g}|{self.seed}|{self.method}{extra}"


def run_task(task: dict) -> dict:
    """Run one task (a dict of ``Task`` fields) in a child process; never raises."""
    started = time.monotonic()
    row = {"key": Task(**task).key, **task}
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "kansr.bench.worker"], input=json.dumps(task), capture_output=True,
            text=True, timeout=task["hard_timeout"], env={**os.environ, **_ONE_THREAD})
        lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
        if lines:
            row.update(json.loads(lines[-1]))
        else:
            row.update(status="error", error=f"worker exited {completed.returncode}: "
                                             f"{completed.stderr.strip()[-500:]}")
    except subprocess.TimeoutExpired:
        row.update(status="timeout", error=f"killed after the hard timeout of {task['hard_timeout']:g} s")
    row["wall_seconds"] = round(time.monotonic() - started, 3)
    return row


def finished_keys(path: Path) -> set[str]:
    """Keys of tasks already judged or timed out in the JSONL file.

    Tasks that ended in an error (a crash, or a worker killed by Ctrl-C) run again on the
    next run; unreadable lines (a line cut by a kill) are ignored.
    """
    keys = set()
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
                if row["status"] in ("ok", "timeout"):
                    keys.add(row["key"])
            except (ValueError, KeyError, TypeError):
                continue
    return keys


def run(tasks: list[Task], out: str | Path, executor: Executor | None = None, workers: int = 1,
        log=None) -> list[dict]:
    """Run every task not yet in ``out``; append each result as it arrives. Returns the new rows."""
    out = Path(out)
    done = finished_keys(out)
    pending = [t for t in tasks if t.key not in done]
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    log(f"[kansr bench] {len(pending)} task(s) to run, {len(tasks) - len(pending)} already in {out}")
    own_executor = executor is None
    executor = executor or ThreadPoolExecutor(max_workers=max(workers, 1))
    if out.exists() and out.stat().st_size and not out.read_bytes().endswith(b"\n"):
        with out.open("a") as handle:  # a line cut short by a kill: start the next one cleanly
            handle.write("\n")
    rows = []
    try:
        futures = {executor.submit(run_task, asdict(task)): task for task in pending}
        for number, future in enumerate(as_completed(futures), start=1):
            row = future.result()
            with out.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
            rows.append(row)
            log(f"[kansr bench] {number}/{len(pending)} {row['key']}: {row['status']}"
                f" solved={row.get('symbolic_solution')} r2={row.get('r2_test')} {row['wall_seconds']:.1f}s")
    finally:
        if own_executor:
            executor.shutdown(wait=False, cancel_futures=True)
    return rows
