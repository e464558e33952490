"""B-spline bases and coefficient fitting, as pure tensor functions.

Conventions: ``x`` has shape (batch, n_features); a grid has one row of knots per
feature, shape (n_features, grid_size + 1 + 2 * spline_order): ``grid_size``
intervals over the data range, extended by ``spline_order`` knots on each side so
that every point of the range is covered by ``spline_order + 1`` bases.
There are ``grid_size + spline_order`` bases per feature.
"""

from __future__ import annotations

import torch
from torch import Tensor


def uniform_grid(
    low: Tensor, high: Tensor, grid_size: int, spline_order: int
) -> Tensor:
    """Uniform knots over [low, high] per feature, extended by ``spline_order`` knots each side.

    Parameters
    ----------
    low, high : Tensor, shape (n_features,)
    Returns
    -------
    Tensor, shape (n_features, grid_size + 1 + 2 * spline_order)
    """
    step = (high - low) / grid_size  # (features,)
    steps = torch.arange(
        -spline_order, grid_size + spline_order + 1, dtype=low.dtype, device=low.device
    )  # (knots,)
    return low[:, None] + steps[None, :] * step[:, None]


def bases_batch_last(xt: Tensor, grid: Tensor, spline_order: int, derivative: bool = False):
    """B-spline bases by the Cox–de Boor recursion, batch as the last axis (no autograd).

    The batch is the long contiguous axis, which keeps the broadcasting element-wise
    kernels vectorised (3x faster than batch-first). With ``derivative``, also returns
    each basis' derivative in closed form from the order ``k - 1`` bases:
    ``B'_{i,k} = k B_{i,k-1} / (t_{i+k} - t_i) - k B_{i+1,k-1} / (t_{i+k+1} - t_{i+1})``.

    Parameters
    ----------
    xt : Tensor, shape (n_features, batch)
    grid : Tensor, shape (n_features, n_knots)
    Returns
    -------
    Tensor, shape (n_features, n_knots - spline_order - 1, batch), and with ``derivative``
    a second one of the same shape.
    """
    with torch.no_grad():
        xs = xt.unsqueeze(1)  # (features, 1, batch)
        knots = grid.unsqueeze(-1)  # (features, knots, 1)
        bases = ((xs >= knots[:, :-1]) & (xs < knots[:, 1:])).to(xt.dtype)  # (features, knots-1, batch)
        lower = bases
        for order in range(1, spline_order + 1):
            lower = bases
            left = (xs - knots[:, : -(order + 1)]) / (knots[:, order:-1] - knots[:, : -(order + 1)])
            right = (knots[:, order + 1 :] - xs) / (knots[:, order + 1 :] - knots[:, 1:-order])
            bases = left * bases[:, :-1] + right * bases[:, 1:]  # (features, knots-1-order, batch)
        if not derivative:
            return bases
        k = spline_order
        if k == 0:
            return bases, torch.zeros_like(bases)
        slope = k * (lower[:, :-1] / (knots[:, k:-1] - knots[:, : -(k + 1)])
                     - lower[:, 1:] / (knots[:, k + 1 :] - knots[:, 1:-k]))
        return bases, slope


