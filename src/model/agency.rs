//! Public agencies: where each domain's budget goes, what leaks, and how the
//! agency spreads its capacity across neighbourhoods from what it can see.

use crate::governance::{Allocation, Knobs};
use crate::scenario::{Behaviour, DomainSpec};

/// One domain's budget for one tick, split by destination (money per week).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DomainBudget {
    /// The whole budget, `budget_per_resident * residents * budget_scale`.
    pub total: f64,
    /// Spent on outreach: `outreach * outreach_cost_share * total`.
    pub outreach: f64,
    /// Granted to community organizations: `org_funding_share * total`.
    pub grants: f64,
    /// Allocated by participatory budgeting: `pb_share * total`, before leakage.
    pub participatory: f64,
    /// Block grants to neighbourhood councils, per capita: `devolved_share * total`.
    pub devolved: f64,
    /// Agency staff time that co-production takes, paid from the budget:
    /// `coordination_cost_per_hour` per volunteer hour supported plus
    /// `grant_admin_share` of the money granted, voted or devolved (Bovaird
    /// 2007; Handy & Srinivasan 2004); at most what the other shares leave.
    pub coordination: f64,
    /// Spent on the agency's own delivery or on contracts.
    pub delivery: f64,
    /// Lost to leakage before it buys service: delivery and participatory
    /// money at the agency's rate, granted and devolved money at the
    /// thinner-audited rate.
    pub leakage: f64,
    /// Share of delivery and participatory money that leaks, 0-1:
    /// `leakage_base (1 - audit_effect audit) (1 - community_monitoring participation)`
    /// (Olken 2007).
    pub agency_leak_rate: f64,
    /// Share of granted and devolved money that leaks, 0-1: as the agency's,
    /// with the audit effect scaled by `grant_audit_reach`.
    pub grant_leak_rate: f64,
    /// Cost of one unit of service after economies of scale.
    pub unit_cost: f64,
}

impl DomainBudget {
    /// `participation` is the share of residents volunteering (grassroots
    /// monitoring cuts leakage a little, Olken 2007); `volunteer_hours` the
    /// volunteer hours given to this domain last week, which agency staff
    /// support.
    pub fn new(
        d: &DomainSpec,
        residents: u64,
        k: &Knobs,
        b: &Behaviour,
        participation: f64,
        volunteer_hours: f64,
    ) -> Self {
        let total = d.budget_per_resident * residents as f64 * k.budget_scale;
        let outreach = k.outreach * b.outreach_cost_share * total;
        let grants = k.org_funding_share * total;
        let participatory = k.pb_share * total;
        let devolved = k.devolved_share * total;
        let left = (total - outreach - grants - participatory - devolved).max(0.0);
        let coordination = (b.coordination_cost_per_hour * volunteer_hours
            + b.grant_admin_share * (grants + participatory + devolved))
            .min(left);
        let delivery = left - coordination;
        let monitoring = 1.0 - b.community_monitoring * participation;
        let agency_leak_rate = b.leakage_base * (1.0 - b.audit_effect * k.audit) * monitoring;
        let grant_leak_rate =
            b.leakage_base * (1.0 - b.audit_effect * k.audit * b.grant_audit_reach) * monitoring;
        let scale = (residents as f64 / 100_000.0).max(1e-6);
        DomainBudget {
            total,
            outreach,
            grants,
            participatory,
            devolved,
            coordination,
            delivery,
            leakage: agency_leak_rate * (delivery + participatory)
                + grant_leak_rate * (grants + devolved),
            agency_leak_rate,
            grant_leak_rate,
            unit_cost: d.unit_cost * scale.powf(-b.scale_economies),
        }
    }

    /// Share of `delivery` and `participatory` that survives leakage.
    pub fn kept_share(&self) -> f64 {
        1.0 - self.agency_leak_rate
    }

    /// Share of `grants` and `devolved` that survives leakage.
    pub fn granted_kept_share(&self) -> f64 {
        1.0 - self.grant_leak_rate
    }

