//! The `coserve` command line: parses arguments, calls the library, prints.
//! Each subcommand is one `Args` struct and one short function; what to
//! check and where to write is the library's business.

use clap::{Args, Parser, Subcommand};
use coserve::analysis::{abc, calibration};
use coserve::output::{self, RunOptions};
use coserve::scenario::{self, NewScenario};
use coserve::sweep::{self, CompareOptions};
use coserve::{Scenario, governance};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "coserve",
    version,
    about = "Compare how a city's everyday services turn out under top-down, co-created and mixed governance."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write its results.
    Run(RunArgs),
    /// Compare regimes on the same city and random numbers, with 95% CIs.
    Compare(CompareArgs),
    /// Play the public-goods game of an experiment file with the residents' rules.
    Lab(LabArgs),
    /// Fit parameters to observed targets by ABC-SMC, over a scenario or an experiment.
    Calibrate(CalibrateArgs),
    /// Run a sweep file: a design of factors over a base scenario.
    Sweep(SweepArgs),
    /// Join sweep folders (shards) into one runs.csv.
    Merge(MergeArgs),
    /// Sobol indices (saltelli sweep) or Morris elementary effects (morris
    /// sweep), with bootstrap intervals.
    Sensitivity(SensitivityArgs),
    /// Scenario discovery with PRIM: where in the inputs does a condition on
    /// the outcome hold? On a sweep folder or any CSV of one row per run.
    Discover(DiscoverArgs),
    /// Charts and a readable HTML page for a run, a comparison or a sweep.
    Report(ReportArgs),
    /// Check scenario, sweep, calibration and lab files and report every error.
    Validate(ValidateArgs),
    /// List the governance presets.
    Presets,
    /// Describe a scenario in plain language.
    Explain(ExplainArgs),
    /// Write a fully commented scenario to edit, starting from a preset.
    New(NewArgs),
}

/// `--set` overrides, shared by the commands that load a scenario.
#[derive(Args)]
struct Overrides {
    /// Override any key by dotted path, e.g. --set governance.pb_share=0.2
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

/// Seeds a scenario can hold: TOML integers are signed 64-bit.
fn seed_parser() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(0..=scenario::limits::MAX_SEED)
}

/// Table formats for sweeps: CSV always, Parquet as well when asked.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Csv,
    Parquet,
}

#[derive(Args)]
struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Seed of the random numbers (overrides run.seed), 0 to 9223372036854775807.
    #[arg(long, value_parser = seed_parser())]
    seed: Option<u64>,
    #[command(flatten)]
    overrides: Overrides,
    /// Output folder (default: <output.dir>/<name>-seed<seed>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace an earlier result of a run in that folder.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
struct LabArgs {
    /// The experiment file (TOML): [game] and [behaviour].
    experiment: PathBuf,
    #[command(flatten)]
    overrides: Overrides,
    /// Output folder (default: outputs/<name>-lab).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace an earlier lab result in that folder.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
struct CalibrateArgs {
    /// The calibration file (TOML): model, [parameters] with priors, [[targets]].
    calibration: PathBuf,
    /// Output folder (default: outputs/<name>-calibration).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace an earlier calibration in that folder (with --merge: only
    /// one of another file or model; the same calibration is continued).
    #[arg(long)]
    force: bool,
    /// Continue an interrupted calibration in that folder, reusing every
    /// simulation it recorded (the result is the same as without a stop).
    #[arg(long, conflicts_with = "force")]
    resume: bool,
    /// Run only shard I of N of what the calibration in that folder still
    /// needs, e.g. 0/8 (a merge prepares the folder first).
    #[arg(long, conflicts_with_all = ["force", "resume", "merge"])]
    shard: Option<sweep::Shard>,
    /// Combine the shards' simulations: prepare the folder, write the
    /// result once they complete it, or say what the next round of shards
    /// will do.
    #[arg(long, conflicts_with = "resume")]
    merge: bool,
}

#[derive(Args)]
struct CompareArgs {
    scenario: PathBuf,
    /// Regimes to compare, comma-separated, the first the reference: preset
    /// names, or scenario files (ending in .toml) run as written.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "public,co_created,hybrid"
    )]
    regimes: Vec<String>,
    /// Runs per regime, each with its own seed, shared across regimes (2 to 100000).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    replicates: u32,
    /// Weeks per run, 1 to 100000 (overrides run.ticks).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    ticks: Option<u32>,
    /// Seed of the first replicate (overrides run.seed); replicate r uses seed + r.
    #[arg(long, value_parser = seed_parser())]
    seed: Option<u64>,
    #[command(flatten)]
    overrides: Overrides,
    /// Output folder (default: <output.dir>/<name>-compare).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace an earlier comparison in that folder.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
