//! PRIM, the patient rule induction method (Friedman & Fisher 1999,
//! Statistics and Computing 9:123), as used for scenario discovery by
//! Bryant & Lempert 2010 (Technological Forecasting and Social Change
//! 77:34): find boxes in the inputs (a range per numeric input, a set of
//! kept values per categorical one) where a condition on the outcome is
//! unusually often true.
//!
//! Peeling shrinks the box one small step at a time (a share `peel_alpha`
//! of its points off one end of one numeric input, or one value of a
//! categorical one), always the step that raises the box's density most
//! per point removed, while that rises and the box keeps at least
//! `mass_min` of the points; pasting then grows the last box back where
//! that raises density. Every step is a box on the peeling trajectory:
//! coverage (the share of all cases of interest inside it) against density
//! (the share of its points that are cases of interest). Covering finds
//! further boxes among the points the earlier boxes left out.

use crate::rng::{Purpose, Stream};

/// One input's values, one per row.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// Numbers.
    Numeric(Vec<f64>),
    /// Values from a list: `codes[row]` indexes `names`.
    Categorical {
        /// Each row's value, as an index into `names`.
        codes: Vec<usize>,
        /// The values, in the order first seen.
        names: Vec<String>,
    },
}

/// An input dimension of the data.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// Its name (a scenario key, a column).
    pub name: String,
    /// Its values.
    pub column: Column,
}

/// A box's limit on one input.
#[derive(Clone, Debug, PartialEq)]
pub enum Limit {
    /// Numbers from `lo` to `hi`, both included.
    Range {
        /// Lowest value kept.
        lo: f64,
        /// Highest value kept.
        hi: f64,
    },
    /// `kept[code]`: whether the value is inside.
    Kept(Vec<bool>),
}

impl Limit {
    fn holds(&self, column: &Column, row: usize) -> bool {
        match (self, column) {
            (Limit::Range { lo, hi }, Column::Numeric(x)) => *lo <= x[row] && x[row] <= *hi,
            (Limit::Kept(kept), Column::Categorical { codes, .. }) => kept[codes[row]],
            _ => unreachable!("a limit matches its column's kind"),
        }
    }
}

/// How PRIM peels and pastes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Share of the box's points one peel removes, in (0, 0.5); 0.05 is
    /// usual (Friedman & Fisher 1999).
    pub peel_alpha: f64,
    /// Share of the box's points one paste adds back, in (0, 0.5).
    pub paste_alpha: f64,
    /// Smallest share of all points a box may hold, in (0, 1).
    pub mass_min: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            peel_alpha: 0.05,
            paste_alpha: 0.05,
            mass_min: 0.05,
        }
    }
}

/// One box on a trajectory, with how it does.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// One limit per input, in the inputs' order.
    pub limits: Vec<Limit>,
    /// Cases of interest inside over all cases of interest, 0-1.
    pub coverage: f64,
    /// Cases of interest inside over points inside, 0-1.
    pub density: f64,
    /// Points inside over all points, 0-1.
    pub mass: f64,
    /// Inputs whose limit is narrower than the data's range.
    pub restricted: usize,
    /// Whether this step grew the box back (pasting) rather than peeled it.
    pub pasted: bool,
}

/// The data PRIM looks at: inputs, which rows are cases of interest, and
/// the totals coverage and mass are shares of.
pub struct Data<'a> {
    /// The inputs.
    pub inputs: &'a [Input],
    /// `interest[row]`: whether the outcome's condition holds.
    pub interest: &'a [bool],
}

