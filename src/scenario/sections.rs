//! `[run]`, `[city]`, `[[domains]]` and `[output]`: the plain sections of a
//! scenario, each key defined once in its table (see [`super::keys`]).
//! `[behaviour]` has its own file, `[governance]` is the knobs'.

use super::MAX_NEIGHBOURHOODS;
use super::keys::section;
use super::limits::{MAX_RESIDENTS, MAX_TICKS, MONEY, PROBABILITY, SHARE, above, number, whole};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

section! {
    /// `[run]`: how long and with which random numbers.
    defaults RunSpec, RUN {
        /// Ticks (weeks) to simulate; 1 to [`MAX_TICKS`].
        ticks: u32 = 260, whole(1, MAX_TICKS, "weeks"),
            "weeks to simulate (260 = 5 years)";
        /// Weeks at the start left out of every summary (run means, tables,
        /// reports, sensitivity), 0 to `ticks - 1`. Every run starts with
        /// empty queues; the default, one year, is where Welch's method puts
        /// the end of that transient in all eight presets (docs/analysis.md).
        warmup: u32 = 52, whole(0, MAX_TICKS, "weeks"),
            "weeks left out of every summary: queues start empty (Welch's method)";
        /// Seed of every random number in the run; 0 to `i64::MAX`.
        seed: u64 = 1, whole(0, i64::MAX, ""),
            "same seed, same scenario, same version: byte-identical results";
        /// Ticks between the agency's re-planning of its allocation; 1 to
        /// [`MAX_TICKS`].
        budget_cycle: u32 = 52, whole(1, MAX_TICKS, "weeks"),
            "weeks between the agency's re-plans of where its capacity goes";
    }
}

impl RunSpec {
    /// The weeks every summary covers: `warmup` to the last week, as a
    /// half-open range of ticks (empty only if `warmup >= ticks`, which
    /// validation refuses).
    pub fn summarised_weeks(&self) -> std::ops::Range<u32> {
        self.warmup..self.ticks
    }

    /// The summarised weeks in words, the same on every page and table:
    /// "weeks 52 to 259 (after a 52-week warm-up)", or "weeks 0 to 29 (no
    /// warm-up)".
    pub fn describe_window(&self) -> String {
        describe_weeks(&self.summarised_weeks())
    }
}

/// Summarised weeks `weeks` (after a warm-up of `weeks.start`) in words:
/// "weeks 52 to 259 (after a 52-week warm-up)", or "weeks 0 to 29 (no
/// warm-up)".
pub fn describe_weeks(weeks: &std::ops::Range<u32>) -> String {
    let last = weeks.end.saturating_sub(1);
    match weeks.start {
        0 => format!("weeks 0 to {last} (no warm-up)"),
        w => format!("weeks {w} to {last} (after a {w}-week warm-up)"),
    }
}

section! {
    /// `[city]`: residents and neighbourhoods.
    defaults CitySpec, CITY {
        /// Residents simulated one by one, 1 to [`MAX_RESIDENTS`], split as
        /// evenly as possible over the neighbourhoods.
        residents: u64 = 100_000, whole(1, MAX_RESIDENTS, "residents"),
            "people simulated one by one";
        /// Neighbourhoods, 1 to [`MAX_NEIGHBOURHOODS`], laid out on a grid for maps.
        neighbourhoods: u32 = 16, whole(1, MAX_NEIGHBOURHOODS as i64, "neighbourhoods"),
            "areas the city is split into, drawn as a grid";
        /// Mean socio-economic status, in [0, 1].
        ses_mean: f64 = 0.5, SHARE,
            "mean socio-economic status (0 = poorest, 1 = richest)";
        /// Spread of neighbourhood mean SES around the city mean; 0 to 0.5.
        ses_spread_between: f64 = 0.15, number(0.0, 0.5, "a spread"),
            "how different neighbourhoods are from each other in SES";
        /// Spread of residents' SES around their neighbourhood's mean; 0 to 0.5.
        ses_spread_within: f64 = 0.15, number(0.0, 0.5, "a spread"),
            "how different residents are within a neighbourhood";
        /// How much more need poorer neighbourhoods have, 0 to 10:
        /// `lambda_n = lambda_0 * (1 + need_gradient * (1 - ses_n))`.
        need_gradient: f64 = 1.0, number(0.0, 10.0, "a gradient"),
            "poorer areas need more: need = need_rate * (1 + need_gradient * (1 - SES))";
        /// Mean initial social capital, in [0, 1].
        social_capital: f64 = 0.5, SHARE,
            "initial networks and civic habits; helps organizations form";
        /// Mean initial trust in local government, in [0, 1].
        trust_initial: f64 = 0.45, SHARE,
            "initial trust in local government (OECD Trust Survey: about 0.45)";
    }
}

