//! The tick loop. Each tick runs MODEL.md's phases in order:
//!
//! 1. interventions scheduled for this tick change the knobs;
//! 2. the agency re-plans at the start of each budget cycle;
//! 3. **needs** arise and are **reported** or stay hidden (parallel pass);
//! 4. **allocation and production**: budgets split, capacity spread across
//!    neighbourhoods, public and volunteer input combined (sequential, per
//!    neighbourhood and domain);
//! 5. **service, participation and feedback**: needs served or lapsed,
//!    residents join, give effort, burn out, update satisfaction and trust
//!    (parallel pass);
//! 6. organizations form and dissolve, and metrics are recorded.
//!
//! Residents are processed in fixed-size chunks whose tallies are added in
//! chunk order, and every random number comes from [`crate::rng::Stream`], so the
//! results do not depend on the number of threads.

mod busy;
mod cohorts;
pub mod passes;
mod record;

pub use cohorts::MAX_AGE;

use crate::governance::Knobs;
use crate::metrics::{TickRecord, ratio};
use crate::model::behaviour;
use crate::model::residents::PARTICIPATING;
use crate::model::{self, City, CooperationType, DomainBudget, Inputs, PlanningView, Residents};
use crate::rng::{Purpose, Stream};
use crate::scenario::{Intervention, Scenario};
use cohorts::Cohorts;
use passes::{
    HoodView, NeedFates, NeedRates, NeedsContext, NeedsTally, ResponseContext, ResponseTally,
};
use rayon::prelude::*;
use serde::Serialize;

/// The most threads a caller may ask for: 256, or twice the cores of a
/// larger machine. Outputs never depend on the count; more threads than
/// cores only slow a run down (each pass waits on all of them), and each is
/// started up front, so thousands would take seconds and the system's
/// process table.
pub fn most_threads() -> usize {
    256.max(2 * std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Residents per chunk of the parallel passes. Fixed, so that the order in
/// which tallies are added never depends on the thread count.
pub const CHUNK: usize = 16_384;
const _: () = assert!(
    CHUNK.is_multiple_of(passes::BLOCK),
    "a chunk holds whole blocks"
);

/// A knob changed during the run; one or more rows of events.csv.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// The tick at whose start the knobs changed.
    pub tick: u32,
    /// The intervention's label, or a description of its changes.
    pub label: String,
    /// Every knob that changed.
    pub changes: Vec<KnobChange>,
}

/// One knob's value before and after an event, as TOML values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KnobChange {
    /// The knob's name in `[governance]`.
    pub knob: String,
    /// Its value before the event.
    pub before: String,
    /// Its value after the event.
    pub after: String,
}

/// What a neighbourhood carries from one tick to the next.
#[derive(Clone, Debug)]
struct HoodState {
    view: HoodView,
    /// What volunteers believe others give, as an effort share: moves
    /// toward each tick's mean effort by `belief_adaptation`.
    seen_effort: f64,
    /// How credible peer sanctions are, 0-1.
    sanction_credibility: f64,
    /// Better practices this neighbourhood's organizations have found.
    innovations: u32,
    /// The say residents remember having: follows gains at once, fades
    /// over a year after a loss.
    voice_memory: f64,
    participants: u64,
    volunteer_hours: f64,
    backlog: u64,
    organizations: u32,
}

/// A running simulation of one scenario.
pub struct Simulation {
    scenario: Scenario,
    city: City,
    residents: Residents,
    knobs: Knobs,
    tick: u32,
    quintile_cuts: [f32; 4],
    /// Open reported and hidden needs by age, per (neighbourhood, domain).
    reported: Vec<Cohorts>,
    hidden: Vec<Cohorts>,
    /// The agency's capacity shares per (domain, neighbourhood), re-planned each cycle.
    plan: Vec<Vec<f64>>,
    /// A re-plan still being decided, and the tick from which it applies.
    pending_plan: Option<(u32, Vec<Vec<f64>>)>,
    /// Share of each neighbourhood's residents in each SES fifth (1 = poorest first).
    hood_fifths: Vec<[f64; 5]>,
    reported_this_cycle: Vec<f64>,
    hoods: Vec<HoodState>,
    events: Vec<Event>,
    /// Volunteer retention over the last full budget cycle.
    retention: f64,
    /// Innovations found so far, adopted by the agency, and waiting for
    /// adoption (the tick from which the agency may adopt each).
    innovations_found: u64,
    innovations_adopted: u32,
    awaiting_adoption: Vec<u32>,
}

