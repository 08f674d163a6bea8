//! What each city metric measures, and in which unit: the glossary every
//! report prints under its tables, one entry per column of timeseries.csv.
//! The field docs of [`super::CityRow`] say the same at more length.

/// One metric's unit and meaning, in plain words for a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Definition {
    /// The column name, e.g. `coverage`.
    pub name: &'static str,
    /// Its unit: `share (0-1)`, `weeks`, `money/week` (the scenario's
    /// currency, as `budget_per_resident` is written in), ...
    pub unit: &'static str,
    /// What it measures, in one sentence.
    pub meaning: &'static str,
}

macro_rules! definitions {
    ($($name:ident: $unit:literal, $meaning:literal;)*) => {
        /// Every city metric, in the order of timeseries.csv's columns.
        pub const DEFINITIONS: &[Definition] = &[
            $(Definition { name: stringify!($name), unit: $unit, meaning: $meaning },)*
        ];
    };
}

definitions! {
    needs_arisen: "needs/week", "needs that arose this week, reported or not";
    served: "needs/week", "needs served this week, by the agency or by organizations";
    coverage: "share (0-1)", "of the needs that closed this week, the share served rather than given up on";
    hidden_need_share: "share (0-1)", "share of the needs still open that nobody reported";
    hidden_need_per_1000: "needs per 1,000 residents", "open needs nobody reported, per 1,000 residents: real need the agency cannot see";
    unreported_share: "share (0-1)", "share of this week's new needs that nobody reported";
    backlog: "needs", "needs open at the end of the week";
    lapsed: "needs/week", "needs given up on unserved this week";
    wait_p50: "weeks", "median wait of the needs served this week";
    wait_p90: "weeks", "90th percentile wait of the needs served this week";
    gini_service: "index (0-1)", "Gini of service per resident across neighbourhoods, population-weighted";
    coverage_dispersion: "ratio", "need-weighted coefficient of variation of coverage across neighbourhoods; 0 = served alike";
    capture: "ratio", "discretionary money per unit of expected need where the richest fifth lives over the same for the poorest fifth; 1 = even, above 1 favours the better-off";
    access_gap: "share points", "coverage of the richest SES fifth minus the poorest; above 0 favours the better-off";
    concentration_index: "index (-1 to 1)", "concentration index of service per resident by SES; below 0 is pro-poor";
    investment_concentration: "index (-1 to 1)", "concentration index of public spending per resident across neighbourhoods ranked by SES; below 0, money goes to poorer areas";
    satisfaction: "score (about -0.5 to 1.5)", "mean satisfaction: weighted performance plus performance against expectation (Van Ryzin 2004)";
    trust: "share (0-1)", "mean trust in local government";
    trust_gap_ses: "share points", "trust of the richest SES fifth minus the poorest";
    trust_participants: "share (0-1)", "mean trust of residents volunteering this week";
    trust_non_participants: "share (0-1)", "mean trust of residents not volunteering this week";
    participation_rate: "share (0-1)", "share of residents volunteering this week";
    participation_ratio: "ratio", "participation of the richest SES fifth over the poorest";
    volunteer_hours: "hours/week", "hours volunteers gave this week, city total";
    burnout_share: "share (0-1)", "share of volunteers with burnout above one half";
    effort_share: "share (0-1)", "volunteers' mean effort, as a share of the hours they could give";
    volunteer_retention: "share (0-1)", "share of the volunteers at the start of the last budget cycle still volunteering at its end";
    organizations: "organizations", "community organizations alive at the end of the week";
    organizations_founded: "organizations/week", "organizations founded this week";
    organizations_dissolved: "organizations/week", "organizations dissolved this week";
    innovations_found: "innovations", "better practices organizations have found since the start";
    innovations_adopted: "innovations", "innovations the agency has adopted since the start";
    org_grants: "money/week", "organizations' money this week: public grants, own fundraising and donations";
    org_fundraising: "money/week", "organizations' own fundraising this week, after crowd-out";
    org_donations: "money/week", "private donations to organizations this week, after crowd-out";
    public_spend: "money/week", "public money spent this week, all domains";
    public_cost_per_unit: "money per need served", "public money spent per need served this week";
    total_cost_per_unit: "money per need served", "every cost per need served: public money, organizations' own money, and volunteer hours at the shadow wage";
    coordination_cost: "money/week", "agency staff money spent supporting volunteers and administering grants, votes and block grants (part of public_spend)";
    volunteer_value: "money/week", "volunteer hours delivered this week, at the shadow wage";
    leakage: "money/week", "public money lost to leakage this week";
    leakage_share: "share (0-1)", "leakage as a share of the public money that can leak";
    leakage_detected_share: "share (0-1)", "share of leakage that audits detected";
}

/// The definition of `metric` (a column of timeseries.csv, or the same with
/// `_mean` or `_end` after it); `None` for any other name.
pub fn definition(metric: &str) -> Option<&'static Definition> {
    let base = metric
        .strip_suffix("_mean")
        .or_else(|| metric.strip_suffix("_end"))
        .unwrap_or(metric);
    DEFINITIONS.iter().find(|d| d.name == base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_column_is_defined_once_in_column_order() {
        let names: Vec<&str> = DEFINITIONS.iter().map(|d| d.name).collect();
        assert_eq!(names, super::super::metric_names());
    }

    #[test]
    fn summary_columns_find_their_metric_and_others_find_nothing() {
        assert_eq!(definition("trust_mean").map(|d| d.name), Some("trust"));
        assert_eq!(definition("wait_p50_end").map(|d| d.unit), Some("weeks"));
        assert_eq!(definition("tick"), None);
        assert_eq!(definition("coverge"), None);
    }
}
