//! The city: neighbourhoods with their SES, need and social capital, laid out
//! on a grid for drawing.

use crate::rng::{Purpose, Stream};
use crate::scenario::Scenario;
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
    /// Grid position (column, row) for maps.
    pub grid: (u32, u32),
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
    /// Draws the city of a scenario; the same seed gives the same city.
    pub fn generate(s: &Scenario) -> City {
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

    /// Residents of the whole city.
    pub fn residents(&self) -> u64 {
        self.neighbourhoods
            .iter()
            .map(|h| h.population as u64)
            .sum()
    }
}
