import math

import numpy as np
import pytest
import torch

from kansr.kan.lbfgs import LBFGS
from kansr.kan import KAN, KANConfig
from kansr.kan.objective import Objective
from kansr.kan import TrainConfig, train


def _data(n_in, n_out, rows=300, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(rows, n_in, generator=generator, dtype=torch.float64) * 2 - 1
    y = torch.randn(rows, n_out, generator=generator, dtype=torch.float64)
    return x, y


@pytest.mark.parametrize("width", [[4, 5, 1], [3, 4, 2, 1], [2, 3, 2], [3, 1]])
@pytest.mark.parametrize("lamb", [0.0, 0.05])
@pytest.mark.parametrize("beyond", [False, True])
def test_hand_written_gradient_equals_autograd(width, lamb, beyond):
    x, y = _data(width[0], width[-1])
    model = KAN(KANConfig(width=width, seed=1))
    with torch.no_grad():
        for layer in model.layers:
            layer.spline_coef.normal_(generator=torch.Generator().manual_seed(2))
            layer.mask[0, 0] = 0.0  # a pruned edge
    model.update_grid(x)  # non-uniform grids that follow the data
    if beyond and len(width) > 2:  # hidden values past their grids' ends, where every basis is zero
        with torch.no_grad():
            model.layers[0].spline_coef.mul_(6.0)
            hidden = model.trace(x).inputs[1]
            grid = model.layers[1].grid
            assert bool((hidden < grid[:, 0]).any() | (hidden > grid[:, -1]).any())
    objective = Objective(model, x, y, lamb, lamb_l1=1.0, lamb_entropy=2.0)
    assert objective.fast
    loss, grad = objective._fast()
    loss_ref, grad_ref = objective._autograd()
    assert abs(float(loss) - float(loss_ref)) < 1e-12 * max(1.0, float(loss_ref))
    grad_ref = torch.nan_to_num(grad_ref)  # autograd's std of an all-zero (masked) edge
    np.testing.assert_allclose(grad.numpy(), grad_ref.numpy(), atol=1e-12)
    assert float(grad.abs().max()) > 1e-3  # not trivially zero


def test_parameters_are_views_of_theta():
    x, y = _data(2, 1)
    model = KAN(KANConfig(width=[2, 3, 1]))
    objective = Objective(model, x, y, 0.0, 1.0, 2.0)
    objective.theta.zero_()
    assert all(float(p.detach().abs().max()) == 0.0 for p in objective.params)


def test_lbfgs_minimises_a_badly_scaled_quadratic():
    # f(θ) = ½ θ'Aθ - b'θ, condition number 1000: L-BFGS must reach A⁻¹b (as far as the line
    # search's 1e-9 step tolerance lets it; torch.optim.LBFGS with max_iter=1 is still 0.48 off)
    generator = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(20, 20, generator=generator, dtype=torch.float64))
    a = q @ torch.diag(torch.logspace(0, 3, 20, dtype=torch.float64)) @ q.T
    b = torch.randn(20, generator=generator, dtype=torch.float64)

    class Quadratic:
        theta = torch.zeros(20, dtype=torch.float64)

        def __call__(self):
            return 0.5 * self.theta @ a @ self.theta - b @ self.theta, a @ self.theta - b

    optimizer = LBFGS(Quadratic(), history_size=10)
    for _ in range(200):
        optimizer.step()
    solution = torch.linalg.solve(a, b)
    assert float((optimizer.theta - solution).abs().max()) < 1e-4
    assert float(optimizer.loss) - float(-0.5 * b @ solution) < 1e-10


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_training_fits_a_smooth_function(optimizer):
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(400, 2, generator=generator, dtype=torch.float64) * 2 - 1
    y = torch.sin(math.pi * x[:, :1]) + x[:, 1:] ** 2
    model = KAN(KANConfig(width=[2, 3, 1]))
    config = TrainConfig(steps=150, optimizer=optimizer, lr=1.0 if optimizer == "lbfgs" else 0.02,
                         lamb=0.001, val_fraction=0.0)
    report = train(model, x, y, config)
    assert report.train_rmse < (0.02 if optimizer == "lbfgs" else 0.1)  # y's std is 0.8
