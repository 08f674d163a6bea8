//! Paired comparison of regimes on common random numbers: every regime runs
//! on the same city with the same seeds, replicate by replicate, so the
//! differences show the regime and not the noise.

use super::stats::{self, PairedDifference};
use super::summary::{self, Summary};
use crate::governance;
use crate::output::{Destination, OutputError, Staging};
use crate::scenario::limits::{MAX_SEED, MAX_TICKS};
use crate::scenario::{Scenario, ScenarioError, ScenarioFile};
use rayon::prelude::*;
use serde::Serialize;
use std::fs;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// What to compare.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// The regimes, as written on the command line: preset names, or paths
    /// of scenario files (ending in `.toml`) run as written; the first is
    /// the reference for differences. See [`Regime`].
    pub regimes: Vec<String>,
    /// Runs per regime, 2 to [`MAX_REPLICATES`]; replicate r uses seed + r in every regime.
    pub replicates: u32,
    /// Overrides `run.ticks` when given.
    pub ticks: Option<u32>,
    /// Seed of the first replicate; `run.seed` of the scenario when `None`.
    pub seed: Option<u64>,
    /// `--set` overrides applied to every regime.
    pub overrides: Vec<String>,
}

/// Every run of a comparison, by regime and replicate.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The reference regime's scenario, resolved (seed of the first replicate).
    pub scenario: Scenario,
    /// Every regime's scenario, resolved (seed of the first replicate), in
    /// the order of `regimes`: what each regime ran, knob by knob.
    pub regime_scenarios: Vec<Scenario>,
    /// What the user should know before reading the results: the knobs of
    /// the compared file that a preset regime replaced, one line each.
    pub notes: Vec<String>,
    /// The regimes compared; the first is the reference.
    pub regimes: Vec<String>,
    /// The seed of each replicate, shared by every regime.
    pub seeds: Vec<u64>,
    /// Every metric's name, in the order of [`Summary`]'s values.
    pub metrics: Vec<String>,
    /// `runs[regime][replicate]`.
    pub runs: Vec<Vec<Summary>>,
    /// The main metrics week by week: `weekly[regime][replicate][tick][metric]`
    /// in the order of [`summary::MAIN_METRICS`].
    pub weekly: Vec<Vec<Vec<Vec<f64>>>>,
}

/// One line of compare_timeseries.csv: a main metric in one week under one
/// regime, averaged over replicates, with the range across them.
#[derive(Clone, Debug, Serialize)]
pub struct BandRow {
    /// The week.
    pub tick: usize,
    /// The regime.
    pub regime: String,
    /// The metric (one of [`summary::MAIN_METRICS`]).
    pub metric: &'static str,
    /// Mean over replicates.
    pub mean: f64,
    /// Lowest value over replicates.
    pub low: f64,
    /// Highest value over replicates.
    pub high: f64,
}

/// One line of compare.csv.
#[derive(Clone, Debug, Serialize)]
pub struct CompareRow {
    /// The metric (a column of timeseries.csv).
    pub metric: String,
    /// `end` (last tick) or `mean` (averaged over the weeks after `run.warmup`).
    pub statistic: &'static str,
    /// The regime.
    pub regime: String,
    /// Mean over replicates.
    pub mean: f64,
    /// Standard deviation over replicates (n - 1).
    pub sd: f64,
    /// This regime minus the reference, replicate by replicate.
    pub diff: f64,
    /// Lower end of the 95% t interval of the paired difference.
    pub diff_ci_low: f64,
    /// Upper end of the 95% t interval of the paired difference.
    pub diff_ci_high: f64,
    /// Pairs of replicates where both this regime and the reference have
    /// a value: the basis of `diff` and its interval.
    pub n: usize,
    /// Replicates where this regime has a value: the basis of `mean` and
    /// `sd` (it differs from `n` where the reference has none, e.g.
    /// `capture` under `public`).
    pub replicates_defined: usize,
    /// The share of this metric's variance over every run of the
    /// comparison that comes from the seed (within regimes) rather than
    /// from the regimes, 0-1 ([`stats::within_share`]); the same on every
    /// regime's row. Near 1, the regimes barely move the metric.
    pub seed_share: f64,
    /// Whether chance alone could make this difference: its 95% interval
    /// contains 0. Empty on the reference's own row and where there is no
    /// difference to test (NaN).
    pub within_noise: Option<bool>,
}

