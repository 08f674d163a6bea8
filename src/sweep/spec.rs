//! Sweep files: a base scenario, factors, a design, replicates.

use crate::scenario::limits::{self, Limit, MAX_SEED};
use crate::scenario::{Diagnostic, Location, Scenario, ScenarioError, Source, layers};
use crate::scenario::{folder_name_problem, is_whole_number_key, override_key};
use crate::text::{describe_value, nearest, quoted_list};
use serde::Serialize;
use std::path::{Path, PathBuf};
use toml::Value;

/// How design points are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Every combination of every factor's levels.
    Grid,
    /// Independent uniform draws.
    Random,
    /// Latin hypercube: one point in each of `samples` strata of every factor.
    LatinHypercube,
    /// Saltelli's scheme for Sobol indices: `samples * (factors + 2)` points.
    Saltelli,
    /// Morris screening: `samples` trajectories of `factors + 1` points
    /// ([`super::morris`]).
    Morris,
}

const DESIGNS: &[&str] = &["grid", "random", "latin_hypercube", "saltelli", "morris"];

/// What a factor ranges over.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Levels {
    /// A range; `integer` when the key holds a whole number (then the grid
    /// levels are distinct whole numbers).
    Range {
        /// The lowest level.
        min: f64,
        /// The highest level (above `min`).
        max: f64,
        /// Whether the key holds a whole number.
        integer: bool,
        /// Grid levels, evenly spaced from `min` to `max` (grid designs only).
        levels: usize,
    },
    /// A list of values.
    Values(Vec<Value>),
}

/// One factor: a scenario key by dotted path, and its levels.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Factor {
    /// The scenario key, by dotted path (`governance.pb_share`).
    pub key: String,
    /// What it ranges over.
    pub levels: Levels,
}

impl Factor {
    /// The value at position `u` in [0, 1) of the factor's range or list.
    pub fn value_at(&self, u: f64) -> Value {
        match &self.levels {
            Levels::Range {
                min,
                max,
                integer: true,
                ..
            } => {
                let span = (max - min + 1.0).max(1.0);
                Value::Integer((min + (u * span).floor()).min(*max) as i64)
            }
            Levels::Range { min, max, .. } => Value::Float(min + u * (max - min)),
            Levels::Values(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)].clone(),
        }
    }

    /// The lowest and highest level of a range, exactly as written (a
    /// list's first and last value).
    pub fn ends(&self) -> [Value; 2] {
        match &self.levels {
            Levels::Range {
                min,
                max,
                integer: true,
                ..
            } => [Value::Integer(*min as i64), Value::Integer(*max as i64)],
            Levels::Range { min, max, .. } => [Value::Float(*min), Value::Float(*max)],
            Levels::Values(v) => [v[0].clone(), v[v.len() - 1].clone()],
        }
    }

    /// The largest numeric level, if any level is a number.
    pub fn largest(&self) -> Option<f64> {
        match &self.levels {
            Levels::Range { max, .. } => Some(*max),
            Levels::Values(v) => v
                .iter()
                .filter_map(|x| x.as_float().or(x.as_integer().map(|n| n as f64)))
                .reduce(f64::max),
        }
    }

    /// The grid levels of this factor.
    pub fn grid(&self) -> Vec<Value> {
        match &self.levels {
            Levels::Values(v) => v.clone(),
            Levels::Range {
                min,
                max,
                integer,
                levels,
            } => (0..*levels)
                .map(|i| {
                    let x = if *levels == 1 {
                        *min
                    } else {
                        min + (max - min) * i as f64 / (*levels - 1) as f64
                    };
                    if *integer {
                        Value::Integer(x.round() as i64)
                    } else {
                        Value::Float(x)
                    }
                })
                .collect(),
        }
    }
}

/// A sweep file, checked.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepSpec {
    /// The sweep's name: names its folder (`<name>-sweep`).
    pub name: String,
    /// The sweep file itself.
    #[serde(skip)]
    pub file: PathBuf,
    /// The SHA-256 of the sweep file's text as read.
    #[serde(skip)]
    pub file_sha256: String,
    /// The base scenario, as given (relative to the sweep file).
    pub scenario: PathBuf,
    #[serde(skip)]
    /// The base scenario's path, resolved against the sweep file's folder.
    pub scenario_path: PathBuf,
    /// Overrides applied to every run before the factors.
    pub set: Vec<String>,
    /// The factors, in the order of runs.csv's columns.
    pub factors: Vec<Factor>,
    /// How design points are chosen.
    pub design: Design,
    /// Points for random and Latin hypercube designs; base samples for
    /// Saltelli; trajectories for Morris.
    pub samples: usize,
    /// Runs per design point, 1 to [`MAX_RUNS`].
    pub replicates: u32,
    /// Seed of replicate 0 and of the design; replicate r uses seed + r.
    pub seed: u64,
    /// Also write each run's timeseries.
    pub timeseries: bool,
    /// Governance presets every design point and replicate runs under, on
    /// the same seed (common random numbers); empty: the base scenario's
    /// own governance. runs.csv then has a `regime` column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regimes: Vec<String>,
    /// What the reader changed and the user should know (levels merged).
    #[serde(skip)]
    pub notes: Vec<String>,
}

