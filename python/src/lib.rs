//! `coserve._native`: the library's public API for Python. It does no
//! modelling of its own: each function reads a scenario with the library,
//! runs it with the library, and hands the rows the library's CSV writers
//! would write to pyarrow as Arrow columns (`tables`). The package around
//! it (python/coserve/__init__.py) turns them into pandas DataFrames and
//! holds the documentation users read.
//!
//! Work runs on a thread of its own with the interpreter released
//! (`detached`), so other Python threads go on and Ctrl-C stops it.

mod tables;
mod values;

use arrow_pyarrow::ToPyArrow;
use coserve::engine::Simulation;
use coserve::output::{self, Manifest, Timing};
use coserve::scenario::{self, Diagnostic, ScenarioError as Invalid, Source};
use coserve::sweep::{self, CompareError, CompareOptions, EvaluateError, Evaluation};
use coserve::{Scenario, governance};
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tables::Table;

pyo3::create_exception!(
    coserve,
    ScenarioError,
    PyValueError,
    "A scenario, an override or a sample coserve cannot run: the message names every problem; `.file`, `.line`, `.column` and `.key` locate the first, `.problems` lists all."
);

/// One problem, as `ScenarioError.problems` lists it.
#[derive(Default)]
struct Problem {
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    key: Option<String>,
    argument: Option<String>,
    message: String,
    suggestion: Option<String>,
}

impl Problem {
    fn of(d: &Diagnostic) -> Problem {
        let lined = d.location.line > 0;
        let (file, argument) = match &d.location.source {
            Source::File(path) => (Some(path.display().to_string()), None),
            Source::CommandLine(arg) | Source::Option(arg) => (None, Some(arg.clone())),
            Source::Default => (None, None),
        };
        Problem {
            file,
            line: lined.then_some(d.location.line),
            column: lined.then_some(d.location.column),
            key: (!d.key.is_empty()).then(|| d.key.clone()),
            argument,
            message: d.message.clone(),
            suggestion: d.suggestion.clone(),
        }
    }

    /// One line, as the command line prints it but for where the value
    /// came from: `file:line:column`, or the `key=value` a `set` dict or a
    /// sample made.
    fn line(&self, d: Option<&Diagnostic>) -> String {
        let place = match (&self.argument, d) {
            (Some(arg), _) => format!("`{arg}`: "),
            (None, Some(d)) => format!("{}: ", d.location),
            (None, None) => String::new(),
        };
        let key = self
            .key
            .as_ref()
            .map(|k| format!("key `{k}`: "))
            .unwrap_or_default();
        let help = self
            .suggestion
            .as_ref()
            .map(|s| format!("\n  help: did you mean `{s}`?"))
            .unwrap_or_default();
        format!("{place}{key}{}{help}", self.message)
    }
}

/// A `ScenarioError` saying `message`, with the first problem's place as
/// attributes (`file`, `line`, `column`, `key`, `argument`), every problem
/// in `.problems`, and `.sample`: the position of the sample at fault, or None.
fn raise(py: Python<'_>, message: String, problems: &[Problem], sample: Option<usize>) -> PyErr {
    let err = ScenarioError::new_err(message);
    let fill = || -> PyResult<()> {
        let list = PyList::empty(py);
        for p in problems {
            let d = PyDict::new(py);
            d.set_item("file", p.file.as_deref())?;
            d.set_item("line", p.line)?;
            d.set_item("column", p.column)?;
            d.set_item("key", p.key.as_deref())?;
            d.set_item("argument", p.argument.as_deref())?;
            d.set_item("message", p.message.as_str())?;
            d.set_item("suggestion", p.suggestion.as_deref())?;
            list.append(d)?;
        }
        let value = err.value(py);
        let first = list.get_item(0)?;
        for name in ["file", "line", "column", "key", "argument"] {
            value.setattr(name, first.get_item(name)?)?;
        }
        value.setattr("sample", sample)?;
        value.setattr("problems", list)
    };
    fill().err().unwrap_or(err)
}

