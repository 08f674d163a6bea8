//! Scenarios: the TOML schema, loading with `extends` and `--set`, and
//! validation with errors that name file, line, key and what was expected.

pub mod behaviour;
mod checks;
mod error;
mod experiment;
mod explain;
pub mod keys;
pub(crate) mod layers;
pub mod limits;
pub mod map;
mod resolved;
pub mod sections;
mod template;

pub use behaviour::Behaviour;
use checks::Checks;
pub use error::{Diagnostic, Location, ScenarioError, Source};
pub use experiment::{Experiment, GAME, GameSpec, Matching};
pub use explain::explain;
pub use layers::{Locations, command_line, override_key};
pub use sections::{CitySpec, DomainSpec, OutputSpec, RunSpec, default_domains, describe_weeks};
pub use template::{NewScenario, template};

use crate::governance::{self, Knobs};

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// `[governance]`: a preset and any knobs that override it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GovernanceSpec {
    /// The preset named in `[governance]` (`public` when none is named).
    pub preset: String,
    /// The preset's knobs with the scenario's overrides applied.
    pub knobs: Knobs,
}

/// `[[interventions]]`: knobs that change at a tick.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intervention {
    /// The tick at whose start the change applies.
    pub at: u32,
    /// A short description for events.csv and the visualizer.
    pub label: String,
    /// A preset whose knobs replace all current knobs, before `set` applies.
    pub preset: Option<String>,
    /// Knobs to change, by name.
    pub set: Table,
}

impl Intervention {
    /// Applies this intervention to `knobs`. Values were checked when the
    /// scenario was loaded.
    pub fn apply(&self, knobs: &mut Knobs) {
        if let Some(p) = self.preset.as_deref().and_then(governance::preset) {
            *knobs = p.knobs();
        }
        for (name, value) in &self.set {
            knobs
                .set(name, value)
                .expect("intervention values are validated when the scenario loads");
        }
    }
}

/// A fully resolved scenario: every key has its value, presets are expanded,
/// and every value has been checked. It round-trips through the manifest's
/// JSON, so reports describe exactly what ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The scenario's name, which names its output folder; by default the
    /// file's stem.
    pub name: String,
    /// A one-line description of the scenario.
    pub description: String,
    /// `[run]`: length, seed and budget cycle.
    pub run: RunSpec,
    /// `[city]`: residents and neighbourhoods.
    pub city: CitySpec,
    /// `[[domains]]`: the service domains, 1 to [`MAX_DOMAINS`].
    pub domains: Vec<DomainSpec>,
    /// `[governance]`: the knobs in force at tick 0.
    pub governance: GovernanceSpec,
    /// `[[interventions]]`: knob changes during the run, in tick order.
    pub interventions: Vec<Intervention>,
    /// `[output]`: what to write and where.
    pub output: OutputSpec,
    /// `[behaviour]`: the behavioural constants.
    pub behaviour: Behaviour,
    /// `[city.map]`: the city's neighbourhoods from a map, when it has one
    /// (else a generated grid of `city.neighbourhoods`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<ScenarioMap>,
    /// The files read: the named file first, then what it extends.
    #[serde(skip)]
    pub files: Vec<PathBuf>,
}

/// A city given as a map (`[city.map]`): what the scenario wrote, where
/// the file was found, and the map as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioMap {
    /// `[city.map]` as written.
    pub spec: map::MapSpec,
    /// The map file as read: `spec.file` against the folder of the
    /// scenario file that names it (or the working folder, for `--set`).
    /// Not in manifests, which depend on where a command ran from only
    /// through the files' own paths: the map is recorded by `spec.file`
    /// and `sha256`.
    #[serde(skip)]
    pub path: PathBuf,
    /// The SHA-256 of the map file's bytes.
    pub sha256: String,
    /// The real residents the map counts (its `population` property,
    /// summed): what `coserve explain` sets against `city.residents`.
    #[serde(default)]
    pub real_residents: f64,
    /// Per domain, in order: the property its need rate is scaled by
    /// (`need_index` in `[[domains]]`), relative to the population-weighted
    /// mean over the map.
    pub need_index: Vec<Option<String>>,
    /// The map; not recorded in manifests (a run's folder holds map.geojson).
    #[serde(skip)]
    pub map: Option<std::sync::Arc<map::CityMap>>,
}

impl Scenario {
    /// The resolved scenario recorded in a manifest.
    pub fn from_manifest_json(value: &serde_json::Value) -> Result<Scenario, serde_json::Error> {
        serde_json::from_value(value.clone())
    }
}

/// A scenario file read once, with everything it extends: many scenarios
/// can be built from it, each with its own overrides, without reading the
/// files again. [`ScenarioFile::with`] gives what [`Scenario::load`] gives.
#[derive(Clone, Debug)]
pub struct ScenarioFile {
    layers: layers::Layers,
    default_name: String,
}

