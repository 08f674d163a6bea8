//! Counter-based random numbers.
//!
//! Every random draw in a run is a pure function of
//! `(seed, tick, agent, purpose)`: the key is hashed into the state of a small
//! SplitMix64 stream. No generator is shared between threads and no state is
//! carried from one tick to the next, so the numbers an agent sees do not
//! depend on how residents are split into chunks or on how many threads run
//! them. This is what makes outputs byte-identical across thread counts.
//!
//! The passes over residents hash the common part of a key once per tick
//! ([`StreamKey`]), key a resident's stream only when they draw, and find the few residents a rare event happens to by
//! geometric gaps ([`Stream::geometric`]) instead of a draw for each.

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
    /// Needs arising and being reported: one stream per run of neighbours
    /// (`engine::passes`), which finds the residents a need arises for.
    Needs = 3,
    /// A resident's week: needs served or lapsing, quitting, effort.
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
    /// Offers to volunteer: one stream per run of neighbours
    /// (`engine::passes`), which finds the residents an offer reaches.
    Joining = 13,
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

    /// A Poisson count from `d`, given that it is at least 1: the
    /// zero-truncated Poisson, by inversion (sequential search) of the
    /// uniform mapped onto the cumulative distribution above `P(0)`. Exact
    /// up to floating point; mostly 1 for the small weekly means of needs.
    #[inline]
    pub fn poisson_at_least_one(&mut self, d: &Poisson) -> u32 {
        let u = d.exp_neg_lambda + self.uniform() * d.some;
        let mut k = 0u32;
        let mut p = d.exp_neg_lambda;
        let mut cumulative = p;
        while u >= cumulative && k < 1000 {
            k += 1;
            p *= d.lambda / k as f64;
            cumulative += p;
        }
        k.max(1)
    }

    /// How many trials fail before the first success, when each succeeds
    /// with probability `p`: geometric, by inversion,
    /// `floor(ln(1 - U) / ln(1 - p))`. `log_miss` is `ln(1 - p)`, at most 0
    /// ([`log_miss`]); at 0 (`p = 0`) success never comes and the answer is
    /// `u64::MAX`. Lets a pass visit only the residents a rare event happens
    /// to, instead of drawing for each (Devroye 1986, *Non-Uniform Random
    /// Variate Generation*, ch. 10).
    #[inline]
    pub fn geometric(&mut self, log_miss: f64) -> u64 {
        // Not a number counts as no chance, never as a certain event.
        if log_miss.is_nan() || log_miss >= 0.0 {
            return u64::MAX;
        }
        // Casting saturates: an infinite quotient becomes u64::MAX.
        ((-self.uniform()).ln_1p() / log_miss) as u64
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

    /// Splits `n` trials three ways as `t` says, one uniform each: returns
    /// how many had the first outcome and how many the second. The same
    /// law as a binomial draw of the first and then one of the second
    /// among the rest, with one draw per trial instead of up to two.
    #[inline(always)]
    pub fn trinomial(&mut self, n: u32, t: &Trinomial) -> (u32, u32) {
        let (mut first, mut below_second) = (0, 0);
        for _ in 0..n {
            let k = self.next() >> 11;
            first += u32::from(k < t.first_below);
            below_second += u32::from(k < t.second_below);
        }
        (first, below_second - first)
    }

    /// Two [`Stream::trinomial`] draws, `n.0` trials split by `t.0` and
    /// then `n.1` by `t.1`, in one loop: the same uniforms in the same
    /// order, so the same counts, with one loop exit to predict instead of
    /// two (most calls have one trial in all).
    #[inline(always)]
    pub fn trinomial_pair(
        &mut self,
        n: (u32, u32),
        t: (&Trinomial, &Trinomial),
    ) -> [(u32, u32); 2] {
        let (mut first, mut below_second) = (0, 0);
        let (mut first_0, mut below_second_0) = (0, 0);
        for j in 0..n.0 + n.1 {
            let in_0 = j < n.0;
            let t = if in_0 { t.0 } else { t.1 };
            let k = self.next() >> 11;
            let (a, b) = (u32::from(k < t.first_below), u32::from(k < t.second_below));
            first += a;
            below_second += b;
            first_0 += a & u32::from(in_0);
            below_second_0 += b & u32::from(in_0);
        }
        let (first_1, below_second_1) = (first - first_0, below_second - below_second_0);
        [
            (first_0, below_second_0 - first_0),
            (first_1, below_second_1 - first_1),
        ]
    }

    #[inline(always)]
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }
}

/// 2^53: a uniform is `k / 2^53` for the top 53 bits `k` of a draw.
const TWO_53: f64 = (1u64 << 53) as f64;

/// How many of the 53-bit integers `k` have `k / 2^53 < p`: a chance `p`
/// as a threshold on a uniform's bits, so that `uniform() < p` exactly when
/// `k < bits_below(p)` (`k / 2^53 < p` is `k < p 2^53`, a product exact in
/// floating point, and for an integer `k` that is `k < ceil(p 2^53)`). 0 for
/// `p` at most 0 or not a number, 2^53 for `p` at least 1.
fn bits_below(p: f64) -> u64 {
    // Not a number stays so through `clamp` and casts to 0.
    (p * TWO_53).ceil().clamp(0.0, TWO_53) as u64
}