impl Data<'_> {
    /// The whole data's limits: every value of every input.
    pub fn full(&self, rows: &[usize]) -> Vec<Limit> {
        self.inputs
            .iter()
            .map(|input| match &input.column {
                Column::Numeric(x) => {
                    let (lo, hi) = rows
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &r| {
                            (l.min(x[r]), h.max(x[r]))
                        });
                    Limit::Range { lo, hi }
                }
                Column::Categorical { codes, names } => {
                    let mut kept = vec![false; names.len()];
                    for &r in rows {
                        kept[codes[r]] = true;
                    }
                    Limit::Kept(kept)
                }
            })
            .collect()
    }

    fn inside(&self, limits: &[Limit], rows: &[usize]) -> Vec<usize> {
        rows.iter()
            .copied()
            .filter(|&r| {
                limits
                    .iter()
                    .zip(self.inputs)
                    .all(|(l, input)| l.holds(&input.column, r))
            })
            .collect()
    }

    fn interest_in(&self, rows: &[usize]) -> usize {
        rows.iter().filter(|&&r| self.interest[r]).count()
    }

    /// How many inputs `limits` restrict compared with `full`.
    pub fn restricted(limits: &[Limit], full: &[Limit]) -> usize {
        limits.iter().zip(full).filter(|(l, f)| l != f).count()
    }

    /// The peeling and pasting trajectory over `rows`, starting from the
    /// whole data. Coverage and mass are shares of `totals` (cases of
    /// interest, points), so covering's later boxes compare with the first.
    pub fn trajectory(&self, rows: &[usize], totals: (usize, usize), s: &Settings) -> Vec<Step> {
        let full = self.full(rows);
        let step = |limits: Vec<Limit>, inside: &[usize], pasted| {
            let hits = self.interest_in(inside);
            Step {
                coverage: hits as f64 / totals.0.max(1) as f64,
                density: hits as f64 / inside.len().max(1) as f64,
                mass: inside.len() as f64 / totals.1.max(1) as f64,
                restricted: Data::restricted(&limits, &full),
                limits,
                pasted,
            }
        };
        let mut limits = full.clone();
        let mut inside = rows.to_vec();
        let mut steps = vec![step(limits.clone(), &inside, false)];
        let min_points = (s.mass_min * totals.1 as f64).ceil() as usize;
        // Peeling.
        loop {
            let density = self.interest_in(&inside) as f64 / inside.len().max(1) as f64;
            let best = self
                .peels(&limits, &inside, s.peel_alpha)
                .into_iter()
                .map(|candidate| {
                    let kept = self.inside(&candidate, &inside);
                    (candidate, kept)
                })
                .filter(|(_, kept)| kept.len() >= min_points.max(1) && kept.len() < inside.len())
                .map(|(candidate, kept)| {
                    let d = self.interest_in(&kept) as f64 / kept.len() as f64;
                    let rate = (d - density) / (inside.len() - kept.len()) as f64;
                    (rate, candidate, kept)
                })
                .fold(
                    None,
                    |best: Option<(f64, Vec<Limit>, Vec<usize>)>, c| match best {
                        Some(b) if b.0 >= c.0 => Some(b),
                        _ => Some(c),
                    },
                );
            match best {
                Some((rate, candidate, kept)) if rate > 0.0 => {
                    limits = candidate;
                    inside = kept;
                    steps.push(step(limits.clone(), &inside, false));
                }
                _ => break,
            }
        }
        // Pasting.
        loop {
            let n = inside.len();
            let density = self.interest_in(&inside) as f64 / n.max(1) as f64;
            let best = self
                .pastes(&limits, rows, n, s.paste_alpha)
                .into_iter()
                .map(|candidate| {
                    let grown = self.inside(&candidate, rows);
                    let d = self.interest_in(&grown) as f64 / grown.len().max(1) as f64;
                    (d, candidate, grown)
                })
                .filter(|(_, _, grown)| grown.len() > n)
                .fold(
                    None,
                    |best: Option<(f64, Vec<Limit>, Vec<usize>)>, c| match best {
                        Some(b) if b.0 >= c.0 => Some(b),
                        _ => Some(c),
                    },
                );
            match best {
                Some((d, candidate, grown)) if d > density => {
                    limits = candidate;
                    inside = grown;
                    steps.push(step(limits.clone(), &inside, true));
                }
                _ => break,
            }
        }
        steps
    }

    /// Every box one peel away from `limits`: a share `alpha` of the
    /// points `inside` off the low or high end of a numeric input (at
    /// least the points at the extreme value, so ties peel together), or
    /// one value of a categorical input that has more than one left.
    fn peels(&self, limits: &[Limit], inside: &[usize], alpha: f64) -> Vec<Vec<Limit>> {
        let mut out = Vec::new();
        for (d, input) in self.inputs.iter().enumerate() {
            match &input.column {
                Column::Numeric(x) => {
                    let mut v: Vec<f64> = inside.iter().map(|&r| x[r]).collect();
                    v.sort_by(f64::total_cmp);
                    let n = v.len();
                    if n < 2 || v[0] == v[n - 1] {
                        continue;
                    }
                    let k = ((alpha * n as f64).floor() as usize).max(1);
                    // New low end: the value at rank k, or the next value above
                    // the lowest when ties fill the first k.
                    let lo = if v[k] > v[0] {
                        v[k]
                    } else {
                        *v.iter().find(|&&x| x > v[0]).expect("not constant")
                    };
                    let hi = if v[n - 1 - k] < v[n - 1] {
                        v[n - 1 - k]
                    } else {
                        *v.iter()
                            .rev()
                            .find(|&&x| x < v[n - 1])
                            .expect("not constant")
                    };
                    let Limit::Range {
                        hi: old_hi,
                        lo: old_lo,
                    } = limits[d]
                    else {
                        unreachable!("numeric input, range limit")
                    };
                    let mut low = limits.to_vec();
                    low[d] = Limit::Range { lo, hi: old_hi };
                    out.push(low);
                    let mut high = limits.to_vec();
                    high[d] = Limit::Range { lo: old_lo, hi };
                    out.push(high);
                }
                Column::Categorical { codes, names } => {
                    let mut present = vec![false; names.len()];
                    for &r in inside {
                        present[codes[r]] = true;
                    }
                    if present.iter().filter(|&&p| p).count() < 2 {
                        continue;
                    }
                    for (c, _) in present.iter().enumerate().filter(|(_, p)| **p) {
                        let Limit::Kept(kept) = &limits[d] else {
                            unreachable!("categorical input, kept values")
                        };
                        let mut kept = kept.clone();
                        kept[c] = false;
                        let mut candidate = limits.to_vec();
                        candidate[d] = Limit::Kept(kept);
                        out.push(candidate);
                    }
                }
            }
        }
        out
    }

    /// Every box one paste away from `limits` (holding `n` points): a
    /// numeric input's low or high end moved out to take in about a share
    /// `alpha` of `n` more points among those the other limits admit, or
    /// one categorical value put back.
    fn pastes(&self, limits: &[Limit], rows: &[usize], n: usize, alpha: f64) -> Vec<Vec<Limit>> {
        let k = ((alpha * n as f64).ceil() as usize).max(1);
        let mut out = Vec::new();
        for (d, input) in self.inputs.iter().enumerate() {
            // Rows every other limit admits.
            let others: Vec<usize> = rows
                .iter()
                .copied()
                .filter(|&r| {
                    limits
                        .iter()
                        .zip(self.inputs)
                        .enumerate()
                        .all(|(e, (l, i))| e == d || l.holds(&i.column, r))
                })
                .collect();
            match (&input.column, &limits[d]) {
                (Column::Numeric(x), &Limit::Range { lo, hi }) => {
                    let mut below: Vec<f64> =
                        others.iter().map(|&r| x[r]).filter(|&v| v < lo).collect();
                    below.sort_by(|a, b| b.total_cmp(a));
                    if let Some(&v) = below.get(k - 1).or(below.last()) {
                        let mut c = limits.to_vec();
                        c[d] = Limit::Range { lo: v, hi };
                        out.push(c);
                    }
                    let mut above: Vec<f64> =
                        others.iter().map(|&r| x[r]).filter(|&v| v > hi).collect();
                    above.sort_by(f64::total_cmp);
                    if let Some(&v) = above.get(k - 1).or(above.last()) {
                        let mut c = limits.to_vec();
                        c[d] = Limit::Range { lo, hi: v };
                        out.push(c);
                    }
                }
                (Column::Categorical { codes, .. }, Limit::Kept(kept)) => {
                    let mut present = vec![false; kept.len()];
                    for &r in &others {
                        present[codes[r]] = true;
                    }
                    for c in (0..kept.len()).filter(|&c| !kept[c] && present[c]) {
                        let mut k2 = kept.clone();
                        k2[c] = true;
                        let mut candidate = limits.to_vec();
                        candidate[d] = Limit::Kept(k2);
                        out.push(candidate);
                    }
                }
                _ => unreachable!("a limit matches its column's kind"),
            }
        }
        out
    }

    /// The quasi-p-value of each input `box_limits` restricts (Bryant &
    /// Lempert 2010): the chance, under a binomial model, of at least as
    /// many cases of interest among the box's points as it holds, if the
    /// box had the density it has without that restriction. Small: the
    /// restriction matters. `None` for an unrestricted input.
    pub fn quasi_p_values(&self, box_limits: &[Limit], rows: &[usize]) -> Vec<Option<f64>> {
        let full = self.full(rows);
        let inside = self.inside(box_limits, rows);
        let (n, hits) = (inside.len(), self.interest_in(&inside));
        (0..self.inputs.len())
            .map(|d| {
                if box_limits[d] == full[d] {
                    return None;
                }
                let mut loosened = box_limits.to_vec();
                loosened[d] = full[d].clone();
                let wider = self.inside(&loosened, rows);
                let p = self.interest_in(&wider) as f64 / wider.len().max(1) as f64;
                Some(binomial_upper_tail(n as u64, hits as u64, p))
            })
            .collect()
    }
}

