//! Counter-based random numbers.
//!
//! Every random draw in a run is a pure function of
//! `(seed, tick, agent, purpose)`: the key is hashed into the state of a small
//! SplitMix64 stream. No generator is shared between threads and no state is
//! carried from one tick to the next, so the numbers an agent sees do not
//! depend on how residents are split into chunks or on how many threads run
//! them. This is what makes outputs byte-identical across thread counts.

use rand::RngCore;

/// What a stream of random numbers is used for. Keeping purposes apart means
/// that adding a draw to one phase never shifts the numbers of another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Drawing the city: neighbourhood SES, populations.
    City = 1,
    /// Drawing a resident's initial state.
    ResidentInit = 2,
    /// Needs arising and being reported.
    Needs = 3,
    /// Needs being served or lapsing, participation, burnout.
    Response = 4,
    /// A resident's fixed conditional-cooperation slope.
    CooperationSlope = 5,
    /// Organizations founded and dissolved.
    Organizations = 6,
    /// Points of a sweep design.
    Design = 7,
    /// Who volunteers when the run starts.
    InitialVolunteers = 8,
    /// Regrouping players between rounds of a lab game.
    LabMatching = 9,
    /// Proposals of a calibration (ABC-SMC).
    Calibration = 10,
    /// The seed of each simulation a calibration proposes.
    CalibrationSimulation = 11,
    /// Resampling in scenario discovery (PRIM's stability).
    Discovery = 12,
}

/// SplitMix64's finaliser: a bijective mix with good avalanche, used both to
/// hash keys and to step the stream.
#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// A short stream of random numbers for one `(seed, tick, agent, purpose)`.
#[derive(Clone, Debug)]
pub struct Stream {
    state: u64,
}

impl Stream {
    /// The stream for one key. Distinct keys give independent-looking streams.
    #[inline]
    pub fn new(seed: u64, tick: u64, agent: u64, purpose: Purpose) -> Self {
        let mut h = mix(seed ^ GOLDEN);
        h = mix(h ^ tick.wrapping_mul(GOLDEN));
        h = mix(h ^ agent.wrapping_add(0x632b_e59b_d9b4_e019));
        h = mix(h ^ (purpose as u64).wrapping_mul(0xd1b5_4a32_d192_ed03));
        Stream { state: h }
    }

    /// A uniform number in [0, 1) with 53 bits of precision.
    #[inline(always)]
    pub fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    #[inline(always)]
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// A Poisson count from `d`. Inversion by sequential search: exact, and
    /// fast for the small means of weekly needs per resident (a few
    /// hundredths), where most draws are 0 and are decided on the integer
    /// bits, without converting them to a float.
    #[inline(always)]
    pub fn poisson(&mut self, d: &Poisson) -> u32 {
        let bits = self.next() >> 11;
        if bits < d.none_below {
            return 0;
        }
        let u = bits as f64 * (1.0 / (1u64 << 53) as f64);
        let (lambda, exp_neg_lambda) = (d.lambda, d.exp_neg_lambda);
        let mut k = 0u32;
        let mut p = exp_neg_lambda;
        let mut cumulative = p;
        while u >= cumulative && k < 1000 {
            k += 1;
            p *= lambda / k as f64;
            cumulative += p;
        }
        k
    }

    /// How many of `n` trials succeed, each with probability `p`.
    #[inline(always)]
    pub fn binomial_small(&mut self, n: u32, p: f64) -> u32 {
        if p <= 0.0 || n == 0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        (0..n).filter(|_| self.chance(p)).count() as u32
    }

    #[inline(always)]
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }
}

/// A Poisson distribution prepared for many draws: its mean, `exp(-mean)`,
/// and the test for a count of 0 as an integer. A uniform draw is
/// `bits * 2^-53` with `bits` below 2^53, and scaling by a power of two is
/// exact, so `uniform < exp(-mean)` exactly when `bits < ceil(exp(-mean) * 2^53)`:
/// the same counts as comparing floats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Poisson {
    lambda: f64,
    exp_neg_lambda: f64,
    none_below: u64,
}

impl Poisson {
    /// The distribution with mean `lambda` (finite, at least 0).
    pub fn new(lambda: f64) -> Poisson {
        let exp_neg_lambda = (-lambda).exp();
        Poisson {
            lambda,
            exp_neg_lambda,
            none_below: (exp_neg_lambda * (1u64 << 53) as f64).ceil() as u64,
        }
    }
}

impl RngCore for Stream {
    fn next_u32(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.next()
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_numbers_other_key_other_numbers() {
        let a: Vec<u64> = (0..4)
            .map(|_| Stream::new(7, 3, 11, Purpose::Needs))
            .map(|mut s| s.next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut other = Stream::new(7, 3, 12, Purpose::Needs);
        let mut same = Stream::new(7, 3, 11, Purpose::Needs);
        assert_ne!(other.next_u64(), same.next_u64());
        let mut purpose = Stream::new(7, 3, 11, Purpose::Response);
        assert_ne!(
            purpose.next_u64(),
            Stream::new(7, 3, 11, Purpose::Needs).next_u64()
        );
    }

    /// The integer test for a count of 0 decides exactly as comparing the
    /// uniform draw with exp(-mean) does, at the boundary too.
    #[test]
    fn poisson_counts_equal_the_float_inversion() {
        for lambda in [0.0, 1e-9, 0.004, 0.05, 0.7, 3.0, 40.0] {
            let d = Poisson::new(lambda);
            for agent in 0..20_000u64 {
                let mut a = Stream::new(3, 1, agent, Purpose::Needs);
                let mut b = a.clone();
                let u = a.uniform();
                let (mut k, mut p) = (0u32, d.exp_neg_lambda);
                let mut cumulative = p;
                while u >= cumulative && k < 1000 {
                    k += 1;
                    p *= lambda / k as f64;
                    cumulative += p;
                }
                assert_eq!(b.poisson(&d), k, "lambda {lambda}, agent {agent}");
            }
            // At the boundary: the largest bits drawing 0, and the next.
            let edge = d.none_below;
            let as_uniform = |bits: u64| bits as f64 * (1.0 / (1u64 << 53) as f64);
            if edge > 0 {
                assert!(as_uniform(edge - 1) < d.exp_neg_lambda);
            }
            assert!(as_uniform(edge) >= d.exp_neg_lambda);
        }
    }

    #[test]
    fn uniform_mean_and_poisson_mean_are_right() {
        let n = 200_000u64;
        let mut sum_u = 0.0;
        let mut sum_k = 0u64;
        let lambda: f64 = 0.7;
        for agent in 0..n {
            let mut s = Stream::new(1, 0, agent, Purpose::Needs);
            sum_u += s.uniform();
            sum_k += s.poisson(&Poisson::new(lambda)) as u64;
        }
        let mean_u = sum_u / n as f64;
        let mean_k = sum_k as f64 / n as f64;
        assert!((mean_u - 0.5).abs() < 0.005, "uniform mean {mean_u}");
        assert!((mean_k - lambda).abs() < 0.01, "poisson mean {mean_k}");
    }
}
