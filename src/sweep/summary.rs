//! One run reduced to numbers: every city metric at the end of the run and
//! averaged over the run.

use crate::Simulation;
use crate::metrics::CityRow;
use crate::scenario::Scenario;

pub use crate::metrics::{MAIN_METRICS, metric_names, metric_values};

/// A run's metrics at its last tick and averaged over its ticks (undefined
/// ticks left out of the average), in the order of [`metric_names`].
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Every metric at the last week, in the order of [`metric_names`] (NaN: undefined).
    pub end: Vec<f64>,
    /// Every metric averaged over the weeks where it is defined.
    pub mean: Vec<f64>,
}

/// Runs `scenario` to the end in memory and summarises it.
pub fn summarise(scenario: Scenario) -> Summary {
    summarise_with(scenario, |_| {})
}

/// As [`summarise`], showing each tick's city row to `on_row`.
pub fn summarise_with(scenario: Scenario, mut on_row: impl FnMut(&CityRow)) -> Summary {
    let mut sim = Simulation::new(scenario);
    let mut sums: Vec<f64> = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    let mut end = Vec::new();
    while !sim.finished() {
        let row = sim.step().city;
        on_row(&row);
        end = metric_values(&row);
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
