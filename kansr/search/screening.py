"""Input screening for wide tables: which of many columns the target depends on.

The KAN paper's own answer to irrelevant inputs: train with sparsity (L1 + entropy on the
edges' activation scales) and read each input's attribution score (the share of the output
its edges carry, ``kansr.kan.prune.importance``). Inputs are ranked by that score, and
the smallest set of the top-ranked inputs is kept whose KAN, retrained on those inputs
only (starting from the regularised KAN with the other inputs' edges removed), predicts
held-out rows as well as the regularised KAN on every input
(within ``TOLERANCE``): a dropped input may not worsen the held-out error. Every
trial of the search then runs on the kept inputs, so its cost follows them, not the
table's width.

After the search, ``residual_dependence`` checks the chosen formula's residuals against
each dropped input (their mean and their spread over quantile bins of it, Bonferroni over
both tests and the dropped inputs); an input they still depend on is added back, with any
other that a KAN's residuals on the enlarged set still depend on (``completed``), and
searched again.

Below ``SCREEN_FROM`` inputs nothing is screened: the search's own wide architecture
trains with the same sparsity and prunes inputs, and reductions remove the rest.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats
from scipy.spatial import cKDTree

from kansr.budget import Budget, expired
from kansr.kan import KAN, KANConfig, TrainConfig, train
from kansr.kan.prune import importance
from kansr.symbolic import predict

SCREEN_FROM = 10
# held-out RMSE of the KAN on the kept inputs may exceed the wide KAN's by this share
TOLERANCE = 0.1
# the wide KAN: hidden nodes, grid, LBFGS steps, sparsity weight
_HIDDEN = 4
_GRID = 5
_STEPS = 60
_LAMB = 0.01
_MAX_ROWS = 1000
# significance of a dropped input's effect on the residuals (before Bonferroni)
_ALPHA = 0.01
_BINS = 10
# rows below which no dependence is tested (the rank test alone runs below 4 × _BINS)
_MIN_ROWS = 10


@dataclass(frozen=True)
class Screening:
    """Which inputs (column indices) the search runs on, which it leaves out, and each
    input's attribution score (shares of the output summing to 1)."""

    kept: tuple[int, ...]
    dropped: tuple[int, ...]
    scores: tuple[float, ...]


