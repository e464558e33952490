"""From a CSV file to a formula: the bundled Coulomb's-law table.

    python examples/csv_to_formula.py [data.csv]
"""

import sys
from pathlib import Path

import kansr

path = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "datasets" / "coulomb.csv"
result = kansr.discover(path, seed=0, time_budget=60, verbose=False)
print(f"{result.target} = {result.formula}")
print(f"R2 = {result.r2:.6f}, complexity {result.complexity}, found by the {result.attempt} trial")
print(result.front[["complexity", "r2", "formula"]].to_string(index=False))
