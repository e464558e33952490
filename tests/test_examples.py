"""Every script in examples/ runs and prints what it promises."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))
EXPECTED = {"csv_to_formula.py": "F = q1*q2/(4*pi*epsilon*r**2)", "sklearn_pipeline.py": "formula: m*v**2/2",
            "plot_kan.py": "wrote", "lab_table.py": "your law: V = V0*exp(-t/tau)   V0 = "}


def test_every_example_is_checked():
    assert sorted(p.name for p in EXAMPLES) == sorted(EXPECTED)


# the README's own case runs by default; the others (8 to 12 s each, their features tested
# in their own modules) with -m slow
FAST = {"csv_to_formula.py"}


@pytest.mark.parametrize("script", [pytest.param(p, marks=() if p.name in FAST else pytest.mark.slow) for p in EXAMPLES],
                         ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    if script.name == "plot_kan.py":
        pytest.importorskip("matplotlib")
    completed = subprocess.run([sys.executable, str(script), str(tmp_path)] if script.name == "plot_kan.py"
                               else [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
                               env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert EXPECTED[script.name] in completed.stdout
    if script.name == "plot_kan.py":
        assert all((tmp_path / name).stat().st_size > 10_000 for name in ("kan.png", "front.png", "fit.png"))
