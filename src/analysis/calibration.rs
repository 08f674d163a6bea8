//! Calibration files and their runs: which parameters to fit, with which
//! priors, to which observed targets, over a city scenario or a lab
//! experiment; ABC-SMC ([`super::abc`]) does the fitting.

use super::abc::{self, AbcError, Generation, Prior, Proposal, Settings};
use crate::lab;
use crate::scenario::limits::{Limit, MAX_SEED};
use crate::scenario::{Diagnostic, Experiment, Scenario, ScenarioError, ScenarioFile, layers};
use crate::sweep::spec::Problems;
use crate::text::{describe_value, nearest};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use toml::Value;

/// The keys of a calibration file.
const KEYS: &[&str] = &[
    "name",
    "scenario",
    "experiment",
    "set",
    "particles",
    "generations",
    "quantile",
    "replicates",
    "seed",
    "parameters",
    "targets",
];

/// The model a calibration fits: a city scenario or a lab experiment.
#[derive(Clone, Debug)]
pub enum Model {
    /// A scenario file, read once; runs are built from it with overrides.
    City(Box<ScenarioFile>),
    /// A lab experiment, resolved with the fixed overrides.
    Lab(Box<Experiment>),
}

/// One observed value the model should reproduce.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Target {
    /// A column of timeseries.csv (city) or rounds.csv (lab).
    pub metric: String,
    /// First and last tick (city, from 0) or round (lab, from 1) averaged.
    pub window: [u32; 2],
    /// The observed value.
    pub value: f64,
    /// The observation's uncertainty (standard deviation), above 0: the
    /// distance counts each target's miss in these units.
    pub sd: f64,
    /// Where the value comes from, copied into the outputs.
    pub source: String,
}

/// A calibration file, read and checked.
#[derive(Clone, Debug)]
pub struct CalibrationSpec {
    /// The calibration's name (its file's stem unless written).
    pub name: String,
    /// The SHA-256 of the calibration file's text: a resumed calibration
    /// must be of the same file.
    pub file_sha256: String,
    /// The model file as written (relative to the calibration file).
    pub model_file: PathBuf,
    /// The model.
    pub model: Model,
    /// Fixed overrides, applied before the parameters.
    pub set: Vec<String>,
    /// The fitted parameters: dotted scenario keys with their priors.
    pub parameters: Vec<(String, Prior)>,
    /// The targets.
    pub targets: Vec<Target>,
    /// Runs per simulation, averaged; replicate r uses the proposal's seed + r.
    pub replicates: u32,
    /// ABC-SMC's settings.
    pub settings: Settings,
}

impl CalibrationSpec {
    /// Reads and checks a calibration file: every parameter a numeric key
    /// of the model with a valid prior, every target a metric the model
    /// writes over a window inside its run, with `sd > 0`.
    pub fn load(path: &Path) -> Result<CalibrationSpec, ScenarioError> {
        let read = layers::read(path)?;
        let t = &read.table;
        let mut p = Problems {
            at: &read.locations,
            found: Vec::new(),
        };
        p.unknown_keys(t, KEYS);
        let name = p.name(t, path);
        let set = p.set(t);
        let count = |min, max, what| Limit::Whole { min, max, what };
        let particles = p.whole(t, "particles", 500, count(10, 100_000, "particles")) as usize;
        let generations = p.whole(t, "generations", 8, count(1, 100, "generations")) as usize;
        let replicates = p.whole(t, "replicates", 1, count(1, 1000, "replicates")) as u32;
        let seed = p.whole(t, "seed", 1, count(0, MAX_SEED as i64, "")) as u64;
        let quantile = match t.get("quantile") {
            None => 0.5,
            Some(v) => match v.as_float().or_else(|| v.as_integer().map(|i| i as f64)) {
                Some(q) if q > 0.0 && q < 1.0 => q,
                _ => {
                    p.fail(
                        "quantile",
                        format!(
                            "expected a share between 0 and 1 (each generation's tolerance is this quantile of the last one's distances; 0.5 is usual), found {}",
                            describe_value(v)
                        ),
                        None,
                    );
                    0.5
                }
            },
        };
        let folder = path.parent().unwrap_or(Path::new("."));
        let (model_file, model) = model(&mut p, t, folder, &set);
        let parameters = parameters(&mut p, t, model.as_ref(), &set);
        let targets = targets(&mut p, t, model.as_ref(), &set);
        if !p.found.is_empty() {
            return Err(ScenarioError {
                diagnostics: p.found,
            });
        }
        Ok(CalibrationSpec {
            name,
            file_sha256: read.sha256[0].clone(),
            model_file,
            model: model.expect("no problem found, so the model was read"),
            set,
            parameters,
            targets,
            replicates,
            settings: Settings {
                particles,
                generations,
                quantile,
                seed,
                max_proposals: particles.saturating_mul(1000),
            },
        })
    }

    /// The targets' summaries of one simulation at `theta` (in the order of
    /// `parameters`) with `seed`, averaged over the replicates; NaN where a
    /// run is invalid or a metric undefined over a whole window.
    pub fn simulate(&self, theta: &[f64], seed: u64) -> Vec<f64> {
        let mut sums = vec![0.0; self.targets.len()];
        for r in 0..u64::from(self.replicates) {
            let summaries = self.run_once(theta, seed.saturating_add(r) % (MAX_SEED + 1));
            for (s, x) in sums.iter_mut().zip(summaries) {
                *s += x;
            }
        }
        sums.iter()
            .map(|s| s / f64::from(self.replicates))
            .collect()
    }

    fn overrides(&self, theta: &[f64], seed: u64, seed_key: &str) -> Vec<String> {
        let mut set = self.set.clone();
        set.extend(
            self.parameters
                .iter()
                .zip(theta)
                .map(|((key, _), x)| format!("{key}={}", number_text(*x, key))),
        );
        set.push(format!("{seed_key}={seed}"));
        set
    }

