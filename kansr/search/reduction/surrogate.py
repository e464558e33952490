"""Reducing a problem with a smooth surrogate (AI Feynman's idea, with a KAN as the surrogate).

A KAN is trained on the data without sparsity pressure, only to be accurate. Queried at
points the data do not contain, it answers two kinds of questions:

* **Symmetry**: does f stay the same when two inputs change together, as in
  f(x_i·s, x_j·s) = f (f depends on x_i/x_j only), f(x_i·s, x_j/s) (on x_i·x_j),
  f(x_i+a, x_j+a) (on x_i−x_j) or f(x_i+a, x_j−a) (on x_i+x_j)? Or, for the scalings, is
  f only multiplied by s^k (f = x_j^k·g(x_i/x_j), as m·c²/sqrt(1 − v²/c²) is c²·g(v/c))?
  Then the pair is merged into one new input computed exactly from the real data (and the
  power divided out of the target), and the problem has one input fewer (``find_merges``).
* **Separability**: is f(A, B) = g(A)·h(B) or g(A)+h(B) for a split of the inputs into
  one input A and the rest B? Then g and h are smaller problems; their data come from the
  surrogate (``find_split``, ``split_data``).
* **Affinity**: where neither holds, is f(x_k, B) = g(B) + φ(x_k)·h(B) for one input x_k?
  (``kansr.search.reduction.affine``.)

Every test compares the change the transformation makes with the change the same step
makes to one input alone, so the verdict does not depend on units. Test points stay
inside the data's ranges, where the surrogate was trained. The pipeline solves the
reduced problems with the same search and refits the recombined formula on the real data,
so a wrong verdict costs time, never a wrong answer.

On noisy data the surrogate's own errors blur these tests (``NOISY_SURROGATE``), so a
verdict short of the tolerance gets a second test on the real data: a surrogate with the
reduction built in (trained on the merged inputs, or a sum of separate blocks,
``separated_surrogate``) must come within ``CONFIRM_RATIO`` of the unreduced one's error on
held-out rows (``confirms_merge``). A merge that passes the first test may still be false
where a weak factor shares its inputs (m₀·v in m₀·v/sqrt(1 − v²/c²)), and the blurred
scores can rank it above the true merge it overlaps; where another merge shares its
inputs, it takes the same held-out test (``merged_error``), and one that fails gives way
to the overlapping merges that pass; it is dropped only where an overlapping merge has a
lower held-out error than its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy
import torch

from kansr.budget import Budget
from kansr.kan import KAN, KANConfig, TrainConfig, train
from kansr.search.candidate import one_signed

# a transformation leaves f unchanged when its effect is below this share of the effect of
# moving one input alone. Measured on ten Feynman problems: true symmetries 0.01-0.11
# (the larger ones where the surrogate is least accurate), the smallest false one 0.39;
# true separations 0.01-0.04 (0.15 through log|f| where f is near 0), false ones from 0.17.
SYMMETRY_TOLERANCE = 0.2
SEPARABILITY_TOLERANCE = 0.1
_TEST_ROWS = 256


class Surrogate:
    """An accurate, unpruned KAN of y on X (original units in, original units out).

    ``blocks`` (groups of input indices) makes it a sum of one KAN per group, each of
    ``[len(group), 2·len(group) + 1]`` (masked edges in one ``[n, m, 1]`` KAN): a model that
    can only be separable that way. ``log_target``: the KAN models ln|y| (y of one sign),
    so that a sum of blocks is a product of factors.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, seed: int, steps: int = 150,
                 grid_schedule: tuple[int, ...] = (3, 5, 10), budget: Budget | None = None,
                 blocks: list[list[int]] | None = None, log_target: bool = False) -> None:
        n = X.shape[1]
        self.sign = (1.0 if np.mean(y) >= 0 else -1.0) if log_target else 0.0
        target = np.log(np.maximum(self.sign * y, 1e-300)) if log_target else y
        self.x_mean, self.x_std = X.mean(0), np.where(X.std(0) > 0, X.std(0), 1.0)
        self.y_mean, self.y_std = float(target.mean()), float(target.std()) or 1.0
        blocks = blocks or [list(range(n))]
        hidden = [block for block in blocks for _ in range(2 * len(block) + 1)]  # each hidden node's inputs
        self.model = KAN(KANConfig(width=[n, len(hidden), 1], seed=seed))
        with torch.no_grad():
            mask = self.model.layers[0].mask  # (hidden, n)
            for node, block in enumerate(hidden):
                mask[node] = 0.0
                mask[node, block] = 1.0
        train(self.model, self._inputs(X), torch.tensor(((target - self.y_mean) / self.y_std)[:, None]),
              TrainConfig(steps=steps, grid_schedule=grid_schedule, val_fraction=0.0, seed=seed), budget)

    def _inputs(self, X: np.ndarray) -> torch.Tensor:
        return torch.tensor((X - self.x_mean) / self.x_std, dtype=torch.float64)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            values = self.model(self._inputs(X)).numpy()[:, 0] * self.y_std + self.y_mean
        return self.sign * np.exp(values) if self.sign else values

    def error(self, X: np.ndarray, y: np.ndarray) -> float:
        """Mean squared error on (X, y) over the variance of y."""
        return _relative_error(self(X), y)