const KEYS: &[&str] = &[
    "name",
    "scenario",
    "set",
    "factors",
    "design",
    "samples",
    "replicates",
    "seed",
    "timeseries",
    "regimes",
];

/// The runs.csv column of a regime sweep's preset.
pub const REGIME_COLUMN: &str = "regime";

/// The most runs one sweep may hold: runs.csv is assembled in memory from
/// every run's record (about 1.5 kB each), so this bounds it near 1.5 GB.
/// Split a larger study into several sweeps.
pub const MAX_RUNS: u64 = 1_000_000;

/// Why a key cannot be a factor or a fixed override of a sweep: it would
/// not change the runs, or the sweep sets it itself.
fn not_sweepable(key: &str) -> Option<&'static str> {
    match key {
        "run.seed" => Some(
            "each run's seed comes from the sweep: replicate r of every point uses `seed` + r; use `replicates` and `seed` for seeds",
        ),
        "name" | "description" => Some("it names the scenario and changes no result"),
        "extends" => Some("the base scenario is the sweep's `scenario`"),
        k if k == "output" || k.starts_with("output.") => {
            Some("a sweep writes its own tables, not each run's output folder")
        }
        _ => None,
    }
}

/// Collects every problem in a sweep (or calibration) file, each at its line.
pub(crate) struct Problems<'a> {
    pub(crate) at: &'a layers::Locations,
    pub(crate) found: Vec<Diagnostic>,
}

