"""The KAN paper's sparsity regularisation: edge activation scales, L1 and entropy."""

from __future__ import annotations

import torch
from torch import Tensor


def activation_scale(edge_values: Tensor) -> Tensor:
    """Standard deviation of each edge's output over the batch.

    Constant offsets are ignored: node biases can take them over for free.
    edge_values : Tensor, shape (batch, out, in) -> Tensor, shape (out, in)
    """
    return edge_values.std(dim=0)


def regularization(
    edges: list[Tensor], inputs: list[Tensor], lamb_l1: float, lamb_entropy: float
) -> Tensor:
    """L1 of the edges' activation scales plus μ · entropy of the layer's scale shares.

    As in the KAN paper (eq. 2.20), with each edge's scale taken relative to the spread
    of its input (std(out) / (std(in) + 0.1), as pykan does), so that a layer fed by a
    wide-ranging node is not penalised for merely passing it on. The entropy is taken
    over all edges of a layer, which concentrates a layer's work on few edges and so on
    few hidden nodes.

    edges : list of Tensor, shape (batch, out, in), one per layer.
    inputs : list of Tensor, shape (batch, in), one per layer.
    """
    total = edges[0].new_zeros(())
    for edge_values, layer_input in zip(edges, inputs):
        scale = activation_scale(edge_values) / (layer_input.std(dim=0) + 0.1)  # (out, in)
        shares = scale / (scale.sum() + 1e-8)  # (out, in)
        entropy = -(shares * torch.log(shares + 1e-8)).sum()
        total = total + lamb_l1 * scale.sum() + lamb_entropy * entropy
    return total
