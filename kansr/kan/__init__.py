"""The network: B-spline KAN layers, training with sparsity and grid extension, pruning.
No sympy and no search here."""

from kansr.kan.continual import Memory, learn_locally
from kansr.kan.layer import KANLayer
from kansr.kan.model import KAN, EdgeId, ForwardTrace, KANConfig
from kansr.kan.prune import Importance, importance, mask_model, prune, prune_masks
from kansr.kan.regularization import activation_scale, regularization
from kansr.kan.train import TrainConfig, TrainReport, train

__all__ = ["EdgeId", "Memory", "ForwardTrace", "Importance", "KAN", "KANConfig", "KANLayer", "TrainConfig", "TrainReport",
           "activation_scale", "importance", "learn_locally", "mask_model", "prune", "prune_masks", "regularization", "train"]
