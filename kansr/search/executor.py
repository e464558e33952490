"""Trying the search's alternatives in worker processes (``DiscoverConfig.workers`` > 1).

Each worker gets a copy of the search in its initializer and evaluates one plan per job;
the parent takes the outcomes in plan order, whatever order they finish in, and stops at
the same point a sequential search would, so the answer does not depend on the number of
workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from typing import Callable

import torch
from threadpoolctl import threadpool_limits

from kansr.search.plan import guaranteed_index

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# the search a worker process evaluates plans of; set once per process by ``_initialize``
_WORKER_SEARCH = None


def _initialize(search, threads: int) -> None:
    """Pool initializer: no Ctrl-C (the parent handles it), ``threads`` threads, the search."""
    global _WORKER_SEARCH
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(threads)
    threadpool_limits(limits=threads)
    _WORKER_SEARCH = search


def _evaluate(plan, first: bool):
    return _WORKER_SEARCH.evaluate(plan, first=first)


def run_parallel(search, plans: list, workers: int, threads: int, take: Callable[[object], bool]) -> None:
    """Evaluate ``plans`` with ``search.evaluate`` in ``workers`` processes; feed each outcome
    to ``take`` in plan order until it returns True."""
    context = multiprocessing.get_context("spawn")  # fork is unsafe once torch has threads
    # one BLAS/OpenMP thread per worker: numpy's and torch's thread pools spin-wait, and
    # several per process on shared cores slow the refits by an order of magnitude
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update({name: str(threads) for name in _THREAD_VARIABLES})
    try:
        pool = context.Pool(min(workers, len(plans)), initializer=_initialize, initargs=(search, threads))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        guaranteed = guaranteed_index(plans)
        pending = [pool.apply_async(_evaluate, (plan, index == guaranteed)) for index, plan in enumerate(plans)]
        for job in pending:  # in plan order, whatever order they finish in
            if take(job.get()):
                return
    finally:
        pool.terminate()
        pool.join()
