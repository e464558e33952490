"""The training objective as a function of one flat parameter vector: loss and gradient.

``Objective`` packs every parameter of a KAN into one vector ``theta`` (the model's
parameters become views of it, so the model always shows the current point) and returns
the loss, MSE + λ·regularisation (``kansr.kan.regularization``), with its gradient.

For KANs whose layers all sum (no multiplication nodes) and have no symbolic edges,
which is every KAN while it is being trained and pruned, the gradient is written out by
hand. The first layer's inputs are the fixed data, so its per-input features
``[silu(x), B_1(x) .. B_C(x)]`` are computed once per grid and the layer is one matrix
product with the per-edge weights ``mask * [w_base, w_spline * coef]`` (its backward
pass one more). The regularisation needs each edge's standard deviation over the batch;
for the first layer that is ``sqrt(w' Σ w)`` with ``Σ`` the covariance of the input's
features, also computed once per grid, so the first layer's edge outputs are never
formed. Hidden layers evaluate each edge as a table of per-interval polynomials
(``_Layer``). On a [4, 5, 1] KAN this is ~100 tensor operations per evaluation, on
buffers made once per grid, where autograd needs ~170 plus its graph. Any other KAN
goes through autograd, with the same value (tests compare the two).
"""

from __future__ import annotations

import torch
from torch import Tensor

from kansr.kan import spline
from kansr.kan.model import KAN
from kansr.kan.regularization import regularization

_EPS = 1e-8  # the entropy's guards, as in ``regularization``
_LANES = 8  # copies of a hidden layer's table that neighbouring points' gradients are added into