impl Simulation {
    /// Draws the city and its residents.
    pub fn new(scenario: Scenario) -> Simulation {
        let city = City::generate(&scenario);
        let residents = Residents::generate(&scenario, &city);
        let quintile_cuts = residents.quintile_cuts();
        let cells = city.neighbourhoods.len() * scenario.domains.len();
        let hoods = city
            .neighbourhoods
            .iter()
            .map(|h| HoodState {
                view: HoodView {
                    expected_effort: scenario.behaviour.initial_effort,
                    sanction_credibility: 0.0,
                    voice_lost: 0.0,
                    service_level: scenario.behaviour.initial_service_level,
                    join_rate: behaviour::join_rate(&scenario.behaviour, h.social_capital),
                },
                seen_effort: scenario.behaviour.initial_effort,
                sanction_credibility: 0.0,
                voice_memory: behaviour::voice_level(scenario.governance.knobs.decision_rights),
                innovations: 0,
                participants: 0,
                volunteer_hours: 0.0,
                backlog: 0,
                organizations: model::initial_count(
                    h.population as f64,
                    h.social_capital,
                    &scenario.behaviour,
                ),
            })
            .collect();
        let knobs = scenario.governance.knobs.clone();
        let mut sim = Simulation {
            plan: vec![Vec::new(); scenario.domains.len()],
            pending_plan: None,
            hood_fifths: fifths_by_neighbourhood(&city, &residents, &quintile_cuts),
            reported: vec![Cohorts::default(); cells],
            hidden: vec![Cohorts::default(); cells],
            reported_this_cycle: vec![0.0; cells],
            scenario,
            city,
            residents,
            knobs,
            tick: 0,
            quintile_cuts,
            hoods,
            events: Vec::new(),
            retention: f64::NAN,
            innovations_found: 0,
            innovations_adopted: 0,
            awaiting_adoption: Vec::new(),
        };
        sim.start_volunteers();
        sim
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The city drawn for this run.
    pub fn city(&self) -> &City {
        &self.city
    }

    /// Every resident's current state.
    pub fn residents(&self) -> &Residents {
        &self.residents
    }

    /// The knobs in force now.
    pub fn knobs(&self) -> &Knobs {
        &self.knobs
    }

    /// The next tick to run.
    pub fn tick(&self) -> u32 {
        self.tick
    }

    /// Whether every tick of the scenario has run.
    pub fn finished(&self) -> bool {
        self.tick >= self.scenario.run.ticks
    }

    /// Every knob change so far, scheduled or live.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Applies an intervention now (before the next tick) and records it.
    pub fn intervene(&mut self, intervention: &Intervention) {
        let before = self.knobs.clone();
        intervention.apply(&mut self.knobs);
        let changes = crate::governance::KNOBS
            .iter()
            .filter_map(|info| {
                let (old, new) = (before.get(info.name)?, self.knobs.get(info.name)?);
                (old != new).then(|| KnobChange {
                    knob: info.name.to_string(),
                    before: old.to_string(),
                    after: new.to_string(),
                })
            })
            .collect();
        if before.allocation != self.knobs.allocation || before.floor != self.knobs.floor {
            self.replan();
        }
        self.events.push(Event {
            tick: self.tick,
            label: intervention.label.clone(),
            changes,
        });
    }

    /// Runs one tick and returns what it measured.
    pub fn step(&mut self) -> TickRecord {
        let t = self.tick;
        let due: Vec<Intervention> = self
            .scenario
            .interventions
            .iter()
            .filter(|iv| iv.at == t)
            .cloned()
            .collect();
        for iv in &due {
            self.intervene(iv);
        }
        if t.is_multiple_of(self.scenario.run.budget_cycle) {
            self.replan();
            self.adopt_innovations();
            let retained = self.residents.mark_volunteers();
            if t > 0 {
                self.retention = retained;
            }
        }
        self.apply_pending_plan();
        let needs = self.needs_pass();
        let d_count = self.scenario.domains.len();
        for (cell, (r, h)) in needs.new_reported.iter().zip(&needs.new_hidden).enumerate() {
            self.reported[cell].push_new(*r);
            self.hidden[cell].push_new(*h);
            self.reported_this_cycle[cell] += *r as f64;
        }
        let allocation = self.allocate();
        let response = self.response_pass(&allocation);

        let n_count = self.city.neighbourhoods.len();
        let mut waits = vec![vec![0u64; MAX_AGE + 1]; n_count];
        for (cell, c) in response.cells.iter().enumerate() {
            let n = cell / d_count;
            self.reported[cell].take_oldest(c.served_reported, Some(&mut waits[n]));
            self.hidden[cell].take_oldest(c.served_hidden, Some(&mut waits[n]));
            self.reported[cell].take_oldest(c.lapsed_reported, None);
            self.hidden[cell].take_oldest(c.lapsed_hidden, None);
        }
        let (founded, dissolved) = self.update_hoods(&response, &needs);
        let record = self.record(&needs, &response, &allocation, &waits, founded, dissolved);
        self.tick += 1;
        record
    }

    /// The resident phase of a tick alone: both parallel passes over every
    /// resident (and the per-neighbourhood allocation between them), without
    /// queues, organizations or metrics. For benchmarks and profiling: it
    /// advances residents but not the rest of the simulation.
    pub fn resident_phase(&mut self) {
        self.needs_pass();
        let allocation = self.allocate();
        self.response_pass(&allocation);
    }

    /// Where volunteers take part from the start, residents already
    /// volunteer at their steady-state rate, `join / (join + quit)`, so the
    /// first rounds show a volunteer body and not an empty one.
    fn start_volunteers(&mut self) {
        let (k, b) = (&self.knobs, &self.scenario.behaviour);
        if !k.volunteer_input {
            return;
        }
        let r = &mut self.residents;
        for i in 0..r.len() {
            if CooperationType::from_bits(r.traits[i]) == CooperationType::FreeRider {
                continue;
            }
            let w = behaviour::willingness(
                b,
                k,
                r.ses[i] as f64,
                r.efficacy[i] as f64,
                r.trust[i] as f64,
                b.initial_service_level,
                0.0,
            );
            let join = self.hoods[r.neighbourhood[i] as usize].view.join_rate * w;
            let p = join / (join + behaviour::quit_hazard(b, 0.0, 0.0));
            if Stream::new(
                self.scenario.run.seed,
                0,
                i as u64,
                Purpose::InitialVolunteers,
            )
            .chance(p)
            {
                r.traits[i] |= PARTICIPATING;
            }
        }
        for (n, h) in self.hoods.iter_mut().enumerate() {
            let hood = &self.city.neighbourhoods[n];
            let range =
                hood.first_resident as usize..(hood.first_resident + hood.population) as usize;
            h.participants = r.traits[range]
                .iter()
                .filter(|t| *t & PARTICIPATING != 0)
                .count() as u64;
        }
    }

    /// At a budget cycle, the agency decides on each innovation whose lag
    /// has passed: adopted with `adoption_probability`, else dropped.
    fn adopt_innovations(&mut self) {
        let (seed, t) = (self.scenario.run.seed, self.tick);
        let p = self.scenario.behaviour.adoption_probability;
        let mut rng = Stream::new(seed, t as u64, u64::MAX, Purpose::Organizations);
        let before = self.awaiting_adoption.len();
        self.awaiting_adoption.retain(|&due| due > t);
        for _ in self.awaiting_adoption.len()..before {
            self.innovations_adopted += u32::from(rng.chance(p));
        }
    }

    /// Productivity multiplier from `count` innovations (at most ten count).
    fn innovation_factor(&self, count: u32) -> f64 {
        1.0 + self.scenario.behaviour.innovation_gain * count.min(10) as f64
    }

    /// Share of residents volunteering last tick.
    fn participation_rate(&self) -> f64 {
        let volunteers: u64 = self.hoods.iter().map(|h| h.participants).sum();
        volunteers as f64 / self.residents.len().max(1) as f64
    }

    /// What the agency knows of each neighbourhood in domain `d` when it plans.
    fn planning_view(&self, d: usize) -> Vec<PlanningView> {
        let d_count = self.scenario.domains.len();
        self.city
            .neighbourhoods
            .iter()
            .zip(&self.hoods)
            .map(|(h, s)| PlanningView {
                population: h.population as f64,
                need_index: h.need_index,
                reported_last_cycle: self.reported_this_cycle[h.index * d_count + d],
                votes: s.participants as f64 * (1.0 + s.backlog as f64 / h.population as f64),
                participants: s.participants as f64,
            })
            .collect()
    }

    /// Re-plans the agency's shares from what it can see. A shared decision
    /// takes `decision_weeks` to reach (twice when residents decide): the
    /// new plan applies then, the old one until.
    fn replan(&mut self) {
        let say = self.say();
        let plan: Vec<Vec<f64>> = (0..self.scenario.domains.len())
            .map(|d| {
                let view = self.planning_view(d);
                model::plan_shares(self.knobs.allocation, self.knobs.floor, say, &view)
            })
            .collect();
        let delay = (self.scenario.behaviour.decision_weeks
            * behaviour::voice_level(self.knobs.decision_rights))
        .round() as u32;
        if delay == 0 || self.plan.iter().any(Vec::is_empty) {
            self.plan = plan;
            self.pending_plan = None;
        } else {
            self.pending_plan = Some((self.tick + delay, plan));
        }
        self.reported_this_cycle.iter_mut().for_each(|x| *x = 0.0);
    }

    /// Applies a re-plan whose decision time has passed.
    fn apply_pending_plan(&mut self) {
        if self
            .pending_plan
            .as_ref()
            .is_some_and(|(due, _)| *due <= self.tick)
            && let Some((_, plan)) = self.pending_plan.take()
        {
            self.plan = plan;
        }
    }

    fn needs_pass(&mut self) -> NeedsTally {
        let d_count = self.scenario.domains.len();
        let lambda: Vec<f64> = self
            .city
            .neighbourhoods
            .iter()
            .flat_map(|h| {
                // A map's need index scales a domain's rate; a generated
                // city has none (and no multiplication, so its numbers are
                // as they were).
                self.scenario.domains.iter().enumerate().map(move |(i, d)| {
                    match h.domain_need.get(i) {
                        Some(f) => d.need_rate * h.need_index * f,
                        None => d.need_rate * h.need_index,
                    }
                })
            })
            .collect();
        let needs = NeedRates::new(&lambda, d_count);
        let ctx = NeedsContext {
            seed: self.scenario.run.seed,
            tick: self.tick,
            domains: d_count,
            knobs: &self.knobs,
            behaviour: &self.scenario.behaviour,
            quintile_cuts: self.quintile_cuts,
            needs: &needs,
            trust_initial: self.scenario.city.trust_initial,
        };
        let tallies: Vec<NeedsTally> = self
            .residents
            .chunks_mut(CHUNK)
            .into_par_iter()
            .map(|mut chunk| passes::arise_and_report(&mut chunk, &ctx))
            .collect();
        let mut total = NeedsTally::new(0..self.city.neighbourhoods.len(), d_count);
        for t in &tallies {
            total.add(t);
        }
        total
    }

    fn response_pass(&mut self, allocation: &Allocated) -> ResponseTally {
        let d_count = self.scenario.domains.len();
        let fates: Vec<NeedFates> = (0..allocation.serve_reported.len())
            .map(|cell| {
                let lapse = self.scenario.domains[cell % d_count].lapse_rate;
                NeedFates::new(
                    allocation.serve_reported[cell],
                    allocation.serve_hidden[cell],
                    lapse,
                )
            })
            .collect();
        let b = &self.scenario.behaviour;
        let voice = behaviour::voice_level(self.knobs.decision_rights);
        let hoods: Vec<HoodView> = self
            .hoods
            .iter()
            .map(|h| {
                // Deliberation raises what cooperators expect of others, more
                // in larger groups (Balliet 2010).
                let boost = if self.knobs.deliberation() {
                    let size = (1.0 + h.participants as f64).ln()
                        / (1.0 + b.deliberation_group_reference).ln();
                    b.deliberation_boost * size.min(1.0)
                } else {
                    0.0
                };
                HoodView {
                    expected_effort: (h.seen_effort * (1.0 + boost)).min(1.0),
                    sanction_credibility: h.sanction_credibility,
                    voice_lost: (h.voice_memory - voice).max(0.0),
                    service_level: h.view.service_level,
                    join_rate: h.view.join_rate,
                }
            })
            .collect();
        let ctx = ResponseContext {
            seed: self.scenario.run.seed,
            tick: self.tick,
            domains: self.scenario.domains.len(),
            knobs: &self.knobs,
            behaviour: &self.scenario.behaviour,
            quintile_cuts: self.quintile_cuts,
            trust_initial: self.scenario.city.trust_initial,
            fates: &fates,
            hoods: &hoods,
        };
        let tallies: Vec<ResponseTally> = self
            .residents
            .chunks_mut(CHUNK)
            .into_par_iter()
            .map(|mut chunk| passes::respond(&mut chunk, &ctx))
            .collect();
        let mut total = ResponseTally::new(0..hoods.len(), ctx.domains);
        for t in &tallies {
            total.add(t);
        }
        total.count_needs_by_hood();
        total
    }

    /// Splits budgets, spreads capacity, combines public and volunteer input,
    /// and turns the service produced into the shares of open needs served.
    fn allocate(&self) -> Allocated {
        let money = self.tick_money();
        let (k, b) = (&money.knobs, &self.scenario.behaviour);
        let d_count = self.scenario.domains.len();
        let hoods = &self.city.neighbourhoods;
        let total_grants: f64 = money.budgets.iter().map(|x| x.grants).sum();
        let mut out = Allocated {
            serve_reported: vec![0.0; hoods.len() * d_count],
            serve_hidden: vec![0.0; hoods.len() * d_count],
            spend: vec![0.0; hoods.len()],
            discretionary: vec![0.0; hoods.len()],
            ..Allocated::default()
        };
        for h in hoods {
            let n = h.index;
            let grant = total_grants * money.shares.grants[n];
            // Organizations' own money and volunteers take part only where
            // the regime lets volunteers into delivery.
            let own_funds = if k.volunteer_input && self.hoods[n].organizations > 0 {
                model::own_funds(h.population as f64, h.social_capital, grant, b)
            } else {
                model::OwnFunds::default()
            };
            out.grants += grant;
            out.fundraising += own_funds.fundraising;
            out.donations += own_funds.donations;
            for (d, domain) in self.scenario.domains.iter().enumerate() {
                let cell = n * d_count + d;
                let planned = self.plan_cell(&money, n, d, own_funds.total());
                let open = model::OpenNeeds {
                    reported: self.reported[cell].total() as f64,
                    eligible: self.reported[cell].eligible(k.lag) as f64,
                    hidden: self.hidden[cell].total() as f64,
                };
                let met = model::meet_needs(open, planned.capacity, domain.kappa, b);
                out.serve_reported[cell] = share_served(met.reported, open.reported);
                out.serve_hidden[cell] = share_served(met.hidden, open.hidden);
                out.spend[n] += planned.spend;
                out.discretionary[n] += planned.discretionary;
            }
        }
        out.leakage = money.budgets.iter().map(|x| x.leakage).sum();
        let leakable = money.budgets.iter().map(DomainBudget::leakable).sum();
        out.leakage_share = ratio(out.leakage, leakable);
        out.coordination = money.budgets.iter().map(|x| x.coordination).sum();
        out
    }

    /// This tick's knobs in effect, budgets and shares.
    fn tick_money(&self) -> TickMoney {
        let b = &self.scenario.behaviour;
        let mut knobs = self.knobs.clone();
        // Grants and contracts need organizations to take them: where none
        // is left, the agency keeps the money and delivers itself.
        if self.hoods.iter().all(|h| h.organizations == 0) {
            knobs.org_funding_share = 0.0;
            knobs.contract_price = 0.0;
        }
        let shares = self.money_shares();
        let hours: f64 = self.hoods.iter().map(|h| h.volunteer_hours).sum();
        let residents = self.residents.len() as u64;
        let budgets: Vec<DomainBudget> = self
            .scenario
            .domains
            .iter()
            .zip(&shares.volunteer_weights)
            .map(|(domain, weight)| {
                let supported = if knobs.volunteer_input {
                    hours * weight
                } else {
                    0.0
                };
                let participation = self.participation_rate();
                DomainBudget::new(domain, residents, &knobs, b, participation, supported)
            })
            .collect();
        // Where people voted, PB money of all domains together goes by their
        // weights per (neighbourhood, domain); checked to fit the city.
        let cells = self.city.neighbourhoods.len() * self.scenario.domains.len();
        let pb_cells = (knobs.pb_allocation.len() == cells)
            .then(|| model::normalise(knobs.pb_allocation.clone(), None));
        TickMoney {
            total_budget: budgets.iter().map(|x| x.total).sum(),
            pb_pot: budgets.iter().map(|x| x.participatory).sum(),
            pb_cells,
            duplication: b.duplication * (1.0 - knobs.coordination),
            say: self.say(),
            knobs,
            budgets,
            shares,
        }
    }

    /// Capacity and money of neighbourhood `n` in domain `d`; `own_money` is
    /// the neighbourhood's organizations' own money, all domains.
    fn plan_cell(&self, money: &TickMoney, n: usize, d: usize, own_money: f64) -> PlannedCell {
        let (k, b, shares) = (&money.knobs, &self.scenario.behaviour, &money.shares);
        let (domain, budget) = (&self.scenario.domains[d], &money.budgets[d]);
        let state = &self.hoods[n];
        let share = self.plan[d][n];
        let units = budget.delivery_units(k) * self.innovation_factor(self.innovations_adopted);
        // Routine rounds run on a city-wide schedule, street by street (per
        // capita); the rest of the agency's capacity follows its plan.
        // Under contracts, organizations deliver it all, by the plan.
        let contracted = k.contract_price > 0.0;
        let routine_share = if contracted { 0.0 } else { b.routine_share };
        let delivery_share = (1.0 - routine_share) * share + routine_share * shares.per_capita[n];
        let (reactive, routine, contract_units) = if contracted {
            (0.0, 0.0, units * share)
        } else {
            (
                units * (1.0 - routine_share) * share,
                units * routine_share * shares.per_capita[n],
                0.0,
            )
        };
        let granted = budget.grants * shares.grants[n] + budget.devolved * shares.per_capita[n];
        let voted = match &money.pb_cells {
            Some(cells) => money.pb_pot * cells[n * self.scenario.domains.len() + d],
            None => budget.participatory * shares.pb[n],
        };
        let community_money = granted * budget.granted_kept_share()
            + voted * budget.kept_share()
            + own_money * ratio(budget.total, money.total_budget).max(0.0);
        let org_units = community_money / budget.unit_cost + contract_units;
        // Volunteer hours that reach the work: pledged hours, less
        // duplication, no-shows and, where the domain needs professional
        // skill, lower quality.
        let volunteer_units = if k.volunteer_input {
            state.volunteer_hours
                * shares.volunteer_weights[d]
                * (1.0 - money.duplication)
                * b.volunteer_reliability
                * (1.0 - b.volunteer_skill_penalty * domain.alpha)
                / b.hours_per_unit
        } else {
            0.0
        };
        // Volunteers complement paid, professional work (the agency's or a
        // contractor's): that is the public input of production. Money
        // organizations hold themselves (grants, votes, block grants, their
        // own) buys community capacity beside it.
        let public = reactive + routine + contract_units;
        let produced = model::ces_output(
            Inputs {
                public,
                volunteer: volunteer_units,
            },
            domain.alpha,
            domain.rho,
            domain.kappa,
        );
        let community =
            (org_units + (produced - public).max(0.0)) * self.innovation_factor(state.innovations);
        PlannedCell {
            capacity: model::Capacity {
                reactive,
                routine,
                community,
            },
            spend: budget.delivery * delivery_share
                + granted
                + voted
                + (budget.outreach + budget.coordination) * shares.per_capita[n],
            discretionary: granted + voted + budget.delivery * money.say * shares.votes[n],
        }
    }

    /// How this tick's money and volunteer hours spread over neighbourhoods
    /// and domains.
    fn money_shares(&self) -> MoneyShares {
        let s = &self.scenario;
        let hoods = &self.city.neighbourhoods;
        let population: Vec<f64> = hoods.iter().map(|h| h.population as f64).collect();
        let per_capita = model::normalise(population, None);
        let org_counts: Vec<f64> = self.hoods.iter().map(|h| h.organizations as f64).collect();
        let grants = model::normalise(org_counts, Some(&per_capita));
        let votes: Vec<f64> = self.hoods.iter().map(|h| h.participants as f64).collect();
        let vote_shares = model::normalise(votes, Some(&per_capita));
        let pb_weights: Vec<f64> = hoods
            .iter()
            .map(|h| h.need_index * 0.5 * (per_capita[h.index] + vote_shares[h.index]))
            .collect();
        let volunteer_weights = model::normalise(
            s.domains
                .iter()
                .map(|d| (1.0 - d.alpha) * d.need_rate)
                .collect(),
            None,
        );
        MoneyShares {
            grants,
            pb: model::normalise(pb_weights, None),
            votes: model::participant_votes(self.knobs.allocation, &self.planning_view(0)),
            per_capita,
            volunteer_weights,
        }
    }

    /// Weight of participants' votes in the agency's plan: `say_weight` per
    /// step of residents' say, at most 1.
    fn say(&self) -> f64 {
        (self.scenario.behaviour.say_weight * behaviour::voice_level(self.knobs.decision_rights))
            .min(1.0)
    }

    /// Carries this tick's results into next tick's view of each
    /// neighbourhood, and lets organizations form and dissolve.
    fn update_hoods(&mut self, response: &ResponseTally, needs: &NeedsTally) -> (u64, u64) {
        let d_count = self.scenario.domains.len();
        let (mut founded, mut dissolved) = (0, 0);
        let mut found = 0;
        let k = &self.knobs;
        // Autonomy: how much organizations and residents decide and control.
        let autonomy =
            (behaviour::voice_level(k.decision_rights) / 2.0 + k.diverted_share()).min(1.0);
        for (n, state) in self.hoods.iter_mut().enumerate() {
            let g = &response.hoods[n];
            let hood = &self.city.neighbourhoods[n];
            let arisen: u64 = (0..d_count)
                .map(|d| needs.new_reported[n * d_count + d] + needs.new_hidden[n * d_count + d])
                .sum();
            if arisen > 0 {
                let throughput = (g.served as f64 / arisen as f64).min(1.0);
                let memory = self.scenario.behaviour.service_memory;
                state.view.service_level =
                    (1.0 - memory) * state.view.service_level + memory * throughput;
            }
            let b = &self.scenario.behaviour;
            if g.participants > 0 {
                let seen = g.effort / g.participants as f64;
                state.seen_effort = behaviour::updated_belief(b, state.seen_effort, seen);
            }
            state.sanction_credibility = behaviour::updated_credibility(
                b,
                state.sanction_credibility,
                self.knobs.peer_sanctions > 0.0,
            );
            let voice = behaviour::voice_level(self.knobs.decision_rights);
            state.voice_memory = if voice >= state.voice_memory {
                voice
            } else {
                state.voice_memory
                    - (state.voice_memory - voice) / self.scenario.behaviour.say_memory_weeks
            };
            state.participants = g.participants;
            state.volunteer_hours = g.volunteer_hours;
            state.backlog = g.pending_end();
            if self.knobs.volunteer_input {
                let mut rng = Stream::new(
                    self.scenario.run.seed,
                    self.tick as u64,
                    n as u64,
                    Purpose::Organizations,
                );
                let b = &self.scenario.behaviour;
                let volunteers_per_org = g.participants as f64 / state.organizations.max(1) as f64;
                let founding = model::founding_probability(
                    hood.social_capital,
                    g.pending_end() as f64 / hood.population as f64,
                    volunteers_per_org,
                    b,
                );
                if rng.chance(founding) {
                    state.organizations += 1;
                    founded += 1;
                }
                if state.organizations > 0
                    && g.participants > 0
                    && rng.chance(model::innovation_probability(
                        g.participants_low_ses,
                        g.participants,
                        autonomy,
                        b,
                    ))
                {
                    state.innovations += 1;
                    found += 1;
                }
                let hazard = model::dissolution_probability(volunteers_per_org, b);
                let gone = rng.binomial_small(state.organizations, hazard);
                state.organizations -= gone;
                dissolved += gone as u64;
            }
        }
        self.innovations_found += found;
        let due = self.tick + self.knobs.lag;
        self.awaiting_adoption
            .extend(std::iter::repeat_n(due, found as usize));
        (founded, dissolved)
    }
}

/// Share of each neighbourhood's residents in each SES fifth, from the
/// city-wide fifths' cut points.
fn fifths_by_neighbourhood(city: &City, residents: &Residents, cuts: &[f32; 4]) -> Vec<[f64; 5]> {
    city.neighbourhoods
        .iter()
        .map(|h| {
            let first = h.first_resident as usize;
            let mut counts = [0.0; 5];
            for ses in &residents.ses[first..first + h.population as usize] {
                counts[model::quintile(*ses, cuts)] += 1.0;
            }
            counts.map(|c| c / f64::from(h.population.max(1)))
        })
        .collect()
}

/// The share of `open` needs that `met` serves, 0-1 (0 when none is open).
fn share_served(met: f64, open: f64) -> f64 {
    if open > 0.0 {
        (met / open).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// One tick's money: the knobs in effect, each domain's budget, and the
/// shares by which money and hours spread.
struct TickMoney {
    knobs: Knobs,
    budgets: Vec<DomainBudget>,
    shares: MoneyShares,
    /// All domains' budgets together.
    total_budget: f64,
    /// All domains' participatory budgeting money together.
    pb_pot: f64,
    /// Shares of `pb_pot` per (neighbourhood, domain) where people voted
    /// (`pb_allocation`); `None`: each domain's PB money by the assembly.
    pb_cells: Option<Vec<f64>>,
    /// Share of volunteer effort lost to duplication.
    duplication: f64,
    /// Weight of participants' votes in the plan.
    say: f64,
}

/// One (neighbourhood, domain) cell's capacity this tick, and its money.
struct PlannedCell {
    capacity: model::Capacity,
    /// Public money spent in the cell.
    spend: f64,
    /// Of it, money residents or organizations decide.
    discretionary: f64,
}

/// Shares (summing to 1) by which one tick's money and hours spread.
struct MoneyShares {
    /// Per neighbourhood: by population.
    per_capita: Vec<f64>,
    /// Per neighbourhood: grants, by organizations.
    grants: Vec<f64>,
    /// Per neighbourhood: participatory budgeting, need-weighted.
    pb: Vec<f64>,
    /// Per neighbourhood: where participants' say sends agency capacity.
    votes: Vec<f64>,
    /// Per domain: volunteer hours, by co-producibility and need.
    volunteer_weights: Vec<f64>,
}

/// The outcome of allocation and production for one tick.
#[derive(Default)]
struct Allocated {
    /// Share of reported and of hidden open needs served, per (neighbourhood, domain).
    serve_reported: Vec<f64>,
    serve_hidden: Vec<f64>,
    /// Public money spent per neighbourhood.
    spend: Vec<f64>,
    /// Money per neighbourhood whose destination residents or organizations
    /// decide: grants, participatory budgeting, block grants, and the part
    /// of delivery planned by participants' votes.
    discretionary: Vec<f64>,
    /// Agency staff money spent on co-production.
    coordination: f64,
    leakage: f64,
    /// Leakage as a share of the money that can leak.
    leakage_share: f64,
    /// Organizations' money this tick: grants, own fundraising, donations.
    grants: f64,
    fundraising: f64,
    donations: f64,
}
