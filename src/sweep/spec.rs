//! Sweep files: a base scenario, factors, a design, replicates.

use crate::governance::{nearest, quoted_list};
use crate::scenario::layers;
use crate::scenario::{Diagnostic, Location, Scenario, ScenarioError};
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
}

const DESIGNS: &[&str] = &["grid", "random", "latin_hypercube", "saltelli"];

/// What a factor ranges over.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Levels {
    /// A continuous range; `integer` when both ends are whole numbers.
    Range {
        min: f64,
        max: f64,
        integer: bool,
        levels: usize,
    },
    /// A list of values.
    Values(Vec<Value>),
}

/// One factor: a scenario key by dotted path, and its levels.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Factor {
    pub key: String,
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
    pub name: String,
    /// The base scenario, as given (relative to the sweep file).
    pub scenario: PathBuf,
    #[serde(skip)]
    pub scenario_path: PathBuf,
    /// Overrides applied to every run before the factors.
    pub set: Vec<String>,
    pub factors: Vec<Factor>,
    pub design: Design,
    /// Points for random and Latin hypercube designs; base samples for Saltelli.
    pub samples: usize,
    pub replicates: u32,
    /// Seed of replicate 0 and of the design; replicate r uses seed + r.
    pub seed: u64,
    /// Also write each run's timeseries.
    pub timeseries: bool,
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
];

