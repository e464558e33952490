"""How long a search may run: ``Budget``, counted on the clock or in work.

A *time* budget is seconds on the clock: simple, and what a user means by "two minutes",
but where it cuts a search depends on the machine and on what else runs on it, so the same
data and seed can give different formulas. A *work* budget counts the search's own work
instead: every loss-and-gradient evaluation of a training run, every residual evaluation
of a constant refit, every batch of affine edge fits, every simplification, each charged
its estimated cost in nominal seconds (``cost`` gives the estimates, calibrated so that a
nominal second is about a second on a 2-core x86 machine from 2026). The same data and seed
then give the same formula on any machine, busy or idle; only the wall time varies.

sympy's own caps (``kansr.symbolic.limits.time_limit``) stay on the clock in both modes:
they guard against single operations that would take minutes, and are set far above what a
normal operation takes, so that they decide nothing in practice.
"""

from __future__ import annotations

import math
import time

MODES = ("time", "work")


class Budget:
    """Seconds (``mode="time"``) or nominal seconds of counted work (``mode="work"``) that
    may be spent; ``seconds=None`` is no limit.

    ``share`` makes a child budget: a part of what is left, whose spending is also the
    parent's. ``charge`` records work (a no-op on the clock); ``expired`` says whether the
    budget is spent.
    """

    def __init__(self, seconds: float | None, mode: str = "time", parent: "Budget | None" = None,
                 bound_by_parent: bool = True) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown budget mode {mode!r}; use 'time' or 'work'")
        self.seconds, self.mode, self.parent = seconds, mode, parent
        self.bound_by_parent = bound_by_parent
        self.started = time.monotonic()
        self.spent_work = 0.0

    def __getstate__(self) -> dict:
        # a clock reading means nothing in another process: keep what is left, and when, on
        # the wall clock processes share. A worker process spawned to receive it starts
        # seconds later (it imports PyTorch), and those seconds are spent: counted from its
        # own start, a 15 s budget ran 18 s with two workers
        state = self.__dict__.copy()
        state["seconds"] = None if self.seconds is None else self.remaining()
        state["spent_work"], state["started"], state["handed"] = 0.0, None, time.time()
        return state

    def __setstate__(self, state: dict) -> None:
        handed = state.pop("handed", None)
        self.__dict__.update(state)
        self.started = time.monotonic()
        if self.mode == "time" and self.seconds is not None and handed is not None:
            self.seconds = max(self.seconds - max(time.time() - handed, 0.0), 0.0)

    @property
    def label(self) -> str:
        return f"{self.mode} budget"

    def spent(self) -> float:
        return time.monotonic() - self.started if self.mode == "time" else self.spent_work

    def remaining(self) -> float:
        """What is left (inf without a limit), never more than the parent has left."""
        own = math.inf if self.seconds is None else max(self.seconds - self.spent(), 0.0)
        return own if self.parent is None or not self.bound_by_parent else min(own, self.parent.remaining())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def charge(self, seconds: float) -> None:
        """Record work of ``seconds`` nominal seconds (work mode only)."""
        if self.mode == "work":
            self.spent_work += seconds
        if self.parent is not None:
            self.parent.charge(seconds)

    def share(self, fraction: float) -> "Budget":
        """A child budget of ``fraction`` of what is left."""
        left = self.remaining()
        return Budget(None if math.isinf(left) else fraction * left, self.mode, parent=self)

    def unbounded(self) -> "Budget":
        """A child budget without a limit (not even this one's) whose work is still charged here."""
        return Budget(None, self.mode, parent=self, bound_by_parent=False)

    def clock_cap(self, grace: float) -> float | None:
        """Seconds a SIGALRM cap may allow the rest of the work: what is left plus ``grace``
        on the clock; None (no cap from the budget) in work mode or without a limit."""
        if self.mode != "time" or math.isinf(self.remaining()):
            return None
        return self.remaining() + grace


def expired(budget: Budget | None) -> bool:
    """Whether ``budget`` (None: no limit) is spent."""
    return budget is not None and budget.expired()


def charge(budget: Budget | None, seconds: float) -> None:
    if budget is not None:
        budget.charge(seconds)


# the estimates below come from timing each kind of work alone; over whole searches they
# left about half of the wall time uncounted (sympy building and compiling formulas,
# bookkeeping), which this factor puts back on average
_UNCOUNTED = 2.0


class cost:  # noqa: N801  (a namespace of estimates, not a type)
    """Estimated nominal seconds of the counted kinds of work (see the module doc)."""

    @staticmethod
    def training_evaluation(rows: int, parameters: int, autograd: bool = False) -> float:
        """One loss-and-gradient evaluation of a KAN (by autograd: KANs with symbolic edges
        or multiplication nodes, about five times slower)."""
        return _UNCOUNTED * (5.0 if autograd else 1.0) * (2e-4 + 1.5e-9 * rows * parameters)

    @staticmethod
    def residual_evaluation(rows: int, nodes: int) -> float:
        """One evaluation of a compiled formula of ``nodes`` tree nodes on ``rows`` rows."""
        return _UNCOUNTED * (2e-5 + 2.2e-9 * rows * nodes)

    @staticmethod
    def compilation(nodes: int) -> float:
        """Compiling a formula of ``nodes`` tree nodes to numpy (sympy's lambdify)."""
        return _UNCOUNTED * 2.5e-4 * nodes

    @staticmethod
    def differentiation(nodes: int, parameters: int) -> float:
        """Differentiating a formula of ``nodes`` tree nodes by each of its ``parameters``
        and compiling the derivatives together."""
        return _UNCOUNTED * (5e-3 + 1e-4 * nodes * parameters)

    @staticmethod
    def edge_fits(values: int) -> float:
        """A batch of affine fits that evaluates a candidate function ``values`` times."""
        return _UNCOUNTED * (1e-4 + 3e-8 * values)

    @staticmethod
    def simplification(nodes: int) -> float:
        """One capped sympy simplification of a formula of ``nodes`` tree nodes."""
        return _UNCOUNTED * (0.05 + 0.015 * nodes)
