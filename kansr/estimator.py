"""KANSymbolicRegressor: scikit-learn estimator around ``discover``."""

from __future__ import annotations

import numpy as np
import sympy
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from kansr.data import MIN_ROWS
from kansr.search import DiscoverConfig, discover


class KANSymbolicRegressor(RegressorMixin, BaseEstimator):
    """Symbolic regression with Kolmogorov-Arnold Networks, scikit-learn style.

    Parameters
    ----------
    seed : int, default 0
        Same data and seed give the same formula.
    time_budget : float or None, default 120.0
        Seconds for the whole search.
    steps : int, default 100
        LBFGS steps per training stage.
    transforms : tuple of str or None, default None
        Data transforms to try (see ``DiscoverConfig``); None: the defaults.
    architectures : tuple of str or None, default None
        KAN shapes to try (see ``DiscoverConfig``); None: the defaults.
    verbose : bool, default False
        Progress on stderr.

    Attributes
    ----------
    result_ : kansr.pipeline.Result
    equations_ : DataFrame
        The Pareto front: complexity, rmse, r2, formula.
    n_features_in_ : int
    feature_names_in_ : ndarray of str (only when X was a DataFrame)
    """

    def __init__(self, seed=0, time_budget=120.0, steps=100, transforms=None, architectures=None, verbose=False):
        self.seed = seed
        self.time_budget = time_budget
        self.steps = steps
        self.transforms = transforms
        self.architectures = architectures
        self.verbose = verbose

    def _config(self) -> DiscoverConfig:
        overrides = {"steps": self.steps}
        if self.transforms is not None:
            overrides["transforms"] = tuple(self.transforms)
        if self.architectures is not None:
            overrides["architectures"] = tuple(self.architectures)
        return DiscoverConfig(**overrides)

    def fit(self, X, y):
        """Search for a formula y = f(X). X: array (n_samples, n_features) or DataFrame."""
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        if X.shape[0] < MIN_ROWS:
            raise ValueError(f"n_samples = {X.shape[0]}: at least {MIN_ROWS} rows are needed")
        names = (list(self.feature_names_in_) if hasattr(self, "feature_names_in_")
                 else [f"x{i}" for i in range(X.shape[1])])
        self.result_ = discover((X, y, names), target="_target_", seed=self.seed, time_budget=self.time_budget,
                                config=self._config(), verbose=self.verbose)
        self.equations_ = self.result_.front
        return self

    def predict(self, X) -> np.ndarray:
        """Values of the chosen formula on X, shape (n_samples,)."""
        check_is_fitted(self, "result_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.result_.predict(X)

    def sympy(self) -> sympy.Expr:
        """The chosen formula."""
        check_is_fitted(self, "result_")
        return self.result_.formula

    def latex(self) -> str:
        check_is_fitted(self, "result_")
        return self.result_.latex()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # a short budget may find only a rough formula
        return tags

