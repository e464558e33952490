"""kansr: discover closed-form formulas in data with Kolmogorov-Arnold Networks.

>>> import kansr
>>> result = kansr.discover("data.csv")          # doctest: +SKIP
>>> result.formula, result.r2, result.front      # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# The public names load their modules when first used (PEP 562): importing kansr loaded
# PyTorch, sympy, pandas and scikit-learn (3.4 s), so that `kansr --help`, or a bad file's
# one-line error, took as long as that
_EXPORTS = {
    "DataError": "kansr.errors", "KansrError": "kansr.errors", "TrainingError": "kansr.errors",
    "KANSymbolicRegressor": "kansr.estimator",
    "KAN": "kansr.kan", "EdgeId": "kansr.kan", "KANConfig": "kansr.kan", "TrainConfig": "kansr.kan",
    "TrainReport": "kansr.kan", "train": "kansr.kan",
    "KANRegressor": "kansr.kan_regressor",
    "plot_fit": "kansr.plot", "plot_front": "kansr.plot", "plot_kan": "kansr.plot",
    "DiscoverConfig": "kansr.search", "Result": "kansr.search", "discover": "kansr.search",
    "SymbolicFunction": "kansr.symbolic", "get_library": "kansr.symbolic", "make_function": "kansr.symbolic",
}

if TYPE_CHECKING:
    from kansr.errors import DataError, KansrError, TrainingError
    from kansr.estimator import KANSymbolicRegressor
    from kansr.kan import KAN, EdgeId, KANConfig, TrainConfig, TrainReport, train
    from kansr.kan_regressor import KANRegressor
    from kansr.plot import plot_fit, plot_front, plot_kan
    from kansr.search import DiscoverConfig, Result, discover
    from kansr.symbolic import SymbolicFunction, get_library, make_function

__all__ = ["DataError", "DiscoverConfig", "EdgeId", "KAN", "KANConfig", "KANRegressor", "KANSymbolicRegressor", "KansrError",
           "Result", "SymbolicFunction", "TrainConfig", "TrainReport", "TrainingError", "discover",
           "get_library", "make_function", "plot_fit", "plot_front", "plot_kan", "train"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # once: later uses are plain lookups
        return value
    raise AttributeError(f"module 'kansr' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