impl SweepSpec {
    /// Reads and checks a sweep file, including that every factor names a
    /// real scenario key and every level is valid for it.
    pub fn load(path: &Path) -> Result<SweepSpec, ScenarioError> {
        let read = layers::read(path)?;
        let at = &read.locations;
        let mut errors = Vec::new();
        let mut fail = |key: &str, message: String, suggestion: Option<&str>| {
            errors.push(Diagnostic {
                location: at.of(key),
                key: key.into(),
                message,
                suggestion: suggestion.map(str::to_owned),
            })
        };
        let t = &read.table;
        for key in t.keys() {
            if !KEYS.contains(&key.as_str()) {
                fail(
                    key,
                    format!("unknown key; expected one of {}", quoted_list(KEYS)),
                    nearest(key, KEYS.iter().copied()),
                );
            }
        }
        let name = match t.get("name") {
            Some(Value::String(s)) => s.clone(),
            _ => path
                .file_stem()
                .map_or("sweep".into(), |s| s.to_string_lossy().into_owned()),
        };
        let scenario = match t.get("scenario") {
            Some(Value::String(s)) => PathBuf::from(s),
            Some(_) => {
                fail(
                    "scenario",
                    "expected the path of a scenario file, in quotes".into(),
                    None,
                );
                PathBuf::new()
            }
            None => {
                fail(
                    "",
                    "the required key `scenario` (the base scenario file) is missing".into(),
                    None,
                );
                PathBuf::new()
            }
        };
        let scenario_path = path.parent().unwrap_or(Path::new(".")).join(&scenario);
        let set = match t.get("set") {
            None => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_str) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(_) => {
                fail(
                    "set",
                    "expected a list of \"key=value\" texts, e.g. [\"run.ticks=52\"]".into(),
                    None,
                );
                Vec::new()
            }
        };
        let whole =
            |key: &str,
             default: i64,
             min: i64,
             fail: &mut dyn FnMut(&str, String, Option<&str>)| match t.get(key) {
                None => default,
                Some(Value::Integer(n)) if *n >= min => *n,
                Some(other) => {
                    fail(
                        key,
                        format!("expected a whole number of at least {min}, found {other}"),
                        None,
                    );
                    default
                }
            };
        let samples = whole("samples", 64, 1, &mut fail) as usize;
        let replicates = whole("replicates", 1, 1, &mut fail) as u32;
        let seed = whole("seed", 1, 0, &mut fail) as u64;
        let timeseries = match t.get("timeseries") {
            None => false,
            Some(Value::Boolean(b)) => *b,
            Some(_) => {
                fail("timeseries", "expected true or false".into(), None);
                false
            }
        };
        let design = match t.get("design").map(|v| v.as_str()) {
            None => Design::Grid,
            Some(Some("grid")) => Design::Grid,
            Some(Some("random")) => Design::Random,
            Some(Some("latin_hypercube" | "lhs")) => Design::LatinHypercube,
            Some(Some("saltelli")) => Design::Saltelli,
            Some(other) => {
                let text = other.unwrap_or_default();
                fail(
                    "design",
                    format!("expected one of {}, found \"{text}\"", quoted_list(DESIGNS)),
                    nearest(text, DESIGNS.iter().copied()),
                );
                Design::Grid
            }
        };
        let mut factors = Vec::new();
        match t.get("factors") {
            Some(Value::Table(table)) if !table.is_empty() => {
                for (key, spec) in table {
                    let path = format!("factors.{key}");
                    let p = path.as_str();
                    let levels = match spec {
                        Value::Array(values) if values.is_empty() => {
                            fail(
                                p,
                                "expected at least one value, found an empty list".into(),
                                None,
                            );
                            continue;
                        }
                        Value::Array(values) => Levels::Values(values.clone()),
                        Value::Table(range) => {
                            if let Some(Value::Array(values)) = range.get("values") {
                                if values.is_empty() {
                                    fail(
                                        p,
                                        "expected at least one value, found an empty list".into(),
                                        None,
                                    );
                                    continue;
                                }
                                Levels::Values(values.clone())
                            } else {
                                let (Some(min), Some(max)) = (range.get("min"), range.get("max"))
                                else {
                                    fail(
                                        p,
                                        "expected { min = ..., max = ... } or a list of values"
                                            .into(),
                                        None,
                                    );
                                    continue;
                                };
                                let integer = min.is_integer() && max.is_integer();
                                let as_f =
                                    |v: &Value| v.as_float().or(v.as_integer().map(|n| n as f64));
                                let (Some(lo), Some(hi)) = (as_f(min), as_f(max)) else {
                                    fail(p, "expected numbers for min and max".into(), None);
                                    continue;
                                };
                                if lo >= hi {
                                    fail(
                                        p,
                                        format!("empty range: min ({lo}) must be below max ({hi})"),
                                        None,
                                    );
                                    continue;
                                }
                                let levels = match range.get("levels") {
                                    None => 5,
                                    Some(Value::Integer(n)) if *n >= 2 => *n as usize,
                                    Some(_) => {
                                        fail(
                                            p,
                                            "expected `levels` to be a whole number of at least 2"
                                                .into(),
                                            None,
                                        );
                                        continue;
                                    }
                                };
                                Levels::Range {
                                    min: lo,
                                    max: hi,
                                    integer,
                                    levels,
                                }
                            }
                        }
                        _ => {
                            fail(
                                p,
                                "expected { min = ..., max = ... } or a list of values".into(),
                                None,
                            );
                            continue;
                        }
                    };
                    if design == Design::Saltelli && matches!(levels, Levels::Values(_)) {
                        fail(
                            p,
                            "the saltelli design needs every factor as a range { min, max }".into(),
                            None,
                        );
                    }
                    factors.push(Factor {
                        key: key.clone(),
                        levels,
                    });
                }
            }
            _ => fail(
                "factors",
                "expected a [factors] table with at least one factor".into(),
                None,
            ),
        }
        if !errors.is_empty() {
            return Err(ScenarioError {
                diagnostics: errors,
            });
        }
        let spec = SweepSpec {
            name,
            scenario,
            scenario_path,
            set,
            factors,
            design,
            samples,
            replicates,
            seed,
            timeseries,
        };
        spec.check_factors_against_scenario(at)?;
        Ok(spec)
    }

    /// Loads the base scenario with each factor at each extreme level, so an
    /// unknown path or an invalid level is reported before any run starts.
    fn check_factors_against_scenario(&self, at: &layers::Locations) -> Result<(), ScenarioError> {
        Scenario::load(&self.scenario_path, &self.set)?;
        let mut errors = Vec::new();
        for f in &self.factors {
            let probes = match &f.levels {
                Levels::Values(v) => v.clone(),
                Levels::Range { .. } => vec![f.value_at(0.0), f.value_at(0.999_999)],
            };
            for value in probes {
                let mut set = self.set.clone();
                set.push(format!("{}={}", f.key, value));
                if let Err(e) = Scenario::load(&self.scenario_path, &set) {
                    let location: Location = at.of(&format!("factors.{}", f.key));
                    for d in e.diagnostics {
                        errors.push(Diagnostic {
                            location: location.clone(),
                            key: format!("factors.{}", f.key),
                            message: format!(
                                "{} (the base scenario says: {})",
                                short(&d),
                                d.location
                            ),
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

    /// Overrides for one design point, after the fixed ones.
    pub fn overrides(&self, values: &[Value], seed: u64) -> Vec<String> {
        let mut set = self.set.clone();
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
    format!("key `{}`: {}", d.key, d.message)
}