/// One regime of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Regime {
    /// A named preset applied to the compared scenario: it replaces every
    /// governance knob the scenario's files write ([`Comparison::notes`]
    /// says which, and to what).
    Preset(&'static str),
    /// A scenario file run as written (its own preset, knobs and
    /// interventions), on the same city and random numbers.
    File(PathBuf),
}

impl Regime {
    /// A regime as written on the command line: a path when it ends in
    /// `.toml` or holds a `/`, else a preset name. Errors say what was
    /// expected and the nearest preset.
    pub fn parse(arg: &str) -> Result<Regime, String> {
        if arg.ends_with(".toml") || arg.contains('/') || arg.contains(std::path::MAIN_SEPARATOR) {
            return Ok(Regime::File(PathBuf::from(arg)));
        }
        if let Some(p) = governance::preset(arg) {
            return Ok(Regime::Preset(p.name));
        }
        let names: Vec<&str> = governance::PRESETS.iter().map(|p| p.name).collect();
        let hint = crate::text::nearest(arg, names.iter().copied())
            .map(|s| format!("\n  help: did you mean `{s}`?"))
            .unwrap_or_default();
        Err(format!(
            "--regimes: unknown regime \"{arg}\"; expected a preset, one of {}, or a scenario file (a path ending in .toml){hint}",
            crate::text::quoted_list(&names)
        ))
    }
}

/// Each regime's scenario file, read once: the compared scenario for a
/// preset, the regime's own file otherwise.
struct RegimeFiles {
    base: ScenarioFile,
    own: Vec<Option<ScenarioFile>>,
    regimes: Vec<Regime>,
}

