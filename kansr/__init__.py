"""kansr: discover closed-form formulas in data with Kolmogorov-Arnold Networks.

>>> import kansr
>>> result = kansr.discover("data.csv")          # doctest: +SKIP
>>> result.formula, result.r2, result.front      # doctest: +SKIP
"""

from __future__ import annotations

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
