"""The plan of the search: which data transforms and KAN shapes are tried, in which order.

A *transform* changes the data before a KAN is trained (``Transform``); an *architecture*
is a KAN shape (``ARCHITECTURES``), or one of the two searches that need no KAN of their
own: "nested" (one input: every composition of two library functions), "reduce" (merge
or separate inputs by tests on a surrogate KAN) and "affine" (split f into g + φ(x)·h by
a test on a surrogate KAN). ``plans`` lists the pairs that apply to
the data, cheapest and simplest first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from kansr.errors import KansrError

# name -> (width with "n" for the number of inputs, layers whose nodes multiply)
ARCHITECTURES: dict[str, tuple[list, tuple[int, ...]]] = {
    "additive": (["n", 1], ()),               # f1(x1) + f2(x2) + ...
    "product": (["n", 1], (0,)),              # f1(x1) * f2(x2) * ...
    "outer": (["n", 1, 1], ()),               # g(f1(x1) + f2(x2) + ...)
    "product_outer": (["n", 1, 1], (0,)),     # g(f1(x1) * f2(x2) * ...)
    "product_sum": (["n", 3, 1], (0,)),       # sum of up to three separable products
    "sum_product": (["n", 2, 1], (1,)),       # product of two additive functions
    "wide": (["n", "2n+1", 1], ()),           # general, regularised and pruned
}


@dataclass(frozen=True)
class Transform:
    """How the data are changed before training: log of the inputs, and of the target
    (``y_kind`` "log"), its reciprocal ("inverse": 1/y = a sum when y = 1/(1/d1 + n/d2)) or
    its square ("square": y² = a sum when y = sqrt(a² + b²)); ``y_sign`` is the target's sign."""

    name: str
    x_log: bool
    y_sign: float  # 0: target left alone
    y_kind: str = "log"

    def target(self, y: np.ndarray) -> np.ndarray:
        if not self.y_sign:
            return y
        if self.y_kind == "inverse":
            return 1 / y
        if self.y_kind == "square":
            return y**2
        return np.log(self.y_sign * y)

    def rows(self, y: np.ndarray) -> np.ndarray:
        """Rows the transform is defined on: a noisy target near zero can have a few values of
        the other sign (see ``transforms_for``), left out of training; the formula is still
        scored on every row."""
        if not self.y_sign or self.y_kind == "square":
            return np.ones(len(y), dtype=bool)
        # values of the other sign show how large the noise is: rows within twice that of
        # zero are mostly noise after a log or a reciprocal
        other = y[self.y_sign * y <= 0]
        return self.y_sign * y > 2 * np.max(np.abs(other), initial=0.0)

    def undo(self, expr: sympy.Expr) -> sympy.Expr:
        if not self.y_sign:
            return expr
        if self.y_kind == "inverse":
            return 1 / expr
        if self.y_kind == "square":
            return self.y_sign * sympy.sqrt(expr)
        return self.y_sign * sympy.exp(expr)


# shapes that on one input are another shape again (a product of one term is the term)
SAME_ON_ONE_INPUT = ("product", "product_outer")

# transforms of the target alone, tried only with the cheapest shapes (see ``transforms_for``)
TARGET_ONLY = ("inverse_target", "square_target")
_KNOWN = ("identity", "log", "log_target") + TARGET_ONLY


def transforms_for(names: tuple[str, ...], X: np.ndarray, y: np.ndarray) -> list[Transform]:
    """The transforms among ``names`` that the data allow (see the pipeline module doc)."""
    result = []
    sign = 1.0 if np.sum(y > 0) >= np.sum(y < 0) else -1.0
    # one sign up to noise: at most 10 % of the rows on the other side (or zero), all within
    # 5 % of the target's RMS of zero (noise of 1 % RMS makes a target near zero cross it:
    # in a few per cent of the rows)
    other = y[sign * y <= 0]
    one_signed = len(y) > 0 and len(other) <= 0.1 * len(y) and \
        bool(np.all(np.abs(other) <= 0.05 * np.sqrt(np.mean(y**2))))
    for name in names:
        if name not in _KNOWN:
            raise KansrError(f"unknown transform {name!r}")
        if name == "identity":
            result.append(Transform("identity", False, 0.0))
        elif name == "log" and np.all(X > 0) and one_signed:
            result.append(Transform("log", True, sign))
        elif name == "log_target" and one_signed:
            result.append(Transform("log_target", False, sign))
        elif name == "inverse_target" and one_signed:
            result.append(Transform("inverse_target", False, sign, "inverse"))
        elif name == "square_target" and one_signed:
            result.append(Transform("square_target", False, sign, "square"))
    return result


