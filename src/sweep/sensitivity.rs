//! `coserve sensitivity`: Sobol indices of a finished Saltelli sweep, or
//! Morris elementary effects of a finished Morris sweep.

use super::morris;
use super::runner::{SweepError, SweepManifest};
use super::sobol::{self, Indices, MIN_SAMPLES, sobol_indices};
use super::stats;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One line of sobol.csv.
#[derive(Clone, Debug, Serialize)]
pub struct SensitivityRow {
    /// A column of runs.csv, e.g. `coverage_mean`.
    pub metric: String,
    /// The factor (a scenario key).
    pub factor: String,
    /// First-order Sobol index S1: the share of the metric's variance due to this factor alone.
    pub first_order: f64,
    /// Lower end of S1's 95% bootstrap interval.
    pub first_order_low: f64,
    /// Upper end of S1's 95% bootstrap interval.
    pub first_order_high: f64,
    /// Total-order Sobol index ST: the share due to this factor with all its interactions.
    pub total: f64,
    /// Lower end of ST's 95% bootstrap interval.
    pub total_low: f64,
    /// Upper end of ST's 95% bootstrap interval.
    pub total_high: f64,
    /// Base samples the indices rest on: those whose every design point has
    /// the metric defined (at most the sweep's `samples`).
    pub samples_used: usize,
    /// The share of the variance the indices divide (of the design points'
    /// means over replicates) that is seed noise, 0-1: under common random
    /// numbers, the residual of a point x replicate analysis of variance
    /// over the replicates, divided by the variance of the point means
    /// ([`stats::crn_noise_of_means`]); NaN with one replicate, where it
    /// cannot be measured. The same for every factor of a metric.
    pub seed_share: f64,
    /// Why these indices should not be read as shares of variance, if so
    /// (an index above 1, S1 above ST, an interval wider than 0.3); empty
    /// when they can.
    pub caveat: String,
}

/// The metrics reported when none are named.
pub const DEFAULT_METRICS: &[&str] = &[
    "coverage_mean",
    "access_gap_mean",
    "trust_mean",
    "participation_rate_mean",
];

fn fail(message: String) -> SweepError {
    SweepError::Other(message)
}

/// What a sensitivity analysis reads from a finished sweep: its manifest
/// and, per design point, the factors' values and each metric's
/// replicates.
struct SweepPoints {
    manifest: SweepManifest,
    /// `factors[point]`: the factors' values as runs.csv writes them.
    factors: Vec<Vec<String>>,
    /// `values[metric][point]`: the point's defined replicates, in the
    /// order read.
    values: Vec<Vec<Vec<f64>>>,
    /// Replicates per point.
    replicates: usize,
}

