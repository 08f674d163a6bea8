//! Summary statistics with confidence intervals.

/// Mean of the finite values; NaN if there are none.
pub fn mean(xs: &[f64]) -> f64 {
    let finite: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.is_empty() {
        f64::NAN
    } else {
        finite.iter().sum::<f64>() / finite.len() as f64
    }
}

/// Sample standard deviation of the finite values; NaN with fewer than two.
pub fn sd(xs: &[f64]) -> f64 {
    let finite: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.len() < 2 {
        return f64::NAN;
    }
    let m = mean(&finite);
    (finite.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (finite.len() - 1) as f64).sqrt()
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom: from the
/// table up to 30, Hill's (1970) expansion beyond (error below 1e-5).
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        _ => {
            let z: f64 = 1.959_963_985;
            let v = df as f64;
            z + (z.powi(3) + z) / (4.0 * v)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z)
                    / (384.0 * v.powi(3))
        }
    }
}

/// Mean of paired differences `b - a` with a 95% t confidence interval.
/// Pairs where either value is undefined are left out; `n` counts the rest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairedDifference {
    /// Mean of the differences.
    pub mean: f64,
    /// Lower end of the 95% t interval.
    pub low: f64,
    /// Upper end of the 95% t interval.
    pub high: f64,
    /// Pairs (NaN pairs left out).
    pub n: usize,
}

/// The share of the variance of `groups`' values that lies within groups:
/// the pooled within-group variance (each group's sample variance, weighted
/// by its degrees of freedom) over the variance of all values together, in
/// [0, 1] (clamped: with no difference between groups the two estimates
/// differ by chance). Groups are a comparison's regimes, or a sweep's design
/// points, and the values their replicates, so this is the share of the
/// variance that comes from the seed rather than from what varies between
/// groups. NaN values are left out; NaN when fewer than two groups have
/// values, when any of them has only one, or when every value is the same.
pub fn within_share(groups: &[Vec<f64>]) -> f64 {
    let finite: Vec<Vec<f64>> = groups
        .iter()
        .map(|g| g.iter().copied().filter(|x| x.is_finite()).collect())
        .filter(|g: &Vec<f64>| !g.is_empty())
        .collect();
    if finite.len() < 2 || finite.iter().any(|g| g.len() < 2) {
        return f64::NAN;
    }
    let (mut within, mut df) = (0.0, 0usize);
    for g in &finite {
        let m = mean(g);
        within += g.iter().map(|x| (x - m).powi(2)).sum::<f64>();
        df += g.len() - 1;
    }
    let all: Vec<f64> = finite.concat();
    let total = sd(&all).powi(2);
    if total <= 0.0 || df == 0 {
        return f64::NAN;
    }
    (within / df as f64 / total).clamp(0.0, 1.0)
}

/// The mean of `a - b` pair by pair, with its 95% t interval. `a` and `b` have one value per replicate, in the same order.
pub fn paired_difference(a: &[f64], b: &[f64]) -> PairedDifference {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| y - x)
        .collect();
    let m = mean(&d);
    let half = if d.len() >= 2 {
        t_975(d.len() - 1) * sd(&d) / (d.len() as f64).sqrt()
    } else {
        f64::NAN
    };
    PairedDifference {
        mean: m,
        low: m - half,
        high: m + half,
        n: d.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, Stream};
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn within_share_is_all_seed_when_groups_agree_and_none_when_only_groups_differ() {
        // Same values in every group: all of the variance is within groups.
        let alike = vec![vec![1.0, 2.0, 3.0], vec![1.0, 2.0, 3.0]];
        assert!((within_share(&alike) - 1.0).abs() < 1e-12);
        // No spread within groups: none of it is.
        let apart = vec![vec![1.0, 1.0], vec![5.0, 5.0]];
        assert_eq!(within_share(&apart), 0.0);
        // Groups (0, 2) and (10, 12): within 2 per group (pooled 2 over 2 df),
        // total variance of 0, 2, 10, 12 is 104 / 3.
        let mixed = vec![vec![0.0, 2.0], vec![10.0, 12.0]];
        assert!((within_share(&mixed) - 2.0 / (104.0 / 3.0)).abs() < 1e-12);
        assert!(
            within_share(&[vec![1.0], vec![2.0]]).is_nan(),
            "one value per group"
        );
        assert!(
            within_share(&[vec![1.0, 2.0], vec![f64::NAN; 2]]).is_nan(),
            "one group"
        );
        assert!(within_share(&[vec![4.0, 4.0], vec![4.0, 4.0]]).is_nan());
    }

    #[test]
    fn t_quantiles_match_tables() {
        for (df, table) in [
            (1, 12.706),
            (2, 4.303),
            (3, 3.182),
            (5, 2.571),
            (10, 2.228),
            (29, 2.045),
            (100, 1.984),
        ] {
            assert!((t_975(df) - table).abs() < 2e-3, "df {df}: {}", t_975(df));
        }
    }

    #[test]
    fn paired_intervals_cover_the_true_difference_at_the_nominal_rate() {
        // Synthetic pairs: a = common noise + own noise, b = a + 0.3 + noise.
        let trials = 2000;
        let mut covered = 0;
        for trial in 0..trials {
            let mut rng = Stream::new(99, trial, 0, Purpose::City);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for _ in 0..10 {
                let common: f64 = StandardNormal.sample(&mut rng);
                let ea: f64 = StandardNormal.sample(&mut rng);
                let eb: f64 = StandardNormal.sample(&mut rng);
                a.push(5.0 * common + 0.5 * ea);
                b.push(5.0 * common + 0.3 + 0.5 * eb);
            }
            let d = paired_difference(&a, &b);
            covered += u32::from(d.low <= 0.3 && 0.3 <= d.high);
        }
        let rate = covered as f64 / trials as f64;
        assert!((0.93..=0.97).contains(&rate), "coverage {rate}");
    }

    #[test]
    fn undefined_values_are_left_out() {
        let d = paired_difference(&[1.0, f64::NAN, 2.0], &[2.0, 5.0, 3.0]);
        assert_eq!(d.n, 2);
        assert_eq!(d.mean, 1.0);
        assert_eq!(d.low, 1.0, "no spread, no width");
    }
}