    fn run_once(&self, theta: &[f64], seed: u64) -> Vec<f64> {
        let invalid = || vec![f64::NAN; self.targets.len()];
        match &self.model {
            Model::City(file) => {
                let Ok(scenario) = file.with(&self.overrides(theta, seed, "run.seed")) else {
                    return invalid();
                };
                let names = crate::metrics::metric_names();
                let columns: Vec<usize> = self
                    .targets
                    .iter()
                    .map(|t| names.iter().position(|n| *n == t.metric).expect("checked"))
                    .collect();
                let mut sums = vec![(0.0, 0u32); self.targets.len()];
                crate::sweep::summarise_with(scenario, |row| {
                    let values = crate::metrics::metric_values(row);
                    for ((t, &c), s) in self.targets.iter().zip(&columns).zip(sums.iter_mut()) {
                        if (t.window[0]..=t.window[1]).contains(&row.tick) && values[c].is_finite()
                        {
                            s.0 += values[c];
                            s.1 += 1;
                        }
                    }
                });
                sums.iter()
                    .map(|&(s, n)| if n > 0 { s / f64::from(n) } else { f64::NAN })
                    .collect()
            }
            Model::Lab(e) => {
                let mut e = e.clone();
                let values: Vec<(&str, f64)> = self
                    .parameters
                    .iter()
                    .zip(theta)
                    .map(|((key, _), &x)| (key.as_str(), x))
                    .collect();
                if set_lab_keys(&mut e, &values).is_err() {
                    return invalid();
                }
                e.game.seed = seed;
                let rows = lab::play(&e);
                self.targets
                    .iter()
                    .map(|t| {
                        let values: Vec<f64> = rows
                            .iter()
                            .filter(|r| (t.window[0]..=t.window[1]).contains(&r.round))
                            .map(|r| r.column(&t.metric).unwrap_or(f64::NAN))
                            .filter(|x| x.is_finite())
                            .collect();
                        if values.is_empty() {
                            f64::NAN
                        } else {
                            values.iter().sum::<f64>() / values.len() as f64
                        }
                    })
                    .collect()
            }
        }
    }

