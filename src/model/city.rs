//! The city: neighbourhoods with their SES, need and social capital, laid out
//! on a grid for drawing.

use crate::rng::{Purpose, Stream};
use crate::scenario::map::CityMap;
use crate::scenario::{Scenario, ScenarioMap};
use rand_distr::{Distribution, StandardNormal};

/// One neighbourhood. Residents of a neighbourhood are stored contiguously,
/// from `first_resident` for `population` residents.
#[derive(Clone, Debug, PartialEq)]
pub struct Neighbourhood {
    /// Position in [`City::neighbourhoods`], from 0.
    pub index: usize,
    /// Residents living here.
    pub population: u32,
    /// Index of its first resident in [`Residents`](super::Residents).
    pub first_resident: u32,
    /// Mean socio-economic status in [0, 1].
    pub ses_mean: f64,
    /// `1 + need_gradient * (1 - ses_mean)`: how much more need than at SES 1.
    pub need_index: f64,
    /// Initial networks and civic habits, 0-1:
    /// `clamp(social_capital + 0.5 (ses_mean - city mean) + 0.05 z, 0, 1)`.
    pub social_capital: f64,
    /// Grid position (column, row) for maps of a generated city; for a
    /// city from a map, the neighbourhood's place in a grid of as many
    /// cells (the map itself is in [`Scenario::map`]).
    pub grid: (u32, u32),
    /// Its name: the map's, or `n<index>` in a generated city.
    pub name: String,
    /// Its centroid: (longitude, latitude) on a map; the grid cell's
    /// centre (column + 0.5, row + 0.5) in a generated city.
    pub centroid: (f64, f64),
    /// Per domain, in order: the factor its need rate is scaled by (a
    /// map's `need_index` property over its population-weighted mean);
    /// empty when every factor is 1.
    pub domain_need: Vec<f64>,
    /// The neighbourhoods sharing a stretch of boundary with this one,
    /// ascending: on a map, as measured on it; in a generated city, the
    /// grid cells left, right, above and below.
    pub neighbours: Vec<usize>,
}

/// The neighbourhoods of a city.
#[derive(Clone, Debug, PartialEq)]
pub struct City {
    /// Every neighbourhood, in index order.
    pub neighbourhoods: Vec<Neighbourhood>,
    /// Grid columns of the map.
    pub columns: u32,
}

impl City {
    /// Draws the city of a scenario; the same seed gives the same city. A
    /// scenario with a map builds its neighbourhoods from it
    /// ([`City::from_map`]).
    pub fn generate(s: &Scenario) -> City {
        if let Some(map) = s.map.as_ref().and_then(|m| m.map.as_ref().map(|g| (m, g))) {
            return City::from_map(s, map.0, map.1);
        }
        let n = s.city.neighbourhoods as usize;
        let columns = (n as f64).sqrt().ceil() as u32;
        let base = s.city.residents / n as u64;
        let extra = s.city.residents % n as u64;
        let mut first = 0u32;
        let neighbourhoods = (0..n)
            .map(|i| {
                let mut rng = Stream::new(s.run.seed, 0, i as u64, Purpose::City);
                let z: f64 = StandardNormal.sample(&mut rng);
                let ses_mean = (s.city.ses_mean + s.city.ses_spread_between * z).clamp(0.05, 0.95);
                let noise: f64 = StandardNormal.sample(&mut rng);
                let social_capital =
                    (s.city.social_capital + 0.5 * (ses_mean - s.city.ses_mean) + 0.05 * noise)
                        .clamp(0.0, 1.0);
                let population = (base + u64::from((i as u64) < extra)) as u32;
                let hood = Neighbourhood {
                    index: i,
                    population,
                    first_resident: first,
                    ses_mean,
                    need_index: 1.0 + s.city.need_gradient * (1.0 - ses_mean),
                    social_capital,
                    grid: (i as u32 % columns, i as u32 / columns),
                    name: format!("n{i}"),
                    centroid: (
                        (i as u32 % columns) as f64 + 0.5,
                        (i as u32 / columns) as f64 + 0.5,
                    ),
                    domain_need: Vec::new(),
                    neighbours: grid_neighbours(i, n, columns as usize),
                };
                first += population;
                hood
            })
            .collect();
        City {
            neighbourhoods,
            columns,
        }
    }

