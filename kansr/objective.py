"""The training objective as a function of one flat parameter vector: loss and gradient.

``Objective`` packs every parameter of a KAN into one vector ``theta`` (the model's
parameters become views of it, so the model always shows the current point) and returns
the loss, MSE + λ·regularisation (``train.regularization``), with its gradient.

For KANs whose layers all sum (no multiplication nodes) and have no symbolic edges,
which is every KAN while it is being trained and pruned, the gradient is written out by
hand: a layer is one matrix product of per-input features ``[silu(h), B_1(h) .. B_C(h)]``
with per-edge weights ``mask * [w_base, w_spline * coef]``, and its backward pass is two
more. The regularisation needs each edge's standard deviation over the batch; for the
first layer, whose inputs are the fixed data, that is ``sqrt(w' Σ w)`` with ``Σ`` the
covariance of the input's features, computed once per grid, so the first layer's edge
outputs are never formed. About 60 tensor operations per evaluation instead of ~170
plus autograd's bookkeeping. Any other KAN goes through autograd, with the same value.
"""

from __future__ import annotations

import torch
from torch import Tensor

from kansr import spline
from kansr.model import KAN

_EPS = 1e-8  # the entropy's guards, as in ``train.regularization``


class Objective:
    """``objective(theta) -> (loss, gradient)`` of ``model`` on (x, y); see the module docstring.

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
        offset = 0
        for p in self.params:  # the model's parameters become views of theta
            p.data = self.theta[offset:offset + p.numel()].view_as(p)
            offset += p.numel()
        self.yt = y.T  # (outputs, batch)
        self.input_basis = None if self.fast else model.input_basis(x)
        if self.fast:
            self._prepare()

    def __call__(self) -> tuple[Tensor, Tensor]:
        """Loss (0-d tensor) and gradient (shaped like ``theta``) at the current ``theta``."""
        return self._fast() if self.fast else self._autograd()

    def set_grads(self, grad: Tensor) -> None:
        """Give every parameter its part of the flat ``grad`` as ``.grad`` (for torch optimisers)."""
        offset = 0
        for p in self.params:
            p.grad = grad[offset:offset + p.numel()].view_as(p)
            offset += p.numel()

    # -- autograd, for any KAN ------------------------------------------------------------

    def _autograd(self) -> tuple[Tensor, Tensor]:
        from kansr.train import regularization

        for p in self.params:
            p.grad = None
        trace = self.model.trace(self.x, self.input_basis)  # None: computed here
        loss = torch.mean((trace.output - self.y) ** 2)
        if self.lamb > 0:
            loss = loss + self.lamb * regularization(trace.edges, trace.inputs, self.lamb_l1, self.lamb_entropy)
        loss.backward()
        grads = [p.grad.reshape(-1) if p.grad is not None else torch.zeros_like(p).reshape(-1) for p in self.params]
        return loss.detach(), torch.cat(grads)

    # -- hand-written, for summing KANs without symbolic edges --------------------------

    def _prepare(self) -> None:
        """What stays fixed while the grids do: the first layer's features and their
        covariance, the hidden layers' polynomial pieces, masks that are all ones."""
        layers, n = self.model.layers, self.x.shape[0]
        self.scale_n = 1.0 / max(n - 1, 1)  # Bessel-corrected variances, as torch.std
        first = layers[0]
        xt = self.model._select_inputs(self.x).T.contiguous()  # (in, batch)
        bases = spline.bases_batch_last(xt, first.grid, first.spline_order)  # (in, coeff, batch)
        features = torch.cat([torch.nn.functional.silu(xt).unsqueeze(1), bases], dim=1)  # (in, feat, batch)
        self.first_features = features.reshape(-1, n)  # (in * feat, batch)
        centred = features - features.mean(-1, keepdim=True)
        self.first_cov = centred @ centred.transpose(1, 2) * self.scale_n  # (in, feat, feat)
        self.first_den = xt.std(dim=1) + 0.1  # (in,)
        self.hidden_bases = [spline.PiecewiseBases(layer.grid, layer.spline_order) for layer in layers[1:]]
        self.masks = [None if bool((layer.mask == 1).all()) else layer.mask.unsqueeze(-1) for layer in layers]
        self.n_edges = [layer.out_features * layer.in_features for layer in layers]

    @torch.no_grad()
    def _fast(self) -> tuple[Tensor, Tensor]:
        layers, scale_n = self.model.layers, self.scale_n
        regularise = self.lamb > 0
        weights = []  # mask * [w_base, w_spline * coef], (out, in, feat) per layer
        for layer, mask in zip(layers, self.masks):
            w = torch.cat([layer.base_weight.unsqueeze(-1), layer.spline_weight.unsqueeze(-1) * layer.spline_coef], -1)
            weights.append(w if mask is None else w * mask)
        # forward; node values are (nodes, batch) throughout
        first = weights[0]
        h = torch.addmm(layers[0].bias[:, None], first.reshape(first.shape[0], -1), self.first_features)
        saved = []
        for layer, w, bases in zip(layers[1:], weights[1:], self.hidden_bases):
            features, slopes = _features(h, layer, bases)  # (in, batch, feat) each
            edges = w.transpose(0, 1) @ features.transpose(1, 2)  # (in, out, batch)
            saved.append((h, features, slopes, edges))
            h = edges.sum(0) + layer.bias[:, None]
        residual = h - self.yt
        loss = residual.pow(2).mean()
        grad_out = residual * (2.0 / residual.numel())  # d loss / d h, (out, batch)
        if regularise:  # each edge's std over the batch, and of each layer's inputs
            first_cov_w = self.first_cov @ first.permute(1, 2, 0)  # Σ_i w_oi, (in, feat, out)
            sds = [(first.permute(1, 2, 0) * first_cov_w).sum(1).clamp_min(0).sqrt()]  # (in, out)
            dens, centred = [self.first_den], []
            for h_in, _, _, edges in saved:
                edge_centre = edges - edges.mean(-1, keepdim=True)  # (in, out, batch)
                h_centre = h_in - h_in.mean(-1, keepdim=True)
                centred.append((edge_centre, h_centre))
                sds.append(torch.linalg.vector_norm(edge_centre, dim=-1) * scale_n**0.5)
                dens.append(torch.linalg.vector_norm(h_centre, dim=-1) * scale_n**0.5 + 0.1)
            reg, grad_scales = self._regularization([sd / den[:, None] for sd, den in zip(sds, dens)])
            loss = loss + reg
        grads_w, grads_bias = [None] * len(layers), [None] * len(layers)
        for index in range(len(layers) - 1, 0, -1):  # backward, last layer first
            h_in, features, slopes, edges = saved[index - 1]
            grads_bias[index] = grad_out.sum(-1)
            grad_edges = grad_out.unsqueeze(0)  # (1, out, batch): every input's edges alike
            if regularise:
                (edge_centre, h_centre), sd, den = centred[index - 1], sds[index], dens[index]
                grad_sd = grad_scales[index] / den[:, None]  # (in, out)
                per_edge = torch.where(sd > 0, grad_sd / sd, 0.0) * scale_n
                grad_edges = grad_edges + per_edge.unsqueeze(-1) * edge_centre  # (in, out, batch)
            else:
                grad_edges = grad_edges.expand(h_in.shape[0], -1, -1)
            w = weights[index]
            grads_w[index] = (grad_edges @ features).transpose(0, 1)  # (out, in, feat)
            edge_slopes = slopes @ w.permute(1, 2, 0)  # d edge / d h_in, (in, batch, out)
            grad_out = (grad_edges.transpose(1, 2) * edge_slopes).sum(-1)  # (in, batch) = d loss / d h_in
            if regularise:  # through the std of the layer's inputs in its scales
                sd_h = den - 0.1
                grad_den = -(grad_sd * sd).sum(1) / den  # (in,)
                grad_out = grad_out + (torch.where(sd_h > 0, grad_den / sd_h, 0.0) * scale_n).unsqueeze(-1) * h_centre
        grads_bias[0] = grad_out.sum(-1)
        grads_w[0] = (grad_out @ self.first_features.T).reshape(first.shape)
        if regularise:
            sd = sds[0]
            per_edge = torch.where(sd > 0, grad_scales[0] / (self.first_den[:, None] * sd), 0.0)  # (in, out)
            grads_w[0] = grads_w[0] + per_edge.T.unsqueeze(-1) * first_cov_w.permute(2, 0, 1)
        pieces = []
        for layer, mask, grad_w, grad_bias in zip(layers, self.masks, grads_w, grads_bias):
            grad_w = grad_w if mask is None else grad_w * mask
            by_name = {"spline_coef": grad_w[..., 1:] * layer.spline_weight.unsqueeze(-1),
                       "base_weight": grad_w[..., 0],
                       "spline_weight": (grad_w[..., 1:] * layer.spline_coef).sum(-1),
                       "bias": grad_bias}
            pieces.extend(by_name[name].reshape(-1) for name, p in layer.named_parameters()
                          if name in by_name and p.requires_grad)
        return loss, torch.cat(pieces)

    def _regularization(self, scales: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
        """λ·(L1 + μ·entropy) summed over layers, and its gradient with respect to each
        layer's scales; all layers at once, as rows of one zero-padded matrix."""
        l1, le = self.lamb * self.lamb_l1, self.lamb * self.lamb_entropy
        longest = max(self.n_edges)
        rows = torch.stack([torch.nn.functional.pad(s.reshape(-1), (0, longest - s.numel())) for s in scales])
        total = rows.sum(1, keepdim=True) + _EPS
        shares = rows / total
        shifted = shares + _EPS
        log_shares = torch.log(shifted)
        value = (rows * l1 - le * shares * log_shares).sum()
        d_shares = log_shares + shares / shifted  # minus d entropy / d share
        d_rows = l1 - le * (d_shares - (d_shares * shares).sum(1, keepdim=True)) / total
        return value, [d_rows[l, :s.numel()].view_as(s) for l, s in enumerate(scales)]


def _features(ht: Tensor, layer, bases: spline.PiecewiseBases) -> tuple[Tensor, Tensor]:
    """Per-input features ``[silu(h), B_1(h), ..., B_C(h)]`` and their derivatives with
    respect to h, each (in, batch, 1 + C) (views of one buffer)."""
    k, n_coeff = layer.spline_order, layer.grid.shape[1] - layer.spline_order - 1
    dense = bases(ht)  # (in, batch, 2, slots); slot k is free
    sigmoid = torch.sigmoid(ht)
    dense[:, :, 0, k] = ht * sigmoid
    dense[:, :, 1, k] = sigmoid * (1 + ht * (1 - sigmoid))
    return dense[:, :, 0, k:k + 1 + n_coeff], dense[:, :, 1, k:k + 1 + n_coeff]