/// The Python exception for the library's scenario error `e`, its message
/// after `prefix`.
fn scenario_error(py: Python<'_>, prefix: &str, e: &Invalid, sample: Option<usize>) -> PyErr {
    let problems: Vec<Problem> = e.diagnostics.iter().map(Problem::of).collect();
    let lines: Vec<String> = problems
        .iter()
        .zip(&e.diagnostics)
        .map(|(p, d)| p.line(Some(d)))
        .collect();
    raise(
        py,
        format!("{prefix}{}", lines.join("\n")),
        &problems,
        sample,
    )
}

/// A `ScenarioError` for a value Python gave for `key` that cannot be a
/// scenario value (`sample`: which sample gave it).
fn value_error(py: Python<'_>, key: &str, why: String, sample: Option<usize>) -> PyErr {
    let problem = Problem {
        key: Some(key.to_string()),
        message: why,
        ..Problem::default()
    };
    let prefix = sample.map(|p| format!("sample {p}: ")).unwrap_or_default();
    raise(
        py,
        format!("{prefix}{}", problem.line(None)),
        &[problem],
        sample,
    )
}

/// Runs `work` on a thread of its own, on a pool of `threads` (rayon's
/// global pool when `None`), with the interpreter released. Every 100 ms
/// it checks for Ctrl-C; then it sets the flag `work` is given, waits for
/// the runs under way and raises KeyboardInterrupt.
fn detached<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    work: impl FnOnce(&AtomicBool) -> T + Send,
) -> PyResult<T> {
    let most = coserve::engine::most_threads();
    let pool = match threads {
        Some(n) if n == 0 || n > most => {
            return Err(PyValueError::new_err(format!(
                "threads: expected 1 to {most} (this machine has {} cores), found {n}",
                std::thread::available_parallelism().map_or(1, |n| n.get())
            )));
        }
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| PyRuntimeError::new_err(format!("cannot start {n} threads: {e}")))?,
        ),
        None => None,
    };
    let stop = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let waiting = std::thread::current();
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            // Set even if `work` panics, so the wait below ends.
            struct Done<'a>(&'a AtomicBool, std::thread::Thread);
            impl Drop for Done<'_> {
                fn drop(&mut self) {
                    self.0.store(true, Ordering::Release);
                    self.1.unpark();
                }
            }
            let _done = Done(&done, waiting);
            match &pool {
                Some(pool) => pool.install(|| work(&stop)),
                None => work(&stop),
            }
        });
        let wait = || {
            let start = Instant::now();
            while !done.load(Ordering::Acquire) && start.elapsed() < Duration::from_millis(100) {
                std::thread::park_timeout(Duration::from_millis(100));
            }
        };
        loop {
            py.detach(wait);
            if done.load(Ordering::Acquire) {
                return worker.join().map_err(|panic| {
                    let what = panic
                        .downcast_ref::<String>()
                        .map(String::as_str)
                        .or_else(|| panic.downcast_ref::<&str>().copied())
                        .unwrap_or("unknown");
                    PyRuntimeError::new_err(format!(
                        "coserve stopped on an internal error (please report it): {what}"
                    ))
                });
            }
            if let Err(interrupt) = py.check_signals() {
                stop.store(true, Ordering::Relaxed);
                py.detach(|| worker.join()).ok();
                return Err(interrupt);
            }
        }
    })
}

fn interrupted() -> PyErr {
    PyKeyboardInterrupt::new_err("stopped by the user")
}

/// `key=value` overrides from a dict of dotted keys to Python values.
fn overrides(py: Python<'_>, set: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<String>> {
    let Some(set) = set else {
        return Ok(Vec::new());
    };
    set.iter()
        .map(|(key, value)| {
            let key: String = key.extract().map_err(|_| {
                let shown = key.repr().map_or_else(|_| "?".into(), |r| r.to_string());
                PyTypeError::new_err(format!(
                    "set: keys are dotted scenario keys such as \"governance.pb_share\", found {shown}"
                ))
            })?;
            sweep::check_key(&key).map_err(|why| value_error(py, &key, why, None))?;
            let value = values::to_toml(&value).map_err(|why| value_error(py, &key, why, None))?;
            Ok(sweep::override_arg(&key, &value))
        })
        .collect()
}

