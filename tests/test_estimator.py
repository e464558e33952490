import numpy as np
import pandas as pd
import pytest
import sympy
from sklearn.utils.estimator_checks import parametrize_with_checks

from kansr import KANSymbolicRegressor

# Checks that cannot pass by design, with the reason.
EXPECTED_FAILURES: dict[str, str] = {
    "check_sample_weight_equivalence_on_dense_data":
        "a weight of 2 is the same row twice in each least-squares fit, but not in the search: "
        "the rows held out, the cross-validation folds and the description length count rows",
}


def _fast():
    # no time budget: a clock-dependent cut-off would make results depend on timing
    return KANSymbolicRegressor(time_budget=None, steps=5, architectures=("additive",), transforms=("identity",))


@pytest.mark.slow
@parametrize_with_checks([_fast()], expected_failed_checks=lambda est: EXPECTED_FAILURES)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_fit_predict_sympy_on_dataframe():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.uniform(1, 3, 200), "b": rng.uniform(1, 3, 200)})
    target = frame.a * frame.b
    model = KANSymbolicRegressor(random_state=0, time_budget=60).fit(frame, target)
    a, b = sympy.symbols("a b")
    assert sympy.simplify(model.sympy() - a * b) == 0
    assert model.score(frame, target) > 0.999999
    np.testing.assert_allclose(model.predict(frame), target, rtol=1e-8)
    assert "a" in model.latex() and list(model.equations_.columns)[:3] == ["complexity", "rmse", "r2"]
    with pytest.raises(ValueError):
        model.predict(frame[["a"]])


def test_docstring_examples_run():
    import doctest

    import kansr.estimator

    failures, tried = doctest.testmod(kansr.estimator, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


def test_every_discover_setting_is_reachable_and_explicit_parameters_win():
    from kansr import DiscoverConfig

    config = DiscoverConfig(steps=7, val_fraction=0.3, architectures=("additive", "product"))
    model = KANSymbolicRegressor(config=config, architectures=("additive",))
    assert model._config() == DiscoverConfig(steps=7, val_fraction=0.3, architectures=("additive",))
    assert KANSymbolicRegressor()._config() == DiscoverConfig()
    with pytest.raises(TypeError):
        KANSymbolicRegressor(0)  # keyword-only, as scikit-learn asks