    /// The distance of summaries to the targets: the root of the summed
    /// squared misses, each in units of its target's `sd`.
    pub fn distance(&self, summaries: &[f64]) -> f64 {
        summaries
            .iter()
            .zip(&self.targets)
            .map(|(s, t)| ((s - t.value) / t.sd).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    fn priors(&self) -> Vec<Prior> {
        self.parameters.iter().map(|(_, p)| *p).collect()
    }

    /// Runs the calibration; with `progress`, every simulation is recorded
    /// as it finishes and any already recorded is not run again.
    /// `on_generation` is told of each generation as it completes. Returns
    /// the generations and the posterior predictive ([`Self::predictive`]).
    pub fn run(
        &self,
        progress: Option<&Progress>,
        on_generation: &dyn Fn(usize, &Generation),
    ) -> Result<(Vec<Generation>, Vec<[f64; 3]>), CalibrationError> {
        let priors = self.priors();
        let generations = abc::abc_smc(
            &priors,
            &self.settings,
            &|theta, proposal| self.distance_at(theta, proposal, progress),
            on_generation,
        )
        .map_err(|e| self.explain(e))?;
        let last = generations.last().expect("the prior generation");
        let predictive = self.predictive(last, progress);
        Ok((generations, predictive))
    }

    /// A proposal's distance: recorded, or simulated (and recorded).
    fn distance_at(&self, theta: &[f64], proposal: Proposal, progress: Option<&Progress>) -> f64 {
        if let Some(d) = progress.and_then(|p| p.known(proposal)) {
            return d;
        }
        let d = self.distance(&self.simulate(theta, proposal.seed));
        if let Some(p) = progress {
            p.record(proposal, d);
        }
        d
    }

    /// The message of an ABC error; when no simulation gave a distance at
    /// all, it names the targets undefined at the priors' centres.
    fn explain(&self, e: AbcError) -> CalibrationError {
        let AbcError::Undefined { .. } = e else {
            return CalibrationError::Abc(e.to_string());
        };
        let centre: Vec<f64> = self
            .priors()
            .iter()
            .map(|p| match *p {
                Prior::Uniform { lo, hi } => (lo + hi) / 2.0,
                Prior::LogUniform { lo, hi } => (lo * hi).sqrt(),
                Prior::Normal { mean, .. } => mean,
            })
            .collect();
        let summaries = self.simulate(&centre, self.settings.seed);
        let undefined: Vec<String> = self
            .targets
            .iter()
            .zip(&summaries)
            .filter(|(_, x)| !x.is_finite())
            .map(|(t, _)| format!("`{}` over {}-{}", t.metric, t.window[0], t.window[1]))
            .collect();
        let why = if undefined.is_empty() {
            "the misses are too large to add up: is a target's sd far too small?".to_string()
        } else {
            format!(
                "undefined (NaN) at the priors' centres: {}",
                undefined.join(", ")
            )
        };
        CalibrationError::Abc(format!("{e}; {why}"))
    }

    /// The seed of particle `i`'s posterior predictive simulation: a
    /// proposal seed of the generation after the last.
    fn predictive_seed(&self, i: usize) -> u64 {
        abc::proposal_seed(self.settings.seed, self.settings.generations + 1, i)
    }

    /// The posterior predictive distribution of each target: every particle
    /// of the last generation simulated once more (seeds of a generation
    /// after the last), as weighted (5%, 50%, 95%) quantiles. With
    /// `progress`, simulations recorded are reused and new ones recorded.
    pub fn predictive(&self, last: &Generation, progress: Option<&Progress>) -> Vec<[f64; 3]> {
        use rayon::prelude::*;
        let sims: Vec<Vec<f64>> = last
            .particles
            .par_iter()
            .enumerate()
            .map(|(i, theta)| self.predictive_at(i, theta, progress))
            .collect();
        predictive_quantiles(&sims, &last.weights, self.targets.len())
    }

    fn predictive_at(&self, i: usize, theta: &[f64], progress: Option<&Progress>) -> Vec<f64> {
        if let Some(known) = progress.and_then(|p| p.known_predictive(i)) {
            return known;
        }
        let summaries = self.simulate(theta, self.predictive_seed(i));
        if let Some(p) = progress {
            p.record_predictive(i, &summaries);
        }
        summaries
    }

    /// Where the calibration in `progress`'s folder stands: the generations
    /// its recorded simulations complete, and what is still to simulate.
    /// Simulates nothing (but for the message of a calibration whose every
    /// simulation is undefined).
    pub fn standing(&self, progress: &Progress) -> Result<Standing, CalibrationError> {
        let priors = self.priors();
        let mut generations: Vec<Generation> = Vec::new();
        for t in 0..=self.settings.generations {
            let step = abc::Step::new(&priors, &self.settings, t, generations.last());
            match step.fill(&|_, proposal| progress.known(proposal)) {
                Ok(g) => generations.push(g),
                Err(AbcError::Missing {
                    index, accepted, ..
                }) => {
                    return Ok(Standing {
                        generations,
                        pending: Pending::Proposals {
                            generation: t,
                            from: index,
                            accepted,
                        },
                    });
                }
                Err(e) => return Err(self.explain(e)),
            }
        }
        let last = generations.last().expect("the prior generation");
        let missing: Vec<usize> = (0..last.particles.len())
            .filter(|&i| progress.known_predictive(i).is_none())
            .collect();
        let pending = if missing.is_empty() {
            let sims: Vec<Vec<f64>> = (0..last.particles.len())
                .map(|i| progress.known_predictive(i).expect("none missing"))
                .collect();
            Pending::Nothing(predictive_quantiles(
                &sims,
                &last.weights,
                self.targets.len(),
            ))
        } else {
            Pending::Predictive(missing)
        };
        Ok(Standing {
            generations,
            pending,
        })
    }

    /// Runs `shard`'s share of what the calibration in `progress`'s folder
    /// still needs, recording every simulation there:
    /// - proposals of the generation being filled, numbered from the first
    ///   one no shard has simulated and taken every `count`-th, until this
    ///   shard has accepted a little more than its share of the particles
    ///   still wanted (so one round of shards usually fills the generation;
    ///   when it does not, the merge says so and another round goes on);
    /// - or, once every generation is filled, its share of the posterior
    ///   predictive simulations.
    ///
    /// Which proposals a generation keeps depends only on their numbers, so
    /// the result is the same however the work is split.
    pub fn run_shard(
        &self,
        progress: &Progress,
        shard: crate::sweep::Shard,
    ) -> Result<ShardWork, CalibrationError> {
        use rayon::prelude::*;
        let standing = self.standing(progress)?;
        let mine = |k: &usize| k % shard.count == shard.index;
        match standing.pending {
            Pending::Proposals {
                generation,
                from,
                accepted,
            } => {
                let priors = self.priors();
                let step = abc::Step::new(
                    &priors,
                    &self.settings,
                    generation,
                    standing.generations.last(),
                );
                let wanted = self.settings.particles - accepted;
                let share = (wanted * 5).div_ceil(4 * shard.count) + 1;
                let ours: Vec<usize> = (from..step.max_proposals()).filter(mine).collect();
                let (mut kept, mut judged) = (0, 0);
                for chunk in ours.chunks(share.max(16)) {
                    let distances: Vec<Option<f64>> = chunk
                        .par_iter()
                        .map(|&k| {
                            step.proposal(k)
                                .map(|(theta, p)| self.distance_at(&theta, p, Some(progress)))
                        })
                        .collect();
                    judged += chunk.len();
                    kept += distances
                        .iter()
                        .filter(|d| d.is_some_and(|d| step.accepts(d)))
                        .count();
                    if kept >= share {
                        break;
                    }
                }
                Ok(ShardWork::Proposals {
                    generation,
                    judged,
                    accepted: kept,
                })
            }
            Pending::Predictive(missing) => {
                let last = standing.generations.last().expect("the prior generation");
                let ours: Vec<usize> = missing.into_iter().filter(mine).collect();
                ours.par_iter().for_each(|&i| {
                    self.predictive_at(i, &last.particles[i], Some(progress));
                });
                Ok(ShardWork::Predictive(ours.len()))
            }
            Pending::Nothing(_) => Ok(ShardWork::Nothing),
        }
    }
}

/// The weighted (5%, 50%, 95%) quantiles of each of `targets` summaries
/// over `sims` (one vector per particle).
fn predictive_quantiles(sims: &[Vec<f64>], weights: &[f64], targets: usize) -> Vec<[f64; 3]> {
    (0..targets)
        .map(|j| {
            let values: Vec<f64> = sims.iter().map(|s| s[j]).collect();
            [0.05, 0.5, 0.95].map(|q| abc::weighted_quantile_of(&values, weights, q))
        })
        .collect()
}

/// Where a calibration's folder stands ([`CalibrationSpec::standing`]).
#[derive(Debug)]
pub struct Standing {
    /// The generations its recorded simulations fill, the prior one first.
    pub generations: Vec<Generation>,
    /// What is still to simulate.
    pub pending: Pending,
}

/// What a calibration still has to simulate.
#[derive(Debug, PartialEq)]
pub enum Pending {
    /// Generation `generation` needs proposals from number `from` on;
    /// `accepted` particles were found among those before it.
    Proposals {
        /// The generation being filled.
        generation: usize,
        /// The first proposal it needs that no one has simulated.
        from: usize,
        /// Particles accepted before it.
        accepted: usize,
    },
    /// The posterior predictive simulations of these particles of the last
    /// generation.
    Predictive(Vec<usize>),
    /// Nothing: every target's predictive (5%, 50%, 95%) quantiles.
    Nothing(Vec<[f64; 3]>),
}

/// What one shard did ([`CalibrationSpec::run_shard`]).
#[derive(Debug, PartialEq)]
pub enum ShardWork {
    /// Proposals of a generation judged (simulated now or before; those
    /// outside the prior's support included) and accepted.
    Proposals {
        /// The generation.
        generation: usize,
        /// Proposals of this shard's share judged.
        judged: usize,
        /// Of those, accepted.
        accepted: usize,
    },
    /// Posterior predictive simulations run.
    Predictive(usize),
    /// Nothing was left to simulate.
    Nothing,
}

/// Why a calibration's folder could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// The destination was refused or could not be written.
    #[error("{0}")]
    Output(#[from] crate::output::OutputError),
    /// `--resume` found nothing it can continue.
    #[error("{0}")]
    Resume(String),
    /// The algorithm stopped: a generation could not fill, or nothing
    /// gave a distance.
    #[error("{0}")]
    Abc(String),
    /// The folder could not be created or read.
    #[error("cannot use {}: {source}", path.display())]
    Io {
        /// The folder.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
}

/// How `coserve calibrate` opens its folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// A new calibration; `force` sets an earlier result there aside.
    New {
        /// Replace an earlier calibration in the folder.
        force: bool,
    },
    /// Continue an interrupted calibration of the same file.
    Resume,
    /// A shard's share: the folder must hold this calibration already.
    Shard,
    /// Combine the shards' simulations: continue the calibration in the
    /// folder, or start it there if there is none (`force` as for `New`).
    Merge {
        /// Replace an earlier, different calibration in the folder.
        force: bool,
    },
}

/// A calibration folder, ready ([`prepare_folder`]).
#[derive(Debug)]
pub struct Prepared {
    /// Where an earlier result replaced with `force` was set aside, to
    /// remove once the new one is complete (or to put back on failure).
    pub replaced: Option<PathBuf>,
    /// Whether the folder already holds the complete calibration (a shard
    /// or merge then has nothing to do).
    pub complete: bool,
}

/// Prepares `dest` for a calibration of `spec` (read from `file`), as
/// `opening` says: a new folder with its manifest, or the folder of a
/// calibration of the same file and model to continue.
pub fn prepare_folder(
    spec: &CalibrationSpec,
    file: &Path,
    dest: &Path,
    opening: Opening,
) -> Result<Prepared, CalibrationError> {
    let found: Option<CalibrationManifest> = std::fs::read_to_string(dest.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let force = match (opening, found) {
        (Opening::New { force }, _) | (Opening::Merge { force }, None) => force,
        (Opening::Resume | Opening::Shard, None) => {
            let first = if opening == Opening::Shard {
                format!(
                    "; shards work in a folder a merge has prepared: run `coserve calibrate {} --merge --out {}` first",
                    file.display(),
                    dest.display()
                )
            } else {
                String::new()
            };
            return Err(CalibrationError::Resume(format!(
                "{} holds no calibration to continue{first}",
                dest.display()
            )));
        }
        (Opening::Merge { force: true }, Some(m))
            if m.calibration_sha256 != spec.file_sha256
                || m.model_sha256 != CalibrationManifest::of(spec).model_sha256 =>
        {
            true
        }
        (_, Some(m)) => {
            let start_over = match opening {
                Opening::Shard => format!(
                    "start over with `coserve calibrate {} --merge --force --out {}`",
                    file.display(),
                    dest.display()
                ),
                _ => "start over with --force".into(),
            };
            if m.calibration_sha256 != spec.file_sha256 {
                return Err(CalibrationError::Resume(format!(
                    "{} holds a calibration of another file, or of another version of {} (its manifest names {}): continuing would mix two calibrations; {start_over}, or restore the file",
                    dest.display(),
                    file.display(),
                    m.name
                )));
            }
            if m.model_sha256 != CalibrationManifest::of(spec).model_sha256 {
                return Err(CalibrationError::Resume(format!(
                    "{} was started from another version of {} (or a file it extends): continuing would mix two models; {start_over}, or restore the file",
                    dest.display(),
                    spec.model_file.display()
                )));
            }
            if m.complete && opening == Opening::Resume {
                return Err(CalibrationError::Resume(format!(
                    "{} is already complete; use --force to run it again",
                    dest.display()
                )));
            }
            return Ok(Prepared {
                replaced: None,
                complete: m.complete,
            });
        }
    };
    let inputs = [
        file.to_path_buf(),
        file.parent()
            .unwrap_or(Path::new("."))
            .join(&spec.model_file),
    ];
    crate::output::Destination {
        path: dest,
        force,
        inputs: &inputs,
        kind: crate::output::CALIBRATION,
        remedy: crate::output::REMEDY_OUT,
    }
    .check()?;
    let replaced = if dest.exists() {
        Some(crate::output::set_aside(dest)?)
    } else {
        None
    };
    std::fs::create_dir_all(dest).map_err(|source| CalibrationError::Io {
        path: dest.to_path_buf(),
        source,
    })?;
    CalibrationManifest::of(spec).write(dest)?;
    Ok(Prepared {
        replaced,
        complete: false,
    })
}

/// Every simulation's result, written to `<dir>/simulations/` as it
/// finishes: `gen-NNN.csv` holds generation NNN's distances (`index,
/// distance,end` lines), `predictive.csv` the posterior predictive
/// summaries (`particle,summary...,end`); a shard writes files of its own
/// (`gen-NNN.shard-I-of-N.csv`), so shards on other machines never write
/// to one file. A killed calibration resumes where it stopped: a proposal
/// always has the same parameters, so its recorded result stands in for
/// running it again, and the result is byte-identical to an uninterrupted
/// one.
pub struct Progress {
    dir: PathBuf,
    suffix: String,
    known: HashMap<(usize, usize), f64>,
    predictive: HashMap<usize, Vec<f64>>,
    files: Mutex<HashMap<String, std::fs::File>>,
    ran: AtomicUsize,
}

impl Progress {
    /// Starts recording in `dir/simulations` (as `shard`, if any), reading
    /// what every earlier run and every shard recorded there. A line cut
    /// short by a kill is left out.
    pub fn open(
        dir: &Path,
        shard: Option<crate::sweep::Shard>,
    ) -> Result<Progress, CalibrationError> {
        let dir = dir.join("simulations");
        let io = |source| CalibrationError::Io {
            path: dir.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let mut progress = Progress {
            dir: dir.clone(),
            suffix: shard.map_or(String::new(), |s| {
                format!(".shard-{}-of-{}", s.index, s.count)
            }),
            known: HashMap::new(),
            predictive: HashMap::new(),
            files: Mutex::new(HashMap::new()),
            ran: AtomicUsize::new(0),
        };
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !name.ends_with(".csv") {
                continue;
            }
            let generation = name
                .strip_prefix("gen-")
                .and_then(|n| n.split('.').next())
                .and_then(|n| n.parse::<usize>().ok());
            if generation.is_none() && !name.starts_with("predictive") {
                continue;
            }
            for line in std::fs::read_to_string(&path).map_err(io)?.lines() {
                // A line without its `end` was cut short.
                let Some(fields) = line.strip_suffix(",end") else {
                    continue;
                };
                let mut fields = fields.split(',');
                let Some(Ok(k)) = fields.next().map(str::parse::<usize>) else {
                    continue;
                };
                let Ok(values) = fields
                    .map(str::parse::<f64>)
                    .collect::<Result<Vec<f64>, _>>()
                else {
                    continue;
                };
                match (generation, &values[..]) {
                    (Some(t), &[d]) => {
                        progress.known.insert((t, k), d);
                    }
                    (None, _) => {
                        progress.predictive.insert(k, values);
                    }
                    _ => {}
                }
            }
        }
        Ok(progress)
    }

    /// Simulations recorded before this run.
    pub fn recorded(&self) -> usize {
        self.known.len() + self.predictive.len()
    }

    /// Simulations this run has run and recorded (discarded ones of a
    /// parallel batch included: this is the work done).
    pub fn ran(&self) -> usize {
        self.ran.load(Ordering::Relaxed)
    }

    fn known(&self, p: Proposal) -> Option<f64> {
        self.known.get(&(p.generation, p.index)).copied()
    }

    fn known_predictive(&self, particle: usize) -> Option<Vec<f64>> {
        self.predictive.get(&particle).cloned()
    }

    fn record(&self, p: Proposal, distance: f64) {
        self.append(
            &format!("gen-{:03}", p.generation),
            format!("{},{distance:?},end\n", p.index),
        );
    }

    fn record_predictive(&self, particle: usize, summaries: &[f64]) {
        let values: Vec<String> = summaries.iter().map(|x| format!("{x:?}")).collect();
        self.append(
            "predictive",
            format!("{particle},{},end\n", values.join(",")),
        );
    }

    /// Appends one line to `<stem><suffix>.csv` and flushes it; a failure
    /// to record only costs the saving of that simulation on a resume, so
    /// it is not fatal.
    fn append(&self, stem: &str, line: String) {
        use std::io::Write;
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        if !files.contains_key(stem) {
            let path = self.dir.join(format!("{stem}{}.csv", self.suffix));
            let Ok(mut file) = std::fs::OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(path)
            else {
                return;
            };
            // A line a kill cut short must stay alone on its line: a record
            // appended to it could read as another, valid one ("1" + "1,d,end").
            if ends_mid_line(&mut file) && file.write_all(b"\n").is_err() {
                return;
            }
            files.insert(stem.to_string(), file);
        }
        if let Some(file) = files.get_mut(stem)
            && file.write_all(line.as_bytes()).is_ok()
        {
            self.ran.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Whether `file` is not empty and its last byte is not a newline.
fn ends_mid_line(file: &mut std::fs::File) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let mut last = [0u8; 1];
    file.seek(SeekFrom::End(-1)).is_ok() && file.read_exact(&mut last).is_ok() && last[0] != b'\n'
}

/// `x` as an override value: a whole number for keys that hold one.
fn number_text(x: f64, key: &str) -> String {
    if crate::scenario::is_whole_number_key(key) {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:?}")
    }
}

/// Sets lab experiment numbers (`behaviour.*` or `game.*`, by dotted key),
/// refusing what a file's values would be refused for: a value outside its
/// key's range, or cooperation-type shares that sum above 1.
fn set_lab_keys(e: &mut Experiment, values: &[(&str, f64)]) -> Result<(), String> {
    let mut json = serde_json::to_value(&*e).map_err(|e| e.to_string())?;
    for &(key, x) in values {
        let (section, name) = key
            .split_once('.')
            .ok_or_else(|| format!("no key `{key}`"))?;
        let whole = crate::scenario::is_whole_number_key(key);
        let written = if whole {
            Value::Integer(x.round() as i64)
        } else {
            Value::Float(x)
        };
        if let Some(limit) = crate::scenario::limits::find(section, name) {
            limit.check(&written)?;
        }
        let at = json
            .get_mut(section)
            .and_then(|s| s.get_mut(name))
            .ok_or_else(|| format!("no key `{key}`"))?;
        if !at.is_number() {
            return Err(format!("`{key}` is not a number"));
        }
        *at = if whole {
            serde_json::json!(x.round() as i64)
        } else {
            serde_json::json!(x)
        };
    }
    let game = serde_json::from_value(json["game"].clone()).map_err(|e| e.to_string())?;
    let behaviour: crate::scenario::Behaviour =
        serde_json::from_value(json["behaviour"].clone()).map_err(|e| e.to_string())?;
    let shares = behaviour.cooperation_share_sum();
    if shares > 1.0 + 1e-9 {
        return Err(format!(
            "the cooperation types' shares would sum to {shares:.3}, above 1"
        ));
    }
    e.game = game;
    e.behaviour = behaviour;
    Ok(())
}

/// Keys a calibration may not fit: what the command sets itself, and
/// what the residents' rules do not read.
fn not_a_parameter(key: &str) -> Option<&'static str> {
    match key {
        "run.seed" | "game.seed" => {
            Some("each simulation's seed comes from the calibration's `seed`")
        }
        "game.mpcr" | "game.endowment" | "game.punishment_cost" | "game.punishment_impact" => Some(
            "it describes the experiment, but the residents' rules do not read it, so it changes no result",
        ),
        _ => None,
    }
}

/// `scenario` or `experiment`: the model, read with the fixed overrides.
fn model(
    p: &mut Problems,
    t: &toml::Table,
    folder: &Path,
    set: &[String],
) -> (PathBuf, Option<Model>) {
    let file = |key: &'static str| t.get(key).map(|v| (key, v));
    let (key, value) = match (file("scenario"), file("experiment")) {
        (Some(s), None) => s,
        (None, Some(e)) => e,
        (Some(_), Some(_)) => {
            p.fail(
                "experiment",
                "name either a `scenario` (a city) or an `experiment` (a lab game), not both"
                    .into(),
                None,
            );
            return (PathBuf::new(), None);
        }
        (None, None) => {
            p.fail("", "the required key `scenario` (a city scenario file) or `experiment` (a lab experiment file) is missing".into(), None);
            return (PathBuf::new(), None);
        }
    };
    let Some(written) = value.as_str() else {
        p.fail(
            key,
            format!(
                "expected the path of a file, in quotes, found {}",
                describe_value(value)
            ),
            None,
        );
        return (PathBuf::new(), None);
    };
    let path = folder.join(written);
    let located = |p: &mut Problems, e: ScenarioError| {
        for d in e.diagnostics {
            p.found.push(Diagnostic {
                message: format!("{} (in {key} {written})", d.message),
                ..d
            });
        }
    };
    let model = if key == "scenario" {
        match Scenario::read(&path).and_then(|f| f.with(set).map(|_| f)) {
            Ok(f) => Some(Model::City(Box::new(f))),
            Err(e) => {
                located(p, e);
                None
            }
        }
    } else {
        match Experiment::load(&path, set) {
            Ok(e) => Some(Model::Lab(Box::new(e))),
            Err(e) => {
                located(p, e);
                None
            }
        }
    };
    (PathBuf::from(written), model)
}

/// `[parameters]`: each a numeric key of the model with a prior.
fn parameters(
    p: &mut Problems,
    t: &toml::Table,
    model: Option<&Model>,
    set: &[String],
) -> Vec<(String, Prior)> {
    let Some(table) = t.get("parameters") else {
        p.fail("", "the required section [parameters] is missing: name each fitted key with its prior, e.g. \"behaviour.quit_hazard\" = { uniform = [0.002, 0.02] }".into(), None);
        return Vec::new();
    };
    let Some(table) = table.as_table() else {
        p.fail("parameters", "expected a [parameters] section".into(), None);
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, spec) in table {
        let at = format!("parameters.{key}");
        if let Some(why) = not_a_parameter(key) {
            p.fail(&at, format!("`{key}` cannot be fitted: {why}"), None);
            continue;
        }
        if set.iter().any(|a| crate::scenario::override_key(a) == key) {
            p.fail(
                &at,
                format!("`{key}` is also fixed in `set`: fit it or fix it, not both"),
                None,
            );
            continue;
        }
        let Some(prior) = prior(p, &at, spec) else {
            continue;
        };
        if let Some(model) = model {
            // Both ends of a bounded prior, the mean of a normal one: a prior
            // reaching outside the key's range is refused before any run.
            let probes = match prior {
                Prior::Uniform { lo, hi } | Prior::LogUniform { lo, hi } => vec![lo, hi],
                Prior::Normal { mean, .. } => vec![mean],
            };
            let problem = probes.iter().find_map(|&probe| {
                let problem = match model {
                    Model::City(file) => file
                        .with(&[set, &[format!("{key}={}", number_text(probe, key))]].concat())
                        .err()
                        .map(|e| {
                            e.diagnostics
                                .iter()
                                .map(|d| d.message.clone())
                                .collect::<Vec<_>>()
                                .join("; ")
                        }),
                    Model::Lab(e) => set_lab_keys(&mut e.clone(), &[(key, probe)]).err(),
                };
                problem.map(|m| format!("at {probe}: {m}"))
            });
            if let Some(problem) = problem {
                p.fail(
                    &at,
                    format!("cannot fit `{key}` over this prior: {problem}"),
                    None,
                );
                continue;
            }
        }
        out.push((key.clone(), prior));
    }
    if out.is_empty() && p.found.is_empty() {
        p.fail(
            "parameters",
            "name at least one parameter to fit".into(),
            None,
        );
    }
    out
}

/// One prior: `{ uniform = [lo, hi] }`, `{ normal = [mean, sd] }` or
/// `{ log_uniform = [lo, hi] }`.
fn prior(p: &mut Problems, at: &str, spec: &Value) -> Option<Prior> {
    let expected =
        "expected { uniform = [lo, hi] }, { normal = [mean, sd] } or { log_uniform = [lo, hi] }";
    let Some(table) = spec.as_table().filter(|t| t.len() == 1) else {
        p.fail(
            at,
            format!("{expected}, found {}", describe_value(spec)),
            None,
        );
        return None;
    };
    let (kind, pair) = table.iter().next().expect("one entry");
    let numbers: Vec<f64> = pair
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
                .collect()
        })
        .unwrap_or_default();
    let [a, b] = numbers[..] else {
        p.fail(
            at,
            format!("{expected}: two numbers, found {}", describe_value(pair)),
            None,
        );
        return None;
    };
    let fail = |p: &mut Problems, m: String| {
        p.fail(at, m, None);
        None
    };
    match kind.as_str() {
        "uniform" if a < b && a.is_finite() && b.is_finite() => {
            Some(Prior::Uniform { lo: a, hi: b })
        }
        "uniform" => fail(
            p,
            format!("an empty prior range: uniform needs lo < hi, found [{a}, {b}]"),
        ),
        "log_uniform" if 0.0 < a && a < b && b.is_finite() => {
            Some(Prior::LogUniform { lo: a, hi: b })
        }
        "log_uniform" => fail(
            p,
            format!("log_uniform needs 0 < lo < hi, found [{a}, {b}]"),
        ),
        "normal" if b > 0.0 && a.is_finite() && b.is_finite() => {
            Some(Prior::Normal { mean: a, sd: b })
        }
        "normal" => fail(
            p,
            format!("normal needs a standard deviation above 0, found {b}"),
        ),
        other => {
            let hint = nearest(other, ["uniform", "normal", "log_uniform"].into_iter());
            p.fail(at, format!("unknown prior `{other}`; {expected}"), hint);
            None
        }
    }
}

/// `[[targets]]`: a metric the model writes, a window inside the run, a
/// value and an sd above 0, a source.
fn targets(
    p: &mut Problems,
    t: &toml::Table,
    model: Option<&Model>,
    set: &[String],
) -> Vec<Target> {
    let Some(items) = t.get("targets").and_then(Value::as_array) else {
        p.fail("", "the required [[targets]] are missing: each with metric, window = [from, to], value, sd and source".into(), None);
        return Vec::new();
    };
    let (metrics, span): (Vec<String>, Option<(u32, u32)>) = match model {
        Some(Model::City(file)) => (
            crate::metrics::metric_names(),
            file.with(set).ok().map(|s| (0, s.run.ticks - 1)),
        ),
        Some(Model::Lab(e)) => (
            lab::COLUMNS.iter().map(|m| m.to_string()).collect(),
            Some((1, e.game.rounds)),
        ),
        None => (Vec::new(), None),
    };
    if items.is_empty() {
        p.fail(
            "targets",
            "name at least one target: with none, every parameter keeps its prior".into(),
            None,
        );
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = |k: &str| format!("targets[{i}].{k}");
        let Some(item) = item.as_table() else {
            p.fail(
                &format!("targets[{i}]"),
                "expected a [[targets]] table".into(),
                None,
            );
            continue;
        };
        for key in item.keys() {
            if !["metric", "window", "value", "sd", "source"].contains(&key.as_str()) {
                p.fail(
                    &at(key),
                    "unknown key; expected metric, window, value, sd or source".into(),
                    None,
                );
            }
        }
        let metric = item
            .get("metric")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if model.is_some() && !metrics.contains(&metric) {
            let hint = nearest(&metric, metrics.iter().map(String::as_str));
            p.fail(
                &at("metric"),
                format!("`{metric}` is not a metric the model writes"),
                hint,
            );
        }
        let number = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
        };
        let value = number("value").unwrap_or(f64::NAN);
        if !value.is_finite() {
            p.fail(
                &at("value"),
                "expected the observed value, a number".into(),
                None,
            );
        }
        let sd = number("sd").unwrap_or(f64::NAN);
        if !(sd > 0.0 && sd.is_finite()) {
            let found = item.get("sd").map_or("nothing".into(), describe_value);
            p.fail(
                &at("sd"),
                format!(
                    "expected the observation's standard deviation, a number above 0, found {found}"
                ),
                None,
            );
        }
        let window: Vec<i64> = item
            .get("window")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_integer).collect())
            .unwrap_or_default();
        let window = match (&window[..], span) {
            (&[from, to], Some((lo, hi)))
                if from <= to && from >= i64::from(lo) && to <= i64::from(hi) =>
            {
                [from as u32, to as u32]
            }
            // No model to check the window against: its own error is shown.
            (_, None) if model.is_none() => [0, 0],
            (_, span) => {
                let inside = span.map_or(String::new(), |(lo, hi)| {
                    format!(" inside the run, {lo} to {hi}")
                });
                p.fail(
                    &at("window"),
                    format!("expected [from, to], whole numbers with from <= to{inside}"),
                    None,
                );
                [0, 0]
            }
        };
        let source = match item.get("source") {
            Some(Value::String(text)) if !text.trim().is_empty() => text.clone(),
            other => {
                let found = other.map_or("nothing".into(), describe_value);
                p.fail(
                    &at("source"),
                    format!("expected where the value comes from, in quotes (it is copied into the outputs), found {found}"),
                    None,
                );
                String::new()
            }
        };
        out.push(Target {
            metric,
            window,
            value,
            sd,
            source,
        });
    }
    out
}

