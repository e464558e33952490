import json
import os
from pathlib import Path

import numpy as np
import pytest
import sympy

from kansr.bench.judge import judge, scale_free_solution, symbolic_solution
from kansr.bench.problems import load_problems, sample, select
from kansr.bench.report import markdown
from kansr.symbolic import predict
from kansr.bench.runner import Task, run
from kansr.cli import main

x, y, z = sympy.symbols("x y z")
TESTS = str(Path(__file__).parent)


def test_suite_has_the_100_feynman_equations():
    problems = load_problems()
    assert len(problems) == 100
    gauss = select(problems, ["I.6.2a"])[0]
    assert gauss.variables == ("theta",) and gauss.ranges == ((1.0, 3.0),)
    assert all(len(p.variables) == len(p.ranges) for p in problems)


def test_table_inverse_functions_are_sympy_functions_an_answer_can_equal():
    # the table writes arcsin; read as an unknown function, no answer could ever match it
    problem = select(load_problems(), ["I.30.5"])[0]
    assert problem.formula.has(sympy.asin)
    lambd, d, n = problem.symbols
    assert symbolic_solution(problem.formula, sympy.asin(lambd / (d * n)), positive=[lambd, d, n])


def test_sampling_is_seeded_and_noise_scales_with_rms():
    problem = select(load_problems(), ["I.12.1"])[0]
    first = sample(problem, 500, seed=3)
    assert first.equals(sample(problem, 500, seed=3))
    assert not first.equals(sample(problem, 500, seed=4))
    noisy = sample(problem, 500, seed=3, noise=0.1)
    clean = noisy["mu"] * noisy["Nn"]
    rms = np.sqrt(np.mean(clean**2))
    assert np.std(noisy["F"] - clean) / rms == pytest.approx(0.1, rel=0.15)
    assert first[["mu", "Nn"]].min().min() >= 1 and first[["mu", "Nn"]].max().max() <= 5


@pytest.mark.parametrize("truth, answer", [
    (x * y, 3.2 * x * y),                          # constant factor off
    (x * y, x * y + 7.5),                          # added constant
    (x / (y * (1 + z)), 1 / (y / x + y * z / x)),  # rearranged
    (sympy.pi * x**2, 3.14159265358979 * x**2),    # pi as a decimal
    (sympy.exp(-x**2 / 2) / sympy.sqrt(2 * sympy.pi), 0.398942280401433 * sympy.exp(-x**2 / 2)),
])
def test_judge_true_positives(truth, answer):
    assert symbolic_solution(truth, answer)


@pytest.mark.parametrize("truth, answer", [
    (x * y**2, x * y**3),                    # wrong exponent
    (x + y + z, x + y),                      # missing term
    (x * (y + 1) ** 2, x * (y + 1.001) ** 2),  # stray offset inside a power
    (sympy.sin(x) * y, sympy.sin(1.01 * x) * y),
])
def test_judge_true_negatives(truth, answer):
    assert not symbolic_solution(truth, answer)


def test_judge_declares_positive_ranges_positive():
    truth, answer = sympy.sqrt(x * y / z), sympy.sqrt(x) * sympy.sqrt(y) / sympy.sqrt(z)
    assert not symbolic_solution(truth, answer)  # not equal for negative x, y, z
    assert symbolic_solution(truth, answer, positive=[x, y, z])
    assert not symbolic_solution(truth, sympy.sqrt(x) * y / sympy.sqrt(z), positive=[x, y, z])


def test_judge_takes_a_ratio_whose_square_is_constant_only_where_its_sign_is():
    c, v = sympy.symbols("c v")
    truth = (1 + v / c) / sympy.sqrt(1 - v**2 / c**2)
    answer = sympy.sqrt((c + v) / (c - v))  # equal where c > v, which sympy cannot know
    assert not symbolic_solution(truth, answer, positive=[c, v])  # SRBench's rule alone
    assert symbolic_solution(truth, answer, positive=[c, v], same_sign=True)
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(3, 10, 200), rng.uniform(1, 2, 200)])
    y = predict(truth, [c, v], X)
    assert judge(truth, answer, [c, v], X, y, positive=[c, v]).symbolic_solution
    # |x - 2| against x - 2: the squared ratio is 1; the ratio is constant only where x - 2
    # keeps its sign, which the judge finds on the test rows
    truth, answer = x - 2, sympy.sqrt((x - 2) ** 2)
    assert not symbolic_solution(truth, answer, positive=[x], same_sign=False)
    for low, expected in [(2.5, True), (0.0, False)]:
        X = np.linspace(low, low + 40, 101)[:, None]  # R² > 0.5 both times
        verdict = judge(truth, answer, [x], X, predict(truth, [x], X), positive=[x])
        assert verdict.r2_test > 0.5 and verdict.symbolic_solution == expected