def _relative_error(predictions: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((predictions - y) ** 2) / (np.var(y) or 1.0))


@dataclass(frozen=True)
class Merge:
    """Inputs i and j enter f only through ``kind`` of them (ratio x_i/x_j, product,
    difference, sum), after a power of one of them is divided out:
    f = x_j^power · g(x_i/x_j, ...) for a ratio, f = x_i^power · g(x_i·x_j, ...) for a product
    (f is then homogeneous of degree ``power`` under the joint scaling)."""

    kind: str
    i: int
    j: int
    score: float
    power: float = 0.0

    def values(self, X: np.ndarray) -> np.ndarray:
        a, b = X[:, self.i], X[:, self.j]
        return {"ratio": a / b, "product": a * b, "difference": a - b, "sum": a + b}[self.kind]

    def expr(self, symbols: list[sympy.Symbol]) -> sympy.Expr:
        a, b = symbols[self.i], symbols[self.j]
        return {"ratio": a / b, "product": a * b, "difference": a - b, "sum": a + b}[self.kind]

    @property
    def carrier(self) -> int:
        return self.j if self.kind == "ratio" else self.i

    def factor_values(self, X: np.ndarray) -> np.ndarray:
        return X[:, self.carrier] ** self.power

    def factor_expr(self, symbols: list[sympy.Symbol]) -> sympy.Expr:
        return symbols[self.carrier] ** sympy.nsimplify(self.power)


def _step_bounds(kind: str, xi, xj, lo, hi, i: int, j: int):
    """Per-row interval of the step (log-scale factor or shift) keeping both inputs in range."""
    if kind in ("ratio", "product"):  # x_i·s, and x_j·s or x_j/s, with s = exp(t)
        low_i, high_i = np.log(lo[i] / xi), np.log(hi[i] / xi)
        low_j, high_j = np.log(lo[j] / xj), np.log(hi[j] / xj)
        if kind == "product":
            low_j, high_j = -high_j, -low_j
    else:  # x_i + t, and x_j + t or x_j − t
        low_i, high_i = lo[i] - xi, hi[i] - xi
        low_j, high_j = lo[j] - xj, hi[j] - xj
        if kind == "sum":
            low_j, high_j = -high_j, -low_j
    return np.maximum(low_i, low_j), np.minimum(high_i, high_j)


def _apply(kind: str, X: np.ndarray, i: int, j: int, t: np.ndarray, which: str = "both") -> np.ndarray:
    moved = X.copy()
    scale = kind in ("ratio", "product")
    sign_j = -1.0 if kind in ("product", "sum") else 1.0
    if which in ("both", "i"):
        moved[:, i] = X[:, i] * np.exp(t) if scale else X[:, i] + t
    if which in ("both", "j"):
        moved[:, j] = X[:, j] * np.exp(sign_j * t) if scale else X[:, j] + sign_j * t
    return moved


