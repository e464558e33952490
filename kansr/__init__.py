"""kansr: discover closed-form formulas in data with Kolmogorov-Arnold Networks."""

from __future__ import annotations

from kansr.errors import DataError, KansrError, TrainingError
from kansr.model import KAN, EdgeId, KANConfig
from kansr.train import TrainConfig, fit

__all__ = ["DataError", "EdgeId", "KAN", "KANConfig", "KansrError", "TrainConfig", "TrainingError", "fit"]
__version__ = "0.1.0"
