//! The `coserve` command line: parses arguments, calls the library, prints.

use clap::{Parser, Subcommand};
use coserve::output::{self, RunOptions};
use coserve::{Scenario, governance, scenario};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
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
        /// Seed of the random numbers (overrides run.seed).
        #[arg(long)]
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
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
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

fn execute(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Run {
            scenario,
            seed,
            mut set,
            out,
            force,
        } => {
            if let Some(seed) = seed {
                set.push(format!("run.seed={seed}"));
            }
            let loaded = Scenario::load(&scenario, &set).map_err(|e| e.to_string())?;
            let ticks = loaded.run.ticks;
            let bar = progress_bar(ticks as u64);
            let options = RunOptions {
                out,
                force,
                overrides: set,
            };
            let summary = output::run_to_dir(loaded, &options, |t| bar.set_position(t as u64))
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
        Command::Validate { files } => {
            let mut failed = false;
            for file in files {
                match Scenario::load(&file, &[]) {
                    Ok(_) => println!("OK {}", file.display()),
                    Err(e) => {
                        eprintln!("{e}");
                        failed = true;
                    }
                }
            }
            Ok(if failed {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Presets => {
            for p in governance::PRESETS {
                println!("{:<24} {}", p.name, p.summary);
                println!("{:<24} seed terms: {}", "", p.terms);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { scenario, set } => {
            let loaded = Scenario::load(&scenario, &set).map_err(|e| e.to_string())?;
            print!("{}", scenario::explain(&loaded));
            Ok(ExitCode::SUCCESS)
        }
        Command::New { name, from, force } => {
            let path = PathBuf::from(if name.ends_with(".toml") {
                name.clone()
            } else {
                format!("{name}.toml")
            });
            let stem = path
                .file_stem()
                .map_or(name.clone(), |s| s.to_string_lossy().into_owned());
            let text = scenario::template(&stem, &from).ok_or_else(|| {
                let names: Vec<&str> = governance::PRESETS.iter().map(|p| p.name).collect();
                let hint = governance::nearest(&from, names.iter().copied())
                    .map(|s| format!("\n  help: did you mean `{s}`?"))
                    .unwrap_or_default();
                format!(
                    "error: unknown preset \"{from}\"; expected one of {}{hint}",
                    governance::quoted_list(&names)
                )
            })?;
            output::write_new_file(&path, &text, force).map_err(|e| format!("error: {e}"))?;
            println!(
                "wrote {} (preset {from}); run it with: coserve run {}",
                path.display(),
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A progress bar on a terminal, nothing when output is piped.
fn progress_bar(ticks: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(ticks);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} week {pos}/{len} · {per_sec} · {eta} left")
            .expect("the template is valid"),
    );
    bar
}
