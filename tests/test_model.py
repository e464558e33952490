import math

import numpy as np
import torch

from kansr.kan import KAN, KANConfig
from kansr.kan import mask_model, prune, prune_masks
from kansr.kan import TrainConfig, train


def _data(seed=0, n=1000):
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, dtype=torch.float64, generator=generator) * 2 - 1
    y = torch.exp(torch.sin(math.pi * x[:, :1]) + x[:, 1:2] ** 2)
    return x, (y - y.mean()) / y.std()


def test_edge_outputs_shape_and_sum():
    model = KAN(KANConfig(width=[3, 4, 2]))
    x = torch.rand(7, 3, dtype=torch.float64)
    edges = model.layers[0].edge_outputs(x)
    assert edges.shape == (7, 4, 3)
    torch.testing.assert_close(model.layers[0](x), edges.sum(-1))
    assert model(x).shape == (7, 2)


def test_float32_model_runs():
    model = KAN(KANConfig(width=[2, 3, 1], dtype=torch.float32))
    assert model(torch.rand(5, 2)).dtype == torch.float32


def test_sin_fit_improves_at_each_grid_extension():
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(1000, 1, dtype=torch.float64, generator=generator) * 2 - 1
    y = torch.sin(math.pi * x)
    model = KAN(KANConfig(width=[1, 1], grid_size=5))
    report = train(model, x, y, TrainConfig(steps=100, grid_schedule=(5, 10, 20, 50)))
    print(report.history.to_string())
    val = report.history.val_rmse.to_numpy()
    assert np.all(np.diff(val) < 0)
    assert val[-1] < 1e-4


def test_regularized_kan_prunes_to_the_true_structure():
    x, y = _data()
    model = KAN(KANConfig(width=[3, 5, 1], seed=0))
    # 400 steps: at 200 the regularised fit reached <= 2 hidden nodes for 6 of seeds 0-7, at 400 for 7
    train(model, x, y, TrainConfig(steps=400, lamb=0.01))
    pruned = prune(model, x, threshold=0.05)
    assert pruned.input_index.tolist() == [0, 1]  # x3 dropped
    assert pruned.width[1] <= 2
    report = train(pruned, x, y, TrainConfig(steps=100, grid_schedule=(5, 10, 20)))
    assert 1 - report.val_rmse**2 / float(y.var()) > 0.999


def test_pruned_model_equals_masked_original():
    x, y = _data(1, 300)
    model = KAN(KANConfig(width=[3, 5, 1], seed=1))
    train(model, x, y, TrainConfig(steps=30, lamb=0.01))
    keep_nodes, keep_edges = prune_masks(model, x, 0.05)
    pruned = prune(model, x, 0.05)
    assert sum(pruned.width) < sum(model.width)
    torch.testing.assert_close(pruned(x), mask_model(model, keep_nodes, keep_edges)(x), atol=1e-12, rtol=0)


def test_same_seed_gives_bitwise_identical_predictions():
    x, y = _data(2, 400)
    predictions = []
    for _ in range(2):
        model = KAN(KANConfig(width=[3, 4, 1], seed=3))
        train(model, x, y, TrainConfig(steps=20, lamb=0.01, seed=3))
        predictions.append(model(x).detach())
    assert torch.equal(predictions[0], predictions[1])