class Objective:
    """``objective() -> (loss, gradient)`` of ``model`` on (x, y) at ``theta``; see the module docstring.

    Parameters
    ----------
    model : KAN
    x : Tensor, shape (batch, n_data_inputs)
    y : Tensor, shape (batch, n_outputs)
    lamb, lamb_l1, lamb_entropy : float
        Regularisation weights, as in ``train.TrainConfig``.
    """

    def __init__(self, model: KAN, x: Tensor, y: Tensor, lamb: float, lamb_l1: float, lamb_entropy: float) -> None:
        self.model, self.x, self.y = model, x, y
        self.lamb, self.lamb_l1, self.lamb_entropy = lamb, lamb_l1, lamb_entropy
        self.fast = all(not layer.multiply and not layer.symbolic_names for layer in model.layers)
        # without symbolic edges, the symbolic affine constants play no part: left out
        self.params = [p for name, p in model.named_parameters()
                       if p.requires_grad and not (self.fast and name.endswith("symbolic_affine"))]
        self.theta = torch.cat([p.detach().reshape(-1) for p in self.params])
        self.evaluations = 0  # calls so far: what a work budget counts
        for p, view in zip(self.params, self._split(self.theta)):  # the parameters become views of theta
            p.data = view
        self.yt = y.T  # (outputs, batch)
        self.input_basis = None if self.fast else model.input_basis(x)
        if self.fast:
            self._prepare()

    def __call__(self) -> tuple[float, Tensor]:
        """Loss and gradient (shaped like ``theta``) at the current ``theta``."""
        self.evaluations += 1
        return self._fast() if self.fast else self._autograd()

    def _split(self, flat: Tensor) -> list[Tensor]:
        """Views of a vector shaped like ``theta``, one per parameter, shaped like it."""
        views, offset = [], 0
        for p in self.params:
            views.append(flat[offset:offset + p.numel()].view_as(p))
            offset += p.numel()
        return views

    def set_grads(self, grad: Tensor) -> None:
        """Give every parameter its part of the flat ``grad`` as ``.grad`` (for torch optimisers)."""
        for p, view in zip(self.params, self._split(grad)):
            p.grad = view

    # -- autograd, for any KAN ------------------------------------------------------------

    def _autograd(self) -> tuple[float, Tensor]:
        for p in self.params:
            p.grad = None
        trace = self.model.trace(self.x, self.input_basis)  # None: computed here
        loss = torch.mean((trace.output - self.y) ** 2)
        if self.lamb > 0:
            loss = loss + self.lamb * regularization(trace.edges, trace.inputs, self.lamb_l1, self.lamb_entropy)
        loss.backward()
        grads = [p.grad.reshape(-1) if p.grad is not None else torch.zeros_like(p).reshape(-1) for p in self.params]
        return float(loss.detach()), torch.cat(grads)

    # -- hand-written, for summing KANs without symbolic edges --------------------------

    def _prepare(self) -> None:
        """What stays fixed while the grids do: the first layer's features and their
        covariance, the hidden layers' polynomial pieces, and every buffer and view the
        evaluation writes into (the parameters are views of ``theta``, so views of them
        stay current; a small KAN's evaluation is ~100 tensor operations, each costing
        microseconds of overhead, so not re-making views and allocations matters)."""
        layers, n = self.model.layers, self.x.shape[0]
        self.scale_n = 1.0 / max(n - 1, 1)  # Bessel-corrected variances, as torch.std
        first = layers[0]
        xt = self.model._select_inputs(self.x).T.contiguous()  # (in, batch)
        bases = spline.bases_batch_last(xt, first.grid, first.spline_order)  # (in, coeff, batch)
        features = torch.cat([torch.nn.functional.silu(xt).unsqueeze(1), bases], dim=1)  # (in, feat, batch)
        self.first_features = features.reshape(-1, n)  # (in * feat, batch)
        self.first_features_t = self.first_features.T
        centred = features - features.mean(-1, keepdim=True)
        self.first_cov = centred @ centred.transpose(1, 2) * self.scale_n  # (in, feat, feat)
        self.first_den = (xt.std(dim=1) + 0.1)[:, None]  # (in, 1)
        self.layers = [_Layer(layer, n, hidden=index > 0) for index, layer in enumerate(layers)]
        self.layers[0].den = self.first_den  # the data's spread: fixed
        # the regularisation's scales, one zero-padded row per layer, and their gradient
        longest = max(layer.in_features * layer.out_features for layer in layers)
        self.scale_rows = self.theta.new_zeros(len(layers), longest)
        self.scale_grads = self.theta.new_zeros(len(layers), longest)
        for row, (state, layer) in enumerate(zip(self.layers, layers)):
            size = layer.in_features * layer.out_features
            state.scale = self.scale_rows[row, :size].view(layer.in_features, layer.out_features)
            state.scale_grad = self.scale_grads[row, :size].view(layer.in_features, layer.out_features)
        # the gradient, written in place: views of one vector in ``params`` order
        self.grad = torch.zeros_like(self.theta)
        self.l1 = self.theta.new_full((), self.lamb * self.lamb_l1)
        views = {id(p): view for p, view in zip(self.params, self._split(self.grad))}
        for state in self.layers:
            state.grad_views(views)
        self.first_w_flat = self.layers[0].w.view(first.out_features, -1)
        self.first_grad_flat = self.layers[0].grad_w.view(first.out_features, -1)

    @torch.no_grad()
    def _fast(self) -> tuple[float, Tensor]:
        states, scale_n = self.layers, self.scale_n
        regularise = self.lamb > 0
        for state in states:
            state.weights()
        # forward; node values are (nodes, batch) throughout
        h = torch.addmm(states[0].bias, self.first_w_flat, self.first_features)
        for state in states[1:]:
            h = state.forward(h)  # (out, batch)
        residual = (h - self.yt).view(-1)
        loss = float(torch.dot(residual, residual)) / residual.numel()
        grad_out = (residual * (2.0 / residual.numel())).view_as(h)  # d loss / d h, (out, batch)
        first = states[0]
        if regularise:  # each edge's std over the batch, and of each layer's inputs
            cov_w = torch.bmm(self.first_cov, first.w_in_feat_out)  # Σ_i w_oi, (in, feat, out)
            # the variance w'Σw; where it rounds to <= 0 the std is taken as 1e-150, not 0
            variance = (first.w_in_feat_out * cov_w).sum(1).clamp_min_(1e-300)  # (in, out)
            torch.div(variance.sqrt(), first.den, out=first.scale)
            for state in states[1:]:
                state.spreads(scale_n)
            loss += self._regularization()
        for state in reversed(states[1:]):  # backward, last layer first
            grad_out = state.backward(grad_out, regularise, scale_n)
        if first.grad_bias is not None:
            torch.sum(grad_out, -1, keepdim=True, out=first.grad_bias)
        torch.mm(grad_out, self.first_features_t, out=self.first_grad_flat)
        if regularise:  # d scale / d w = Σw / (den · std) = scale · Σw / variance
            per_edge = torch.mul(first.scale_grad, first.scale).div_(variance)  # (in, out)
            first.grad_w.addcmul_(per_edge.T.unsqueeze(-1), cov_w.permute(2, 0, 1))
        for state in states:
            state.parameter_grads()
        return loss, self.grad.clone()

    def _regularization(self) -> float:
        """λ·(L1 + μ·entropy) summed over layers, from ``scale_rows``; its gradient with
        respect to the scales goes to ``scale_grads`` (all layers at once, zero-padded rows)."""
        l1, le = self.lamb * self.lamb_l1, self.lamb * self.lamb_entropy
        rows = self.scale_rows
        total = rows.sum(1, keepdim=True).add_(_EPS)
        shares = rows / total
        shifted = shares + _EPS
        log_shares = torch.log(shifted)
        value = l1 * float(rows.sum()) - le * float(torch.dot(shares.view(-1), log_shares.view(-1)))
        d_shares = log_shares.addcdiv_(shares, shifted)  # minus d entropy / d share
        d_shares.sub_(torch.linalg.vecdot(d_shares, shares).unsqueeze(1))
        torch.addcdiv(self.l1, d_shares, total, value=-le, out=self.scale_grads)
        return value


