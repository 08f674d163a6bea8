//! Equity measures.

/// Population-weighted Gini coefficient of `values` with `weights`.
/// 0 is perfect equality; NaN when the total is zero.
pub fn gini(values: &[f64], weights: &[f64]) -> f64 {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total_weight: f64 = pairs.iter().map(|p| p.1).sum();
    let total: f64 = pairs.iter().map(|p| p.0 * p.1).sum();
    if total_weight <= 0.0 || total <= 0.0 {
        return f64::NAN;
    }
    // 1 - sum of trapezoids under the Lorenz curve.
    let mut area = 0.0;
    let mut lorenz = 0.0;
    for (x, w) in pairs {
        let next = lorenz + x * w / total;
        area += (w / total_weight) * (lorenz + next);
        lorenz = next;
    }
    1.0 - area
}

/// Concentration index of `values` over groups ordered from poorest to
/// richest, with population `weights` (grouped-data formula, Kakwani et al.
/// 1997). Below 0: concentrated among the poor.
pub fn concentration_index(values: &[f64], weights: &[f64]) -> f64 {
    let total_weight: f64 = weights.iter().sum();
    let mean: f64 = values.iter().zip(weights).map(|(x, w)| x * w).sum::<f64>() / total_weight;
    if total_weight <= 0.0 || mean <= 0.0 {
        return f64::NAN;
    }
    let mut before = 0.0;
    let mut sum = 0.0;
    for (x, w) in values.iter().zip(weights) {
        let share = w / total_weight;
        let rank = before + share / 2.0;
        sum += share * x * rank;
        before += share;
    }
    2.0 * sum / mean - 1.0
}

/// The `p`-th percentile (0-1) of a histogram whose bin `i` counts the value `i`.
pub fn percentile(histogram: &[u64], p: f64) -> f64 {
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return f64::NAN;
    }
    let target = (p * total as f64).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (value, count) in histogram.iter().enumerate() {
        seen += count;
        if seen >= target {
            return value as f64;
        }
    }
    (histogram.len() - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_of_equal_is_zero_and_of_one_holder_is_near_one() {
        assert!(gini(&[2.0, 2.0, 2.0], &[1.0, 1.0, 1.0]).abs() < 1e-12);
        let g = gini(&[0.0, 0.0, 0.0, 10.0], &[1.0; 4]);
        assert!((g - 0.75).abs() < 1e-12, "{g}");
    }

    #[test]
    fn concentration_index_sign_follows_who_gets_more() {
        let w = [1.0; 5];
        assert!(concentration_index(&[5.0, 4.0, 3.0, 2.0, 1.0], &w) < 0.0);
        assert!(concentration_index(&[1.0, 2.0, 3.0, 4.0, 5.0], &w) > 0.0);
        assert!(concentration_index(&[3.0; 5], &w).abs() < 1e-12);
    }

    #[test]
    fn percentile_reads_the_histogram() {
        let h = [0, 5, 0, 5];
        assert_eq!(percentile(&h, 0.5), 1.0);
        assert_eq!(percentile(&h, 0.9), 3.0);
        assert!(percentile(&[0, 0], 0.5).is_nan());
    }
}
