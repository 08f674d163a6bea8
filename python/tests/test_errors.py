"""Every mistake is an exception that says where it is, never a crash."""

import pandas as pd
import pytest

import coserve


def test_a_bad_file_names_file_line_and_key(root, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{root / "scenarios/hybrid.toml"}"\n[city]\nresidents = -5\n[governance]\npb_shar = 0.1\n')
    with pytest.raises(coserve.ScenarioError) as caught:
        coserve.run(bad)
    e = caught.value
    assert isinstance(e, ValueError)
    assert (e.file, e.line, e.key) == (str(bad), 3, "city.residents")
    # Every problem, not only the first.
    assert [p["key"] for p in e.problems] == ["city.residents", "governance.pb_shar"]
    assert e.problems[1]["suggestion"] == "pb_share"
    assert f"{bad}:5:1: key `governance.pb_shar`" in str(e)


def test_a_bad_override_names_its_key_and_value(root):
    with pytest.raises(coserve.ScenarioError) as caught:
        coserve.run(root / "scenarios/hybrid.toml", set={"governance.pb_share": 3.0})
    e = caught.value
    assert (e.file, e.line, e.key, e.argument) == (None, None, "governance.pb_share", "governance.pb_share=3.0")
    assert "expected a share between 0 and 1" in str(e)


def test_a_bad_sample_is_named(root):
    samples = pd.DataFrame({"governance.pb_share": [0.1, 0.2, 7.0, 9.0]})
    with pytest.raises(coserve.ScenarioError, match=r"^sample 2 is not a valid scenario") as caught:
        coserve.evaluate(root / "scenarios/hybrid.toml", samples)
    assert caught.value.key == "governance.pb_share"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda r: coserve.run(r / "missing.toml"), coserve.ScenarioError, "cannot read the scenario file"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", set={"city.residentz": 5}), coserve.ScenarioError, "did you mean `residents`"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", threads=0), ValueError, "threads: expected a whole number of at least 1, found 0"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", seed=2, set={"run.seed": 3}), ValueError, "seed is given twice"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", set={"x": object()}), ValueError, "expected a bool, int, float, str"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", seed=-1), ValueError, "seed: expected a whole number from 0 to 9223372036854775807, found -1"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", seed=2**64), ValueError, "seed: expected"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", seed=True), TypeError, "seed: expected a whole number"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", threads=4000), ValueError, r"threads: expected 1 to \d+ \(this machine has"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", set={1: 2}), TypeError, "keys are dotted scenario keys"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", set={"city.residents": None}), coserve.ScenarioError, r"missing value \(None\)"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", set={"run": 1}), coserve.ScenarioError, "`run` is a section of the scenario"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", set={"city.residents=3000 #": 1}), coserve.ScenarioError, "not a dotted scenario key"),
        (lambda r: coserve.compare(r / "scenarios/hybrid.toml", ["public"], replicates=2), ValueError, r'regimes=\["public", "co_created"\]'),
        (lambda r: coserve.compare(r / "scenarios/hybrid.toml", ["public", "hybrid"], seed=2**63 - 2), ValueError, "choose a smaller seed"),
        (lambda r: coserve.evaluate(r / "scenarios/hybrid.toml", pd.DataFrame({"run.seed ": [1]})), ValueError, "not a dotted scenario key"),
        (lambda r: coserve.evaluate(r / "scenarios/hybrid.toml", pd.DataFrame({0: [1]})), TypeError, "column names are dotted scenario keys"),
        (lambda r: coserve.evaluate(r / "scenarios/hybrid.toml", pd.DataFrame({"governance.pb_share": [0.1] * 1_000_001})), ValueError, "1000001 samples x 1 replicates is 1000001 runs"),
        (lambda r: coserve.evaluate(r / "scenarios/hybrid.toml", pd.DataFrame({"governance.pb_share": [pd.Timestamp("2026-01-01")]})), coserve.ScenarioError, "expected a bool, int, float, str"),
        (lambda r: coserve.run(r / "scenarios/hybrid.toml", set=[1]), TypeError, "expected a dict"),
        (lambda r: coserve.compare(r / "scenarios/hybrid.toml", ["public"], replicates=2), ValueError, "at least two regimes"),
        (lambda r: coserve.compare(r / "scenarios/hybrid.toml", ["public", "co_creatd"]), ValueError, "did you mean `co_created`"),
        (lambda r: coserve.compare(r / "scenarios/hybrid.toml", "public,hybrid"), TypeError, "a list of names"),
        (lambda r: coserve.compare(r / "scenarios/hybrid.toml", ["public", "hybrid"], replicates=1), ValueError, "replicates: expected a whole number from 2 to 100000, found 1"),
        (lambda r: coserve.compare(r / "scenarios/hybrid.toml", ["public", "hybrid"], set={"governance.preset": "public"}), ValueError, "the regimes come from"),
        (lambda r: coserve.evaluate(r / "scenarios/hybrid.toml", [[0.1]]), TypeError, "expected a pandas DataFrame"),
        (lambda r: coserve.evaluate(r / "scenarios/hybrid.toml", pd.DataFrame({"run.seed": [1]})), ValueError, "cannot be a column"),
        (lambda r: coserve.evaluate(r / "scenarios/hybrid.toml", pd.DataFrame({"a": [1]}), replicates=0), ValueError, "replicates: expected a whole number from 1 to 1000000, found 0"),
        (lambda r: coserve.evaluate(r / "scenarios/hybrid.toml", pd.DataFrame({"governance.pb_share": [float("nan")]})), coserve.ScenarioError, "governance.pb_share"),
        (lambda r: coserve.evaluate(r / "scenarios/hybrid.toml", pd.DataFrame({"governance.pb_share": [None]}, dtype=object)), coserve.ScenarioError, r"^sample 0: key `governance.pb_share`: missing value"),
        (lambda r: coserve.explain(r / "scenarios/hybrid.toml", set={"governance.floor": "high"}), coserve.ScenarioError, "governance.floor"),
    ],
)
def test_mistakes_raise_what_they_are(root, call, error, message):
    with pytest.raises(error, match=message):
        call(root)