impl RegimeFiles {
    fn read(path: &Path, o: &CompareOptions) -> Result<RegimeFiles, CompareError> {
        let regimes = o
            .regimes
            .iter()
            .map(|r| Regime::parse(r).map_err(CompareError::Options))
            .collect::<Result<Vec<_>, _>>()?;
        let own = regimes
            .iter()
            .map(|r| match r {
                Regime::File(p) => Scenario::read(p).map(Some),
                Regime::Preset(_) => Ok(None),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RegimeFiles {
            base: Scenario::read(path)?,
            own,
            regimes,
        })
    }

    /// Regime `i`'s scenario, ready to run with the given seed.
    fn scenario(
        &self,
        i: usize,
        o: &CompareOptions,
        seed: Option<u64>,
    ) -> Result<Scenario, ScenarioError> {
        let file = self.own[i].as_ref().unwrap_or(&self.base);
        let preset = match self.regimes[i] {
            Regime::Preset(name) => Some(name),
            Regime::File(_) => None,
        };
        file.with(&run_overrides(o, preset, seed))
            .map_err(|e| as_typed(e, o))
    }

    /// The compared scenario itself, with the comparison's overrides: the
    /// city and clock every regime must share.
    fn compared(&self, o: &CompareOptions) -> Result<Scenario, ScenarioError> {
        self.base
            .with(&run_overrides(o, None, o.seed))
            .map_err(|e| as_typed(e, o))
    }

    /// The compared file's path as given.
    fn compared_path(&self) -> String {
        self.base
            .files()
            .first()
            .map_or("the scenario".into(), |f| f.display().to_string())
    }

    /// Whether the compared file itself is one of the regimes.
    fn compared_is_a_regime(&self) -> bool {
        let same = |p: &Path| {
            let canonical = |q: &Path| std::fs::canonicalize(q).ok();
            canonical(p).is_some()
                && canonical(p) == self.base.files().first().and_then(|f| canonical(f))
        };
        self.regimes
            .iter()
            .any(|r| matches!(r, Regime::File(p) if same(p)))
    }

    /// For each preset regime, the knobs the compared scenario's files
    /// write that the preset sets otherwise, said plainly.
    fn replaced_knobs(
        &self,
        o: &CompareOptions,
        scenarios: &[Scenario],
    ) -> Result<Vec<String>, ScenarioError> {
        let written = self.base.written_knobs();
        let as_written = self.base.with(&o.overrides)?;
        let file = self.compared_path();
        let mut notes = Vec::new();
        let how_to = if self.compared_is_a_regime() {
            String::new()
        } else {
            format!(
                "; to run the file's own knobs, name the file as a regime (--regimes {file},...)"
            )
        };
        let governance_set: Vec<&str> = o
            .overrides
            .iter()
            .map(String::as_str)
            .filter(|a| crate::scenario::override_key(a).starts_with("governance."))
            .collect();
        if !governance_set.is_empty() {
            notes.push(format!(
                "--set {} applies to every regime, presets and files alike, replacing what each writes",
                governance_set.join(", --set ")
            ));
        }
        let has_preset_regime = self.regimes.iter().any(|r| matches!(r, Regime::Preset(_)));
        if has_preset_regime && !as_written.interventions.is_empty() {
            let changes: Vec<String> = as_written
                .interventions
                .iter()
                .map(|iv| match &iv.preset {
                    Some(p) => format!("week {}: switch to preset {p}", iv.at),
                    None => format!("week {}: {}", iv.at, iv.label),
                })
                .collect();
            notes.push(format!(
                "the interventions of {file} apply under every preset regime too ({})",
                changes.join("; ")
            ));
        }
        let as_written = as_written.governance.knobs;
        for (i, regime) in self.regimes.iter().enumerate() {
            let Regime::Preset(name) = regime else {
                continue;
            };
            let replaced = as_written.changes(&scenarios[i].governance.knobs, &written);
            if !replaced.is_empty() {
                notes.push(format!(
                    "regime {name}: the preset replaces knobs {file} writes: {}{how_to}",
                    replaced.join(", ")
                ));
            }
        }
        Ok(notes)
    }
}

/// Errors caused by `--ticks`, which compare applies as `run.ticks=N`,
/// shown as the option the user typed.
fn as_typed(mut e: ScenarioError, o: &CompareOptions) -> ScenarioError {
    if let Some(t) = o.ticks {
        let applied = format!("run.ticks={t}");
        for d in &mut e.diagnostics {
            if d.location.source == crate::scenario::Source::CommandLine(applied.clone()) {
                d.location.source = crate::scenario::Source::Option(format!("--ticks {t}"));
            }
        }
    }
    e
}

/// The overrides of one run of a comparison: the user's `--set`, then the
/// regime's preset, `--ticks` and the replicate's seed.
fn run_overrides(o: &CompareOptions, preset: Option<&str>, seed: Option<u64>) -> Vec<String> {
    let mut set = o.overrides.clone();
    if let Some(name) = preset {
        set.push(format!("governance.preset={name}"));
    }
    if let Some(t) = o.ticks {
        set.push(format!("run.ticks={t}"));
    }
    if let Some(s) = seed {
        set.push(format!("run.seed={s}"));
    }
    set
}

/// Regimes differ in governance and interventions only: on another city,
/// clock, services or behaviour, a pair of runs would not isolate how
/// services are governed. Refuses a regime whose `[run]` (but the seed),
/// `[city]`, `[[domains]]` or `[behaviour]` differ from the compared
/// scenario's, naming the first key that differs.
fn same_city_and_clock(
    compared: &Scenario,
    compared_path: &str,
    labels: &[String],
    scenarios: &[Scenario],
) -> Result<(), CompareError> {
    let shared = |s: &Scenario| {
        let mut run = s.run.clone();
        run.seed = compared.run.seed;
        // A map is the same city when it is the same file's content read
        // the same way, wherever the file lies.
        let map = s.map.as_ref().map(|m| {
            serde_json::json!({
                "sha256": m.sha256,
                "name": m.spec.name,
                "population": m.spec.population,
                "ses": m.spec.ses,
                "ses_higher_is_poorer": m.spec.ses_higher_is_poorer,
                "need_index": m.need_index,
            })
        });
        serde_json::json!({
            "run": run,
            "city": s.city,
            "city.map": map,
            "domains": s.domains,
            "behaviour": s.behaviour,
        })
    };
    let reference = shared(compared);
    for (label, s) in labels.iter().zip(scenarios) {
        if let Some((key, theirs, ours)) = first_difference("", &shared(s), &reference) {
            return Err(CompareError::Options(format!(
                "--regimes: {label} has {key} = {theirs} where {compared_path} has {ours}: regimes are compared on the same city, services, behaviour and weeks, so that each pair of runs differs only in how services are governed; make them the same (e.g. extend {compared_path} and change only [governance] and [[interventions]])"
            )));
        }
    }
    Ok(())
}

/// The first leaf (as a dotted key, with both values) where `a` and `b`
/// differ, in key order.
fn first_difference(
    prefix: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
) -> Option<(String, String, String)> {
    use serde_json::Value;
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x
            .iter()
            .find_map(|(k, v)| first_difference(&key(k), v, y.get(k).unwrap_or(&Value::Null))),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(&format!("{prefix}[{i}]"), v, w)),
        _ if a == b => None,
        _ => Some((prefix.to_string(), a.to_string(), b.to_string())),
    }
}