class PiecewiseBases:
    """Bases and their derivatives on a fixed grid from each interval's polynomial pieces.

    On knot interval j only the ``k + 1`` bases B_{j-k} .. B_j are non-zero, and each is a
    polynomial of degree k in (x - t_j). The pieces are found once per grid (interpolated
    exactly at k + 1 points inside each interval, so they equal the Cox–de Boor values to
    rounding); each call then costs a search for the interval, a gather of its
    coefficients, k Horner steps and a scatter into the dense layout, on buffers kept
    between calls (training calls it with the same batch size thousands of times, and
    large fresh allocations each time cost as much as the arithmetic).

    Parameters
    ----------
    grid : Tensor, shape (n_features, n_knots)
    spline_order : int
    batch : int, optional
        Allocate the buffers for this many points now (``buffer`` then exists).
    """

    def __init__(self, grid: Tensor, spline_order: int, batch: int | None = None) -> None:
        k = self.k = spline_order
        self.grid = grid.contiguous()
        n_features, n_knots = grid.shape
        n_bases = n_knots - k - 1
        arange = lambda n: torch.arange(n, device=grid.device)  # noqa: E731
        with torch.no_grad():
            width = grid[:, 1:] - grid[:, :-1]  # (features, intervals)
            fractions = (arange(k + 1).to(grid.dtype) + 0.5) / (k + 1)
            points = grid[:, :-1, None] + width[:, :, None] * fractions  # (features, intervals, k+1)
            dense = bases_batch_last(points.reshape(n_features, -1), grid, k)
            dense = dense.reshape(n_features, n_bases, n_knots - 1, k + 1)
            which = arange(n_knots - 1)[:, None] - k + arange(k + 1)  # bases non-zero on each interval
            values = dense[:, which.clamp(0, n_bases - 1), arange(n_knots - 1)[:, None]]
            values = values * ((which >= 0) & (which < n_bases))[..., None]  # (f, intervals, bases, points)
            powers = arange(k + 1).flip(0)  # highest first, the order Horner's scheme takes them
            vandermonde = fractions[:, None] ** powers  # in units of the interval's width
            coef = torch.linalg.solve(vandermonde, values.transpose(-1, -2)).transpose(-1, -2)
            coef = coef / width[:, :, None, None] ** powers  # into powers of (x - t_j)
            slope = torch.nn.functional.pad(coef[..., :-1] * powers[:-1], (1, 0))
            both = torch.stack([coef, slope], dim=2)  # (features, intervals, 2, bases, powers)
            # entries 0 and n_knots: left and right of the grid, where every basis is zero
            outside = both.new_zeros(n_features, 1, 2, k + 1, k + 1)
            both = torch.cat([outside, both, outside], dim=1)
            # one row per interval: (powers, value/derivative, bases), highest power first
            self.coef = both.permute(0, 1, 4, 2, 3).reshape(n_features * (n_knots + 1), -1).contiguous()
            self.origins = torch.cat([grid[:, :1], grid[:, :-1], grid[:, -1:]], dim=1).contiguous()
            self.row_offset = arange(n_features)[:, None] * (n_knots + 1)
        self._batch = -1
        if batch is not None:
            self._buffers(batch)

    def _buffers(self, batch: int) -> None:
        n_features, n_knots = self.grid.shape
        k, factory = self.k, {"dtype": self.grid.dtype, "device": self.grid.device}
        self._gathered = torch.empty(n_features * batch, self.coef.shape[1], **factory)
        self._pieces = [torch.empty(n_features * batch, 2 * (k + 1), **factory) for _ in range(2)]
        # flat position in one feature's (slots, 2, batch) block of piece j = (half, r) of
        # point b: (span + r) * 2 * batch + half * batch + b; the span part is added per call
        long = {"dtype": torch.long, "device": self.grid.device}
        half, r = torch.arange(2, **long).repeat_interleave(k + 1), torch.arange(k + 1, **long).repeat(2)
        self._position = (r * 2 * batch + half * batch)[None, :] + torch.arange(batch, **long)[:, None]
        self._slots = torch.empty(n_features, batch, 2 * (k + 1), **long)
        self.buffer = torch.empty(n_features, n_knots + k + 1, 2, batch, **factory)
        self._batch = batch

    def __call__(self, xt: Tensor) -> Tensor:
        """Values and derivatives of every basis at ``xt`` (n_features, batch).

        Returns a buffer of shape (n_features, n_knots + k + 1, 2, batch), overwritten by
        the next call: [:, :, 0] values, [:, :, 1] derivatives; basis c sits in slot
        ``c + k + 1``; slots 0 .. k are scratch (zero), for the caller to use. (Slots
        before values and derivatives before the batch, so that a slot's values and
        derivatives form one contiguous row of 2 * batch.)
        """
        k = self.k
        n_features, batch = xt.shape
        if batch != self._batch:
            self._buffers(batch)
        with torch.no_grad():
            span = torch.searchsorted(self.grid, xt.contiguous(), right=True)  # 0 .. n_knots
            dx = (xt - self.origins.gather(1, span)).reshape(-1, 1)
            rows = (span + self.row_offset).reshape(-1)
            coef = torch.index_select(self.coef, 0, rows, out=self._gathered).view(-1, k + 1, 2 * (k + 1))
            pieces = coef[:, 0]
            for power in range(1, k + 1):  # Horner's scheme: c_p + (...) * dx
                pieces = torch.addcmul(coef[:, power], pieces, dx, out=self._pieces[power % 2])
            torch.add(self._position, span.unsqueeze(-1), alpha=2 * batch, out=self._slots)
            out = self.buffer.zero_()
            out.view(n_features, -1).scatter_(1, self._slots.view(n_features, -1), pieces.view(n_features, -1))
        return out


def bspline_basis(x: Tensor, grid: Tensor, spline_order: int) -> Tensor:
    """All B-spline bases of ``spline_order`` at ``x`` by the Cox–de Boor recursion.

    The recursion itself runs outside autograd (``bases_batch_last``). When ``x`` needs a
    gradient, the closed-form derivative of each basis is attached, so the backward pass
    costs a few tensor operations instead of retracing the recursion (first derivatives
    only; nothing here needs second ones).

    Parameters
    ----------
    x : Tensor, shape (batch, n_features)
    grid : Tensor, shape (n_features, n_knots)
    Returns
    -------
    Tensor, shape (batch, n_features, n_knots - spline_order - 1)
    """
    if not x.requires_grad or spline_order == 0:
        return bases_batch_last(x.detach().T, grid, spline_order).permute(2, 0, 1)  # a view
    bases, slope = bases_batch_last(x.detach().T, grid, spline_order, derivative=True)
    bases, slope = bases.permute(2, 0, 1), slope.permute(2, 0, 1)
    # value exactly ``bases``; gradient with respect to x exactly ``slope``
    return bases + (x - x.detach()).unsqueeze(-1) * slope


