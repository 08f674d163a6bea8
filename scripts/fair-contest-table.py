#!/usr/bin/env python3
"""The fair-contest table of docs/model.md from a comparison's compare.csv.

Reproduce it with:
  coserve compare scenarios/baseline.toml --replicates 30 --out /tmp/fair \
    --regimes public,co_created,hybrid,participatory_budgeting,decentralized,platform,social_contract,collective_impact
  python3 scripts/fair-contest-table.py /tmp/fair/compare.csv

Each cell is a regime's mean over the run and replicates with its 95%
interval, mean +- t(0.975, n - 1) * sd / sqrt(n). The best value of each
row is in bold (highest for coverage, satisfaction, trust and
participation; lowest for the rest; capture closest to 1).
"""
import csv
import math
import sys

METRICS = [
    "coverage", "hidden_need_per_1000", "wait_p50", "access_gap",
    "coverage_dispersion", "capture", "satisfaction", "trust",
    "participation_rate", "public_cost_per_unit", "coordination_cost",
    "total_cost_per_unit",
]
HIGHER_IS_BETTER = {"coverage", "satisfaction", "trust", "participation_rate"}
# Two-sided 95% quantiles of Student's t for small n - 1; 1.96 beyond.
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 9: 2.262,
        19: 2.093, 29: 2.045, 49: 2.010, 99: 1.984}


def t975(df):
    return T975.get(df, 1.96 if df > 99 else 2.0)


def main(path):
    rows = [r for r in csv.DictReader(open(path)) if r["statistic"] == "mean"]
    regimes = list(dict.fromkeys(r["regime"] for r in rows))
    cell = {(r["metric"], r["regime"]): r for r in rows}
    print("| metric | " + " | ".join(regimes) + " |")
    print("|---|" + "---|" * len(regimes))
    for metric in METRICS:
        values = {}
        for regime in regimes:
            r = cell[(metric, regime)]
            mean, sd, n = float(r["mean"]), float(r["sd"]), int(r["replicates_defined"])
            half = t975(n - 1) * sd / math.sqrt(n) if n > 1 else float("nan")
            values[regime] = (mean, half)
        finite = {k: v for k, v in values.items() if math.isfinite(v[0])}
        if metric == "capture":
            best = min(finite, key=lambda k: abs(finite[k][0] - 1.0), default=None)
        elif metric in HIGHER_IS_BETTER:
            best = max(finite, key=lambda k: finite[k][0], default=None)
        else:
            best = min(finite, key=lambda k: finite[k][0], default=None)
        largest = max((abs(v[0]) for v in finite.values()), default=0.0)
        digits = 0 if largest >= 1000 else 1 if largest >= 10 else 3
        out = []
        for regime in regimes:
            mean, half = values[regime]
            if not math.isfinite(mean):
                out.append("n/a")
                continue
            text = f"{mean:.{digits}f}" + (f" ± {half:.{digits}f}" if math.isfinite(half) else "")
            out.append(f"**{text}**" if regime == best else text)
        print(f"| `{metric}` | " + " | ".join(out) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
