//! Residents, stored as columns (struct of arrays) so the hot loop streams
//! through plain numbers. With the four default domains a resident's hot
//! state is 31 bytes.

use super::city::City;
use crate::rng::{Purpose, Stream};
use crate::scenario::{Behaviour, Scenario};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// Cooperation types and their shares (Fischbacher, Gächter & Fehr 2001).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CooperationType {
    /// Matches `beta` times what others gave last tick (50%).
    Conditional = 0,
    /// Gives nothing unless sanctioned (30%).
    FreeRider = 1,
    /// Matches up to a point, then gives less (14%).
    HumpShaped = 2,
    /// Anything else: gives at random (6%).
    Other = 3,
}

impl CooperationType {
    /// Draws a type from `u`, uniform in [0, 1), with the shares of
    /// `[behaviour]` (Fischbacher & Gaechter 2010).
    pub fn draw(u: f64, b: &Behaviour) -> Self {
        let conditional = b.share_conditional;
        let free = conditional + b.share_free_riders;
        match u {
            u if u < conditional => CooperationType::Conditional,
            u if u < free => CooperationType::FreeRider,
            u if u < free + b.share_hump_shaped => CooperationType::HumpShaped,
            _ => CooperationType::Other,
        }
    }

    /// The type held in the low two bits of a resident's [`Residents::traits`].
    pub fn from_bits(bits: u8) -> Self {
        match bits & TYPE_MASK {
            0 => CooperationType::Conditional,
            1 => CooperationType::FreeRider,
            2 => CooperationType::HumpShaped,
            _ => CooperationType::Other,
        }
    }
}

/// Bits of [`Residents::traits`].
pub const TYPE_MASK: u8 = 0b0011;
/// The resident has digital access (can use the platform channel).
pub const DIGITAL: u8 = 0b0100;
/// The resident volunteers.
pub const PARTICIPATING: u8 = 0b1000;
/// Volunteering at the last retention count.
pub const MARKED: u8 = 0b1_0000;

/// Every resident's state, one column per variable. `reported` and `hidden`
/// hold one count per resident per domain (`resident * domains + domain`).
#[derive(Clone, Debug, PartialEq)]
pub struct Residents {
    /// Service domains: `reported` and `hidden` hold this many counts per resident.
    pub domains: usize,
    /// Index of each resident's neighbourhood, in increasing order: residents
    /// are stored neighbourhood by neighbourhood (the passes rely on it).
    pub neighbourhood: Vec<u16>,
    /// Socio-economic status, 0-1.
    pub ses: Vec<f32>,
    /// Trust in local government, 0-1.
    pub trust: Vec<f32>,
    /// Service performance the resident expects (initially 0.6).
    pub expectation: Vec<f32>,
    /// Self-efficacy, 0-1 (initially `0.2 + 0.5 SES`).
    pub efficacy: Vec<f32>,
    /// Volunteering burnout, 0-1.
    pub burnout: Vec<f32>,
    /// Cooperation type (bits 0-1), digital access, participating, marked.
    pub traits: Vec<u8>,
    /// Open needs the agency knows of.
    pub reported: Vec<u8>,
    /// Open needs nobody reported: hidden need.
    pub hidden: Vec<u8>,
}

/// Mutable views of the columns for a contiguous range of residents.
pub struct ResidentChunk<'a> {
    /// Index of the chunk's first resident.
    pub first: usize,
    /// The chunk's part of [`Residents::neighbourhood`].
    pub neighbourhood: &'a [u16],
    /// The chunk's part of [`Residents::ses`].
    pub ses: &'a [f32],
    /// The chunk's part of [`Residents::trust`].
    pub trust: &'a mut [f32],
    /// The chunk's part of [`Residents::expectation`].
    pub expectation: &'a mut [f32],
    /// The chunk's part of [`Residents::efficacy`].
    pub efficacy: &'a mut [f32],
    /// The chunk's part of [`Residents::burnout`].
    pub burnout: &'a mut [f32],
    /// The chunk's part of [`Residents::traits`].
    pub traits: &'a mut [u8],
    /// The chunk's part of [`Residents::reported`].
    pub reported: &'a mut [u8],
    /// The chunk's part of [`Residents::hidden`].
    pub hidden: &'a mut [u8],
}