def symmetry_score(f, X: np.ndarray, kind: str, i: int, j: int, rng: np.random.Generator) -> float:
    """Change of f under the joint move, relative to the smaller change from moving one input."""
    return symmetry(f, X, kind, i, j, rng, powers=False)[0]


def symmetry(f, X: np.ndarray, kind: str, i: int, j: int, rng: np.random.Generator,
             powers: bool = True) -> tuple[float, float]:
    """(score, power): as ``symmetry_score``; for the scalings with ``powers``, also with f
    divided by s^k (k the fitted degree of homogeneity, rounded to a multiple of 1/2),
    whichever of k and 0 scores lower."""
    lo, hi = X.min(0), X.max(0)
    if kind in ("ratio", "product") and not (lo[i] > 0 and lo[j] > 0):
        return np.inf, 0.0
    rows = X[rng.choice(len(X), size=min(_TEST_ROWS, len(X)), replace=False)]
    low, high = _step_bounds(kind, rows[:, i], rows[:, j], lo, hi, i, j)
    # steps of up to a third of the smaller range (in log units for scalings)
    if kind in ("ratio", "product"):
        width = min(np.log(hi[i] / lo[i]), np.log(hi[j] / lo[j])) / 3
    else:
        width = min(hi[i] - lo[i], hi[j] - lo[j]) / 3
    low, high = np.maximum(low, -width), np.minimum(high, width)
    usable = high - low > width / 10
    if usable.sum() < 20:
        return np.inf, 0.0
    rows, low, high = rows[usable], low[usable], high[usable]
    t = low + (high - low) * rng.random(len(rows))
    base, moved = f(rows), f(_apply(kind, rows, i, j, t))
    singles = [f(_apply(kind, rows, i, j, t, which)) for which in ("i", "j")]
    alone = min(np.sqrt(np.mean((single - base) ** 2)) for single in singles)
    floor = 1e-3 * (np.std(base) or 1.0)
    if alone <= floor:  # one of the inputs hardly matters: no verdict
        return np.inf, 0.0
    score, power = float(np.sqrt(np.mean((moved - base) ** 2)) / alone), 0.0
    one_signed = all(np.all(v > 0) for v in [base, moved] + singles) or all(np.all(v < 0) for v in [base, moved] + singles)
    if powers and kind in ("ratio", "product") and one_signed:
        def degree(values):  # least-squares k in values = base·s^k
            return float(np.sum(np.log(values / base) * t) / np.sum(t * t))

        k = float(np.clip(np.round(2 * degree(moved)) / 2, -4, 4))
        # compared with what is left of each single move once its own best power is taken
        # out: an input that enters only as a power factor (m in m·c²·g(v/c)) gives no verdict
        rest = min(np.sqrt(np.mean((single * np.exp(-degree(single) * t) - base) ** 2)) for single in singles)
        if k != 0 and rest > floor:
            scaled = float(np.sqrt(np.mean((moved * np.exp(-k * t) - base) ** 2)) / rest)
            if scaled < score:
                score, power = scaled, k
    return score, power


def symmetries(f, X: np.ndarray, seed: int, tolerance: float = SYMMETRY_TOLERANCE) -> list[Merge]:
    """Every pair and combination scoring below ``tolerance``, best first."""
    rng = np.random.default_rng(seed)
    n = X.shape[1]
    found = []
    for i in range(n):
        for j in range(i + 1, n):
            for kind in ("ratio", "product", "difference", "sum"):
                score, power = symmetry(f, X, kind, i, j, rng)
                if score < tolerance:
                    found.append(Merge(kind, i, j, score, power))
    return sorted(found, key=lambda m: m.score)


def disjoint(merges: list[Merge]) -> list[Merge]:
    """The best merges (``merges`` best first) that share no input."""
    chosen, used = [], set()
    for merge in merges:
        if merge.i not in used and merge.j not in used:
            chosen.append(merge)
            used.update((merge.i, merge.j))
    return chosen


def find_merges(f, X: np.ndarray, seed: int, tolerance: float = SYMMETRY_TOLERANCE) -> list[Merge]:
    """Disjoint pairs of inputs that f sees only through one combination, best first."""
    return disjoint(symmetries(f, X, seed, tolerance))


