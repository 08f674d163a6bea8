//! ABC-SMC: approximate Bayesian computation by sequential Monte Carlo,
//! population Monte Carlo as in Beaumont, Cornuet, Marin & Robert 2009
//! (Biometrika 96:983), with the tolerance of each generation set
//! adaptively to a quantile of the previous generation's distances (Del
//! Moral, Doucet & Jasra 2012, Stat. Comput. 22:1009; Toni et al. 2009,
//! J. R. Soc. Interface 6:187).
//!
//! Generation 0 draws `particles` parameter vectors from the prior and
//! keeps them all (tolerance: infinite). Generation t draws proposals from
//! generation t - 1 by weight, moves each by a Gaussian kernel with twice
//! the previous generation's weighted variance per parameter (Beaumont et
//! al. 2009), and keeps those within the tolerance, weighted by prior
//! density over the kernel mixture density. Proposals are numbered, each
//! with its own random stream, and the first `particles` accepted in
//! number order are kept, so the result is the same whatever the threads.

use crate::rng::{Purpose, Stream};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// A parameter's prior distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Prior {
    /// Uniform on `[lo, hi]`, `lo < hi`.
    Uniform {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
    /// Normal with `mean` and standard deviation `sd > 0`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Log-uniform on `[lo, hi]`, `0 < lo < hi`: uniform in `ln x`.
    LogUniform {
        /// Lower end, above 0.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
}

impl Prior {
    /// A draw from the prior, from `rng`.
    pub fn sample(&self, rng: &mut Stream) -> f64 {
        match *self {
            Prior::Uniform { lo, hi } => lo + (hi - lo) * rng.uniform(),
            Prior::Normal { mean, sd } => {
                let z: f64 = StandardNormal.sample(rng);
                mean + sd * z
            }
            Prior::LogUniform { lo, hi } => (lo.ln() + (hi.ln() - lo.ln()) * rng.uniform()).exp(),
        }
    }

    /// The prior density at `x` (unnormalised constants kept: only ratios
    /// matter); 0 outside the support.
    pub fn density(&self, x: f64) -> f64 {
        match *self {
            Prior::Uniform { lo, hi } => {
                if (lo..=hi).contains(&x) {
                    1.0 / (hi - lo)
                } else {
                    0.0
                }
            }
            Prior::Normal { mean, sd } => {
                let z = (x - mean) / sd;
                (-0.5 * z * z).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt())
            }
            Prior::LogUniform { lo, hi } => {
                if x > 0.0 && (lo..=hi).contains(&x) {
                    1.0 / (x * (hi.ln() - lo.ln()))
                } else {
                    0.0
                }
            }
        }
    }

    /// The width of the prior's central 90%: what a posterior interval is
    /// compared with.
    pub fn width_90(&self) -> f64 {
        match *self {
            Prior::Uniform { lo, hi } => 0.9 * (hi - lo),
            Prior::Normal { sd, .. } => 2.0 * 1.644_853_626_951_472_2 * sd,
            Prior::LogUniform { lo, hi } => {
                let at = |q: f64| (lo.ln() + q * (hi.ln() - lo.ln())).exp();
                at(0.95) - at(0.05)
            }
        }
    }
}

/// How an ABC-SMC calibration runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Particles per generation, at least 10.
    pub particles: usize,
    /// Generations after the prior one, at least 1.
    pub generations: usize,
    /// Each generation's tolerance: this quantile of the previous
    /// generation's distances, in (0, 1); 0.5 is usual.
    pub quantile: f64,
    /// Seed of every random number of the algorithm (and, through the
    /// proposal numbers, of every simulation).
    pub seed: u64,
    /// The most proposals one generation may try before giving up, so a
    /// tolerance nothing can meet stops with an error rather than running
    /// for ever.
    pub max_proposals: usize,
}