impl Problems<'_> {
    pub(crate) fn fail(&mut self, key: &str, message: String, suggestion: Option<&str>) {
        self.found.push(Diagnostic {
            location: self.at.of(key),
            key: key.into(),
            message,
            suggestion: suggestion.map(str::to_owned),
        });
    }

    /// Every top-level key of `t` that is not one of `keys`, each at its
    /// line with the nearest valid one.
    pub(crate) fn unknown_keys(&mut self, t: &toml::Table, keys: &[&str]) {
        for key in t.keys() {
            if !keys.contains(&key.as_str()) {
                self.fail(
                    key,
                    format!("unknown key; expected one of {}", quoted_list(keys)),
                    nearest(key, keys.iter().copied()),
                );
            }
        }
    }

    /// A whole number of `what` from `min` to `max`, read as written (no
    /// wrapping), checked as a scenario's numbers are.
    pub(crate) fn whole(&mut self, t: &toml::Table, key: &str, default: i64, limit: Limit) -> i64 {
        match t.get(key) {
            None => default,
            Some(value) => match (limit.check(value), value) {
                (Ok(()), Value::Integer(n)) => *n,
                (Err(message), _) => {
                    self.fail(key, message, None);
                    default
                }
                (Ok(()), _) => unreachable!("a whole-number limit accepts integers only"),
            },
        }
    }

    /// `name`: the sweep's folder name; the file's stem when absent.
    pub(crate) fn name(&mut self, t: &toml::Table, path: &Path) -> String {
        match t.get("name") {
            Some(Value::String(s)) => {
                if let Some(problem) = folder_name_problem(s) {
                    self.fail("name", problem, None);
                }
                s.clone()
            }
            Some(other) => {
                self.fail(
                    "name",
                    format!("expected text in quotes, found {}", describe_value(other)),
                    None,
                );
                String::new()
            }
            None => path
                .file_stem()
                .map_or("sweep".into(), |s| s.to_string_lossy().into_owned()),
        }
    }

    /// `scenario`: the base scenario's path, as written.
    fn scenario(&mut self, t: &toml::Table) -> PathBuf {
        match t.get("scenario") {
            Some(Value::String(s)) => PathBuf::from(s),
            Some(_) => {
                self.fail(
                    "scenario",
                    "expected the path of a scenario file, in quotes".into(),
                    None,
                );
                PathBuf::new()
            }
            None => {
                self.fail(
                    "",
                    "the required key `scenario` (the base scenario file) is missing".into(),
                    None,
                );
                PathBuf::new()
            }
        }
    }

    /// `set`: fixed overrides, each a key the runs use and named once.
    pub(crate) fn set(&mut self, t: &toml::Table) -> Vec<String> {
        let set: Vec<String> = match t.get("set") {
            None => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_str) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(_) => {
                self.fail(
                    "set",
                    "expected a list of \"key=value\" texts, e.g. [\"run.ticks=52\"]".into(),
                    None,
                );
                Vec::new()
            }
        };
        for (i, arg) in set.iter().enumerate() {
            let key = override_key(arg);
            if let Some(why) = not_sweepable(key) {
                self.fail(
                    "set",
                    format!("\"{arg}\" cannot be fixed in a sweep: {why}"),
                    None,
                );
            } else if set[..i].iter().any(|a| override_key(a) == key) {
                self.fail(
                    "set",
                    format!("`{key}` is set twice; only one value can take effect: keep one"),
                    None,
                );
            }
        }
        set
    }

    /// A `true` or `false` key, `false` when absent.
    fn flag(&mut self, t: &toml::Table, key: &str) -> bool {
        match t.get(key) {
            None => false,
            Some(Value::Boolean(b)) => *b,
            Some(other) => {
                self.fail(
                    key,
                    format!("expected true or false, found {}", describe_value(other)),
                    None,
                );
                false
            }
        }
    }

    /// `design`, and `samples` only where the design uses it.
    fn design(&mut self, t: &toml::Table) -> Design {
        let design = match t.get("design").map(|v| v.as_str()) {
            None => Design::Grid,
            Some(Some("grid")) => Design::Grid,
            Some(Some("random")) => Design::Random,
            Some(Some("latin_hypercube" | "lhs")) => Design::LatinHypercube,
            Some(Some("saltelli")) => Design::Saltelli,
            Some(Some("morris")) => Design::Morris,
            Some(other) => {
                let text = other.unwrap_or_default();
                self.fail(
                    "design",
                    format!("expected one of {}, found \"{text}\"", quoted_list(DESIGNS)),
                    nearest(&text.to_lowercase(), DESIGNS.iter().copied()),
                );
                // Reported once: no second complaint about `samples`.
                return Design::Grid;
            }
        };
        if design == Design::Grid && t.contains_key("samples") {
            self.fail(
                "samples",
                "a grid's size comes from its factors' levels; `samples` is for the random, latin_hypercube, saltelli and morris designs: remove it".into(),
                None,
            );
        }
        design
    }

    /// `regimes`: distinct preset names, on a design that is not for
    /// sensitivity analysis, with no other say over the preset.
    fn regimes(
        &mut self,
        t: &toml::Table,
        design: Design,
        set_keys: &[&str],
        factors: &[Factor],
    ) -> Vec<String> {
        let Some(value) = t.get("regimes") else {
            return Vec::new();
        };
        let names: Vec<&str> = crate::governance::PRESETS.iter().map(|p| p.name).collect();
        let expected =
            "expected a list of preset names in quotes, e.g. [\"public\", \"co_created\"]";
        let Some(items) = value
            .as_array()
            .filter(|a| !a.is_empty())
            .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<&str>>>())
        else {
            let found = match value.as_array() {
                Some(a) if a.is_empty() => {
                    "an empty list (leave `regimes` out to run the base scenario's own governance)"
                        .to_string()
                }
                Some(a) => format!(
                    "{} in the list",
                    a.iter()
                        .find(|v| !v.is_str())
                        .map_or("a value that is not text".into(), describe_value)
                ),
                None => describe_value(value),
            };
            self.fail("regimes", format!("{expected}, found {found}"), None);
            return Vec::new();
        };
        let mut regimes = Vec::new();
        for (i, name) in items.iter().enumerate() {
            if !names.contains(name) {
                self.fail(
                    "regimes",
                    format!(
                        "unknown preset \"{name}\"; expected one of {}",
                        quoted_list(&names)
                    ),
                    nearest(name, names.iter().copied()),
                );
            } else if items[..i].contains(name) {
                self.fail(
                    "regimes",
                    format!("\"{name}\" is listed twice; list each regime once"),
                    None,
                );
            } else {
                regimes.push(name.to_string());
            }
        }
        let preset = "governance.preset";
        if set_keys.contains(&preset) || factors.iter().any(|f| f.key == preset) {
            self.fail(
                "regimes",
                format!(
                    "`regimes` sets `{preset}` for every run: remove it from `set` and `factors`"
                ),
                None,
            );
        }
        if matches!(design, Design::Saltelli | Design::Morris) {
            self.fail(
                "regimes",
                format!(
                    "a {} design is for the sensitivity of one model; with several regimes the effects would mix: run one sweep per regime (`set = [\"governance.preset=...\"]`)",
                    DESIGNS[design as usize]
                ),
                None,
            );
        }
        regimes
    }

    /// `[factors]`: each a sweepable key not fixed in `set`, with its levels.
    fn factors(
        &mut self,
        t: &toml::Table,
        design: Design,
        set_keys: &[&str],
        notes: &mut Vec<String>,
    ) -> Vec<Factor> {
        let mut factors = Vec::new();
        let Some(Value::Table(table)) = t
            .get("factors")
            .filter(|f| f.as_table().is_some_and(|t| !t.is_empty()))
        else {
            self.fail(
                "factors",
                "expected a [factors] table with at least one factor".into(),
                None,
            );
            return factors;
        };
        for (key, spec) in table {
            let p = format!("factors.{key}");
            if key.trim() != key || key.is_empty() {
                self.fail(
                    &p,
                    format!("\"{key}\" has spaces around it; write the dotted key alone, e.g. \"governance.pb_share\""),
                    None,
                );
                continue;
            }
            if let Some(why) = not_sweepable(key) {
                self.fail(&p, format!("`{key}` cannot be a factor: {why}"), None);
                continue;
            }
            if set_keys.contains(&key.as_str()) {
                self.fail(
                    &p,
                    format!("`{key}` is also fixed in `set`, which the factor would silently replace: remove it from one of them"),
                    None,
                );
                continue;
            }
            let Some(levels) = self.levels(key, spec, design, notes) else {
                continue;
            };
            if matches!(design, Design::Saltelli | Design::Morris)
                && matches!(levels, Levels::Values(_))
            {
                self.fail(
                    &p,
                    format!(
                        "the {} design needs every factor as a range {{ min, max }}",
                        DESIGNS[design as usize]
                    ),
                    None,
                );
            }
            factors.push(Factor {
                key: key.clone(),
                levels,
            });
        }
        factors
    }

    /// One factor's levels, or `None` (with the problem recorded): a list
    /// of values (`[a, b]` or `{ values = [a, b] }`) or a range
    /// (`{ min, max, levels }`).
    fn levels(
        &mut self,
        key: &str,
        spec: &Value,
        design: Design,
        notes: &mut Vec<String>,
    ) -> Option<Levels> {
        let p = &format!("factors.{key}");
        let list = match spec {
            Value::Array(values) => Some(values),
            Value::Table(range) => match range.get("values") {
                Some(Value::Array(values)) => {
                    if let Some(extra) = range.keys().find(|k| *k != "values") {
                        self.fail(
                            &format!("{p}.{extra}"),
                            "a factor given by `values` takes no other key: remove it, or give a range { min, max } instead".into(),
                            None,
                        );
                        return None;
                    }
                    Some(values)
                }
                Some(other) => {
                    self.fail(
                        &format!("{p}.values"),
                        format!(
                            "expected a list of values, e.g. values = [0.1, 0.2], found {}",
                            describe_value(other)
                        ),
                        None,
                    );
                    return None;
                }
                None => None,
            },
            _ => {
                self.fail(
                    p,
                    "expected { min = ..., max = ... } or a list of values".into(),
                    None,
                );
                return None;
            }
        };
        match (list, spec) {
            (Some(values), _) => self.value_levels(p, key, values),
            (None, Value::Table(range)) => self.range_levels(p, key, range, design, notes),
            (None, _) => unreachable!("anything but a list or a table was refused above"),
        }
    }

    /// Levels given as a list of distinct single values.
    fn value_levels(&mut self, p: &str, key: &str, values: &[Value]) -> Option<Levels> {
        if values.is_empty() {
            self.fail(
                p,
                "expected at least one value, found an empty list".into(),
                None,
            );
            return None;
        }
        for (i, v) in values.iter().enumerate() {
            if v.is_table() || v.is_array() {
                self.fail(
                    p,
                    format!(
                        "each level is one value for `{key}`, found {}: to vary several keys, make each its own factor",
                        describe_value(v)
                    ),
                    None,
                );
                return None;
            }
            if values[..i].iter().any(|w| same_value(v, w)) {
                self.fail(
                    p,
                    format!(
                        "{} is listed twice, so it would count twice in every average; list each value once",
                        describe_value(v)
                    ),
                    None,
                );
                return None;
            }
        }
        Some(Levels::Values(values.to_vec()))
    }

    /// Levels given as a range `{ min, max, levels }`; `notes` gets a note
    /// when a grid over whole numbers has fewer distinct values than asked.
    fn range_levels(
        &mut self,
        p: &str,
        key: &str,
        range: &toml::Table,
        design: Design,
        notes: &mut Vec<String>,
    ) -> Option<Levels> {
        for k in range.keys() {
            if !["min", "max", "levels"].contains(&k.as_str()) {
                self.fail(
                    &format!("{p}.{k}"),
                    "unknown key; expected \"min\", \"max\", \"levels\" or \"values\"".into(),
                    nearest(k, ["min", "max", "levels", "values"].into_iter()),
                );
                return None;
            }
        }
        let (Some(min), Some(max)) = (range.get("min"), range.get("max")) else {
            self.fail(
                p,
                "expected { min = ..., max = ... } or a list of values".into(),
                None,
            );
            return None;
        };
        let number = |v: &Value| v.as_float().or(v.as_integer().map(|n| n as f64));
        let (Some(lo), Some(hi)) = (number(min), number(max)) else {
            self.fail(p, "expected numbers for min and max".into(), None);
            return None;
        };
        if !(lo.is_finite() && hi.is_finite()) {
            self.fail(
                p,
                format!("expected finite numbers for min and max, found {lo} and {hi}"),
                None,
            );
            return None;
        }
        if lo >= hi {
            self.fail(
                p,
                format!("empty range: min ({lo}) must be below max ({hi})"),
                None,
            );
            return None;
        }
        let integer = is_whole_number_key(key);
        if integer && !(min.is_integer() && max.is_integer()) {
            self.fail(
                p,
                format!("`{key}` is a whole number: write min and max as whole numbers, found {lo} and {hi}"),
                None,
            );
            return None;
        }
        if design != Design::Grid && range.contains_key("levels") {
            self.fail(
                &format!("{p}.levels"),
                format!(
                    "`levels` sets the size of a grid; the {} design draws `samples` points instead: remove it",
                    DESIGNS[design as usize]
                ),
                None,
            );
            return None;
        }
        let mut levels = match range.get("levels") {
            None => 5,
            Some(Value::Integer(n)) if (2..=MAX_RUNS as i64).contains(n) => *n as u64,
            Some(other) => {
                self.fail(
                    &format!("{p}.levels"),
                    format!(
                        "expected a whole number of levels from 2 to {MAX_RUNS}, found {}",
                        describe_value(other)
                    ),
                    None,
                );
                return None;
            }
        };
        if integer && design == Design::Grid {
            // Both ends are whole numbers below 2^53 (checked by the key's
            // own limits later), so the count of whole numbers is exact.
            let distinct = (hi - lo) as u64 + 1;
            if levels > distinct {
                let asked = if range.contains_key("levels") {
                    format!("{levels} levels were asked")
                } else {
                    format!("the default is {levels} levels")
                };
                notes.push(format!(
                    "note: factors.{key}: {asked}, but only {distinct} whole numbers lie from {lo} to {hi}; the grid uses each once"
                ));
                levels = distinct;
            }
        }
        let levels = Levels::Range {
            min: lo,
            max: hi,
            integer,
            levels: levels as usize,
        };
        if design == Design::Grid && !integer {
            let grid = Factor {
                key: key.into(),
                levels: levels.clone(),
            }
            .grid();
            if grid.windows(2).any(|w| w[0] == w[1]) {
                self.fail(
                    p,
                    format!(
                        "the range from {lo} to {hi} is too narrow for {} distinct levels: widen it or ask for fewer",
                        grid.len()
                    ),
                    None,
                );
                return None;
            }
        }
        Some(levels)
    }
}

