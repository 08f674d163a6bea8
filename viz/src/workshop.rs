//! The two sides of a workshop and every change made to them live. No
//! window and no threads here, so all of it is tested without a display.
//!
//! Both sides run the same city with the same seed, so they share their
//! random numbers: what differs between them is the regime, not the noise.
//! A change made live is an [`Intervention`] at the tick before which it
//! applied; a side's scenario plus its live changes replays it exactly.

use coserve::governance::{KnobError, Knobs};
use coserve::metrics::{CityRow, NeighbourhoodRow};
use coserve::scenario::Intervention;
use coserve::{Scenario, Simulation};
use std::path::PathBuf;

/// What the sides are called on screen and in saved file names.
pub const SIDE_NAMES: [&str; 2] = ["left", "right"];

/// The saved room log's name after `<stem>-session-<n>-`.
const ROOM_LOG: &str = "room-log";

/// Where the scenario comes from: a file and `--set` overrides.
#[derive(Clone, Debug)]
pub struct Source {
    pub path: PathBuf,
    pub overrides: Vec<String>,
}

impl Source {
    /// The scenario under `regime`, or its own preset with `None`.
    pub fn load(&self, regime: Option<&str>) -> Result<Scenario, String> {
        let mut set = self.overrides.clone();
        if let Some(r) = regime {
            set.push(format!("governance.preset={r}"));
        }
        Scenario::load(&self.path, &set).map_err(|e| e.to_string())
    }
}

/// One side of the screen: a regime running on the shared city.
pub struct Side {
    pub sim: Simulation,
    /// The regime in force now.
    pub regime: String,
    /// One row per tick run.
    pub history: Vec<CityRow>,
    /// The neighbourhoods after the last tick.
    pub hoods: Vec<NeighbourhoodRow>,
    /// Changes made live, in the order they were made.
    pub live: Vec<Intervention>,
    /// A city from a map: its outlines, made once for every snapshot.
    pub outlines: Option<std::sync::Arc<crate::snapshot::Outlines>>,
}

impl Side {
    fn new(start: Scenario) -> Side {
        Side {
            outlines: start
                .map
                .as_ref()
                .and_then(|m| m.map.as_deref())
                .map(|map| std::sync::Arc::new(crate::snapshot::Outlines::of(map))),
            regime: start.governance.preset.clone(),
            sim: Simulation::new(start),
            history: Vec::new(),
            hoods: Vec::new(),
            live: Vec::new(),
        }
    }

    /// This side's scenario with its live changes scheduled as
    /// `[[interventions]]`: running it reproduces the side exactly. A live
    /// change at tick t was made before tick t ran, so it comes before the
    /// scenario's own interventions at t, which apply as t starts.
    pub fn session_scenario(&self) -> Scenario {
        // The simulation's scenario is the one it started from: live
        // changes alter its knobs, never its scenario.
        let mut s = self.sim.scenario().clone();
        let mut all: Vec<(u32, bool, Intervention)> = self
            .live
            .iter()
            .map(|iv| (iv.at, false, iv.clone()))
            .chain(s.interventions.iter().map(|iv| (iv.at, true, iv.clone())))
            .collect();
        all.sort_by_key(|(at, scheduled, _)| (*at, *scheduled));
        s.interventions = all.into_iter().map(|(_, _, iv)| iv).collect();
        s
    }

    fn apply(&mut self, iv: Intervention) {
        if let Some(p) = &iv.preset {
            self.regime.clone_from(p);
        }
        self.sim.intervene(&iv);
        self.live.push(iv);
    }
}

/// The two sides, and the file they come from.
pub struct Workshop {
    pub source: Source,
    /// The preset the file named when last loaded.
    file_preset: String,
    pub sides: Vec<Side>,
}

impl Workshop {
    /// Loads the file: the left side runs the file's regime, the right side
    /// co-creation (or the public service, if the file is co-created).
    pub fn open(source: Source) -> Result<Workshop, String> {
        Workshop::open_with(source, [None, None])
    }

