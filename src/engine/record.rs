//! The rows a tick writes: per neighbourhood, per SES fifth, and the city
//! as the sum of its neighbourhoods (equity measures from `metrics`).

use super::passes::{self, NeedsTally, ResponseTally};
use super::{Allocated, MAX_AGE, Simulation};
use crate::metrics::{self, CityRow, NeighbourhoodRow, QuintileRow, TickRecord, ratio};

impl Simulation {
    /// The tick's rows from its tallies, allocation and waits by age.
    pub(super) fn record(
        &self,
        needs: &NeedsTally,
        response: &ResponseTally,
        allocation: &Allocated,
        waits: &[Vec<u64>],
        founded: u64,
        dissolved: u64,
    ) -> TickRecord {
        let s = &self.scenario;
        let tick = self.tick;
        let mut city_waits = vec![0u64; MAX_AGE + 1];
        for w in waits {
            for (a, b) in city_waits.iter_mut().zip(w) {
                *a += b;
            }
        }
        let neighbourhoods = self.neighbourhood_rows(needs, response, allocation, waits);
        let quintiles = quintile_rows(tick, needs, response);
        // The city is the sum of its neighbourhoods.
        let all = response
            .hoods
            .iter()
            .fold(passes::GroupTally::default(), |mut acc, g| {
                acc.add(g);
                acc
            });
        let pop = all.residents as f64;
        let lapsed: u64 = response
            .cells
            .iter()
            .map(|c| c.lapsed_reported + c.lapsed_hidden)
            .sum();
        let public_spend: f64 = allocation.spend.iter().sum();
        let service: Vec<f64> = neighbourhoods
            .iter()
            .map(|r| r.service_per_capita)
            .collect();
        let weights: Vec<f64> = neighbourhoods.iter().map(|r| r.residents as f64).collect();
        let q_service: Vec<f64> = quintiles.iter().map(|r| r.service_per_capita).collect();
        let q_weights: Vec<f64> = quintiles.iter().map(|r| r.residents as f64).collect();
        let (bottom, top) = (&quintiles[0], &quintiles[4]);
        let non_participants = pop - all.participants as f64;
        // Hours pledged but not delivered (no-shows) cost volunteers nothing.
        let b = &s.behaviour;
        let volunteer_value = all.volunteer_hours * b.volunteer_reliability * b.shadow_wage;
        let city = CityRow {
            tick,
            needs_arisen: needs.arisen_by_quintile.iter().sum(),
            served: all.served,
            coverage: ratio(all.served as f64, (all.served + all.lapsed) as f64),
            hidden_need_share: ratio(all.hidden_end as f64, all.pending_end() as f64),
            hidden_need_per_1000: 1000.0 * all.hidden_end as f64 / pop,
            unreported_share: ratio(
                needs.new_hidden.iter().sum::<u64>() as f64,
                needs.arisen_by_quintile.iter().sum::<u64>() as f64,
            ),
            backlog: all.pending_end(),
            lapsed,
            wait_p50: metrics::percentile(&city_waits, 0.5),
            wait_p90: metrics::percentile(&city_waits, 0.9),
            gini_service: metrics::gini(&service, &weights),
            coverage_dispersion: coverage_dispersion(&neighbourhoods),
            capture: self.capture(&allocation.discretionary),
            access_gap: top.coverage - bottom.coverage,
            concentration_index: metrics::concentration_index(&q_service, &q_weights),
            investment_concentration: {
                let mut by_ses: Vec<(f64, f64, f64)> = self
                    .city
                    .neighbourhoods
                    .iter()
                    .map(|h| {
                        (
                            h.ses_mean,
                            allocation.spend[h.index] / h.population as f64,
                            h.population as f64,
                        )
                    })
                    .collect();
                by_ses.sort_by(|a, b| a.0.total_cmp(&b.0));
                let spend: Vec<f64> = by_ses.iter().map(|x| x.1).collect();
                let pops: Vec<f64> = by_ses.iter().map(|x| x.2).collect();
                metrics::concentration_index(&spend, &pops)
            },
            satisfaction: all.satisfaction / pop,
            trust: all.trust / pop,
            trust_gap_ses: top.trust - bottom.trust,
            trust_participants: ratio(all.trust_participants, all.participants as f64),
            trust_non_participants: ratio(all.trust - all.trust_participants, non_participants),
            participation_rate: all.participants as f64 / pop,
            participation_ratio: ratio(top.participation_rate, bottom.participation_rate),
            volunteer_hours: all.volunteer_hours,
            burnout_share: ratio(all.burnt_out as f64, all.participants as f64),
            effort_share: ratio(all.effort, all.participants as f64),
            volunteer_retention: self.retention,
            organizations: self.hoods.iter().map(|h| h.organizations as u64).sum(),
            organizations_founded: founded,
            organizations_dissolved: dissolved,
            innovations_found: self.innovations_found,
            innovations_adopted: self.innovations_adopted as u64,
            org_grants: allocation.grants,
            org_fundraising: allocation.fundraising,
            org_donations: allocation.donations,
            public_spend,
            public_cost_per_unit: ratio(public_spend, all.served as f64),
            total_cost_per_unit: ratio(
                public_spend + allocation.fundraising + allocation.donations + volunteer_value,
                all.served as f64,
            ),
            coordination_cost: allocation.coordination,
            volunteer_value,
            leakage: allocation.leakage,
            leakage_share: allocation.leakage_share,
            leakage_detected_share: if allocation.leakage > 0.0 {
                self.knobs.audit
            } else {
                f64::NAN
            },
        };
        TickRecord {
            city,
            neighbourhoods,
            quintiles,
        }
    }

