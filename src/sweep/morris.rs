//! Morris elementary effects (Morris 1991, Technometrics 33:161): a
//! screening design of `r` trajectories, each moving one factor at a time
//! across a 4-level grid, and the measures mu, mu* (Campolongo, Cariboni
//! & Saltelli 2007, Environ. Model. Softw. 22:1509) and sigma, with
//! bootstrap intervals over trajectories. Trajectories are picked for
//! spread from a larger random pool, as Campolongo et al. 2007 advise, by
//! the greedy rule of Ruano, Ribes, Sin, Sorribas & Alves 2012 (Environ.
//! Model. Softw. 37:103).
//!
//! Costs `r (k + 1)` runs for `k` factors, against Sobol's `n (k + 2)`
//! with `n` in the hundreds: a screening of many factors, which ranks
//! them but does not apportion variance.

use crate::rng::{Purpose, Stream};

/// Grid levels per factor (`p`): the usual choice (Saltelli et al. 2008,
/// Global Sensitivity Analysis: The Primer, ch. 3).
pub const LEVELS: usize = 4;

/// The step of an elementary effect on the unit scale: `p / (2 (p - 1))`,
/// 2/3 for 4 levels, so every level is reached equally often.
pub const DELTA: f64 = LEVELS as f64 / (2.0 * (LEVELS as f64 - 1.0));

/// Fewest trajectories coserve analyses: below it mu* and sigma are
/// estimated from too few effects for their intervals to mean anything.
pub const MIN_TRAJECTORIES: usize = 8;

/// Random trajectories drawn for each one kept.
const POOL_PER_TRAJECTORY: usize = 4;

/// One random trajectory on the unit cube: `k + 1` points, each after the
/// first differing from the one before in exactly one factor, by `DELTA`
/// up or down; every factor moves once, in a random order.
fn trajectory(k: usize, rng: &mut Stream) -> Vec<Vec<f64>> {
    // Levels 0..LEVELS-1; a step is LEVELS / 2 levels (DELTA on the unit
    // scale), so a factor starts on one of the lower half and moves up, or
    // on one of the upper half and moves down.
    let top = LEVELS - 1;
    let jump = LEVELS / 2;
    let mut level: Vec<usize> = (0..k)
        .map(|_| ((rng.uniform() * LEVELS as f64) as usize).min(top))
        .collect();
    let mut order: Vec<usize> = (0..k).collect();
    for i in (1..k).rev() {
        let j = ((rng.uniform() * (i + 1) as f64) as usize).min(i);
        order.swap(i, j);
    }
    let unit =
        |level: &[usize]| -> Vec<f64> { level.iter().map(|&l| l as f64 / top as f64).collect() };
    let mut points = vec![unit(&level)];
    for i in order {
        level[i] = if level[i] + jump <= top {
            level[i] + jump
        } else {
            level[i] - jump
        };
        points.push(unit(&level));
    }
    points
}

