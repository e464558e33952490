"""Method adapters: a method takes (X, y, names, seed, time_budget) and returns a formula
string, or (formula string, dict of details to record, such as {"attempt": ...}).

With ``kansr bench --units``, a method is also given ``units=`` (column -> exponents of
m, s, kg, K, V; the target as ``_target_``). Methods are named: ``kansr`` (default), ``pykan`` (pykan's documented symbolic-regression
recipe, when pykan is installed), ``gplearn`` and ``operon`` (with SRBench's settings,
when their packages are installed; ``kansr.bench.peers``), or ``package.module:function``
for any callable with the same signature.
"""

from __future__ import annotations

import importlib
import tempfile
from typing import Callable

import numpy as np

from kansr.bench.peers import run_gplearn, run_operon  # their packages are imported only when run

Method = Callable[[np.ndarray, np.ndarray, list, int, float], "str | tuple[str, dict]"]


def run_kansr(X: np.ndarray, y: np.ndarray, names: list[str], seed: int, time_budget: float,
              units: dict | None = None) -> tuple[str, dict]:
    from kansr.search import discover

    result = discover((X, y, names), target="_target_", seed=seed, time_budget=time_budget, verbose=False,
                      units=units)
    return str(result.formula), {"attempt": result.attempt}


def run_pykan(X: np.ndarray, y: np.ndarray, names: list[str], seed: int, time_budget: float) -> str:
    """pykan's recipe from its README/tutorials: train with λ, prune, refine, auto_symbolic, refit."""
    import sympy
    import torch
    from kan import KAN as PyKAN  # optional dependency

    torch.set_default_dtype(torch.float64)
    x_t = torch.tensor(X, dtype=torch.float64)
    y_t = torch.tensor(y[:, None], dtype=torch.float64)
    dataset = {"train_input": x_t, "train_label": y_t, "test_input": x_t, "test_label": y_t}
    with tempfile.TemporaryDirectory() as scratch:  # pykan logs its history to files
        model = PyKAN(width=[X.shape[1], 5, 1], grid=5, k=3, seed=seed, auto_save=False,
                      ckpt_path=scratch)
        model.fit(dataset, opt="LBFGS", steps=50, lamb=0.001)
        model = model.prune()
        model.fit(dataset, opt="LBFGS", steps=50)
        model.auto_symbolic()
        model.fit(dataset, opt="LBFGS", steps=50)
        formula = model.symbolic_formula()[0][0]
    mapping = {sympy.Symbol(f"x_{i + 1}"): sympy.Symbol(n) for i, n in enumerate(names)}
    return str(formula.xreplace(mapping))


METHODS: dict[str, Method] = {"kansr": run_kansr, "pykan": run_pykan, "gplearn": run_gplearn, "operon": run_operon}


def resolve(name: str) -> Method:
    """The adapter called ``name``, or the callable ``module:function``."""
    if name in METHODS:
        return METHODS[name]
    if ":" in name:
        module, function = name.split(":", 1)
        return getattr(importlib.import_module(module), function)
    raise ValueError(f"unknown method {name!r}; known: {', '.join(METHODS)} or module:function")
