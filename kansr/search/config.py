"""``DiscoverConfig``: the settings of ``discover``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DiscoverConfig:
    """Settings of ``discover`` (one set for every problem).

    Attributes
    ----------
    transforms : tuple of str
        Data transforms to try: "identity", "log" (log of inputs and target), "log_target"
        (log of the target only), "inverse_target" (1/y), "square_target" (y²); each used
        only where the data allows, the last two only with the additive and outer shapes.
    architectures : tuple of str
        Names from ``kansr.search.plan.ARCHITECTURES``, tried in this order (cheapest and
        simplest first), and "nested": for one input, every composition c*f(a*g(p*x)+b)+d of
        two library functions (``kansr.symbolic.compositions``); "reduce": merge or separate
        inputs by tests on a surrogate KAN and solve the smaller problems with the same search
        (``kansr.search.reduction``); "affine": the same for f = g(rest) + φ(x)·h(rest).
    reduce_share : float
        Share of the remaining time budget that one "reduce" or "affine" alternative may use.
    steps : int
        LBFGS steps per training stage.
    lamb : float
        Sparsity regularisation for the wide architecture.
    prune_threshold : float
    grid_schedule : tuple of int
        Grid sizes for the refinement after pruning.
    max_train_rows : int
        Rows used to train the KAN (a seeded subsample of larger data).
    max_refit_rows : int
        Rows used to refit a formula's constants (a seeded subsample of larger data).
    val_fraction : float
        Held-out share for scoring formulas.
    simplify_seconds : float
        Time cap of each sympy simplification.
    library : tuple of str or None
        Candidate function names (None: all of ``kansr.symbolic.library``).
    workers : int
        Processes that try alternatives in parallel (1: in this process). The answer does
        not depend on it: results are taken in the fixed plan order, and attempts after the
        first exact one are discarded, as a sequential search would never have run them.
    screen : bool
        Screen the inputs of wide tables before the search (``kansr.search.screening``).
    threads : int
        torch intra-op threads during the search. The KANs are small, so one thread is
        fastest, and several threads per process collapse when processes share cores.
    """

    transforms: tuple[str, ...] = ("log", "identity", "log_target", "inverse_target", "square_target")
    architectures: tuple[str, ...] = ("additive", "product", "nested", "reduce", "outer", "affine", "wide",
                                      "product_outer", "product_sum", "sum_product")
    steps: int = 100
    lamb: float = 0.01
    prune_threshold: float = 0.05
    grid_schedule: tuple[int, ...] = (5, 10, 20)
    max_train_rows: int = 2000
    max_refit_rows: int = 5000
    val_fraction: float = 0.2
    simplify_seconds: float = 5.0
    library: tuple[str, ...] | None = None
    reduce_share: float = 0.5
    workers: int = 1
    threads: int = 1
    screen: bool = True
