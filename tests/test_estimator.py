import numpy as np
import pandas as pd
import pytest
import sympy
from sklearn.utils.estimator_checks import parametrize_with_checks

from kansr import KANSymbolicRegressor

# Checks that cannot pass by design, with the reason.
EXPECTED_FAILURES = {
    # y = X[:, 0] is rejected on purpose: a target that is a constant multiple of an input
    # has nothing to discover (a DataError, as for the CLI)
    "check_regressors_no_decision_function": "the target is a copy of an input column",
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
    model = KANSymbolicRegressor(seed=0, time_budget=60).fit(frame, target)
    a, b = sympy.symbols("a b")
    assert sympy.simplify(model.sympy() - a * b) == 0
    assert model.score(frame, target) > 0.999999
    np.testing.assert_allclose(model.predict(frame), target, rtol=1e-8)
    assert "a" in model.latex() and list(model.equations_.columns)[:3] == ["complexity", "rmse", "r2"]
    with pytest.raises(ValueError):
        model.predict(frame[["a"]])
