"""KAN: a stack of KAN layers built from a width list such as [3, 5, 1]."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import torch
from torch import Tensor, nn

from kansr.kan.layer import KANLayer


class EdgeId(NamedTuple):
    """Address of one edge: layer index, input node index, output node index."""

    layer: int
    in_idx: int
    out_idx: int


@dataclass(frozen=True)
class KANConfig:
    """Architecture of a KAN.

    Attributes
    ----------
    width : list of int
        Nodes per layer, inputs first, e.g. ``[3, 5, 1]``.
    grid_size : int
        Initial grid intervals per edge.
    spline_order : int
    grid_range : tuple of float
        Initial input range of every layer (the grid follows the data once trained).
    dtype : torch.dtype
    device : str
    seed : int
        Seeds the parameter initialisation (no global RNG is touched).
    multiply_layers : tuple of int
        Indices of layers whose nodes multiply their inputs instead of summing them.
    """

    width: list[int] = field(default_factory=lambda: [2, 5, 1])
    grid_size: int = 5
    spline_order: int = 3
    grid_range: tuple[float, float] = (-1.0, 1.0)
    dtype: torch.dtype = torch.float64
    device: str = "cpu"
    seed: int = 0
    multiply_layers: tuple[int, ...] = ()


class ForwardTrace(NamedTuple):
    """Output plus what every layer saw: inputs (batch, in) and edge outputs (batch, out, in)."""

    output: Tensor
    inputs: list[Tensor]
    edges: list[Tensor]


class KAN(nn.Module):
    """Kolmogorov–Arnold network.

    ``input_index`` (a buffer) lists which columns of the data the first layer reads,
    so a pruned KAN still takes the original data matrix.
    """

    def __init__(self, config: KANConfig, n_data_inputs: int | None = None) -> None:
        super().__init__()
        if len(config.width) < 2 or min(config.width) < 1:
            raise ValueError(f"width must list at least two positive sizes, got {config.width}")
        self.config = config
        generator = torch.Generator().manual_seed(config.seed)
        self.layers = nn.ModuleList()
        for index, (n_in, n_out) in enumerate(zip(config.width[:-1], config.width[1:])):
            layer = KANLayer(n_in, n_out, config.grid_size, config.spline_order, config.grid_range,
                             config.dtype, multiply=index in config.multiply_layers)
            layer.reset_parameters(generator)
            self.layers.append(layer.to(config.device))
        self.n_data_inputs = n_data_inputs or config.width[0]
        self.register_buffer("input_index", torch.arange(config.width[0], device=config.device))
        # labels of the data columns, for diagrams (set by whoever knows them)
        self.input_names: list[str] | None = None

    @property
    def width(self) -> list[int]:
        return [self.layers[0].in_features] + [layer.out_features for layer in self.layers]

    def _select_inputs(self, x: Tensor) -> Tensor:
        if x.shape[1] != self.n_data_inputs:
            raise ValueError(f"expected {self.n_data_inputs} input columns, got {x.shape[1]}")
        if self.width[0] == self.n_data_inputs:
            return x
        return x.index_select(1, self.input_index)

    def input_basis(self, x: Tensor) -> Tensor:
        """B-spline bases of the first layer at data ``x``; valid until the grid changes.

        Training computes it once per grid and passes it to ``trace``, since the data
        (unlike the hidden layers' inputs) do not change between steps.
        """
        with torch.no_grad():
            return self.layers[0].basis(self._select_inputs(x))

    def trace(self, x: Tensor, input_basis: Tensor | None = None) -> ForwardTrace:
        """Forward pass that also returns each layer's inputs and edge outputs.

        ``input_basis``: ``self.input_basis(x)``, to skip recomputing it.
        """
        h = self._select_inputs(x)
        inputs, edges = [], []
        for index, layer in enumerate(self.layers):
            inputs.append(h)
            edge_values = layer.edge_outputs(h, input_basis if index == 0 else None)  # (batch, out, in)
            edges.append(edge_values)
            h = layer.combine(edge_values)
        return ForwardTrace(h, inputs, edges)

    def forward(self, x: Tensor) -> Tensor:
        """x : Tensor, shape (batch, n_data_inputs) -> Tensor, shape (batch, width[-1])."""
        h = self._select_inputs(x)
        for layer in self.layers:
            h = layer(h)
        return h

    @torch.no_grad()
    def update_grid(self, x: Tensor, grid_size: int | None = None) -> None:
        """Let every layer's grid follow the samples it sees (optionally with a new size)."""
        h = self._select_inputs(x)
        for layer in self.layers:
            layer.update_grid(h, grid_size)
            h = layer(h)

    @torch.no_grad()
    def extend_grids(self, x: Tensor) -> list[tuple[int, int]]:
        """Extend every layer's grid, knots kept, to cover what the layer sees on samples
        ``x`` (``KANLayer.extend_grid``); the network's function is unchanged everywhere.
        Returns the intervals added to each layer's grid (left, right)."""
        h = self._select_inputs(x)
        added = []
        for layer in self.layers:
            added.append(layer.extend_grid(h))
            h = layer(h)
        return added

    def edges(self) -> list[EdgeId]:
        """All unmasked edges."""
        return [
            EdgeId(l, int(i), int(o))
            for l, layer in enumerate(self.layers)
            for o, i in layer.mask.nonzero().tolist()
        ]
