"""Figures of a discovered formula: the KAN behind it, the Pareto front, predicted vs actual.

    python examples/plot_kan.py [output directory]     (needs matplotlib)
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import kansr

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
rng = np.random.default_rng(0)
x, y = rng.uniform(-1, 1, (2, 400))
frame = pd.DataFrame({"x": x, "y": y, "f": np.exp(np.sin(np.pi * x) + y**2)})
result = kansr.discover(frame, seed=0, time_budget=60, verbose=False)
print(f"f = {result.formula}")
kansr.plot_kan(result, out / "kan.png")
kansr.plot_front(result, out / "front.png")
kansr.plot_fit(result, frame, out / "fit.png")
print("wrote", ", ".join(str(out / name) for name in ("kan.png", "front.png", "fit.png")))