/// Where a comparison of `base` goes unless told otherwise.
pub fn comparison_dir(base: &Scenario) -> PathBuf {
    base.output.dir.join(format!("{}-compare", base.name))
}

/// The most replicates a comparison may ask for.
pub const MAX_REPLICATES: u32 = 100_000;
/// The most weeks a comparison may simulate in all (regimes x replicates x
/// ticks): it keeps the main metrics of every week in memory, about 100
/// bytes a week, so this bounds it near 2 GB.
pub const MAX_COMPARE_WEEKS: u64 = 20_000_000;

/// Why a comparison was refused before any run started.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{0}")]
    /// A regime's scenario is not valid.
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    /// The options cannot make a comparison: what, and the fix.
    Options(String),
}

impl CompareOptions {
    /// Checks what the command line asked for before anything runs: known
    /// regimes, at most [`MAX_REPLICATES`] replicates, and no `--set` that
    /// the comparison would silently replace.
    pub fn check(&self) -> Result<(), CompareError> {
        let fail = |m: String| Err(CompareError::Options(m));
        if self.regimes.len() < 2 {
            return fail(format!(
                "--regimes: name at least two regimes to compare, separated by commas, e.g. --regimes public,co_created; found \"{}\"",
                self.regimes.join(",")
            ));
        }
        // A regime may be named twice: against itself it must differ by 0.
        for r in &self.regimes {
            Regime::parse(r).map_err(CompareError::Options)?;
        }
        if !(2..=MAX_REPLICATES).contains(&self.replicates) {
            return fail(format!(
                "--replicates: expected 2 to {MAX_REPLICATES} (two or more give a confidence interval), found {}",
                self.replicates
            ));
        }
        if let Some(t) = self.ticks
            && !(1..=MAX_TICKS).contains(&i64::from(t))
        {
            return fail(format!(
                "--ticks: expected 1 to {MAX_TICKS} weeks, found {t}"
            ));
        }
        for arg in &self.overrides {
            let key = crate::scenario::override_key(arg);
            let why = match key {
                "governance.preset" => "the regimes come from --regimes",
                "run.seed" => "use --seed for the first replicate's seed",
                "run.ticks" if self.ticks.is_some() => "--ticks is given as well",
                "output.neighbourhoods" | "output.quintiles" => {
                    "a comparison writes compare.csv and compare_timeseries.csv, not each run's tables"
                }
                _ => continue,
            };
            return fail(format!(
                "--set {arg}: a comparison would not use this: {why}"
            ));
        }
        Ok(())
    }
}

/// A comparison checked and ready to run: every regime's scenario for every
/// replicate, and what the user should know first ([`ComparePlan::notes`]).
#[derive(Clone, Debug)]
pub struct ComparePlan {
    /// Every regime's scenario at the first replicate's seed, in order.
    pub regime_scenarios: Vec<Scenario>,
    /// The knobs of the compared file that a preset regime replaces, one
    /// line each, to show before the runs start.
    pub notes: Vec<String>,
    /// The seed of each replicate, shared by every regime.
    pub seeds: Vec<u64>,
    regimes: Vec<String>,
    /// `runs[regime * replicates + replicate]`.
    runs: Vec<Scenario>,
}

