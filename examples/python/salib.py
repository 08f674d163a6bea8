"""Sobol indices of a coserve city with SALib: which conditions move
coverage (the share of needs served) and the access gap between the richest
and poorest fifth under co-creation, alone and together?

SALib's ProblemSpec samples the factors (Saltelli's scheme), coserve
evaluates every sample in parallel, SALib computes first-order and total
indices with bootstrap intervals. (coserve's own `sensitivity` command does
the same from a sweep file, and also measures how much of the variance is
seed noise; this example shows the Python route.)

Run it from the repository's root (about a minute on two cores):

    python examples/python/salib.py
    python examples/python/salib.py --residents 1000 --weeks 60 --samples 32   # a quick look
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from SALib import ProblemSpec

import coserve

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "co_created.toml"
OUTPUTS = ["coverage_mean", "access_gap_mean"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--samples", type=int, default=128, help="base samples (a power of 2)")
    args = parser.parse_args()

    spec = ProblemSpec(
        {
            # coserve's dotted keys are the factor names.
            "names": ["city.social_capital", "city.ses_spread_between", "governance.budget_scale", "domains.green_space.alpha"],
            "bounds": [[0.1, 0.9], [0.0, 0.3], [0.6, 1.4], [0.3, 0.9]],
            "outputs": OUTPUTS,
        }
    )
    fixed = {"city.residents": args.residents, "run.ticks": args.weeks, "run.warmup": args.weeks // 4}

    def model(x: np.ndarray) -> np.ndarray:
        """SALib's model: one row of factor values in, one row of outputs out.
        One seed for every row (common random numbers)."""
        samples = pd.DataFrame(x, columns=spec["names"])
        runs = coserve.evaluate(SCENARIO, samples, seed=1, set=fixed)
        return runs[OUTPUTS].to_numpy()

    spec.sample_sobol(args.samples, calc_second_order=False, seed=1)
    spec.evaluate(model)
    spec.analyze_sobol(calc_second_order=False, seed=1)
    for output in OUTPUTS:
        total, first = spec.analysis[output].to_df()
        print(f"\n{output} ({len(spec.samples)} runs)")
        print(first.join(total).round(3).to_string())
        top = total["ST"].idxmax()
        wide = (total["ST_conf"] > total["ST"] / 2).sum()
        print(f"{top} moves {output} most: total index {total['ST'][top]:.2f} +/- {total['ST_conf'][top]:.2f}.")
        if wide:
            print(
                f"{wide} of {len(total)} total indices have an interval wider than half the index: "
                "raise --samples before reading them (one seed per sample, so seed noise is in them too)."
            )


if __name__ == "__main__":
    main()
