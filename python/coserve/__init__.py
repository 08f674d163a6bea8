"""coserve from Python: run, compare and evaluate city-service scenarios.

coserve is an agent-based simulator comparing how a city's everyday services
turn out when public agencies deliver them top-down, when residents and
community organizations co-create them, or both. This package is the same
engine as the ``coserve`` command line (a native module, not a second
model): the same scenario files, the same numbers, bit for bit.

    >>> import coserve
    >>> run = coserve.run("scenarios/hybrid.toml", seed=3, set={"city.residents": 5000})
    >>> run.timeseries[["tick", "coverage", "trust"]].tail()

Functions:

- :func:`run`: one run; its tables as pandas DataFrames.
- :func:`compare`: regimes side by side on common random numbers (compare.csv).
- :func:`evaluate`: many points of one scenario, in parallel (a sweep's runs.csv);
  the model function for the EMA Workbench and SALib.
- :func:`presets`, :func:`metrics`, :func:`explain`: what there is to choose from.

Every mistake in a scenario, an override or a sample raises
:class:`ScenarioError` (a ``ValueError``) naming the file, line and key.
Long calls release the interpreter and stop on Ctrl-C (KeyboardInterrupt).
Results do not depend on ``threads``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pandas as pd

from . import _native
from ._native import COMMIT, ScenarioError, __version__

__all__ = [
    "COMMIT",
    "Run",
    "ScenarioError",
    "__version__",
    "compare",
    "evaluate",
    "explain",
    "metrics",
    "presets",
    "run",
]

MAX_SEED = 2**63 - 1
MAX_RUNS = 1_000_000


def _frame(batch) -> pd.DataFrame:
    return batch.to_pandas()


def _path(scenario) -> str:
    path = os.fspath(scenario)
    if not isinstance(path, str):
        raise TypeError(f"scenario: expected a path to a .toml file, found {scenario!r}")
    return path


def _set(set_: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if set_ is None:
        return None
    if not isinstance(set_, Mapping):
        raise TypeError(
            'set: expected a dict of dotted keys to values, e.g. {"governance.pb_share": 0.1}, '
            f"found {type(set_).__name__}"
        )
    return {key: _plain(value) for key, value in set_.items()}


def _whole(name: str, value: Any, low: int, high: int | None, *, none: bool = False) -> Any:
    """`value` checked as a whole number from `low` to `high` (no top when
    None; the native module checks it), or None when `none` allows it."""
    if value is None and none:
        return None
    value = _plain(value)
    expected = f"a whole number from {low} to {high}" if high is not None else f"a whole number of at least {low}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected {expected}, found {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name}: expected {expected}, found {value}")
    return value


def _error(message: str, *, key: str | None, sample: int | None) -> ScenarioError:
    """A ScenarioError made here, with the attributes the native ones carry."""
    e = ScenarioError(message)
    e.file = e.line = e.column = e.argument = None
    e.key, e.sample = key, sample
    e.problems = [dict(file=None, line=None, column=None, key=key, argument=None, message=message, suggestion=None)]
    return e


def _plain(value: Any) -> Any:
    """A numpy or pandas scalar as the Python value it holds."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, str, bytes)):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, eq=False)
class Run:
    """One run's results: what ``coserve run`` writes, as DataFrames.

    Attributes:
        timeseries: one row per week (``tick`` 0 to ``run.ticks - 1``), the
            columns of timeseries.csv; see :func:`metrics` for units.
        neighbourhoods: one row per week and neighbourhood, the columns of
            neighbourhoods.csv; ``None`` when the scenario sets
            ``output.neighbourhoods = false``.
        quintiles: one row per week and SES fifth (quintiles.csv); ``None``
            when ``output.quintiles = false``.
        events: one row per knob an intervention changed (events.csv):
            ``tick, label, knob, before, after``; empty when none did.
        manifest: manifest.json as a dict: the resolved scenario, seed,
            version, commit, overrides, interventions and timing.

    Every float is the same float64, bit for bit, as the CSV file of the
    same scenario and seed holds (parsed with Python's ``float``). The tables
    are ordinary DataFrames: changing them changes nothing else. Two runs
    are compared with their tables, not with ``==``.
    """

    timeseries: pd.DataFrame
    neighbourhoods: pd.DataFrame | None
    quintiles: pd.DataFrame | None
    events: pd.DataFrame
    manifest: dict

    @property
    def seed(self) -> int:
        """The seed every random number of the run came from."""
        return self.manifest["seed"]

    def __repr__(self) -> str:
        weeks = len(self.timeseries)
        return (
            f"<coserve.Run {self.manifest['scenario_name']!r} seed {self.seed}: "
            f"{self.manifest['residents']} residents, {weeks} week{'s' if weeks != 1 else ''}>"
        )