/// Reads and checks a comparison of the scenario at `path`: known regimes
/// on one city and clock, within memory and seed limits.
pub fn plan(path: &Path, o: &CompareOptions) -> Result<ComparePlan, CompareError> {
    o.check()?;
    // Read once: every regime and replicate is built from the same text.
    let files = RegimeFiles::read(path, o)?;
    let regime_scenarios = (0..o.regimes.len())
        .map(|i| files.scenario(i, o, o.seed))
        .collect::<Result<Vec<_>, _>>()?;
    same_city_and_clock(
        &files.compared(o)?,
        &files.compared_path(),
        &o.regimes,
        &regime_scenarios,
    )?;
    let notes = files.replaced_knobs(o, &regime_scenarios)?;
    let base = &regime_scenarios[0];
    let weeks = o.regimes.len() as u64 * u64::from(o.replicates) * u64::from(base.run.ticks);
    if weeks > MAX_COMPARE_WEEKS {
        return Err(CompareError::Options(format!(
            "{} regimes x {} replicates x {} weeks = {weeks} simulated weeks, more than a comparison holds in memory ({MAX_COMPARE_WEEKS}); use fewer replicates or weeks, or a sweep",
            o.regimes.len(),
            o.replicates,
            base.run.ticks
        )));
    }
    let last = base.run.seed.checked_add(u64::from(o.replicates) - 1);
    if last.is_none_or(|s| s > MAX_SEED) {
        return Err(CompareError::Options(format!(
            "seed {} with {} replicates needs seeds up to {} + {}, beyond the largest seed {MAX_SEED}; choose a smaller --seed",
            base.run.seed,
            o.replicates,
            base.run.seed,
            o.replicates - 1
        )));
    }
    let seeds: Vec<u64> = (0..u64::from(o.replicates))
        .map(|r| base.run.seed + r)
        .collect();
    let mut runs = Vec::new();
    for i in 0..o.regimes.len() {
        for &seed in &seeds {
            runs.push(files.scenario(i, o, Some(seed))?);
        }
    }
    Ok(ComparePlan {
        regime_scenarios,
        notes,
        seeds,
        regimes: o.regimes.clone(),
        runs,
    })
}

/// Plans and runs a comparison ([`plan`], then [`ComparePlan::run`]).
pub fn compare(
    path: &Path,
    o: &CompareOptions,
    on_run: &(dyn Fn(usize) + Sync),
) -> Result<Comparison, CompareError> {
    Ok(plan(path, o)?.run(on_run))
}

impl ComparePlan {
    /// Runs every regime for every replicate, in parallel; `on_run` is told
    /// how many runs have finished (from any thread).
    pub fn run(self, on_run: &(dyn Fn(usize) + Sync)) -> Comparison {
        self.run_until(on_run, &AtomicBool::new(false))
            .expect("nothing stops it")
    }

    /// As [`ComparePlan::run`], but `stop`, set from another thread, ends
    /// the comparison early with `None` (runs under way finish first).
    pub fn run_until(
        self,
        on_run: &(dyn Fn(usize) + Sync),
        stop: &AtomicBool,
    ) -> Option<Comparison> {
        let done = AtomicUsize::new(0);
        let names = summary::metric_names();
        let main: Vec<usize> = summary::MAIN_METRICS
            .iter()
            .map(|m| names.iter().position(|n| n == m).expect("a metric"))
            .collect();
        let results: Vec<(Summary, Vec<Vec<f64>>)> = self
            .runs
            .into_par_iter()
            .map(|s| {
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                let mut weeks = Vec::new();
                let summary = summary::summarise_with(s, |row| {
                    let values = summary::metric_values(row);
                    weeks.push(main.iter().map(|&i| values[i]).collect());
                });
                on_run(done.fetch_add(1, Ordering::Relaxed) + 1);
                Some((summary, weeks))
            })
            .collect::<Option<_>>()?;
        let (summaries, weeks): (Vec<Summary>, Vec<Vec<Vec<f64>>>) = results.into_iter().unzip();
        let replicates = self.seeds.len();
        Some(Comparison {
            scenario: self.regime_scenarios[0].clone(),
            regime_scenarios: self.regime_scenarios,
            notes: self.notes,
            regimes: self.regimes,
            seeds: self.seeds,
            metrics: names,
            runs: summaries
                .chunks(replicates)
                .map(<[Summary]>::to_vec)
                .collect(),
            weekly: weeks
                .chunks(replicates)
                .map(<[Vec<Vec<f64>>]>::to_vec)
                .collect(),
        })
    }
}