fn load(py: Python<'_>, path: &Path, set: &[String]) -> PyResult<Scenario> {
    Scenario::load(path, set).map_err(|e| scenario_error(py, "", &e, None))
}

/// Runs a scenario in memory. Returns (timeseries, neighbourhoods or None,
/// quintiles or None, events) as pyarrow RecordBatches and the manifest as
/// JSON text.
#[pyfunction]
#[pyo3(signature = (scenario, seed=None, set=None, threads=None))]
#[allow(clippy::type_complexity)]
fn run<'py>(
    py: Python<'py>,
    scenario: PathBuf,
    seed: Option<u64>,
    set: Option<&Bound<'py, PyDict>>,
    threads: Option<usize>,
) -> PyResult<(
    Bound<'py, PyAny>,
    Option<Bound<'py, PyAny>>,
    Option<Bound<'py, PyAny>>,
    Bound<'py, PyAny>,
    String,
)> {
    let mut set = overrides(py, set)?;
    if set.iter().any(|s| scenario::override_key(s) == "run.seed") && seed.is_some() {
        return Err(PyValueError::new_err(
            "seed is given twice: as `seed` and as set[\"run.seed\"]; keep one",
        ));
    }
    set.extend(seed.map(|s| format!("run.seed={s}")));
    let s = load(py, &scenario, &set)?;
    let result = detached(py, threads, |stop| -> Result<_, String> {
        let start = Instant::now();
        let mut timeseries = Table::new();
        let mut neighbourhoods = s.output.neighbourhoods.then(Table::new);
        let mut quintiles = s.output.quintiles.then(Table::new);
        let mut sim = Simulation::new(s);
        while !sim.finished() {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let record = sim.step();
            timeseries.extend(std::slice::from_ref(&record.city))?;
            if let Some(t) = neighbourhoods.as_mut() {
                t.extend(&record.neighbourhoods)?;
            }
            if let Some(t) = quintiles.as_mut() {
                t.extend(&record.quintiles)?;
            }
        }
        let timing = Timing::of_run(&sim, start.elapsed().as_secs_f64());
        let mut files = vec!["timeseries", "events"];
        files.extend(neighbourhoods.as_ref().map(|_| "neighbourhoods"));
        files.extend(quintiles.as_ref().map(|_| "quintiles"));
        let manifest = Manifest::of_run(&sim, &set, files, timing);
        let json = serde_json::to_string(&manifest).map_err(|e| e.to_string())?;
        let events = tables::events(&output::event_rows(sim.events()))?;
        let finish = |t: Option<Table>| t.map(Table::finish).transpose();
        Ok(Some((
            timeseries.finish()?,
            finish(neighbourhoods)?,
            finish(quintiles)?,
            events,
            json,
        )))
    })?;
    let (timeseries, neighbourhoods, quintiles, events, manifest) = result
        .map_err(PyRuntimeError::new_err)?
        .ok_or_else(interrupted)?;
    let arrow = |b: Option<arrow_array::RecordBatch>| b.map(|b| b.to_pyarrow(py)).transpose();
    Ok((
        timeseries.to_pyarrow(py)?,
        arrow(neighbourhoods)?,
        arrow(quintiles)?,
        events.to_pyarrow(py)?,
        manifest,
    ))
}

/// A message of the command line's comparison checks in the terms of
/// Python's `compare` arguments.
fn in_python_terms(message: &str) -> String {
    [
        (
            "--regimes public,co_created",
            "regimes=[\"public\", \"co_created\"]",
        ),
        ("separated by commas, ", ""),
        ("--regimes", "regimes"),
        ("--replicates", "replicates"),
        ("--seed", "seed"),
        ("--set ", "set: "),
    ]
    .iter()
    .fold(message.to_string(), |m, (cli, python)| {
        m.replace(cli, python)
    })
}

