//! Sobol sensitivity indices from a Saltelli design (Saltelli et al. 2010,
//! Comput. Phys. Commun. 181:259): first-order indices by Saltelli's
//! estimator, total indices by Jansen's, with bootstrap intervals.

use crate::rng::{Purpose, Stream};

/// One factor's indices with 95% bootstrap intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Indices {
    /// First-order index S1 (Saltelli et al. 2010 estimator).
    pub first: f64,
    /// Lower end of S1's 95% bootstrap interval.
    pub first_low: f64,
    /// Upper end of S1's 95% bootstrap interval.
    pub first_high: f64,
    /// Total-order index ST (Jansen 1999 estimator).
    pub total: f64,
    /// Lower end of ST's 95% bootstrap interval.
    pub total_low: f64,
    /// Upper end of ST's 95% bootstrap interval.
    pub total_high: f64,
}

fn estimate(y: &[f64], n: usize, k: usize, rows: &[usize]) -> Vec<(f64, f64)> {
    let a = |j: usize| y[j];
    let ab = |i: usize, j: usize| y[(2 + i) * n + j];
    let all: Vec<f64> = rows.iter().flat_map(|&j| [y[j], y[n + j]]).collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / all.len() as f64;
    // Centred outputs: the first-order estimator multiplies by f(B), whose
    // mean only adds noise.
    let b = |j: usize| y[n + j] - mean;
    let m = rows.len() as f64;
    (0..k)
        .map(|i| {
            if var <= 0.0 {
                return (f64::NAN, f64::NAN);
            }
            let first = rows.iter().map(|&j| b(j) * (ab(i, j) - a(j))).sum::<f64>() / m / var;
            let total =
                rows.iter().map(|&j| (a(j) - ab(i, j)).powi(2)).sum::<f64>() / (2.0 * m) / var;
            (first, total)
        })
        .collect()
}

/// Fewest base samples with every point defined for which coserve reports
/// Sobol indices: below it the estimators' bootstrap intervals are
/// themselves unreliable.
pub const MIN_SAMPLES: usize = 32;

/// Sobol indices of every factor, and how many base samples they rest on.
#[derive(Clone, Debug, PartialEq)]
pub struct Sobol {
    /// One per factor, in the design's factor order.
    pub indices: Vec<Indices>,
    /// Base samples whose `k + 2` outputs are all defined; only these enter
    /// the estimates.
    pub samples_used: usize,
}

/// Indices of `k` factors from outputs `y` in Saltelli order (`n * (k + 2)`
/// values: A, B, then A with column i from B). `resamples` bootstrap draws
/// of the base rows give the intervals. An undefined output (NaN, infinite)
/// is never replaced: its whole base row (A, B and every AB of it) is left
/// out, as the estimators allow, and [`Sobol::samples_used`] says how many
/// remain.
pub fn sobol_indices(y: &[f64], n: usize, k: usize, resamples: usize, seed: u64) -> Sobol {
    assert_eq!(
        y.len(),
        n * (k + 2),
        "outputs must follow the Saltelli design"
    );
    let rows: Vec<usize> = (0..n)
        .filter(|&j| (0..k + 2).all(|block| y[block * n + j].is_finite()))
        .collect();
    if rows.len() < 2 {
        let none = Indices {
            first: f64::NAN,
            first_low: f64::NAN,
            first_high: f64::NAN,
            total: f64::NAN,
            total_low: f64::NAN,
            total_high: f64::NAN,
        };
        return Sobol {
            indices: vec![none; k],
            samples_used: rows.len(),
        };
    }
    let point = estimate(y, n, k, &rows);
    let mut boot: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(resamples); k];
    for b in 0..resamples {
        let mut rng = Stream::new(seed, b as u64, 0, Purpose::Design);
        let sample: Vec<usize> = (0..rows.len())
            .map(|_| rows[((rng.uniform() * rows.len() as f64) as usize).min(rows.len() - 1)])
            .collect();
        for (i, e) in estimate(y, n, k, &sample).into_iter().enumerate() {
            boot[i].push(e);
        }
    }
    let quantile = |mut xs: Vec<f64>, q: f64| -> f64 {
        xs.retain(|x| x.is_finite());
        if xs.is_empty() {
            return f64::NAN;
        }
        xs.sort_by(f64::total_cmp);
        xs[((q * (xs.len() - 1) as f64).round() as usize).min(xs.len() - 1)]
    };
    let indices = (0..k)
        .map(|i| {
            let firsts: Vec<f64> = boot[i].iter().map(|e| e.0).collect();
            let totals: Vec<f64> = boot[i].iter().map(|e| e.1).collect();
            Indices {
                first: point[i].0,
                first_low: quantile(firsts.clone(), 0.025),
                first_high: quantile(firsts, 0.975),
                total: point[i].1,
                total_low: quantile(totals.clone(), 0.025),
                total_high: quantile(totals, 0.975),
            }
        })
        .collect();
    Sobol {
        indices,
        samples_used: rows.len(),
    }
}