impl Comparison {
    /// Per metric, statistic and regime: mean, spread and paired difference
    /// to the first regime with its 95% confidence interval.
    pub fn rows(&self) -> Vec<CompareRow> {
        let mut rows = Vec::new();
        for (m, metric) in self.metrics.iter().enumerate() {
            for statistic in ["end", "mean"] {
                let values = |runs: &[Summary]| -> Vec<f64> {
                    runs.iter()
                        .map(|s| {
                            if statistic == "end" {
                                s.end[m]
                            } else {
                                s.mean[m]
                            }
                        })
                        .collect()
                };
                let reference = values(&self.runs[0]);
                let seed_share =
                    stats::within_share(&self.runs.iter().map(|r| values(r)).collect::<Vec<_>>());
                for (i, (regime, runs)) in self.regimes.iter().zip(&self.runs).enumerate() {
                    let v = values(runs);
                    let PairedDifference { mean, low, high, n } =
                        stats::paired_difference(&reference, &v);
                    rows.push(CompareRow {
                        metric: metric.clone(),
                        statistic,
                        regime: regime.clone(),
                        mean: stats::mean(&v),
                        sd: stats::sd(&v),
                        diff: mean,
                        diff_ci_low: low,
                        diff_ci_high: high,
                        n,
                        replicates_defined: v.iter().filter(|x| x.is_finite()).count(),
                        seed_share,
                        within_noise: (i > 0 && !mean.is_nan())
                            .then_some(low <= 0.0 && high >= 0.0),
                    });
                }
            }
        }
        rows
    }

