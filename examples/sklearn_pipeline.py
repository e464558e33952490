"""The estimator inside a scikit-learn Pipeline, scored by cross-validation.

    python examples/sklearn_pipeline.py
"""

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from kansr import KANSymbolicRegressor

rng = np.random.default_rng(0)
X = pd.DataFrame({"m": rng.uniform(1, 5, 300), "v": rng.uniform(1, 3, 300)})
y = 0.5 * X.m * X.v**2  # kinetic energy

pipeline = Pipeline([
    ("keep", FunctionTransformer(feature_names_out="one-to-one")),  # any preprocessing goes here
    ("formula", KANSymbolicRegressor(random_state=0, time_budget=30)),
]).set_output(transform="pandas")  # the formula keeps the column names
scores = cross_val_score(pipeline, X, y, cv=KFold(3, shuffle=True, random_state=0), scoring="r2")
print("cross-validated R2:", np.round(scores, 6))
pipeline.fit(X, y)
print("formula:", pipeline[-1].sympy())
