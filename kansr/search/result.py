"""What ``discover`` returns: ``Result``, and the front as a table."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sympy

from kansr.kan import KAN
from kansr.search.candidate import Candidate
from kansr.symbolic import predict


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
        return predict(self.formula, self.symbols, np.asarray(X, dtype=float))

    def latex(self) -> str:
        return sympy.latex(self.formula)


def front_table(front: list[Candidate], variance: float) -> pd.DataFrame:
    """The Pareto front as ``Result.front``: complexity, rmse, r2, formula, val_nmse, attempt,
    simplest first (rmse and r2 held out; ``variance``: var(y), which turns the normalised
    error into an RMSE)."""
    return pd.DataFrame({
        "complexity": [c.complexity for c in front],
        "rmse": [float(np.sqrt(c.val_nmse * variance)) for c in front],
        "r2": [1 - c.val_nmse for c in front],
        "formula": [c.formula for c in front],
        "val_nmse": [c.val_nmse for c in front],
        "attempt": [c.attempt for c in front],
    })
