"""A fully symbolic KAN written as one sympy expression."""

from __future__ import annotations

import sympy

from kansr.errors import KansrError
from kansr.symbolic.library import SymbolicFunction


def kan_to_sympy(model, symbols: list[sympy.Symbol], library: dict[str, SymbolicFunction]) -> list[sympy.Expr]:
    """The KAN as one expression in ``symbols`` (one per data column); every edge must be symbolic.

    Returns a list of expressions, one per output node.
    """
    nodes = [symbols[int(i)] for i in model.input_index]
    for l, layer in enumerate(model.layers):
        affine = layer.symbolic_affine.detach().cpu().numpy()  # (out, in, 4)
        bias = layer.bias.detach().cpu().numpy()
        outputs = []
        for out_idx in range(layer.out_features):
            terms = []
            for in_idx in range(layer.in_features):
                if layer.mask[out_idx, in_idx] == 0:
                    continue
                name = layer.symbolic_names.get((out_idx, in_idx))
                if name is None:
                    raise KansrError(f"edge (layer {l}, in {in_idx}, out {out_idx}) is not symbolic yet")
                a, b, c, d = (float(v) for v in affine[out_idx, in_idx])
                inner = nodes[in_idx] if name == "x" else a * nodes[in_idx] + b
                terms.append(c * library[name].sympy(inner) + d)
            node = sympy.Mul(*terms) if layer.multiply else sympy.Add(*terms)
            outputs.append(node + sympy.Float(bias[out_idx]))
        nodes = outputs
    return nodes
