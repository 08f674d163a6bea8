"""Run, compare and evaluate give exactly what the command line writes."""

import json

import numpy as np
import pandas as pd
import pytest

import coserve
from conftest import coserve as cli_run


def read_csv(path):
    """A CSV file with every number parsed by Python's float() and int(),
    which give back exactly the float64 the file was written from (pandas'
    own parser may be an ulp off). Empty cells stay empty strings."""
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    for name in text.columns:
        cells = text[name]
        for parse in (int, float):
            try:
                text[name] = cells.map(parse).astype("int64" if parse is int else "float64")
                break
            except ValueError:
                continue
    return text


def assert_same(frame: pd.DataFrame, csv: pd.DataFrame):
    assert list(frame.columns) == list(csv.columns)
    assert len(frame) == len(csv) > 0 or len(csv) == 0
    for name in frame.columns:
        ours, theirs = frame[name], csv[name]
        if ours.dtype.kind == "f":
            assert theirs.dtype.kind in "fi", name
            a, b = ours.to_numpy(), theirs.to_numpy(dtype="float64")
            assert np.array_equal(np.isnan(a), np.isnan(b)), name
            finite = ~np.isnan(a)
            # Bit for bit, not within a tolerance.
            assert np.array_equal(a[finite].view("u8"), b[finite].view("u8")), name
        elif ours.dtype.kind in "iu":
            assert theirs.dtype.kind == "i", name
            assert np.array_equal(ours.to_numpy(), theirs.to_numpy()), name
        else:
            assert ours.astype(str).tolist() == theirs.astype(str).tolist(), name


@pytest.mark.parametrize(
    "scenario, overrides",
    [
        # Interventions (events.csv has rows), a grid city.
        ("scenarios/workshop/budget_cut_then_pb.toml", {"city.residents": 3000, "run.ticks": 120}),
        # A real map: neighbourhood names, centroids, a need index.
        ("scenarios/cities/boston.toml", {"city.residents": 4000, "run.ticks": 20, "run.warmup": 4}),
    ],
)
def test_a_run_equals_the_csv_files_of_the_same_run(root, cli, tmp_path, scenario, overrides):
    seed = 11
    args = ["run", str(root / scenario), "--seed", str(seed), "--out", "r"]
    for key, value in overrides.items():
        args += ["--set", f"{key}={value}"]
    cli_run(cli, *args, cwd=tmp_path)
    run = coserve.run(root / scenario, seed=seed, set=overrides)
    folder = tmp_path / "r"
    assert_same(run.timeseries, read_csv(folder / "timeseries.csv"))
    assert_same(run.neighbourhoods, read_csv(folder / "neighbourhoods.csv"))
    assert_same(run.quintiles, read_csv(folder / "quintiles.csv"))
    assert_same(run.events, read_csv(folder / "events.csv"))
    written = json.loads((folder / "manifest.json").read_text())
    for key in ["scenario", "seed", "summarised_weeks", "residents", "interventions_applied", "scenario_files"]:
        assert run.manifest[key] == written[key], key
    assert run.seed == seed
    if "workshop" in scenario:
        assert len(run.events) > 0


def test_tables_the_scenario_turns_off_are_none(root):
    run = coserve.run(
        root / "scenarios/hybrid.toml",
        set={"city.residents": 1000, "run.ticks": 5, "run.warmup": 0, "output.neighbourhoods": False, "output.quintiles": False},
    )
    assert run.neighbourhoods is None and run.quintiles is None
    assert run.timeseries["tick"].tolist() == [0, 1, 2, 3, 4]


def test_compare_equals_compare_csv(root, cli, tmp_path):
    scenario = str(root / "scenarios/baseline.toml")
    overrides = {"city.residents": 2000, "run.ticks": 60, "run.warmup": 10}
    args = ["compare", scenario, "--regimes", "public,co_created,hybrid", "--replicates", "3", "--seed", "4", "--out", "c"]
    for key, value in overrides.items():
        args += ["--set", f"{key}={value}"]
    cli_run(cli, *args, cwd=tmp_path)
    frame = coserve.compare(scenario, ["public", "co_created", "hybrid"], replicates=3, seed=4, set=overrides)
    csv = read_csv(tmp_path / "c" / "compare.csv")
    # within_noise is empty on the reference's rows: None here.
    noise = frame.pop("within_noise")
    expected = csv.pop("within_noise")
    assert_same(frame, csv)
    assert ["" if x is None else str(x).lower() for x in noise] == expected.tolist()
    assert set(expected) == {"", "true", "false"} or set(expected) <= {"", "true", "false"}


