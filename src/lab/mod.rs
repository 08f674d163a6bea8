//! `coserve lab`: the linear public-goods game of MODEL.md's "Lab mode",
//! played by residents drawn as in a city and deciding with the functions
//! the city's response pass calls ([`crate::model::volunteer_effort`] and
//! the cooperation types of [`crate::model::CooperationType`]). Not a
//! second model: what it docks against the experiments is the city's own
//! behavioural core.
//!
//! Must not: read or write files (the front end does), or decide anything
//! the city's functions do not.

use crate::governance::{self, Knobs};
use crate::model::CooperationType;
use crate::model::behaviour::{updated_belief, updated_credibility, volunteer_effort};
use crate::rng::{Purpose, Stream};
use crate::scenario::{Experiment, Matching};
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

/// One player: a resident's cooperation type and conditional-cooperation
/// slope, drawn from the same streams, in the same order, as resident
/// `index` of a city with the same seed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Player {
    /// The player's cooperation type.
    pub kind: CooperationType,
    /// How much of what it expects others to give a conditional cooperator
    /// matches, `cooperation_slope_min` to `min + range`.
    pub slope: f64,
}

impl Player {
    /// Player `index` of a game with `seed`.
    pub fn draw(seed: u64, index: u64, b: &crate::scenario::Behaviour) -> Player {
        let mut rng = Stream::new(seed, 0, index, Purpose::ResidentInit);
        // A city draws the resident's SES first; the lab draws it too, and
        // leaves it unused, so that the type comes from the same number.
        let _ses: f64 = StandardNormal.sample(&mut rng);
        let kind = CooperationType::draw(rng.uniform(), b);
        let slope = b.cooperation_slope_min
            + b.cooperation_slope_range
                * Stream::new(seed, 0, index, Purpose::CooperationSlope).uniform();
        Player { kind, slope }
    }
}

/// One row of rounds.csv: the game's state after a round, contributions as
/// shares of the endowment (0-1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundRow {
    /// The round, from 1.
    pub round: u32,
    /// Mean contribution, as a share of the endowment.
    pub mean_contribution: f64,
    /// Standard deviation of contributions across players (n - 1).
    pub sd_contribution: f64,
    /// Share of players contributing nothing.
    pub share_zero: f64,
    /// Share of players contributing their whole endowment.
    pub share_full: f64,
    /// Mean of what players expected the others in their group to give,
    /// as a share of the endowment.
    pub mean_belief: f64,
    /// Mean contribution of conditional cooperators (NaN if none).
    pub mean_contribution_conditional: f64,
    /// Mean contribution of free riders (NaN if none).
    pub mean_contribution_free_rider: f64,
    /// Mean contribution of hump-shaped contributors (NaN if none).
    pub mean_contribution_hump_shaped: f64,
    /// Mean contribution of the others, who give at random (NaN if none).
    pub mean_contribution_other: f64,
}

/// The columns of rounds.csv after `round`, in file order: what a
/// calibration target may name.
pub const COLUMNS: &[&str] = &[
    "mean_contribution",
    "sd_contribution",
    "share_zero",
    "share_full",
    "mean_belief",
    "mean_contribution_conditional",
    "mean_contribution_free_rider",
    "mean_contribution_hump_shaped",
    "mean_contribution_other",
];

impl RoundRow {
    /// The value of column `name` (one of [`COLUMNS`]); `None` for any
    /// other name.
    pub fn column(&self, name: &str) -> Option<f64> {
        Some(match name {
            "mean_contribution" => self.mean_contribution,
            "sd_contribution" => self.sd_contribution,
            "share_zero" => self.share_zero,
            "share_full" => self.share_full,
            "mean_belief" => self.mean_belief,
            "mean_contribution_conditional" => self.mean_contribution_conditional,
            "mean_contribution_free_rider" => self.mean_contribution_free_rider,
            "mean_contribution_hump_shaped" => self.mean_contribution_hump_shaped,
            "mean_contribution_other" => self.mean_contribution_other,
            _ => return None,
        })
    }
}