@dataclass(frozen=True)
class Split:
    """f(x) = g(x_A) ∘ h(x_B), ∘ being "+" or "*"; ``left`` holds the input indices of A."""

    kind: str
    left: tuple[int, ...]
    right: tuple[int, ...]
    score: float


def separability_score(f, X: np.ndarray, left: list[int], kind: str, rng: np.random.Generator) -> float:
    """Interaction f(a,b) + f(a',b') − f(a,b') − f(a',b) (of log|f| for products), relative
    to the change from moving A or B alone. A product whose values take both signs (a
    factor 1 + p·cos θ) has no logarithm: there the interaction is
    f(a,b)·f(a',b') − f(a',b)·f(a,b'), relative to (f(a',b) − f(a,b))·(f(a,b') − f(a,b)),
    which is 0 for a product and exactly 1 for a sum. Measured on surrogates of six functions
    of three inputs, at noise 0 and 1 %: true products 0.005-0.025, the other splits from 0.44."""
    m = min(_TEST_ROWS, len(X))
    first, second = X[rng.choice(len(X), m, replace=False)], X[rng.choice(len(X), m, replace=False)]
    swap_a, swap_b = first.copy(), first.copy()
    swap_a[:, left] = second[:, left]  # (a', b)
    swap_b[:, left] = first[:, left]
    right = [k for k in range(X.shape[1]) if k not in left]
    swap_b[:, right] = second[:, right]  # (a, b')
    values = [f(first), f(second), f(swap_a), f(swap_b)]
    if kind == "*":
        if not all(np.all(v > 0) for v in values) and not all(np.all(v < 0) for v in values):
            ab, a2b2, a2b, ab2 = values
            moved = np.sqrt(np.mean(((a2b - ab) * (ab2 - ab)) ** 2))
            if not moved > 0:
                return np.inf
            return float(np.sqrt(np.mean((ab * a2b2 - a2b * ab2) ** 2)) / moved)
        values = [np.log(np.abs(v)) for v in values]
    ab, a2b2, a2b, ab2 = values
    interaction = np.sqrt(np.mean((ab + a2b2 - a2b - ab2) ** 2))
    alone = min(np.sqrt(np.mean((a2b - ab) ** 2)), np.sqrt(np.mean((ab2 - ab) ** 2)))
    if alone <= 1e-3 * (np.std(ab) or 1.0):
        return np.inf
    return float(interaction / alone)


def splits(f, X: np.ndarray, seed: int, tolerance: float = SEPARABILITY_TOLERANCE) -> list[Split]:
    """Every split of one input from the rest scoring below ``tolerance``: products first,
    then sums, each best first."""
    rng = np.random.default_rng(seed)
    n = X.shape[1]
    found = []
    for kind in ("*", "+"):
        scored = [Split(kind, (k,), tuple(i for i in range(n) if i != k), separability_score(f, X, [k], kind, rng))
                  for k in range(n)]
        found += sorted((split for split in scored if split.score < tolerance), key=lambda split: split.score)
    return found


def find_split(f, X: np.ndarray, seed: int, tolerance: float = SEPARABILITY_TOLERANCE) -> Split | None:
    """The best split of one input from the rest, product before sum when both pass."""
    return next(iter(splits(f, X, seed, tolerance)), None)




# Where the surrogate is this far from held-out rows (noise, mostly), its errors blur the
# tests: a true symmetry of v/c in m/sqrt(1 - v²/c²) scores 0.4 at 1 % noise, a true
# split 0.3. Verdicts up to these scores are then put to a second test: a model that has
# the reduction built in (merged inputs; a sum or product of separate blocks) is trained
# on the same rows, and the reduction stands when its held-out error is within
# ``CONFIRM_RATIO`` of the unreduced surrogate's: a model with a true reduction built in
# loses nothing but what the noise costs any fit, a false one also the interaction it
# cannot represent.
NOISY_SURROGATE = 1e-4
# the target spans at least this ratio (max |y| / min |y|) before a surrogate of ln|y| is tried
WIDE_RANGE = 10.0
UNCERTAIN_SYMMETRY = 1.0
UNCERTAIN_SPLIT = 0.5
CONFIRM_RATIO = 2.0