    /// Discretionary money per unit of expected need where the top SES
    /// fifth lives, over the same where the bottom fifth lives.
    fn capture(&self, discretionary: &[f64]) -> f64 {
        let (mut money, mut need) = ([0.0; 2], [0.0; 2]);
        for (h, fifths) in self.city.neighbourhoods.iter().zip(&self.hood_fifths) {
            let expected_need = h.population as f64 * h.need_index;
            for (side, fifth) in [fifths[0], fifths[4]].into_iter().enumerate() {
                money[side] += discretionary[h.index] * fifth;
                need[side] += expected_need * fifth;
            }
        }
        if money.iter().sum::<f64>() <= 0.0 {
            return f64::NAN;
        }
        ratio(ratio(money[1], need[1]), ratio(money[0], need[0]))
    }

    /// One row per neighbourhood.
    fn neighbourhood_rows(
        &self,
        needs: &NeedsTally,
        response: &ResponseTally,
        allocation: &Allocated,
        waits: &[Vec<u64>],
    ) -> Vec<NeighbourhoodRow> {
        let d_count = self.scenario.domains.len();
        let tick = self.tick;
        self.city
            .neighbourhoods
            .iter()
            .map(|h| {
                let n = h.index;
                let g = &response.hoods[n];
                let arisen: u64 = (0..d_count)
                    .map(|d| {
                        needs.new_reported[n * d_count + d] + needs.new_hidden[n * d_count + d]
                    })
                    .sum();
                let pop = h.population as f64;
                NeighbourhoodRow {
                    tick,
                    neighbourhood: n,
                    column: h.grid.0,
                    row: h.grid.1,
                    name: h.name.clone(),
                    centroid_x: h.centroid.0,
                    centroid_y: h.centroid.1,
                    residents: h.population,
                    ses_mean: h.ses_mean,
                    needs_arisen: arisen,
                    served: g.served,
                    coverage: ratio(g.served as f64, (g.served + g.lapsed) as f64),
                    hidden_need_share: ratio(g.hidden_end as f64, g.pending_end() as f64),
                    hidden_need_per_1000: 1000.0 * g.hidden_end as f64 / pop,
                    backlog: g.pending_end(),
                    unmet_need_per_capita: g.pending_end() as f64 / pop,
                    service_per_capita: g.served as f64 / pop,
                    satisfaction: g.satisfaction / pop,
                    trust: g.trust / pop,
                    participation_rate: g.participants as f64 / pop,
                    volunteer_hours: g.volunteer_hours,
                    organizations: self.hoods[n].organizations as u64,
                    public_spend: allocation.spend[n],
                    wait_p50: metrics::percentile(&waits[n], 0.5),
                }
            })
            .collect()
    }
}

/// One row per SES fifth (1 = poorest).
fn quintile_rows(tick: u32, needs: &NeedsTally, response: &ResponseTally) -> Vec<QuintileRow> {
    response
        .quintiles
        .iter()
        .enumerate()
        .map(|(q, g)| {
            let pop = g.residents as f64;
            QuintileRow {
                tick,
                quintile: q + 1,
                residents: g.residents,
                needs_arisen: needs.arisen_by_quintile[q],
                served: g.served,
                coverage: ratio(g.served as f64, (g.served + g.lapsed) as f64),
                hidden_need_share: ratio(g.hidden_end as f64, g.pending_end() as f64),
                hidden_need_per_1000: 1000.0 * ratio(g.hidden_end as f64, pop),
                service_per_capita: ratio(g.served as f64, pop),
                satisfaction: ratio(g.satisfaction, pop),
                trust: ratio(g.trust, pop),
                participation_rate: ratio(g.participants as f64, pop),
            }
        })
        .collect()
}

/// Need-weighted coefficient of variation of coverage across
/// neighbourhoods (weights: needs that arose); neighbourhoods that closed
/// no need this tick are left out.
fn coverage_dispersion(rows: &[NeighbourhoodRow]) -> f64 {
    let (mut w_sum, mut sum, mut sq) = (0.0, 0.0, 0.0);
    for r in rows.iter().filter(|r| r.coverage.is_finite()) {
        let w = r.needs_arisen as f64;
        w_sum += w;
        sum += w * r.coverage;
        sq += w * r.coverage * r.coverage;
    }
    let mean = ratio(sum, w_sum);
    let variance = (ratio(sq, w_sum) - mean * mean).max(0.0);
    ratio(variance.sqrt(), mean)
}