/// manifest.json of a calibration: written when it starts (`complete`
/// false) and again when it ends.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct CalibrationManifest {
    /// The coserve version that wrote the folder.
    pub coserve_version: String,
    /// The commit it was built from.
    pub coserve_commit: String,
    /// The command that started it.
    pub command_line: Vec<String>,
    /// Always `calibration`.
    pub kind: String,
    /// Whether posterior.csv, generations.csv and predictive.csv are written.
    pub complete: bool,
    /// The calibration's name.
    pub name: String,
    /// The SHA-256 of the calibration file's text.
    pub calibration_sha256: String,
    /// The SHA-256 of the model file and of each file it extends: a
    /// resumed calibration must run the same model.
    #[serde(default)]
    pub model_sha256: Vec<String>,
    /// The model file, as the calibration file names it.
    pub model_file: String,
    /// `scenario` (a city) or `experiment` (a lab game).
    pub model: String,
    /// Fixed overrides.
    pub set: Vec<String>,
    /// Each parameter's key and prior.
    pub parameters: Vec<serde_json::Value>,
    /// The targets.
    pub targets: serde_json::Value,
    /// Particles, generations, quantile, replicates and seed.
    pub settings: serde_json::Value,
}

impl CalibrationManifest {
    /// The manifest of `spec`, not yet complete.
    pub fn of(spec: &CalibrationSpec) -> CalibrationManifest {
        CalibrationManifest {
            coserve_version: crate::VERSION.into(),
            coserve_commit: crate::COMMIT.into(),
            command_line: crate::output::command_line(),
            kind: "calibration".into(),
            complete: false,
            name: spec.name.clone(),
            calibration_sha256: spec.file_sha256.clone(),
            model_sha256: match &spec.model {
                Model::City(f) => f.sha256().to_vec(),
                Model::Lab(e) => e.sha256.clone(),
            },
            model_file: spec.model_file.display().to_string(),
            model: match spec.model {
                Model::City(_) => "scenario",
                Model::Lab(_) => "experiment",
            }
            .into(),
            set: spec.set.clone(),
            parameters: spec
                .parameters
                .iter()
                .map(|(k, p)| {
                    let prior = match *p {
                        Prior::Uniform { lo, hi } => serde_json::json!({ "uniform": [lo, hi] }),
                        Prior::Normal { mean, sd } => serde_json::json!({ "normal": [mean, sd] }),
                        Prior::LogUniform { lo, hi } => {
                            serde_json::json!({ "log_uniform": [lo, hi] })
                        }
                    };
                    serde_json::json!({ "key": k, "prior": prior })
                })
                .collect(),
            targets: serde_json::to_value(&spec.targets).expect("targets serialize"),
            settings: serde_json::json!({
                "particles": spec.settings.particles,
                "generations": spec.settings.generations,
                "quantile": spec.settings.quantile,
                "replicates": spec.replicates,
                "seed": spec.settings.seed,
            }),
        }
    }

