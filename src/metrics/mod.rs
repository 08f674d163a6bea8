//! Outcome metrics: one row per tick for the city, per neighbourhood and per
//! SES quintile, and the equity measures they use. All need-based metrics
//! count hidden need: what nobody reported is still need.

mod definitions;
mod equity;

pub use definitions::{DEFINITIONS, Definition, definition};
pub use equity::{concentration_index, gini, percentile};

use serde::Serialize;

/// The city as a whole in one tick; one row of timeseries.csv.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CityRow {
    /// The week, counted from 0.
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
    /// A share of what is still open: it can fall while hidden needs rise
    /// (read it with `hidden_need_per_1000`).
    pub hidden_need_share: f64,
    /// Open needs nobody reported at the end of the tick, per 1,000 residents.
    pub hidden_need_per_1000: f64,
    /// Share of the needs that arose this tick that nobody reported, 0-1.
    pub unreported_share: f64,
    /// Open needs at the end of the tick.
    pub backlog: u64,
    /// Needs that gave up unserved this tick.
    pub lapsed: u64,
    /// Median and 90th percentile wait of the needs served this tick, in ticks.
    pub wait_p50: f64,
    /// 90th percentile wait of the needs served this tick, in ticks (weeks);
    /// NaN when none were served.
    pub wait_p90: f64,
    /// Gini of per-capita service across neighbourhoods (population-weighted).
    pub gini_service: f64,
    /// Need-weighted coefficient of variation of coverage across
    /// neighbourhoods: 0 when every neighbourhood is served alike (MODEL.md
    /// "A fair contest"); NaN when no neighbourhood closed a need.
    pub coverage_dispersion: f64,
    /// Elite capture: discretionary money (grants, participatory budgeting,
    /// block grants, capacity planned by participants' votes) per unit of
    /// expected need where the top SES fifth lives, over the same for the
    /// bottom fifth; 1 is even, above 1 favours the better-off; NaN when no
    /// money is discretionary.
    pub capture: f64,
    /// Coverage of the top SES quintile minus that of the bottom: above 0
    /// means the better-off get more of their need met.
    pub access_gap: f64,
    /// Concentration index of service per resident by SES: below 0 is pro-poor.
    pub concentration_index: f64,
    /// Concentration index of public spending per resident across
    /// neighbourhoods ranked by SES: below 0, money goes to poorer areas.
    pub investment_concentration: f64,
    /// Mean satisfaction, `w1 perf + w2 (perf - expectation)` (Van Ryzin
    /// 2004); not bounded to 0-1 (about -0.5 to 1.5 with the defaults).
    pub satisfaction: f64,
    /// Mean trust in local government, 0-1.
    pub trust: f64,
    /// Trust of the top SES quintile minus the bottom.
    pub trust_gap_ses: f64,
    /// Mean trust of residents volunteering this tick, 0-1; NaN when none do.
    pub trust_participants: f64,
    /// Mean trust of residents not volunteering this tick, 0-1; NaN when
    /// all do.
    pub trust_non_participants: f64,
    /// Share of residents volunteering this tick, 0-1.
    pub participation_rate: f64,
    /// Participation of the top SES quintile over the bottom.
    pub participation_ratio: f64,
    /// Hours volunteers gave this tick, city total (effort share times
    /// `volunteer_hours`, summed).
    pub volunteer_hours: f64,
    /// Share of volunteers with burnout above one half.
    pub burnout_share: f64,
    /// Mean effort of volunteers, as a share of the hours they could give.
    pub effort_share: f64,
    /// Share of the volunteers at the start of the last budget cycle still
    /// volunteering at its end; NaN during the first cycle.
    pub volunteer_retention: f64,
    /// Community organizations alive at the end of the tick.
    pub organizations: u64,
    /// Organizations founded this tick.
    pub organizations_founded: u64,
    /// Organizations dissolved this tick.
    pub organizations_dissolved: u64,
    /// Better practices found by organizations, and adopted by the agency,
    /// since the start.
    pub innovations_found: u64,
    /// Innovations the agency has adopted since the start.
    pub innovations_adopted: u64,
    /// Organizations' money this tick: public grants, their own
    /// fundraising, private donations.
    pub org_grants: f64,
    /// Organizations' own fundraising this tick, after crowd-out, all
    /// neighbourhoods (money per week).
    pub org_fundraising: f64,
    /// Private donations to organizations this tick, after crowd-out and
    /// donor response, all neighbourhoods (money per week).
    pub org_donations: f64,
    /// Public money spent this tick, all domains.
    pub public_spend: f64,
    /// Public money spent per need served this tick; NaN when none was served.
    pub public_cost_per_unit: f64,
    /// Every cost per unit served: public money (agency delivery, grants,
    /// outreach, staff coordination), organizations' own fundraising and
    /// donations, and volunteer hours at the shadow wage; NaN when none was served.
    pub total_cost_per_unit: f64,
    /// Agency staff money spent on co-production this tick: supporting
    /// volunteers and administering grants, votes and block grants (part
    /// of `public_spend`).
    pub coordination_cost: f64,
    /// Volunteer hours delivered this tick (pledged hours times
    /// `volunteer_reliability`) at the shadow wage, in money, to set beside
    /// `public_spend`.
    pub volunteer_value: f64,
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
    /// The week, counted from 0.
    pub tick: u32,
    /// The neighbourhood's index, from 0.
    pub neighbourhood: usize,
    /// Grid column on the map, from 0.
    pub column: u32,
    /// Grid row on the map, from 0.
    pub row: u32,
    /// The neighbourhood's name: the map's, or `n<index>` in a generated city.
    pub name: String,
    /// Its centroid's longitude on a map (WGS84); the grid cell centre's
    /// column + 0.5 in a generated city.
    pub centroid_x: f64,
    /// Its centroid's latitude on a map (WGS84); the grid cell centre's
    /// row + 0.5 in a generated city.
    pub centroid_y: f64,
    /// Residents living in the neighbourhood.
    pub residents: u32,
    /// The neighbourhood's mean SES as drawn, 0.05-0.95.
    pub ses_mean: f64,
    /// Needs that arose here this tick, all domains.
    pub needs_arisen: u64,
    /// Needs served here this tick, reported and hidden.
    pub served: u64,
    /// Of the needs closed here this tick, the share served rather than
    /// lapsed, 0-1; NaN when none closed.
    pub coverage: f64,
    /// Share of open needs at the end of the tick that nobody reported, 0-1;
    /// NaN when none are open.
    pub hidden_need_share: f64,
    /// Open needs nobody reported at the end of the tick, per 1,000 residents.
    pub hidden_need_per_1000: f64,
    /// Open needs at the end of the tick.
    pub backlog: u64,
    /// Open needs per resident at the end of the tick.
    pub unmet_need_per_capita: f64,
    /// Needs served this tick per resident.
    pub service_per_capita: f64,
    /// Mean satisfaction of its residents (see [`CityRow::satisfaction`]).
    pub satisfaction: f64,
    /// Mean trust of its residents, 0-1.
    pub trust: f64,
    /// Share of its residents volunteering this tick, 0-1.
    pub participation_rate: f64,
    /// Hours its resident volunteers gave this tick.
    pub volunteer_hours: f64,
    /// Community organizations alive here at the end of the tick.
    pub organizations: u64,
    /// Public money spent in the neighbourhood this tick.
    pub public_spend: f64,
    /// Median wait of the needs served here this tick, in ticks (weeks);
    /// NaN when none were served.
    pub wait_p50: f64,
}

