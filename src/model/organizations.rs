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

/// Volunteers per organization below which organizations start to dissolve.
pub const MIN_VOLUNTEERS: f64 = 5.0;

/// Initial organizations in a neighbourhood: about one per 2,000 residents
/// at full social capital, at least one.
pub fn initial_count(population: f64, social_capital: f64) -> u32 {
    ((population / 2000.0) * social_capital).round().max(1.0) as u32
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
