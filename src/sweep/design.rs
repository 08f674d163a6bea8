//! Design points: where in the factor space each run goes.

use super::spec::{Design, SweepSpec};
use crate::rng::{Purpose, Stream};
use toml::Value;

/// Unit-cube coordinates of the design, one row per point (before mapping
/// to factor values). Grid designs map levels directly, so they return
/// `None` here.
pub fn unit_points(spec: &SweepSpec) -> Option<Vec<Vec<f64>>> {
    let k = spec.factors.len();
    let n = spec.samples;
    let mut rng = Stream::new(spec.seed, 0, 0, Purpose::Design);
    match spec.design {
        Design::Grid => None,
        Design::Random => Some(
            (0..n)
                .map(|_| (0..k).map(|_| rng.uniform()).collect())
                .collect(),
        ),
        Design::LatinHypercube => Some(latin_hypercube(n, k, &mut rng)),
        Design::Saltelli => {
            let a = latin_hypercube(n, k, &mut rng);
            let b = latin_hypercube(n, k, &mut rng);
            Some(saltelli(&a, &b))
        }
        Design::Morris => Some(super::morris::design(n, k, &mut rng)),
    }
}

/// `n` points in `k` dimensions with exactly one point in each of the `n`
/// equal strata of every dimension.
pub fn latin_hypercube(n: usize, k: usize, rng: &mut Stream) -> Vec<Vec<f64>> {
    let mut points = vec![vec![0.0; k]; n];
    for dim in 0..k {
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (rng.uniform() * (i + 1) as f64) as usize;
            strata.swap(i, j.min(i));
        }
        for (point, stratum) in points.iter_mut().zip(strata) {
            point[dim] = (stratum as f64 + rng.uniform()) / n as f64;
        }
    }
    points
}

/// Saltelli's arrangement: the rows of A, then of B, then for each factor i
/// the rows of A with column i taken from B (`n * (k + 2)` points).
pub fn saltelli(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = a.first().map_or(0, Vec::len);
    let mut points: Vec<Vec<f64>> = a.iter().chain(b).cloned().collect();
    for i in 0..k {
        for (ra, rb) in a.iter().zip(b) {
            let mut row = ra.clone();
            row[i] = rb[i];
            points.push(row);
        }
    }
    points
}

/// The design points of a sweep, produced one at a time: a grid of a
/// million points holds only each factor's levels.
pub enum Points<'a> {
    /// Every combination of the factors' levels; the last factor varies
    /// fastest.
    Grid(Vec<Vec<Value>>),
    /// Unit-cube coordinates mapped through each factor's range.
    Unit {
        /// The sweep, for its factors' ranges.
        spec: &'a SweepSpec,
        /// One row of unit-cube coordinates per point, one column per factor.
        unit: Vec<Vec<f64>>,
    },
}

impl Points<'_> {
    /// How many points.
    pub fn len(&self) -> usize {
        match self {
            Points::Grid(levels) => levels.iter().map(Vec::len).product(),
            Points::Unit { unit, .. } => unit.len(),
        }
    }

    /// Whether the design has no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The factor values of point `p` (0 <= p < len), in factor order.
    pub fn get(&self, p: usize) -> Vec<Value> {
        match self {
            Points::Grid(levels) => {
                let mut rest = p;
                let mut values: Vec<Value> = levels
                    .iter()
                    .rev()
                    .map(|l| {
                        let v = l[rest % l.len()].clone();
                        rest /= l.len();
                        v
                    })
                    .collect();
                values.reverse();
                values
            }
            Points::Unit { spec, unit } => spec
                .factors
                .iter()
                .zip(&unit[p])
                .map(|(f, &x)| f.value_at(x))
                .collect(),
        }
    }
}

/// The design points of `spec`, in design order. The spec's size was
/// checked against [`MAX_RUNS`](super::MAX_RUNS) when it was loaded.
pub fn points(spec: &SweepSpec) -> RunPoints<'_> {
    let design = match unit_points(spec) {
        Some(unit) => Points::Unit { spec, unit },
        None => Points::Grid(spec.factors.iter().map(|f| f.grid()).collect()),
    };
    RunPoints {
        design,
        regimes: &spec.regimes,
    }
}

/// The points a sweep runs: every design point under each regime in turn
/// (point `p` is design point `p / regimes` under regime `p % regimes`),
/// or the design points alone when the sweep has no regimes.
pub struct RunPoints<'a> {
    design: Points<'a>,
    regimes: &'a [String],
}

impl RunPoints<'_> {
    /// How many points.
    pub fn len(&self) -> usize {
        self.design.len() * self.regimes.len().max(1)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `p`'s factor values, then its regime's name in a regime sweep.
    pub fn get(&self, p: usize) -> Vec<Value> {
        if self.regimes.is_empty() {
            return self.design.get(p);
        }
        let r = self.regimes.len();
        let mut values = self.design.get(p / r);
        values.push(Value::String(self.regimes[p % r].clone()));
        values
    }
}

/// An order of `n` indices that spreads early ones across the whole range
/// (bit-reversal), so a partial sweep covers the design evenly.
pub fn interleaved(n: usize) -> Vec<usize> {
    let bits = usize::BITS - n.max(1).leading_zeros();
    let mut order: Vec<usize> = (0..1usize << bits)
        .map(|i| i.reverse_bits() >> (usize::BITS - bits))
        .filter(|&i| i < n)
        .collect();
    order.dedup();
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_hypercube_has_one_point_per_stratum_per_factor() {
        let mut rng = Stream::new(3, 0, 0, Purpose::Design);
        let n = 37;
        let points = latin_hypercube(n, 4, &mut rng);
        assert_eq!(points.len(), n);
        for dim in 0..4 {
            let mut strata: Vec<usize> = points
                .iter()
                .map(|p| (p[dim] * n as f64) as usize)
                .collect();
            strata.sort();
            assert_eq!(strata, (0..n).collect::<Vec<_>>(), "dimension {dim}");
        }
    }

    #[test]
    fn saltelli_has_n_times_k_plus_2_points_with_one_column_swapped() {
        let mut rng = Stream::new(3, 0, 0, Purpose::Design);
        let a = latin_hypercube(8, 3, &mut rng);
        let b = latin_hypercube(8, 3, &mut rng);
        let p = saltelli(&a, &b);
        assert_eq!(p.len(), 8 * 5);
        let ab1 = &p[16 + 8 + 2];
        assert_eq!(ab1[0], a[2][0]);
        assert_eq!(ab1[1], b[2][1]);
        assert_eq!(ab1[2], a[2][2]);
    }

    #[test]
    fn interleaved_is_a_permutation_that_spreads_out() {
        let order = interleaved(10);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_eq!(&order[..2], &[0, 8]);
        assert!(order[..4].iter().any(|i| (4..8).contains(i)));
    }
}
