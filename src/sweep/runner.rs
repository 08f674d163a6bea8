//! Running a sweep: every design point times every replicate, in parallel,
//! each run written atomically as it finishes so that a killed sweep loses
//! only the runs in flight, `--resume` skips what is done, and shards on
//! different machines merge into exactly what one machine writes.

use super::design::{self, RunPoints};
use super::spec::{Factor, SweepSpec};
use super::summary::{self, metric_names};
use crate::output::{self, Destination, OutputError, Staging, parquet};
use crate::scenario::{Scenario, ScenarioError, ScenarioFile};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use toml::Value;

/// Why a sweep could not run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{0}")]
    /// A scenario or sweep file is not valid.
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    /// The destination was refused or could not be written.
    Output(#[from] OutputError),
    #[error("{0}")]
    /// Anything else, in words: what, where, and the fix.
    Other(String),
}

/// What `sweep` suggests when its folder exists.
pub const REMEDY: &str =
    "continue it with --resume, choose another folder with --out, or start over with --force";

/// What `merge` suggests when its folder exists.
const REMEDY_MERGE: &str = "choose another folder with --out, or replace it with --force";

fn other(message: impl Into<String>) -> SweepError {
    SweepError::Other(message.into())
}

/// Which share of the runs this process does: runs whose id modulo `count`
/// is `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard's number, from 0 to `count - 1`.
    pub index: usize,
    /// How many shards the sweep is split into (at least 1).
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    /// Reads `I/N` with 0 <= I < N.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = || -> Option<Shard> {
            let (i, n) = s.split_once('/')?;
            let shard = Shard {
                index: i.trim().parse().ok()?,
                count: n.trim().parse().ok()?,
            };
            (shard.count > 0 && shard.index < shard.count).then_some(shard)
        };
        parse().ok_or_else(|| format!("expected I/N with 0 <= I < N, e.g. 0/8, found \"{s}\""))
    }
}

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// The sweep's folder.
    pub out: PathBuf,
    /// Also write runs.parquet (and timeseries.parquet when asked for timeseries).
    pub parquet: bool,
    /// Run only this shard of the runs.
    pub shard: Option<Shard>,
    /// Continue in `out`, skipping finished runs.
    pub resume: bool,
    /// Replace an earlier result of this sweep in `out`.
    pub force: bool,
}

/// The most weekly rows `timeseries.parquet` is built from: the table is
/// held in memory as text (about 1 kB a row).
pub const MAX_PARQUET_WEEKS: u64 = 2_000_000;

/// One finished run: what runs/run-NNNNNN.json holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run's id: `point * replicates + replicate`.
    pub run: usize,
    /// The design point (0-based, design order).
    pub point: usize,
    /// The replicate (0-based); its seed is the sweep's seed plus this.
    pub replicate: u32,
    /// The run's seed.
    pub seed: u64,
    /// The factors' values as runs.csv writes them, in factor order.
    pub factors: Vec<String>,
    /// Every metric at the last week, in the order of the manifest's `metrics` (`None`: undefined).
    pub end: Vec<Option<f64>>,
    /// Every metric averaged over the weeks after `run.warmup`, in the same order.
    pub mean: Vec<Option<f64>>,
}

/// manifest.json of a sweep: the same for every shard of it.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct SweepManifest {
    /// The coserve version that wrote the sweep.
    pub coserve_version: String,
    /// The commit it was built from ([`crate::COMMIT`]); shards and resumed
    /// runs must agree on it. (No command line: shards differ in theirs.)
    #[serde(default)]
    pub coserve_commit: String,
    /// Always `sweep`.
    pub kind: String,
    /// The sweep file as read and checked.
    pub sweep: serde_json::Value,
    /// The base scenario, resolved with the sweep's fixed overrides, before
    /// any factor.
    pub base_scenario: serde_json::Value,
    /// Design points.
    pub points: usize,
    /// Runs: points times replicates.
    pub runs: usize,
    /// The metrics of runs.csv, in column order.
    pub metrics: Vec<String>,
    /// Every file the sweep read, with the SHA-256 of its text: the sweep
    /// file, then the base scenario and what it extends. Paths are as
    /// reached from the sweep file's folder, so shards started from
    /// different folders agree.
    #[serde(default)]
    pub files: Vec<FileHash>,
}