@dataclass(frozen=True)
class Plan:
    """One alternative of the search: a transform of the data and an architecture."""

    transform: Transform
    architecture: str
    # an early copy of an alternative that also comes at the end of the list: it runs only
    # while no formula found with plain numbers leaves residuals that look like noise (``plans``)
    early: bool = False

    @property
    def label(self) -> str:
        return f"{self.transform.name}/{self.architecture}"

    @property
    def trains_kan(self) -> bool:
        """Whether this alternative trains a KAN ("nested", "reduce" and "affine" are searches of their own)."""
        return self.architecture in ARCHITECTURES


def guaranteed_index(found: list[Plan]) -> int | None:
    """The index of the first plan that trains a KAN: the alternative that may run past
    the budget (``kansr.search.search.Search``). The one-input compositions that run
    before it stop with the budget and keep what they have found: past it, the clock's
    cap would cut them with nothing kept."""
    return next((index for index, plan in enumerate(found) if plan.trains_kan), None)


def plans(transform_names: tuple[str, ...], architectures: tuple[str, ...], X: np.ndarray,
          y: np.ndarray) -> list[Plan]:
    """Every (transform, architecture) pair that applies to the data, in ``architectures`` order.

    "reduce", "affine" and "nested" run once, on the data as given: "reduce" and "affine" need
    two inputs or more, "nested" exactly one, and goes first there. The target-only transforms
    go with the additive and outer shapes only, and shapes that one input makes another are
    left out.

    The two searches that solve smaller problems ("reduce", "affine") are the costliest
    alternatives. Placed after a KAN shape, each runs at its place as an early copy
    (``Plan.early``), and again at the end of the list: once a formula with plain numbers
    leaves only noise, the alternatives that follow only challenge it, and the cheap shapes
    do that first (``kansr.search.search.Search.run``, ``kansr.search.stopping.plain``).
    On exactly two inputs the early copy of "affine" follows "reduce": its three parts then
    have one input each, which "nested" searches exhaustively. Placed before any KAN shape
    (a reduced problem, ``reduced_order``), they run once, at their place.
    """
    transforms = transforms_for(transform_names, X, y)
    identity = Transform("identity", False, 0.0)
    if X.shape[1] == 1:
        architectures = tuple(a for a in architectures if a not in SAME_ON_ONE_INPUT)
        # the exhaustive search of one input's compositions holds every formula a KAN's
        # reading of the same input can give with two library functions, so it goes first
        architectures = tuple(a for a in architectures if a == "nested") + \
            tuple(a for a in architectures if a != "nested")
    searches = [a for a in ("reduce", "affine") if a in architectures and X.shape[1] >= 2]
    deferred = [a for a in searches
                if any(shape in ARCHITECTURES for shape in architectures[:architectures.index(a)])]
    if X.shape[1] == 2 and "affine" in deferred and "reduce" in searches:
        architectures = tuple(a for a in architectures if a != "affine")
        after = architectures.index("reduce") + 1
        architectures = architectures[:after] + ("affine",) + architectures[after:]
    found = []
    for architecture in architectures:
        if architecture == "nested":
            found += [Plan(identity, architecture)] if X.shape[1] == 1 else []
        elif architecture in ("reduce", "affine"):
            if architecture in searches:
                found.append(Plan(identity, architecture, early=architecture in deferred))
        else:
            found += [Plan(t, architecture) for t in transforms
                      if t.name not in TARGET_ONLY or architecture in ("additive", "outer")]
    return found + [Plan(identity, architecture) for architecture in deferred]


def reduced_order(architectures: tuple[str, ...], inputs: int) -> tuple[str, ...]:
    """``architectures`` in the order a reduced problem of ``inputs`` inputs tries them.

    A reduced problem is tried for further reduction first: each step makes it smaller,
    down to one input, which "nested" searches exhaustively. "affine" joins them on two
    inputs, where its three smaller problems have one input each; on more it stays in its
    place, as its parts are then no smaller in inputs than this problem's KANs."""
    early = ("nested", "reduce", "affine") if inputs == 2 else ("nested", "reduce")
    first = tuple(a for a in early if a in architectures)
    return first + tuple(a for a in architectures if a not in first)
