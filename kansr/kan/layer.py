"""One KAN layer: every edge (out, in) carries its own 1-D function.

Edge function: ``w_base * silu(x) + w_spline * spline(x)``, or, once fixed to a
symbolic candidate, ``c * f(a * x + b) + d``. Nodes sum their incoming edges and add
a bias.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from kansr.kan import spline

TorchFn = Callable[[Tensor], Tensor]


class KANLayer(nn.Module):
    """A fully connected KAN layer.

    Parameters
    ----------
    in_features, out_features : int
    multiply : bool
        Nodes multiply their incoming edges instead of summing them (KAN 2.0's
        multiplication nodes), so products and quotients are structure, not approximations.
    grid_size : int
        Number of grid intervals over the input range.
    spline_order : int
        B-spline order (3 = cubic).
    grid_range : tuple of float
        Initial input range; ``update_grid`` moves it to follow the data.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        grid_size: int = 5,
        spline_order: int = 3,
        grid_range: tuple[float, float] = (-1.0, 1.0),
        dtype: torch.dtype = torch.float64,
        device: torch.device | str | None = None,
        multiply: bool = False,
    ) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.multiply = multiply
        self.grid_size, self.spline_order = grid_size, spline_order
        factory = {"dtype": dtype, "device": device}
        low = torch.full((in_features,), grid_range[0], **factory)
        high = torch.full((in_features,), grid_range[1], **factory)
        self.register_buffer("grid", spline.uniform_grid(low, high, grid_size, spline_order))
        n_coeff = grid_size + spline_order
        self.spline_coef = nn.Parameter(torch.empty(out_features, in_features, n_coeff, **factory))
        self.base_weight = nn.Parameter(torch.empty(out_features, in_features, **factory))
        self.spline_weight = nn.Parameter(torch.empty(out_features, in_features, **factory))
        self.bias = nn.Parameter(torch.zeros(out_features, **factory))
        self.register_buffer("mask", torch.ones(out_features, in_features, **factory))
        self.register_buffer("symbolic_mask", torch.zeros(out_features, in_features, **factory))
        # (out, in, 4): a, b, c, d of c * f(a * x + b) + d
        self.symbolic_affine = nn.Parameter(torch.zeros(out_features, in_features, 4, **factory))
        self.symbolic_names: dict[tuple[int, int], str] = {}
        self._symbolic_fns: dict[str, TorchFn] = {}
        self.reset_parameters()

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Small random splines, SiLU base weights ~ U(-1, 1)/sqrt(in), spline weights 1/sqrt(in)."""
        scale = self.in_features**-0.5
        with torch.no_grad():
            noise = torch.rand(self.spline_coef.shape, generator=generator, dtype=self.grid.dtype)
            self.spline_coef.copy_((noise - 0.5) * 0.1 / self.grid_size)
            base = torch.rand(self.base_weight.shape, generator=generator, dtype=self.grid.dtype)
            self.base_weight.copy_((2 * base - 1) * scale)
            self.spline_weight.fill_(scale)
            self.bias.zero_()
            if self.multiply:  # start every factor near silu(x) so the product is not ~0
                self.base_weight.fill_(1.0)
                self.spline_weight.fill_(1.0)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"grid_size={self.grid_size}, spline_order={self.spline_order}, multiply={self.multiply}, "
            f"symbolic={len(self.symbolic_names)}"
        )

    def basis(self, x: Tensor) -> Tensor:
        """B-spline bases of the inputs on this layer's grid, shape (batch, in, coeff)."""
        return spline.bspline_basis(x, self.grid, self.spline_order)

    def spline_outputs(self, x: Tensor, basis: Tensor | None = None) -> Tensor:
        """Spline-plus-base values of every edge, ignoring masks. Shape (batch, out, in).

        ``basis`` (from ``self.basis(x)``) saves recomputing the bases of fixed inputs.
        """
        splines = spline.evaluate(x, self.grid, self.spline_coef, self.spline_order, basis)
        base = torch.nn.functional.silu(x).unsqueeze(1)  # (batch, 1, in)
        return self.base_weight * base + self.spline_weight * splines

    def symbolic_outputs(self, x: Tensor) -> Tensor:
        """Values of the symbolic edges, grouped by function; zero elsewhere. Shape (batch, out, in)."""
        a, b, c, d = self.symbolic_affine.unbind(-1)  # each (out, in)
        inner = a * x.unsqueeze(1) + b  # (batch, out, in)
        result = torch.zeros_like(inner)
        for name, fn in self._symbolic_fns.items():
            select = self._function_masks[name]  # (out, in) bool
            values = c * fn(torch.where(select, inner, torch.ones_like(inner))) + d
            result = torch.where(select, values, result)
        return result

    def edge_outputs(self, x: Tensor, basis: Tensor | None = None) -> Tensor:
        """Every edge's output, masks applied.

        Parameters
        ----------
        x : Tensor, shape (batch, in_features)
        basis : Tensor, optional
            ``self.basis(x)``, when already known.
        Returns
        -------
        Tensor, shape (batch, out_features, in_features)
        """
        out = self.spline_outputs(x, basis)
        if self.symbolic_names:
            out = torch.where(self.symbolic_mask.bool(), self.symbolic_outputs(x), out)
        return out * self.mask

    def combine(self, edge_values: Tensor) -> Tensor:
        """Node values from edge outputs (batch, out, in): sum (or product) plus bias -> (batch, out)."""
        if self.multiply:
            masked_to_one = torch.where(self.mask.bool(), edge_values, torch.ones_like(edge_values))
            return masked_to_one.prod(dim=-1) + self.bias
        return edge_values.sum(dim=-1) + self.bias

    def forward(self, x: Tensor) -> Tensor:
        return self.combine(self.edge_outputs(x))

    @torch.no_grad()
    def update_grid(self, x: Tensor, grid_size: int | None = None, uniform_fraction: float = 0.02) -> None:
        """Move the grid to follow samples ``x`` (and optionally change its size), keeping each
        spline's function by refitting its coefficients."""
        grid_size = grid_size or self.grid_size
        new_grid = spline.grid_from_samples(x, grid_size, self.spline_order, uniform_fraction)
        coef = spline.refit_on_grid(x, self.grid, self.spline_coef, new_grid, self.spline_order)
        self.grid = new_grid
        self.spline_coef = nn.Parameter(coef)
        self.grid_size = grid_size

    @torch.no_grad()
    def extend_grid(self, x: Tensor) -> tuple[int, int]:
        """Extend the grid, without moving its knots, to cover samples ``x`` (batch, in); the
        new coefficients are zero, so every edge keeps its function everywhere
        (``spline.extend_grid``). Returns the intervals added (left, right)."""
        grid, left, right = spline.extend_grid(self.grid, x.min(dim=0).values, x.max(dim=0).values,
                                               self.spline_order)
        if left or right:
            pad = self.spline_coef.new_zeros
            out, n_in, _ = self.spline_coef.shape
            self.spline_coef = nn.Parameter(torch.cat([pad(out, n_in, left), self.spline_coef, pad(out, n_in, right)],
                                                      dim=-1))
            self.grid = grid
            self.grid_size += left + right
        return left, right

    def fix_symbolic(self, in_idx: int, out_idx: int, name: str, fn: TorchFn, affine: tuple[float, float, float, float]) -> None:
        """Replace edge (out_idx, in_idx) by ``c * fn(a * x + b) + d``."""
        with torch.no_grad():
            self.symbolic_affine[out_idx, in_idx] = torch.tensor(affine, dtype=self.grid.dtype)
            self.symbolic_mask[out_idx, in_idx] = 1.0
        self.symbolic_names[(out_idx, in_idx)] = name
        self._symbolic_fns[name] = fn
        self._rebuild_function_masks()

    @torch.no_grad()
    def select(self, rows: Tensor, cols: Tensor) -> "KANLayer":
        """A new layer made of output nodes ``rows`` and input nodes ``cols`` of this one,
        every kept edge carrying the same function (spline or symbolic)."""
        new = KANLayer(len(cols), len(rows), self.grid_size, self.spline_order, dtype=self.grid.dtype,
                       device=self.grid.device, multiply=self.multiply)
        new.grid = self.grid[cols].clone()
        for name in ("spline_coef", "base_weight", "spline_weight", "symbolic_affine"):
            setattr(new, name, nn.Parameter(getattr(self, name)[rows][:, cols].clone()))
        new.bias = nn.Parameter(self.bias[rows].clone())
        new.mask = self.mask[rows][:, cols].clone()
        new.symbolic_mask = self.symbolic_mask[rows][:, cols].clone()
        row_pos = {int(r): i for i, r in enumerate(rows)}
        col_pos = {int(c): i for i, c in enumerate(cols)}
        for (out_idx, in_idx), name in self.symbolic_names.items():
            if out_idx in row_pos and in_idx in col_pos:
                new.symbolic_names[(row_pos[out_idx], col_pos[in_idx])] = name
        new._symbolic_fns = {n: f for n, f in self._symbolic_fns.items() if n in new.symbolic_names.values()}
        new._rebuild_function_masks()
        return new

    def _rebuild_function_masks(self) -> None:
        self._function_masks = {}
        for name in self._symbolic_fns:
            select = torch.zeros(self.out_features, self.in_features, dtype=torch.bool, device=self.grid.device)
            for (out_idx, in_idx), edge_name in self.symbolic_names.items():
                if edge_name == name:
                    select[out_idx, in_idx] = True
            self._function_masks[name] = select