def run(
    scenario: str | os.PathLike[str],
    *,
    seed: int | None = None,
    set: Mapping[str, Any] | None = None,
    threads: int | None = None,
) -> Run:
    """Run a scenario file to its end, in memory.

    Args:
        scenario: path of a scenario file (.toml), e.g. ``"scenarios/hybrid.toml"``.
        seed: the run's seed, 0 to 2**63 - 1; the file's ``run.seed`` when ``None``.
        set: overrides, dotted key to value, applied as ``--set`` is:
            ``{"city.residents": 20000, "governance.preset": "co_created"}``.
            Values are bool, int, float, str, or lists of them.
        threads: worker threads for this call (all cores when ``None``). The
            results do not depend on it.

    Returns:
        A :class:`Run` whose tables equal the CSV files ``coserve run`` writes
        for the same scenario, overrides and seed.

    Raises:
        ScenarioError: the file, an override or a value is not valid; the
            message names the file, line and key of each problem.
        ValueError: ``seed`` given twice (also in ``set``), a number out of
            its range (the message gives the range).
        TypeError: an argument of the wrong type.
        KeyboardInterrupt: stopped with Ctrl-C.
    """
    seed = _whole("seed", seed, 0, MAX_SEED, none=True)
    threads = _whole("threads", threads, 1, None, none=True)
    ts, hoods, quints, events, manifest = _native.run(
        _path(scenario), seed=seed, set=_set(set), threads=threads
    )
    return Run(
        timeseries=_frame(ts),
        neighbourhoods=None if hoods is None else _frame(hoods),
        quintiles=None if quints is None else _frame(quints),
        events=_frame(events),
        manifest=json.loads(manifest),
    )