/// Campolongo et al.'s distance between two trajectories: the sum of the
/// Euclidean distances between every point of one and every point of the
/// other.
fn distance(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flat_map(|p| b.iter().map(move |q| (p, q)))
        .map(|(p, q)| {
            p.iter()
                .zip(q)
                .map(|(x, y)| (x - y).powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .sum()
}

/// The most trajectories a pool to choose from holds: the greedy choice
/// costs the square of the pool in distances, so large designs draw their
/// trajectories at random (with hundreds of them, random ones already
/// spread over the grid).
const MAX_POOL: usize = 1000;

/// How many distinct trajectories `k` factors have: a start level for each
/// factor (which fixes its direction) and an order of the moves,
/// `LEVELS^k k!`, saturating.
pub fn distinct_trajectories(k: usize) -> u64 {
    (1..=k as u64).fold(1u64, |n, i| {
        n.saturating_mul(LEVELS as u64).saturating_mul(i)
    })
}

/// The Morris design: `r` trajectories of `k` factors as `r (k + 1)`
/// points on the unit cube (trajectory by trajectory), all distinct (so
/// `r` must be at most [`distinct_trajectories`]), chosen for spread from a
/// pool of up to `4 r` distinct random ones ([`MAX_POOL`] at most). Levels
/// are multiples of 1/3; a factor's value at `u` is read as for any design
/// ([`super::spec::Factor::value_at`]).
pub fn design(r: usize, k: usize, rng: &mut Stream) -> Vec<Vec<f64>> {
    let distinct = usize::try_from(distinct_trajectories(k)).unwrap_or(usize::MAX);
    let wanted = (r * POOL_PER_TRAJECTORY).min(MAX_POOL).max(r).min(distinct);
    let mut pool: Vec<Vec<Vec<f64>>> = Vec::with_capacity(wanted);
    let mut seen = std::collections::HashSet::new();
    // Draws until the pool is full of distinct trajectories; with few
    // possible ones, the draws that repeat are many, so they are bounded.
    for _ in 0..wanted.saturating_mul(200).max(10_000) {
        if pool.len() == wanted {
            break;
        }
        let t = trajectory(k, rng);
        let key: Vec<u64> = t.iter().flatten().map(|x| x.to_bits()).collect();
        if seen.insert(key) {
            pool.push(t);
        }
    }
    let chosen: Vec<usize> = if pool.len() <= r {
        (0..pool.len()).collect()
    } else {
        spread_out(&pool, r)
    };
    chosen.into_iter().flat_map(|i| pool[i].clone()).collect()
}

/// `r` of the pool's trajectories, greedily far apart: the farthest pair
/// first, then the one with the largest summed distance to those chosen
/// (Ruano et al. 2012); returned in pool order.
fn spread_out(pool: &[Vec<Vec<f64>>], r: usize) -> Vec<usize> {
    let d: Vec<Vec<f64>> = pool
        .iter()
        .map(|a| pool.iter().map(|b| distance(a, b)).collect())
        .collect();
    let mut chosen: Vec<usize> = Vec::with_capacity(r);
    let mut taken = vec![false; pool.len()];
    let (mut best, mut far) = ((0, 1), f64::NEG_INFINITY);
    for (i, row) in d.iter().enumerate() {
        for (j, &dij) in row.iter().enumerate().skip(i + 1) {
            if dij > far {
                (best, far) = ((i, j), dij);
            }
        }
    }
    let mut sum = vec![0.0; pool.len()];
    for c in [best.0, best.1].into_iter().take(r) {
        chosen.push(c);
        taken[c] = true;
        for (s, row) in sum.iter_mut().zip(&d) {
            *s += row[c];
        }
    }
    while chosen.len() < r {
        let next = (0..pool.len())
            .filter(|&i| !taken[i])
            .max_by(|&a, &b| sum[a].total_cmp(&sum[b]).then(b.cmp(&a)))
            .expect("the pool is larger than r");
        chosen.push(next);
        taken[next] = true;
        for (s, row) in sum.iter_mut().zip(&d) {
            *s += row[next];
        }
    }
    chosen.sort_unstable();
    chosen
}

/// One factor's Morris measures, with 95% bootstrap intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measures {
    /// Mean elementary effect: signed, so effects of both signs cancel.
    pub mu: f64,
    /// Mean absolute elementary effect (Campolongo et al. 2007): the
    /// factor's overall influence, the measure to rank by.
    pub mu_star: f64,
    /// Lower end of mu*'s 95% bootstrap interval.
    pub mu_star_low: f64,
    /// Upper end of mu*'s 95% bootstrap interval.
    pub mu_star_high: f64,
    /// Standard deviation of the elementary effects: non-linearity or
    /// interaction with other factors.
    pub sigma: f64,
    /// Trajectories whose effect of this factor is defined.
    pub trajectories: usize,
}

/// Elementary effects of each factor from the outputs `y` of a Morris
/// design with `r` trajectories of `k` factors, read back from the unit
/// points `x` that made them (`r (k + 1)` each): `(y after - y before) /
/// step` on the unit scale, so effects of different factors compare as
/// changes over the same share of each range. A step with an undefined
/// output (NaN) gives no effect.
pub fn effects(x: &[Vec<f64>], y: &[f64], r: usize, k: usize) -> Vec<Vec<f64>> {
    let mut ee = vec![vec![f64::NAN; r]; k];
    for (t, (xs, ys)) in x.chunks(k + 1).zip(y.chunks(k + 1)).take(r).enumerate() {
        for step in 0..k {
            let (a, b) = (&xs[step], &xs[step + 1]);
            if let Some(i) = (0..k).find(|&i| a[i] != b[i]) {
                ee[i][t] = (ys[step + 1] - ys[step]) / (b[i] - a[i]);
            }
        }
    }
    ee
}

/// mu, mu* and sigma of each factor from its elementary effects (one per
/// trajectory, NaN where undefined), with mu*'s interval from `resamples`
/// bootstrap resamples of the trajectories (seeded by `seed`).
pub fn measures(effects: &[Vec<f64>], resamples: usize, seed: u64) -> Vec<Measures> {
    effects
        .iter()
        .enumerate()
        .map(|(i, ee)| {
            let defined: Vec<f64> = ee.iter().copied().filter(|e| e.is_finite()).collect();
            let n = defined.len();
            let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
            if n == 0 {
                return Measures {
                    mu: f64::NAN,
                    mu_star: f64::NAN,
                    mu_star_low: f64::NAN,
                    mu_star_high: f64::NAN,
                    sigma: f64::NAN,
                    trajectories: 0,
                };
            }
            let mu = mean(&defined);
            let abs: Vec<f64> = defined.iter().map(|e| e.abs()).collect();
            let sigma = if n > 1 {
                (defined.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
            } else {
                f64::NAN
            };
            let mut rng = Stream::new(seed, 0, i as u64, Purpose::Design);
            let mut boot: Vec<f64> = (0..resamples)
                .map(|_| {
                    let draw: Vec<f64> = (0..n)
                        .map(|_| abs[((rng.uniform() * n as f64) as usize).min(n - 1)])
                        .collect();
                    mean(&draw)
                })
                .collect();
            boot.sort_by(f64::total_cmp);
            let at = |q: f64| boot[((q * resamples as f64) as usize).min(resamples - 1)];
            Measures {
                mu,
                mu_star: mean(&abs),
                mu_star_low: at(0.025),
                mu_star_high: at(0.975),
                sigma,
                trajectories: n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trajectory_moves_each_factor_once_by_delta_on_the_grid() {
        let mut rng = Stream::new(5, 0, 0, Purpose::Design);
        let (r, k) = (10, 6);
        let x = design(r, k, &mut rng);
        assert_eq!(x.len(), r * (k + 1));
        for t in 0..r {
            let mut moved = vec![0; k];
            for j in 0..k {
                let (a, b) = (&x[t * (k + 1) + j], &x[t * (k + 1) + j + 1]);
                let changed: Vec<usize> = (0..k).filter(|&i| a[i] != b[i]).collect();
                assert_eq!(changed.len(), 1, "one factor a step");
                let i = changed[0];
                assert!(((a[i] - b[i]).abs() - DELTA).abs() < 1e-12);
                moved[i] += 1;
            }
            assert_eq!(moved, vec![1; k], "trajectory {t}");
        }
        for p in &x {
            for &u in p {
                let level = u * (LEVELS as f64 - 1.0);
                assert!((level - level.round()).abs() < 1e-9 && (0.0..=1.0).contains(&u));
            }
        }
    }

    #[test]
    fn trajectories_are_distinct_and_large_designs_are_quick() {
        let mut rng = Stream::new(1, 0, 0, Purpose::Design);
        let x = design(30, 2, &mut rng);
        let mut ts: Vec<Vec<u64>> = x
            .chunks(3)
            .map(|t| t.iter().flatten().map(|v| v.to_bits()).collect())
            .collect();
        ts.sort();
        ts.dedup();
        assert_eq!(ts.len(), 30, "30 distinct of the 32 two factors have");
        assert_eq!(distinct_trajectories(2), 32);
        // 20,000 trajectories: drawn at random, no distance matrix.
        let start = std::time::Instant::now();
        let x = design(20_000, 8, &mut rng);
        assert_eq!(x.len(), 180_000);
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    }

    #[test]
    fn the_chosen_trajectories_spread_more_than_random_ones() {
        let spread = |x: &[Vec<f64>], r: usize, k: usize| {
            let ts: Vec<&[Vec<f64>]> = x.chunks(k + 1).take(r).collect();
            let mut s = 0.0;
            for i in 0..r {
                for j in i + 1..r {
                    s += distance(ts[i], ts[j]);
                }
            }
            s
        };
        let mut rng = Stream::new(9, 0, 0, Purpose::Design);
        let chosen = design(10, 5, &mut rng);
        let mut rng = Stream::new(9, 1, 0, Purpose::Design);
        let random: Vec<Vec<f64>> = (0..10).flat_map(|_| trajectory(5, &mut rng)).collect();
        assert!(spread(&chosen, 10, 5) > spread(&random, 10, 5));
    }

    /// y = 10 x0 + x1^2 + 0 x2 + 5 x0 x3: x0 is linear and large, x3
    /// interacts (sigma > 0), x2 does nothing.
    #[test]
    fn the_measures_rank_a_known_function_right() {
        let (r, k) = (30, 4);
        let mut rng = Stream::new(2, 0, 0, Purpose::Design);
        let x = design(r, k, &mut rng);
        let y: Vec<f64> = x
            .iter()
            .map(|p| 10.0 * p[0] + p[1] * p[1] + 5.0 * p[0] * p[3])
            .collect();
        let m = measures(&effects(&x, &y, r, k), 500, 1);
        assert!(m[0].mu_star > m[3].mu_star && m[3].mu_star > m[1].mu_star);
        assert!(m[1].mu_star > m[2].mu_star);
        assert_eq!(m[2].mu_star, 0.0);
        assert_eq!(m[2].sigma, 0.0);
        assert!(m[3].sigma > 0.1, "x3's effect depends on x0");
        assert!(m[0].mu_star_low <= m[0].mu_star && m[0].mu_star <= m[0].mu_star_high);
        // x1: effect of x1^2 over a step of 2/3 from level l is (2l + 2/3).
        assert!((m[1].mu_star - m[1].mu).abs() < 1e-12, "x1 only rises");
    }
}
