//! Writing a run's results: CSV tables, the manifest, events. Everything is
//! written into a temporary folder beside the destination and renamed into
//! place only when complete, so a crash never leaves a half-written result,
//! and an existing result is never replaced without `force`.

mod destination;
pub mod parquet;

pub use destination::{
    CALIBRATION, COMPARE, DISCOVERY, Destination, Entry, LAB, REPORT, RUN, ResultKind, SWEEP,
    resolve,
};

use crate::engine::{Event, Simulation};
use crate::metrics::TickRecord;
use crate::scenario::Scenario;
use serde::Serialize;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The destination exists and `--force` was not given; `remedy` names
    /// what the command can do instead.
    #[error("{path} already exists: {remedy}")]
    Exists {
        /// The destination.
        path: PathBuf,
        /// What to do instead, naming only options the command has.
        remedy: &'static str,
    },
    /// Writing there could lose a file coserve did not write.
    #[error("refusing to write to {path}: {reason}")]
    Unsafe {
        /// The destination.
        path: PathBuf,
        /// What would be lost, and what to do.
        reason: String,
    },
    /// The file system refused.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder the user asked for.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A CSV table could not be written.
    #[error("cannot write {path}: {source}")]
    Csv {
        /// The table's file.
        path: PathBuf,
        /// What the CSV writer said.
        source: csv::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What `run` and `compare` suggest when their folder exists.
pub const REMEDY_OUT: &str = "choose another folder with --out, or replace it with --force";

/// How to run and where to write.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Destination folder; default `<output.dir>/<name>-seed<seed>`.
    pub out: Option<PathBuf>,
    /// Replace an existing destination.
    pub force: bool,
    /// The `--set` overrides given, recorded in the manifest.
    pub overrides: Vec<String>,
}

/// `timing` in the manifest: the only part of a run's output that differs
/// between two runs of the same scenario and seed.
#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    /// Seconds the run took, start to end, outputs included.
    pub wall_s: f64,
    /// Residents times weeks simulated, per second of `wall_s`.
    pub resident_ticks_per_s: f64,
    /// Threads in rayon's pool (`RAYON_NUM_THREADS`); results do not depend on it.
    pub threads: usize,
}

/// The arguments of the process that wrote a result, program name first:
/// the command line for the `coserve` binary, the interpreter's arguments
/// when called from Python. Recorded so a report can say what to type to
/// reproduce it.
pub fn command_line() -> Vec<String> {
    std::env::args().collect()
}

impl Timing {
    /// The timing of the finished run `sim` that took `wall_s` seconds,
    /// on rayon's current pool.
    pub fn of_run(sim: &Simulation, wall_s: f64) -> Timing {
        let weeks = sim.scenario().run.ticks as f64;
        Timing {
            wall_s,
            resident_ticks_per_s: sim.residents().len() as f64 * weeks / wall_s.max(1e-9),
            threads: rayon::current_num_threads(),
        }
    }
}

/// manifest.json: everything needed to know what produced a result.
#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    /// The coserve version that wrote the folder.
    pub coserve_version: &'static str,
    /// The commit it was built from ([`crate::COMMIT`]).
    pub coserve_commit: &'static str,
    /// The command that wrote the folder ([`command_line`]).
    pub command_line: Vec<String>,
    /// `[first, last]` week of every summary of the run: after the warm-up
    /// (`run.warmup`) to the last week.
    pub summarised_weeks: [u32; 2],
    /// `run`: what kind of result the folder holds.
    pub kind: &'static str,
    /// The scenario's `name`.
    pub scenario_name: &'a str,
    /// The seed of every random number in the run.
    pub seed: u64,
    /// The scenario files read: the named file first, then what it extends.
    pub scenario_files: Vec<String>,
    /// The `--set key=value` arguments, in the order given.
    pub overrides: &'a [String],
    /// The fully resolved scenario after `extends`, presets and overrides.
    pub scenario: &'a Scenario,
    /// Every knob change an intervention made, with its week.
    pub interventions_applied: &'a [Event],
    /// Residents simulated.
    pub residents: u64,
    /// Bytes of hot state per resident (31 with four domains).
    pub resident_state_bytes: usize,
    /// The files in the folder.
    pub files: Vec<&'static str>,
    /// How long the run took: the only part that differs between two runs.
    pub timing: Timing,
}