/// One generation: its tolerance and its weighted particles.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    /// Distances at most this were accepted (infinite for the prior one).
    pub tolerance: f64,
    /// `particles[i]`: one parameter vector, in the order of the priors.
    pub particles: Vec<Vec<f64>>,
    /// Normalised weights, summing to 1.
    pub weights: Vec<f64>,
    /// Each particle's distance to the targets.
    pub distances: Vec<f64>,
    /// Proposals up to the one that filled the generation, those outside
    /// the prior's support (never simulated) included.
    pub proposals: usize,
    /// Of those, the proposals simulated (a parallel batch may simulate a
    /// few more beyond the one that filled it, which are discarded).
    pub simulations: usize,
}

impl Generation {
    /// Accepted over simulated proposals, 0-1.
    pub fn acceptance_rate(&self) -> f64 {
        self.particles.len() as f64 / self.simulations as f64
    }

    /// Kish's effective sample size of the weights, `1 / sum w^2`.
    pub fn effective_sample_size(&self) -> f64 {
        1.0 / self.weights.iter().map(|w| w * w).sum::<f64>()
    }
}

/// Why a calibration stopped early.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AbcError {
    /// A generation tried `max_proposals` proposals without filling.
    #[error(
        "generation {generation} accepted {accepted} of {wanted} particles in {tried} proposals at tolerance {tolerance:.4}: the targets may be out of the model's reach under these priors; widen the priors, check the targets' sd, or raise the proposal limit"
    )]
    Stuck {
        /// The generation that could not fill.
        generation: usize,
        /// Particles accepted.
        accepted: usize,
        /// Particles wanted.
        wanted: usize,
        /// Proposals tried.
        tried: usize,
        /// Its tolerance.
        tolerance: f64,
    },
    /// No simulation of the first batch gave a distance at all (NaN or
    /// infinite): a target undefined in every run, or misses too large to
    /// add up.
    #[error(
        "none of the first {tried} simulations gave a distance to the targets: a target is undefined (NaN) in every run, or its sd is so small that the distance overflows"
    )]
    Undefined {
        /// Proposals simulated.
        tried: usize,
    },
    /// A proposal the generation needs has no known distance yet: the
    /// shards of a split calibration have more to simulate.
    #[error(
        "generation {generation} needs proposal {index}, which no shard has simulated yet ({accepted} particles accepted before it)"
    )]
    Missing {
        /// The generation being filled.
        generation: usize,
        /// The first proposal it needs whose distance is not known.
        index: usize,
        /// Particles accepted among the proposals before it.
        accepted: usize,
    },
}

/// Which proposal a distance is asked for: its generation, its number in
/// the generation, and the seed its simulation uses ([`proposal_seed`]).
/// The same proposal always has the same parameters, so a distance found
/// once can be remembered by `(generation, index)` (a resumed calibration
/// does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The generation, from 0 (the prior one).
    pub generation: usize,
    /// The proposal's number within its generation, from 0.
    pub index: usize,
    /// The seed of its simulation.
    pub seed: u64,
}

/// Runs ABC-SMC. `distance(theta, proposal)` simulates the model at
/// `theta` (in the order of `priors`) with random numbers from
/// `proposal.seed` and returns its distance to the targets (NaN or
/// infinite: rejected). Called in parallel, so it must not depend on call
/// order. Returns every generation, the prior one first.
pub fn abc_smc(
    priors: &[Prior],
    s: &Settings,
    distance: &(dyn Fn(&[f64], Proposal) -> f64 + Sync),
    on_generation: &dyn Fn(usize, &Generation),
) -> Result<Vec<Generation>, AbcError> {
    let mut generations: Vec<Generation> = Vec::new();
    for t in 0..=s.generations {
        let g = Step::new(priors, s, t, generations.last())
            .fill(&|theta, p| Some(distance(theta, p)))?;
        on_generation(t, &g);
        generations.push(g);
    }
    Ok(generations)
}