/// Plays the experiment: every round, each player contributes
/// `volunteer_effort` of its endowment given what it expects of its group
/// (the city's initial effort in round 1, then moved toward what its group
/// gave, as a volunteer's belief about its neighbourhood moves week by
/// week); with punishment, the city's sanction rule applies from round 2,
/// growing credible round by round. Stranger
/// matching regroups players at random every round. Deterministic in the
/// seed, whatever the threads.
pub fn play(e: &Experiment) -> Vec<RoundRow> {
    let g = &e.game;
    let b = &e.behaviour;
    let n = (g.groups * g.group_size) as usize;
    let players: Vec<Player> = (0..n as u64).map(|i| Player::draw(g.seed, i, b)).collect();
    // The effort rule reads only the sanction knobs; the rest is `public`'s.
    let knobs = Knobs {
        peer_sanctions: if g.punishment { 1.0 } else { 0.0 },
        antisocial_share: g.antisocial_share,
        ..governance::preset("public")
            .expect("a built-in preset")
            .knobs()
    };
    let mut belief = vec![b.initial_effort; n];
    let mut credibility = 0.0;
    let mut order: Vec<usize> = (0..n).collect();
    let mut rows = Vec::with_capacity(g.rounds as usize);
    for round in 1..=g.rounds {
        if g.matching == Matching::Stranger && round > 1 {
            shuffle(&mut order, g.seed, round);
        }
        // Punishment follows each round: from round 2 on it has been seen,
        // and grows credible round by round as a city's sanctions do.
        let felt = if g.punishment && round > 1 {
            credibility = updated_credibility(b, credibility, true);
            credibility
        } else {
            0.0
        };
        let contributions: Vec<f64> = (0..n)
            .map(|i| {
                let p = players[i];
                let mut rng = Stream::new(g.seed, u64::from(round), i as u64, Purpose::Response);
                volunteer_effort(p.kind, p.slope, belief[i], rng.uniform(), felt, &knobs, b)
            })
            .collect();
        rows.push(summarise(round, &players, &contributions, &belief));
        // Each player's belief moves toward what its group's others gave.
        for group in order.chunks(g.group_size as usize) {
            let total: f64 = group.iter().map(|&i| contributions[i]).sum();
            for &i in group {
                let seen = (total - contributions[i]) / (group.len() - 1) as f64;
                belief[i] = updated_belief(b, belief[i], seen);
            }
        }
    }
    rows
}

/// Fisher-Yates with the round's own stream: the same regrouping for the
/// same seed and round.
fn shuffle(order: &mut [usize], seed: u64, round: u32) {
    let mut rng = Stream::new(seed, u64::from(round), 0, Purpose::LabMatching);
    for i in (1..order.len()).rev() {
        let j = ((rng.uniform() * (i + 1) as f64) as usize).min(i);
        order.swap(i, j);
    }
}

/// Mean of `xs`; NaN when empty.
fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        f64::NAN
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

fn summarise(round: u32, players: &[Player], c: &[f64], belief: &[f64]) -> RoundRow {
    let of_kind = |k: CooperationType| -> f64 {
        let v: Vec<f64> = players
            .iter()
            .zip(c)
            .filter(|(p, _)| p.kind == k)
            .map(|(_, &x)| x)
            .collect();
        mean(&v)
    };
    let share =
        |f: &dyn Fn(f64) -> bool| c.iter().filter(|&&x| f(x)).count() as f64 / c.len() as f64;
    RoundRow {
        round,
        mean_contribution: mean(c),
        sd_contribution: {
            let m = mean(c);
            let squares: f64 = c.iter().map(|x| (x - m).powi(2)).sum();
            (squares / (c.len().max(2) - 1) as f64).sqrt()
        },
        share_zero: share(&|x| x <= 0.0),
        share_full: share(&|x| x >= 1.0),
        mean_belief: mean(belief),
        mean_contribution_conditional: of_kind(CooperationType::Conditional),
        mean_contribution_free_rider: of_kind(CooperationType::FreeRider),
        mean_contribution_hump_shaped: of_kind(CooperationType::HumpShaped),
        mean_contribution_other: of_kind(CooperationType::Other),
    }
}

/// Root mean squared error of `rows`' mean contributions against
/// `observed` (shares of the endowment, round by round from round 1), over
/// the rounds both have.
pub fn rmse(rows: &[RoundRow], observed: &[f64]) -> f64 {
    let squares: Vec<f64> = rows
        .iter()
        .zip(observed)
        .map(|(r, o)| (r.mean_contribution - o).powi(2))
        .collect();
    mean(&squares).sqrt()
}