/// P(X >= k) for X binomial with `n` trials and success chance `p`.
fn binomial_upper_tail(n: u64, k: u64, p: f64) -> f64 {
    use statrs::distribution::{Binomial, DiscreteCDF};
    if k == 0 {
        return 1.0;
    }
    match Binomial::new(p.clamp(0.0, 1.0), n) {
        Ok(b) => b.sf(k - 1),
        Err(_) => f64::NAN,
    }
}

/// The box chosen from a trajectory: among the steps with density at
/// least `threshold`, the one with the most coverage (of equals, the
/// densest, then the earliest); if none reaches it, the densest. Returns
/// its index.
pub fn choose(steps: &[Step], threshold: f64) -> usize {
    let better = |i: usize, b: usize| {
        (steps[i].coverage, steps[i].density) > (steps[b].coverage, steps[b].density)
    };
    let dense = (0..steps.len())
        .filter(|&i| steps[i].density >= threshold)
        .fold(None, |best: Option<usize>, i| match best {
            Some(b) if !better(i, b) => Some(b),
            _ => Some(i),
        });
    dense.unwrap_or_else(|| {
        (0..steps.len()).fold(0, |b, i| {
            if steps[i].density > steps[b].density {
                i
            } else {
                b
            }
        })
    })
}

/// One box found by covering, with its trajectory.
#[derive(Clone, Debug)]
pub struct Found {
    /// The trajectory the box was chosen from.
    pub steps: Vec<Step>,
    /// The chosen step.
    pub chosen: usize,
    /// The rows this box's search looked at (those earlier boxes left).
    pub rows: Vec<usize>,
}

