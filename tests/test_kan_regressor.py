"""KANRegressor: the KAN as a scikit-learn regressor, and continual learning with partial_fit."""

import doctest

import numpy as np
import pytest
import sympy
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

import kansr.kan_regressor
from kansr import KANRegressor
from kansr.kan import KAN, KANConfig, spline

# Checks that cannot pass by design, with the reason (none at present).
EXPECTED_FAILURES: dict[str, str] = {}


@pytest.mark.slow
@parametrize_with_checks([KANRegressor(steps=20, grid_schedule=(3, 5))],
                         expected_failed_checks=lambda est: EXPECTED_FAILURES)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _phases(width):
    """A KAN fitted on x in [-1, -0.3], then partial_fit on [0.3, 1] (disjoint, 0.6 apart)."""
    first = np.linspace(-1, -0.3, 150)[:, None]
    second = np.linspace(0.3, 1, 150)[:, None]
    model = KANRegressor(hidden_layer_sizes=width, grid_size=10, steps=200, random_state=0)
    model.partial_fit(first, np.sin(6 * first[:, 0]))
    dense = np.linspace(-1, -0.3, 1001)[:, None]  # rows never trained on, between the first phase's
    before = model.predict(dense)
    model.partial_fit(second, np.cos(6 * second[:, 0]))
    return model, dense, before, second


def test_partial_fit_on_a_disjoint_interval_leaves_a_one_layer_kan_unchanged_there():
    model, dense, before, second = _phases(())
    np.testing.assert_array_equal(model.predict(dense), before)  # to the last bit, not only 1e-6
    assert np.sqrt(np.mean((model.predict(second) - np.cos(6 * second[:, 0])) ** 2)) < 1e-3
    assert np.sqrt(np.mean((before - np.sin(6 * dense[:, 0])) ** 2)) < 1e-3


def test_partial_fit_on_a_disjoint_interval_leaves_a_deeper_kan_unchanged_there():
    # [1, 5, 1]: the hidden coefficients the first phase's hidden values reach are held, so
    # the first interval's predictions stay put (measured: a change of 0 to ~1e-16; without
    # holding them 0.3) while the second interval is learned through new hidden values
    model, dense, before, second = _phases((5,))
    assert np.max(np.abs(model.predict(dense) - before)) < 1e-12
    assert np.sqrt(np.mean((model.predict(second) - np.cos(6 * second[:, 0])) ** 2)) < 0.02


def test_extending_a_grid_keeps_every_spline_where_it_was():
    torch.manual_seed(0)
    model = KAN(KANConfig(width=[2, 3, 1], grid_size=6, grid_range=(-1.0, 1.0)))
    with torch.no_grad():
        for layer in model.layers:
            layer.spline_coef.normal_()
    x = torch.rand(400, 2, dtype=torch.float64) * 2.4 - 1.2  # also past the old grid's ends
    before = model(x)
    added = model.extend_grids(torch.tensor([[-3.0, 0.0], [0.5, 4.0]], dtype=torch.float64))
    assert added[0] == (6, 9)  # intervals of 2/6: the range's ends move from -1 to -3 and from 1 to 4
    np.testing.assert_allclose(model(x).detach(), before.detach(), rtol=0, atol=1e-13)
    grid = model.layers[0].grid
    assert torch.allclose(torch.diff(grid, dim=1), torch.full_like(grid[:, 1:], 2 / 6))  # same spacing
    # the new bases really are there: a point at x = -2.9 now has non-zero bases
    basis = spline.bspline_basis(torch.tensor([[-2.9, 3.9]], dtype=torch.float64), grid, 3)
    assert torch.all(basis.sum(-1) > 0.99)


def test_grid_extension_lowers_the_error():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (400, 2))
    y = np.exp(np.sin(np.pi * X[:, 0]) + X[:, 1] ** 2)
    coarse = KANRegressor(hidden_layer_sizes=(1,), grid_schedule=(5,), random_state=0).fit(X, y)
    fine = KANRegressor(hidden_layer_sizes=(1,), grid_schedule=(5, 10, 20), random_state=0).fit(X, y)
    test = rng.uniform(-1, 1, (400, 2))
    truth = np.exp(np.sin(np.pi * test[:, 0]) + test[:, 1] ** 2)
    coarse_rmse = np.sqrt(np.mean((coarse.predict(test) - truth) ** 2))
    fine_rmse = np.sqrt(np.mean((fine.predict(test) - truth) ** 2))
    assert fine_rmse < coarse_rmse / 5


def test_to_symbolic_reads_the_formula_and_prune_drops_an_unused_input():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (300, 3))
    y = np.sin(np.pi * X[:, 0]) + X[:, 1] ** 2  # the third column plays no part
    model = KANRegressor(hidden_layer_sizes=(), random_state=0).fit(X, y)
    formula = model.to_symbolic()
    x0, x1, x2 = sympy.symbols("x0 x1 x2")
    values = sympy.lambdify([x0, x1, x2], formula)(*X.T)
    np.testing.assert_allclose(values, y, atol=1e-6)
    assert formula.has(sympy.sin) and x2 not in formula.free_symbols
    sparse = KANRegressor(hidden_layer_sizes=(3,), lamb=0.01, random_state=0).fit(X, y).prune(0.02)
    assert 2 not in sparse.model_.input_index.tolist()
    assert sparse.score(X, y) > 0.99


def test_multi_output_and_pandas():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"a": rng.uniform(0, 1, 200), "b": rng.uniform(0, 1, 200)})
    targets = np.column_stack([frame.a + frame.b, frame.a - frame.b])
    model = KANRegressor(hidden_layer_sizes=(), grid_schedule=(3,), random_state=0).fit(frame, targets)
    assert model.predict(frame).shape == (200, 2)
    assert model.score(frame, targets) > 0.9999
    a, b = sympy.symbols("a b")
    assert [sympy.simplify(f - law) for f, law in zip(model.to_symbolic(), (a + b, a - b))] == [0, 0]


def test_docstring_example_runs():
    results = doctest.testmod(kansr.kan_regressor, optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 1 and results.failed == 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_fit_predict_and_partial_fit_on_cuda():
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, (300, 2))
    y = np.sin(np.pi * X[:, 0]) + X[:, 1] ** 2
    cpu = KANRegressor(random_state=0).fit(X, y)
    gpu = KANRegressor(random_state=0, device="cuda").fit(X, y)
    assert next(gpu.model_.parameters()).device.type == "cuda"
    assert gpu.score(X, y) > 0.9999
    np.testing.assert_allclose(gpu.predict(X), cpu.predict(X), atol=1e-4)
    first, second = np.linspace(-1, -0.3, 150)[:, None], np.linspace(0.3, 1, 150)[:, None]
    model = KANRegressor(hidden_layer_sizes=(5,), grid_size=10, device="cuda", random_state=0)
    model.partial_fit(first, np.sin(6 * first[:, 0]))
    before = model.predict(first)
    model.partial_fit(second, np.cos(6 * second[:, 0]))
    assert np.max(np.abs(model.predict(first) - before)) < 1e-12