/// One generation being filled: how its proposals are drawn and judged.
/// [`abc_smc`] fills one generation after another; a calibration split
/// over processes draws a share of a generation's proposals with
/// [`Step::proposal`] in each, and fills it from their distances once
/// they are all known.
pub struct Step<'a> {
    priors: &'a [Prior],
    settings: &'a Settings,
    /// The generation, from 0 (the prior one).
    pub generation: usize,
    previous: Option<&'a Generation>,
    /// Distances at most this are accepted: the settings' quantile of the
    /// previous generation's distances (infinite for the prior one).
    pub tolerance: f64,
    scales: Vec<f64>,
}

impl<'a> Step<'a> {
    /// Generation `t`, drawn from `previous` (`None` for the prior one).
    pub fn new(
        priors: &'a [Prior],
        settings: &'a Settings,
        t: usize,
        previous: Option<&'a Generation>,
    ) -> Step<'a> {
        Step {
            priors,
            settings,
            generation: t,
            previous,
            tolerance: previous
                .map_or(f64::INFINITY, |g| quantile(&g.distances, settings.quantile)),
            scales: previous.map_or_else(Vec::new, |g| kernel_scales(g, priors.len())),
        }
    }

    /// Proposal `k`: its parameters (in the order of the priors) and its
    /// seed; `None` when it falls outside the prior's support, so it is
    /// never simulated.
    pub fn proposal(&self, k: usize) -> Option<(Vec<f64>, Proposal)> {
        let t = self.generation;
        let mut rng = Stream::new(self.settings.seed, t as u64, k as u64, Purpose::Calibration);
        let theta: Vec<f64> = match self.previous {
            None => self.priors.iter().map(|p| p.sample(&mut rng)).collect(),
            Some(g) => {
                let parent = &g.particles[pick(&g.weights, rng.uniform())];
                parent
                    .iter()
                    .zip(&self.scales)
                    .map(|(x, sd)| {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        x + sd * z
                    })
                    .collect()
            }
        };
        if self
            .priors
            .iter()
            .zip(&theta)
            .any(|(p, &x)| p.density(x) <= 0.0)
        {
            return None;
        }
        let proposal = Proposal {
            generation: t,
            index: k,
            seed: proposal_seed(self.settings.seed, t, k),
        };
        Some((theta, proposal))
    }

    /// The most proposals the generation may try.
    pub fn max_proposals(&self) -> usize {
        self.settings.max_proposals
    }

    /// Whether a simulation at `distance` is kept.
    pub fn accepts(&self, distance: f64) -> bool {
        distance.is_finite() && distance <= self.tolerance
    }

    /// Fills the generation: proposals are judged in numbered batches
    /// (simulated in parallel) and the first `particles` accepted in number
    /// order are kept, so the result is the same whatever the threads.
    /// `distance` gives a proposal's distance, or `None` where it is not
    /// known (a calibration split over processes, whose shards have not
    /// simulated it yet): the generation then stops with
    /// [`AbcError::Missing`].
    pub fn fill(
        &self,
        distance: &(dyn Fn(&[f64], Proposal) -> Option<f64> + Sync),
    ) -> Result<Generation, AbcError> {
        let (s, t) = (self.settings, self.generation);
        let judge = |k: usize| -> Outcome {
            let Some((theta, proposal)) = self.proposal(k) else {
                return Outcome::Outside;
            };
            match distance(&theta, proposal) {
                None => Outcome::Missing,
                Some(d) if !d.is_finite() => Outcome::Undefined,
                Some(d) if d <= self.tolerance => Outcome::Accepted(theta, d),
                Some(_) => Outcome::Rejected,
            }
        };
        let mut accepted: Vec<(Vec<f64>, f64)> = Vec::new();
        let (mut tried, mut simulated, mut defined) = (0, 0, 0);
        let batch = s.particles.max(64);
        while accepted.len() < s.particles {
            if tried >= s.max_proposals {
                return Err(AbcError::Stuck {
                    generation: t,
                    accepted: accepted.len(),
                    wanted: s.particles,
                    tried,
                    tolerance: self.tolerance,
                });
            }
            let end = (tried + batch).min(s.max_proposals);
            let results: Vec<Outcome> = (tried..end).into_par_iter().map(judge).collect();
            for (k, outcome) in (tried..end).zip(results) {
                if accepted.len() == s.particles {
                    break;
                }
                match outcome {
                    Outcome::Missing => {
                        return Err(AbcError::Missing {
                            generation: t,
                            index: k,
                            accepted: accepted.len(),
                        });
                    }
                    Outcome::Outside => {
                        tried = k + 1;
                        continue;
                    }
                    Outcome::Undefined => {}
                    Outcome::Rejected => defined += 1,
                    Outcome::Accepted(theta, d) => {
                        defined += 1;
                        accepted.push((theta, d));
                    }
                }
                tried = k + 1;
                simulated += 1;
            }
            if t == 0 && defined == 0 && simulated > 0 {
                return Err(AbcError::Undefined { tried: simulated });
            }
        }
        let (particles, distances): (Vec<Vec<f64>>, Vec<f64>) = accepted.into_iter().unzip();
        let weights = match self.previous {
            None => vec![1.0; particles.len()],
            Some(g) => particles
                .iter()
                .map(|theta| {
                    let prior: f64 = self
                        .priors
                        .iter()
                        .zip(theta)
                        .map(|(p, &x)| p.density(x))
                        .product();
                    let mixture: f64 = g
                        .particles
                        .iter()
                        .zip(&g.weights)
                        .map(|(parent, w)| w * kernel_density(theta, parent, &self.scales))
                        .sum();
                    prior / mixture
                })
                .collect(),
        };
        let total: f64 = weights.iter().sum();
        Ok(Generation {
            tolerance: self.tolerance,
            particles,
            weights: weights.iter().map(|w| w / total).collect(),
            distances,
            proposals: tried,
            simulations: simulated,
        })
    }
}