impl ScenarioFile {
    /// The scenario with `overrides` (`key=value`) applied, checked.
    pub fn with(&self, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        let mut layers = self.layers.clone();
        layers::apply_overrides(&mut layers, overrides)?;
        Scenario::from_layers(layers, &self.default_name)
    }

    /// The files read: the named file first, then what it extends.
    pub fn files(&self) -> &[PathBuf] {
        &self.layers.files
    }

    /// The governance knobs the files write themselves (not through their
    /// preset), by name, e.g. `outreach`: what a change of preset replaces.
    pub fn written_knobs(&self) -> Vec<String> {
        self.layers
            .table
            .get("governance")
            .and_then(Value::as_table)
            .map(|g| g.keys().filter(|k| *k != "preset").cloned().collect())
            .unwrap_or_default()
    }

    /// The SHA-256 of each file's text as read, in the order of [`files`](Self::files).
    pub fn sha256(&self) -> &[String] {
        &self.layers.sha256
    }
}

/// Whether the scenario key at dotted `path` holds a whole number (ticks,
/// residents, a lag), so that a range over it has whole-number levels.
pub fn is_whole_number_key(path: &str) -> bool {
    let mut parts = path.split('.');
    let section = parts.next().unwrap_or_default();
    let key = path.rsplit('.').next().unwrap_or_default();
    if section == "governance" {
        return governance::knob_info(key).is_some_and(|k| k.kind == governance::KnobKind::Ticks);
    }
    matches!(
        limits::find(section, key),
        Some(limits::Limit::Whole { .. })
    )
}

/// Why `name` cannot name an output folder (`outputs/<name>-seed1`), if it
/// cannot: a name must not lead to another folder.
pub fn folder_name_problem(name: &str) -> Option<String> {
    let bad = name.trim().is_empty()
        || name.starts_with('.')
        || name
            .chars()
            .any(|c| matches!(c, '/' | '\\' | ':') || c.is_control());
    bad.then(|| {
        format!(
            "expected a name that can be a folder name (no /, \\, : or leading dot), found \"{}\"",
            name.escape_debug()
        )
    })
}

/// What else a file with `table` at its top is, if it is one of coserve's
/// other files, and the command that reads it: said instead of a list of
/// unknown keys.
fn other_kind(table: &Table) -> Option<(&'static str, &'static str)> {
    let has = |key| table.contains_key(key);
    if has("factors") && has("scenario") {
        Some(("a sweep file", "run it with `coserve sweep`"))
    } else if has("parameters") && has("targets") {
        Some(("a calibration file", "run it with `coserve calibrate`"))
    } else if has("game") {
        Some(("a lab experiment", "play it with `coserve lab`"))
    } else {
        None
    }
}

/// Most service domains a scenario may list.
pub const MAX_DOMAINS: usize = 8;
/// Most neighbourhoods a city may have.
pub const MAX_NEIGHBOURHOODS: u32 = 4096;

/// Every top-level key of a scenario file: three values, then its tables.
const SECTIONS: &[&str] = &[
    "name",
    "description",
    "extends",
    "run",
    "city",
    "domains",
    "governance",
    "interventions",
    "output",
    "behaviour",
];

/// The tables of a scenario file (`run`, `city`, ... `behaviour`): a dotted
/// key names a value inside one of them, never one of them whole.
pub const TABLES: &[&str] = SECTIONS.split_at(3).1;