    /// As [`Workshop::open`], with the regimes of either side chosen.
    pub fn open_with(source: Source, regimes: [Option<&str>; 2]) -> Result<Workshop, String> {
        for name in regimes.iter().flatten() {
            check_regime(name)?;
        }
        let file = source.load(None)?;
        let file_preset = file.governance.preset.clone();
        let left = match regimes[0] {
            Some(r) => source.load(Some(r))?,
            None => file,
        };
        let other = if left.governance.preset == "co_created" {
            "public"
        } else {
            "co_created"
        };
        let right = source.load(Some(regimes[1].unwrap_or(other)))?;
        Ok(Workshop {
            file_preset,
            sides: vec![Side::new(left), Side::new(right)],
            source,
        })
    }

    /// Starts both sides again from week 0 with `regimes`, forgetting live
    /// changes. On an error nothing changes.
    pub fn restart(&mut self, regimes: &[String]) -> Result<(), String> {
        let sides = regimes
            .iter()
            .map(|r| self.source.load(Some(r)).map(Side::new))
            .collect::<Result<Vec<_>, _>>()?;
        self.sides = sides;
        Ok(())
    }

    /// Re-reads the file after an edit and starts again. Each side keeps its
    /// regime, except that the left side follows the file's preset when the
    /// edit changed it. On an error nothing changes.
    pub fn reload(&mut self) -> Result<(), String> {
        let file = self.source.load(None)?;
        let mut regimes = self.regimes();
        if file.governance.preset != self.file_preset {
            regimes[0].clone_from(&file.governance.preset);
        }
        self.restart(&regimes)?;
        self.file_preset = file.governance.preset;
        Ok(())
    }

    /// The regime each side runs now.
    pub fn regimes(&self) -> Vec<String> {
        self.sides.iter().map(|s| s.regime.clone()).collect()
    }

    /// The files the scenario was read from (it and what it extends).
    pub fn files(&self) -> Vec<PathBuf> {
        self.sides[0].sim.scenario().files.clone()
    }

    /// The next week to run.
    pub fn tick(&self) -> u32 {
        self.sides[0].sim.tick()
    }

    pub fn ticks(&self) -> u32 {
        self.sides[0].sim.scenario().run.ticks
    }

    pub fn finished(&self) -> bool {
        self.sides[0].sim.finished()
    }

    /// Runs one week on both sides.
    pub fn step(&mut self) {
        for side in &mut self.sides {
            if !side.sim.finished() {
                let record = side.sim.step();
                side.history.push(record.city);
                side.hoods = record.neighbourhoods;
            }
        }
    }

    /// Changes knobs now: `changes` gives, per side, the knobs to set. All
    /// or nothing: refused, with the reason, if a value is invalid on any
    /// side or the run has ended.
    pub fn intervene(
        &mut self,
        label: &str,
        changes: &[(usize, toml::Table)],
    ) -> Result<String, String> {
        self.check_open(label)?;
        for (side, set) in changes {
            let Some(s) = self.sides.get(*side) else {
                return Err(format!("{label}: there is no side {side}"));
            };
            let mut probe = s.sim.knobs().clone();
            check_knobs(&mut probe, set).map_err(|e| format!("{label}: refused, {e}"))?;
        }
        let at = self.tick();
        for (side, set) in changes {
            self.sides[*side].apply(Intervention {
                at,
                label: label.to_string(),
                preset: None,
                set: set.clone(),
            });
        }
        let whom = match changes {
            [(side, _)] => format!(" ({} side)", SIDE_NAMES[*side]),
            _ => String::new(),
        };
        Ok(format!("week {at}: {label}{whom}"))
    }

    /// Switches one side to another regime from now on.
    pub fn switch_regime(&mut self, side: usize, regime: &str) -> Result<String, String> {
        let label = format!("{} side switches to {regime}", SIDE_NAMES[side]);
        self.check_open(&label)?;
        check_regime(regime).map_err(|e| format!("{label}: {e}"))?;
        let iv = Intervention {
            at: self.tick(),
            label: format!("switch to {regime}"),
            preset: Some(regime.to_string()),
            set: toml::Table::new(),
        };
        self.sides[side].apply(iv);
        Ok(format!(
            "week {}: {label}; its knobs replace the side's current ones",
            self.tick()
        ))
    }