/// Up to `boxes` boxes by covering (Friedman & Fisher 1999, §7): each found
/// among the rows the earlier ones left out, until one fails to reach
/// `threshold` (it is kept, as the best there is, only when it is the
/// first) or no case of interest is left.
pub fn cover(
    data: &Data,
    rows: &[usize],
    boxes: usize,
    threshold: f64,
    s: &Settings,
) -> Vec<Found> {
    let totals = (data.interest_in(rows), rows.len());
    let mut left = rows.to_vec();
    let mut found: Vec<Found> = Vec::new();
    while found.len() < boxes && data.interest_in(&left) > 0 {
        let steps = data.trajectory(&left, totals, s);
        let chosen = choose(&steps, threshold);
        if !found.is_empty() && steps[chosen].density < threshold {
            break;
        }
        let mut taken = vec![false; data.interest.len()];
        for r in data.inside(&steps[chosen].limits, &left) {
            taken[r] = true;
        }
        let next: Vec<usize> = left.iter().copied().filter(|&r| !taken[r]).collect();
        let stop = chosen == 0;
        found.push(Found {
            steps,
            chosen,
            rows: left,
        });
        left = next;
        if stop {
            break;
        }
    }
    found
}

/// Resampling stability (Bryant & Lempert 2010): covering run again on
/// `resamples` random halves of `rows` (seeded by `seed`); for each box
/// number and input, the share of the halves whose box of that number
/// restricts the input.
pub fn stability(
    data: &Data,
    rows: &[usize],
    boxes: usize,
    threshold: f64,
    s: &Settings,
    resamples: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    use rayon::prelude::*;
    let full = data.full(rows);
    let per_half: Vec<Vec<Vec<bool>>> = (0..resamples)
        .into_par_iter()
        .map(|i| {
            let mut rng = Stream::new(seed, 0, i as u64, Purpose::Discovery);
            let mut half = rows.to_vec();
            for j in (1..half.len()).rev() {
                let k = ((rng.uniform() * (j + 1) as f64) as usize).min(j);
                half.swap(j, k);
            }
            half.truncate(rows.len() / 2);
            half.sort_unstable();
            cover(data, &half, boxes, threshold, s)
                .iter()
                .map(|f| {
                    f.steps[f.chosen]
                        .limits
                        .iter()
                        .zip(&full)
                        .map(|(l, full)| restricts(l, full))
                        .collect()
                })
                .collect()
        })
        .collect();
    (0..boxes)
        .map(|b| {
            (0..data.inputs.len())
                .map(|d| {
                    let hits = per_half
                        .iter()
                        .filter(|h| h.get(b).is_some_and(|r| r[d]))
                        .count();
                    hits as f64 / resamples.max(1) as f64
                })
                .collect()
        })
        .collect()
}

