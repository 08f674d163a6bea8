"""How fast coserve runs from Python, against the command line.

1. `coserve.evaluate` on 200 samples of a 10,000-resident, 104-week city
   against `coserve sweep` on the same points (3 alternating repeats; medians
   and their ratio), and a check that the numbers are identical.
2. A 1,000,448-row neighbourhoods table (4,096 neighbourhoods x 245 weeks)
   handed to pandas: the Arrow batch built in Rust, then `to_pandas()`.

Run from the repository's root with the package installed and the release
binary built:  python scripts/python-speed.py [path/to/coserve]
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import coserve
from coserve import _native

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "coserve"
SCENARIO = ROOT / "scenarios" / "hybrid.toml"
SET = {"city.residents": 10_000, "run.ticks": 104, "run.warmup": 26}
SWEEP = f"""
scenario = "{SCENARIO}"
set = [{", ".join(f'"{k}={v}"' for k, v in SET.items())}]
design = "latin_hypercube"
samples = 200
seed = 1
[factors]
"city.social_capital" = {{ min = 0.1, max = 0.9 }}
"governance.budget_scale" = {{ min = 0.6, max = 1.4 }}
"governance.outreach" = {{ min = 0.0, max = 1.0 }}
"""


def exact(path):
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    return text.apply(lambda c: c.map(float))


def evaluate_against_sweep():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "s.toml").write_text(SWEEP)
        sweep_s, evaluate_s = [], []
        for repeat in range(3):
            start = time.perf_counter()
            subprocess.run([str(CLI), "sweep", "s.toml", "--out", "s", "--force"], cwd=tmp, check=True, capture_output=True)
            sweep_s.append(time.perf_counter() - start)
            runs = exact(tmp / "s" / "runs.csv")
            samples = runs[["city.social_capital", "governance.budget_scale", "governance.outreach"]]
            start = time.perf_counter()
            frame = coserve.evaluate(SCENARIO, samples, seed=1, set=SET)
            evaluate_s.append(time.perf_counter() - start)
            assert frame.astype(float).equals(runs), "evaluate and the sweep differ"
            print(f"repeat {repeat + 1}: sweep {sweep_s[-1]:.2f} s, evaluate {evaluate_s[-1]:.2f} s")
    s, e = statistics.median(sweep_s), statistics.median(evaluate_s)
    print(f"200 runs of 10,000 residents x 104 weeks: coserve sweep {200 / s:.1f} runs/s, "
          f"coserve.evaluate {200 / e:.1f} runs/s (medians of 3); evaluate/sweep speed {s / e:.2f}")


def table_round_trip():
    overrides = {"city.residents": 50_000, "city.neighbourhoods": 4096, "run.ticks": 245, "run.warmup": 0}
    with_table, without = [], []
    convert = []
    for _ in range(3):
        start = time.perf_counter()
        _, hoods, _, _, _ = _native.run(str(SCENARIO), set=overrides)
        with_table.append(time.perf_counter() - start)
        start = time.perf_counter()
        frame = hoods.to_pandas()
        convert.append(time.perf_counter() - start)
        start = time.perf_counter()
        _native.run(str(SCENARIO), set={**overrides, "output.neighbourhoods": False})
        without.append(time.perf_counter() - start)
    rows = len(frame)
    built = statistics.median(with_table) - statistics.median(without)
    print(f"neighbourhoods table, {rows:,} rows x {len(frame.columns)} columns: "
          f"rows to Arrow in Rust {built:.2f} s (run with the table minus without), "
          f"Arrow to pandas {statistics.median(convert):.3f} s (medians of 3)")


if __name__ == "__main__":
    evaluate_against_sweep()
    table_round_trip()