    fn check_open(&self, label: &str) -> Result<(), String> {
        if self.finished() {
            Err(format!(
                "{label}: the run has ended; restart (R) to try it from the start"
            ))
        } else {
            Ok(())
        }
    }

    /// Writes one scenario file per side, next to the scenario, that
    /// replays that side exactly: `<stem>-session-<n>-left.toml` and
    /// `...-right.toml`, with `n` the first number not yet used; with a
    /// room, its log too, as `...-room-log.csv`. Never overwrites a file.
    pub fn save(&self, room_log: Option<&str>) -> Result<Vec<PathBuf>, String> {
        let stem = self
            .source
            .path
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        let path_of = |n: u32, side: &str| {
            let extension = if side == ROOM_LOG { "csv" } else { "toml" };
            self.source
                .path
                .with_file_name(format!("{stem}-session-{n}-{side}.{extension}"))
        };
        let n = (1..)
            .find(|&n| {
                SIDE_NAMES
                    .iter()
                    .chain([&ROOM_LOG])
                    .all(|side| !path_of(n, side).exists())
            })
            .expect("some number is free");
        let mut written = Vec::new();
        for (side, name) in self.sides.iter().zip(SIDE_NAMES) {
            let path = path_of(n, name);
            let mut scenario = side.session_scenario();
            scenario.name = format!("{stem}-session-{n}-{name}");
            scenario.description = format!(
                "{name} side of a coserve-viz session: {} from {}, then {} live change(s)",
                side.sim.scenario().governance.preset,
                self.source.path.display(),
                side.live.len()
            );
            let text = format!(
                "# Saved by coserve-viz at week {week}: the {name} side of the session,\n\
                 # started from {file}{set} under the {regime} regime.\n\
                 # Every key is written out, so this file alone replays that side exactly:\n\
                 #   cargo run --release -- run {path}\n\
                 # The [[interventions]] near the end are the file's own and the live\n\
                 # changes, in the order they applied.\n\n{body}",
                week = self.tick(),
                file = self.source.path.display(),
                set = if self.source.overrides.is_empty() {
                    String::new()
                } else {
                    format!(" with --set {}", self.source.overrides.join(" --set "))
                },
                regime = side.sim.scenario().governance.preset,
                path = path.display(),
                body = scenario.to_toml(),
            );
            coserve::output::write_new_file(
                &path,
                &text,
                false,
                "save again: the next number is used",
            )
            .map_err(|e| format!("cannot save the session: {e}"))?;
            written.push(path);
        }
        if let Some(log) = room_log {
            let path = path_of(n, ROOM_LOG);
            coserve::output::write_new_file(
                &path,
                log,
                false,
                "save again: the next number is used",
            )
            .map_err(|e| format!("cannot save the room's log: {e}"))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Whether `name` is a regime (a governance preset); if not, which are.
fn check_regime(name: &str) -> Result<(), String> {
    if coserve::governance::preset(name).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = coserve::governance::PRESETS
        .iter()
        .map(|p| p.name)
        .collect();
    Err(format!(
        "no regime is called {name}; the regimes are: {}",
        known.join(", ")
    ))
}

/// Applies `set` to `knobs` as a scenario file would be checked.
fn check_knobs(knobs: &mut Knobs, set: &toml::Table) -> Result<(), String> {
    for (name, value) in set {
        knobs.set(name, value).map_err(|e| match e {
            KnobError::Unknown { .. } => format!("no knob is called {name}"),
            KnobError::Invalid {
                expected, found, ..
            } => format!("{name} expected {expected}, found {found}"),
        })?;
    }
    if knobs.diverted_share() > 1.0 + 1e-9 {
        return Err(format!(
            "org_funding_share + pb_share + devolved_share would be {:.2}, more than the whole budget",
            knobs.diverted_share()
        ));
    }
    Ok(())
}
