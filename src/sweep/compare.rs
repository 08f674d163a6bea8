//! Paired comparison of regimes on common random numbers: every regime runs
//! on the same city with the same seeds, replicate by replicate, so the
//! differences show the regime and not the noise.

use super::stats::{self, PairedDifference};
use super::summary::{self, Summary};
use crate::scenario::{Scenario, ScenarioError};
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What to compare.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// Preset names; the first is the reference for differences.
    pub regimes: Vec<String>,
    pub replicates: u32,
    /// Overrides `run.ticks` when given.
    pub ticks: Option<u32>,
    /// `--set` overrides applied to every regime.
    pub overrides: Vec<String>,
}

/// Every run of a comparison, by regime and replicate.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub scenario: Scenario,
    pub regimes: Vec<String>,
    pub seeds: Vec<u64>,
    pub metrics: Vec<String>,
    /// `runs[regime][replicate]`.
    pub runs: Vec<Vec<Summary>>,
}

/// One line of compare.csv.
#[derive(Clone, Debug, Serialize)]
pub struct CompareRow {
    pub metric: String,
    /// `end` (last tick) or `mean` (averaged over the run).
    pub statistic: &'static str,
    pub regime: String,
    pub mean: f64,
    pub sd: f64,
    /// This regime minus the reference, replicate by replicate.
    pub diff: f64,
    pub diff_ci_low: f64,
    pub diff_ci_high: f64,
    pub n: usize,
}

/// The scenario of one regime, ready to run with the given seed.
fn regime_scenario(
    path: &Path,
    o: &CompareOptions,
    regime: &str,
    seed: Option<u64>,
) -> Result<Scenario, ScenarioError> {
    let mut set = o.overrides.clone();
    set.push(format!("governance.preset={regime}"));
    if let Some(t) = o.ticks {
        set.push(format!("run.ticks={t}"));
    }
    if let Some(s) = seed {
        set.push(format!("run.seed={s}"));
    }
    Scenario::load(path, &set)
}

/// Runs every regime for every replicate; `on_run` is told how many runs
/// have finished (from any thread).
pub fn compare(
    path: &Path,
    o: &CompareOptions,
    on_run: &(dyn Fn(usize) + Sync),
) -> Result<Comparison, ScenarioError> {
    let base = regime_scenario(path, o, &o.regimes[0], None)?;
    let seeds: Vec<u64> = (0..o.replicates as u64)
        .map(|r| base.run.seed.wrapping_add(r))
        .collect();
    let mut scenarios = Vec::new();
    for regime in &o.regimes {
        for &seed in &seeds {
            scenarios.push(regime_scenario(path, o, regime, Some(seed))?);
        }
    }
    let done = AtomicUsize::new(0);
    let summaries: Vec<Summary> = scenarios
        .into_par_iter()
        .map(|s| {
            let summary = summary::summarise(s);
            on_run(done.fetch_add(1, Ordering::Relaxed) + 1);
            summary
        })
        .collect();
    let runs = summaries
        .chunks(seeds.len())
        .map(<[Summary]>::to_vec)
        .collect();
    Ok(Comparison {
        scenario: base,
        regimes: o.regimes.clone(),
        seeds,
        metrics: summary::metric_names(),
        runs,
    })
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
                for (regime, runs) in self.regimes.iter().zip(&self.runs) {
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
                    });
                }
            }
        }
        rows
    }

    /// A readable table of the given metrics, averaged over the run.
    pub fn table(&self, metrics: &[&str]) -> String {
        let rows = self.rows();
        let reference = &self.regimes[0];
        let mut out = format!(
            "{} replicates per regime on common random numbers; averages over {} weeks; difference to {reference} with 95% CI\n\n",
            self.seeds.len(),
            self.scenario.run.ticks
        );
        out += &format!("{:<22}", "metric");
        for r in &self.regimes {
            out += &format!(" {r:>30}");
        }
        out += "\n";
        for metric in metrics {
            out += &format!("{metric:<22}");
            for r in rows
                .iter()
                .filter(|r| r.metric == *metric && r.statistic == "mean")
            {
                let cell = if r.regime == *reference {
                    format!("{:.3}", r.mean)
                } else {
                    format!(
                        "{:.3} ({:+.3} [{:+.3}, {:+.3}])",
                        r.mean, r.diff, r.diff_ci_low, r.diff_ci_high
                    )
                };
                out += &format!(" {cell:>30}");
            }
            out += "\n";
        }
        out
    }
}