struct SweepArgs {
    sweep: PathBuf,
    /// Run only shard I of N (runs whose id modulo N is I), e.g. 0/8.
    #[arg(long)]
    shard: Option<sweep::Shard>,
    /// Continue an interrupted sweep in its folder, skipping finished runs.
    #[arg(long)]
    resume: bool,
    /// Output folder (default: <output.dir>/<name>-sweep[-shardIofN]).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Start over, replacing an earlier result of this sweep.
    #[arg(long, conflicts_with = "resume")]
    force: bool,
    /// `parquet` also writes runs.parquet (and timeseries.parquet).
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
}

#[derive(Args)]
struct MergeArgs {
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    #[arg(long)]
    out: PathBuf,
    /// Replace an earlier merged sweep in that folder.
    #[arg(long)]
    force: bool,
    /// `parquet` also writes runs.parquet (and timeseries.parquet).
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
}

#[derive(Args)]
struct DiscoverArgs {
    /// A sweep folder, or a CSV file with one row per run.
    source: PathBuf,
    /// The condition, e.g. "coverage_mean > 0.6", or across the regimes of
    /// a regime sweep, "co_created.coverage_mean > public.coverage_mean".
    #[arg(long)]
    outcome: String,
    /// Input columns, comma-separated (default: a sweep's factors, or a
    /// CSV's columns that are neither ids, metrics nor in the outcome).
    #[arg(long, value_delimiter = ',')]
    inputs: Vec<String>,
    /// Smallest density of a chosen box, 0-1.
    #[arg(long, default_value_t = 0.8, value_parser = share_above_zero)]
    threshold: f64,
    /// Share of the box's points each peel removes, above 0 and below 0.5.
    #[arg(long, default_value_t = 0.05, value_parser = share_below_half)]
    peel_alpha: f64,
    /// Share of the box's points each paste adds back, above 0 and below 0.5.
    #[arg(long, default_value_t = 0.05, value_parser = share_below_half)]
    paste_alpha: f64,
    /// Smallest share of all runs a box may hold, 0-1.
    #[arg(long, default_value_t = 0.05, value_parser = share_above_zero)]
    mass_min: f64,
    /// The most boxes to find (covering), 1 to 10.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
    boxes: u32,
    /// Random halves of the runs to test each box's stability on (0: none).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=1000))]
    resamples: u32,
    /// Seed of the random halves.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder (default: outputs/<source name>-discovery).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace an earlier discovery in that folder.
    #[arg(long)]
    force: bool,
}

/// A share in (0, 1].
fn share_above_zero(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 1.0 => Ok(x),
        _ => Err(format!(
            "expected a share above 0 and at most 1, found \"{s}\""
        )),
    }
}

/// A share in (0, 0.5).
fn share_below_half(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 0.5 => Ok(x),
        _ => Err(format!(
            "expected a share above 0 and below 0.5, found \"{s}\""
        )),
    }
}