def compare(
    scenario: str | os.PathLike[str],
    regimes: Sequence[str],
    *,
    replicates: int = 30,
    seed: int = 1,
    set: Mapping[str, Any] | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Compare regimes on one city with common random numbers.

    Every regime runs ``replicates`` times; replicate r uses seed ``seed + r``
    in every regime, so differences are paired (``coserve compare``).

    Args:
        scenario: path of the scenario file the regimes are applied to.
        regimes: two or more presets (see :func:`presets`) or scenario files
            (paths ending in ``.toml``); the first is the reference.
        replicates: runs per regime, 2 to 100,000.
        seed: the first replicate's seed.
        set: overrides applied to every regime (not ``governance.preset`` or
            ``run.seed``, which the comparison sets).
        threads: worker threads (all cores when ``None``); results do not depend on it.

    Returns:
        compare.csv's rows: ``metric, statistic, regime, mean, sd, diff,
        diff_ci_low, diff_ci_high, n, replicates_defined, seed_share,
        within_noise``; one row per metric, statistic (``end``, ``mean``
        over the weeks after ``run.warmup``) and regime. ``diff`` and its 95%
        t interval are the paired difference to the first regime.

    Raises:
        ScenarioError: a regime's scenario is not valid.
        ValueError: fewer than two regimes, an unknown preset, too few
            replicates, or an override the comparison would replace.
        KeyboardInterrupt: stopped with Ctrl-C.
    """
    if isinstance(regimes, str):
        raise TypeError('regimes: expected a list of names, e.g. ["public", "co_created"]')
    replicates = _whole("replicates", replicates, 2, 100_000)
    seed = _whole("seed", seed, 0, MAX_SEED)
    threads = _whole("threads", threads, 1, None, none=True)
    batch = _native.compare(
        _path(scenario),
        [os.fspath(r) for r in regimes],
        replicates,
        seed,
        set=_set(set),
        threads=threads,
    )
    return _frame(batch)


def evaluate(
    scenario: str | os.PathLike[str],
    samples: pd.DataFrame,
    *,
    replicates: int = 1,
    seed: int = 1,
    set: Mapping[str, Any] | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Run many points of one scenario in parallel and summarise each run.

    This is the model function for exploratory modelling: the rows of
    ``samples`` are the points (a Latin hypercube, a Sobol design, the EMA
    Workbench's experiments), its columns the scenario keys they set.

    Args:
        scenario: path of the scenario file every point starts from.
        samples: one row per point; each column is a dotted scenario key
            (``"governance.pb_share"``, ``"city.social_capital"``, ...) and
            holds bools, ints, floats or strs. A whole float (``4.0``) given
            to a whole-number key (``city.residents``) is passed as an int.
            ``run.seed`` cannot be a column: seeds come from ``seed``.
        replicates: runs per point, at least 1; replicate r uses seed
            ``seed + r`` at every point (common random numbers across points).
        seed: the seed of replicate 0.
        set: fixed overrides applied to every run before the point's values.
        threads: worker threads (all cores when ``None``). The results do not
            depend on it.

    Returns:
        One row per point and replicate, point by point in the order of
        ``samples`` (row ``point * replicates + replicate``), with the columns
        of a sweep's runs.csv: ``run, point, replicate, seed``, the samples'
        columns as given, then every metric at the last week (``<metric>_end``)
        and averaged over the weeks after ``run.warmup`` (``<metric>_mean``);
        NaN where a metric is undefined. The numbers equal those a sweep over
        the same points, replicates and seed writes.

    Raises:
        ScenarioError: the scenario, an override or a sample is not valid,
            a value is missing (None, NaN) or is not a bool, int, float or str;
            the message names the sample (its position, and its index label
            when the index is not 0, 1, 2, ...) and the key; ``.sample`` holds
            the position.
        ValueError: a number out of its range, a column named twice, a
            column that is ``run.seed`` or not a dotted key, more than
            1,000,000 runs (refused before any value is read).
        TypeError: ``samples`` is not a DataFrame, a column name is not a str.
        KeyboardInterrupt: stopped with Ctrl-C; runs under way finish first.
    """
    if not isinstance(samples, pd.DataFrame):
        raise TypeError(f"samples: expected a pandas DataFrame, found {type(samples).__name__}")
    replicates = _whole("replicates", replicates, 1, MAX_RUNS)
    seed = _whole("seed", seed, 0, MAX_SEED)
    threads = _whole("threads", threads, 1, None, none=True)
    # Refused before any value is converted: a huge table costs time and memory.
    if len(samples) * replicates > MAX_RUNS:
        raise ValueError(
            f"{len(samples)} samples x {replicates} replicates is {len(samples) * replicates} runs, "
            f"more than one evaluation may hold ({MAX_RUNS:,}); use fewer samples or replicates, "
            "or split the samples"
        )
    bad = [c for c in samples.columns if not isinstance(c, str)]
    if bad:
        raise TypeError(f"samples: column names are dotted scenario keys (str), found {bad[0]!r}")
    keys = list(samples.columns)
    label = _labeller(samples.index)
    missing = samples.isna().to_numpy()
    if missing.any():
        row, col = (int(i[0]) for i in missing.nonzero())
        raise _error(
            f"sample {row}{label(row)}: key `{keys[col]}`: missing value ({samples.iat[row, col]!r}): "
            "every sample needs a value for every column",
            key=keys[col],
            sample=row,
        )
    points = [[_plain(v) for v in row] for row in samples.itertuples(index=False, name=None)]
    try:
        batch = _native.evaluate(
            _path(scenario),
            keys,
            points,
            replicates,
            seed,
            set=_set(set),
            threads=threads,
        )
    except ScenarioError as e:
        if e.sample is not None and label(e.sample):
            e.args = (str(e).replace(f"sample {e.sample}", f"sample {e.sample}{label(e.sample)}", 1),)
        raise
    out = _frame(batch)
    inputs = samples.reset_index(drop=True).iloc[out["point"].to_numpy()].reset_index(drop=True)
    return pd.concat([out.iloc[:, :4], inputs, out.iloc[:, 4:]], axis=1)


def _labeller(index: pd.Index):
    """For a sample's position, its index label in words, when the index is
    not the positions themselves."""
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return lambda position: ""
    return lambda position: f" (index label {_plain(index[position])!r})"


def presets() -> pd.DataFrame:
    """The governance presets a scenario or comparison can name.

    Returns:
        One row per preset: ``name`` (as written in ``governance.preset``),
        ``summary`` (one line) and ``terms`` (the seed document's terms it
        stands for).
    """
    return pd.DataFrame(_native.presets(), columns=["name", "summary", "terms"])


def metrics() -> pd.DataFrame:
    """Every city metric: ``name``, ``unit`` and ``meaning``, in the order of
    :attr:`Run.timeseries`' columns after ``tick``."""
    return pd.DataFrame(_native.metrics(), columns=["name", "unit", "meaning"])


def explain(
    scenario: str | os.PathLike[str], *, set: Mapping[str, Any] | None = None
) -> str:
    """The scenario in plain words (``coserve explain``): who decides, where
    the money goes and what residents can do.

    Raises:
        ScenarioError: the file or an override is not valid.
    """
    return _native.explain(_path(scenario), set=_set(set))