impl<'a> Manifest<'a> {
    /// The manifest of the finished run `sim`, made with the `--set`
    /// arguments `overrides`, whose folder holds `files`.
    pub fn of_run(
        sim: &'a Simulation,
        overrides: &'a [String],
        files: Vec<&'static str>,
        timing: Timing,
    ) -> Manifest<'a> {
        let s = sim.scenario();
        Manifest {
            coserve_version: crate::VERSION,
            coserve_commit: crate::COMMIT,
            command_line: command_line(),
            summarised_weeks: [s.run.warmup, s.run.ticks - 1],
            kind: "run",
            scenario_name: &s.name,
            seed: s.run.seed,
            scenario_files: s.files.iter().map(|p| p.display().to_string()).collect(),
            overrides,
            scenario: s,
            interventions_applied: sim.events(),
            residents: sim.residents().len() as u64,
            resident_state_bytes: sim.residents().bytes_per_resident(),
            files,
            timing,
        }
    }
}

/// manifest.json of a lab experiment.
#[derive(Debug, Serialize)]
struct LabManifest<'a> {
    coserve_version: &'static str,
    coserve_commit: &'static str,
    command_line: Vec<String>,
    kind: &'static str,
    /// The files read: the named file first, then what it extends.
    experiment_files: Vec<String>,
    /// The `--set key=value` arguments, in the order given.
    overrides: &'a [String],
    /// The experiment as resolved: `[game]` and `[behaviour]`.
    experiment: &'a crate::scenario::Experiment,
    files: [&'static str; 2],
}

/// Writes a lab experiment's rounds.csv and manifest.json into `dest`,
/// atomically, refusing to replace it unless it is an earlier lab result
/// and `dest.force`.
pub fn write_lab(
    e: &crate::scenario::Experiment,
    rows: &[crate::lab::RoundRow],
    overrides: &[String],
    dest: &Destination,
) -> Result<PathBuf, OutputError> {
    let staging = Staging::new(dest)?;
    let mut table = staging.csv("rounds.csv")?;
    table.rows(rows)?;
    table.finish()?;
    let manifest = LabManifest {
        coserve_version: crate::VERSION,
        coserve_commit: crate::COMMIT,
        command_line: command_line(),
        kind: "lab",
        experiment_files: e.files.iter().map(|p| p.display().to_string()).collect(),
        overrides,
        experiment: e,
        files: ["manifest.json", "rounds.csv"],
    };
    let path = staging.path("manifest.json");
    let json = serde_json::to_string_pretty(&manifest).expect("the manifest serializes");
    fs::write(&path, json + "\n").map_err(io(&path))?;
    staging.commit()
}

/// What a finished run reports.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// The result folder.
    pub dir: PathBuf,
    /// The metrics of the last week.
    pub last: TickRecord,
    /// How long the run took.
    pub timing: Timing,
}

/// The folder a run writes to unless told otherwise.
pub fn default_dir(s: &Scenario) -> PathBuf {
    s.output.dir.join(format!("{}-seed{}", s.name, s.run.seed))
}

/// Runs `scenario` to the end and writes its results; `on_tick` is called
/// after each tick (for progress bars).
pub fn run_to_dir(
    scenario: Scenario,
    options: &RunOptions,
    mut on_tick: impl FnMut(u32),
) -> Result<RunSummary, OutputError> {
    let dest = options
        .out
        .clone()
        .unwrap_or_else(|| default_dir(&scenario));
    let mut inputs = scenario.files.clone();
    inputs.extend(scenario.map.as_ref().map(|m| m.path.clone()));
    let staging = Staging::new(&Destination {
        path: &dest,
        force: options.force,
        inputs: &inputs,
        kind: RUN,
        remedy: REMEDY_OUT,
    })?;
    let mut timeseries = staging.csv("timeseries.csv")?;
    let mut neighbourhoods = scenario
        .output
        .neighbourhoods
        .then(|| staging.csv("neighbourhoods.csv"))
        .transpose()?;
    let mut quintiles = scenario
        .output
        .quintiles
        .then(|| staging.csv("quintiles.csv"))
        .transpose()?;

    let start = Instant::now();
    let mut sim = Simulation::new(scenario);
    let mut last = None;
    while !sim.finished() {
        let record = sim.step();
        timeseries.row(&record.city)?;
        if let Some(w) = neighbourhoods.as_mut() {
            w.rows(&record.neighbourhoods)?;
        }
        if let Some(w) = quintiles.as_mut() {
            w.rows(&record.quintiles)?;
        }
        on_tick(sim.tick());
        last = Some(record);
    }
    let timing = Timing::of_run(&sim, start.elapsed().as_secs_f64());
    let s = sim.scenario();
    timeseries.finish()?;
    let mut files = vec!["manifest.json", "timeseries.csv", "events.csv"];
    for (writer, name) in [
        (neighbourhoods, "neighbourhoods.csv"),
        (quintiles, "quintiles.csv"),
    ] {
        if let Some(w) = writer {
            w.finish()?;
            files.push(name);
        }
    }
    write_events(&staging.path("events.csv"), sim.events())?;
    if let Some(map) = s.map.as_ref().and_then(|m| m.map.as_ref()) {
        let path = staging.path("map.geojson");
        fs::write(&path, map.to_geojson()).map_err(io(&path))?;
        files.push("map.geojson");
    }
    let manifest = Manifest::of_run(&sim, &options.overrides, files, timing.clone());
    let manifest_path = staging.path("manifest.json");
    let json = serde_json::to_string_pretty(&manifest).expect("the manifest serializes");
    fs::write(&manifest_path, json + "\n").map_err(io(&manifest_path))?;
    let dir = staging.commit()?;
    Ok(RunSummary {
        dir,
        last: last.expect("a run has at least one tick"),
        timing,
    })
}

