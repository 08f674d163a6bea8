//! Community organizations: their own money, crowded out by grants, and
//! their founding and dissolution.

use crate::scenario::Behaviour;

/// Money organizations in a neighbourhood raise themselves in one tick,
/// given the grant `grant` they receive (Andreoni & Payne 2011): each unit of
/// grant cuts their fundraising by `crowd_out_fundraising` and private
/// donations by `crowd_out_donations`, and draws `donor_response` of new
/// donations.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OwnFunds {
    /// Organizations' own fundraising after crowd-out, never below 0.
    pub fundraising: f64,
    /// Private donations after crowd-out and donor response, never below 0.
    pub donations: f64,
}

impl OwnFunds {
    /// Fundraising plus donations.
    pub fn total(&self) -> f64 {
        self.fundraising + self.donations
    }
}

/// Own money of the organizations of a neighbourhood of `population`
/// residents with `social_capital` (0-1), given their `grant` this tick.
pub fn own_funds(population: f64, social_capital: f64, grant: f64, b: &Behaviour) -> OwnFunds {
    let fundraising = b.fundraising_per_resident * population * social_capital;
    let donations = b.donations_per_resident * population * social_capital;
    OwnFunds {
        fundraising: (fundraising - b.crowd_out_fundraising * grant).max(0.0),
        donations: (donations - b.crowd_out_donations * grant + b.donor_response * grant).max(0.0),
    }
}

/// Initial organizations in a neighbourhood: one per
/// `residents_per_organization` residents at full social capital, at least
/// one.
pub fn initial_count(population: f64, social_capital: f64, b: &Behaviour) -> u32 {
    ((population / b.residents_per_organization) * social_capital)
        .round()
        .max(1.0) as u32
}

/// Whether organizations in a neighbourhood have too few volunteers
/// (`organization_min_volunteers` each) to persist.
pub fn understaffed(volunteers_per_organization: f64, b: &Behaviour) -> bool {
    volunteers_per_organization < b.organization_min_volunteers
}

/// Weekly chance that each organization in a neighbourhood dissolves:
/// `organization_base_dissolution` for any (organizations close for many
/// reasons: funding, leadership, mission), plus
/// `organization_dissolution_rate` when understaffed. Probability 0-1.
pub fn dissolution_probability(volunteers_per_organization: f64, b: &Behaviour) -> f64 {
    let understaffed = if understaffed(volunteers_per_organization, b) {
        b.organization_dissolution_rate
    } else {
        0.0
    };
    (b.organization_base_dissolution + understaffed).min(1.0)
}

/// Weekly chance that an organization forms in a neighbourhood: more with
/// social capital and unmet need (`open_per_resident` open needs per
/// resident, counted in full from `1 / unmet_need_saturation`), less where
/// organizations are already understaffed. Probability 0-1.
pub fn founding_probability(
    social_capital: f64,
    open_per_resident: f64,
    volunteers_per_organization: f64,
    b: &Behaviour,
) -> f64 {
    let unmet = (b.unmet_need_saturation * open_per_resident).min(1.0);
    b.organization_founding_rate
        * social_capital
        * unmet
        * if understaffed(volunteers_per_organization, b) {
            b.understaffed_founding
        } else {
            1.0
        }
}

/// How much organizations and residents decide and control, 0-1: half the
/// residents' say (0 to 2) plus the share of the budget outside the agency.
pub fn autonomy(voice: f64, diverted_share: f64) -> f64 {
    (voice / 2.0 + diverted_share).min(1.0)
}

/// Weekly chance that a neighbourhood's organizations find a better
/// practice: `innovation_rate` times the diversity of their volunteers
/// (the share from the bottom two SES fifths over their 40% of the
/// population, at most 1) times `autonomy`.
pub fn innovation_probability(
    volunteers_low_ses: u64,
    volunteers: u64,
    autonomy: f64,
    b: &Behaviour,
) -> f64 {
    let diversity = (volunteers_low_ses as f64 / volunteers as f64 / 0.4).min(1.0);
    b.innovation_rate * diversity * autonomy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_crowd_out_part_but_not_all_of_own_funds() {
        let b = Behaviour::default();
        let without = own_funds(10_000.0, 0.5, 0.0, &b);
        let grant = 100.0;
        let with = own_funds(10_000.0, 0.5, grant, &b);
        let crowd_out = (without.donations - with.donations) / grant;
        assert!(crowd_out > 0.5 && crowd_out < 0.8, "{crowd_out}");
        assert!(
            with.total() + grant > without.total(),
            "total provision still rises"
        );
    }
}