    /// Money that can leak: everything but outreach and staff time.
    pub fn leakable(&self) -> f64 {
        self.delivery + self.participatory + self.grants + self.devolved
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
    /// Residents of the neighbourhood who take part (volunteers) last week.
    pub participants: f64,
}

/// Shares of agency capacity per neighbourhood (summing to 1): `floor` of it
/// by expected need (population times need index), so that every
/// neighbourhood is guaranteed a minimum *service level*, a share of its
/// need (MODEL.md's `floor`); then `say` (0-1) of the rest where
/// participants vote ([`participant_votes`]); the remainder by the
/// allocation rule.
pub fn plan_shares(
    allocation: Allocation,
    floor: f64,
    say: f64,
    view: &[PlanningView],
) -> Vec<f64> {
    let per_capita = normalise(view.iter().map(|v| v.population).collect(), None);
    let by_need = normalise(
        view.iter().map(|v| v.population * v.need_index).collect(),
        Some(&per_capita),
    );
    let by_rule = match allocation {
        Allocation::PerCapita => per_capita,
        Allocation::NeedWeighted => by_need.clone(),
        Allocation::ReportsFifo => normalise(
            view.iter().map(|v| v.reported_last_cycle).collect(),
            Some(&per_capita),
        ),
        Allocation::Vote => normalise(view.iter().map(|v| v.votes).collect(), Some(&per_capita)),
    };
    let voted = participant_votes(allocation, view);
    by_need
        .iter()
        .zip(by_rule)
        .zip(voted)
        .map(|((p, r), v)| floor * p + (1.0 - floor) * ((1.0 - say) * r + say * v))
        .collect()
}

/// Where participants' say sends capacity, summing to 1: each participant
/// votes for their own neighbourhood, so capacity follows who takes part
/// (richer, better-connected residents: elite capture, Platteau 2004),
/// unless need-weighted rules bind (`need_weighted` or `vote` allocation),
/// which weight each vote by its neighbourhood's need index.
pub fn participant_votes(allocation: Allocation, view: &[PlanningView]) -> Vec<f64> {
    let need_weighted = matches!(allocation, Allocation::NeedWeighted | Allocation::Vote);
    let per_capita = normalise(view.iter().map(|v| v.population).collect(), None);
    normalise(
        view.iter()
            .map(|v| v.participants * if need_weighted { v.need_index } else { 1.0 })
            .collect(),
        Some(&per_capita),
    )
}

/// Open needs of one (neighbourhood, domain) cell when capacity is spread.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenNeeds {
    /// Reported needs still open.
    pub reported: f64,
    /// Of those, reported at least `lag` weeks ago: the agency may act on them.
    pub eligible: f64,
    /// Needs nobody reported, still open.
    pub hidden: f64,
}

/// Capacity in one cell this tick, in units of service (one unit meets one need).
#[derive(Clone, Copy, Debug, Default)]
pub struct Capacity {
    /// The agency's capacity for answering reports.
    pub reactive: f64,
    /// The agency's capacity on routine rounds.
    pub routine: f64,
    /// Organizations' and volunteers' capacity.
    pub community: f64,
}

/// Needs met in one cell this tick.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Met {
    /// Reported needs met.
    pub reported: f64,
    /// Hidden needs met.
    pub hidden: f64,
}