fn write_events(path: &Path, events: &[Event]) -> Result<(), OutputError> {
    let csv_err = |source| OutputError::Csv {
        path: path.to_path_buf(),
        source,
    };
    // The header is written by hand, so that it is there even when nothing changed.
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_path(path)
        .map_err(csv_err)?;
    w.write_record(EVENT_COLUMNS).map_err(csv_err)?;
    for row in event_rows(events) {
        w.serialize(row).map_err(csv_err)?;
    }
    w.flush().map_err(io(path))
}

/// The columns of events.csv.
pub const EVENT_COLUMNS: [&str; 5] = ["tick", "label", "knob", "before", "after"];

/// One line of events.csv: one knob an intervention changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRow {
    /// The week at whose start the knob changed.
    pub tick: u32,
    /// The intervention's label.
    pub label: String,
    /// The knob's name in `[governance]`.
    pub knob: String,
    /// Its value before, as TOML.
    pub before: String,
    /// Its value after, as TOML.
    pub after: String,
}

/// events.csv's lines for `events`: one per knob changed, in order.
pub fn event_rows(events: &[Event]) -> Vec<EventRow> {
    events
        .iter()
        .flat_map(|e| {
            e.changes.iter().map(|c| EventRow {
                tick: e.tick,
                label: e.label.clone(),
                knob: c.knob.clone(),
                before: c.before.clone(),
                after: c.after.clone(),
            })
        })
        .collect()
}

/// A CSV file being written in the staging folder.
pub struct Table {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
}

impl Table {
    /// Writes one row; the first row also writes the header.
    pub fn row<T: Serialize>(&mut self, row: &T) -> Result<(), OutputError> {
        self.writer
            .serialize(row)
            .map_err(|source| OutputError::Csv {
                path: self.path.clone(),
                source,
            })
    }

    /// Writes every row of `rows`.
    pub fn rows<T: Serialize>(&mut self, rows: &[T]) -> Result<(), OutputError> {
        rows.iter().try_for_each(|r| self.row(r))
    }

    /// Flushes the file; a table not finished may be incomplete.
    pub fn finish(mut self) -> Result<(), OutputError> {
        self.writer.flush().map_err(io(&self.path))
    }
}

/// A temporary folder beside the destination, renamed into place when done
/// and removed if dropped before that.
pub struct Staging {
    dir: PathBuf,
    dest: PathBuf,
    force: bool,
    remedy: &'static str,
    kind: ResultKind,
    inputs: Vec<PathBuf>,
    committed: bool,
}

impl Staging {
    /// Checks the destination (see [`Destination::check`]) and makes the
    /// temporary folder beside it.
    pub fn new(dest: &Destination) -> Result<Staging, OutputError> {
        dest.check()?;
        let path = dest.path;
        let parent = parent_of(path);
        fs::create_dir_all(parent).map_err(io(parent))?;
        // A fresh name: whatever lies beside the destination is left alone.
        let mut n = 0;
        let dir = loop {
            let dir = partial_name(path, n);
            match fs::create_dir(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(io(&dir)(e)),
            }
        };
        Ok(Staging {
            dir,
            dest: path.to_path_buf(),
            force: dest.force,
            remedy: dest.remedy,
            kind: dest.kind,
            inputs: dest.inputs.to_vec(),
            committed: false,
        })
    }

    /// The path of `file` inside the temporary folder.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// A CSV table `file` in the temporary folder, to fill row by row.
    pub fn csv(&self, file: &str) -> Result<Table, OutputError> {
        let path = self.path(file);
        let f = File::create(&path).map_err(io(&path))?;
        Ok(Table {
            writer: csv::Writer::from_writer(BufWriter::new(f)),
            path,
        })
    }

