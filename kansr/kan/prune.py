"""Edge and node attribution, and pruning to a smaller KAN of the same class."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from kansr.kan.model import KAN, KANConfig
from kansr.kan.regularization import activation_scale


@dataclass(frozen=True)
class Importance:
    """Attribution scores in [0, 1], propagated back from the outputs.

    ``edges[l]`` has shape (out, in) for layer l; ``nodes[l]`` has one score per node of
    layer l's input side (``nodes[-1]`` are the outputs, all 1).
    """

    edges: list[Tensor]
    nodes: list[Tensor]


@torch.no_grad()
def importance(model: KAN, x: Tensor) -> Importance:
    """Share of each output's attribution carried by each edge and node.

    An output node has score 1. A node passes its score to its incoming edges in
    proportion to their mean |activation|; a node's score is the sum of its outgoing
    edges' scores.
    """
    trace = model.trace(x)
    node_score = torch.ones(model.width[-1], dtype=x.dtype, device=x.device)
    edges, nodes = [], [node_score]
    for edge_values in reversed(trace.edges):
        scale = activation_scale(edge_values)  # (out, in)
        shares = scale / scale.sum(dim=1, keepdim=True).clamp_min(1e-12)  # (out, in)
        edge_score = shares * node_score[:, None]  # (out, in)
        node_score = edge_score.sum(dim=0)  # (in,)
        edges.insert(0, edge_score)
        nodes.insert(0, node_score)
    return Importance(edges, nodes)


@torch.no_grad()
def prune_masks(model: KAN, x: Tensor, threshold: float = 0.01) -> tuple[list[Tensor], list[Tensor]]:
    """Which nodes and edges to keep: bool masks per layer (nodes[l]: layer l's inputs)."""
    scores = importance(model, x)
    keep_nodes = [score > threshold for score in scores.nodes]
    keep_nodes[-1] = torch.ones_like(keep_nodes[-1])
    keep_edges = []
    for l, edge_score in enumerate(scores.edges):
        keep = (edge_score > threshold) & (model.layers[l].mask > 0)
        keep &= keep_nodes[l][None, :] & keep_nodes[l + 1][:, None]
        keep_edges.append(keep)
    # a hidden node with no remaining input or output edge is dead
    for l in range(1, len(keep_nodes) - 1):
        keep_nodes[l] &= keep_edges[l - 1].any(dim=1) & keep_edges[l].any(dim=0)
    return keep_nodes, keep_edges


def mask_model(model: KAN, keep_nodes: list[Tensor], keep_edges: list[Tensor]) -> KAN:
    """A copy of ``model`` with every dropped edge, and every edge touching a dropped node, masked."""
    masked = copy.deepcopy(model)
    for l, layer in enumerate(masked.layers):
        keep = keep_edges[l] & keep_nodes[l][None, :] & keep_nodes[l + 1][:, None]
        layer.mask.mul_(keep.to(layer.mask.dtype))
    return masked


@torch.no_grad()
def prune(model: KAN, x: Tensor, threshold: float = 0.01) -> KAN:
    """Remove edges and nodes whose attribution is at most ``threshold``.

    Returns a new, smaller KAN whose predictions equal those of ``mask_model`` on the
    original (unused inputs dropped from ``input_index``; it still takes all data columns).
    """
    keep_nodes, keep_edges = prune_masks(model, x, threshold)
    masked = mask_model(model, keep_nodes, keep_edges)
    kept = [node.nonzero().flatten() for node in keep_nodes]  # indices per layer
    for l in range(len(kept) - 1):
        if len(kept[l]) == 0:  # keep one node so the network stays well-formed
            kept[l] = torch.zeros(1, dtype=torch.long, device=x.device)
    width = [len(k) for k in kept]
    config = KANConfig(**{**model.config.__dict__, "width": width})
    pruned = KAN(config, n_data_inputs=model.n_data_inputs)
    pruned.input_index = model.input_index[kept[0]].clone()
    pruned.input_names = model.input_names
    pruned.layers = nn.ModuleList(old.select(kept[l + 1], kept[l]) for l, old in enumerate(masked.layers))
    return pruned