/// Trials split three ways, prepared for many draws of one uniform each:
/// the first outcome with chance `p`, else the second with chance `q`,
/// else neither (an open need served, else lapsing, else staying open).
/// The uniform `u` gives the first when `u < p` and the second when
/// `p <= u < p + (1 - p) q`; both are decided on its integer bits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trinomial {
    first_below: u64,
    /// At least `first_below`, so the count below it less the first's is
    /// the second's.
    second_below: u64,
}

impl Trinomial {
    /// Chances `p` and `q`, each in [0, 1].
    pub fn new(p: f64, q: f64) -> Self {
        let first_below = bits_below(p);
        Trinomial {
            first_below,
            second_below: bits_below(p + (1.0 - p) * q).max(first_below),
        }
    }
}

/// `ln(1 - p)` for a probability `p` in [0, 1], accurate for small `p`:
/// what [`Stream::geometric`] takes.
pub fn log_miss(p: f64) -> f64 {
    (-p.clamp(0.0, 1.0)).ln_1p()
}

/// A Poisson distribution prepared for many draws: its mean, `exp(-mean)`
/// and `1 - exp(-mean)`, the chance of at least one event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Poisson {
    lambda: f64,
    exp_neg_lambda: f64,
    some: f64,
}

impl Poisson {
    /// The distribution with mean `lambda` (finite, at least 0).
    pub fn new(lambda: f64) -> Poisson {
        Poisson {
            lambda,
            exp_neg_lambda: (-lambda).exp(),
            some: -(-lambda).exp_m1(),
        }
    }

    /// `ln P(0) = -mean`: the [`log_miss`] of "at least one event", for
    /// [`Stream::geometric`].
    pub fn log_none(&self) -> f64 {
        -self.lambda
    }
}

/// The streams of one `(seed, tick, purpose)` for many agents, with the
/// common part of their key hashed once: [`StreamKey::stream`] costs one
/// 64-bit mix per agent, where [`Stream::new`] costs two after the
/// compiler has hoisted the seed and tick. A different hash of the same
/// key than [`Stream::new`]'s, so it gives other numbers; the passes over
/// residents use it.
#[derive(Clone, Copy, Debug)]
pub struct StreamKey(u64);

impl StreamKey {
    /// The key of `(seed, tick, purpose)`.
    pub fn new(seed: u64, tick: u64, purpose: Purpose) -> Self {
        let mut h = mix(seed ^ GOLDEN);
        h = mix(h ^ tick.wrapping_mul(GOLDEN));
        StreamKey(mix(h ^ (purpose as u64).wrapping_mul(0xd1b5_4a32_d192_ed03)))
    }

    /// The stream of one agent (a resident's index in the city).
    #[inline(always)]
    pub fn stream(self, agent: u64) -> Stream {
        Stream {
            state: mix(self.0 ^ agent.wrapping_add(0x632b_e59b_d9b4_e019)),
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

    #[test]
    fn uniform_mean_is_right() {
        let n = 200_000u64;
        let sum: f64 = (0..n)
            .map(|agent| Stream::new(1, 0, agent, Purpose::Needs).uniform())
            .sum();
        let mean = sum / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "uniform mean {mean}");
    }

    /// Mean and variance of the zero-truncated Poisson:
    /// `m = l / (1 - e^-l)` and `m (1 + l - m)`.
    #[test]
    fn poisson_at_least_one_has_the_truncated_moments() {
        let n = 200_000u64;
        for lambda in [1e-6, 0.05, 0.7, 3.0] {
            let d = Poisson::new(lambda);
            let draws: Vec<f64> = (0..n)
                .map(|agent| {
                    Stream::new(2, 0, agent, Purpose::Needs).poisson_at_least_one(&d) as f64
                })
                .collect();
            assert!(draws.iter().all(|&k| k >= 1.0), "lambda {lambda}");
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|k| (k - mean).powi(2)).sum::<f64>() / n as f64;
            let m = lambda / -(-lambda).exp_m1();
            let v = m * (1.0 + lambda - m);
            assert!(
                (mean - m).abs() < 4.0 * (v / n as f64).sqrt() + 1e-9,
                "lambda {lambda}: mean {mean} not {m}"
            );
            assert!(
                (var - v).abs() < 0.03 * v + 1e-6,
                "lambda {lambda}: variance {var} not {v}"
            );
        }
    }

