//! What the screen draws: a copy of the workshop's state after a week, made
//! by the simulation thread and read by the frame, so a frame never waits
//! for a tick.

use crate::workshop::{SIDE_NAMES, Side, Workshop};
use coserve::governance::Knobs;
use coserve::metrics::{CityRow, NeighbourhoodRow};
use coserve::model::residents::PARTICIPATING;
use coserve::rng::{Purpose, Stream};

/// Residents drawn per side: enough to see a pattern, few enough to draw fast.
pub const DOTS_PER_SIDE: usize = 3000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DotState {
    /// Volunteering this cycle.
    Volunteering,
    /// Has a need nobody has served yet.
    Waiting,
    /// No open need.
    Served,
}

/// One sampled resident: its neighbourhood, where in the neighbourhood's
/// square it sits (fractions of the square) and its state.
#[derive(Clone, Copy, Debug)]
pub struct Dot {
    pub hood: u16,
    pub x: f32,
    pub y: f32,
    pub state: DotState,
}

/// One side as the screen shows it.
#[derive(Clone, Debug)]
pub struct SideView {
    pub name: &'static str,
    pub regime: String,
    pub history: Vec<CityRow>,
    pub hoods: Vec<NeighbourhoodRow>,
    /// Each neighbourhood's (column, row) on the map.
    pub grid: Vec<(u32, u32)>,
    /// Each neighbourhood's name: the map's, or `n<index>`.
    pub names: Vec<String>,
    /// A city from a map: its neighbourhoods' outlines, drawn instead of
    /// the grid.
    pub outlines: Option<std::sync::Arc<Outlines>>,
    pub columns: u32,
    pub residents: u64,
    /// The knobs in force, shown on the sliders.
    pub knobs: Knobs,
    pub dots: Vec<Dot>,
    /// Every change of knobs so far, live or scheduled: (week, label).
    pub changes: Vec<(u32, String)>,
}

/// A real city's neighbourhoods in map units: x east and y south from the
/// map's north-west corner, in degrees of latitude (longitude shrunk by the
/// cosine of the middle latitude, so shapes keep their proportions).
#[derive(Debug, PartialEq)]
pub struct Outlines {
    /// Per neighbourhood: its rings (exteriors and holes alike, filled
    /// even-odd).
    pub rings: Vec<Vec<Vec<(f32, f32)>>>,
    /// The map's width and height in map units.
    pub size: (f32, f32),
    /// Per neighbourhood: its centroid in map units.
    pub centroids: Vec<(f32, f32)>,
}

impl Outlines {
    /// The outlines of `map`'s neighbourhoods, in its order.
    pub fn of(map: &coserve::scenario::map::CityMap) -> Outlines {
        let coords = || {
            map.areas.iter().flat_map(|a| {
                a.shape
                    .0
                    .iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .flat_map(|r| r.0.iter())
            })
        };
        let (x0, x1, y0, y1) = coords().fold(
            (
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ),
            |(a, b, c, d), p| (a.min(p.x), b.max(p.x), c.min(p.y), d.max(p.y)),
        );
        let shrink = ((y0 + y1) / 2.0).to_radians().cos();
        let at = |x: f64, y: f64| (((x - x0) * shrink) as f32, (y1 - y) as f32);
        Outlines {
            rings: map
                .areas
                .iter()
                .map(|a| {
                    a.shape
                        .0
                        .iter()
                        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                        .map(|r| r.0.iter().map(|c| at(c.x, c.y)).collect())
                        .collect()
                })
                .collect(),
            size: at(x1, y0),
            centroids: map
                .areas
                .iter()
                .map(|a| at(a.centroid.0, a.centroid.1))
                .collect(),
        }
    }
}

/// A metric charted week by week: on the big screen, on phones, and as
/// what a room's round predicts.
pub struct Chart {
    pub title: &'static str,
    /// The y axis's unit.
    pub unit: &'static str,
    pub value: fn(&CityRow) -> f64,
}

/// The charts, left to right.
pub const CHARTS: [Chart; 4] = [
    Chart {
        title: "coverage",
        unit: "share",
        value: |c| c.coverage,
    },
    Chart {
        title: "trust",
        unit: "0-1",
        value: |c| c.trust,
    },
    Chart {
        title: "participation",
        unit: "share",
        value: |c| c.participation_rate,
    },
    Chart {
        title: "access gap (rich - poor)",
        unit: "points",
        value: |c| c.access_gap,
    },
];

/// Everything a frame needs.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The next week to run.
    pub tick: u32,
    /// Weeks in the run.
    pub ticks: u32,
    pub playing: bool,
    pub weeks_per_second: f64,
    pub sides: Vec<SideView>,
    /// The scenario file's error, while it has one.
    pub error: Option<String>,
    /// What the last action did.
    pub status: String,
    /// Counts restarts and reloads, so the screen forgets old animations.
    pub generation: u64,
    /// The city's services (domains), in the scenario's order.
    pub services: Vec<String>,
}

impl Snapshot {
    /// The workshop's sides as they stand; the caller fills in the rest.
    pub fn of(workshop: &Workshop) -> Snapshot {
        Snapshot {
            tick: workshop.tick(),
            ticks: workshop.ticks(),
            sides: workshop
                .sides
                .iter()
                .zip(SIDE_NAMES)
                .map(|(s, name)| side_view(s, name))
                .collect(),
            services: workshop.sides[0]
                .sim
                .scenario()
                .domains
                .iter()
                .map(|d| d.name.clone())
                .collect(),
            ..Snapshot::default()
        }
    }
}

fn side_view(side: &Side, name: &'static str) -> SideView {
    let city = side.sim.city();
    let residents = side.sim.residents();
    let domains = residents.domains;
    let step = (residents.len() / DOTS_PER_SIDE).max(1);
    let dots = (0..residents.len())
        .step_by(step)
        .map(|i| {
            // The same place every week: a stream of the resident's own.
            let mut place = Stream::new(0, 0, i as u64, Purpose::City);
            let (x, y) = (place.uniform() as f32, place.uniform() as f32);
            let needs = i * domains..(i + 1) * domains;
            let waiting = residents.reported[needs.clone()].iter().any(|&n| n > 0)
                || residents.hidden[needs].iter().any(|&n| n > 0);
            let state = if residents.traits[i] & PARTICIPATING != 0 {
                DotState::Volunteering
            } else if waiting {
                DotState::Waiting
            } else {
                DotState::Served
            };
            Dot {
                hood: residents.neighbourhood[i],
                x,
                y,
                state,
            }
        })
        .collect();
    SideView {
        name,
        regime: side.regime.clone(),
        history: side.history.clone(),
        hoods: side.hoods.clone(),
        grid: city.neighbourhoods.iter().map(|h| h.grid).collect(),
        names: city.neighbourhoods.iter().map(|h| h.name.clone()).collect(),
        outlines: side.outlines.clone(),
        columns: city.columns,
        residents: city.residents(),
        knobs: side.sim.knobs().clone(),
        dots,
        changes: side
            .sim
            .events()
            .iter()
            .map(|e| (e.tick, e.label.clone()))
            .collect(),
    }
}
