//! `[behaviour]`: the behavioural constants of the model. Each is defined
//! once, below, with its default, its valid range and its meaning: the
//! struct, its defaults, the range checks (`limits`), the commented
//! template and docs/ranges.md all come from this one table. docs/model.md
//! gives each constant's published source.

use super::keys::section;
use super::limits::{COEFFICIENT, MONEY, MULTIPLIER, PROBABILITY, SHARE, above, number};

section! {
    /// `[behaviour]`: the behavioural constants of the model, each with its
    /// published source in docs/model.md.
    defaults Behaviour, KEYS {
    /// Chance that a new need is reported at SES 0 on the counter channel;
    /// probability 0-1 per need (Clark et al. 2013; 311 studies).
    report_base: f64 = 0.25, PROBABILITY,
        "chance a bottom-SES resident reports a need (311 studies)";
    /// SES gradient of reporting: at SES 1 residents report `1 + this` times
    /// as often as at SES 0; multiplier 0-100 (Clark et al. 2013).
    report_ses_gradient: f64 = 2.0, MULTIPLIER,
        "top-SES residents report (1 + this) times as often (Clark et al. 2013)";
    /// Change in the chance of reporting per unit of a resident's trust
    /// above the city's initial trust: reporting is multiplied by
    /// `1 + this (trust - trust_initial)`, at least 0; residents who
    /// distrust government contact it less (Minkoff 2016, Urban Affairs
    /// Review 52:211; Kontokosta & Hong 2021); 0 to 10.
    report_trust: f64 = 1.0, number(0.0, 10.0, "a multiplier per unit of trust"),
        "reporting rises by this per unit of trust above the initial level (Minkoff 2016)";
    /// Reporting multiplier on the `platform` channel for residents with
    /// digital access; multiplier 0-100.
    platform_factor: f64 = 1.6, MULTIPLIER,
        "reporting multiplier on a platform, for residents with digital access";
    /// Reporting multiplier on the `platform` channel for residents without
    /// digital access; multiplier 0-100.
    platform_offline_factor: f64 = 0.6, MULTIPLIER,
        "reporting multiplier on a platform, for residents without it";
    /// Chance that a resident at SES 0 has digital access; probability 0-1.
    digital_access_base: f64 = 0.5, PROBABILITY,
        "chance of digital access at SES 0";
    /// Change in the chance of digital access per unit of SES (at SES 1:
    /// `digital_access_base + this`); -1 to 1.
    digital_access_ses: f64 = 0.45, number(-1.0, 1.0, "a change in probability"),
        "extra chance of digital access at SES 1";
    /// `b0`, intercept of the willingness-to-volunteer logistic; log-odds,
    /// -50 to 50.
    willingness_intercept: f64 = -4.0, COEFFICIENT,
        "b0 of the willingness-to-participate logistic";
    /// `b_ses`: log-odds of willingness per unit of SES (higher SES takes part
    /// more; Jakobsen 2013); -50 to 50.
    willingness_ses: f64 = 1.6, COEFFICIENT,
        "b_ses: higher SES participates more (Jakobsen 2013)";
    /// `b_eff`: log-odds of willingness per unit of self-efficacy; -50 to 50.
    willingness_efficacy: f64 = 1.0, COEFFICIENT,
        "b_eff: self-efficacy raises participation";
    /// `b_trust`: log-odds of willingness per unit of trust; -50 to 50.
    willingness_trust: f64 = 1.0, COEFFICIENT,
        "b_trust: trust raises participation";
    /// `b_short`: log-odds of willingness per unit of local service shortfall
    /// (`1 - service level`; Parrado et al. 2013); -50 to 50.
    willingness_shortfall: f64 = 1.0, COEFFICIENT,
        "b_short: a local service shortfall raises it (Parrado et al. 2013)";
    /// `b_ask`: log-odds of willingness per unit of being asked
    /// (`outreach (1 - SES)` plus 0.15 shared, 0.3 residents decide; Jakobsen 2013); -50 to 50.
    willingness_asked: f64 = 2.0, COEFFICIENT,
        "b_ask: being asked and equipped raises it (Jakobsen 2013)";
    /// How much residents feel asked when decisions are shared, added to
    /// outreach in the willingness logistic; share 0-1.
    asked_shared: f64 = 0.15, SHARE,
        "how asked residents feel when decisions are shared (added to outreach)";
    /// How much residents feel asked when residents decide; share 0-1.
    asked_residents: f64 = 0.3, SHARE,
        "how asked residents feel when residents decide (added to outreach)";
    /// `b_burn`: log-odds of willingness lost per unit of burnout; -50 to 50.
    willingness_burnout: f64 = 2.0, COEFFICIENT,
        "b_burn: burnout lowers it";
    /// Weekly chance that a fully willing resident starts volunteering (the
    /// chance is `join_rate * willingness`); probability 0-1.
    join_rate: f64 = 0.01, PROBABILITY,
        "weekly chance that a willing resident starts volunteering";
    /// Hours a volunteer gives in a week at full effort; 0-168.
    volunteer_hours: f64 = 4.0, number(0.0, 168.0, "hours per week"),
        "most hours a volunteer gives in a week";
    /// Volunteer hours that make one unit of service (one need served);
    /// above 0.
    hours_per_unit: f64 = 3.0, above(0.0, 1e4, "hours per unit of service"),
        "volunteer hours that stand in for one unit of service";
    /// Share of residents who are conditional cooperators, giving as much as
    /// they expect others to (Fischbacher & Gaechter 2010: about 50%); 0-1.
    share_conditional: f64 = 0.5, SHARE,
        "share of conditional cooperators (Fischbacher & Gaechter 2010)";
    /// Share of free riders, who never volunteer (Fischbacher & Gaechter
    /// 2010: about 30%); 0-1.
    share_free_riders: f64 = 0.3, SHARE,
        "share of free riders, who never volunteer (Fischbacher & Gaechter 2010)";
    /// Share of hump-shaped contributors (Fischbacher & Gaechter 2010: about
    /// 14%); 0-1. The rest give at random. The three shares sum to at most 1.
    share_hump_shaped: f64 = 0.14, SHARE,
        "share of hump-shaped contributors; the rest give at random";
    /// Lowest slope of a cooperator's effort on what they expect of others
    /// (slopes are uniform from this to this + `cooperation_slope_range`); 0-1.
    cooperation_slope_min: f64 = 0.6, SHARE,
        "lowest slope of effort on what others are expected to give";
    /// Spread of those slopes above `cooperation_slope_min`; 0-1.
    cooperation_slope_range: f64 = 0.4, SHARE,
        "spread of those slopes above the lowest";
    /// What volunteers expect others to give at the start, as a share of
    /// `volunteer_hours`, 0-1 (Fehr & Gächter 2000: 40-60%).
    initial_effort: f64 = 0.6, SHARE,
        "what volunteers expect others to give at first, as a share of what one could give (Fehr & Gaechter 2000)";
    /// Largest relative rise in the effort volunteers expect of others under
    /// the `deliberative` channel; share 0-1 (Balliet 2010).
    deliberation_boost: f64 = 0.3, SHARE,
        "rise in what cooperators expect of others after deliberating (Balliet 2010)";
    /// Volunteers in a neighbourhood at which `deliberation_boost` has its
    /// full effect (larger groups gain more; Balliet 2010); above 0.
    deliberation_group_reference: f64 = 50.0, above(0.0, 1e9, "a number of residents"),
        "volunteers in a neighbourhood at which deliberation has its full effect (larger groups gain more)";
    /// Pull of peer sanctions toward full effort at `peer_sanctions = 1`,
    /// once they are fully credible; share 0-1 (Fehr & Gächter 2000;
    /// Herrmann et al. 2008).
    sanction_strength: f64 = 0.3, SHARE,
        "pull of credible peer sanctions toward full effort (Fehr & Gaechter 2000)";
    /// Share of the gap to full credibility that sanctions close each week
    /// (a round in the lab) while peer sanctions are on, and of the gap to
    /// none while they are off; 0-1. 1 (the default, MODEL.md's rule):
    /// fully credible from the first week they answer. Below 1, punishment
    /// deters more as it proves real, as contributions under punishment
    /// keep rising over ten periods in Fehr & Gächter 2000 (docs/model.md,
    /// "Lab mode": 0.3 fits their series).
    sanction_credibility_gain: f64 = 1.0, SHARE,
        "how fast sanctions become credible, per week while on (1 = at once)";
    /// Share of the gap between what a volunteer expected others to give
    /// and what they gave that the expectation closes each week (a round
    /// in the lab); 0-1. 1 (the default, MODEL.md's rule): expect exactly
    /// what others gave last week. Below 1, beliefs adjust partially, as in
    /// Fischbacher & Gächter 2010 (AER 100:541); docs/model.md, "Lab mode":
    /// 0.25 fits Fehr & Gächter 2000's series.
    belief_adaptation: f64 = 1.0, SHARE,
        "how far beliefs about others' effort move to what they gave, per week (1 = all the way)";
    /// Weekly chance that a volunteer quits, at no burnout and no lost say;
    /// probability 0-1 (0.0082 is 35% a year; CNCS 2009).
    quit_hazard: f64 = 0.0082, PROBABILITY,
        "weekly chance a volunteer quits at no burnout: 35% a year (CNCS 2009)";
    /// Full burnout multiplies the quit hazard by `1 + this`; multiplier 0-100.
    burnout_quit_multiplier: f64 = 3.0, MULTIPLIER,
        "full burnout multiplies the quit hazard by 1 + this";
    /// Each lost step of say (residents -> shared -> agency) multiplies the
    /// quit hazard by `1 + this`; multiplier 0-100.
    disillusion: f64 = 3.0, MULTIPLIER,
        "a lost step of say (residents -> shared -> agency) multiplies the quit hazard by 1 + this";
    /// Weekly burnout a volunteer gains at full effort (times the effort
    /// share); share 0-1.
    burnout_gain: f64 = 0.02, SHARE,
        "weekly burnout from giving all one's hours";
    /// Times faster burnout fades for residents who are not volunteering;
    /// multiplier 0-100.
    idle_recovery: f64 = 4.0, MULTIPLIER,
        "times faster burnout fades when not volunteering";
    /// Initial self-efficacy at SES 0; 0-1.
    efficacy_base: f64 = 0.2, SHARE,
        "initial self-efficacy at SES 0";
    /// Extra initial self-efficacy per unit of SES; 0-1.
    efficacy_ses: f64 = 0.5, SHARE,
        "extra initial self-efficacy at SES 1";
    /// Weekly pull of a volunteer's efficacy toward the service level they
    /// see; share 0-1.
    efficacy_adaptation: f64 = 0.01, SHARE,
        "weekly pull of volunteers' efficacy toward the service they see";
    /// Weekly burnout relief of volunteers per unit of service level (visible
    /// results; Ansell & Gash 2008); others recover 4x this. Share 0-1.
    burnout_recovery: f64 = 0.015, SHARE,
        "weekly burnout relief from visible results (Ansell & Gash 2008)";
    /// Service level residents see and expect at the start; share 0-1.
    initial_service_level: f64 = 0.6, SHARE,
        "service level residents see and expect at the start";
    /// Weight of this week in the moving average of the service level
    /// residents see; share 0-1.
    service_memory: f64 = 0.2, SHARE,
        "weight of this week in the service level residents see";
    /// Weight of the neighbourhood's service level in performance; the rest
    /// is the share of one's own needs served; 0-1.
    performance_service_weight: f64 = 0.6, SHARE,
        "weight of the neighbourhood's service (vs one's own needs) in performance";
    /// `w1`: satisfaction per unit of performance (expectancy
    /// disconfirmation, Van Ryzin 2004); weight 0-10.
    performance_weight: f64 = 1.0, number(0.0, 10.0, "a weight"),
        "w1: satisfaction from performance (Van Ryzin 2004)";
    /// `w2`: satisfaction per unit of performance above expectation (Van
    /// Ryzin 2004); weight 0-10.
    disconfirmation_weight: f64 = 0.5, number(0.0, 10.0, "a weight"),
        "w2: satisfaction from performance above expectation";
    /// Weekly share of the gap between performance and expectation that
    /// expectation closes; share 0-1.
    expectation_adaptation: f64 = 0.05, SHARE,
        "weekly pull of expectation toward performance";
    /// `S*`: satisfaction above it builds trust, below it erodes it; -1 to 1,
    /// calibrated so `public` holds mean trust near the OECD 0.45 (OECD 2021, 2023).
    satisfaction_threshold: f64 = 0.28, number(-1.0, 1.0, "a satisfaction level"),
        "S*: above it satisfaction builds trust, below it erodes it; calibrated so the status quo holds trust at the OECD level";
    /// Weekly trust gained per unit of satisfaction above `S*`; share 0-1
    /// (Slovic 1993).
    trust_gain: f64 = 0.01, SHARE,
        "eta_up: trust gained per unit of satisfaction above S* (Slovic 1993)";
    /// Weekly trust lost per unit of satisfaction below `S*`, larger than
    /// `trust_gain`; share 0-1 (Slovic 1993).
    trust_loss: f64 = 0.03, SHARE,
        "eta_down: trust lost per unit below S*; larger than eta_up";
    /// Weekly pull of trust back toward its SES anchor, as a share of the
    /// gap; 0-1.
    trust_reversion: f64 = 0.02, SHARE,
        "weekly pull of trust back toward its SES baseline";
    /// Spread (standard deviation) of initial trust around its anchor; 0-0.5.
    trust_initial_spread: f64 = 0.1, number(0.0, 0.5, "a spread"),
        "spread of initial trust around its anchor";
    /// Change in initial and anchor trust per unit of SES above 0.5; -1 to 1.
    trust_ses_slope: f64 = 0.1, number(-1.0, 1.0, "a slope"),
        "change in baseline trust per unit of SES above 0.5 (richer residents trust more)";
    /// Weeks over which residents' memory of a say they lost fades;
    /// above 0.
    say_memory_weeks: f64 = 52.0, above(0.0, 1e4, "a number of weeks"),
        "weeks over which the memory of a lost say fades";
    /// Weekly trust gain of volunteers per step of say (x1 shared, x2
    /// residents decide); share 0-1 (OECD 2021).
    voice_bonus: f64 = 0.002, SHARE,
        "weekly trust gain of participants who have a say (OECD)";
    /// Hidden needs the agency finds per unit of spare capacity, without
    /// local knowledge; share 0-1.
    proactive_efficiency: f64 = 0.3, SHARE,
        "hidden needs the agency finds per unit of spare capacity, without local knowledge";
    /// Share of the agency's own delivery capacity spent on routine rounds
    /// (scheduled collection, inspections, maintenance) that meet needs
    /// wherever they are, reported or not; 0-1 (Kontokosta & Hong 2021;
    /// Minkoff 2016). The same under every regime: an agency property.
    routine_share: f64 = 0.25, SHARE,
        "share of agency capacity on routine rounds that meet needs whether reported or not (Minkoff 2016)";
    /// Needs met per unit of routine capacity, relative to a unit spent on
    /// a reported need: rounds also pass where nothing is wrong; 0-1.
    routine_efficiency: f64 = 0.4, SHARE,
        "needs met per unit of routine capacity, against one per unit spent on a report";
    /// Weeks a shared decision takes before a re-plan takes effect; twice
    /// as long when residents decide ("collaborative inertia": Huxham &
    /// Vangen 2005; Ansell & Gash 2008); 0-52.
    decision_weeks: f64 = 4.0, number(0.0, 52.0, "a number of weeks"),
        "weeks a shared decision takes before a re-plan applies; twice when residents decide (Huxham & Vangen 2005)";
    /// Weight of participants' votes in the agency's plan per step of say
    /// (x1 shared, x2 residents decide); participants vote for their own
    /// neighbourhoods, the root of elite capture (Platteau 2004); 0-1.
    say_weight: f64 = 0.1, SHARE,
        "weight of participants' votes in where capacity goes, per step of say (elite capture: Platteau 2004)";
    /// Agency staff money per volunteer hour supported: recruiting,
    /// training, coordinating; money per hour, 0 to 1e6. About a seventh of
    /// the shadow wage (Handy & Srinivasan 2004: about 6.8 of value per 1
    /// of programme cost).
    coordination_cost_per_hour: f64 = 2.2, MONEY,
        "staff money per volunteer hour supported (Handy & Srinivasan 2004)";
    /// Agency staff money per unit of money granted, allocated by
    /// participatory budgeting or devolved: administering partnerships;
    /// share 0-1 (Bovaird 2007).
    grant_admin_share: f64 = 0.1, SHARE,
        "staff money per unit of money granted, voted or devolved (Bovaird 2007)";
    /// Share of the hours volunteers pledge that are delivered (no-shows,
    /// turnover), against 1 for paid hours; 0-1.
    volunteer_reliability: f64 = 0.8, SHARE,
        "share of pledged volunteer hours actually delivered (paid hours: 1)";
    /// Quality lost by volunteer work per unit of a domain's `alpha` (its
    /// need for professional skill): volunteer output is multiplied by
    /// `1 - this * alpha`; 0-1.
    volunteer_skill_penalty: f64 = 0.6, SHARE,
        "volunteer output lost per unit of a domain's alpha, where professional skill matters";
    /// How much a neighbourhood's social capital moves recruitment: the
    /// joining chance is multiplied by `1 + this (2 social_capital - 1)`
    /// (Mansuri & Rao 2013); 0-1.
    recruitment_social_capital: f64 = 1.0, SHARE,
        "how much social capital drives recruitment: join chance x (1 + this (2 sc - 1)) (Mansuri & Rao 2013)";
    /// Weekly burnout relief volunteers get from the recognition and
    /// support that the agency's coordination staff give them (Handy &
    /// Srinivasan 2004; MODEL.md: recognition lowers burnout); 0-1.
    recognition_recovery: f64 = 0.004, SHARE,
        "weekly burnout relief from the recognition coordination staff give volunteers";
    /// Share of the audit effect that reaches money granted, voted or
    /// devolved: shared accountability is thinner; 0-1.
    grant_audit_reach: f64 = 0.5, SHARE,
        "share of the audit effect that reaches granted, voted or devolved money";
    /// Share of delivery and participatory money lost to leakage with no
    /// audits or monitoring; 0-1 (Olken 2007).
    leakage_base: f64 = 0.25, SHARE,
        "share of agency spending lost to leakage with no audits (Olken 2007)";
    /// Share of leakage that certain audit (`audit = 1`) removes; 0-1
    /// (Olken 2007).
    audit_effect: f64 = 0.33, SHARE,
        "share of leakage that certain audit removes (Olken 2007)";
    /// Share of leakage that full resident participation deters; 0-1
    /// (Olken 2007: small).
    community_monitoring: f64 = 0.1, SHARE,
        "share of leakage that full resident participation would deter (Olken 2007: small)";
    /// Elasticity of unit cost with city size: costs scale as
    /// `(residents / 100,000)^-this`; 0-1.
    scale_economies: f64 = 0.05, number(0.0, 1.0, "an elasticity"),
        "unit costs fall by this elasticity with city size";
    /// Organizations' own fundraising, money per resident per week at full
    /// social capital, before crowd-out; 0 to 1e6.
    fundraising_per_resident: f64 = 0.05, MONEY,
        "organizations' own fundraising per resident per week at full social capital";
    /// Private donations to organizations, money per resident per week at
    /// full social capital, before crowd-out; 0 to 1e6.
    donations_per_resident: f64 = 0.3, MONEY,
        "private donations per resident per week at full social capital";
    /// Fundraising lost per unit of grant; multiplier 0-100 (0.141,
    /// Andreoni & Payne 2011).
    crowd_out_fundraising: f64 = 0.141, MULTIPLIER,
        "fundraising lost per unit of grant (Andreoni & Payne 2011)";
    /// Private donations lost per unit of grant; multiplier 0-100 (0.757,
    /// Andreoni & Payne 2011).
    crowd_out_donations: f64 = 0.757, MULTIPLIER,
        "donations lost per unit of grant (Andreoni & Payne 2011)";
    /// New donations drawn per unit of grant; multiplier 0-100 (0.041,
    /// Andreoni & Payne 2011).
    donor_response: f64 = 0.041, MULTIPLIER,
        "donations gained per unit of grant (Andreoni & Payne 2011)";
    /// Share of volunteer input lost to duplicated effort when organizations
    /// do not coordinate (scaled by `1 - coordination`); 0-1.
    duplication: f64 = 0.25, SHARE,
        "share of volunteer effort duplicated when organizations do not coordinate";
    /// Initial organizations: one per this many residents at full social
    /// capital (at least one per neighbourhood); above 0.
    residents_per_organization: f64 = 2000.0, above(0.0, 1e9, "a number of residents"),
        "residents per organization at the start, at full social capital";
    /// Weekly chance that an organization forms in a neighbourhood at full
    /// social capital and unmet need; probability 0-1.
    organization_founding_rate: f64 = 0.02, PROBABILITY,
        "weekly chance an organization forms, at full social capital and unmet need";
    /// Unmet need counts in full toward founding from `1 / this` open needs
    /// per resident; multiplier 0-100.
    unmet_need_saturation: f64 = 20.0, MULTIPLIER,
        "unmet need counts in full from 1/this open needs per resident";
    /// Volunteers per organization below which organizations dissolve and
    /// few new ones form; 0-10000.
    organization_min_volunteers: f64 = 5.0, number(0.0, 1e4, "a number of volunteers"),
        "volunteers per organization below which they dissolve";
    /// Multiplier on the founding chance when volunteers per organization are
    /// below the minimum; share 0-1.
    understaffed_founding: f64 = 0.2, SHARE,
        "founding chance multiplier when organizations are understaffed";
    /// Weekly chance that any organization dissolves, whatever its
    /// staffing: about 3% a year (a 14-year study of 229 Twin Cities
    /// nonprofits found 74 gone, Hager, Galaskiewicz et al.; US charities
    /// close at under 4% a year); probability 0-1.
    organization_base_dissolution: f64 = 0.0006, PROBABILITY,
        "weekly chance any organization closes: about 3% a year (Twin Cities nonprofit panel)";
    /// Weekly chance that each understaffed organization dissolves, on top
    /// of the base rate; probability 0-1.
    organization_dissolution_rate: f64 = 0.01, PROBABILITY,
        "extra weekly chance an understaffed organization dissolves";
    /// Weekly chance that a neighbourhood's organizations find a better
    /// practice, at full diversity and autonomy; probability 0-1.
    innovation_rate: f64 = 0.01, PROBABILITY,
        "weekly chance a neighbourhood's organizations find a better practice, at full diversity and autonomy";
    /// Productivity gained per innovation (at most 10 count): locally when
    /// found, city-wide when the agency adopts it; share 0-1.
    innovation_gain: f64 = 0.02, SHARE,
        "productivity gained per innovation (at most 10 count), locally when found, city-wide when adopted";
    /// Chance that the agency adopts an innovation at the first budget
    /// cycle after its `lag`, else it is dropped; probability 0-1.
    adoption_probability: f64 = 0.5, PROBABILITY,
        "chance the agency adopts an innovation at the first budget cycle after its lag";
    /// Share of a domain's budget that full outreach (`outreach = 1`) costs;
    /// 0-1.
    outreach_cost_share: f64 = 0.05, SHARE,
        "share of the budget that full outreach costs";
    /// Money value of one volunteer hour, for the total cost per unit served;
    /// 0 to 1e6.
    shadow_wage: f64 = 15.0, MONEY,
        "money value of one volunteer hour, for total cost";
}
}

impl Behaviour {
    /// The shares of conditional cooperators, free riders and hump-shaped
    /// contributors together; at most 1 (the rest give at random).
    pub fn cooperation_share_sum(&self) -> f64 {
        self.share_conditional + self.share_free_riders + self.share_hump_shaped
    }
}