    /// Moves the finished folder into place. With `force`, an existing
    /// destination (checked when staging began, and again now) is replaced
    /// only after the new one is complete.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        if let Ok(f) = File::open(&self.dir) {
            f.sync_all().ok();
        }
        let mut old = None;
        if fs::symlink_metadata(&self.dest).is_ok() {
            // Checked again: a file may have been put there while we ran.
            Destination {
                path: &self.dest,
                force: self.force,
                inputs: &self.inputs,
                kind: self.kind,
                remedy: self.remedy,
            }
            .check()?;
            let mut aside = self.dir.clone().into_os_string();
            aside.push(".old");
            let aside = PathBuf::from(aside);
            fs::rename(&self.dest, &aside).map_err(io(&self.dest))?;
            old = Some(aside);
        }
        fs::rename(&self.dir, &self.dest).map_err(io(&self.dest))?;
        self.committed = true;
        if let Some(old) = old {
            fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        Ok(self.dest.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Moves an earlier result at `dest` (already checked as replaceable) to a
/// fresh hidden name beside it, `.<name>.partial-<pid>[-<n>].old`, and
/// returns that name: the caller removes it once the new result is
/// complete, so an interruption loses neither.
pub fn set_aside(dest: &Path) -> Result<PathBuf, OutputError> {
    let mut n = 0;
    loop {
        let mut aside = partial_name(dest, n).into_os_string();
        aside.push(".old");
        let aside = PathBuf::from(aside);
        if !aside.exists() {
            fs::rename(dest, &aside).map_err(io(dest))?;
            return Ok(aside);
        }
        n += 1;
    }
}

/// The folder `path` lies in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// `.<name>.partial-<pid>[-<n>]` beside `dest`, named after it: where
/// coserve writes before renaming into place. `output::destination` knows
/// the pattern.
fn partial_name(dest: &Path, n: u32) -> PathBuf {
    let name = dest
        .file_name()
        .map_or("result".into(), |n| n.to_string_lossy().into_owned());
    let suffix = if n == 0 {
        String::new()
    } else {
        format!("-{n}")
    };
    parent_of(dest).join(format!(".{name}.partial-{}{suffix}", std::process::id()))
}

/// Writes `text` to `path` atomically (temporary file, then rename), refusing
/// to replace an existing file unless `force`; `remedy` says what to do
/// instead, naming only options the command has.
pub fn write_new_file(
    path: &Path,
    text: &str,
    force: bool,
    remedy: &'static str,
) -> Result<(), OutputError> {
    write_new_bytes(path, text.as_bytes(), force, remedy)
}

/// As [`write_new_file`], for bytes.
pub fn write_new_bytes(
    path: &Path,
    bytes: &[u8],
    force: bool,
    remedy: &'static str,
) -> Result<(), OutputError> {
    if path.exists() && !force {
        return Err(OutputError::Exists {
            path: path.to_path_buf(),
            remedy,
        });
    }
    // A fresh temporary name (create_new never truncates another file);
    // errors name the file the user asked for, not the temporary one.
    let mut n = 0;
    let (tmp, created) = loop {
        let tmp = partial_name(path, n);
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
            other => break (tmp, other),
        }
    };
    let written = created.and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    });
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_never_clobber_what_lies_beside_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // What a temporary name would be, already taken by someone else.
        let taken = partial_name(&d.join("r"), 0);
        fs::create_dir(&taken).unwrap();
        fs::write(taken.join("keep.txt"), "mine").unwrap();
        let file = partial_name(&d.join("f.csv"), 0);
        fs::write(&file, "mine too").unwrap();

        let dest = d.join("r");
        let staging = Staging::new(&Destination {
            path: &dest,
            force: false,
            inputs: &[],
            kind: RUN,
            remedy: REMEDY_OUT,
        })
        .unwrap();
        fs::write(staging.path("manifest.json"), "{}").unwrap();
        staging.commit().unwrap();
        write_new_file(&d.join("f.csv"), "a,b\n", false, REMEDY_OUT).unwrap();

        assert_eq!(fs::read_to_string(taken.join("keep.txt")).unwrap(), "mine");
        assert_eq!(fs::read_to_string(&file).unwrap(), "mine too");
        assert!(dest.join("manifest.json").exists());
        assert_eq!(fs::read_to_string(d.join("f.csv")).unwrap(), "a,b\n");
    }
}
