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

/// Indices of `k` factors from outputs `y` in Saltelli order (`n * (k + 2)`
/// values: A, B, then A with column i from B). `resamples` bootstrap draws
/// of the base rows give the intervals.
pub fn sobol_indices(y: &[f64], n: usize, k: usize, resamples: usize, seed: u64) -> Vec<Indices> {
    assert_eq!(
        y.len(),
        n * (k + 2),
        "outputs must follow the Saltelli design"
    );
    let rows: Vec<usize> = (0..n).collect();
    let point = estimate(y, n, k, &rows);
    let mut boot: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(resamples); k];
    for b in 0..resamples {
        let mut rng = Stream::new(seed, b as u64, 0, Purpose::Design);
        let sample: Vec<usize> = (0..n)
            .map(|_| ((rng.uniform() * n as f64) as usize).min(n - 1))
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
    (0..k)
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
        .collect()
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
        let s = sobol_indices(&y, n, k, 200, 9);
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
}