/// What became of one proposal.
enum Outcome {
    /// Not known yet (see [`Step::fill`]).
    Missing,
    /// Outside the prior's support: never simulated.
    Outside,
    /// Simulated, with no distance (NaN or infinite).
    Undefined,
    /// Simulated, farther than the tolerance.
    Rejected,
    /// Simulated and kept, with its distance.
    Accepted(Vec<f64>, f64),
}

/// The seed of proposal `k` of generation `t`'s simulation: distinct for
/// every proposal, the same on every machine.
pub fn proposal_seed(seed: u64, t: usize, k: usize) -> u64 {
    use rand::RngCore;
    // Shifted into the seeds a scenario accepts (0 to i64::MAX).
    Stream::new(seed, t as u64, k as u64, Purpose::CalibrationSimulation).next_u64() >> 1
}

/// The `q` quantile of `xs` (the value at rank `ceil(q n)`).
fn quantile(xs: &[f64], q: f64) -> f64 {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Twice the weighted variance of each parameter (Beaumont et al. 2009),
/// as a standard deviation; a parameter with no spread left gets a tiny
/// one, so the kernel still moves.
fn kernel_scales(g: &Generation, dims: usize) -> Vec<f64> {
    (0..dims)
        .map(|j| {
            let mean: f64 = g
                .particles
                .iter()
                .zip(&g.weights)
                .map(|(p, w)| w * p[j])
                .sum();
            let var: f64 = g
                .particles
                .iter()
                .zip(&g.weights)
                .map(|(p, w)| w * (p[j] - mean).powi(2))
                .sum();
            (2.0 * var).sqrt().max(1e-12 * (1.0 + mean.abs()))
        })
        .collect()
}

/// The Gaussian kernel's density of moving `from` to `to` (diagonal).
fn kernel_density(to: &[f64], from: &[f64], scales: &[f64]) -> f64 {
    to.iter()
        .zip(from)
        .zip(scales)
        .map(|((x, m), sd)| {
            let z = (x - m) / sd;
            (-0.5 * z * z).exp() / sd
        })
        .product()
}

/// The index drawn by `u` in [0, 1) from normalised `weights`.
fn pick(weights: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        if u < acc {
            return i;
        }
    }
    weights.len() - 1
}