def _standardised(X: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    y = (y - y.mean()) / (y.std() or 1.0)
    return torch.tensor(X, dtype=torch.float64), torch.tensor(y[:, None], dtype=torch.float64)


def _split(n_rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded training and held-out rows, three to one, at most ``_MAX_ROWS`` in all."""
    rows = np.random.default_rng(seed).permutation(n_rows)[:_MAX_ROWS]
    cut = int(0.75 * len(rows))
    return rows[:cut], rows[cut:]


def _fit(x: torch.Tensor, y: torch.Tensor, train_rows: np.ndarray, val_rows: np.ndarray, lamb: float,
         seed: int, budget: Budget | None, start: KAN | None = None) -> tuple[KAN, float]:
    """A [n, hidden, 1] KAN (``start``, or a fresh one) trained on ``train_rows``; its
    held-out RMSE on ``val_rows``."""
    model = start or KAN(KANConfig(width=[x.shape[1], _HIDDEN, 1], grid_size=_GRID, seed=seed))
    train(model, x[train_rows], y[train_rows], TrainConfig(steps=_STEPS, lamb=lamb, seed=seed, val_fraction=0.0),
          budget=budget)
    with torch.no_grad():
        rmse = float(torch.sqrt(torch.mean((model(x[val_rows]) - y[val_rows]) ** 2)))
    return model, rmse


def _restricted(wide: KAN, kept: list[int]) -> KAN:
    """The sparse KAN with the edges of every input but ``kept`` removed, reading only those:
    the start for retraining on them, as the KAN paper retrains after pruning. A fresh
    start's optimisation error differs from the sparse fit's by more than ``TOLERANCE`` often
    enough that the relevant inputs alone could fail the test and a set with irrelevant
    ones pass; from the sparse fit, only what the removed inputs carried is missing."""
    restricted = KAN(KANConfig(**{**wide.config.__dict__, "width": [len(kept)] + wide.width[1:]}))
    hidden = torch.arange(wide.width[1])
    restricted.layers = torch.nn.ModuleList([wide.layers[0].select(hidden, torch.as_tensor(kept)),
                                             *[copy.deepcopy(layer) for layer in wide.layers[1:]]])
    return restricted


def screen(X: np.ndarray, y: np.ndarray, seed: int = 0, budget: Budget | None = None) -> Screening:
    """Rank the inputs of (X, y) by a sparse KAN's attribution and keep the fewest
    top-ranked ones that predict held-out rows as well (module doc)."""
    n_inputs = X.shape[1]
    train_rows, val_rows = _split(len(y), seed)
    x, target = _standardised(X, y)
    wide, wide_rmse = _fit(x, target, train_rows, val_rows, _LAMB, seed, budget)
    scores = importance(wide, x[train_rows]).nodes[0].numpy()
    scores = scores / (scores.sum() or 1.0)
    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    # the smallest top-ranked set that predicts as well: grow it one input at a time while
    # few, then by half again (the retrainings grow with its size, not the table's), and
    # where a step by half passes, bisect back between the last size that failed and it
    # (five relevant inputs would otherwise be kept as six)
    def predicts_as_well(size: int) -> bool:
        kept = sorted(order[:size])
        _, rmse = _fit(x[:, kept], target, train_rows, val_rows, 0.0, seed, budget, _restricted(wide, kept))
        return rmse <= (1 + TOLERANCE) * wide_rmse

    failed, size = 0, 1
    while size < n_inputs and not predicts_as_well(size):
        failed, size = size, size + 1 if size < 4 else int(np.ceil(1.5 * size))
    size = min(size, n_inputs)
    while size - failed > 1:
        middle = (failed + size) // 2
        failed, size = (failed, middle) if predicts_as_well(middle) else (middle, size)
    kept = sorted(order[:size])
    dropped = sorted(set(range(n_inputs)) - set(kept))
    return Screening(tuple(kept), tuple(dropped), tuple(float(s) for s in scores))


def residual_dependence(residuals: np.ndarray, X: np.ndarray, columns: tuple[int, ...]) -> list[int]:
    """The ``columns`` of X on which ``residuals`` still depend: they rise or fall with the
    column (Spearman's rank correlation), or over ``_BINS`` quantile bins of the column the
    residuals' means differ (one-way ANOVA) or their spreads do (Brown-Forsythe: Levene's
    test about the median), at ``_ALPHA`` after Bonferroni over the three tests and the
    columns tested.

    The rank test is for the commonest case, an input whose effect is monotone: it spends
    one degree of freedom where the bins spend nine, and on a small table (forty rows, four
    to a bin) only it finds a dropped factor of a monomial. Below forty rows it is the only
    test, and below ``_MIN_ROWS`` none runs.

    The spread test is for an input that enters through a product with kept inputs: a
    centre of mass (m1·r1 + m2·r2)/(m1 + m2) fitted as (r1 + r2)/2 leaves residuals
    (m2 - m1)/(m1 + m2)·(r2 - r1)/2, whose mean is 0 in every bin of m1 and whose spread
    grows with |m2 - m1|."""
    if not columns or len(residuals) < _MIN_ROWS or np.ptp(residuals) == 0:
        return []  # too few rows to test, or nothing left to depend on anything
    binned = len(residuals) >= 4 * _BINS  # the bin tests need a few rows to a bin
    found = []
    for column in columns:
        values = X[:, column]
        if np.ptp(values) == 0:
            continue
        with np.errstate(all="ignore"):
            p_values = [stats.spearmanr(values, residuals).pvalue]
            if binned:
                edges = np.unique(np.quantile(values, np.linspace(0, 1, _BINS + 1)[1:-1]))
                bins = np.searchsorted(edges, values)
                groups = [g for g in (residuals[bins == b] for b in range(len(edges) + 1)) if len(g) > 1]
                if len(groups) >= 2:
                    p_values += [stats.f_oneway(*groups).pvalue, stats.levene(*groups, center="median").pvalue]
        if any(np.isfinite(p) and p < _ALPHA / (len(p_values) * len(columns)) for p in p_values):
            found.append(column)
    return found


def completed(X: np.ndarray, y: np.ndarray, kept: list[int], seed: int = 0, budget: Budget | None = None
              ) -> list[int]:
    """``kept`` with the other columns of X added on which the residuals of a KAN trained on
    ``kept`` still depend (``residual_dependence``), again until none is added: an input can
    show only once another is in (the second mass of a centre of mass after the first). A
    few seconds of KAN training, so that the search that follows runs once, on every input
    it needs, with all the budget left."""
    train_rows, val_rows = _split(len(y), seed)
    rows = np.concatenate([train_rows, val_rows])
    while len(kept) < X.shape[1] and not expired(budget):
        x, target = _standardised(X[:, kept], y)
        model, _ = _fit(x, target, train_rows, val_rows, 0.0, seed, budget)
        with torch.no_grad():
            residuals = (target[rows] - model(x[rows])).numpy().ravel()
        back = residual_dependence(residuals, X[rows], tuple(i for i in range(X.shape[1]) if i not in kept))
        if not back:
            break
        kept = sorted(kept + back)
    return kept


def jointly_needed(residuals: np.ndarray, X: np.ndarray, kept: list[int], rest: tuple[int, ...]) -> bool:
    """Whether ``residuals`` follow the ``rest`` columns of X together with the ``kept``
    ones where no one of them need show it alone (``residual_dependence`` tests one column
    at a time, and cos(k·d), averaged over d, is flat in k): each row's residual is told
    better by its nearest other row in all those columns than in the kept ones alone
    (standardised; a one-sided Wilcoxon signed-rank test on the paired squared
    differences, at ``_ALPHA``). On 2·U·(1 − cos(k·d)) with 1 % noise the residuals of a
    line in U give p = 1e-75 on a thousand rows."""
    if not rest or len(residuals) < _MIN_ROWS:
        return False
    columns = X[:, list(kept) + list(rest)]
    spread = columns.std(axis=0)
    scaled = (columns - columns.mean(axis=0)) / np.where(spread > 0, spread, 1.0)

    def neighbour_errors(width: int) -> np.ndarray:
        _, nearest = cKDTree(scaled[:, :width]).query(scaled[:, :width], k=2)
        return (residuals - residuals[nearest[:, 1]]) ** 2

    gain = neighbour_errors(len(kept)) - neighbour_errors(len(kept) + len(rest))
    if not np.any(gain):
        return False
    return bool(stats.wilcoxon(gain, alternative="greater").pvalue < _ALPHA)


def still_needed(formula, symbols, X: np.ndarray, y: np.ndarray, kept: list[int], dropped: tuple[int, ...],
                 relative: bool = False) -> list[int]:
    """The ``dropped`` columns of X that the residuals of ``formula`` (in ``symbols``, the
    ``kept`` columns) still depend on (``residual_dependence``), taken in its error model
    (``residuals_of``)."""
    residuals = residuals_of(formula, symbols, X[:, kept], y, relative)
    return [] if residuals is None else residual_dependence(residuals, X, dropped)


def residuals_of(formula, symbols, X: np.ndarray, y: np.ndarray, relative: bool = False) -> np.ndarray | None:
    """The residuals of ``formula`` (in ``symbols``, the columns of X) in its error model:
    ln(y/f) where it was fitted with relative errors, whose additive residuals spread with
    y and hide a missing factor in that spread; None where it is undefined on some row."""
    predictions = predict(formula, symbols, X)
    if not np.all(np.isfinite(predictions)):
        return None
    residuals = y - predictions
    if relative:
        with np.errstate(all="ignore"):
            ratio = y / predictions
        if np.all(ratio > 0):
            residuals = np.log(ratio)
    return residuals


def reading_all_columns(model: KAN | None, kept: list[int], n_columns: int) -> KAN | None:
    """A KAN trained on the ``kept`` columns, reading them from the user's full data matrix
    (None where the model reads derived inputs, as a reduction's do)."""
    if model is None or model.n_data_inputs != len(kept):
        return None
    model.input_index = torch.as_tensor(kept, device=model.input_index.device)[model.input_index]
    model.n_data_inputs = n_columns
    return model
