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
    /// The main metrics week by week: `weekly[regime][replicate][tick][metric]`
    /// in the order of [`summary::MAIN_METRICS`].
    pub weekly: Vec<Vec<Vec<Vec<f64>>>>,
}

/// One line of compare_timeseries.csv: a main metric in one week under one
/// regime, averaged over replicates, with the range across them.
#[derive(Clone, Debug, Serialize)]
pub struct BandRow {
    pub tick: usize,
    pub regime: String,
    pub metric: &'static str,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
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
    let names = summary::metric_names();
    let main: Vec<usize> = summary::MAIN_METRICS
        .iter()
        .map(|m| names.iter().position(|n| n == m).expect("a metric"))
        .collect();
    let results: Vec<(Summary, Vec<Vec<f64>>)> = scenarios
        .into_par_iter()
        .map(|s| {
            let mut weeks = Vec::new();
            let summary = summary::summarise_with(s, |row| {
                let values = summary::metric_values(row);
                weeks.push(main.iter().map(|&i| values[i]).collect());
            });
            on_run(done.fetch_add(1, Ordering::Relaxed) + 1);
            (summary, weeks)
        })
        .collect();
    let (summaries, weeks): (Vec<Summary>, Vec<Vec<Vec<f64>>>) = results.into_iter().unzip();
    let runs = summaries
        .chunks(seeds.len())
        .map(<[Summary]>::to_vec)
        .collect();
    let weekly = weeks
        .chunks(seeds.len())
        .map(<[Vec<Vec<f64>>]>::to_vec)
        .collect();
    Ok(Comparison {
        scenario: base,
        regimes: o.regimes.clone(),
        seeds,
        metrics: names,
        runs,
        weekly,
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