def test_an_interrupt_stops_a_long_evaluation(root, tmp_path):
    """Ctrl-C (SIGINT) during evaluate raises KeyboardInterrupt within a few seconds."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "long.py"
    # Ctrl-C as in a terminal, even when this test runs where SIGINT is
    # ignored (a job started in the background inherits that).
    script.write_text(
        "import coserve, pandas as pd, signal, sys\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "print('started', flush=True)\n"
        "try:\n"
        f"    coserve.evaluate({str(root / 'scenarios/hybrid.toml')!r}, pd.DataFrame({{'governance.outreach': [0.5] * 2000}}), set={{'city.residents': 20000}})\n"
        "    print('finished')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.5)
    child.send_signal(signal.SIGINT)
    start = time.monotonic()
    try:
        out, _ = child.communicate(timeout=60)
    finally:
        child.kill()
    assert out.strip() == "interrupted"
    assert time.monotonic() - start < 15


def test_what_there_is_to_choose_from(root):
    names = coserve.presets()["name"].tolist()
    assert names[:3] == ["public", "co_created", "hybrid"] and len(names) == 8
    metrics = coserve.metrics()
    run = coserve.run(root / "scenarios/hybrid.toml", set={"city.residents": 500, "run.ticks": 2, "run.warmup": 0})
    assert metrics["name"].tolist() == list(run.timeseries.columns[1:])
    words = coserve.explain(root / "scenarios/hybrid.toml", set={"city.residents": 1234})
    assert words.startswith('Scenario "hybrid"') and "1234 residents" in words


def test_a_bad_sample_is_named_by_position_and_index_label(root):
    samples = pd.DataFrame({"governance.pb_share": [0.1, 7.0]}, index=[10, 20])
    with pytest.raises(coserve.ScenarioError, match=r"^sample 1 \(index label 20\) is not a valid scenario") as caught:
        coserve.evaluate(root / "scenarios/hybrid.toml", samples)
    assert caught.value.sample == 1


def test_lists_nested_too_deep_are_refused_not_followed(root):
    value = 0.1
    for _ in range(10_000):
        value = [value]
    with pytest.raises(coserve.ScenarioError, match="nested deeper than 8"):
        coserve._native.run(str(root / "scenarios/hybrid.toml"), set={"governance.pb_share": value})


def test_whole_floats_count_as_whole_numbers_in_set_too(root):
    run = coserve.run(root / "scenarios/hybrid.toml", set={"city.residents": 1000.0, "run.ticks": 3.0, "run.warmup": 0})
    assert run.manifest["residents"] == 1000 and len(run.timeseries) == 3
    assert run != coserve.run(root / "scenarios/hybrid.toml", set={"city.residents": 1000, "run.ticks": 3, "run.warmup": 0})
