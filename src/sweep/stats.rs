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

/// The share of the variation of `groups`' values that lies within groups:
/// the within-group sum of squares over the total sum of squares about the
/// grand mean (one-way analysis of variance), in [0, 1]. Groups are a
/// comparison's regimes and the values their replicates, so this is the
/// share of a metric's variation over all runs that comes from the seed
/// rather than the regimes. NaN values are left out; NaN when fewer than
/// two groups have values, when any of them has only one, or when every
/// value is the same.
pub fn within_share(groups: &[Vec<f64>]) -> f64 {
    let finite: Vec<Vec<f64>> = groups
        .iter()
        .map(|g| g.iter().copied().filter(|x| x.is_finite()).collect())
        .filter(|g: &Vec<f64>| !g.is_empty())
        .collect();
    if finite.len() < 2 || finite.iter().any(|g| g.len() < 2) {
        return f64::NAN;
    }
    let squares = |g: &[f64], about: f64| g.iter().map(|x| (x - about).powi(2)).sum::<f64>();
    let within: f64 = finite.iter().map(|g| squares(g, mean(g))).sum();
    let all = finite.concat();
    let total = squares(&all, mean(&all));
    if total <= 0.0 {
        return f64::NAN;
    }
    within / total
}

/// The noise variance left in the means of `rows`, each a design point's
/// replicates under common random numbers (replicate r uses seed + r at
/// every point): the residual mean square of a two-way analysis of variance
/// without interaction (point x replicate), divided by the replicates. The
/// replicate's own effect, shared by every point, is taken out, since it
/// moves every point mean alike and no index sees it. Needs every row to
/// have the same number of replicates, at least 2, and at least two rows;
/// NaN otherwise.
pub fn crn_noise_of_means(rows: &[Vec<f64>]) -> f64 {
    let r = rows.first().map_or(0, Vec::len);
    let p = rows.len();
    if r < 2
        || p < 2
        || rows
            .iter()
            .any(|row| row.len() != r || row.iter().any(|x| !x.is_finite()))
    {
        return f64::NAN;
    }
    let grand = rows.iter().flatten().sum::<f64>() / (p * r) as f64;
    let row_means: Vec<f64> = rows.iter().map(|row| mean(row)).collect();
    let column_means: Vec<f64> = (0..r)
        .map(|j| rows.iter().map(|row| row[j]).sum::<f64>() / p as f64)
        .collect();
    let residual: f64 = rows
        .iter()
        .zip(&row_means)
        .flat_map(|(row, m)| {
            row.iter()
                .zip(&column_means)
                .map(move |(x, c)| (x - m - c + grand).powi(2))
        })
        .sum();
    residual / ((p - 1) * (r - 1)) as f64 / r as f64
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
    fn noise_under_common_random_numbers_leaves_out_what_every_point_shares() {
        // Replicate 2 is replicate 1 plus 5 at every point: all of the
        // seed's effect is shared, so none is left in the point means.
        let shared = vec![vec![1.0, 6.0], vec![3.0, 8.0], vec![7.0, 12.0]];
        assert!(crn_noise_of_means(&shared).abs() < 1e-12);
        // Residuals +-1 around point + replicate effects: residual squares
        // 4 x 1 over (2 - 1)(2 - 1) = 4, halved for the mean of 2 replicates.
        let noisy = vec![vec![1.0, -1.0], vec![-1.0, 1.0]];
        assert!((crn_noise_of_means(&noisy) - 2.0).abs() < 1e-12);
        assert!(
            crn_noise_of_means(&[vec![1.0], vec![2.0]]).is_nan(),
            "one replicate"
        );
        assert!(crn_noise_of_means(&[vec![1.0, 2.0], vec![f64::NAN, 2.0]]).is_nan());
    }

    #[test]
    fn within_share_is_all_seed_when_groups_agree_and_none_when_only_groups_differ() {
        // Same values in every group: all of the variance is within groups.
        let alike = vec![vec![1.0, 2.0, 3.0], vec![1.0, 2.0, 3.0]];
        assert!((within_share(&alike) - 1.0).abs() < 1e-12);
        // No spread within groups: none of it is.
        let apart = vec![vec![1.0, 1.0], vec![5.0, 5.0]];
        assert_eq!(within_share(&apart), 0.0);
        // Groups (0, 2) and (10, 12): within-group squares 2 + 2, total
        // squares about 6: 36 + 16 + 16 + 36 = 104.
        let mixed = vec![vec![0.0, 2.0], vec![10.0, 12.0]];
        assert!((within_share(&mixed) - 4.0 / 104.0).abs() < 1e-12);
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
