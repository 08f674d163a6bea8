//! Outcome metrics: one row per tick for the city, per neighbourhood and per
//! SES quintile, and the equity measures they use. All need-based metrics
//! count hidden need: what nobody reported is still need.

mod equity;

pub use equity::{concentration_index, gini, percentile};

use serde::Serialize;

/// The city as a whole in one tick; one row of timeseries.csv.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CityRow {
    pub tick: u32,
    /// Needs that arose this tick.
    pub needs_arisen: u64,
    /// Needs served this tick, by the agency or by organizations.
    pub served: u64,
    /// Of the needs (reported and hidden) that closed this tick, the share
    /// that was served rather than given up on; in a steady state, the share
    /// of all need that gets served.
    pub coverage: f64,
    /// Share of open need at the end of the tick that nobody reported.
    pub hidden_need_share: f64,
    /// Open needs at the end of the tick.
    pub backlog: u64,
    /// Needs that gave up unserved this tick.
    pub lapsed: u64,
    /// Median and 90th percentile wait of the needs served this tick, in ticks.
    pub wait_p50: f64,
    pub wait_p90: f64,
    /// Gini of per-capita service across neighbourhoods (population-weighted).
    pub gini_service: f64,
    /// Coverage of the top SES quintile minus that of the bottom: above 0
    /// means the better-off get more of their need met.
    pub access_gap: f64,
    /// Concentration index of service per resident by SES: below 0 is pro-poor.
    pub concentration_index: f64,
    /// Concentration index of public spending per resident across
    /// neighbourhoods ranked by SES: below 0, money goes to poorer areas.
    pub investment_concentration: f64,
    pub satisfaction: f64,
    pub trust: f64,
    /// Trust of the top SES quintile minus the bottom.
    pub trust_gap_ses: f64,
    pub trust_participants: f64,
    pub trust_non_participants: f64,
    pub participation_rate: f64,
    /// Participation of the top SES quintile over the bottom.
    pub participation_ratio: f64,
    pub volunteer_hours: f64,
    /// Share of volunteers with burnout above one half.
    pub burnout_share: f64,
    /// Mean effort of volunteers, as a share of the hours they could give.
    pub effort_share: f64,
    /// Share of the volunteers at the start of the last budget cycle still
    /// volunteering at its end; NaN during the first cycle.
    pub volunteer_retention: f64,
    pub organizations: u64,
    pub organizations_founded: u64,
    pub organizations_dissolved: u64,
    /// Better practices found by organizations, and adopted by the agency,
    /// since the start.
    pub innovations_found: u64,
    pub innovations_adopted: u64,
    /// Organizations' money this tick: public grants, their own
    /// fundraising, private donations.
    pub org_grants: f64,
    pub org_fundraising: f64,
    pub org_donations: f64,
    /// Public money spent this tick, all domains.
    pub public_spend: f64,
    pub public_cost_per_unit: f64,
    /// Public money plus volunteer hours at the shadow wage, per unit served.
    pub total_cost_per_unit: f64,
    /// Public money lost to leakage this tick.
    pub leakage: f64,
    /// Leakage as a share of the public money that can leak.
    pub leakage_share: f64,
    /// Share of leakage that audits detected.
    pub leakage_detected_share: f64,
}

/// One neighbourhood in one tick; one row of neighbourhoods.csv.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NeighbourhoodRow {
    pub tick: u32,
    pub neighbourhood: usize,
    pub column: u32,
    pub row: u32,
    pub residents: u32,
    pub ses_mean: f64,
    pub needs_arisen: u64,
    pub served: u64,
    pub coverage: f64,
    pub hidden_need_share: f64,
    pub backlog: u64,
    /// Open needs per resident at the end of the tick.
    pub unmet_need_per_capita: f64,
    pub service_per_capita: f64,
    pub satisfaction: f64,
    pub trust: f64,
    pub participation_rate: f64,
    pub volunteer_hours: f64,
    pub organizations: u64,
    /// Public money spent in the neighbourhood this tick.
    pub public_spend: f64,
    pub wait_p50: f64,
}

/// One SES quintile (1 = poorest fifth) in one tick; one row of quintiles.csv.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuintileRow {
    pub tick: u32,
    pub quintile: usize,
    pub residents: u64,
    pub needs_arisen: u64,
    pub served: u64,
    pub coverage: f64,
    pub hidden_need_share: f64,
    pub service_per_capita: f64,
    pub satisfaction: f64,
    pub trust: f64,
    pub participation_rate: f64,
}

/// Everything measured in one tick.
#[derive(Clone, Debug, PartialEq)]
pub struct TickRecord {
    pub city: CityRow,
    pub neighbourhoods: Vec<NeighbourhoodRow>,
    pub quintiles: Vec<QuintileRow>,
}

/// `a / b`, or NaN when there is nothing to divide by: an undefined metric
/// is written as NaN, never as a misleading 0.
pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// The metrics reports and comparisons follow week by week.
pub const MAIN_METRICS: &[&str] = &[
    "coverage",
    "hidden_need_share",
    "wait_p50",
    "access_gap",
    "trust",
    "participation_rate",
];

/// The numeric columns of timeseries.csv (all but `tick`), in file order.
pub fn metric_names() -> Vec<String> {
    let row = serde_json::to_value(CityRow::default()).expect("rows serialize");
    row.as_object()
        .expect("a row is an object")
        .keys()
        .filter(|k| *k != "tick")
        .cloned()
        .collect()
}

/// The numeric values of a row, in the order of [`metric_names`]; an
/// undefined value is NaN.
pub fn metric_values(row: &CityRow) -> Vec<f64> {
    let value = serde_json::to_value(row).expect("rows serialize");
    value
        .as_object()
        .expect("a row is an object")
        .iter()
        .filter(|(k, _)| *k != "tick")
        .map(|(_, v)| v.as_f64().unwrap_or(f64::NAN))
        .collect()
}
