"""The examples in examples/python/ run as they stand, on a small city."""

import subprocess
import sys

import pytest

SMALL = ["--residents", "1000", "--weeks", "60"]


def run_example(root, name, *args):
    done = subprocess.run(
        [sys.executable, str(root / "examples" / "python" / name), *SMALL, *args],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_ema_workbench_example_runs_experiments_and_prim(root):
    pytest.importorskip("ema_workbench")
    out = run_example(root, "ema_workbench.py", "--scenarios", "24")
    lines = out.splitlines()
    # A median per policy: the three regimes, four outcomes each.
    table = {line.split()[0]: line.split()[1:] for line in lines if len(line.split()) == 5}
    assert set(table) == {"public", "co_created", "hybrid"}, out
    assert all(float(v[0]) > 0 for v in table.values()), "coverage"
    assert any(line.startswith("co_created keeps the access gap under 0.05 in") for line in lines), out
    # The box is said in words, significant limits apart from chance.
    assert any(line.startswith("PRIM's box: it holds in") for line in lines) or "no box to find" in out, out


def test_the_salib_example_computes_sobol_indices(root):
    pytest.importorskip("SALib")
    out = run_example(root, "salib.py", "--samples", "16")
    for output in ["coverage_mean", "access_gap_mean"]:
        assert f"{output} (96 runs)" in out, out
    rows = [
        line.split()
        for line in out.splitlines()
        if line.startswith(("city.", "governance.", "domains.")) and len(line.split()) == 5
    ]
    assert len(rows) == 8
    totals = [float(r[3]) for r in rows]
    assert all(t == t for t in totals), "no NaN"  # noqa: PLR0124
    # The budget moves coverage: its total index is the largest for coverage.
    coverage = {r[0]: float(r[3]) for r in rows[:4]}
    assert max(coverage, key=coverage.get) == "governance.budget_scale", out
    assert "governance.budget_scale moves coverage_mean most" in out, out