    /// The city of a map: one neighbourhood per feature, in the file's
    /// order.
    /// - **Residents**: `city.residents` spread over the neighbourhoods in
    ///   proportion to their population, at least one each (Hamilton's
    ///   largest-remainder rule, ties to the earlier feature).
    /// - **SES**: by rank of the map's SES property (reversed when higher
    ///   is poorer): the neighbourhood at rank `r` of `n` (ties share
    ///   their mean rank) gets `z = Phi^-1((r + 0.5) / n)` and mean SES
    ///   `clamp(ses_mean + ses_spread_between z, 0.05, 0.95)`, as a
    ///   generated city draws `z` at random; residents spread around it by
    ///   `ses_spread_within` as everywhere.
    /// - **Social capital** and the **need index** as in a generated city;
    ///   a domain's `need_index` property scales its need rate by the
    ///   property over its population-weighted mean.
    pub fn from_map(s: &Scenario, spec: &ScenarioMap, map: &CityMap) -> City {
        use statrs::distribution::{ContinuousCDF, Normal};
        let n = map.areas.len();
        let columns = (n as f64).sqrt().ceil() as u32;
        let people: Vec<f64> = map.areas.iter().map(|a| a.population).collect();
        let residents = largest_remainder(s.city.residents, &people);
        let ranks = mean_ranks(&map.areas.iter().map(|a| a.ses_value).collect::<Vec<_>>());
        let normal = Normal::standard();
        let factors: Vec<Vec<f64>> = spec
            .need_index
            .iter()
            .map(|p| match p {
                None => vec![1.0; n],
                Some(p) => {
                    let mean = map.population_mean(p);
                    map.areas
                        .iter()
                        .map(|a| a.properties[p.as_str()].as_f64().unwrap_or(0.0) / mean)
                        .collect()
                }
            })
            .collect();
        let any_factor = spec.need_index.iter().any(Option::is_some);
        let mut first = 0u32;
        let neighbourhoods = map
            .areas
            .iter()
            .enumerate()
            .map(|(i, area)| {
                let rank = if spec.spec.ses_higher_is_poorer {
                    n as f64 - 1.0 - ranks[i]
                } else {
                    ranks[i]
                };
                let z = normal.inverse_cdf((rank + 0.5) / n as f64);
                let ses_mean = (s.city.ses_mean + s.city.ses_spread_between * z).clamp(0.05, 0.95);
                let mut rng = Stream::new(s.run.seed, 0, i as u64, Purpose::City);
                let noise: f64 = StandardNormal.sample(&mut rng);
                let social_capital =
                    (s.city.social_capital + 0.5 * (ses_mean - s.city.ses_mean) + 0.05 * noise)
                        .clamp(0.0, 1.0);
                let hood = Neighbourhood {
                    index: i,
                    population: residents[i],
                    first_resident: first,
                    ses_mean,
                    need_index: 1.0 + s.city.need_gradient * (1.0 - ses_mean),
                    social_capital,
                    grid: (i as u32 % columns, i as u32 / columns),
                    name: area.name.clone(),
                    centroid: area.centroid,
                    domain_need: if any_factor {
                        factors.iter().map(|f| f[i]).collect()
                    } else {
                        Vec::new()
                    },
                    neighbours: map.neighbours[i].clone(),
                };
                first += residents[i];
                hood
            })
            .collect();
        City {
            neighbourhoods,
            columns,
        }
    }

    /// Residents of the whole city.
    pub fn residents(&self) -> u64 {
        self.neighbourhoods
            .iter()
            .map(|h| h.population as u64)
            .sum()
    }
}

/// `total` whole residents over areas in proportion to `weights`
/// (Hamilton's largest-remainder rule; ties go to the earlier area); then,
/// when there are enough, every area left with none takes one from the
/// area with the most.
fn largest_remainder(total: u64, weights: &[f64]) -> Vec<u32> {
    let n = weights.len();
    let sum: f64 = weights.iter().sum();
    let quotas: Vec<f64> = weights
        .iter()
        .map(|w| {
            if sum > 0.0 {
                total as f64 * w / sum
            } else {
                total as f64 / n as f64
            }
        })
        .collect();
    let mut out: Vec<u64> = quotas.iter().map(|q| q.floor() as u64).collect();
    let given: u64 = out.iter().sum();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (quotas[a] - quotas[a].floor(), quotas[b] - quotas[b].floor());
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    for &i in order.iter().take(total.saturating_sub(given) as usize) {
        out[i] += 1;
    }
    if total >= n as u64 {
        for i in 0..n {
            if out[i] == 0 {
                let most = (0..n)
                    .max_by_key(|&j| (out[j], std::cmp::Reverse(j)))
                    .expect("areas");
                out[most] -= 1;
                out[i] = 1;
            }
        }
    }
    out.iter().map(|&x| x as u32).collect()
}

/// Cell `i`'s neighbours in a grid of `n` cells, `columns` wide, filled
/// row by row: left, right, above and below where they exist, ascending.
fn grid_neighbours(i: usize, n: usize, columns: usize) -> Vec<usize> {
    let (c, columns) = (i % columns, columns.max(1));
    let mut out = Vec::with_capacity(4);
    if i >= columns {
        out.push(i - columns);
    }
    if c > 0 {
        out.push(i - 1);
    }
    if c + 1 < columns && i + 1 < n {
        out.push(i + 1);
    }
    if i + columns < n {
        out.push(i + columns);
    }
    out
}

/// Each value's rank from 0 (smallest), ties sharing their mean rank.
fn mean_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        for &k in &order[i..=j] {
            ranks[k] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residents_follow_population_and_every_area_has_one() {
        let r = largest_remainder(10, &[1.0, 1.0, 2.0]);
        assert_eq!(r, vec![3, 2, 5], "2.5, 2.5, 5: the tie to the earlier");
        let r = largest_remainder(100, &[0.0, 50.0, 50.0]);
        assert_eq!(
            r,
            vec![1, 49, 50],
            "the empty area takes one from the first of the largest"
        );
        assert_eq!(
            largest_remainder(7, &[3.0, 3.0, 1.0]).iter().sum::<u32>(),
            7
        );
    }

    #[test]
    fn grid_cells_neighbour_left_right_above_and_below() {
        // 0 1 2
        // 3 4
        assert_eq!(grid_neighbours(0, 5, 3), vec![1, 3]);
        assert_eq!(grid_neighbours(1, 5, 3), vec![0, 2, 4]);
        assert_eq!(grid_neighbours(2, 5, 3), vec![1]);
        assert_eq!(grid_neighbours(4, 5, 3), vec![1, 3]);
    }

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(mean_ranks(&[3.0, 1.0, 3.0, 2.0]), vec![2.5, 0.0, 2.5, 1.0]);
    }
}
