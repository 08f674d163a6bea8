//! How residents decide and feel, as pure functions of their state and the
//! constants of `[behaviour]`: whether they volunteer and quit, how much
//! effort they give, how trust moves, and how much say they have. The
//! engine's resident pass calls these; it schedules, they decide.

use super::CooperationType;
use crate::governance::{DecisionRights, Knobs};
use crate::scenario::Behaviour;

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Willingness to volunteer (MODEL.md phase 3): shortfall of local service
/// and being asked raise it (Parrado et al. 2013; Jakobsen 2013).
pub fn willingness(
    b: &Behaviour,
    k: &Knobs,
    ses: f64,
    efficacy: f64,
    trust: f64,
    service_level: f64,
    burnout: f64,
) -> f64 {
    let asked_by_rights = match k.decision_rights {
        DecisionRights::Agency => 0.0,
        DecisionRights::Shared => b.asked_shared,
        DecisionRights::Residents => b.asked_residents,
    };
    let asked = k.outreach * (1.0 - ses) + asked_by_rights;
    logistic(
        b.willingness_intercept
            + b.willingness_ses * ses
            + b.willingness_efficacy * efficacy
            + b.willingness_trust * trust
            + b.willingness_shortfall * (1.0 - service_level)
            + b.willingness_asked * asked
            - b.willingness_burnout * burnout,
    )
}

/// A volunteer's weekly chance of quitting: 35% a year at no burnout
/// (CNCS 2009), more with burnout, and more where residents lost a say they
/// had (`voice_lost`, in steps of decision rights).
pub fn quit_hazard(b: &Behaviour, burnout: f64, voice_lost: f64) -> f64 {
    b.quit_hazard * (1.0 + b.burnout_quit_multiplier * burnout) * (1.0 + b.disillusion * voice_lost)
}

/// Effort as a share of what a volunteer could give, by cooperation type,
/// from what they expect others to give (`expected`: their belief about
/// the neighbourhood's volunteers, raised by deliberation). Sanctions pull
/// it toward full effort, as far as the volunteer feels them (`felt`, 0-1:
/// their credibility, [`updated_credibility`], for a volunteer who took
/// part last week, since sanctions answer last week's contributions; 0
/// otherwise); antisocial sanctions hit contributors, and hit them twice
/// as hard, since they are aimed at the highest contributors (Herrmann et
/// al. 2008).
pub fn volunteer_effort(
    kind: CooperationType,
    slope: f64,
    expected: f64,
    u: f64,
    felt: f64,
    k: &Knobs,
    b: &Behaviour,
) -> f64 {
    let own = match kind {
        CooperationType::Conditional => slope * expected,
        CooperationType::FreeRider => 0.0,
        CooperationType::HumpShaped => slope * expected.min(1.0 - expected),
        CooperationType::Other => u,
    };
    let s = k.peer_sanctions * b.sanction_strength * felt;
    let a = k.antisocial_share;
    (own + s * ((1.0 - a) * (1.0 - own) - 2.0 * a * own)).clamp(0.0, 1.0)
}

/// A belief about others' effort after seeing what they gave (`seen`):
/// it closes `belief_adaptation` of the gap (partial adjustment).
pub fn updated_belief(b: &Behaviour, belief: f64, seen: f64) -> f64 {
    // Weighted, not `belief + a (seen - belief)`: at a = 1 this is `seen`
    // exactly, bit for bit.
    (1.0 - b.belief_adaptation) * belief + b.belief_adaptation * seen
}

/// How credible peer sanctions are after another week (or round) with
/// sanctions on (`on`) or off: it closes `sanction_credibility_gain` of
/// the gap to 1, or to 0.
pub fn updated_credibility(b: &Behaviour, credibility: f64, on: bool) -> f64 {
    let target = if on { 1.0 } else { 0.0 };
    (1.0 - b.sanction_credibility_gain) * credibility + b.sanction_credibility_gain * target
}

/// Trust after a week with satisfaction `satisfaction`: up by `trust_gain`
/// per unit above the threshold, down by the larger `trust_loss` per unit
/// below it (Slovic 1993), pulled back toward `anchor`, plus any voice bonus.
pub fn updated_trust(
    b: &Behaviour,
    trust: f64,
    satisfaction: f64,
    anchor: f64,
    voice_bonus: f64,
) -> f64 {
    let gap = satisfaction - b.satisfaction_threshold;
    (trust + b.trust_gain * gap.max(0.0) - b.trust_loss * (-gap).max(0.0)
        + b.trust_reversion * (anchor - trust)
        + voice_bonus)
        .clamp(0.0, 1.0)
}

/// How much say residents have: 0 when the agency decides, 1 shared, 2
/// residents decide. Voice raises participants' trust (OECD); losing it
/// drives volunteers away.
pub fn voice_level(rights: DecisionRights) -> f64 {
    rights.say_steps()
}

/// Weekly chance that a fully willing resident of a neighbourhood with
/// `social_capital` (0-1) starts volunteering: networks recruit, so
/// `join_rate (1 + recruitment_social_capital (2 social_capital - 1))`,
/// the plain `join_rate` at social capital 0.5 (Mansuri & Rao 2013).
pub fn join_rate(b: &Behaviour, social_capital: f64) -> f64 {
    (b.join_rate * (1.0 + b.recruitment_social_capital * (2.0 * social_capital - 1.0)))
        .clamp(0.0, 1.0)
}