impl Scenario {
    /// Loads a scenario file, follows `extends`, applies `--set` overrides
    /// and checks every value.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        Scenario::read(path)?.with(overrides)
    }

    /// Reads a scenario file and what it extends once, to build many
    /// scenarios from it with different overrides (sweeps, comparisons).
    pub fn read(path: &Path) -> Result<ScenarioFile, ScenarioError> {
        Ok(ScenarioFile {
            layers: layers::read(path)?,
            default_name: path
                .file_stem()
                .map_or("scenario".into(), |s| s.to_string_lossy().into_owned()),
        })
    }

    /// Loads scenario text that has no file of its own (tests, tools);
    /// `name` stands in for the file name in errors and as the default name.
    pub fn from_toml_str(text: &str, name: &str) -> Result<Scenario, ScenarioError> {
        let path = PathBuf::from(format!("{name}.toml"));
        Scenario::from_layers(layers::read_text(&path, text)?, name)
    }

    fn from_layers(layers: layers::Layers, default_name: &str) -> Result<Scenario, ScenarioError> {
        let mut scenario = Scenario::from_table(layers.table, &layers.locations, default_name)?;
        scenario.files = layers.files;
        Ok(scenario)
    }

    fn from_table(
        mut table: Table,
        at: &Locations,
        default_name: &str,
    ) -> Result<Scenario, ScenarioError> {
        let mut checks = Checks {
            at,
            found: Vec::new(),
        };
        if let Some((kind, how)) = other_kind(&table) {
            checks.fail("", format!("this is {kind}, not a scenario: {how}"), None);
            return Err(ScenarioError {
                diagnostics: checks.found,
            });
        }
        for key in table.keys() {
            if !SECTIONS.contains(&key.as_str()) {
                checks.unknown(key, key, SECTIONS);
            }
        }
        let name = match checks.text(&mut table, "name") {
            Some(name) => {
                if let Some(problem) = folder_name_problem(&name) {
                    checks.fail("name", problem, None);
                }
                name
            }
            None => default_name.to_string(),
        };
        let description = checks.text(&mut table, "description").unwrap_or_default();
        let run: RunSpec = checks.section(&mut table, "run").unwrap_or_default();
        let map_table = table
            .get_mut("city")
            .and_then(Value::as_table_mut)
            .and_then(|c| c.remove("map"));
        let mut city: CitySpec = checks.section(&mut table, "city").unwrap_or_default();
        let mut need_index: Vec<Option<String>> = Vec::new();
        let output: OutputSpec = checks.section(&mut table, "output").unwrap_or_default();
        let behaviour: Behaviour = checks.section(&mut table, "behaviour").unwrap_or_default();
        let mut domains_listed = None;
        let domains = match table.remove("domains") {
            None => default_domains(),
            Some(Value::Array(items)) => {
                domains_listed = Some(items.len());
                items
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, mut item)| {
                        let name = item.get("name").and_then(Value::as_str).map(str::to_owned);
                        let path = layers::domain_path(i, name.as_deref());
                        let index = item.as_table_mut().and_then(|t| t.remove("need_index"));
                        need_index.push(match index {
                            None => None,
                            Some(Value::String(p)) => Some(p),
                            Some(other) => {
                                checks.fail(
                                    &format!("{path}.need_index"),
                                    format!(
                                        "expected the name of a property of the city's map, in quotes, found {}",
                                        crate::text::describe_value(&other)
                                    ),
                                    None,
                                );
                                None
                            }
                        });
                        let item = checks.numbers(item, "domains", &path);
                        checks.deserialize(item, &path)
                    })
                    .collect()
            }
            Some(_) => {
                checks.fail(
                    "domains",
                    "expected a list of [[domains]] tables".into(),
                    None,
                );
                Vec::new()
            }
        };
        need_index.resize(domains.len(), None);
        let map = match map_table {
            Some(value) => checks.city_map(value, &need_index, &domains, &mut city),
            None => {
                for (d, p) in domains.iter().zip(&need_index) {
                    if p.is_some() {
                        checks.fail(
                            &format!("{}.need_index", layers::domain_path(0, Some(&d.name))),
                            "a need index is a property of the city's map: it needs a [city.map]"
                                .into(),
                            None,
                        );
                    }
                }
                None
            }
        };
        let governance = checks.governance(table.remove("governance"));
        let interventions = checks.interventions(table.remove("interventions"), &governance.knobs);

        checks.run(&run);
        checks.city(&city);
        checks.cooperation_types(&behaviour);
        if domains_listed.is_none_or(|n| n == domains.len()) {
            checks.domains(&domains);
        }
        checks.knob_budget("governance", &governance.knobs);
        let cells = (city.neighbourhoods as usize, domains.len());
        checks.pb_allocation("governance", governance.knobs.pb_allocation.len(), cells);
        for (i, iv) in interventions.iter().enumerate() {
            if let Some(weights) = iv.set.get("pb_allocation").and_then(Value::as_array) {
                checks.pb_allocation(&format!("interventions[{i}]"), weights.len(), cells);
            }
            if iv.at >= run.ticks {
                checks.fail(
                    &format!("interventions[{i}].at"),
                    format!(
                        "expected a tick before the end of the run (0 to {}), found {}",
                        run.ticks.saturating_sub(1),
                        iv.at
                    ),
                    None,
                );
            }
        }
        if !checks.found.is_empty() {
            return Err(ScenarioError {
                diagnostics: checks.found,
            });
        }
        Ok(Scenario {
            name,
            description,
            run,
            city,
            domains,
            governance,
            interventions,
            output,
            behaviour,
            map,
            files: Vec::new(),
        })
    }

    /// The knobs in force at `tick`, after every intervention up to it.
    pub fn knobs_at(&self, tick: u32) -> Knobs {
        let mut knobs = self.governance.knobs.clone();
        for iv in self.interventions.iter().filter(|iv| iv.at <= tick) {
            iv.apply(&mut knobs);
        }
        knobs
    }
}
