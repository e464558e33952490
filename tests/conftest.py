"""Each pytest-xdist worker gets its share of the cores for torch and BLAS.

By default every worker process runs one OpenMP thread per core; two workers on two cores
then oversubscribe them, and OpenMP's spinning threads made KAN-training tests some twenty
times slower (40 s for a test that takes 2 s alone)."""

import os

import torch
from threadpoolctl import threadpool_limits

_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:
    _threads = max(1, (os.cpu_count() or 1) // _workers)
    torch.set_num_threads(_threads)
    _limits = threadpool_limits(limits=_threads)  # kept: the limits hold while it lives
