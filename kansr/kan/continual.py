"""Continual learning: training on new rows without forgetting what was learned elsewhere.

A B-spline coefficient shapes its edge only on the ``spline_order + 1`` grid intervals
of its basis, so a sample moves only the coefficients of the bases that are non-zero
there. ``learn_locally`` first extends the grids to cover the new rows (knots kept, new
coefficients zero: the function is unchanged everywhere, ``KAN.extend_grids``), then
trains spline coefficients only; the SiLU base weights, the spline scales and the biases
stay as they are, since each of them acts on the whole domain.

A hidden layer sees hidden values, and the new rows' hidden values may fall where the
old rows' did: a hidden coefficient that the new rows move could then change the old
rows' predictions. So a ``Memory`` records the range of values each hidden node took on
the rows seen so far, and every hidden coefficient whose basis reaches into that range is
held too; the new rows are fitted by the first layer and by the hidden coefficients
beyond those ranges (the first layer can map the new rows to hidden values of their own,
on the extended hidden grids).

What is exact: a coefficient held, or one whose basis vanishes on every new row, keeps
its value to the bit (its gradient is exactly zero, and so is every L-BFGS or Adam step
along it). An earlier row whose first-layer bases no new row shares keeps its hidden
values, uses only held hidden coefficients, and so keeps its prediction exactly, in a KAN
of any depth. It shares none when, in every input, it lies more than ``spline_order + 1``
grid intervals from the new rows' values of that input: each input has its own edges, so
new rows in a new region of one input but spread over another input's whole range move
that other input's edges everywhere. What is not exact: rows that close to the new ones,
and points never seen, whose hidden values may lie outside the recorded ranges.
``tests/test_kan_regressor.py`` and ``scripts/continual.py`` measure both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from kansr.kan.model import KAN


@dataclass
class Memory:
    """The range of values each hidden node took on the rows seen so far: ``low[l]`` and
    ``high[l]``, shape (in,), for the inputs of layer l >= 1 (entry 0 is unused: the
    first layer's locality needs no record). Updated in place by ``learn_locally``."""

    low: list[Tensor] = field(default_factory=list)
    high: list[Tensor] = field(default_factory=list)

    def add(self, model: KAN, x: Tensor) -> None:
        """Widen the ranges to hold the hidden values of rows ``x``."""
        with torch.no_grad():
            inputs = model.trace(x).inputs  # per layer, (batch, in)
        low = [h.min(dim=0).values for h in inputs]
        high = [h.max(dim=0).values for h in inputs]
        if self.low:
            low = [torch.minimum(a, b) for a, b in zip(self.low, low)]
            high = [torch.maximum(a, b) for a, b in zip(self.high, high)]
        self.low, self.high = low, high

    def held(self, model: KAN, index: int) -> Tensor:
        """Which coefficients of layer ``index`` to hold: bool (in, n_coeff), the bases whose
        support [t_j, t_(j+k+1)] reaches into the recorded range of their input."""
        layer = model.layers[index]
        k, grid = layer.spline_order, layer.grid  # grid: (in, knots)
        if index == 0 or not self.low:
            return torch.zeros(grid.shape[0], grid.shape[1] - k - 1, dtype=torch.bool, device=grid.device)
        return (grid[:, :-k - 1] <= self.high[index][:, None]) & (grid[:, k + 1:] >= self.low[index][:, None])


def learn_locally(model: KAN, x: Tensor, y: Tensor, memory: Memory, steps: int = 100,
                  optimizer: str = "lbfgs", lr: float = 1.0) -> float:
    """Train ``model`` in place on new rows (x, y) as the module doc describes, and add
    them to ``memory``.

    Parameters
    ----------
    x : Tensor, shape (batch, n_data_inputs)
    y : Tensor, shape (batch, n_outputs)
    memory : Memory
        The hidden ranges of earlier rows (``Memory.add`` them after the first fit).
    steps : int
        L-BFGS iterations (strong-Wolfe line search, history 10) or Adam steps.
    optimizer : {"lbfgs", "adam"}
    lr : float
        Step size (1.0 suits L-BFGS; Adam wants ~1e-2).

    Returns
    -------
    float : the mean squared error on (x, y) afterwards.
    """
    if optimizer not in ("lbfgs", "adam"):
        raise ValueError(f"unknown optimizer {optimizer!r}; use 'lbfgs' or 'adam'")
    model.extend_grids(x)
    coefficients = [layer.spline_coef for layer in model.layers]
    held = [p for p in model.parameters() if all(p is not c for c in coefficients)]
    was = [p.requires_grad for p in held]
    for p in held:
        p.requires_grad_(False)
    hooks = []
    for index, coefficient in enumerate(coefficients):
        held_here = memory.held(model, index)
        if held_here.any():
            free = (~held_here).to(coefficient.dtype)  # (in, coeff), broadcast over out
            hooks.append(coefficient.register_hook(lambda grad, free=free: grad * free))

    def loss() -> Tensor:
        return torch.mean((model(x) - y) ** 2)

    try:
        if optimizer == "lbfgs":
            lbfgs = torch.optim.LBFGS(coefficients, lr=lr, max_iter=steps, history_size=10,
                                      line_search_fn="strong_wolfe", tolerance_grad=1e-14, tolerance_change=1e-16)

            def closure() -> Tensor:
                lbfgs.zero_grad()
                value = loss()
                value.backward()
                return value

            lbfgs.step(closure)
        else:
            adam = torch.optim.Adam(coefficients, lr=lr)
            for _ in range(steps):
                adam.zero_grad()
                value = loss()
                value.backward()
                adam.step()
    finally:
        for hook in hooks:
            hook.remove()
        for p, flag in zip(held, was):
            p.requires_grad_(flag)
    memory.add(model, x)
    with torch.no_grad():
        return float(loss())