def merged_columns(merges: list[Merge], X: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(columns, factor, kept): each merged pair as one column, then the untouched inputs
    (``kept``), and the power factor the target is divided by."""
    used = {k for m in merges for k in (m.i, m.j)}
    kept = [k for k in range(X.shape[1]) if k not in used]
    columns = np.column_stack([m.values(X) for m in merges] + [X[:, k] for k in kept])
    factor = np.prod([m.factor_values(X) for m in merges], axis=0)
    return columns, factor, kept


def merged_error(merge: Merge, train_rows: tuple[np.ndarray, np.ndarray], held_out: tuple[np.ndarray, np.ndarray],
                 seed: int, budget: Budget | None = None) -> float:
    """The held-out error (relative, as ``Surrogate.error``) of a surrogate of y on the
    merged inputs; inf where the merged inputs or the divided target are not finite."""
    (X, y), (X_out, y_out) = train_rows, held_out
    columns, factor, _ = merged_columns([merge], X)
    if not (np.all(np.isfinite(columns)) and np.all(np.isfinite(y / factor))):
        return np.inf
    merged = Surrogate(columns, y / factor, seed, budget=budget)
    columns_out, factor_out, _ = merged_columns([merge], X_out)
    return _relative_error(merged(columns_out) * factor_out, y_out)


def confirms_merge(merge: Merge, train_rows: tuple[np.ndarray, np.ndarray], held_out: tuple[np.ndarray, np.ndarray],
                   reference: float, seed: int, budget: Budget | None = None) -> bool:
    """Whether a surrogate of y on the merged inputs is within ``CONFIRM_RATIO`` of
    ``reference`` (the unreduced surrogate's held-out error) on the held-out rows."""
    return merged_error(merge, train_rows, held_out, seed, budget) <= CONFIRM_RATIO * reference


def spans_decades(y: np.ndarray) -> bool:
    """Whether y has one sign and spans ``WIDE_RANGE`` or more: where an error of the same
    size at every row, a surrogate's of y, swamps its smallest values."""
    magnitude = np.abs(y)
    return one_signed(y) and bool(magnitude.max() >= WIDE_RANGE * magnitude.min())


def logarithmic_surrogate(X: np.ndarray, y: np.ndarray, seed: int, budget: Budget | None = None
                          ) -> Surrogate | None:
    """A surrogate of ln|y| where y spans decades (``spans_decades``), else None. A surrogate
    of y errs by about as much at every row, which swamps the smallest values, or turns them
    negative: 4π/3·a/(1 − b²)², from 0.6 down to 1e-3, has no product split on a surrogate
    of y that fits it to 4e-6, and where one is found there, its factors' data are off by
    tens of percent on the smallest values."""
    return Surrogate(X, y, seed, budget=budget, log_target=True) if spans_decades(y) else None


def separated_surrogate(split: Split, train_rows: tuple[np.ndarray, np.ndarray], seed: int,
                        budget: Budget | None = None) -> Surrogate | None:
    """A surrogate that is a sum (of ln|y| for a product) of one block per side of ``split``;
    None where a product's target is not of one sign."""
    X, y = train_rows
    if split.kind == "*" and not (np.all(y > 0) or np.all(y < 0)):
        return None
    return Surrogate(X, y, seed, budget=budget, blocks=[list(split.left), list(split.right)],
                     log_target=split.kind == "*")


def split_data(f, X: np.ndarray, split: Split) -> tuple[np.ndarray, np.ndarray, float]:
    """Surrogate values of g(x_A) and h(x_B) on the data's rows, the other part held at its
    median row, and f at that reference point (f = g·h/f_ref or g + h − f_ref)."""
    reference = np.median(X, axis=0)
    left, right = X.copy(), X.copy()
    left[:, list(split.right)] = reference[list(split.right)]
    right[:, list(split.left)] = reference[list(split.left)]
    return f(left), f(right), float(f(reference[None, :])[0])