/// A file a result was made from, and the SHA-256 of its text then.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileHash {
    /// The path as reached from the sweep file's folder.
    pub path: String,
    /// The SHA-256 of the file's text, in hexadecimal.
    pub sha256: String,
}

impl SweepManifest {
    /// Reads `dir/manifest.json` as a sweep's, with its text. A folder
    /// holding another kind of result is named as such; `needed` says what
    /// the command wanted ("merge joins the folders of one sweep").
    pub fn read(dir: &Path, needed: &str) -> Result<(String, SweepManifest), SweepError> {
        let path = dir.join("manifest.json");
        let text = fs::read_to_string(&path).map_err(|e| {
            other(format!(
                "{} is not a coserve result folder (cannot read {}: {e}); {needed}",
                dir.display(),
                path.display()
            ))
        })?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| other(format!("{} is damaged: {e}", path.display())))?;
        match value["kind"].as_str() {
            Some("sweep") => {}
            kind => {
                let what = match kind.unwrap_or("run") {
                    "compare" => "a comparison",
                    "run" => "a single run",
                    other => other,
                };
                return Err(other(format!(
                    "{} holds {what}, not a sweep; {needed}",
                    dir.display()
                )));
            }
        }
        let manifest = serde_json::from_value(value)
            .map_err(|e| other(format!("{} is damaged: {e}", path.display())))?;
        Ok((text, manifest))
    }

    /// The factors' scenario keys, in the order of runs.csv's columns.
    pub fn factor_keys(&self) -> Vec<String> {
        self.sweep["factors"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .filter_map(|f| f["key"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// runs.csv's input columns: the factors' keys, then `regime` in a
    /// regime sweep.
    pub fn columns(&self) -> Vec<String> {
        let mut columns = self.factor_keys();
        if self.sweep["regimes"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
        {
            columns.push(super::spec::REGIME_COLUMN.into());
        }
        columns
    }
}

/// What a sweep did.
#[derive(Clone, Debug)]
pub struct SweepReport {
    /// Runs this call finished.
    pub ran: usize,
    /// Runs of this shard already done before (resume).
    pub skipped: usize,
    /// Runs in the whole design.
    pub total: usize,
    /// Set when the folder holds every run and runs.csv was written.
    pub runs_csv: Option<PathBuf>,
}

fn run_file(dir: &Path, run: usize) -> PathBuf {
    dir.join("runs").join(format!("run-{run:06}.json"))
}

/// A factor value as a CSV cell: text without quotes, numbers as TOML writes them.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn manifest(
    spec: &SweepSpec,
    file: &ScenarioFile,
    base: &Scenario,
    points: usize,
) -> SweepManifest {
    let folder = spec.file.parent().unwrap_or(Path::new(""));
    let shown = |p: &Path| {
        p.strip_prefix(folder)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    let mut files = vec![FileHash {
        path: shown(&spec.file),
        sha256: spec.file_sha256.clone(),
    }];
    files.extend(
        file.files()
            .iter()
            .zip(file.sha256())
            .map(|(p, sha256)| FileHash {
                path: shown(p),
                sha256: sha256.clone(),
            }),
    );
    SweepManifest {
        files,
        coserve_version: crate::VERSION.into(),
        coserve_commit: crate::COMMIT.into(),
        kind: "sweep".into(),
        sweep: serde_json::to_value(spec).expect("the sweep serializes"),
        base_scenario: serde_json::to_value(base).expect("the scenario serializes"),
        points,
        runs: points * spec.replicates as usize,
        metrics: metric_names(),
    }
}

/// Runs the sweep (or this shard of it); `on_run` is told how many runs
/// this call has finished and how many it will do.
pub fn run_sweep(
    spec: &SweepSpec,
    o: &SweepOptions,
    on_run: &(dyn Fn(usize, usize) + Sync),
) -> Result<SweepReport, SweepError> {
    let points = design::points(spec);
    let reps = spec.replicates as usize;
    let total = points.len() * reps;
    let file = Scenario::read(&spec.scenario_path)?;
    check_points(spec, &points, &file)?;
    let base = file.with(&spec.base_overrides())?;
    check_parquet_size(spec, o, &base, total)?;
    let wanted = manifest(spec, &file, &base, points.len());
    // An earlier result replaced by --force, kept aside until this one is done.
    let replaced = prepare_folder(spec, o, &file, &wanted)?;

    let mine = |run: usize| o.shard.is_none_or(|s| run % s.count == s.index);
    let order: Vec<usize> = design::interleaved(points.len())
        .into_iter()
        .flat_map(|p| (0..reps).map(move |r| p * reps + r))
        .filter(|&run| mine(run))
        .collect();
    let todo: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&run| !run_file(&o.out, run).exists())
        .collect();
    let skipped = order.len() - todo.len();
    let done = AtomicUsize::new(0);
    todo.par_iter()
        .with_max_len(1)
        .try_for_each(|&run| -> Result<(), SweepError> {
            let (point, replicate) = (run / reps, (run % reps) as u32);
            // Cannot overflow: the spec checked seed + replicates - 1.
            let seed = spec.seed + u64::from(replicate);
            let values = points.get(point);
            let scenario = file.with(&spec.overrides(&values, seed))?;
            let mut rows = Vec::new();
            let s = summary::summarise_with(scenario, |row| {
                if spec.timeseries {
                    rows.push(row.clone());
                }
            });
            if spec.timeseries {
                let path = o.out.join("timeseries").join(format!("run-{run:06}.csv"));
                let mut w = csv::Writer::from_writer(Vec::new());
                for r in &rows {
                    w.serialize(r).map_err(|e| other(e.to_string()))?;
                }
                let bytes = w.into_inner().map_err(|e| other(e.to_string()))?;
                output::write_new_file(&path, &String::from_utf8_lossy(&bytes), true, REMEDY)?;
            }
            let finite = |xs: &[f64]| xs.iter().map(|x| x.is_finite().then_some(*x)).collect();
            let record = RunRecord {
                run,
                point,
                replicate,
                seed,
                factors: values.iter().map(cell).collect(),
                end: finite(&s.end),
                mean: finite(&s.mean),
            };
            let json = serde_json::to_string(&record).expect("records serialize") + "\n";
            output::write_new_file(&run_file(&o.out, run), &json, true, REMEDY)?;
            on_run(done.fetch_add(1, Ordering::Relaxed) + 1, todo.len());
            Ok(())
        })?;
    let records = read_records(&o.out)?;
    check_records(&records, &wanted)?;
    let runs_csv = if records.len() == total {
        let keys = spec.columns();
        Some(write_results(
            &o.out,
            &keys,
            &wanted.metrics,
            &records,
            o.parquet,
            &[o.out.join("timeseries")],
        )?)
    } else {
        None
    };
    // This call's runs are all written: the earlier result can go.
    if let Some(old) = replaced {
        fs::remove_dir_all(&old)
            .map_err(|e| other(format!("cannot remove {}: {e}", old.display())))?;
    }
    Ok(SweepReport {
        ran: todo.len(),
        skipped,
        total,
        runs_csv,
    })
}

/// Refuses a run record that does not belong to the design of `manifest`:
/// an id outside it, or a point and replicate that do not follow from the
/// id (a file edited or copied from another sweep).
fn check_records(records: &[RunRecord], manifest: &SweepManifest) -> Result<(), SweepError> {
    let reps = manifest
        .runs
        .checked_div(manifest.points)
        .unwrap_or(0)
        .max(1);
    for r in records {
        let fits = r.run < manifest.runs
            && r.point == r.run / reps
            && r.replicate as usize == r.run % reps;
        if !fits {
            return Err(other(format!(
                "runs/run-*.json names run {} (point {}, replicate {}), which is not in this sweep's design of {} runs: the file was edited or comes from another sweep",
                r.run, r.point, r.replicate, manifest.runs
            )));
        }
    }
    Ok(())
}

/// Every design point must make a valid scenario before anything runs.
/// The factors' levels were checked one by one when the spec was loaded;
/// this finds combinations that fail together (shares above 1).
fn check_points(
    spec: &SweepSpec,
    points: &RunPoints,
    file: &ScenarioFile,
) -> Result<(), SweepError> {
    (0..points.len()).into_par_iter().try_for_each(|p| {
        let values = points.get(p);
        file.with(&spec.overrides(&values, spec.seed))
            .map(drop)
            .map_err(|e| {
                let shown: Vec<String> = spec
                    .columns()
                    .iter()
                    .zip(&values)
                    .map(|(key, v)| format!("{key} = {v}"))
                    .collect();
                other(format!(
                    "design point {p} ({}) is not a valid scenario:\n{e}",
                    shown.join(", ")
                ))
            })
    })
}

/// timeseries.parquet is built in memory: refuse, before running, a sweep
/// whose weekly rows would exceed [`MAX_PARQUET_WEEKS`].
fn check_parquet_size(
    spec: &SweepSpec,
    o: &SweepOptions,
    base: &Scenario,
    total: usize,
) -> Result<(), SweepError> {
    if !(o.parquet && spec.timeseries) {
        return Ok(());
    }
    // The longest run: the base's, unless `run.ticks` is a factor.
    let ticks_max = spec
        .factors
        .iter()
        .find(|f| f.key == "run.ticks")
        .and_then(Factor::largest)
        .map_or(base.run.ticks, |t| t as u32);
    let weeks = total as u64 * u64::from(ticks_max);
    if weeks > MAX_PARQUET_WEEKS {
        return Err(other(format!(
            "timeseries = true with --format parquet: {total} runs x up to {ticks_max} weeks = {weeks} weekly rows, more than timeseries.parquet is built from in memory ({MAX_PARQUET_WEEKS}); use --format csv (each run's weeks go to timeseries/)"
        )));
    }
    Ok(())
}

/// Makes `o.out` ready for this sweep: with `--resume`, checks it holds
/// this very sweep, read from the same files; otherwise checks the
/// destination and, with `--force`, sets an earlier result aside (returned,
/// to be removed once the new one has run). Then writes the manifest.
fn prepare_folder(
    spec: &SweepSpec,
    o: &SweepOptions,
    file: &ScenarioFile,
    wanted: &SweepManifest,
) -> Result<Option<PathBuf>, SweepError> {
    let manifest_path = o.out.join("manifest.json");
    let mut replaced = None;
    if o.resume && o.out.exists() {
        let found: SweepManifest = fs::read_to_string(&manifest_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .ok_or_else(|| {
                other(format!(
                    "{} holds no sweep manifest to resume",
                    o.out.display()
                ))
            })?;
        if let Some(changed) = wanted.files.iter().find(|f| {
            found
                .files
                .iter()
                .any(|g| g.path == f.path && g.sha256 != f.sha256)
        }) {
            return Err(other(format!(
                "{} was started from another version of {}: the file has changed since, so resuming would mix two scenarios in one sweep; start over with --force, or restore the file",
                o.out.display(),
                changed.path
            )));
        }
        if found != *wanted {
            return Err(other(format!(
                "{} holds a different sweep (or another coserve version); use another --out",
                o.out.display()
            )));
        }
    } else {
        let mut inputs = vec![spec.file.clone()];
        inputs.extend(file.files().iter().cloned());
        Destination {
            path: &o.out,
            force: o.force,
            inputs: &inputs,
            kind: output::SWEEP,
            remedy: REMEDY,
        }
        .check()?;
        if o.out.exists() {
            replaced = Some(output::set_aside(&o.out)?);
        }
    }
    fs::create_dir_all(o.out.join("runs"))
        .map_err(|e| other(format!("cannot create {}: {e}", o.out.display())))?;
    if spec.timeseries {
        fs::create_dir_all(o.out.join("timeseries"))
            .map_err(|e| other(format!("cannot create timeseries folder: {e}")))?;
    }
    if !manifest_path.exists() {
        output::write_new_file(
            &manifest_path,
            &(serde_json::to_string_pretty(wanted).expect("serializes") + "\n"),
            false,
            REMEDY,
        )?;
    }
    Ok(replaced)
}

/// Every finished run in a sweep folder, by run id.
pub fn read_records(dir: &Path) -> Result<Vec<RunRecord>, SweepError> {
    let mut records = Vec::new();
    let runs = dir.join("runs");
    let entries = fs::read_dir(&runs).map_err(|e| {
        other(format!(
            "cannot read {}: {e}; merge reads the folders `coserve sweep` wrote (a merged folder holds only runs.csv)",
            runs.display()
        ))
    })?;
    for entry in entries {
        let path = entry.map_err(|e| other(e.to_string()))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !(name.starts_with("run-") && name.ends_with(".json")) {
            continue; // a write that never finished
        }
        let text = fs::read_to_string(&path)
            .map_err(|e| other(format!("cannot read {}: {e}", path.display())))?;
        let damaged = |why: String| {
            other(format!(
                "{} is damaged: {why}; delete it and run the sweep again with --resume, which redoes that run",
                path.display()
            ))
        };
        let record: RunRecord = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        if name != format!("run-{:06}.json", record.run) {
            return Err(damaged(format!(
                "it holds run {}, which belongs in run-{:06}.json",
                record.run, record.run
            )));
        }
        records.push(record);
    }
    records.sort_by_key(|r: &RunRecord| r.run);
    Ok(records)
}

/// The runs table: one row per run, by run id, whatever order the runs
/// finished in.
fn runs_table(
    factor_keys: &[String],
    metrics: &[String],
    records: &[RunRecord],
) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header: Vec<String> = ["run", "point", "replicate", "seed"]
        .map(String::from)
        .to_vec();
    header.extend(factor_keys.iter().cloned());
    header.extend(metrics.iter().map(|m| format!("{m}_end")));
    header.extend(metrics.iter().map(|m| format!("{m}_mean")));
    let number = |x: &Option<f64>| x.map_or("NaN".to_string(), |v| v.to_string());
    let rows = records
        .iter()
        .map(|r| {
            let mut row = vec![
                r.run.to_string(),
                r.point.to_string(),
                r.replicate.to_string(),
                r.seed.to_string(),
            ];
            row.extend(r.factors.iter().cloned());
            row.extend(r.end.iter().map(number));
            row.extend(r.mean.iter().map(number));
            row
        })
        .collect();
    (header, rows)
}

/// Writes runs.csv into `dir`, and with `parquet` runs.parquet and, where
/// per-run timeseries exist in `timeseries_dirs`, timeseries.parquet.
fn write_results(
    dir: &Path,
    factor_keys: &[String],
    metrics: &[String],
    records: &[RunRecord],
    parquet: bool,
    timeseries_dirs: &[PathBuf],
) -> Result<PathBuf, SweepError> {
    let (header, rows) = runs_table(factor_keys, metrics, records);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).map_err(|e| other(e.to_string()))?;
    for row in &rows {
        w.write_record(row).map_err(|e| other(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| other(e.to_string()))?;
    let path = dir.join("runs.csv");
    output::write_new_file(&path, &String::from_utf8_lossy(&bytes), true, REMEDY)?;
    if parquet {
        write_parquet(&dir.join("runs.parquet"), &header, &rows)?;
        let (ts_header, ts_rows) = timeseries_table(records, timeseries_dirs)?;
        if !ts_rows.is_empty() {
            write_parquet(&dir.join("timeseries.parquet"), &ts_header, &ts_rows)?;
        }
    }
    Ok(path)
}

fn write_parquet(path: &Path, header: &[String], rows: &[Vec<String>]) -> Result<(), SweepError> {
    let bytes = parquet::encode(&parquet::from_csv(header, rows))
        .map_err(|e| other(format!("cannot encode {}: {e}", path.display())))?;
    output::write_new_bytes(path, &bytes, true, REMEDY)?;
    Ok(())
}

/// Every run's weekly timeseries as one table with a leading `run` column.
fn timeseries_table(
    records: &[RunRecord],
    dirs: &[PathBuf],
) -> Result<(Vec<String>, Vec<Vec<String>>), SweepError> {
    let files: Vec<(usize, PathBuf)> = records
        .iter()
        .filter_map(|r| {
            dirs.iter()
                .map(|d| d.join(format!("run-{:06}.csv", r.run)))
                .find(|p| p.exists())
                .map(|p| (r.run, p))
        })
        .collect();
    // The table is built in memory: count its rows before reading any.
    let mut weeks = 0u64;
    for (_, path) in &files {
        let bytes =
            fs::read(path).map_err(|e| other(format!("cannot read {}: {e}", path.display())))?;
        weeks += bytes
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            .saturating_sub(1) as u64;
        if weeks > MAX_PARQUET_WEEKS {
            return Err(other(format!(
                "the weekly timeseries of this sweep have more than {MAX_PARQUET_WEEKS} rows, more than timeseries.parquet is built from in memory; read the per-run files in timeseries/ instead, or use --format csv"
            )));
        }
    }
    let mut header = Vec::new();
    let mut rows = Vec::new();
    for (run, path) in files {
        let mut reader = csv::Reader::from_path(&path)
            .map_err(|e| other(format!("cannot read {}: {e}", path.display())))?;
        if header.is_empty() {
            header.push("run".to_string());
            header.extend(
                reader
                    .headers()
                    .map_err(|e| other(e.to_string()))?
                    .iter()
                    .map(str::to_owned),
            );
        }
        for record in reader.records() {
            let record = record.map_err(|e| other(format!("{}: {e}", path.display())))?;
            let mut row = vec![run.to_string()];
            row.extend(record.iter().map(str::to_owned));
            rows.push(row);
        }
    }
    Ok((header, rows))
}

/// Joins sweep folders (shards) into `out`: the same runs.csv and manifest
/// one machine writes. Every folder must hold the same sweep.
pub fn merge(
    dirs: &[PathBuf],
    out: &Path,
    force: bool,
    parquet: bool,
) -> Result<PathBuf, SweepError> {
    let mut manifest_text: Option<String> = None;
    let mut records: Vec<RunRecord> = Vec::new();
    for dir in dirs {
        let (text, _) = SweepManifest::read(dir, "merge joins the folders of one sweep")?;
        match &manifest_text {
            None => manifest_text = Some(text),
            Some(first) if *first != text => {
                return Err(other(format!(
                    "{} holds a different sweep from {}",
                    dir.display(),
                    dirs[0].display()
                )));
            }
            Some(_) => {}
        }
        records.extend(read_records(dir)?);
    }
    let text = manifest_text.ok_or_else(|| other("name at least one sweep folder"))?;
    let manifest: SweepManifest = serde_json::from_str(&text).expect("read above");
    check_records(&records, &manifest)?;
    records.sort_by_key(|r| r.run);
    records.dedup_by(|a, b| a.run == b.run && a == b);
    if let Some(w) = records.windows(2).find(|w| w[0].run == w[1].run) {
        return Err(other(format!("run {} differs between folders", w[0].run)));
    }
    if records.len() != manifest.runs {
        let have: std::collections::BTreeSet<usize> = records.iter().map(|r| r.run).collect();
        let missing: Vec<String> = (0..manifest.runs)
            .filter(|r| !have.contains(r))
            .take(10)
            .map(|r| r.to_string())
            .collect();
        return Err(other(format!(
            "{} of {} runs are missing (first: {}); run the missing shards or --resume them",
            manifest.runs - records.len(),
            manifest.runs,
            missing.join(", ")
        )));
    }
    let keys = manifest.columns();
    let staging = Staging::new(&Destination {
        path: out,
        force,
        inputs: dirs,
        kind: output::SWEEP,
        remedy: REMEDY_MERGE,
    })?;
    output::write_new_file(&staging.path("manifest.json"), &text, true, REMEDY_MERGE)?;
    let timeseries: Vec<PathBuf> = dirs.iter().map(|d| d.join("timeseries")).collect();
    write_results(
        &staging.path(""),
        &keys,
        &manifest.metrics,
        &records,
        parquet,
        &timeseries,
    )?;
    Ok(staging.commit()?.join("runs.csv"))
}