class _Layer:
    """One layer's buffers and views for ``Objective._fast``: its edge weights
    ``mask * [w_base, w_spline * coef]`` (out, in, 1 + C), and for hidden layers what
    their edges are evaluated with and differentiated through.

    A hidden layer's input changes every evaluation, so its bases are not stored.
    Instead each edge's spline is turned, once per evaluation, into a table of
    polynomials, one per knot interval (``spline.polynomial_pieces``: a fixed linear map
    from the coefficients, one small batched product for all edges); each point then
    looks up its interval's row and evaluates it by Horner's scheme, value and slope.
    Backwards, each point's gradient times the powers of its offset in the interval is
    summed into the row it read (one scatter-add), and the fixed map's transpose carries
    the table's gradient back to the coefficients. Everything per point is (in, batch,
    out)-sized: a few hundred kilobytes for [4, 5, 1] on 1,000 points, where the dense
    bases with their derivatives took megabytes, which no longer fit in cache.
    (The scatter-add sums in a fixed order on the CPU; on CUDA it uses atomic additions,
    so the last bits there may vary from run to run.)
    """

    def __init__(self, layer, batch: int, hidden: bool) -> None:
        self.layer = layer
        n_out, n_in, n_coeff = layer.spline_coef.shape
        # a hidden layer's weights carry one more column, a constant 1 (0 on masked
        # edges), which puts each interval's origin into its table: one lookup for both
        self.w = layer.spline_coef.new_empty(n_out, n_in, 1 + n_coeff + hidden)
        self.w_base, self.w_spline = self.w[..., 0], self.w[..., 1:1 + n_coeff]
        self.w_in_feat_out = self.w.permute(1, 2, 0)
        self.spline_weight = layer.spline_weight.unsqueeze(-1)  # views of theta: always current
        self.bias = layer.bias.unsqueeze(-1)
        self.mask = None if bool((layer.mask == 1).all()) else layer.mask.unsqueeze(-1)
        if hidden:
            self.w[..., -1] = 1.0
            self._hidden(batch)
        else:
            self.grad_w = layer.spline_coef.new_empty(n_out, n_in, 1 + n_coeff)
            self.grad_w_base, self.grad_w_spline = self.grad_w[..., 0], self.grad_w[..., 1:]

    def _hidden(self, batch: int) -> None:
        layer = self.layer
        n_out, n_in, n_coeff = layer.spline_coef.shape
        k = self.k = layer.spline_order
        self.grid = layer.grid.contiguous()
        pieces, origins = spline.polynomial_pieces(self.grid, k)  # (in, rows, powers, coeff), (in, rows)
        rows, parts = pieces.shape[1], k + 2  # a table row: the powers' coefficients, then the origin
        # the table (in, parts * rows, out) = table_map (in, parts * rows, coeff + 1) @ w_table
        table_map = pieces.new_zeros(n_in, parts, rows, n_coeff + 1)
        table_map[:, :k + 1, :, :n_coeff] = pieces.transpose(1, 2)
        table_map[:, k + 1, :, n_coeff] = origins
        self.table_map = table_map.view(n_in, parts * rows, n_coeff + 1)
        self.table_map_t = self.table_map[:, :(k + 1) * rows, :n_coeff].transpose(1, 2)  # (in, coeff, powers * rows)
        self.w_table = self.w_in_feat_out[:, 1:]  # (in, coeff + 1, out): spline weights and the 1
        new = lambda *shape: pieces.new_empty(shape)  # noqa: E731
        # The scatter-add of the backward pass would add point after point into the same
        # few rows (neighbouring points share intervals), each addition waiting for the
        # one before; points b = 0, 1, 2, ... go instead to _LANES copies of the table in
        # turn, summed afterwards (46 -> 11 microseconds for [4, 5, 1] on 1,000 points).
        # The forward lookup reads the same places from copies of the table.
        self.table = new(n_in, parts * rows, n_out)
        self.table_lanes = new(parts, _LANES, n_in, rows, n_out)  # part-major, for the lookup
        self.table_by_part = self.table.view(n_in, parts, rows, n_out).transpose(0, 1).unsqueeze(1)
        self.table_grad_lanes = new(k + 1, _LANES, n_in, rows, n_out)
        self.table_grad = new(n_in, (k + 1) * rows, n_out)
        self.table_grad_by_part = self.table_grad.view(n_in, k + 1, rows, n_out).transpose(0, 1)
        # flat place of (lane l, input i, row r, output o) in one part: ((l * in + i) * rows + r) * out + o
        long = {"dtype": torch.long, "device": pieces.device}
        lane = torch.arange(batch, **long) % _LANES
        self.index_base = ((lane * n_in + torch.arange(n_in, **long)[:, None]) * rows * n_out).unsqueeze(-1) \
            + torch.arange(n_out, **long)  # (in, batch, out), the row still to be added
        self.index = torch.empty(n_in, batch, n_out, **long)
        self.gathered = new(parts, n_in, batch, n_out)
        # d loss / d edge times the powers of the offset; the gathered rows are spent by then
        self.powers_grad = self.gathered[:k + 1]
        self.u, self.edges, self.edge_slopes, self.scratch, self.scratch_slope = (
            new(n_in, batch, n_out) for _ in range(5))
        self.silu, self.silu_slope, self.sigmoid = (new(n_in, batch) for _ in range(3))
        self.w_base_in = self.w_base.T.unsqueeze(1)  # (in, 1, out)
        self.zero, self.tenth = pieces.new_zeros(()), pieces.new_full((), 0.1)
        self.node_sum, self.nodes = new(batch, n_out), new(n_out, batch)
        grad_spline_t, grad_base_t = new(n_in, n_coeff, n_out), new(n_in, 1, n_out)
        self.grad_spline_t, self.grad_base_t = grad_spline_t, grad_base_t
        self.grad_w_spline, self.grad_w_base = grad_spline_t.permute(2, 0, 1), grad_base_t[:, 0].T

    def grad_views(self, views: dict) -> None:
        layer = self.layer
        self.grad_coef = views.get(id(layer.spline_coef))
        self.grad_base = views.get(id(layer.base_weight))
        self.grad_spline_weight = views.get(id(layer.spline_weight))
        bias = views.get(id(layer.bias))
        self.grad_bias = None if bias is None else bias.unsqueeze(-1)

    def weights(self) -> None:
        self.w_base.copy_(self.layer.base_weight)
        torch.mul(self.spline_weight, self.layer.spline_coef, out=self.w_spline)
        if self.mask is not None:
            self.w.mul_(self.mask)

    def forward(self, h: Tensor) -> Tensor:
        """Edge values and slopes at inputs h (in, batch); returns the layer's nodes (out, batch)."""
        self.h, k, gathered, u = h, self.k, self.gathered, self.u
        parts = gathered.shape[0]
        torch.bmm(self.table_map, self.w_table, out=self.table)
        self.table_lanes.copy_(self.table_by_part.expand_as(self.table_lanes))
        rows = torch.searchsorted(self.grid, h, right=True)  # (in, batch)
        torch.add(self.index_base, rows.unsqueeze(-1), alpha=self.index.shape[-1], out=self.index)
        flat_index = self.index.view(1, -1).expand(parts, -1)
        torch.gather(self.table_lanes.view(parts, -1), 1, flat_index, out=gathered.view(parts, -1))
        torch.sub(h.unsqueeze(-1), gathered[k + 1], out=u)
        # Horner's scheme for the value and the slope; the slope's running sum is kept
        # divided by p (S_p = p g_p + u S_{p+1}, so S_p / p = g_p + u (p + 1)/p S_{p+1}/(p + 1))
        value = slope = gathered[k]
        for p in range(k - 1, -1, -1):
            value = torch.addcmul(gathered[p], value, u, out=self.edges if p == 0 else self.scratch)
            if p > 0:
                slope = torch.addcmul(gathered[p], slope, u, value=(p + 1) / p,
                                      out=self.edge_slopes if p == 1 else self.scratch_slope)
        if k == 0:
            self.edges.copy_(value)
            self.edge_slopes.zero_()
        elif k == 1:
            self.edge_slopes.copy_(slope)
        torch.sigmoid(h, out=self.sigmoid)
        torch.mul(h, self.sigmoid, out=self.silu)
        torch.add(self.sigmoid, self.silu, out=self.silu_slope).addcmul_(self.silu, self.sigmoid, value=-1.0)  # σ + silu·(1 - σ)
        self.edges.addcmul_(self.w_base_in, self.silu.unsqueeze(-1))
        self.edge_slopes.addcmul_(self.w_base_in, self.silu_slope.unsqueeze(-1))
        torch.sum(self.edges, 0, out=self.node_sum)
        return torch.add(self.node_sum.T, self.bias, out=self.nodes)

    def spreads(self, scale_n: float) -> None:
        """Std of each edge over the batch and of each input, into the regularisation's scale.
        The stds are c·|centred values| with c = sqrt(scale_n); the norms are kept, and c
        rides along in the operations that use them."""
        c = scale_n**0.5
        self.edge_centre = self.edges - self.edges.mean(1, keepdim=True)  # (in, batch, out)
        self.h_centre = self.h - self.h.mean(-1, keepdim=True)
        self.norm = torch.linalg.vector_norm(self.edge_centre, dim=1)  # (in, out)
        self.norm_h = torch.linalg.vector_norm(self.h_centre, dim=-1, keepdim=True)  # (in, 1)
        self.den = torch.add(self.tenth, self.norm_h, alpha=c)  # std of the input + 0.1
        torch.addcdiv(self.zero, self.norm, self.den, value=c, out=self.scale)

    def backward(self, grad_out: Tensor, regularise: bool, scale_n: float) -> Tensor:
        """From d loss / d (this layer's nodes) to d loss / d (its inputs); fills the weights' gradients."""
        if self.grad_bias is not None:
            torch.sum(grad_out, -1, keepdim=True, out=self.grad_bias)
        powers_grad, u = self.powers_grad, self.u
        grad_edges = powers_grad[0]  # (in, batch, out)
        if regularise:
            c = scale_n**0.5
            grad_sd = self.scale_grad / self.den  # d loss / d std of each edge, (in, out)
            # d std / d edge = c · centred / norm; norm = 0 only where the centred values are
            # all zero: any finite factor will do
            per_edge = grad_sd / self.norm.clamp_min(1e-150)
            torch.addcmul(grad_out.T, per_edge.unsqueeze(1), self.edge_centre, value=c, out=grad_edges)
        else:
            grad_edges.copy_(grad_out.T.expand_as(grad_edges))
        for p in range(1, self.k + 1):
            torch.mul(powers_grad[p - 1], u, out=powers_grad[p])
        powers = powers_grad.shape[0]
        flat_index = self.index.view(1, -1).expand(powers, -1)
        self.table_grad_lanes.zero_().view(powers, -1).scatter_add_(1, flat_index, powers_grad.view(powers, -1))
        torch.sum(self.table_grad_lanes, 1, out=self.table_grad_by_part)
        torch.bmm(self.table_map_t, self.table_grad, out=self.grad_spline_t)
        torch.bmm(self.silu.unsqueeze(1), grad_edges, out=self.grad_base_t)
        grad_in = grad_edges * self.edge_slopes
        grad_in = grad_in[..., 0] if u.shape[-1] == 1 else grad_in.sum(-1)  # (in, batch)
        if regularise:  # through the std of the layer's inputs in the scales' denominators:
            # d loss / d den = -Σ_o grad_sd · std / den, d den / d h = c · centred / norm_h
            weighted = grad_sd * self.norm  # (in, out); std = c · norm
            if weighted.shape[1] > 1:
                weighted = weighted.sum(1, keepdim=True)
            per_input = weighted.div_(self.den).div_(self.norm_h.clamp_min(1e-150))  # as per_edge
            grad_in.addcmul_(per_input, self.h_centre, value=-scale_n)
        return grad_in

    def parameter_grads(self) -> None:
        base, spline_part = self.grad_w_base, self.grad_w_spline
        if self.mask is not None:
            base.mul_(self.mask[..., 0])
            spline_part.mul_(self.mask)
        if self.grad_coef is not None:
            torch.mul(spline_part, self.spline_weight, out=self.grad_coef)
        if self.grad_base is not None:
            self.grad_base.copy_(base)
        if self.grad_spline_weight is not None:
            torch.linalg.vecdot(spline_part, self.layer.spline_coef, out=self.grad_spline_weight)
