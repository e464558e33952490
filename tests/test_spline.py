import numpy as np
import pytest
import torch
from scipy.interpolate import BSpline

from kansr.kan import spline


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_bases_match_scipy_and_sum_to_one(order):
    grid = spline.uniform_grid(torch.tensor([-1.0, 0.0], dtype=torch.float64),
                               torch.tensor([1.0, 3.0], dtype=torch.float64), 7, order)
    x = torch.stack([torch.linspace(-1, 1 - 1e-9, 201), torch.linspace(0, 3 - 1e-9, 201)], dim=1)
    x = x.to(torch.float64)
    bases = spline.bspline_basis(x, grid, order)  # (batch, features, coeff)
    assert bases.shape == (201, 2, 7 + order)
    for feature in range(2):
        expected = BSpline.design_matrix(x[:, feature].numpy(), grid[feature].numpy(), order).toarray()
        np.testing.assert_allclose(bases[:, feature].numpy(), expected, atol=1e-10)
    np.testing.assert_allclose(bases.sum(-1).numpy(), 1.0, atol=1e-12)


def test_least_squares_fit_reproduces_a_cubic_exactly():
    # a cubic polynomial lies in the span of cubic B-splines
    x = torch.linspace(-1, 1, 300, dtype=torch.float64)[:, None]
    y = (x**3 - 0.5 * x + 0.2)[:, None, :]  # (batch, out=1, in=1)
    grid = spline.uniform_grid(torch.tensor([-1.0], dtype=torch.float64),
                               torch.tensor([1.0], dtype=torch.float64), 4, 3)
    coef = spline.fit_coefficients(x, y, grid, 3, ridge=0.0)
    np.testing.assert_allclose(spline.evaluate(x, grid, coef, 3).numpy(), y.numpy(), atol=1e-10)


def test_grid_extension_carries_the_function_over():
    x = torch.linspace(-1, 1, 500, dtype=torch.float64)[:, None]
    y = torch.sin(3 * x)[:, None, :]
    coarse = spline.uniform_grid(torch.tensor([-1.0], dtype=torch.float64),
                                 torch.tensor([1.0], dtype=torch.float64), 5, 3)
    coef = spline.fit_coefficients(x, y, coarse, 3)
    fine = spline.grid_from_samples(x, 20, 3)
    fine_coef = spline.refit_on_grid(x, coarse, coef, fine, 3)
    assert fine_coef.shape == (1, 1, 23)
    before = spline.evaluate(x, coarse, coef, 3)
    after = spline.evaluate(x, fine, fine_coef, 3)
    assert torch.max(torch.abs(before - after)) < 1e-4


def test_grid_from_samples_covers_the_data():
    x = torch.tensor([[0.5], [2.0], [9.0], [3.0]], dtype=torch.float64)
    grid = spline.grid_from_samples(x, 4, 3)
    assert grid.shape == (1, 4 + 1 + 6)
    assert grid[0, 3] < 0.5 and grid[0, -4] > 9.0
    assert torch.all(grid[:, 1:] > grid[:, :-1])


@pytest.mark.parametrize("order", [1, 2, 3])
def test_polynomial_pieces_equal_the_recursion_inside_and_outside_the_grid(order):
    samples = torch.randn(500, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    grid = spline.grid_from_samples(samples, 6, order)  # non-uniform knots
    x = torch.linspace(-4, 4, 801, dtype=torch.float64).repeat(2, 1)  # well past both ends
    values, slopes = spline.bases_batch_last(x, grid, order, derivative=True)  # (features, coeff, batch)
    pieces, origins = spline.polynomial_pieces(grid, order)
    rows = torch.searchsorted(grid, x, right=True)  # (features, batch)
    u = (x - origins.gather(1, rows))[..., None, None]
    coef = pieces[torch.arange(2)[:, None], rows]  # (features, batch, powers, bases)
    powers = torch.arange(order + 1)[:, None]
    from_pieces = (coef * u**powers).sum(2).transpose(1, 2)  # (features, bases, batch)
    slope_pieces = (coef[:, :, 1:] * powers[1:] * u ** (powers[1:] - 1)).sum(2).transpose(1, 2)
    np.testing.assert_allclose(from_pieces.numpy(), values.numpy(), atol=1e-12)
    np.testing.assert_allclose(slope_pieces.numpy(), slopes.numpy(), atol=1e-10)
    assert float(pieces[:, [0, -1]].abs().max()) == 0.0  # left and right of the grid: nothing
    # the derivative is the derivative: central differences of the recursion
    step = 1e-6
    ahead = spline.bases_batch_last(x + step, grid, order)
    behind = spline.bases_batch_last(x - step, grid, order)
    inside = (x[0] > grid[0, order]) & (x[0] < grid[0, -order - 1])
    numeric = ((ahead - behind) / (2 * step))[0][:, inside]
    np.testing.assert_allclose(slopes[0][:, inside].numpy(), numeric.numpy(), atol=1e-5)