/// Who meets which open needs, in this order: the agency answers eligible
/// reports; its routine rounds meet what is still open, reported or not,
/// pro rata at `routine_efficiency`; organizations, who see true need, meet
/// hidden need weighted by their local-knowledge gain `kappa` and the rest
/// from reports; the agency's spare reactive capacity finds hidden need at
/// `proactive_efficiency`. Never more than is open.
pub fn meet_needs(open: OpenNeeds, capacity: Capacity, kappa: f64, b: &Behaviour) -> Met {
    let answered = capacity.reactive.min(open.eligible);
    let spare = capacity.reactive - answered;
    let mut reported_left = open.reported - answered;
    let mut hidden_left = open.hidden;
    let pool = reported_left + hidden_left;
    let rounds = (capacity.routine * b.routine_efficiency).min(pool);
    let (round_reported, round_hidden) = if pool > 0.0 {
        (rounds * reported_left / pool, rounds * hidden_left / pool)
    } else {
        (0.0, 0.0)
    };
    reported_left -= round_reported;
    hidden_left -= round_hidden;
    let weight_hidden = kappa * hidden_left;
    let to_hidden = if weight_hidden > 0.0 {
        capacity.community * weight_hidden / (weight_hidden + reported_left)
    } else {
        0.0
    };
    let community_hidden = to_hidden.min(hidden_left);
    let community_reported = (capacity.community - community_hidden).min(reported_left);
    let proactive = (spare * b.proactive_efficiency).min(hidden_left - community_hidden);
    Met {
        reported: answered + round_reported + community_reported,
        hidden: round_hidden + community_hidden + proactive,
    }
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
            participants: 0.0,
        }
    }

    #[test]
    fn reports_fifo_follows_reports_and_floor_guarantees_a_minimum() {
        let v = [view(100.0, 1.8, 10.0), view(100.0, 1.2, 30.0)];
        let fifo = plan_shares(Allocation::ReportsFifo, 0.0, 0.0, &v);
        assert!((fifo[0] - 0.25).abs() < 1e-12);
        let need = plan_shares(Allocation::NeedWeighted, 0.0, 0.0, &v);
        assert!(need[0] > need[1]);
        let floored = plan_shares(Allocation::ReportsFifo, 1.0, 0.0, &v);
        assert!((floored[0] - 0.6).abs() < 1e-12, "by need: 1.8 of 3.0");
        let total: f64 = plan_shares(Allocation::Vote, 0.3, 0.5, &v).iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn audits_cut_leakage() {
        let d = &crate::scenario::default_domains()[0];
        let b = Behaviour::default();
        let mut k = crate::governance::preset("public").unwrap().knobs();
        k.audit = 0.04;
        let low = DomainBudget::new(d, 100_000, &k, &b, 0.0, 0.0);
        k.audit = 1.0;
        let high = DomainBudget::new(d, 100_000, &k, &b, 0.0, 0.0);
        assert!(low.leakage > high.leakage);
        assert!(high.delivery_units(&k) > low.delivery_units(&k));
        // Granted money: audits reach it less.
        k.org_funding_share = 0.25;
        let granted = DomainBudget::new(d, 100_000, &k, &b, 0.0, 0.0);
        assert!(granted.grant_leak_rate > granted.agency_leak_rate);
    }

    #[test]
    fn co_production_takes_staff_time_from_delivery() {
        let d = &crate::scenario::default_domains()[0];
        let b = Behaviour::default();
        let k = crate::governance::preset("public").unwrap().knobs();
        let none = DomainBudget::new(d, 100_000, &k, &b, 0.0, 0.0);
        let some = DomainBudget::new(d, 100_000, &k, &b, 0.0, 1000.0);
        let cost = none.delivery - some.delivery;
        assert!((cost - 1000.0 * b.coordination_cost_per_hour).abs() < 1e-9);
        assert_eq!(some.coordination, cost);
    }

    #[test]
    fn participants_pull_capacity_home_unless_need_weighted() {
        // Two equal neighbourhoods; the richer (lower need) has the participants.
        let mut v = [view(100.0, 1.2, 10.0), view(100.0, 1.8, 10.0)];
        v[0].participants = 30.0;
        v[1].participants = 10.0;
        let captured = plan_shares(Allocation::ReportsFifo, 0.0, 0.5, &v);
        assert!(captured[0] > 0.6, "{captured:?}");
        let weighted = participant_votes(Allocation::NeedWeighted, &v);
        let plain = participant_votes(Allocation::ReportsFifo, &v);
        assert!(weighted[1] > plain[1]);
    }

    #[test]
    fn routine_rounds_reach_hidden_need_and_nothing_is_met_twice() {
        let b = Behaviour::default();
        let open = OpenNeeds {
            reported: 10.0,
            eligible: 10.0,
            hidden: 30.0,
        };
        let only_reports = meet_needs(
            open,
            Capacity {
                reactive: 10.0,
                ..Capacity::default()
            },
            1.5,
            &b,
        );
        assert_eq!(only_reports.hidden, 0.0);
        let rounds = meet_needs(
            open,
            Capacity {
                reactive: 10.0,
                routine: 10.0,
                community: 0.0,
            },
            1.5,
            &b,
        );
        assert!(rounds.hidden > 0.0 && rounds.reported == 10.0);
        let flooded = meet_needs(
            open,
            Capacity {
                reactive: 1e6,
                routine: 1e6,
                community: 1e6,
            },
            1.5,
            &b,
        );
        assert!(flooded.reported <= 10.0 + 1e-9 && flooded.hidden <= 30.0 + 1e-9);
    }
}