SWEEP = """
name = "py"
scenario = "{scenario}"
set = ["city.residents=1500", "run.ticks=40", "run.warmup=8"]
design = "latin_hypercube"
samples = 6
replicates = 2
seed = 3
[factors]
"governance.pb_share" = {{ min = 0.0, max = 0.3 }}
"city.social_capital" = {{ min = 0.2, max = 0.8 }}
"governance.lag" = {{ min = 0, max = 4 }}
"""


def sweep_and_samples(root, cli, tmp_path):
    (tmp_path / "s.toml").write_text(SWEEP.format(scenario=root / "scenarios/hybrid.toml"))
    cli_run(cli, "sweep", "s.toml", "--out", "s", cwd=tmp_path)
    runs = read_csv(tmp_path / "s" / "runs.csv")
    keys = ["governance.pb_share", "city.social_capital", "governance.lag"]
    samples = runs[runs["replicate"] == 0][keys].reset_index(drop=True)
    return runs, samples


def test_evaluate_equals_a_sweeps_runs_csv(root, cli, tmp_path):
    runs, samples = sweep_and_samples(root, cli, tmp_path)
    frame = coserve.evaluate(
        root / "scenarios/hybrid.toml",
        samples,
        replicates=2,
        seed=3,
        set={"city.residents": 1500, "run.ticks": 40, "run.warmup": 8},
    )
    assert len(frame) == 12
    assert_same(frame, runs)


def test_evaluate_gives_the_same_numbers_on_1_and_4_threads(root):
    samples = pd.DataFrame(
        {"governance.outreach": [0.0, 0.5, 1.0, 0.25, 0.75], "governance.preset": ["hybrid", "public", "co_created", "hybrid", "platform"]}
    )
    kwargs = dict(replicates=2, seed=8, set={"city.residents": 2000, "run.ticks": 30, "run.warmup": 5})
    one = coserve.evaluate(root / "scenarios/baseline.toml", samples, threads=1, **kwargs)
    four = coserve.evaluate(root / "scenarios/baseline.toml", samples, threads=4, **kwargs)
    pd.testing.assert_frame_equal(one, four, check_exact=True)
    # Rows follow the samples: point p, replicate r at row 2p + r.
    assert one["point"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert one["governance.preset"].tolist()[::2] == samples["governance.preset"].tolist()
    # The points differ: the regimes give different coverage.
    assert one["coverage_mean"].nunique() > 5


def test_whole_floats_reach_whole_number_keys(root):
    samples = pd.DataFrame({"city.residents": [1000.0, 2000.0]})
    frame = coserve.evaluate(root / "scenarios/hybrid.toml", samples, set={"run.ticks": 3, "run.warmup": 0})
    assert frame["needs_arisen_end"].iloc[1] > frame["needs_arisen_end"].iloc[0]


def test_other_python_threads_run_while_coserve_works(root):
    """The interpreter is released during a call: a Python thread keeps
    counting while evaluate runs on another."""
    import threading
    import time

    samples = pd.DataFrame({"governance.outreach": [0.2, 0.4, 0.6, 0.8] * 4})
    finished = threading.Event()
    counted = []

    def count():
        n = 0
        while not finished.is_set():
            n += 1
            time.sleep(0.001)
        counted.append(n)

    counter = threading.Thread(target=count)
    counter.start()
    start = time.monotonic()
    # Long enough (about half a second on the project's machine) for the
    # counter to count many times, whatever the thread scheduler does.
    coserve.evaluate(root / "scenarios/hybrid.toml", samples, set={"city.residents": 50_000, "run.ticks": 60})
    took = time.monotonic() - start
    finished.set()
    counter.join()
    # Sleeping 1 ms a step, a free thread counts to at least a tenth of the milliseconds.
    assert took > 0.1 and counted[0] > took * 100, (took, counted)