section! {
    /// `[[domains]]`: one everyday service.
    required DomainSpec, DOMAIN {
        /// The domain's name (e.g. `pet_care`), unique within the scenario.
        name: String;
        /// `lambda_0`: needs per resident per tick; 0 to 10.
        need_rate: f64, number(0.0, 10.0, "a number of needs per resident per week"),
            "needs per resident per week, before the SES gradient";
        /// Public money per need served; above 0.
        unit_cost: f64, above(0.0, 1e9, "a cost per need served"),
            "public money to serve one need";
        /// Public money per resident per tick.
        budget_per_resident: f64, MONEY,
            "public money per resident per week for this service";
        /// Weight of public input in production, 0-1; 1 - alpha is the weight
        /// of effective hands (public plus volunteer).
        alpha: f64, number(0.0, 1.0, "a weight"),
            "weight of public input in production (1 = volunteers add nothing)";
        /// Production elasticity, -20 to 1: below 0 complements, 1 substitutes.
        rho: f64, number(-20.0, 1.0, "an elasticity"),
            "below 0: volunteers complement public work (Ostrom); 1: they substitute";
        /// Local-knowledge gain of community organizations' targeting; 0 to 10.
        kappa: f64, number(0.0, 10.0, "a targeting gain"),
            "how much better community organizations target hidden need";
        /// Share of open needs that lapse unserved each tick; 0-1.
        #[serde(default = "default_lapse_rate")]
        lapse_rate: f64, PROBABILITY,
            "share of waiting needs that give up each week, unserved";
    }
}

fn default_lapse_rate() -> f64 {
    0.05
}

/// The four shipped service domains.
pub fn default_domains() -> Vec<DomainSpec> {
    let d = |name: &str, need_rate, unit_cost, budget_per_resident, alpha, rho, kappa| DomainSpec {
        name: name.into(),
        need_rate,
        unit_cost,
        budget_per_resident,
        alpha,
        rho,
        kappa,
        lapse_rate: default_lapse_rate(),
    };
    vec![
        d("pet_care", 0.004, 150.0, 0.6, 0.6, -0.5, 1.5),
        d("waste", 0.03, 25.0, 0.75, 0.5, 0.5, 1.2),
        d("green_space", 0.01, 80.0, 0.7, 0.4, 0.3, 1.4),
        d("safety", 0.008, 200.0, 1.4, 0.7, -1.0, 1.8),
    ]
}

/// `[output]`: what to write and where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputSpec {
    /// Folder under which `<name>-seed<N>/` is written.
    pub dir: PathBuf,
    /// Write neighbourhoods.csv (tick x neighbourhood).
    pub neighbourhoods: bool,
    /// Write quintiles.csv (tick x SES quintile).
    pub quintiles: bool,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            dir: PathBuf::from("outputs"),
            neighbourhoods: true,
            quintiles: true,
        }
    }
}

/// `[output]`'s keys and their meanings, in file order.
pub const OUTPUT: &[(&str, &str)] = &[
    ("dir", "results go to <dir>/<name>-seed<seed>/"),
    (
        "neighbourhoods",
        "write neighbourhoods.csv (one row per week and neighbourhood)",
    ),
    (
        "quintiles",
        "write quintiles.csv (one row per week and SES fifth)",
    ),
];