/// One SES quintile (1 = poorest fifth) in one tick; one row of quintiles.csv.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuintileRow {
    /// The week, counted from 0.
    pub tick: u32,
    /// The SES fifth, 1 (poorest) to 5 (richest).
    pub quintile: usize,
    /// Residents in this fifth.
    pub residents: u64,
    /// Needs that arose to its residents this tick, all domains.
    pub needs_arisen: u64,
    /// Needs of its residents served this tick.
    pub served: u64,
    /// Of its residents' needs closed this tick, the share served rather than
    /// lapsed, 0-1; NaN when none closed.
    pub coverage: f64,
    /// Share of its residents' open needs at the end of the tick that nobody
    /// reported, 0-1; NaN when none are open.
    pub hidden_need_share: f64,
    /// Open needs nobody reported at the end of the tick, per 1,000
    /// residents of this fifth.
    pub hidden_need_per_1000: f64,
    /// Needs served this tick per resident.
    pub service_per_capita: f64,
    /// Mean satisfaction of its residents (see [`CityRow::satisfaction`]).
    pub satisfaction: f64,
    /// Mean trust of its residents, 0-1.
    pub trust: f64,
    /// Share of its residents volunteering this tick, 0-1.
    pub participation_rate: f64,
}

/// Everything measured in one tick.
#[derive(Clone, Debug, PartialEq)]
pub struct TickRecord {
    /// The city as a whole.
    pub city: CityRow,
    /// One row per neighbourhood, in index order.
    pub neighbourhoods: Vec<NeighbourhoodRow>,
    /// Five rows, one per SES fifth, poorest first.
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
    "hidden_need_per_1000",
    "wait_p50",
    "access_gap",
    "trust",
    "participation_rate",
];

/// The metrics `coserve compare` prints, averaged after the warm-up: coverage,
/// equity, experience and cost. compare.csv holds every metric.
pub const TABLE_METRICS: &[&str] = &[
    "coverage",
    "hidden_need_per_1000",
    "wait_p50",
    "access_gap",
    "coverage_dispersion",
    "capture",
    "satisfaction",
    "trust",
    "participation_rate",
    "public_cost_per_unit",
    "coordination_cost",
    "total_cost_per_unit",
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
