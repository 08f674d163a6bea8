//! One run reduced to numbers: every city metric at the end of the run and
//! averaged over the weeks after the warm-up (`run.warmup`).

use crate::Simulation;
use crate::metrics::CityRow;
use crate::scenario::Scenario;

pub use crate::metrics::{MAIN_METRICS, metric_names, metric_values};

/// A run's metrics at its last tick and averaged over the summarised weeks
/// ([`crate::scenario::RunSpec::summarised_weeks`]: the warm-up and
/// undefined weeks left out of the average), in the order of [`metric_names`].
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Every metric at the last week, in the order of [`metric_names`] (NaN: undefined).
    pub end: Vec<f64>,
    /// Every metric averaged over the weeks after the warm-up where it is
    /// defined (NaN: defined in none of them).
    pub mean: Vec<f64>,
}

/// Runs `scenario` to the end in memory and summarises it.
pub fn summarise(scenario: Scenario) -> Summary {
    summarise_with(scenario, |_| {})
}

/// As [`summarise`], showing each tick's city row to `on_row`.
pub fn summarise_with(scenario: Scenario, mut on_row: impl FnMut(&CityRow)) -> Summary {
    let warmup = scenario.run.warmup;
    let mut sim = Simulation::new(scenario);
    let mut sums: Vec<f64> = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    let mut end = Vec::new();
    while !sim.finished() {
        let row = sim.step().city;
        on_row(&row);
        end = metric_values(&row);
        if row.tick < warmup {
            continue;
        }
        if sums.is_empty() {
            sums = vec![0.0; end.len()];
            counts = vec![0; end.len()];
        }
        for ((s, c), x) in sums.iter_mut().zip(counts.iter_mut()).zip(&end) {
            if x.is_finite() {
                *s += x;
                *c += 1;
            }
        }
    }
    let mean = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| if c > 0 { s / c as f64 } else { f64::NAN })
        .collect();
    Summary { end, mean }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_leave_out_the_warmup_and_ends_do_not_depend_on_it() {
        let text = "[run]\nticks = 12\nwarmup = 0\n[city]\nresidents = 2000\n";
        let scenario = Scenario::from_toml_str(text, "w").unwrap();
        let mut trust = Vec::new();
        let all = summarise_with(scenario.clone(), |row| trust.push(row.trust));
        let mut later = scenario;
        later.run.warmup = 5;
        let after = summarise(later);
        let i = metric_names().iter().position(|m| m == "trust").unwrap();
        let expected = trust[5..].iter().sum::<f64>() / 7.0;
        assert!(
            (after.mean[i] - expected).abs() < 1e-12,
            "{} vs {expected}",
            after.mean[i]
        );
        assert!((all.mean[i] - trust.iter().sum::<f64>() / 12.0).abs() < 1e-12);
        assert_ne!(after.mean[i], all.mean[i], "trust moves in the first weeks");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&after.end), bits(&all.end));
    }
}