impl Residents {
    /// Draws every resident of the city; the same seed gives the same people.
    /// Each resident draws from their own stream, so blocks of residents
    /// are drawn in parallel with the same numbers as one by one.
    pub fn generate(s: &Scenario, city: &City) -> Residents {
        /// Residents drawn together by one thread.
        const BLOCK: usize = 16_384;
        let n = city.residents() as usize;
        let domains = s.domains.len();
        let mut neighbourhood = Vec::with_capacity(n);
        for hood in &city.neighbourhoods {
            neighbourhood.extend(std::iter::repeat_n(
                hood.index as u16,
                hood.population as usize,
            ));
        }
        let mut r = Residents {
            domains,
            neighbourhood,
            ses: vec![0.0; n],
            trust: vec![0.0; n],
            expectation: vec![s.behaviour.initial_service_level as f32; n],
            efficacy: vec![0.0; n],
            burnout: vec![0.0; n],
            traits: vec![0; n],
            reported: vec![0; n * domains],
            hidden: vec![0; n * domains],
        };
        let b = &s.behaviour;
        let blocks = (
            r.neighbourhood.par_chunks(BLOCK),
            r.ses.par_chunks_mut(BLOCK),
            r.trust.par_chunks_mut(BLOCK),
            r.efficacy.par_chunks_mut(BLOCK),
            r.traits.par_chunks_mut(BLOCK),
        );
        blocks.into_par_iter().enumerate().for_each(
            |(block, (hood_of, ses_of, trust_of, efficacy_of, traits_of))| {
                for (j, &hood) in hood_of.iter().enumerate() {
                    let hood = &city.neighbourhoods[usize::from(hood)];
                    let i = block * BLOCK + j;
                    let mut rng = Stream::new(s.run.seed, 0, i as u64, Purpose::ResidentInit);
                    let z: f64 = StandardNormal.sample(&mut rng);
                    let ses = (hood.ses_mean + s.city.ses_spread_within * z).clamp(0.0, 1.0);
                    let kind = CooperationType::draw(rng.uniform(), b) as u8;
                    let digital = rng.chance(b.digital_access_base + b.digital_access_ses * ses);
                    let z: f64 = StandardNormal.sample(&mut rng);
                    let trust = trust_anchor(s, ses) + b.trust_initial_spread * z;
                    ses_of[j] = ses as f32;
                    trust_of[j] = trust.clamp(0.0, 1.0) as f32;
                    efficacy_of[j] = (b.efficacy_base + b.efficacy_ses * ses) as f32;
                    traits_of[j] = kind | if digital { DIGITAL } else { 0 };
                }
            },
        );
        r
    }

    /// Number of residents.
    pub fn len(&self) -> usize {
        self.ses.len()
    }

    /// Whether there are no residents.
    pub fn is_empty(&self) -> bool {
        self.ses.is_empty()
    }

    /// Bytes of state per resident (the hot loop reads and writes all of it).
    pub fn bytes_per_resident(&self) -> usize {
        2 + 4 * 5 + 1 + 2 * self.domains
    }

