"""Time limits: a cap on a block of code (sympy can spend minutes on one expression), and the
error raised when the search's time budget runs out in the middle of a step."""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

from kansr.errors import KansrError


class BudgetExhausted(KansrError):
    """The time budget ran out in the middle of a step."""


class SympyTimeout(KansrError):
    """A sympy operation ran past its time cap."""


@contextmanager
def time_limit(seconds: float):
    """Raise ``SympyTimeout`` if the block runs longer than ``seconds``.

    Uses SIGALRM, so the cap only applies in the main thread of a process (bench
    workers are processes); elsewhere the block runs uncapped. Caps nest: an inner block
    never outlives the outer one (it is cut at the outer cap, and the outer cap fires as
    soon as the inner block is left).
    """
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise SympyTimeout(f"sympy took longer than {seconds:g} s")

    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))