#[derive(Args)]
struct SensitivityArgs {
    dir: PathBuf,
    /// Columns of runs.csv, comma-separated.
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    /// Bootstrap resamples for the intervals, 100 to 100000 (fewer make
    /// percentile intervals that need not even hold the estimate).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(100..=100_000))]
    resamples: u32,
    /// Replace a sobol.csv or morris.csv that sensitivity wrote before.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
struct ReportArgs {
    dir: PathBuf,
    /// Replace an earlier report.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
struct ValidateArgs {
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Args)]
struct ExplainArgs {
    scenario: PathBuf,
    #[command(flatten)]
    overrides: Overrides,
}

#[derive(Args)]
struct NewArgs {
    /// Name of the scenario; writes NAME.toml unless NAME ends in .toml.
    name: String,
    /// The preset to start from.
    #[arg(long, default_value = "public")]
    from: String,
    /// Replace the file if `coserve new` wrote it and it is unedited.
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(message) = check_thread_count() {
        print_error(&message);
        return ExitCode::from(2);
    }
    let outcome = match cli.command {
        Command::Run(a) => run(a),
        Command::Compare(a) => compare(a),
        Command::Lab(a) => lab(a),
        Command::Calibrate(a) => calibrate(a),
        Command::Sweep(a) => run_sweep(a),
        Command::Merge(a) => merge(a),
        Command::Sensitivity(a) => sensitivity(a),
        Command::Discover(a) => discover(a),
        Command::Report(a) => report(a),
        Command::Validate(a) => Ok(validate(a)),
        Command::Presets => presets(),
        Command::Explain(a) => explain(a),
        Command::New(a) => new(a),
    };
    outcome.unwrap_or_else(|message| {
        print_error(&message);
        ExitCode::from(2)
    })
}

/// Refuses a `RAYON_NUM_THREADS` that rayon would silently ignore (not a
/// whole number, or 0: it then uses every core) or that would start more
/// threads than [`coserve::engine::most_threads`].
fn check_thread_count() -> Result<(), String> {
    let Some(value) = std::env::var_os("RAYON_NUM_THREADS") else {
        return Ok(());
    };
    let most = coserve::engine::most_threads();
    match value.to_str().and_then(|v| v.trim().parse::<usize>().ok()) {
        Some(n) if (1..=most).contains(&n) => Ok(()),
        _ => Err(format!(
            "RAYON_NUM_THREADS={}: expected a whole number of threads from 1 to {most} \
             (this machine has {} cores)\n  help: unset it to use every core",
            value.to_string_lossy(),
            std::thread::available_parallelism().map_or(1, |n| n.get())
        )),
    }
}

/// What a command returns: its exit code, or the message to print before
/// exiting with 2.
type Outcome = Result<ExitCode, String>;

/// Turns any library error into the message [`print_error`] prints.
fn says(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Prints a message from the library as errors: the one place `error:` is
/// written, before every line that is not a continuation (`  help: ...`).
fn print_error(message: &str) {
    for line in message.lines() {
        if line.starts_with(char::is_whitespace) || line.is_empty() {
            eprintln!("{line}");
        } else {
            eprintln!("error: {line}");
        }
    }
}

/// `coserve run`: one scenario to the end, its tables in one folder.
fn run(a: RunArgs) -> Outcome {
    let set = scenario::command_line(&a.overrides.set, a.seed, a.out.as_deref()).map_err(says)?;
    let loaded = Scenario::load(&a.scenario, &set).map_err(says)?;
    if loaded.city.residents >= 1_000_000 {
        eprintln!(
            "building {} residents for {} weeks...",
            loaded.city.residents, loaded.run.ticks
        );
    }
    let bar = progress_bar(u64::from(loaded.run.ticks), "weeks");
    let options = RunOptions {
        out: a.out,
        force: a.force,
        overrides: set,
    };
    let summary =
        output::run_to_dir(loaded, &options, |t| bar.set_position(u64::from(t))).map_err(says)?;
    bar.finish_and_clear();
    let c = &summary.last.city;
    println!("wrote {}", summary.dir.display());
    println!(
        "final week {}: coverage {:.3}, hidden need {:.0} per 1,000 residents, wait p50 {} weeks, trust {:.3}, participation {:.3}, access gap {:+.3}",
        c.tick,
        c.coverage,
        c.hidden_need_per_1000,
        c.wait_p50,
        c.trust,
        c.participation_rate,
        c.access_gap
    );
    println!(
        "{:.2} s, {:.1} million resident-ticks per second",
        summary.timing.wall_s,
        summary.timing.resident_ticks_per_s / 1e6
    );
    Ok(ExitCode::SUCCESS)
}

/// `coserve compare`: every regime on common random numbers, with paired
/// differences. Options and the folder are checked before anything runs.
fn compare(a: CompareArgs) -> Outcome {
    let overrides =
        scenario::command_line(&a.overrides.set, None, a.out.as_deref()).map_err(says)?;
    let options = CompareOptions {
        regimes: a.regimes,
        replicates: a.replicates,
        ticks: a.ticks,
        seed: a.seed,
        overrides,
    };
    let plan = sweep::plan(&a.scenario, &options).map_err(says)?;
    let base = &plan.regime_scenarios[0];
    let dest = a.out.unwrap_or_else(|| sweep::comparison_dir(base));
    let inputs: Vec<PathBuf> = plan
        .regime_scenarios
        .iter()
        .flat_map(|s| s.files.iter().cloned())
        .collect();
    let destination = output::Destination {
        path: &dest,
        force: a.force,
        inputs: &inputs,
        kind: output::COMPARE,
        remedy: output::REMEDY_OUT,
    };
    destination.check().map_err(says)?;
    let runs = options.regimes.len() as u64 * u64::from(options.replicates);
    eprintln!(
        "compare {}: {} regimes x {} replicates = {runs} runs of {} weeks",
        base.name,
        options.regimes.len(),
        options.replicates,
        options.ticks.unwrap_or(base.run.ticks)
    );
    for note in &plan.notes {
        eprintln!("note: {note}");
    }
    let bar = progress_bar(runs, "runs");
    let start = std::time::Instant::now();
    let comparison = plan.run(&|done| bar.set_position(done as u64));
    bar.finish_and_clear();
    let wall_s = start.elapsed().as_secs_f64();
    let dir = sweep::write_comparison(&comparison, &destination, &options.overrides, wall_s)
        .map_err(says)?;
    print!("{}", comparison.table(coserve::metrics::TABLE_METRICS));
    println!("\nwrote {} ({runs} runs in {wall_s:.1} s)", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// `coserve lab`: the public-goods game played by the city's residents.
fn lab(a: LabArgs) -> Outcome {
    let set = scenario::command_line(&a.overrides.set, None, a.out.as_deref()).map_err(says)?;
    let experiment = scenario::Experiment::load(&a.experiment, &set).map_err(says)?;
    let dest = a
        .out
        .unwrap_or_else(|| PathBuf::from("outputs").join(format!("{}-lab", experiment.name)));
    let destination = output::Destination {
        path: &dest,
        force: a.force,
        inputs: &experiment.files,
        kind: output::LAB,
        remedy: output::REMEDY_OUT,
    };
    destination.check().map_err(says)?;
    let rows = coserve::lab::play(&experiment);
    let dir = output::write_lab(&experiment, &rows, &set, &destination).map_err(says)?;
    let g = &experiment.game;
    for r in &rows {
        println!(
            "round {:>3}: mean contribution {:.3} of the endowment ({:.1} of {})",
            r.round,
            r.mean_contribution,
            r.mean_contribution * g.endowment,
            g.endowment
        );
    }
    println!("wrote {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// `coserve calibrate`: ABC-SMC over a scenario or a lab experiment, in
/// one process, or split into shards that a merge combines.
fn calibrate(a: CalibrateArgs) -> Outcome {
    use calibration::Opening;
    let spec = calibration::CalibrationSpec::load(&a.calibration).map_err(says)?;
    let dest = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("outputs").join(format!("{}-calibration", spec.name)));
    let opening = match (a.shard, a.merge, a.resume) {
        (Some(_), _, _) => Opening::Shard,
        (None, true, _) => Opening::Merge { force: a.force },
        (None, false, true) => Opening::Resume,
        (None, false, false) => Opening::New { force: a.force },
    };
    let prepared =
        calibration::prepare_folder(&spec, &a.calibration, &dest, opening).map_err(says)?;
    if prepared.complete {
        println!("{} already holds the complete calibration", dest.display());
        return Ok(ExitCode::SUCCESS);
    }
    let progress = calibration::Progress::open(&dest, a.shard).map_err(says)?;
    match (a.shard, a.merge) {
        (Some(shard), _) => calibrate_shard(&spec, &a, &dest, &progress, shard),
        (None, true) => calibrate_merge(&spec, &a, &dest, &progress),
        (None, false) => calibrate_whole(&spec, &dest, &progress, prepared.replaced),
    }
}

/// The calibration in one process.
fn calibrate_whole(
    spec: &calibration::CalibrationSpec,
    dest: &Path,
    progress: &calibration::Progress,
    replaced: Option<PathBuf>,
) -> Outcome {
    eprintln!(
        "calibrate {}: {} parameters, {} targets, {} particles x {} generations{}",
        spec.name,
        spec.parameters.len(),
        spec.targets.len(),
        spec.settings.particles,
        spec.settings.generations,
        if progress.recorded() > 0 {
            format!(" ({} simulations recorded before)", progress.recorded())
        } else {
            String::new()
        }
    );
    let start = std::time::Instant::now();
    let show = |t: usize, g: &abc::Generation| {
        println!(
            "generation {t}: tolerance {:.3}, acceptance {:.3}, effective sample size {:.0}",
            g.tolerance,
            g.acceptance_rate(),
            g.effective_sample_size()
        );
    };
    let finished = spec
        .run(Some(progress), &show)
        .and_then(|(generations, predictive)| {
            calibration::write_calibration(spec, &generations, &predictive, dest)?;
            Ok(generations)
        });
    let generations = match finished {
        Ok(g) => g,
        Err(e) => {
            // A result replaced with --force comes back; this run's record
            // stays beside it for --resume only if nothing was replaced.
            if let Some(old) = replaced {
                let _ = std::fs::remove_dir_all(dest);
                if std::fs::rename(&old, dest).is_ok() {
                    eprintln!("the earlier result in {} is left as it was", dest.display());
                }
            }
            return Err(says(e));
        }
    };
    if let Some(old) = replaced {
        let _ = std::fs::remove_dir_all(old);
    }
    show_posterior(spec, &generations);
    let wall = start.elapsed().as_secs_f64();
    println!(
        "wrote {} ({} simulations run in {wall:.1} s, {:.0} a second)",
        dest.display(),
        progress.ran(),
        progress.ran() as f64 / wall.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}

/// One shard's share of what the calibration still needs.
fn calibrate_shard(
    spec: &calibration::CalibrationSpec,
    a: &CalibrateArgs,
    dest: &Path,
    progress: &calibration::Progress,
    shard: sweep::Shard,
) -> Outcome {
    use calibration::ShardWork;
    let work = spec.run_shard(progress, shard).map_err(says)?;
    let did = match work {
        ShardWork::Proposals {
            generation,
            judged,
            accepted,
        } => format!("generation {generation}: judged {judged} proposals, accepted {accepted}"),
        ShardWork::Predictive(n) => format!("ran {n} posterior predictive simulations"),
        ShardWork::Nothing => "nothing left to simulate".into(),
    };
    println!(
        "shard {}/{}: {did} ({} simulations run); combine the shards with `coserve calibrate {} --merge --out {}`",
        shard.index,
        shard.count,
        progress.ran(),
        a.calibration.display(),
        dest.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Combines the shards' simulations: writes the result when they complete
/// it, or says what the next round of shards will do.
fn calibrate_merge(
    spec: &calibration::CalibrationSpec,
    a: &CalibrateArgs,
    dest: &Path,
    progress: &calibration::Progress,
) -> Outcome {
    use calibration::Pending;
    let standing = spec.standing(progress).map_err(says)?;
    let next = match standing.pending {
        Pending::Nothing(predictive) => {
            calibration::write_calibration(spec, &standing.generations, &predictive, dest)
                .map_err(says)?;
            show_posterior(spec, &standing.generations);
            println!("wrote {}: the calibration is complete", dest.display());
            return Ok(ExitCode::SUCCESS);
        }
        Pending::Proposals {
            generation,
            accepted,
            ..
        } => format!(
            "generation {generation} has {accepted} of {} particles",
            spec.settings.particles
        ),
        Pending::Predictive(missing) => format!(
            "every generation is complete; {} posterior predictive simulations are missing",
            missing.len()
        ),
    };
    println!(
        "{} generations complete; {next}: run the shards (`coserve calibrate {} --shard I/N --out {}`) and merge again",
        standing.generations.len(),
        a.calibration.display(),
        dest.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Each parameter's posterior median and 90% interval, on the terminal.
fn show_posterior(spec: &calibration::CalibrationSpec, generations: &[abc::Generation]) {
    let last = generations.last().expect("at least the prior generation");
    for (j, (key, _)) in spec.parameters.iter().enumerate() {
        println!(
            "{key}: median {:.4}, 90% interval [{:.4}, {:.4}]",
            abc::weighted_quantile(last, j, 0.5),
            abc::weighted_quantile(last, j, 0.05),
            abc::weighted_quantile(last, j, 0.95)
        );
    }
}

/// `coserve sweep`: a design of runs, resumable and shardable.
fn run_sweep(a: SweepArgs) -> Outcome {
    let spec = sweep::SweepSpec::load(&a.sweep).map_err(says)?;
    for note in &spec.notes {
        eprintln!("{note}");
    }
    let base = Scenario::load(&spec.scenario_path, &spec.base_overrides()).map_err(says)?;
    let out = a.out.unwrap_or_else(|| spec.default_dir(&base, a.shard));
    let regimes = spec.regimes.len();
    let points = if regimes > 0 {
        format!(
            "{} design points x {regimes} regimes",
            spec.point_count().unwrap_or(0) / regimes as u64
        )
    } else {
        format!("{} design points", spec.point_count().unwrap_or(0))
    };
    eprintln!(
        "sweep {}: {points} x {} replicates = {} runs",
        spec.name,
        spec.replicates,
        spec.run_count().unwrap_or(0)
    );
    let options = sweep::SweepOptions {
        out,
        parquet: a.format == Format::Parquet,
        shard: a.shard,
        resume: a.resume,
        force: a.force,
    };
    let bar = progress_bar(0, "runs");
    let start = std::time::Instant::now();
    let report = sweep::run_sweep(&spec, &options, &|done, todo| {
        bar.set_length(todo as u64);
        bar.set_position(done as u64);
    })
    .map_err(says)?;
    bar.finish_and_clear();
    let wall_s = start.elapsed().as_secs_f64();
    println!(
        "{} runs done in {wall_s:.1} s ({:.2} runs/s), {} already done, {} in the design",
        report.ran,
        report.ran as f64 / wall_s.max(1e-9),
        report.skipped,
        report.total
    );
    if report.ran + report.skipped == 0 {
        println!(
            "note: this shard holds no run: the design has only {} runs",
            report.total
        );
    }
    match report.runs_csv {
        Some(path) => println!("wrote {}", path.display()),
        None => {
            let parquet = if options.parquet {
                " (with --format parquet there)"
            } else {
                ""
            };
            println!(
                "this folder holds part of the sweep: join the shards with `coserve merge DIR... --out DIR`{parquet}"
            )
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `coserve merge`: shards joined into what one machine writes.
fn merge(a: MergeArgs) -> Outcome {
    let path = sweep::merge(&a.dirs, &a.out, a.force, a.format == Format::Parquet).map_err(says)?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// `coserve sensitivity`: Sobol indices of a saltelli sweep (sobol.csv)
/// or Morris elementary effects of a morris sweep (morris.csv), printed
/// and written into the sweep's folder.
fn sensitivity(a: SensitivityArgs) -> Outcome {
    let metrics = if a.metrics.is_empty() {
        sweep::DEFAULT_METRICS
            .iter()
            .map(|m| m.to_string())
            .collect()
    } else {
        a.metrics.clone()
    };
    let (_, manifest) = sweep::SweepManifest::read(
        &a.dir,
        "sensitivity needs a finished saltelli or morris sweep",
    )
    .map_err(says)?;
    if manifest.sweep["design"] == "morris" {
        return morris(&a, &metrics);
    }
    let rows = sweep::sensitivity(&a.dir, &metrics, a.resamples as usize).map_err(says)?;
    let path = sweep::write_sobol(&a.dir, &rows, a.force).map_err(says)?;
    println!(
        "{:<28} {:<28} {:>22} {:>22}",
        "metric", "factor", "first order [95% CI]", "total [95% CI]"
    );
    for (i, r) in rows.iter().enumerate() {
        if i == 0 || rows[i - 1].metric != r.metric {
            let share = if r.seed_share.is_nan() {
                "not measured (one replicate per point)".to_string()
            } else {
                format!(
                    "{:.0}% of the variance of the point means",
                    100.0 * r.seed_share
                )
            };
            println!("{}: seed noise {share}", r.metric);
        }
        println!(
            "{:<28} {:<28} {:>6.3} [{:>6.3},{:>6.3}] {:>6.3} [{:>6.3},{:>6.3}]",
            r.metric,
            r.factor,
            r.first_order,
            r.first_order_low,
            r.first_order_high,
            r.total,
            r.total_low,
            r.total_high
        );
        if !r.caveat.is_empty() {
            println!("{:<57} caveat: {}", "", r.caveat);
        }
    }
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Morris measures of a morris sweep, printed and written to morris.csv.
fn morris(a: &SensitivityArgs, metrics: &[String]) -> Outcome {
    let rows = sweep::morris_screening(&a.dir, metrics, a.resamples as usize).map_err(says)?;
    let path = sweep::write_morris(&a.dir, &rows, a.force).map_err(says)?;
    println!(
        "{:<28} {:<28} {:>10} {:>22} {:>10}",
        "metric", "factor", "mu", "mu* [95% CI]", "sigma"
    );
    for (i, r) in rows.iter().enumerate() {
        if i == 0 || rows[i - 1].metric != r.metric {
            let noise = if r.noise_mu_star.is_nan() {
                "not measured (one replicate per point)".to_string()
            } else {
                format!("would give mu* of about {:.4}", r.noise_mu_star)
            };
            println!("{}: seed noise alone {noise}", r.metric);
        }
        println!(
            "{:<28} {:<28} {:>10.4} {:>8.4} [{:>6.4},{:>6.4}] {:>10.4}",
            r.metric, r.factor, r.mu, r.mu_star, r.mu_star_low, r.mu_star_high, r.sigma
        );
        if !r.caveat.is_empty() {
            println!("{:<57} caveat: {}", "", r.caveat);
        }
    }
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// `coserve discover`: PRIM boxes, printed in words and written to a folder.
fn discover(a: DiscoverArgs) -> Outcome {
    use coserve::analysis::discover as d;
    let source = d::Source::read(&a.source).map_err(says)?;
    let options = d::Options {
        outcome: a.outcome.clone(),
        inputs: a.inputs.clone(),
        settings: coserve::analysis::prim::Settings {
            peel_alpha: a.peel_alpha,
            paste_alpha: a.paste_alpha,
            mass_min: a.mass_min,
        },
        threshold: a.threshold,
        boxes: a.boxes as usize,
        resamples: a.resamples as usize,
        seed: a.seed,
    };
    let stem = a
        .source
        .file_stem()
        .map_or("source".into(), |s| s.to_string_lossy().into_owned());
    let dest = a
        .out
        .unwrap_or_else(|| PathBuf::from("outputs").join(format!("{stem}-discovery")));
    d::check_destination(&source, &dest, a.force).map_err(says)?;
    let found = d::discover(&source, &options).map_err(says)?;
    if !found.constant.is_empty() {
        eprintln!(
            "note: left out inputs that never vary: {}",
            found.constant.join(", ")
        );
    }
    if found.undefined_inputs > 0 {
        eprintln!(
            "note: {} rows have an input that is not a number (NaN, inf or empty), left out",
            found.undefined_inputs
        );
    }
    if found.undefined > 0 {
        eprintln!(
            "note: the outcome is undefined in {} of {} {}, left out",
            found.undefined,
            found.undefined + found.rows,
            if found.paired { "paired runs" } else { "rows" }
        );
    }
    println!(
        "{} of {} {} meet `{}`; inputs: {}",
        found.cases,
        found.rows,
        if found.paired { "paired runs" } else { "runs" },
        a.outcome,
        found
            .inputs
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for b in 0..found.found.len() {
        println!(
            "box {}: {}",
            b + 1,
            d::in_words(&found, b, &a.outcome, a.threshold)
        );
    }
    let path = d::write_discovery(&source, &options, &found, &dest, a.force).map_err(says)?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// `coserve report`: charts and one HTML page for a result folder.
fn report(a: ReportArgs) -> Outcome {
    let page = coserve::report::report(&a.dir, a.force).map_err(says)?;
    println!("wrote {}", page.display());
    Ok(ExitCode::SUCCESS)
}

/// `coserve validate`: every error of every file; exit 2 if any.
fn validate(a: ValidateArgs) -> ExitCode {
    let mut failed = false;
    for file in &a.files {
        // Each kind of file by what it holds: a sweep, a calibration, a lab
        // experiment, or a scenario.
        let table: Option<toml::Table> = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| t.parse().ok());
        let has = |key: &str| table.as_ref().is_some_and(|t| t.contains_key(key));
        let checked = if has("factors") && has("scenario") {
            sweep::SweepSpec::load(file).map(|_| "sweep")
        } else if has("targets") || has("parameters") {
            calibration::CalibrationSpec::load(file).map(|_| "calibration")
        } else if has("game") {
            scenario::Experiment::load(file, &[]).map(|_| "lab experiment")
        } else {
            // A file that extends another may inherit its [game]: a scenario
            // error stands only if the file is not a lab experiment either.
            Scenario::load(file, &[]).map(|_| "scenario").or_else(|e| {
                match has("extends") && scenario::Experiment::load(file, &[]).is_ok() {
                    true => Ok("lab experiment"),
                    false => Err(e),
                }
            })
        };
        match checked {
            Ok(kind) => println!("OK {} ({kind})", file.display()),
            Err(e) => {
                print_error(&e.to_string());
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// `coserve presets`: the eight regimes, one line each.
fn presets() -> Outcome {
    for p in governance::PRESETS {
        println!("{:<24} {}", p.name, p.summary);
        println!("{:<24} seed terms: {}", "", p.terms);
    }
    Ok(ExitCode::SUCCESS)
}

/// `coserve explain`: a scenario in plain language.
fn explain(a: ExplainArgs) -> Outcome {
    let set = scenario::command_line(&a.overrides.set, None, None).map_err(says)?;
    let loaded = Scenario::load(&a.scenario, &set).map_err(says)?;
    print!("{}", scenario::explain(&loaded));
    Ok(ExitCode::SUCCESS)
}

/// `coserve new`: a fully commented scenario file from a preset.
fn new(a: NewArgs) -> Outcome {
    let file = NewScenario::new(&a.name, &a.from)?;
    if a.force && file.path.exists() && !file.may_replace() {
        return Err(format!(
            "refusing to replace {}: it is not a file `coserve new` wrote, or it has been edited; --force replaces only an unedited one: choose another name, or move it first",
            file.path.display()
        ));
    }
    output::write_new_file(
        &file.path,
        &file.text,
        a.force,
        "choose another name, or replace it with --force if you have not edited it",
    )
    .map_err(says)?;
    println!(
        "wrote {} (preset {}); run it with: coserve run {}",
        file.path.display(),
        a.from,
        file.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on a terminal, nothing when output is piped.
fn progress_bar(len: u64, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} · {{per_sec}} · {{eta}} left");
    bar.set_style(ProgressStyle::with_template(&template).expect("the template is valid"));
    bar
}