/// Sampling designs over factors with few distinct values repeat
/// combinations: a note saying so, since a grid would run each once.
fn repeats_note(design: Design, factors: &[Factor], samples: u64) -> Option<String> {
    if !matches!(design, Design::Random | Design::LatinHypercube) {
        return None;
    }
    let distinct = factors.iter().try_fold(1u64, |n, f| match &f.levels {
        Levels::Values(v) => n.checked_mul(v.len() as u64),
        Levels::Range {
            min,
            max,
            integer: true,
            ..
        } => n.checked_mul((max - min) as u64 + 1),
        Levels::Range { .. } => None,
    })?;
    (distinct < samples).then(|| {
        format!(
            "note: the factors have only {distinct} distinct combinations, fewer than the {samples} samples, so points repeat; design = \"grid\" runs each once"
        )
    })
}

/// Whether two listed factor values are the same level (`0.1` and `0.10`,
/// `1` and `1.0`).
fn same_value(a: &Value, b: &Value) -> bool {
    let number = |v: &Value| v.as_float().or(v.as_integer().map(|n| n as f64));
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

impl SweepSpec {
    /// Reads and checks a sweep file, including that every factor names a
    /// real scenario key and every level is valid for it, that the design
    /// fits ([`MAX_RUNS`]) and that every run's seed fits a scenario.
    pub fn load(path: &Path) -> Result<SweepSpec, ScenarioError> {
        let read = layers::read(path)?;
        let mut problems = Problems {
            at: &read.locations,
            found: Vec::new(),
        };
        let t = &read.table;
        problems.unknown_keys(t, KEYS);
        let name = problems.name(t, path);
        let scenario = problems.scenario(t);
        let scenario_path = path.parent().unwrap_or(Path::new(".")).join(&scenario);
        let set = problems.set(t);
        let set_keys: Vec<&str> = set.iter().map(|a| override_key(a)).collect();
        let up_to = |what| Limit::Whole {
            min: 1,
            max: MAX_RUNS as i64,
            what,
        };
        let samples = problems.whole(t, "samples", 64, up_to("samples")) as u64;
        let replicates = problems.whole(t, "replicates", 1, up_to("replicates")) as u64;
        let seed =
            problems.whole(t, "seed", 1, limits::find("run", "seed").expect("a limit")) as u64;
        if seed
            .checked_add(replicates - 1)
            .is_none_or(|last| last > MAX_SEED)
        {
            problems.fail(
                "seed",
                format!(
                    "replicate r uses seed + r, so seed {seed} with {replicates} replicates needs seeds beyond the largest a scenario holds ({MAX_SEED}); choose a seed of at most {}",
                    MAX_SEED - (replicates - 1)
                ),
                None,
            );
        }
        let timeseries = problems.flag(t, "timeseries");
        let design = problems.design(t);
        let min = super::sobol::MIN_SAMPLES as u64;
        let trajectories = super::morris::MIN_TRAJECTORIES as u64;
        if design == Design::Morris && samples < trajectories {
            problems.fail(
                "samples",
                format!(
                    "a morris design's samples are its trajectories; elementary effects need at least {trajectories} (10 to 50 is usual), found {samples}"
                ),
                None,
            );
        }
        if design == Design::Saltelli && samples < min {
            problems.fail(
                "samples",
                format!(
                    "a saltelli design needs at least {min} base samples for Sobol indices to mean anything (256 or more for intervals of about +-0.1), found {samples}"
                ),
                None,
            );
        }
        let mut notes = Vec::new();
        let factors = problems.factors(t, design, &set_keys, &mut notes);
        let regimes = problems.regimes(t, design, &set_keys, &factors);
        if design == Design::Morris && !factors.is_empty() {
            let distinct = super::morris::distinct_trajectories(factors.len());
            if samples > distinct {
                problems.fail(
                    "samples",
                    format!(
                        "{} factor(s) on a 4-level grid have only {distinct} distinct trajectories, fewer than the {samples} asked: ask for at most {distinct} (elementary effects of so few factors are better read from a grid)",
                        factors.len()
                    ),
                    None,
                );
            }
            for f in &factors {
                if let Levels::Range {
                    min,
                    max,
                    integer: true,
                    ..
                } = f.levels
                    && max - min + 1.0 < super::morris::LEVELS as f64
                {
                    notes.push(format!(
                        "note: factors.{}: only {} whole numbers lie from {min} to {max}, fewer than the 4 levels of a Morris grid, so its steps differ in size; effects are divided by the step each took",
                        f.key,
                        max - min + 1.0
                    ));
                }
            }
        }
        notes.extend(repeats_note(design, &factors, samples));
        let mut errors = problems.found;
        if errors.is_empty() {
            let spec = SweepSpec {
                name,
                file: path.to_path_buf(),
                file_sha256: read.sha256[0].clone(),
                scenario,
                scenario_path,
                set,
                factors,
                design,
                samples: samples as usize,
                replicates: replicates as u32,
                seed,
                timeseries,
                regimes,
                notes,
            };
            match spec.check_size(&read.locations) {
                Ok(()) => {
                    spec.check_factors_against_scenario(&read.locations)?;
                    let mut spec = spec;
                    spec.notes.extend(spec.replaced_knobs());
                    return Ok(spec);
                }
                Err(d) => errors.push(d),
            }
        }
        Err(ScenarioError {
            diagnostics: errors,
        })
    }

    /// runs.csv's input columns: the factors' keys, then `regime` in a
    /// regime sweep.
    pub fn columns(&self) -> Vec<String> {
        let mut columns: Vec<String> = self.factors.iter().map(|f| f.key.clone()).collect();
        if !self.regimes.is_empty() {
            columns.push(REGIME_COLUMN.into());
        }
        columns
    }

    /// Where the sweep (or one shard of it) goes unless told otherwise:
    /// `<output.dir>/<name>-sweep[-shardIofN]`, `output.dir` from `base`.
    pub fn default_dir(&self, base: &Scenario, shard: Option<super::Shard>) -> PathBuf {
        let suffix = shard.map_or(String::new(), |s| format!("-shard{}of{}", s.index, s.count));
        base.output.dir.join(format!("{}-sweep{suffix}", self.name))
    }

    /// The number of points run: design points times regimes (when the
    /// sweep has any), or `None` if it overflows.
    pub fn point_count(&self) -> Option<u64> {
        self.design_point_count()?
            .checked_mul(self.regimes.len().max(1) as u64)
    }

    /// The number of design points, or `None` if it overflows.
    fn design_point_count(&self) -> Option<u64> {
        let k = self.factors.len() as u64;
        match self.design {
            Design::Grid => self.factors.iter().try_fold(1u64, |n, f| {
                let levels = match &f.levels {
                    Levels::Values(v) => v.len(),
                    Levels::Range { levels, .. } => *levels,
                };
                n.checked_mul(levels as u64)
            }),
            Design::Random | Design::LatinHypercube => Some(self.samples as u64),
            Design::Saltelli => (self.samples as u64).checked_mul(k + 2),
            Design::Morris => (self.samples as u64).checked_mul(k + 1),
        }
    }

    /// The number of runs: points times replicates, or `None` if it overflows.
    pub fn run_count(&self) -> Option<u64> {
        self.point_count()?.checked_mul(u64::from(self.replicates))
    }

    /// Refuses a design of more than [`MAX_RUNS`] runs before anything is
    /// built, naming the key that makes it large.
    fn check_size(&self, at: &layers::Locations) -> Result<(), Diagnostic> {
        let runs = self.run_count();
        if runs.is_some_and(|r| r <= MAX_RUNS) {
            return Ok(());
        }
        let shown = runs.map_or("more than 2^64".to_string(), |r| r.to_string());
        let (key, how) = match self.design {
            Design::Grid => {
                let counts: Vec<String> = self
                    .factors
                    .iter()
                    .map(|f| match &f.levels {
                        Levels::Values(v) => v.len().to_string(),
                        Levels::Range { levels, .. } => levels.to_string(),
                    })
                    .collect();
                (
                    "factors",
                    format!("a grid of {} levels", counts.join(" x ")),
                )
            }
            Design::Saltelli => (
                "samples",
                format!(
                    "samples ({}) x (factors + 2 = {})",
                    self.samples,
                    self.factors.len() + 2
                ),
            ),
            Design::Morris => (
                "samples",
                format!(
                    "samples ({} trajectories) x (factors + 1 = {})",
                    self.samples,
                    self.factors.len() + 1
                ),
            ),
            _ => ("samples", format!("{} samples", self.samples)),
        };
        Err(Diagnostic {
            location: at.of(key),
            key: key.into(),
            message: format!(
                "{how} x {} replicates is {shown} runs, more than a sweep may hold ({MAX_RUNS}); use fewer levels, samples or replicates, or split the study",
                self.replicates
            ),
            suggestion: None,
        })
    }

    /// The fixed overrides the base scenario is read with: `set`, and, where
    /// `run.warmup` or `run.ticks` is a factor, its smallest level, since
    /// the base alone must be a valid run (longer than its warm-up) even
    /// when only the factors' levels make it one.
    pub fn base_overrides(&self) -> Vec<String> {
        self.with_window(self.set.clone(), None)
    }

    /// `set` with the factors on the run's window (`run.warmup`,
    /// `run.ticks`) other than `probed` at a level: their smallest for the
    /// base; when one factor's level is being checked (`probed`), the
    /// other's worst (the largest warm-up, the fewest weeks), so that a
    /// level that passes is valid at every design point.
    fn with_window(&self, mut set: Vec<String>, probed: Option<&str>) -> Vec<String> {
        for (key, worst_is_max) in [("run.warmup", true), ("run.ticks", false)] {
            if probed != Some(key)
                && let Some(v) = self.extreme_level(key, worst_is_max && probed.is_some())
            {
                set.push(format!("{key}={v}"));
            }
        }
        set
    }

    /// The smallest (or, with `max`, the largest) level of the factor on
    /// `key`, if `key` is a numeric factor.
    fn extreme_level(&self, key: &str, max: bool) -> Option<Value> {
        let f = self.factors.iter().find(|f| f.key == key)?;
        let numeric = |v: &Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
        let levels: Vec<Value> = match &f.levels {
            Levels::Values(v) => v.clone(),
            Levels::Range { .. } => f.ends().to_vec(),
        };
        let pick = |a: &Value, b: &Value| {
            numeric(a)
                .partial_cmp(&numeric(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        };
        if max {
            levels.iter().max_by(|a, b| pick(a, b)).cloned()
        } else {
            levels.iter().min_by(|a, b| pick(a, b)).cloned()
        }
    }

    /// Loads the base scenario with the fixed overrides, then with each
    /// factor at each extreme level, so an unknown path or an invalid level
    /// is reported at the sweep file's line before any run starts.
    fn check_factors_against_scenario(&self, at: &layers::Locations) -> Result<(), ScenarioError> {
        let base = Scenario::read(&self.scenario_path).map_err(|e| {
            let mut e = e;
            for d in &mut e.diagnostics {
                // The base file could not be read at all: point at the
                // sweep's `scenario` key. Errors inside it keep their place.
                if d.message.starts_with("cannot read the scenario file") {
                    d.location = at.of("scenario");
                    d.key = "scenario".into();
                }
            }
            e
        })?;
        base.with(&self.base_overrides())
            .map_err(|e| ScenarioError {
                diagnostics: e
                    .diagnostics
                    .into_iter()
                    .map(|d| match &d.location.source {
                        Source::CommandLine(arg) => {
                            // An override from `set`, or a window factor's
                            // smallest level that base_overrides added.
                            let key = crate::scenario::override_key(arg);
                            let (place, said) = if self.set.contains(arg) {
                                ("set".to_string(), format!("\"{arg}\": "))
                            } else {
                                (
                                    format!("factors.{key}"),
                                    format!("at its smallest level, {arg}: "),
                                )
                            };
                            Diagnostic {
                                location: at.of(&place),
                                key: place,
                                message: format!("{said}{}", short(&d)),
                                suggestion: d.suggestion,
                            }
                        }
                        _ => d,
                    })
                    .collect(),
            })?;
        let mut errors = Vec::new();
        for f in &self.factors {
            let probes = match &f.levels {
                Levels::Values(v) => v.clone(),
                Levels::Range { .. } => f.ends().to_vec(),
            };
            for value in probes {
                let mut set = self.with_window(self.set.clone(), Some(&f.key));
                set.push(format!("{}={}", f.key, value));
                if let Err(e) = base.with(&set) {
                    let location: Location = at.of(&format!("factors.{}", f.key));
                    for d in e.diagnostics {
                        let said = match &d.location.source {
                            Source::CommandLine(_) => format!("at the level {value}"),
                            _ => format!("the base scenario says: {}", d.location),
                        };
                        errors.push(Diagnostic {
                            location: location.clone(),
                            key: format!("factors.{}", f.key),
                            message: format!("{} ({said})", short(&d)),
                            suggestion: d.suggestion,
                        });
                    }
                    break;
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ScenarioError {
                diagnostics: errors,
            })
        }
    }

    /// In a regime sweep, for each regime, the governance knobs the base
    /// scenario's files write that the regime's preset sets otherwise (and
    /// neither `set` nor a factor fixes), said plainly: a preset replaces
    /// them, as in `coserve compare`.
    fn replaced_knobs(&self) -> Vec<String> {
        let Ok(file) = Scenario::read(&self.scenario_path) else {
            return Vec::new();
        };
        let fixed: Vec<&str> = self
            .set
            .iter()
            .map(|a| override_key(a))
            .chain(self.factors.iter().map(|f| f.key.as_str()))
            .collect();
        let written: Vec<String> = file
            .written_knobs()
            .into_iter()
            .filter(|k| !fixed.contains(&format!("governance.{k}").as_str()))
            .collect();
        let Ok(as_written) = file.with(&self.base_overrides()) else {
            return Vec::new();
        };
        let mut notes = Vec::new();
        for regime in &self.regimes {
            let mut set = self.base_overrides();
            set.push(format!("governance.preset={regime}"));
            let Ok(under) = file.with(&set) else {
                continue;
            };
            let replaced = as_written
                .governance
                .knobs
                .changes(&under.governance.knobs, &written);
            if !replaced.is_empty() {
                notes.push(format!(
                    "note: regime {regime}: the preset replaces knobs {} writes: {} (to keep a value under every regime, fix it in `set`)",
                    self.scenario.display(),
                    replaced.join(", ")
                ));
            }
        }
        notes
    }

    /// Overrides for one point (its factors' values, then its regime's
    /// name in a regime sweep), after the fixed ones.
    pub fn overrides(&self, values: &[Value], seed: u64) -> Vec<String> {
        let mut set = self.set.clone();
        if !self.regimes.is_empty()
            && let Some(Value::String(regime)) = values.get(self.factors.len())
        {
            set.push(format!("governance.preset={regime}"));
        }
        set.extend(
            self.factors
                .iter()
                .zip(values)
                .map(|(f, v)| format!("{}={}", f.key, v)),
        );
        set.push(format!("run.seed={seed}"));
        set
    }
}

fn short(d: &Diagnostic) -> String {
    // A sweep has no --set: its fixed overrides are its `set`.
    let message = d.message.replace(
        "`--set run.warmup=0`",
        "\"run.warmup=0\" in the sweep's `set`",
    );
    format!("key `{}`: {message}", d.key)
}