    /// Geometric gaps: `P(0) = p` and mean `(1 - p) / p`; never at `p = 0`,
    /// always 0 at `p = 1`.
    #[test]
    fn geometric_gaps_have_the_right_law() {
        let n = 200_000u64;
        for p in [0.003, 0.05, 0.5] {
            let gaps: Vec<u64> = (0..n)
                .map(|agent| Stream::new(4, 0, agent, Purpose::Joining).geometric(log_miss(p)))
                .collect();
            let zeros = gaps.iter().filter(|&&g| g == 0).count() as f64 / n as f64;
            let mean = gaps.iter().sum::<u64>() as f64 / n as f64;
            let expected = (1.0 - p) / p;
            let sd = ((1.0 - p) / (p * p) / n as f64).sqrt();
            assert!(
                (zeros - p).abs() < 4.0 * (p * (1.0 - p) / n as f64).sqrt(),
                "p {p}: P(0) {zeros}"
            );
            assert!(
                (mean - expected).abs() < 4.0 * sd,
                "p {p}: mean {mean} not {expected}"
            );
        }
        let mut s = Stream::new(4, 0, 0, Purpose::Joining);
        assert_eq!(s.geometric(log_miss(0.0)), u64::MAX);
        assert!((0..100).all(|_| s.geometric(log_miss(1.0)) == 0));
        assert_eq!(Poisson::new(0.0).log_none(), -0.0);
        assert_eq!(s.geometric(Poisson::new(0.0).log_none()), u64::MAX);
        assert_eq!(s.geometric(f64::NAN), u64::MAX);
    }

    #[test]
    fn a_keyed_stream_differs_by_tick_purpose_and_agent() {
        let key = StreamKey::new(5, 6, Purpose::Response);
        let other_tick = StreamKey::new(5, 7, Purpose::Response).stream(7).next_u64();
        let other_purpose = StreamKey::new(5, 6, Purpose::Needs).stream(7).next_u64();
        let other_agent = key.stream(8).next_u64();
        let first = key.stream(7).next_u64();
        assert!(
            [other_tick, other_purpose, other_agent]
                .iter()
                .all(|&x| x != first)
        );
    }

    /// Neighbouring agents' keyed streams look independent: over many
    /// agents, the first uniforms of agents `a` and `a + 1` are uncorrelated.
    #[test]
    fn keyed_streams_of_neighbours_are_uncorrelated() {
        let key = StreamKey::new(1, 2, Purpose::Response);
        let u: Vec<f64> = (0..100_001)
            .map(|a| key.stream(a).uniform() - 0.5)
            .collect();
        let n = (u.len() - 1) as f64;
        let covariance = u.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / n;
        let correlation = covariance / (1.0 / 12.0);
        assert!(correlation.abs() < 0.015, "correlation {correlation}");
        let mean = u.iter().sum::<f64>() / u.len() as f64;
        assert!(mean.abs() < 0.005, "mean {mean}");
    }

    /// Trials split as serve-then-lapse: first with chance p, second with
    /// chance (1 - p) q.
    #[test]
    fn trinomial_splits_in_the_right_shares() {
        let (p, q, n) = (0.3, 0.2, 400_000u32);
        let mut s = Stream::new(8, 0, 0, Purpose::Response);
        let (first, second) = s.trinomial(n, &Trinomial::new(p, q));
        let (first, second) = (first as f64 / n as f64, second as f64 / n as f64);
        assert!((first - p).abs() < 0.003, "first {first}");
        assert!((second - (1.0 - p) * q).abs() < 0.003, "second {second}");
        assert_eq!(s.trinomial(50, &Trinomial::new(1.0, 0.5)), (50, 0));
        assert_eq!(s.trinomial(50, &Trinomial::new(0.0, 1.0)), (0, 50));
        assert_eq!(s.trinomial(50, &Trinomial::new(0.0, 0.0)), (0, 0));
    }

    /// A chance decided on a uniform's bits agrees with `uniform() < p` on
    /// both sides of the threshold, for chances that are and are not
    /// multiples of 2^-53, and at the ends.
    #[test]
    fn bits_below_agree_with_comparing_the_uniform() {
        let uniform = |k: u64| k as f64 / TWO_53;
        for p in [
            1e-300,
            1e-17,
            0.1,
            0.3,
            0.5,
            0.75,
            1.0 - 1e-16,
            0.123_456_789,
        ] {
            let t = bits_below(p);
            assert!(t > 0 && t <= 1 << 53, "p {p}: {t}");
            assert!(uniform(t - 1) < p, "p {p}: below");
            if t < 1 << 53 {
                assert!(uniform(t) >= p, "p {p}: at");
            }
        }
        assert_eq!(bits_below(0.0), 0);
        assert_eq!(bits_below(-0.5), 0);
        assert_eq!(bits_below(f64::NAN), 0);
        assert_eq!(bits_below(1.0), 1 << 53);
        assert_eq!(bits_below(7.0), 1 << 53);
        // A stream's own draws, against the float comparison it replaces.
        let t = Trinomial::new(0.37, 0.61);
        let below = 0.37 + (1.0 - 0.37) * 0.61;
        let (mut a, mut b) = (
            Stream::new(3, 1, 4, Purpose::Response),
            Stream::new(3, 1, 4, Purpose::Response),
        );
        for _ in 0..10_000 {
            let u = a.uniform();
            let expected = (u32::from(u < 0.37), u32::from(u >= 0.37 && u < below));
            assert_eq!(b.trinomial(1, &t), expected);
        }
    }
}