def test_judge_requires_r2_and_records_sympy_timeout():
    symbols = [x, y]
    X = np.random.default_rng(0).uniform(1, 2, size=(100, 2))
    truth = x * y
    verdict = judge(truth, 5 * x * y, symbols, X, X[:, 0] * X[:, 1])
    assert not verdict.symbolic_solution  # R² is poor on the raw data: the rule is not even tried
    assert verdict.r2_test < 0.5
    hard = sympy.Add(*[sympy.sin(x + k) ** 2 * sympy.cos(y * k) for k in range(1, 40)])
    slow = judge(hard, hard + 1e-9 * x, symbols, X, sympy.lambdify([x, y], hard)(X[:, 0], X[:, 1]),
                 seconds=0.05)
    assert slow.judge_timeout and not slow.symbolic_solution


def _env_with_tests():
    return {"PYTHONPATH": TESTS + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_runner_records_a_hung_task_as_timeout_and_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", _env_with_tests()["PYTHONPATH"])
    out = tmp_path / "r.jsonl"
    tasks = [Task("I.12.1", 0.0, 0, "bench_helpers:sleeping_method", 1, hard_timeout=2, n_train=50, n_test=50),
             Task("I.29.4", 0.0, 0, "bench_helpers:exact_method", 1, hard_timeout=60, n_train=50, n_test=50)]
    rows = run(tasks, out, workers=2, log=lambda m: None)
    by_problem = {r["problem"]: r for r in rows}
    assert by_problem["I.12.1"]["status"] == "timeout"
    assert by_problem["I.29.4"]["status"] == "ok" and by_problem["I.29.4"]["symbolic_solution"]
    assert len(out.read_text().splitlines()) == 2
    # a rerun skips both finished tasks
    assert run(tasks, out, workers=2, log=lambda m: None) == []
    report = markdown(out)
    assert "| kansr" not in report and "timeout" in report


def test_bench_cli_and_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PYTHONPATH", _env_with_tests()["PYTHONPATH"])
    out = tmp_path / "r.jsonl"
    args = ["bench", "--only", "I.12.1,I.29.4", "--method", "bench_helpers:exact_method", "--workers", "2",
            "--out", str(out), "--time-budget", "5"]
    assert main(args) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["problem"] for r in rows) == ["I.12.1", "I.29.4"]
    assert all(r["symbolic_solution"] for r in rows)
    assert main(["bench", "report", str(out)]) == 0
    assert "| 2 | 2 | 2 |" in capsys.readouterr().out
    assert main(["bench", "--only", "I.99.99"]) == 2


@pytest.mark.slow
def test_dask_local_cluster_runs_tasks(tmp_path, monkeypatch):
    distributed = pytest.importorskip("dask.distributed")
    monkeypatch.setenv("PYTHONPATH", _env_with_tests()["PYTHONPATH"])
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                  dashboard_address=None) as cluster:
        out = tmp_path / "r.jsonl"
        code = main(["bench", "--only", "I.12.1,I.29.4", "--method", "bench_helpers:exact_method",
                     "--scheduler", cluster.scheduler_address, "--out", str(out)])
        assert code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 and all(r["status"] == "ok" and r["symbolic_solution"] for r in rows)


@pytest.mark.slow
@pytest.mark.skipif(not __import__("importlib").util.find_spec("kan"), reason="pykan not installed")
def test_pykan_adapter_runs(tmp_path):
    out = tmp_path / "r.jsonl"
    rows = run([Task("I.12.1", 0.0, 0, "pykan", 60, hard_timeout=600, n_train=200, n_test=200)], out)
    assert rows[0]["status"] in ("ok", "error") and "key" in rows[0]