/// Whether a limit found on part of the data restricts the whole data's
/// range: a range narrower than the data's, or a value left out.
fn restricts(limit: &Limit, full: &Limit) -> bool {
    match (limit, full) {
        (Limit::Range { lo, hi }, Limit::Range { lo: flo, hi: fhi }) => lo > flo || hi < fhi,
        (Limit::Kept(k), Limit::Kept(f)) => k.iter().zip(f).any(|(k, f)| *f && !*k),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cases of interest exactly inside x0 in [0.3, 0.7] and x1 above 0.6,
    /// with x2 irrelevant, on a 4,000-point random design.
    fn boxed(noise: f64) -> (Vec<Input>, Vec<bool>) {
        let mut rng = Stream::new(3, 0, 0, Purpose::Design);
        let n = 4000;
        let cols: Vec<Vec<f64>> = (0..3)
            .map(|_| (0..n).map(|_| rng.uniform()).collect())
            .collect();
        let interest = (0..n)
            .map(|i| {
                let inside = (0.3..=0.7).contains(&cols[0][i]) && cols[1][i] > 0.6;
                inside || rng.uniform() < noise
            })
            .collect();
        let inputs = cols
            .into_iter()
            .enumerate()
            .map(|(d, x)| Input {
                name: format!("x{d}"),
                column: Column::Numeric(x),
            })
            .collect();
        (inputs, interest)
    }

    #[test]
    fn peeling_recovers_a_box_within_the_sampling_resolution() {
        let (inputs, interest) = boxed(0.0);
        let data = Data {
            inputs: &inputs,
            interest: &interest,
        };
        let rows: Vec<usize> = (0..interest.len()).collect();
        let steps = data.trajectory(
            &rows,
            (data.interest_in(&rows), rows.len()),
            &Settings::default(),
        );
        let best = &steps[choose(&steps, 0.95)];
        let Limit::Range { lo, hi } = best.limits[0] else {
            panic!()
        };
        assert!(
            (lo - 0.3).abs() < 0.02 && (hi - 0.7).abs() < 0.02,
            "x0 in [{lo}, {hi}]"
        );
        let Limit::Range { lo, .. } = best.limits[1] else {
            panic!()
        };
        assert!((lo - 0.6).abs() < 0.02, "x1 above {lo}");
        assert_eq!(best.limits[2], data.full(&rows)[2], "x2 left alone");
        assert!(best.density > 0.97 && best.coverage > 0.9, "{best:?}");
        for w in steps.windows(2).filter(|w| !w[1].pasted) {
            assert!(w[1].density > w[0].density && w[1].mass < w[0].mass);
        }
        let qp = data.quasi_p_values(&best.limits, &rows);
        assert!(qp[0].unwrap() < 1e-6 && qp[1].unwrap() < 1e-6 && qp[2].is_none());
    }

    #[test]
    fn a_categorical_input_is_peeled_value_by_value() {
        let n = 3000;
        let mut rng = Stream::new(8, 0, 0, Purpose::Design);
        let codes: Vec<usize> = (0..n)
            .map(|_| ((rng.uniform() * 3.0) as usize).min(2))
            .collect();
        let x: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        let interest: Vec<bool> = (0..n).map(|i| codes[i] == 1 && x[i] < 0.5).collect();
        let inputs = vec![
            Input {
                name: "channel".into(),
                column: Column::Categorical {
                    codes,
                    names: vec!["a".into(), "b".into(), "c".into()],
                },
            },
            Input {
                name: "x".into(),
                column: Column::Numeric(x),
            },
        ];
        let data = Data {
            inputs: &inputs,
            interest: &interest,
        };
        let rows: Vec<usize> = (0..n).collect();
        let found = cover(&data, &rows, 1, 0.9, &Settings::default());
        let best = &found[0].steps[found[0].chosen];
        assert_eq!(best.limits[0], Limit::Kept(vec![false, true, false]));
        let Limit::Range { hi, .. } = best.limits[1] else {
            panic!()
        };
        assert!((hi - 0.5).abs() < 0.03, "{hi}");
        let stable = stability(&data, &rows, 1, 0.9, &Settings::default(), 10, 1);
        assert_eq!(stable[0], vec![1.0, 1.0], "both restrictions in every half");
    }

    #[test]
    fn covering_finds_a_second_box_among_the_points_the_first_left() {
        let n = 4000;
        let mut rng = Stream::new(5, 0, 0, Purpose::Design);
        let x: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        let y: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        // An L: x below 0.2, or y above 0.8.
        let interest: Vec<bool> = (0..n).map(|i| x[i] < 0.2 || y[i] > 0.8).collect();
        let inputs = vec![
            Input {
                name: "x".into(),
                column: Column::Numeric(x),
            },
            Input {
                name: "y".into(),
                column: Column::Numeric(y),
            },
        ];
        let data = Data {
            inputs: &inputs,
            interest: &interest,
        };
        let rows: Vec<usize> = (0..n).collect();
        let found = cover(&data, &rows, 3, 0.9, &Settings::default());
        assert!(found.len() >= 2, "a second box after the first");
        let total: f64 = found.iter().map(|f| f.steps[f.chosen].coverage).sum();
        assert!(total > 0.9, "together they cover the cases: {total}");
    }
}