/// Reads `dir`'s manifest and runs.csv for `metrics`, checking that the
/// sweep's design is `design` (`why` names the method that needs it).
fn read_points(
    dir: &Path,
    metrics: &[String],
    design: &str,
    why: &str,
) -> Result<SweepPoints, SweepError> {
    let (_, manifest) =
        SweepManifest::read(dir, &format!("sensitivity needs a finished {design} sweep"))?;
    if manifest.sweep["design"] != design {
        return Err(fail(format!(
            "{} is a {} sweep; sensitivity needs `design = \"saltelli\"` (Sobol indices) or `design = \"morris\"` (elementary effects), and {why} need `design = \"{design}\"`",
            dir.display(),
            manifest.sweep["design"]
        )));
    }
    let replicates = manifest.runs.checked_div(manifest.points).unwrap_or(1);
    let csv_path = dir.join("runs.csv");
    let mut reader = csv::Reader::from_path(&csv_path).map_err(|e| {
        fail(format!(
            "cannot read {}: {e} (is the sweep finished, or its shards merged?)",
            csv_path.display()
        ))
    })?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fail(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let column = |name: &str| -> Result<usize, SweepError> {
        header.iter().position(|h| h == name).ok_or_else(|| {
            let metrics: Vec<&str> = header
                .iter()
                .map(String::as_str)
                .filter(|h| h.ends_with("_mean") || h.ends_with("_end"))
                .collect();
            let hint = crate::text::nearest(name, metrics.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            fail(format!("runs.csv has no column `{name}`{hint}"))
        })
    };
    let point_col = column("point")?;
    for (i, m) in metrics.iter().enumerate() {
        if metrics[..i].contains(m) {
            return Err(fail(format!("--metrics names `{m}` twice")));
        }
        if header.contains(m) && !(m.ends_with("_end") || m.ends_with("_mean")) {
            return Err(fail(format!(
                "--metrics: `{m}` is not a metric column of runs.csv (those end in _end or _mean)"
            )));
        }
    }
    let cols: Vec<usize> = metrics
        .iter()
        .map(|m| column(m))
        .collect::<Result<_, _>>()?;
    let factor_cols: Vec<usize> = manifest
        .factor_keys()
        .iter()
        .map(|f| column(f))
        .collect::<Result<_, _>>()?;
    let points = manifest.points;
    let mut values = vec![vec![Vec::new(); points]; metrics.len()];
    let mut factors = vec![Vec::new(); points];
    for record in reader.records() {
        let record = record.map_err(|e| fail(e.to_string()))?;
        let p: usize = record[point_col]
            .parse()
            .ok()
            .filter(|&p| p < points)
            .ok_or_else(|| fail("runs.csv: a point outside the design".into()))?;
        if factors[p].is_empty() {
            factors[p] = factor_cols.iter().map(|&c| record[c].to_string()).collect();
        }
        for (m, &c) in cols.iter().enumerate() {
            let x: f64 = record[c].parse().unwrap_or(f64::NAN);
            if x.is_finite() {
                values[m][p].push(x);
            }
        }
    }
    Ok(SweepPoints {
        manifest,
        factors,
        values,
        replicates,
    })
}

/// Indices of every factor for every metric, from `dir`'s runs.csv, with
/// replicates averaged per design point.
pub fn sensitivity(
    dir: &Path,
    metrics: &[String],
    resamples: usize,
) -> Result<Vec<SensitivityRow>, SweepError> {
    let SweepPoints {
        manifest,
        values,
        replicates,
        ..
    } = read_points(dir, metrics, "saltelli", "Sobol indices")?;
    let factors = manifest.factor_keys();
    let k = factors.len();
    // A Saltelli design has samples x (factors + 2) points; anything else
    // is a manifest edited by hand, not one to trust with an allocation.
    let n = manifest.sweep["samples"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n.checked_mul(k + 2) == Some(manifest.points))
        .ok_or_else(|| {
            fail(format!(
                "{}/manifest.json is damaged: its samples, factors and points do not agree",
                dir.display()
            ))
        })?;
    if n < MIN_SAMPLES {
        return Err(fail(format!(
            "{} has samples = {n}; Sobol indices need at least {MIN_SAMPLES} base samples (256 or more for intervals of about +-0.1): raise `samples` and run the sweep again",
            dir.display()
        )));
    }
    let points = n * (k + 2);
    let mut rows = Vec::new();
    for (m, metric) in metrics.iter().enumerate() {
        // A point where the metric is undefined stays undefined: the
        // estimators leave out its base sample, never a made-up 0.
        let y: Vec<f64> = values[m].iter().map(|v| stats::mean(v)).collect();
        let undefined = values[m].iter().filter(|v| v.is_empty()).count();
        let seed_share = seed_share(&values[m], &y, replicates);
        let estimate = sobol_indices(&y, n, k, resamples, 1);
        if estimate.samples_used < MIN_SAMPLES {
            return Err(fail(format!(
                "`{metric}` is undefined at {undefined} of {points} design points, leaving {} of {n} base samples with every point defined; Sobol indices need at least {MIN_SAMPLES}: choose a metric defined everywhere (e.g. a _mean column), or run a larger sweep",
                estimate.samples_used
            )));
        }
        if undefined > 0 {
            eprintln!(
                "note: `{metric}` is undefined at {undefined} of {points} design points; its indices use the {} of {n} base samples whose points are all defined",
                estimate.samples_used
            );
        }
        for (factor, ix) in factors.iter().zip(estimate.indices) {
            let Indices {
                first,
                first_low,
                first_high,
                total,
                total_low,
                total_high,
            } = ix;
            rows.push(SensitivityRow {
                metric: metric.clone(),
                factor: factor.clone(),
                first_order: first,
                first_order_low: first_low,
                first_order_high: first_high,
                total,
                total_low,
                total_high,
                samples_used: estimate.samples_used,
                seed_share,
                caveat: [sobol::caveat(&ix), noise_caveat(seed_share, &ix)]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
    }
    Ok(rows)
}

/// The share of the variance of the point means `y` that is seed noise
/// ([`stats::crn_noise_of_means`] over the points with every replicate
/// defined, divided by the variance of `y`), at most 1: both are estimates,
/// and where the factors do nothing the first can exceed the second by
/// chance. NaN with one replicate.
fn seed_share(per_point: &[Vec<f64>], y: &[f64], replicates: usize) -> f64 {
    let complete: Vec<Vec<f64>> = per_point
        .iter()
        .filter(|v| v.len() == replicates)
        .cloned()
        .collect();
    let noise = stats::crn_noise_of_means(&complete);
    let means: Vec<f64> = y.iter().copied().filter(|x| x.is_finite()).collect();
    let spread = stats::sd(&means).powi(2);
    if noise.is_nan() || spread.is_nan() || spread <= 0.0 {
        return f64::NAN;
    }
    (noise / spread).min(1.0)
}

/// A factor whose total index, even at the top of its interval, is below
/// the seed's share of the variance cannot be told apart from chance.
fn noise_caveat(seed_share: f64, ix: &Indices) -> Option<String> {
    (seed_share > ix.total_high).then(|| {
        format!(
            "dominated by seed noise: the seed makes a share of {seed_share:.3} of the variance, this factor at most {:.3} of it (the top of its interval), so its effect cannot be told from chance (more `replicates` would tell)",
            ix.total_high
        )
    })
}

/// Writes `rows` as `dir/sobol.csv`, atomically. An existing sobol.csv is
/// replaced only with `force`, and only if `sensitivity` wrote it.
pub fn write_sobol(
    dir: &Path,
    rows: &[SensitivityRow],
    force: bool,
) -> Result<PathBuf, SweepError> {
    write_table(dir, "sobol.csv", rows, force, |t| {
        t.starts_with("metric,factor,first_order,")
    })
}

/// One line of morris.csv.
#[derive(Clone, Debug, Serialize)]
pub struct MorrisRow {
    /// A column of runs.csv, e.g. `coverage_mean`.
    pub metric: String,
    /// The factor (a scenario key).
    pub factor: String,
    /// Mean elementary effect: the metric's change per full range of the
    /// factor, signed ([`morris::Measures::mu`]).
    pub mu: f64,
    /// Mean absolute elementary effect, the measure to rank factors by.
    pub mu_star: f64,
    /// Lower end of mu*'s 95% bootstrap interval (over trajectories).
    pub mu_star_low: f64,
    /// Upper end of mu*'s 95% bootstrap interval.
    pub mu_star_high: f64,
    /// Standard deviation of the elementary effects: non-linearity or
    /// interactions.
    pub sigma: f64,
    /// Trajectories whose effect of this factor is defined.
    pub trajectories: usize,
    /// The mu* that seed noise alone would give: the mean absolute
    /// difference of two points' replicate means that differ only by seed
    /// noise, over the step, `sqrt(2 v) sqrt(2 / pi) / step` with `v` the
    /// noise variance of a point mean under common random numbers
    /// ([`stats::crn_noise_of_means`]); NaN with one replicate. The same
    /// for every factor of a metric.
    pub noise_mu_star: f64,
    /// Why mu* should not be read as an effect, if so (it is within seed
    /// noise); empty when it can.
    pub caveat: String,
}

/// Morris measures of every factor for every metric, from `dir`'s runs.csv
/// (a `morris` sweep), with replicates averaged per point. Steps are read
/// from the factors' values in runs.csv, on each factor's range scaled to
/// [0, 1], so a whole-number factor's effect uses the step it really took.
pub fn morris_screening(
    dir: &Path,
    metrics: &[String],
    resamples: usize,
) -> Result<Vec<MorrisRow>, SweepError> {
    let data = read_points(dir, metrics, "morris", "elementary effects")?;
    let keys = data.manifest.factor_keys();
    let k = keys.len();
    let r = data.manifest.points / (k + 1);
    let damaged = || {
        fail(format!(
            "{}/manifest.json is damaged: its factors, ranges and points do not agree",
            dir.display()
        ))
    };
    if r * (k + 1) != data.manifest.points {
        return Err(damaged());
    }
    if r < morris::MIN_TRAJECTORIES {
        return Err(fail(format!(
            "{} has {r} trajectories; elementary effects need at least {} (10 to 50 is usual): raise `samples` and run the sweep again",
            dir.display(),
            morris::MIN_TRAJECTORIES
        )));
    }
    let ranges: Vec<(f64, f64)> = (0..k)
        .map(|i| {
            let range = &data.manifest.sweep["factors"][i]["levels"]["range"];
            match (range["min"].as_f64(), range["max"].as_f64()) {
                (Some(lo), Some(hi)) if hi > lo => Some((lo, hi)),
                _ => None,
            }
        })
        .collect::<Option<_>>()
        .ok_or_else(damaged)?;
    let x: Vec<Vec<f64>> = data
        .factors
        .iter()
        .map(|values| {
            values
                .iter()
                .zip(&ranges)
                .map(|(v, (lo, hi))| v.parse::<f64>().map(|v| (v - lo) / (hi - lo)))
                .collect::<Result<Vec<f64>, _>>()
        })
        .collect::<Result<_, _>>()
        .map_err(|_| damaged())?;
    let mut rows = Vec::new();
    for (m, metric) in metrics.iter().enumerate() {
        let y: Vec<f64> = data.values[m].iter().map(|v| stats::mean(v)).collect();
        let complete: Vec<Vec<f64>> = data.values[m]
            .iter()
            .filter(|v| v.len() == data.replicates)
            .cloned()
            .collect();
        let noise = stats::crn_noise_of_means(&complete);
        let noise_mu_star =
            (2.0 * noise).sqrt() * (2.0 / std::f64::consts::PI).sqrt() / morris::DELTA;
        let measures = morris::measures(&morris::effects(&x, &y, r, k), resamples, 1);
        if measures
            .iter()
            .all(|m| m.trajectories < morris::MIN_TRAJECTORIES)
        {
            return Err(fail(format!(
                "`{metric}` is undefined along too many steps: no factor has an elementary effect in {} trajectories; choose a metric defined everywhere (e.g. a _mean column)",
                morris::MIN_TRAJECTORIES
            )));
        }
        for (factor, ms) in keys.iter().zip(measures) {
            let caveat = if ms.trajectories < morris::MIN_TRAJECTORIES {
                format!(
                    "defined in only {} trajectories: too few to rank by",
                    ms.trajectories
                )
            } else if ms.mu_star == 0.0 {
                "no effect: the metric did not move when this factor did, on any trajectory"
                    .to_string()
            } else if ms.mu_star_high < noise_mu_star {
                format!(
                    "within seed noise: seed noise alone would give mu* of about {noise_mu_star:.4}, above the top of this factor's interval ({:.4}); more `replicates` would tell",
                    ms.mu_star_high
                )
            } else {
                String::new()
            };
            rows.push(MorrisRow {
                metric: metric.clone(),
                factor: factor.clone(),
                mu: ms.mu,
                mu_star: ms.mu_star,
                mu_star_low: ms.mu_star_low,
                mu_star_high: ms.mu_star_high,
                sigma: ms.sigma,
                trajectories: ms.trajectories,
                noise_mu_star,
                caveat,
            });
        }
    }
    Ok(rows)
}

/// Writes `rows` as `dir/<name>`, atomically; `ours` tells a file this
/// command wrote, the only kind `force` replaces.
fn write_table<T: Serialize>(
    dir: &Path,
    name: &str,
    rows: &[T],
    force: bool,
    ours: fn(&str) -> bool,
) -> Result<PathBuf, SweepError> {
    const REMEDY: &str = "replace it with --force";
    let path = dir.join(name);
    if force && path.exists() && !std::fs::read_to_string(&path).is_ok_and(|t| ours(&t)) {
        return Err(fail(format!(
            "refusing to replace {}: coserve did not write it; move it first",
            path.display()
        )));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|e| fail(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| fail(e.to_string()))?;
    crate::output::write_new_bytes(&path, &bytes, force, REMEDY)?;
    Ok(path)
}

/// Writes `rows` as `dir/morris.csv`, atomically. An existing morris.csv is
/// replaced only with `force`, and only if `sensitivity` wrote it.
pub fn write_morris(dir: &Path, rows: &[MorrisRow], force: bool) -> Result<PathBuf, SweepError> {
    write_table(dir, "morris.csv", rows, force, |t| {
        t.starts_with("metric,factor,mu,mu_star,")
    })
}
