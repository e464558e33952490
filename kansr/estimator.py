"""KANSymbolicRegressor: the scikit-learn estimator around ``kansr.discover``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import sympy
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from kansr.data import MIN_ROWS, Dataset, load
from kansr.search import DiscoverConfig, discover


def seed_of(random_state) -> int:
    """An int seed from scikit-learn's ``random_state`` (an int is itself; None or a
    RandomState draw one)."""
    if isinstance(random_state, (int, np.integer)):
        return int(random_state)
    return int(check_random_state(random_state).randint(2**31 - 1))


class KANSymbolicRegressor(RegressorMixin, BaseEstimator):
    """Symbolic regression with Kolmogorov-Arnold Networks, scikit-learn style.

    ``fit`` runs ``kansr.discover`` on (X, y); ``predict`` evaluates the formula it chose.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=0
        Seeds the search: the same data and the same int give the same formula. None or a
        RandomState draws a seed from it.
    time_budget : float or None, default=120.0
        Seconds for the whole search; the best formula so far is kept when they are spent.
        None: no limit.
    steps : int or None, default=None
        LBFGS steps per training stage; None: ``config``'s (100 by default).
    transforms : tuple of str or None, default=None
        Data transforms to try (see ``DiscoverConfig``); None: ``config``'s.
    architectures : tuple of str or None, default=None
        KAN shapes to try (see ``DiscoverConfig``); None: ``config``'s.
    config : DiscoverConfig or None, default=None
        Every other setting of the search; None: the defaults. ``steps``, ``transforms`` and
        ``architectures``, where given, take precedence over its fields.
    units : dict or None, default=None
        Physical units of the features (feature name -> unit string such as "kg m s^-2", or
        exponents of m, s, kg, K, V, mol; ``x0``, ``x1``, ... for arrays without names), with
        ``target_units``: the search then runs on dimensionless groups and every formula
        is dimensionally consistent (see ``kansr.discover``).
    target_units : str, tuple or None, default=None
        Units of y; needed with ``units``.
    constant_units : bool, default=False
        With ``units``: let constants carry units (a law with a dimensional constant that
        is not a feature, or a scale of its own); needed where y's units are no product of
        powers of the features' (see ``kansr.discover``).
    verbose : bool, default=False
        Progress lines on stderr.

    Attributes
    ----------
    result_ : kansr.Result
        Everything ``discover`` found.
    equations_ : DataFrame
        The Pareto front: complexity, rmse, r2, formula, ...
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names; the formula uses them.

    Examples
    --------
    >>> import numpy as np
    >>> from kansr import KANSymbolicRegressor
    >>> X = np.random.default_rng(0).uniform(1, 3, size=(200, 2))
    >>> model = KANSymbolicRegressor(random_state=0, time_budget=60).fit(X, X[:, 0] * X[:, 1])
    >>> model.sympy()
    x0*x1
    >>> round(model.score(X, X[:, 0] * X[:, 1]), 6)
    1.0
    """

    def __init__(self, *, random_state=0, time_budget=120.0, steps=None, transforms=None, architectures=None,
                 config=None, units=None, target_units=None, constant_units=False, verbose=False):
        self.random_state = random_state
        self.time_budget = time_budget
        self.steps = steps
        self.transforms = transforms
        self.architectures = architectures
        self.config = config
        self.units = units
        self.target_units = target_units
        self.constant_units = constant_units
        self.verbose = verbose

    def _config(self) -> DiscoverConfig:
        config = self.config if self.config is not None else DiscoverConfig()
        overrides = {}
        if self.steps is not None:
            overrides["steps"] = int(self.steps)
        if self.transforms is not None:
            overrides["transforms"] = tuple(self.transforms)
        if self.architectures is not None:
            overrides["architectures"] = tuple(self.architectures)
        return replace(config, **overrides)

    def _seed(self) -> int:
        return seed_of(self.random_state)

    def fit(self, X, y, sample_weight=None):
        """Search for a formula y = f(X).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Each row's weight in the fits' squared errors (1/σ² for a row of uncertainty σ);
            rows of weight 0 are left out. The weights' scale is not read: the constants'
            errors come from the rows' scatter.

        Returns
        -------
        self : KANSymbolicRegressor
        """
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        if X.shape[0] < MIN_ROWS:
            raise ValueError(f"n_samples = {X.shape[0]}: at least {MIN_ROWS} rows are needed")
        names = (list(self.feature_names_in_) if hasattr(self, "feature_names_in_")
                 else [f"x{i}" for i in range(X.shape[1])])
        units = None
        if self.units is not None:
            if self.target_units is None:
                raise ValueError("units needs target_units: the units of y")
            units = {**dict(self.units), "_target_": self.target_units}
        data = (X, y, names)
        if sample_weight is not None:
            data = _weighted(X, y, names, sample_weight)
        self.result_ = discover(data, target="_target_", seed=self._seed(), time_budget=self.time_budget,
                                config=self._config(), verbose=self.verbose, units=units,
                                constant_units=self.constant_units)
        self.equations_ = self.result_.front
        return self

    def predict(self, X, return_std: bool = False):
        """Values of the chosen formula.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        return_std : bool
            Also return each value's standard error from the fitted constants' covariance
            (``Result.predict``; as scikit-learn's Gaussian process and Bayesian ridge
            regressors return theirs).

        Returns
        -------
        ndarray of shape (n_samples,), and with ``return_std`` a second of the same shape
        """
        check_is_fitted(self, "result_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.result_.predict(X, return_std=return_std)

    def sympy(self) -> sympy.Expr:
        """The chosen formula, in the feature names (x0, x1, ... for arrays)."""
        check_is_fitted(self, "result_")
        return self.result_.formula

    def latex(self) -> str:
        """The chosen formula as LaTeX."""
        check_is_fitted(self, "result_")
        return self.result_.latex()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # a short budget may find only a rough formula
        return tags


def _weighted(X: np.ndarray, y: np.ndarray, names: list[str], sample_weight) -> Dataset:
    """The rows of positive weight as a Dataset whose rows the fits weigh by them
    (``Dataset.sigma`` = 1/√weight, without a column's name: no χ² is read from weights
    whose scale is arbitrary)."""
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != y.shape:
        raise ValueError(f"sample_weight has shape {weights.shape}; y has {y.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("sample_weight must be finite and not negative")
    kept = weights > 0
    if kept.sum() < MIN_ROWS:
        raise ValueError(f"sample_weight is zero on all but {int(kept.sum())} rows: at least {MIN_ROWS} rows "
                         "of positive weight are needed")
    dataset = load((X[kept], y[kept], names), target="_target_")
    return replace(dataset, sigma=1 / np.sqrt(weights[kept]))
