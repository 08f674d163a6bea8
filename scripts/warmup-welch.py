#!/usr/bin/env python3
"""Welch's method on the eight presets: where does the start-up transient end?

Every run starts with empty queues. For each preset this runs REPLICATES
seeds of 312 weeks, averages each weekly metric over the seeds, smooths the
average with Welch's moving average (window W weeks each side; Welch 1983,
in Law 2015, Simulation Modeling and Analysis, 5th ed., section 9.5.1), and
prints the first week by which the smoothed curve has made 95% of its move
from week 0 to week 104. docs/analysis.md quotes the table this prints; the
default of run.warmup (52 weeks) is chosen from it.

Usage: python3 scripts/warmup-welch.py [path/to/coserve] [replicates]
Standard library only; takes about 2 minutes on two cores.
"""

import csv
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PRESETS = [
    "public", "co_created", "hybrid", "participatory_budgeting",
    "decentralized", "platform", "social_contract", "collective_impact",
]
METRICS = ["coverage", "hidden_need_per_1000", "backlog", "wait_p50", "trust"]
W = 5
SETTLED = 0.95
HORIZON = 104


def weekly(coserve, preset, seed, out):
    scenario = Path(__file__).resolve().parent.parent / "scenarios" / f"{preset}.toml"
    folder = out / f"{preset}-{seed}"
    subprocess.run(
        [coserve, "run", str(scenario), "--seed", str(seed), "--set", "run.ticks=312",
         "--out", str(folder)],
        check=True, stdout=subprocess.DEVNULL,
    )
    with open(folder / "timeseries.csv") as f:
        return list(csv.DictReader(f))


def welch(y, w):
    """Welch's moving average: centred, the window shrinking near the start."""
    return [statistics.mean(y[i - min(i, w): i + min(i, w) + 1]) for i in range(len(y) - w)]


def settled_week(y):
    move = y[HORIZON] - y[0]
    if move == 0:
        return 0
    return next(i for i in range(HORIZON + 1) if abs(y[i] - y[0]) >= SETTLED * abs(move))


def main():
    coserve = sys.argv[1] if len(sys.argv) > 1 else "target/release/coserve"
    replicates = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    print(f"week by which {SETTLED:.0%} of the move from week 0 to week {HORIZON} is made")
    print(f"(Welch moving average, window {W}, {replicates} replicates of 312 weeks)\n")
    print("| preset | " + " | ".join(METRICS) + " |")
    print("|---" * (len(METRICS) + 1) + "|")
    with tempfile.TemporaryDirectory() as tmp:
        for preset in PRESETS:
            runs = [weekly(coserve, preset, s, Path(tmp)) for s in range(1, replicates + 1)]
            cells = []
            for m in METRICS:
                mean = [statistics.mean(float(r[t][m]) for r in runs) for t in range(len(runs[0]))]
                cells.append(str(settled_week(welch(mean, W))))
            print(f"| {preset} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