    /// Splits the columns into chunks of `size` residents, in order.
    pub fn chunks_mut(&mut self, size: usize) -> Vec<ResidentChunk<'_>> {
        let d = self.domains;
        let mut reported = self.reported.chunks_mut(size * d);
        let mut hidden = self.hidden.chunks_mut(size * d);
        let mut trust = self.trust.chunks_mut(size);
        let mut expectation = self.expectation.chunks_mut(size);
        let mut efficacy = self.efficacy.chunks_mut(size);
        let mut burnout = self.burnout.chunks_mut(size);
        let mut traits = self.traits.chunks_mut(size);
        self.neighbourhood
            .chunks(size)
            .zip(self.ses.chunks(size))
            .enumerate()
            .map(|(i, (neighbourhood, ses))| ResidentChunk {
                first: i * size,
                neighbourhood,
                ses,
                trust: trust.next().expect("columns have equal length"),
                expectation: expectation.next().expect("columns have equal length"),
                efficacy: efficacy.next().expect("columns have equal length"),
                burnout: burnout.next().expect("columns have equal length"),
                traits: traits.next().expect("columns have equal length"),
                reported: reported.next().unwrap_or_default(),
                hidden: hidden.next().unwrap_or_default(),
            })
            .collect()
    }

    /// The share of residents marked at the last call who still volunteer,
    /// then marks today's volunteers. Called once per budget cycle, it
    /// measures annual volunteer retention.
    pub fn mark_volunteers(&mut self) -> f64 {
        let (kept, marked) = self
            .traits
            .par_chunks_mut(1 << 16)
            .map(|chunk| {
                let (mut kept, mut marked) = (0u64, 0u64);
                for t in chunk {
                    if *t & MARKED != 0 {
                        marked += 1;
                        kept += u64::from(*t & PARTICIPATING != 0);
                    }
                    *t = if *t & PARTICIPATING != 0 {
                        *t | MARKED
                    } else {
                        *t & !MARKED
                    };
                }
                (kept, marked)
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        if marked > 0 {
            kept as f64 / marked as f64
        } else {
            f64::NAN
        }
    }

    /// SES values that split residents into five equal groups: the
    /// values at places `len * q / 5` (q = 1 to 4) of the residents' SES
    /// in increasing order. Found by selection, in time linear in the
    /// number of residents, from the highest cut down: each selection
    /// leaves the values below its cut before it, where the next is
    /// sought. `[0; 4]` for no residents.
    pub fn quintile_cuts(&self) -> [f32; 4] {
        let mut values = self.ses.clone();
        let n = values.len();
        let mut cuts = [0.0; 4];
        if n == 0 {
            return cuts;
        }
        let mut below = n;
        for q in (1..5).rev() {
            let at = (n * q / 5).min(n - 1);
            let (_, cut, _) = values[..below].select_nth_unstable_by(at, f32::total_cmp);
            cuts[q - 1] = *cut;
            below = at + 1;
        }
        cuts
    }
}

/// The trust a resident of this SES settles toward: the city's initial trust,
/// a little higher for higher SES.
pub fn trust_anchor(s: &Scenario, ses: f64) -> f64 {
    (s.city.trust_initial + s.behaviour.trust_ses_slope * (ses - 0.5)).clamp(0.0, 1.0)
}

/// A resident's SES quintile, 0 (poorest fifth) to 4.
#[inline(always)]
pub fn quintile(ses: f32, cuts: &[f32; 4]) -> usize {
    cuts.iter().filter(|&&c| ses >= c).count()
}

#[cfg(test)]
mod tests {
    use super::Residents;

    fn with_ses(ses: Vec<f32>) -> Residents {
        let n = ses.len();
        Residents {
            domains: 1,
            neighbourhood: vec![0; n],
            ses,
            trust: vec![0.0; n],
            expectation: vec![0.0; n],
            efficacy: vec![0.0; n],
            burnout: vec![0.0; n],
            traits: vec![0; n],
            reported: vec![0; n],
            hidden: vec![0; n],
        }
    }

    #[test]
    fn quintile_cuts_are_the_values_at_each_fifth_in_sorted_order() {
        for n in 1..80 {
            // Out of order, with many ties (7 values) and without (101).
            for values in [7, 101] {
                let ses: Vec<f32> = (0..n)
                    .map(|k| ((k * 37 + 11) % values) as f32 / values as f32)
                    .collect();
                let mut sorted = ses.clone();
                sorted.sort_by(f32::total_cmp);
                let expected: [f32; 4] =
                    std::array::from_fn(|q| sorted[(n * (q + 1) / 5).min(n - 1)]);
                assert_eq!(with_ses(ses).quintile_cuts(), expected, "{n} residents");
            }
        }
        assert_eq!(with_ses(Vec::new()).quintile_cuts(), [0.0; 4]);
    }
}
