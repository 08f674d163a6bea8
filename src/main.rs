//! The `coserve` command line: parses arguments, calls the library, prints.

use clap::{Parser, Subcommand};
use coserve::output::{self, RunOptions};
use coserve::sweep::{self, CompareOptions};
use coserve::{Scenario, governance, scenario};
use indicatif::{ProgressBar, ProgressStyle};
use std::fs;
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
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Seed of the random numbers (overrides run.seed), 0 to 9223372036854775807.
        #[arg(long, value_parser = seed_parser())]
        seed: Option<u64>,
        /// Override any key by dotted path, e.g. --set governance.pb_share=0.2
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Output folder (default: <output.dir>/<name>-seed<seed>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the output folder if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Compare regimes on the same city and random numbers, with 95% CIs.
    Compare {
        scenario: PathBuf,
        /// Presets to compare, comma-separated; the first is the reference.
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
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Output folder (default: <output.dir>/<name>-compare).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        force: bool,
    },
    /// Run a sweep file: a design of factors over a base scenario.
    Sweep {
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
        /// Start over, deleting the folder's earlier results.
        #[arg(long, conflicts_with = "resume")]
        force: bool,
        /// `parquet` also writes runs.parquet (and timeseries.parquet).
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
    },
    /// Join sweep folders (shards) into one runs.csv.
    Merge {
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        force: bool,
        /// `parquet` also writes runs.parquet (and timeseries.parquet).
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
    },
    /// Sobol indices with bootstrap intervals from a finished saltelli sweep.
    Sensitivity {
        dir: PathBuf,
        /// Columns of runs.csv, comma-separated.
        #[arg(long, value_delimiter = ',')]
        metrics: Vec<String>,
        /// Bootstrap resamples for the intervals, 2 to 100000.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(2..=100_000))]
        resamples: u32,
        /// Replace an existing sobol.csv.
        #[arg(long)]
        force: bool,
    },
    /// Charts and a readable HTML page for a run, a comparison or a sweep.
    Report {
        dir: PathBuf,
        /// Replace an existing report.
        #[arg(long)]
        force: bool,
    },
    /// Check scenario files and report every error.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the governance presets.
    Presets,
    /// Describe a scenario in plain language.
    Explain {
        scenario: PathBuf,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Write a fully commented scenario to edit, starting from a preset.
    New {
        /// Name of the scenario; writes NAME.toml unless NAME ends in .toml.
        name: String,
        /// The preset to start from.
        #[arg(long, default_value = "public")]
        from: String,
        /// Replace the file if `coserve new` wrote it and it is unedited.
        #[arg(long)]
        force: bool,
    },
}

/// Seeds a scenario can hold: TOML integers are signed 64-bit.
fn seed_parser() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(0..=coserve::scenario::limits::MAX_SEED)
}

/// Table formats for sweeps: CSV always, Parquet as well when asked.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Csv,
    Parquet,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

/// What a command returns: its exit code, or the message to print before
/// exiting with 2.
type Outcome = Result<ExitCode, String>;