/// Why an estimate should not be read as a share of variance, if it
/// should not: an index above 1 beyond its interval, a first-order index
/// above the total beyond both intervals and 0.05 (the design is too small
/// to separate them), or a 95% interval wider than 0.3 (too few samples for
/// the question).
pub fn caveat(ix: &Indices) -> Option<String> {
    let mut reasons = Vec::new();
    if ix.first.is_nan() || ix.total.is_nan() {
        return Some("undefined: the metric does not vary over the defined samples".into());
    }
    // Estimates scatter around the truth: only a departure beyond the
    // interval (and, for S1 against ST, beyond a margin that matters) is
    // one the design cannot have produced by chance.
    if ix.first_low > 1.0 || ix.total_low > 1.0 {
        reasons.push("an index above 1");
    }
    if ix.first_low > ix.total_high + 0.05 {
        reasons.push("S1 above ST");
    }
    if ix.first_high - ix.first_low > 0.3 || ix.total_high - ix.total_low > 0.3 {
        reasons.push("an interval wider than 0.3");
    }
    (!reasons.is_empty()).then(|| {
        format!(
            "{}: too few samples for this metric; raise `samples`",
            reasons.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::design::{latin_hypercube, saltelli};
    use std::f64::consts::PI;

    #[test]
    fn ishigami_indices_match_the_analytic_values() {
        let (n, k) = (8192, 3);
        let mut rng = Stream::new(5, 0, 0, Purpose::Design);
        let a = latin_hypercube(n, k, &mut rng);
        let b = latin_hypercube(n, k, &mut rng);
        let y: Vec<f64> = saltelli(&a, &b)
            .iter()
            .map(|u| {
                let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
                x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
            })
            .collect();
        let s = sobol_indices(&y, n, k, 200, 9).indices;
        let first = [0.314, 0.442, 0.000];
        let total = [0.558, 0.442, 0.244];
        for i in 0..k {
            assert!(
                (s[i].first - first[i]).abs() < 0.03,
                "S1[{i}] = {}",
                s[i].first
            );
            assert!(
                (s[i].total - total[i]).abs() < 0.03,
                "ST[{i}] = {}",
                s[i].total
            );
            assert!(s[i].first_low <= s[i].first && s[i].first <= s[i].first_high);
            assert!(s[i].total_high - s[i].total_low < 0.1, "interval too wide");
        }
    }

    #[test]
    fn undefined_outputs_drop_their_base_sample_and_are_never_zero() {
        let (n, k) = (64, 2);
        let mut rng = Stream::new(3, 0, 0, Purpose::Design);
        let a = latin_hypercube(n, k, &mut rng);
        let b = latin_hypercube(n, k, &mut rng);
        let f = |u: &Vec<f64>| u[0] + 0.2 * u[1];
        let mut y: Vec<f64> = saltelli(&a, &b).iter().map(f).collect();
        let full = sobol_indices(&y, n, k, 50, 1);
        assert_eq!(full.samples_used, n);
        // One AB point and one B point undefined: two base samples go.
        y[2 * n + 5] = f64::NAN;
        y[n + 9] = f64::NAN;
        let partial = sobol_indices(&y, n, k, 50, 1);
        assert_eq!(partial.samples_used, n - 2);
        assert!(partial.indices[0].first.is_finite());
        // Taking them as 0 would move the estimate; leaving them out does not much.
        assert!((partial.indices[0].first - full.indices[0].first).abs() < 0.1);
        let none = sobol_indices(&vec![f64::NAN; n * (k + 2)], n, k, 10, 1);
        assert_eq!(none.samples_used, 0);
        assert!(none.indices[0].first.is_nan());
    }

    #[test]
    fn impossible_shares_and_wide_intervals_get_a_caveat() {
        let good = Indices {
            first: 0.6,
            first_low: 0.55,
            first_high: 0.65,
            total: 0.7,
            total_low: 0.65,
            total_high: 0.75,
        };
        assert_eq!(caveat(&good), None);
        let above = Indices {
            first: 1.9,
            first_low: 1.8,
            first_high: 2.0,
            ..good
        };
        assert!(caveat(&above).unwrap().contains("above 1"));
        let crossed = Indices {
            first: 0.9,
            first_low: 0.85,
            first_high: 0.95,
            total: 0.5,
            total_low: 0.45,
            total_high: 0.55,
        };
        assert!(caveat(&crossed).unwrap().contains("S1 above ST"));
        let wide = Indices {
            first_low: 0.1,
            first_high: 0.9,
            ..good
        };
        assert!(caveat(&wide).unwrap().contains("wider than 0.3"));
    }
}
