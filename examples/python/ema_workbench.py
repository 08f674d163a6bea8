"""coserve as an EMA Workbench model: where does co-creation keep the
poorest fifth served as well as the richest?

The uncertainties are conditions a city cannot choose (social capital, SES
inequality, how co-producible its services are, its budget); the levers are
what it can (the regime, how much outreach). `perform_experiments` runs 64
scenarios under each policy; PRIM from the Workbench then finds the
conditions where co-creation keeps the access gap small.

Run it from the repository's root (about a minute on two cores):

    python examples/python/ema_workbench.py
    python examples/python/ema_workbench.py --residents 1000 --weeks 60   # a quick look

Every number is reproducible: the seed of each replicate is fixed, and
coserve's results do not depend on threads.
"""

import argparse
import sys
from pathlib import Path

# Run as a script, this file's folder comes first on the import path, and
# this file's name would hide the Workbench's package: take the folder off.
HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import warnings  # noqa: E402

# The Workbench warns that its optional cluster evaluator is missing; it is not used here.
warnings.filterwarnings("ignore", message="ipyparallel not installed")

import pandas as pd  # noqa: E402
from ema_workbench import (  # noqa: E402
    CategoricalParameter,
    Model,
    Policy,
    RealParameter,
    ScalarOutcome,
    perform_experiments,
)
from ema_workbench.analysis import prim  # noqa: E402

import coserve  # noqa: E402

ROOT = HERE.parents[1]
SCENARIO = ROOT / "scenarios" / "baseline.toml"
OUTCOMES = ["coverage", "access_gap", "trust", "total_cost_per_unit"]


def coserve_model(residents: int, weeks: int, replicates: int):
    """The model function EMA calls with one experiment's values, keyed by
    coserve's dotted keys (each parameter's `variable_name`). It returns each
    outcome averaged over the summarised weeks and over `replicates` seeds,
    the same seeds in every experiment (common random numbers)."""
    fixed = {"city.residents": residents, "run.ticks": weeks, "run.warmup": weeks // 4}

    def run(**experiment):
        sample = pd.DataFrame([experiment])
        runs = coserve.evaluate(SCENARIO, sample, replicates=replicates, seed=1, set=fixed)
        return {name: runs[f"{name}_mean"].mean() for name in OUTCOMES}

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--scenarios", type=int, default=64)
    parser.add_argument("--replicates", type=int, default=2)
    args = parser.parse_args()

    model = Model("coserve", function=coserve_model(args.residents, args.weeks, args.replicates))
    # Short names for EMA's tables; variable_name is the coserve key each sets.
    model.uncertainties = [
        RealParameter("social_capital", 0.1, 0.9, variable_name="city.social_capital"),
        RealParameter("ses_spread", 0.0, 0.3, variable_name="city.ses_spread_between"),
        RealParameter("budget", 0.6, 1.4, variable_name="governance.budget_scale"),
        RealParameter("need_gradient", 0.0, 2.0, variable_name="city.need_gradient"),
    ]
    model.levers = [
        CategoricalParameter("regime", ["public", "co_created", "hybrid"], variable_name="governance.preset"),
        RealParameter("outreach", 0.0, 1.0, variable_name="governance.outreach"),
    ]
    model.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    # The three regimes, each with the outreach its preset has.
    policies = [
        Policy(regime, **{"regime": regime, "outreach": outreach})
        for regime, outreach in [("public", 0.0), ("co_created", 0.0), ("hybrid", 0.6)]
    ]
    experiments, outcomes = perform_experiments(model, scenarios=args.scenarios, policies=policies)

    table = experiments.assign(**outcomes)
    print(f"Medians over {args.scenarios} scenarios (coverage and trust 0-1, access gap in share points, cost per unit served):")
    print(table.groupby("policy", observed=True)[OUTCOMES].median().round(3).to_string())

    # Where does co-creation keep the access gap (richest fifth's coverage
    # minus the poorest's) under 0.05? PRIM over the uncertainties.
    mine = (experiments["policy"] == "co_created").to_numpy()
    x = experiments.loc[mine, ["social_capital", "ses_spread", "budget", "need_gradient"]].reset_index(drop=True)
    y = outcomes["access_gap"][mine] < 0.05
    print(f"\nco_created keeps the access gap under 0.05 in {y.sum()} of {len(y)} scenarios")
    if 0 < y.sum() < len(y):
        box = prim.Prim(x, y, threshold=0.6).find_box()
        stats, limits = box.inspect(style="data")[0]
        limits.columns = ["min", "max", "qp_low", "qp_high"]
        qp = limits[["qp_low", "qp_high"]].min(axis=1)
        print(
            f"PRIM's box: it holds in {stats['density']:.0%} of the scenarios inside the box, "
            f"which are {stats['coverage']:.0%} of the scenarios where it holds. The box's limits:"
        )
        for name, row in limits[qp < 0.05].iterrows():
            print(f"  {name} from {row['min']:.3g} to {row['max']:.3g} (quasi-p-value {qp[name]:.1g})")
        weak = list(limits.index[qp >= 0.05])
        if weak:
            # A limit with a large quasi-p-value may be chance: do not read it as a finding.
            print(f"  and limits on {', '.join(weak)} that chance could explain (quasi-p-value 0.05 or more)")
        if len(weak) == len(limits):
            print("  no limit is significant: more scenarios are needed")
    else:
        print("no box to find: the outcome is the same everywhere")


if __name__ == "__main__":
    main()