def test_errored_tasks_rerun_and_report_keeps_the_last_row(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", _env_with_tests()["PYTHONPATH"])
    out = tmp_path / "r.jsonl"
    task = Task("I.29.4", 0.0, 0, "bench_helpers:exact_method", 1, hard_timeout=60, n_train=50, n_test=50)
    out.write_text(json.dumps({"key": task.key, "status": "error", "problem": "I.29.4", "noise": 0.0,
                               "seed": 0, "method": task.method, "wall_seconds": 1.0}) + "\n{broken")
    rows = run([task], out, log=lambda m: None)
    assert len(rows) == 1 and rows[0]["status"] == "ok"
    assert "| 1 | 1 | 1 | 1 | 0 | 0 |" in markdown(out)  # tasks, symbolic, scale-free, accuracy, ...


SUITE_HEADER = "Filename,Output,Formula,# variables,v1_name,v1_low,v1_high,v1_dist,v1_sign,v2_name,v2_low,v2_high,v2_dist\n"


def test_suite_csv_samples_each_variable_as_declared(tmp_path):
    suite = tmp_path / "suite.csv"
    suite.write_text(SUITE_HEADER + "P1,y,a*n,2,a,1e-3,1e3,log-uniform,random,n,1,6,integer\n"
                     "P2,y,a*n,2,a,1,5,,,n,1,5,\n")
    declared, plain = load_problems(suite)
    frame = sample(declared, 4000, seed=0)
    a, n = frame["a"].to_numpy(), frame["n"].to_numpy()
    # log-uniform over six decades: each decade holds about a sixth of the magnitudes
    decades = np.histogram(np.log10(np.abs(a)), bins=6, range=(-3, 3))[0] / len(a)
    assert np.abs(a).min() >= 1e-3 and np.abs(a).max() <= 1e3
    assert np.allclose(decades, 1 / 6, atol=0.03)
    # random sign: about half negative
    assert 0.45 < np.mean(a < 0) < 0.55
    # integer: the six values 1..6, each about as often
    assert set(np.unique(n)) == {1, 2, 3, 4, 5, 6}
    assert np.allclose(np.bincount(n.astype(int))[1:] / len(n), 1 / 6, atol=0.03)
    np.testing.assert_allclose(frame["y"], a * n)
    # a suite without the columns samples uniformly, and only positive ranges are declared positive
    b = sample(plain, 4000, seed=0)["a"]
    assert 1 <= b.min() and b.max() <= 5 and abs(b.mean() - 3) < 0.1
    assert [s.name for s in declared.positive()] == ["n"] and len(plain.positive()) == 2


def test_suite_with_an_unknown_distribution_is_a_clear_error(tmp_path, capsys):
    suite = tmp_path / "suite.csv"
    suite.write_text(SUITE_HEADER + "P1,y,a*n,2,a,1,5,gaussian,,n,1,5,\n")
    with pytest.raises(ValueError, match="P1: v1_dist 'gaussian'"):
        load_problems(suite)
    assert main(["bench", "--suite", str(suite), "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "gaussian" in capsys.readouterr().err
    suite.write_text(SUITE_HEADER + "P1,y,a*n,2,a,-1,5,log-uniform,,n,1,5,\n")
    with pytest.raises(ValueError, match="not positive"):
        load_problems(suite)


def test_scale_free_verdict_where_srbench_rounding_fails():
    X = np.random.default_rng(0).uniform(1, 5, size=(500, 1))
    truth = sympy.Float(6.67e-11) * x
    nonsense = sympy.Float(1e-12) * x * (1 + sympy.Float(0.01) * sympy.sin(x))
    # SRBench rounds every constant to 6 decimals: the nonsense answer becomes 0 = truth - truth
    assert symbolic_solution(truth, nonsense)
    assert not scale_free_solution(truth, nonsense, [x], X)
    assert not scale_free_solution(truth, sympy.Integer(0), [x], X)
    # exact forms with other constants, offsets or digits past the sixth significant one pass
    assert scale_free_solution(truth, sympy.Float(6.674e-11) * x, [x], X)
    assert scale_free_solution(truth, sympy.Float(6.67e-11) * x + sympy.Float(3e-12), [x], X)
    assert scale_free_solution(truth, sympy.Float(6.67e-11) * x ** sympy.Float(1.0000001), [x], X)
    # a large-scale truth: SRBench's decimals demand all nine digits of 1.23456789e9
    big = sympy.Float(1.23456789e9) * x
    assert scale_free_solution(big, sympy.Float(1.234567e9) * x, [x], X)
    assert not scale_free_solution(big, sympy.Float(1.234567e9) * x**sympy.Float(1.001), [x], X)
    # wrong forms fail at any scale; the verdict agrees with sympy on a plain case
    assert not scale_free_solution(x * y, x * y**2, [x, y], np.random.default_rng(1).uniform(1, 5, (200, 2)))
    verdict = judge(truth, sympy.Float(6.674e-11) * x, [x], X, 6.67e-11 * X[:, 0])
    assert verdict.scale_free_solution and verdict.symbolic_solution


def test_report_puts_methods_side_by_side(tmp_path, monkeypatch, capsys):
    rows = {"a.jsonl": [("kansr", "I.12.1", True, 2.0), ("kansr", "I.29.4", False, 9.0)],
            "b.jsonl": [("other", "I.12.1", False, 5.0), ("other", "I.29.4", False, 7.0)]}
    for name, entries in rows.items():
        (tmp_path / name).write_text("\n".join(json.dumps({
            "key": f"{p}|0.0|0|{m}", "problem": p, "noise": 0.0, "seed": 0, "method": m, "status": "ok",
            "symbolic_solution": s, "accuracy_solution": s, "scale_free_solution": s, "wall_seconds": t,
            "n_variables": 2}) for m, p, s, t in entries))
    figure = tmp_path / "rates.png"
    assert main(["bench", "report", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "--plot", str(figure)]) == 0
    report = capsys.readouterr().out
    assert "| kansr | 0 | 2 | 1 | 1 | 1 |" in report and "| other | 0 | 2 | 0 | 0 | 0 |" in report
    assert "## Side by side" in report and "| I.12.1 | 0 | solved (2.0 s) | - (5.0 s) |" in report
    assert figure.stat().st_size > 0


def test_irrelevant_columns_are_added_shuffled_and_judged(tmp_path, monkeypatch, capsys):
    from kansr.bench.problems import with_irrelevant

    problems = load_problems()
    problem = select(problems, ["I.12.1"])[0]
    train, test = sample(problem, 300, seed=0), sample(problem, 200, seed=0, test=True)
    pool = [name for p in problems for name in p.variables]
    wide_train, wide_test = with_irrelevant(problem, train, test, 10, 0, pool)
    inputs = list(wide_train.columns[:-1])
    assert len(inputs) == 12 and set(problem.variables) <= set(inputs) and wide_train.columns[-1] == "F"
    assert set(inputs) - set(problem.variables) <= set(pool)
    # shuffled: the true inputs are not simply first
    assert inputs[:2] != list(problem.variables)
    assert list(wide_test.columns) == list(wide_train.columns)
    # the target and the true inputs are untouched; every added column within one input's range
    np.testing.assert_array_equal(wide_train["F"], train["F"])
    np.testing.assert_array_equal(wide_train["mu"], train["mu"])
    for name in set(inputs) - set(problem.variables):
        assert wide_train[name].min() >= 1 and wide_train[name].max() <= 5
    # and the runner records whether an answer used one
    monkeypatch.setenv("PYTHONPATH", _env_with_tests()["PYTHONPATH"])
    out = tmp_path / "r.jsonl"
    rows = run([Task("I.12.1", 0.0, 0, "bench_helpers:exact_method", 5, hard_timeout=60, n_train=50, n_test=50,
                     irrelevant=10)], out, log=lambda m: None)
    assert rows[0]["key"].endswith("|+10") and rows[0]["symbolic_solution"] and rows[0]["irrelevant_used"] == []
    assert "formulas_using_irrelevant" in markdown(out)


def test_gplearn_programs_read_as_the_functions_they_compute():
    from kansr.bench.peers import gplearn_formula

    a, b, c = sympy.symbols("a b c")
    formula = gplearn_formula("add(mul(X0, X1), div(sin(X2), sqrt(log(X0))))", ["a", "b", "c"])
    assert sympy.simplify(formula - (a * b + sympy.sin(c) / sympy.sqrt(sympy.Abs(sympy.log(sympy.Abs(a)))))) == 0
    # what gplearn computes where its protections do not act: |x| under log and sqrt, a/b
    X = np.array([[2.0, 3.0, 0.5], [-4.0, 0.5, 2.0]])
    by_hand = X[:, 0] * X[:, 1] + np.sin(X[:, 2]) / np.sqrt(np.abs(np.log(np.abs(X[:, 0]))))
    assert np.allclose(sympy.lambdify([a, b, c], formula)(*X.T), by_hand)


@pytest.mark.parametrize("method,package", [("gplearn", "gplearn"), ("operon", "pyoperon")])
def test_a_peer_method_that_is_not_installed_is_skipped_with_one_line(method, package, tmp_path, monkeypatch,
                                                                      capsys):
    import kansr.bench.peers as peers

    monkeypatch.setattr(peers.importlib.util, "find_spec", lambda name: None)
    out = tmp_path / "r.jsonl"
    assert main(["bench", "--only", "I.12.1", "--method", method, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"method {method} needs the package {package}" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("method,package", [("gplearn", "gplearn"), ("operon", "pyoperon")])
def test_peer_methods_run_and_are_judged_where_installed(method, package, tmp_path):
    pytest.importorskip(package)
    rows = run([Task("I.12.1", 0.0, 0, method, 20, hard_timeout=120, n_train=200, n_test=200)], tmp_path / "r.jsonl")
    assert rows[0]["status"] == "ok" and rows[0]["r2_test"] is not None