def fit_coefficients(
    x: Tensor, y: Tensor, grid: Tensor, spline_order: int, ridge: float = 1e-8
) -> Tensor:
    """Least-squares spline coefficients so that ``sum_c coef[o, i, c] * B_ic(x_i) ≈ y[:, o, i]``.

    A small ridge term keeps bases that no sample touches at zero instead of
    making the system singular.

    Parameters
    ----------
    x : Tensor, shape (batch, n_in)
    y : Tensor, shape (batch, n_out, n_in)
    grid : Tensor, shape (n_in, n_knots)
    Returns
    -------
    Tensor, shape (n_out, n_in, n_knots - spline_order - 1)
    """
    basis = bspline_basis(x, grid, spline_order).permute(1, 0, 2)  # (in, batch, coeff)
    gram = basis.transpose(1, 2) @ basis  # (in, coeff, coeff)
    scale = gram.diagonal(dim1=1, dim2=2).mean(-1).clamp_min(1e-12)  # (in,)
    eye = torch.eye(gram.shape[-1], dtype=x.dtype, device=x.device)
    gram = gram + ridge * scale[:, None, None] * eye
    rhs = basis.transpose(1, 2) @ y.permute(2, 0, 1)  # (in, coeff, out)
    coef = torch.linalg.solve(gram, rhs)  # (in, coeff, out)
    return coef.permute(2, 0, 1).contiguous()  # (out, in, coeff)


def evaluate(x: Tensor, grid: Tensor, coef: Tensor, spline_order: int, basis: Tensor | None = None) -> Tensor:
    """Spline values of every edge: the bases of each input, computed once, contracted
    with all edges' coefficients in one einsum.

    Parameters
    ----------
    x : Tensor, shape (batch, n_in)
    grid : Tensor, shape (n_in, n_knots)
    coef : Tensor, shape (n_out, n_in, n_coeff)
    basis : Tensor, optional
        ``bspline_basis(x, grid, spline_order)`` when the caller already has it.
    Returns
    -------
    Tensor, shape (batch, n_out, n_in)
    """
    if basis is None:
        basis = bspline_basis(x, grid, spline_order)  # (batch, in, coeff)
    return torch.einsum("bic,oic->boi", basis, coef)


def grid_from_samples(
    x: Tensor, grid_size: int, spline_order: int, uniform_fraction: float = 0.02,
    margin: float = 0.01,
) -> Tensor:
    """A grid that follows the samples: a blend of quantile knots and uniform knots.

    ``uniform_fraction`` = 1 gives a uniform grid over the sample range, 0 a grid at
    the sample quantiles. The extension knots repeat the mean step of each end.

    Parameters
    ----------
    x : Tensor, shape (batch, n_features)
    Returns
    -------
    Tensor, shape (n_features, grid_size + 1 + 2 * spline_order)
    """
    low = x.min(dim=0).values  # (features,)
    high = x.max(dim=0).values
    span = (high - low).clamp_min(1e-6)
    low, high = low - margin * span, high + margin * span
    probs = torch.linspace(0, 1, grid_size + 1, dtype=x.dtype, device=x.device)
    quantiles = torch.quantile(x, probs, dim=0).T  # (features, grid+1)
    quantiles[:, 0], quantiles[:, -1] = low, high
    uniform = uniform_grid(low, high, grid_size, 0)  # (features, grid+1)
    inner = uniform_fraction * uniform + (1 - uniform_fraction) * quantiles
    step = (high - low)[:, None] / grid_size  # (features, 1)
    ramp = torch.arange(1, spline_order + 1, dtype=x.dtype, device=x.device)[None, :]
    left = inner[:, :1] - ramp.flip(-1) * step
    right = inner[:, -1:] + ramp * step
    return torch.cat([left, inner, right], dim=1)


def refit_on_grid(
    x: Tensor, grid: Tensor, coef: Tensor, new_grid: Tensor, spline_order: int
) -> Tensor:
    """Carry spline functions from ``grid`` to ``new_grid`` by refitting on samples ``x``.

    Used both for grid extension (coarse -> fine) and for grid updates (grid moves to
    follow the data). Returns coefficients, shape (n_out, n_in, new_n_coeff).
    """
    values = evaluate(x, grid, coef, spline_order)  # (batch, out, in)
    return fit_coefficients(x, values, new_grid, spline_order)