    /// The main metrics week by week per regime: mean over replicates and
    /// the range across them.
    pub fn bands(&self) -> Vec<BandRow> {
        let mut rows = Vec::new();
        for (regime, runs) in self.regimes.iter().zip(&self.weekly) {
            let ticks = runs.iter().map(Vec::len).min().unwrap_or(0);
            for (m, metric) in summary::MAIN_METRICS.iter().enumerate() {
                for tick in 0..ticks {
                    let values: Vec<f64> = runs
                        .iter()
                        .map(|r| r[tick][m])
                        .filter(|x| x.is_finite())
                        .collect();
                    let (low, high) = values
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                            (lo.min(x), hi.max(x))
                        });
                    let finite = !values.is_empty();
                    rows.push(BandRow {
                        tick,
                        regime: regime.clone(),
                        metric,
                        mean: stats::mean(&values),
                        low: if finite { low } else { f64::NAN },
                        high: if finite { high } else { f64::NAN },
                    });
                }
            }
        }
        rows
    }

    /// compare_replicates.csv: one row per regime and replicate, with its
    /// seed and every metric at the end (`_end`) and averaged after the
    /// warm-up (`_mean`), as runs.csv has them, so any statistic can be recomputed.
    /// The first row is the header.
    pub fn replicate_rows(&self) -> Vec<Vec<String>> {
        let mut header = vec!["regime".to_string(), "replicate".into(), "seed".into()];
        header.extend(self.metrics.iter().map(|m| format!("{m}_end")));
        header.extend(self.metrics.iter().map(|m| format!("{m}_mean")));
        let mut rows = vec![header];
        for (regime, runs) in self.regimes.iter().zip(&self.runs) {
            for (replicate, (run, seed)) in runs.iter().zip(&self.seeds).enumerate() {
                let mut row = vec![regime.clone(), replicate.to_string(), seed.to_string()];
                row.extend(run.end.iter().chain(&run.mean).map(f64::to_string));
                rows.push(row);
            }
        }
        rows
    }

    /// A readable table of the given metrics, averaged after the warm-up.
    pub fn table(&self, metrics: &[&str]) -> String {
        let rows = self.rows();
        let reference = &self.regimes[0];
        let mut out = format!(
            "{} replicates per regime on common random numbers; averages over {}; difference to {reference} with 95% CI\n\n",
            self.seeds.len(),
            self.scenario.run.describe_window()
        );
        // Every cell first, then each column as wide as its widest cell.
        let mut lines = vec![
            [String::from("metric"), String::from("seed %")]
                .into_iter()
                .chain(self.regimes.iter().cloned())
                .collect::<Vec<_>>(),
        ];
        for metric in metrics {
            let mean_rows: Vec<&CompareRow> = rows
                .iter()
                .filter(|r| r.metric == *metric && r.statistic == "mean")
                .collect();
            let seed = mean_rows.first().map_or(f64::NAN, |r| r.seed_share);
            let mut line = vec![metric.to_string(), format!("{:.0}", 100.0 * seed)];
            for (i, r) in mean_rows.iter().enumerate() {
                // No paired difference for the reference itself, nor where
                // the reference has no value (capture with nothing
                // discretionary).
                line.push(if i == 0 || r.diff.is_nan() {
                    format!("{:.3}", r.mean)
                } else {
                    format!(
                        "{:.3} ({:+.3} [{:+.3}, {:+.3}]{})",
                        r.mean,
                        r.diff,
                        r.diff_ci_low,
                        r.diff_ci_high,
                        if r.within_noise == Some(true) {
                            "~"
                        } else {
                            " "
                        }
                    )
                });
            }
            lines.push(line);
        }
        let widths: Vec<usize> = (0..lines[0].len())
            .map(|c| {
                lines
                    .iter()
                    .map(|l| l.get(c).map_or(0, |x| x.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for line in &lines {
            let cells: Vec<String> = line
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(c, (x, &w))| {
                    if c == 0 {
                        format!("{x:<w$}")
                    } else {
                        format!("{x:>w$}")
                    }
                })
                .collect();
            out += &cells.join("  ");
            out += "\n";
        }
        out += "\nseed %: the share of the metric's variation over all runs that comes from the seed (within regimes) rather than the regimes\n~: the difference's 95% interval contains 0, so chance alone could make it\n";
        out
    }
}

/// manifest.json of a comparison.
#[derive(Debug, Serialize)]
struct CompareManifest<'a> {
    coserve_version: &'static str,
    coserve_commit: &'static str,
    command_line: Vec<String>,
    /// `[first, last]` week every mean in compare.csv covers.
    summarised_weeks: [u32; 2],
    kind: &'static str,
    scenario_name: &'a str,
    scenario_files: Vec<String>,
    overrides: &'a [String],
    regimes: &'a [String],
    reference: &'a str,
    seeds: &'a [u64],
    /// The reference regime's resolved scenario (seed of the first replicate).
    scenario: &'a Scenario,
    /// Every regime's resolved scenario, in the order of `regimes`.
    regime_scenarios: &'a [Scenario],
    /// The compared file's knobs that a preset regime replaced.
    notes: &'a [String],
    wall_s: f64,
}

/// Writes compare.csv and manifest.json of a comparison into `dest`,
/// atomically, refusing to replace it unless `force`.
pub fn write_comparison(
    c: &Comparison,
    dest: &Destination,
    overrides: &[String],
    wall_s: f64,
) -> Result<PathBuf, OutputError> {
    let staging = Staging::new(dest)?;
    let mut table = staging.csv("compare.csv")?;
    table.rows(&c.rows())?;
    table.finish()?;
    let mut bands = staging.csv("compare_timeseries.csv")?;
    bands.rows(&c.bands())?;
    bands.finish()?;
    let mut replicates = staging.csv("compare_replicates.csv")?;
    replicates.rows(&c.replicate_rows())?;
    replicates.finish()?;
    let manifest = CompareManifest {
        coserve_version: crate::VERSION,
        coserve_commit: crate::COMMIT,
        command_line: crate::output::command_line(),
        summarised_weeks: [c.scenario.run.warmup, c.scenario.run.ticks - 1],
        kind: "compare",
        scenario_name: &c.scenario.name,
        scenario_files: c
            .scenario
            .files
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        overrides,
        regimes: &c.regimes,
        reference: &c.regimes[0],
        seeds: &c.seeds,
        scenario: &c.scenario,
        regime_scenarios: &c.regime_scenarios,
        notes: &c.notes,
        wall_s,
    };
    let path = staging.path("manifest.json");
    let json = serde_json::to_string_pretty(&manifest).expect("the manifest serializes");
    fs::write(&path, json + "\n").map_err(|source| OutputError::Io {
        path: path.clone(),
        source,
    })?;
    staging.commit()
}
