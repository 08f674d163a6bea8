//! Public agencies: where each domain's budget goes, what leaks, and how the
//! agency spreads its capacity across neighbourhoods from what it can see.

use crate::governance::{Allocation, Knobs};
use crate::scenario::{Behaviour, DomainSpec};

/// One domain's budget for one tick, split by destination.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DomainBudget {
    /// The whole budget, `budget_per_resident * residents * budget_scale`
    /// (money per week).
    pub total: f64,
    /// Spent on outreach: `outreach * outreach_cost_share * total`.
    pub outreach: f64,
    /// Granted to community organizations: `org_funding_share * total`.
    pub grants: f64,
    /// Allocated by participatory budgeting: `pb_share * total`, before leakage.
    pub participatory: f64,
    /// Block grants to neighbourhood councils, per capita: `devolved_share * total`.
    pub devolved: f64,
    /// Spent on the agency's own delivery or on contracts.
    pub delivery: f64,
    /// Lost from delivery and participatory budgeting before it buys service.
    pub leakage: f64,
    /// Cost of one unit of service after economies of scale.
    pub unit_cost: f64,
}

impl DomainBudget {
    /// `participation` is the share of residents volunteering: grassroots
    /// monitoring, which cuts leakage a little (Olken 2007).
    pub fn new(
        d: &DomainSpec,
        residents: u64,
        k: &Knobs,
        b: &Behaviour,
        participation: f64,
    ) -> Self {
        let total = d.budget_per_resident * residents as f64 * k.budget_scale;
        let outreach = k.outreach * b.outreach_cost_share * total;
        let grants = k.org_funding_share * total;
        let participatory = k.pb_share * total;
        let devolved = k.devolved_share * total;
        let delivery = (total - outreach - grants - participatory - devolved).max(0.0);
        let leak_rate = b.leakage_base
            * (1.0 - b.audit_effect * k.audit)
            * (1.0 - b.community_monitoring * participation);
        let scale = (residents as f64 / 100_000.0).max(1e-6);
        DomainBudget {
            total,
            outreach,
            grants,
            participatory,
            devolved,
            delivery,
            leakage: leak_rate * (delivery + participatory),
            unit_cost: d.unit_cost * scale.powf(-b.scale_economies),
        }
    }

    /// Share of `delivery` and `participatory` that survives leakage.
    pub fn kept_share(&self) -> f64 {
        let handled = self.delivery + self.participatory;
        if handled > 0.0 {
            1.0 - self.leakage / handled
        } else {
            1.0
        }
    }

    /// Units of service the delivery money buys: from the agency itself, or
    /// from organizations under contract (`contract_price > 0`).
    pub fn delivery_units(&self, k: &Knobs) -> f64 {
        let money = self.delivery * self.kept_share();
        if k.contract_price > 0.0 {
            money * (1.0 - k.monitoring_cost) / (k.contract_price * self.unit_cost)
        } else {
            money / self.unit_cost
        }
    }
}

/// What the agency knows of one neighbourhood when it plans.
#[derive(Clone, Copy, Debug)]
pub struct PlanningView {
    /// Residents of the neighbourhood.
    pub population: f64,
    /// `1 + need_gradient * (1 - ses_mean)`: the agency knows where need is
    /// higher.
    pub need_index: f64,
    /// Needs reported in this domain during the last budget cycle.
    pub reported_last_cycle: f64,
    /// Assembly votes: participants weighted by their neighbourhood's unmet need.
    pub votes: f64,
}

/// Shares of agency capacity per neighbourhood (summing to 1): `floor` of it
/// per capita, the rest by the allocation rule.
pub fn plan_shares(allocation: Allocation, floor: f64, view: &[PlanningView]) -> Vec<f64> {
    let per_capita = normalise(view.iter().map(|v| v.population).collect(), None);
    let by_rule = match allocation {
        Allocation::PerCapita => per_capita.clone(),
        Allocation::NeedWeighted => normalise(
            view.iter().map(|v| v.population * v.need_index).collect(),
            Some(&per_capita),
        ),
        Allocation::ReportsFifo => normalise(
            view.iter().map(|v| v.reported_last_cycle).collect(),
            Some(&per_capita),
        ),
        Allocation::Vote => normalise(view.iter().map(|v| v.votes).collect(), Some(&per_capita)),
    };
    per_capita
        .iter()
        .zip(by_rule)
        .map(|(p, r)| floor * p + (1.0 - floor) * r)
        .collect()
}

/// Scales to sum 1; with nothing to go on, falls back to `fallback`.
pub fn normalise(values: Vec<f64>, fallback: Option<&[f64]>) -> Vec<f64> {
    let total: f64 = values.iter().sum();
    if total > 0.0 {
        values.into_iter().map(|v| v / total).collect()
    } else if let Some(f) = fallback {
        f.to_vec()
    } else {
        let n = values.len().max(1) as f64;
        vec![1.0 / n; values.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(population: f64, need_index: f64, reported: f64) -> PlanningView {
        PlanningView {
            population,
            need_index,
            reported_last_cycle: reported,
            votes: 0.0,
        }
    }

    #[test]
    fn reports_fifo_follows_reports_and_floor_guarantees_a_minimum() {
        let v = [view(100.0, 1.8, 10.0), view(100.0, 1.2, 30.0)];
        let fifo = plan_shares(Allocation::ReportsFifo, 0.0, &v);
        assert!((fifo[0] - 0.25).abs() < 1e-12);
        let need = plan_shares(Allocation::NeedWeighted, 0.0, &v);
        assert!(need[0] > need[1]);
        let floored = plan_shares(Allocation::ReportsFifo, 1.0, &v);
        assert!((floored[0] - 0.5).abs() < 1e-12);
        let total: f64 = plan_shares(Allocation::Vote, 0.3, &v).iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn audits_cut_leakage() {
        let d = &crate::scenario::default_domains()[0];
        let b = Behaviour::default();
        let mut k = crate::governance::preset("public").unwrap().knobs();
        k.audit = 0.04;
        let low = DomainBudget::new(d, 100_000, &k, &b, 0.0);
        k.audit = 1.0;
        let high = DomainBudget::new(d, 100_000, &k, &b, 0.0);
        assert!(low.leakage > high.leakage);
        assert!(high.delivery_units(&k) > low.delivery_units(&k));
    }
}
