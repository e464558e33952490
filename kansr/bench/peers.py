"""Peer symbolic-regression methods as bench methods: gplearn and Operon, each with the
settings SRBench gives it, each optional.

Settings (cavalab/srbench):

- gplearn, ``experiment/methods/gplearn/regressor.py``: tournaments of 20, initial depth
  2-6 by half and half, mean absolute error, parsimony 0.001, crossover 0.9, subtree, hoist
  and point mutation 0.01 each, point replacement 0.05, all rows, functions add, sub, mul,
  div, log, sqrt, sin, cos, 1000 programs for 500 generations. gplearn has no clock of
  its own, so generations run in slices (its ``warm_start``) until the time budget is spent.
- Operon, ``experiment/methods/operon/regressor.py``: its ``default_params`` (basic
  offspring generator, BTC initialisation, objectives R² and length, ε 1e-5, one
  optimiser iteration, keep-best reinsertion, tournaments, brood 5, 1000 individuals, 10⁶
  evaluations, model chosen by minimum description length), one thread, ``max_time`` the
  time budget. SRBench tunes the symbol set and the maximum length with optuna over 100
  trials; one trial here takes the richest of its symbol sets and the longest of its
  lengths (50), so that the whole budget goes to one search.

Each adapter returns a formula string in the problem's column names that
``kansr.bench.problems.parse_formula`` reads.
"""

from __future__ import annotations

import importlib.util
import time

import numpy as np
import sympy

GPLEARN_SETTINGS = dict(tournament_size=20, init_depth=(2, 6), init_method="half and half",
                        metric="mean absolute error", parsimony_coefficient=0.001, p_crossover=0.9,
                        p_subtree_mutation=0.01, p_hoist_mutation=0.01, p_point_mutation=0.01,
                        p_point_replace=0.05, max_samples=1.0,
                        function_set=("add", "sub", "mul", "div", "log", "sqrt", "sin", "cos"),
                        population_size=1000)
GPLEARN_GENERATIONS = 500
_GENERATIONS_PER_SLICE = 5

OPERON_SETTINGS = dict(offspring_generator="basic", initialization_method="btc", objectives=["r2", "length"],
                       epsilon=1e-5, optimizer_iterations=1, reinserter="keep-best", max_evaluations=int(1e6),
                       female_selector="tournament", male_selector="tournament", brood_size=5,
                       population_size=1000, pool_size=None, model_selection_criterion="minimum_description_length",
                       allowed_symbols="add,sub,mul,div,sin,cos,exp,log,sqrt,pow,constant,variable", max_length=50,
                       n_threads=1)

# the package each peer needs, and how to install it
REQUIREMENTS = {"gplearn": ("gplearn", "pip install 'kansr[peers]'"),
                "operon": ("pyoperon", "pip install 'kansr[peers]'")}


def unavailable(method: str) -> str | None:
    """Why ``method`` cannot run here (one line), or None where it can."""
    if method not in REQUIREMENTS:
        return None
    package, install = REQUIREMENTS[method]
    if importlib.util.find_spec(package) is None:
        return f"method {method} needs the package {package} ({install}); skipped"
    return None


def gplearn_formula(program: str, names: list[str]) -> sympy.Expr:
    """gplearn's program text (``add(mul(X0, X1), 0.5)``) as a sympy formula in ``names``,
    with gplearn's protected operators written as what they compute on the rows where
    they are not protecting: division as a/b, log and sqrt of |x|."""
    operators = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
                 "div": lambda a, b: a / b, "log": lambda a: sympy.log(sympy.Abs(a)),
                 "sqrt": lambda a: sympy.sqrt(sympy.Abs(a)), "sin": sympy.sin, "cos": sympy.cos,
                 "neg": lambda a: -a, "inv": lambda a: 1 / a, "abs": sympy.Abs}
    variables = {f"X{i}": sympy.Symbol(name) for i, name in enumerate(names)}
    return sympy.sympify(program, locals={**operators, **variables})


def run_gplearn(X: np.ndarray, y: np.ndarray, names: list[str], seed: int, time_budget: float) -> str:
    from gplearn.genetic import SymbolicRegressor  # optional dependency

    class Regressor(SymbolicRegressor):
        def _validate_data(self, *args, **kwargs):
            # gplearn 0.4 calls the estimator method scikit-learn 1.6 replaced by a function
            from sklearn.utils.validation import validate_data

            return validate_data(self, *args, **kwargs)

    start = time.monotonic()
    model = (SymbolicRegressor if hasattr(SymbolicRegressor, "_validate_data") else Regressor)(**GPLEARN_SETTINGS, generations=_GENERATIONS_PER_SLICE, random_state=seed,
                              warm_start=True)
    model.fit(X, y)
    per_slice = time.monotonic() - start
    # programs grow over the generations, and slices with them: the last slice's time
    # predicts the next one's
    while model.generations < GPLEARN_GENERATIONS and time.monotonic() - start + per_slice <= time_budget:
        model.set_params(generations=min(model.generations + _GENERATIONS_PER_SLICE, GPLEARN_GENERATIONS))
        began = time.monotonic()
        model.fit(X, y)
        per_slice = time.monotonic() - began
    return str(gplearn_formula(str(model._program), names))


def run_operon(X: np.ndarray, y: np.ndarray, names: list[str], seed: int, time_budget: float) -> str:
    from pyoperon.sklearn import SymbolicRegressor  # optional dependency

    model = SymbolicRegressor(**OPERON_SETTINGS, max_time=max(1, int(time_budget)), random_state=seed)
    # pyoperon's wheels compute in single precision and reject double-precision targets
    model.fit(np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.float32))
    return model.get_model_string(model.model_, 6, names).replace("^", "**")
