"""What ``discover`` returns (``Result``) and how it picks among candidates (Pareto front, choice)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sympy

from kansr.model import KAN
from kansr.symbolic import compose


@dataclass(frozen=True)
class Result:
    """What ``discover`` found.

    Attributes
    ----------
    formula : sympy.Expr, in the input names
    r2, rmse : float
        On all rows.
    complexity : int
        Expression-tree size of ``formula``.
    seconds : float
    front : DataFrame
        Pareto-optimal formulas: complexity, rmse, r2, formula (sympy), val_nmse.
    names : list of str
    target : str
    kan : KAN or None
        The trained, pruned KAN the formula came from.
    attempt : str
        Which transform/architecture produced it, e.g. "log/additive".
    timings : dict
        Seconds per stage (train, prune, symbolic fit, compose, refit/snap/simplify).
    stopped : str or None
        "time budget" when the budget ran out before every alternative was tried.
    """

    formula: sympy.Expr
    r2: float
    rmse: float
    complexity: int
    seconds: float
    front: pd.DataFrame
    names: list[str]
    target: str
    kan: KAN | None = None
    stopped: str | None = None
    renamed: dict = field(default_factory=dict)
    seed: int = 0
    attempt: str = ""
    timings: dict = field(default_factory=dict)

    @property
    def symbols(self) -> list[sympy.Symbol]:
        return [sympy.Symbol(name) for name in self.names]

    def predict(self, X) -> np.ndarray:
        """Evaluate the formula on X (n_samples, n_inputs): array or DataFrame with the input columns."""
        if isinstance(X, pd.DataFrame):
            X = X.rename(columns=self.renamed)[self.names].to_numpy(dtype=float)
        return compose.predict(self.formula, self.symbols, np.asarray(X, dtype=float))

    def latex(self) -> str:
        return sympy.latex(self.formula)

    def plot(self, kind: str = "kan", path=None, data=None):
        """A matplotlib Figure: "kan" (the network), "front" (Pareto front) or "fit" (needs ``data``)."""
        from kansr import plot

        if kind == "kan":
            return plot.plot_kan(self, path)
        if kind == "front":
            return plot.plot_front(self, path)
        if kind == "fit":
            return plot.plot_fit(self, data, path)
        raise ValueError(f"unknown plot kind {kind!r}; use 'kan', 'front' or 'fit'")


def _pareto(candidates: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(candidates).sort_values(["complexity", "val_nmse"], ignore_index=True)
    keep, best = [], np.inf
    for i, row in table.iterrows():
        if row.val_nmse < best:
            keep.append(i)
            best = row.val_nmse
    return table.loc[keep].reset_index(drop=True)


def _choose(front: pd.DataFrame, slack: float = 1e-14) -> pd.Series:
    """The least complex formula whose held-out error is at most 1.5 × the best + ``slack``.

    The default slack is machine precision: a saturated function can approximate an exact
    formula to 3e-13 (6440·atan(890201·tanh(t)/11) for 1/(exp(2t) - 1) in III.4.33); the exact
    formulas of the benchmark fit to below 1e-16."""
    best = front.val_nmse.min()
    good = front[front.val_nmse <= 1.5 * best + slack]
    return good.sort_values("complexity").iloc[0]