/// Compares regimes on common random numbers; returns compare.csv's rows
/// as a pyarrow RecordBatch.
#[pyfunction]
#[pyo3(signature = (scenario, regimes, replicates, seed, set=None, threads=None))]
fn compare<'py>(
    py: Python<'py>,
    scenario: PathBuf,
    regimes: Vec<String>,
    replicates: u32,
    seed: u64,
    set: Option<&Bound<'py, PyDict>>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let options = CompareOptions {
        regimes,
        replicates,
        ticks: None,
        seed: Some(seed),
        overrides: overrides(py, set)?,
    };
    let plan = sweep::plan(&scenario, &options).map_err(|e| match e {
        CompareError::Scenario(e) => scenario_error(py, "", &e, None),
        CompareError::Options(m) => PyValueError::new_err(in_python_terms(&m)),
    })?;
    let comparison =
        detached(py, threads, |stop| plan.run_until(&|_| {}, stop))?.ok_or_else(interrupted)?;
    let batch = tables::rows(&comparison.rows()).map_err(PyRuntimeError::new_err)?;
    batch.to_pyarrow(py)
}

/// Runs `points` (values of `keys`) x `replicates`; returns the columns
/// run, point, replicate, seed and every metric's `_end` and `_mean`, in
/// run order, as a pyarrow RecordBatch.
#[pyfunction]
#[pyo3(signature = (scenario, keys, points, replicates, seed, set=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn evaluate<'py>(
    py: Python<'py>,
    scenario: PathBuf,
    keys: Vec<String>,
    points: Vec<Vec<Bound<'py, PyAny>>>,
    replicates: u32,
    seed: u64,
    set: Option<&Bound<'py, PyDict>>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let set = overrides(py, set)?;
    let points: Vec<Vec<toml::Value>> = points
        .iter()
        .enumerate()
        .map(|(p, point)| {
            point
                .iter()
                .zip(&keys)
                .map(|(v, key)| {
                    values::to_toml(v).map_err(|why| value_error(py, key, why, Some(p)))
                })
                .collect()
        })
        .collect::<PyResult<_>>()?;
    let file = Scenario::read(&scenario).map_err(|e| scenario_error(py, "", &e, None))?;
    let evaluation = Evaluation {
        file: &file,
        set: &set,
        keys: &keys,
        points: &points,
        replicates,
        seed,
    };
    let summaries = detached(py, threads, |stop| evaluation.run(stop))?
        .map_err(|e| match e {
            EvaluateError::Point { point, error } => scenario_error(
                py,
                &format!("sample {point} is not a valid scenario: "),
                &error,
                Some(point),
            ),
            EvaluateError::Scenario(error) => scenario_error(py, "", &error, None),
            EvaluateError::Request(m) => PyValueError::new_err(m),
        })?
        .ok_or_else(interrupted)?;
    let batch = tables::summaries(&summaries, replicates, seed).map_err(PyRuntimeError::new_err)?;
    batch.to_pyarrow(py)
}

/// The governance presets: (name, summary, the seed document's terms).
#[pyfunction]
fn presets() -> Vec<(&'static str, &'static str, &'static str)> {
    governance::PRESETS
        .iter()
        .map(|p| (p.name, p.summary, p.terms))
        .collect()
}

/// The scenario in plain words, as `coserve explain` prints it.
#[pyfunction]
#[pyo3(signature = (scenario, set=None))]
fn explain(py: Python<'_>, scenario: PathBuf, set: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
    Ok(scenario::explain(&load(
        py,
        &scenario,
        &overrides(py, set)?,
    )?))
}

/// Every metric: (name, unit, definition), in the order of timeseries' columns.
#[pyfunction]
fn metrics() -> Vec<(&'static str, &'static str, &'static str)> {
    coserve::metrics::DEFINITIONS
        .iter()
        .map(|d| (d.name, d.unit, d.meaning))
        .collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", coserve::VERSION)?;
    m.add("COMMIT", coserve::COMMIT)?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(presets, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(metrics, m)?)?;
    Ok(())
}