/// A weighted quantile of parameter `j` of a generation.
pub fn weighted_quantile(g: &Generation, j: usize, q: f64) -> f64 {
    let values: Vec<f64> = g.particles.iter().map(|p| p[j]).collect();
    weighted_quantile_of(&values, &g.weights, q)
}

/// The `q` quantile of `values` weighted by normalised `weights`: the
/// smallest value at which the weights of the values up to it reach `q`;
/// NaN when there are none.
pub fn weighted_quantile_of(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut acc = 0.0;
    for (x, w) in &pairs {
        acc += w;
        if acc >= q {
            return *x;
        }
    }
    pairs.last().map_or(f64::NAN, |p| p.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model whose summary is its parameter plus noise of sd 0.02: with
    /// a target of 0.3 (sd 0.02) and a uniform prior on [0, 1], the
    /// posterior concentrates around 0.3.
    fn toy(theta: &[f64], p: Proposal) -> f64 {
        let mut rng = Stream::new(p.seed, 0, 0, Purpose::Calibration);
        let z: f64 = StandardNormal.sample(&mut rng);
        ((theta[0] + 0.02 * z - 0.3) / 0.02).abs()
    }

    fn settings() -> Settings {
        Settings {
            particles: 200,
            generations: 5,
            quantile: 0.5,
            seed: 4,
            max_proposals: 100_000,
        }
    }

    #[test]
    fn the_posterior_recovers_a_known_parameter_and_narrows_each_generation() {
        let priors = [Prior::Uniform { lo: 0.0, hi: 1.0 }];
        let gens = abc_smc(&priors, &settings(), &toy, &|_, _| {}).unwrap();
        assert_eq!(gens.len(), 6);
        let last = gens.last().unwrap();
        let (lo, hi) = (
            weighted_quantile(last, 0, 0.05),
            weighted_quantile(last, 0, 0.95),
        );
        assert!(lo < 0.3 && 0.3 < hi, "90% interval [{lo}, {hi}]");
        assert!(hi - lo < 0.5 * priors[0].width_90(), "[{lo}, {hi}]");
        for w in gens.windows(2) {
            assert!(w[1].tolerance <= w[0].tolerance);
        }
        assert!((last.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(
            last.effective_sample_size() > 20.0,
            "{}",
            last.effective_sample_size()
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_generations_on_any_number_of_threads() {
        let priors = [Prior::Uniform { lo: 0.0, hi: 1.0 }];
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let a = one.install(|| abc_smc(&priors, &settings(), &toy, &|_, _| {}).unwrap());
        let b = abc_smc(&priors, &settings(), &toy, &|_, _| {}).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn an_unreachable_target_stops_with_an_error() {
        let priors = [Prior::Uniform { lo: 0.0, hi: 1.0 }];
        let never = |_: &[f64], _: Proposal| f64::NAN;
        let s = Settings {
            max_proposals: 500,
            ..settings()
        };
        assert_eq!(
            abc_smc(&priors, &s, &never, &|_, _| {}),
            Err(AbcError::Undefined { tried: 200 }),
            "stops after the first batch"
        );
        let far = |_: &[f64], _: Proposal| 1e9;
        let s = Settings {
            max_proposals: 2_000,
            ..settings()
        };
        assert!(
            abc_smc(&priors, &s, &far, &|_, _| {}).is_ok(),
            "a defined but large distance fills the prior generation"
        );
    }

    #[test]
    fn priors_have_their_support_and_draws() {
        let mut rng = Stream::new(1, 0, 0, Purpose::Calibration);
        let log = Prior::LogUniform { lo: 0.01, hi: 1.0 };
        for _ in 0..1000 {
            let x = log.sample(&mut rng);
            assert!((0.01..=1.0).contains(&x) && log.density(x) > 0.0);
        }
        assert_eq!(log.density(2.0), 0.0);
        assert_eq!(Prior::Uniform { lo: 0.0, hi: 2.0 }.density(1.0), 0.5);
        let normal = Prior::Normal { mean: 1.0, sd: 2.0 };
        assert!((normal.width_90() - 6.579_414_507_805_888).abs() < 1e-9);
    }
}