    /// Writes it as `dir/manifest.json`, atomically.
    pub fn write(&self, dir: &Path) -> Result<(), crate::output::OutputError> {
        let json = serde_json::to_string_pretty(self).expect("the manifest serializes") + "\n";
        crate::output::write_new_file(
            &dir.join("manifest.json"),
            &json,
            true,
            crate::output::REMEDY_OUT,
        )
    }
}

/// CSV text of `rows`, the first the header.
fn csv_text(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Writes posterior.csv, generations.csv and predictive.csv into `dir`,
/// each atomically, then the manifest, marked complete.
pub fn write_calibration(
    spec: &CalibrationSpec,
    generations: &[Generation],
    predictive: &[[f64; 3]],
    dir: &Path,
) -> Result<(), crate::output::OutputError> {
    let mut manifest = CalibrationManifest::of(spec);
    let text = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut header = text(&["generation", "particle", "weight", "distance"]);
    header.extend(spec.parameters.iter().map(|(k, _)| k.clone()));
    let mut posterior = vec![header];
    for (t, g) in generations.iter().enumerate() {
        for (i, theta) in g.particles.iter().enumerate() {
            let mut row = vec![
                t.to_string(),
                i.to_string(),
                g.weights[i].to_string(),
                g.distances[i].to_string(),
            ];
            row.extend(theta.iter().map(f64::to_string));
            posterior.push(row);
        }
    }
    let mut table = vec![text(&[
        "generation",
        "tolerance",
        "acceptance_rate",
        "effective_sample_size",
        "proposals",
        "simulations",
    ])];
    for (t, g) in generations.iter().enumerate() {
        table.push(vec![
            t.to_string(),
            g.tolerance.to_string(),
            g.acceptance_rate().to_string(),
            g.effective_sample_size().to_string(),
            g.proposals.to_string(),
            g.simulations.to_string(),
        ]);
    }
    let mut predicted = vec![text(&[
        "metric",
        "window_from",
        "window_to",
        "value",
        "sd",
        "median",
        "p5",
        "p95",
        "inside_90",
        "source",
    ])];
    for (t, q) in spec.targets.iter().zip(predictive) {
        predicted.push(vec![
            t.metric.clone(),
            t.window[0].to_string(),
            t.window[1].to_string(),
            t.value.to_string(),
            t.sd.to_string(),
            q[1].to_string(),
            q[0].to_string(),
            q[2].to_string(),
            (q[0] <= t.value && t.value <= q[2]).to_string(),
            t.source.clone(),
        ]);
    }
    for (name, rows) in [
        ("posterior.csv", posterior),
        ("generations.csv", table),
        ("predictive.csv", predicted),
    ] {
        crate::output::write_new_bytes(
            &dir.join(name),
            &csv_text(&rows),
            true,
            crate::output::REMEDY_OUT,
        )?;
    }
    manifest.complete = true;
    manifest.write(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kill can cut a record after its first digit; the next record must
    /// not be glued to it ("1" + "1,2.5,end" would read as proposal 11).
    #[test]
    fn a_record_is_never_appended_to_a_line_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let sims = dir.path().join("simulations");
        std::fs::create_dir_all(&sims).unwrap();
        std::fs::write(sims.join("gen-000.csv"), "0,1.5,end\n1").unwrap();
        let progress = Progress::open(dir.path(), None).unwrap();
        assert_eq!(progress.recorded(), 1, "the cut line is left out");
        let proposal = |index| Proposal {
            generation: 0,
            index,
            seed: 0,
        };
        progress.record(proposal(1), 2.5);
        drop(progress);
        let again = Progress::open(dir.path(), None).unwrap();
        assert_eq!(again.known(proposal(1)), Some(2.5));
        assert_eq!(again.known(proposal(11)), None);
        assert_eq!(again.known(proposal(0)), Some(1.5));
    }
}