fn execute(command: Command) -> Outcome {
    match command {
        Command::Run {
            scenario,
            seed,
            set,
            out,
            force,
        } => run(&scenario, seed, set, out, force),
        Command::Compare {
            scenario,
            regimes,
            replicates,
            ticks,
            seed,
            set,
            out,
            force,
        } => compare(
            &scenario,
            CompareOptions {
                regimes,
                replicates,
                ticks,
                seed,
                overrides: set,
            },
            out,
            force,
        ),
        Command::Sweep {
            sweep,
            shard,
            resume,
            out,
            force,
            format,
        } => run_sweep(&sweep, shard, resume, out, force, format),
        Command::Merge {
            dirs,
            out,
            force,
            format,
        } => {
            let path = sweep::merge(&dirs, &out, force, format == Format::Parquet)
                .map_err(|e| e.to_string())?;
            println!("wrote {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Sensitivity {
            dir,
            metrics,
            resamples,
            force,
        } => sensitivity(&dir, metrics, resamples, force),
        Command::Report { dir, force } => {
            let page = coserve::report::report(&dir, force).map_err(|e| format!("error: {e}"))?;
            println!("wrote {}", page.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { files } => Ok(validate(&files)),
        Command::Presets => {
            for p in governance::PRESETS {
                println!("{:<24} {}", p.name, p.summary);
                println!("{:<24} seed terms: {}", "", p.terms);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { scenario, set } => {
            scenario::check_distinct(&set).map_err(|e| e.to_string())?;
            let loaded = Scenario::load(&scenario, &set).map_err(|e| e.to_string())?;
            print!("{}", scenario::explain(&loaded));
            Ok(ExitCode::SUCCESS)
        }
        Command::New { name, from, force } => new(&name, &from, force),
    }
}

/// The overrides a user typed, checked (no key twice), with `--seed N` as
/// the `run.seed` it stands for, refusing a `--set run.seed` beside it.
fn user_overrides(
    seed: Option<u64>,
    out: Option<&PathBuf>,
    set: &mut Vec<String>,
) -> Result<(), String> {
    scenario::check_distinct(set).map_err(|e| e.to_string())?;
    let named = |key: &str| {
        set.iter()
            .find(|a| a.split('=').next().map(str::trim) == Some(key))
            .cloned()
    };
    if let (Some(out), Some(arg)) = (out, named("output.dir")) {
        return Err(format!(
            "error: --out {} and --set {arg} both say where to write; keep one",
            out.display()
        ));
    }
    let Some(seed) = seed else { return Ok(()) };
    if let Some(arg) = named("run.seed") {
        return Err(format!(
            "error: --seed {seed} and --set {arg} both set the seed; keep one"
        ));
    }
    set.push(format!("run.seed={seed}"));
    Ok(())
}

fn run(
    scenario: &Path,
    seed: Option<u64>,
    mut set: Vec<String>,
    out: Option<PathBuf>,
    force: bool,
) -> Outcome {
    user_overrides(seed, out.as_ref(), &mut set)?;
    let loaded = Scenario::load(scenario, &set).map_err(|e| e.to_string())?;
    if loaded.city.residents >= 1_000_000 {
        eprintln!(
            "building {} residents for {} weeks...",
            loaded.city.residents, loaded.run.ticks
        );
    }
    let bar = progress_bar(u64::from(loaded.run.ticks), "weeks");
    let options = RunOptions {
        out,
        force,
        overrides: set,
    };
    let summary = output::run_to_dir(loaded, &options, |t| bar.set_position(u64::from(t)))
        .map_err(|e| format!("error: {e}"))?;
    bar.finish_and_clear();
    let c = &summary.last.city;
    println!("wrote {}", summary.dir.display());
    println!(
        "final week {}: coverage {:.3}, hidden need {:.3}, wait p50 {} weeks, trust {:.3}, participation {:.3}, access gap {:+.3}",
        c.tick,
        c.coverage,
        c.hidden_need_share,
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

fn compare(scenario: &Path, options: CompareOptions, out: Option<PathBuf>, force: bool) -> Outcome {
    // Check the options and the folder before running anything.
    let mut overrides = options.overrides.clone();
    user_overrides(None, out.as_ref(), &mut overrides)?;
    options.check().map_err(|e| e.to_string())?;
    let base = Scenario::load(scenario, &options.overrides).map_err(|e| e.to_string())?;
    let dest = out.unwrap_or_else(|| base.output.dir.join(format!("{}-compare", base.name)));
    let destination = output::Destination {
        path: &dest,
        force,
        inputs: &base.files,
        kind: output::COMPARE,
        remedy: output::REMEDY_OUT,
    };
    destination.check().map_err(|e| format!("error: {e}"))?;
    let runs = options.regimes.len() as u64 * u64::from(options.replicates);
    eprintln!(
        "compare {}: {} regimes x {} replicates = {runs} runs of {} weeks",
        base.name,
        options.regimes.len(),
        options.replicates,
        options.ticks.unwrap_or(base.run.ticks)
    );
    let bar = progress_bar(runs, "runs");
    let start = std::time::Instant::now();
    let comparison = sweep::compare(scenario, &options, &|done| bar.set_position(done as u64))
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    let wall_s = start.elapsed().as_secs_f64();
    let dir = sweep::write_comparison(&comparison, &destination, &options.overrides, wall_s)
        .map_err(|e| format!("error: {e}"))?;
    print!(
        "{}",
        comparison.table(&[
            "coverage",
            "hidden_need_share",
            "wait_p50",
            "access_gap",
            "gini_service",
            "satisfaction",
            "trust",
            "participation_rate",
            "public_cost_per_unit",
        ])
    );
    println!("\nwrote {} ({runs} runs in {wall_s:.1} s)", dir.display());
    Ok(ExitCode::SUCCESS)
}

fn run_sweep(
    file: &Path,
    shard: Option<sweep::Shard>,
    resume: bool,
    out: Option<PathBuf>,
    force: bool,
    format: Format,
) -> Outcome {
    let spec = sweep::SweepSpec::load(file).map_err(|e| e.to_string())?;
    for note in &spec.notes {
        eprintln!("{note}");
    }
    let base = Scenario::load(&spec.scenario_path, &spec.set).map_err(|e| e.to_string())?;
    let suffix = shard.map_or(String::new(), |s| format!("-shard{}of{}", s.index, s.count));
    let out = out.unwrap_or_else(|| base.output.dir.join(format!("{}-sweep{suffix}", spec.name)));
    eprintln!(
        "sweep {}: {} design points x {} replicates = {} runs",
        spec.name,
        spec.point_count().unwrap_or(0),
        spec.replicates,
        spec.run_count().unwrap_or(0)
    );
    let options = sweep::SweepOptions {
        out,
        parquet: format == Format::Parquet,
        shard,
        resume,
        force,
    };
    let bar = progress_bar(0, "runs");
    let start = std::time::Instant::now();
    let report = sweep::run_sweep(&spec, &options, &|done, todo| {
        bar.set_length(todo as u64);
        bar.set_position(done as u64);
    })
    .map_err(|e| e.to_string())?;
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
            let parquet = if format == Format::Parquet {
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

fn sensitivity(dir: &Path, mut metrics: Vec<String>, resamples: u32, force: bool) -> Outcome {
    if metrics.is_empty() {
        metrics = sweep::DEFAULT_METRICS
            .iter()
            .map(|m| m.to_string())
            .collect();
    }
    let path = dir.join("sobol.csv");
    if path.exists() && !force {
        return Err(format!(
            "error: {}",
            output::OutputError::Exists {
                path,
                remedy: "replace it with --force"
            }
        ));
    }
    // --force replaces only a sobol.csv that `sensitivity` wrote.
    let ours = |text: String| text.starts_with("metric,factor,first_order,");
    if path.exists() && !fs::read_to_string(&path).is_ok_and(ours) {
        return Err(format!(
            "error: refusing to replace {}: coserve did not write it; move it first",
            path.display()
        ));
    }
    let rows = sweep::sensitivity(dir, &metrics, resamples as usize).map_err(|e| e.to_string())?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.serialize(r).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    output::write_new_bytes(&path, &bytes, force, "replace it with --force")
        .map_err(|e| format!("error: {e}"))?;
    println!(
        "{:<28} {:<28} {:>22} {:>22}",
        "metric", "factor", "first order [95% CI]", "total [95% CI]"
    );
    for r in &rows {
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
    }
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn validate(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for file in files {
        match Scenario::load(file, &[]) {
            Ok(_) => println!("OK {}", file.display()),
            Err(e) => {
                eprintln!("{e}");
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

fn new(name: &str, from: &str, force: bool) -> Outcome {
    let path = PathBuf::from(if name.ends_with(".toml") {
        name.to_string()
    } else {
        format!("{name}.toml")
    });
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|_| !name.ends_with(['/', '\\']))
        .unwrap_or_default();
    if let Some(problem) = scenario::folder_name_problem(&stem) {
        return Err(format!(
            "error: `coserve new {name}`: the scenario's name {}; e.g. coserve new my_city",
            problem.replacen("expected", "must be", 1)
        ));
    }
    let shown = path.display().to_string();
    let text = scenario::template(&stem, from, &shown).ok_or_else(|| {
        let names: Vec<&str> = governance::PRESETS.iter().map(|p| p.name).collect();
        let hint = coserve::text::nearest(from, names.iter().copied())
            .map(|s| format!("\n  help: did you mean `{s}`?"))
            .unwrap_or_default();
        format!(
            "error: unknown preset \"{from}\"; expected one of {}{hint}",
            coserve::text::quoted_list(&names)
        )
    })?;
    if force && path.exists() {
        // --force replaces only a file `coserve new` wrote and nobody edited.
        let unedited = fs::symlink_metadata(&path).is_ok_and(|m| m.is_file())
            && fs::read_to_string(&path).is_ok_and(|old| {
                governance::PRESETS
                    .iter()
                    .any(|p| scenario::template(&stem, p.name, &shown).as_deref() == Some(&old))
            });
        if !unedited {
            return Err(format!(
                "error: refusing to replace {shown}: it is not a file `coserve new` wrote, or it has been edited; --force replaces only an unedited one: choose another name, or move it first"
            ));
        }
    }
    output::write_new_file(&path, &text, force, "choose another name, or move it first")
        .map_err(|e| format!("error: {e}"))?;
    println!(
        "wrote {} (preset {from}); run it with: coserve run {}",
        path.display(),
        path.display()
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
