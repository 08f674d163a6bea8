//! Scenarios: the TOML schema, loading with `extends` and `--set`, and
//! validation with errors that name file, line, key and what was expected.

pub mod behaviour;
mod error;
mod explain;
pub(crate) mod layers;
pub mod limits;
mod resolved;
mod template;

pub use behaviour::Behaviour;
pub use error::{Diagnostic, Location, ScenarioError, Source};
pub use explain::explain;
pub use layers::{Locations, command_line};
pub use template::{NewScenario, template};

use crate::governance::{self, KnobError, Knobs};
use crate::text::{nearest, quoted_list};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// `[run]`: how long and with which random numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunSpec {
    /// Ticks (weeks) to simulate.
    pub ticks: u32,
    /// Seed of every random number in the run.
    pub seed: u64,
    /// Ticks between the agency's re-planning of its allocation.
    pub budget_cycle: u32,
}

impl Default for RunSpec {
    fn default() -> Self {
        RunSpec {
            ticks: 260,
            seed: 1,
            budget_cycle: 52,
        }
    }
}

/// `[city]`: residents and neighbourhoods.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CitySpec {
    /// Residents simulated one by one, 1 to 100 million, split as evenly as
    /// possible over the neighbourhoods.
    pub residents: u64,
    /// Neighbourhoods, 1 to [`MAX_NEIGHBOURHOODS`], laid out on a grid for maps.
    pub neighbourhoods: u32,
    /// Mean socio-economic status, in [0, 1].
    pub ses_mean: f64,
    /// Spread of neighbourhood mean SES around the city mean.
    pub ses_spread_between: f64,
    /// Spread of residents' SES around their neighbourhood's mean.
    pub ses_spread_within: f64,
    /// How much more need poorer neighbourhoods have:
    /// `lambda_n = lambda_0 * (1 + need_gradient * (1 - ses_n))`.
    pub need_gradient: f64,
    /// Mean initial social capital, in [0, 1].
    pub social_capital: f64,
    /// Mean initial trust in local government, in [0, 1].
    pub trust_initial: f64,
}

impl Default for CitySpec {
    fn default() -> Self {
        CitySpec {
            residents: 100_000,
            neighbourhoods: 16,
            ses_mean: 0.5,
            ses_spread_between: 0.15,
            ses_spread_within: 0.15,
            need_gradient: 1.0,
            social_capital: 0.5,
            trust_initial: 0.45,
        }
    }
}

/// `[[domains]]`: one everyday service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainSpec {
    /// The domain's name (e.g. `pet_care`), unique within the scenario.
    pub name: String,
    /// `lambda_0`: needs per resident per tick.
    pub need_rate: f64,
    /// Public money per need served.
    pub unit_cost: f64,
    /// Public money per resident per tick.
    pub budget_per_resident: f64,
    /// Weight of public input in production; 1 - alpha is the weight of
    /// effective hands (public plus volunteer).
    pub alpha: f64,
    /// Production elasticity: below 0 complements, 1 substitutes.
    pub rho: f64,
    /// Local-knowledge gain of community organizations' targeting.
    pub kappa: f64,
    /// Share of open needs that lapse unserved each tick.
    #[serde(default = "default_lapse_rate")]
    pub lapse_rate: f64,
}

fn default_lapse_rate() -> f64 {
    0.05
}

/// The four shipped service domains.
pub fn default_domains() -> Vec<DomainSpec> {
    let d = |name: &str, need_rate, unit_cost, budget_per_resident, alpha, rho, kappa| DomainSpec {
        name: name.into(),
        need_rate,
        unit_cost,
        budget_per_resident,
        alpha,
        rho,
        kappa,
        lapse_rate: default_lapse_rate(),
    };
    vec![
        d("pet_care", 0.004, 150.0, 0.6, 0.6, -0.5, 1.5),
        d("waste", 0.03, 25.0, 0.75, 0.5, 0.5, 1.2),
        d("green_space", 0.01, 80.0, 0.7, 0.4, 0.3, 1.4),
        d("safety", 0.008, 200.0, 1.4, 0.7, -1.0, 1.8),
    ]
}

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

/// `[output]`: what to write and where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputSpec {
    /// Folder under which `<name>-seed<N>/` is written.
    pub dir: PathBuf,
    /// Write neighbourhoods.csv (tick x neighbourhood).
    pub neighbourhoods: bool,
    /// Write quintiles.csv (tick x SES quintile).
    pub quintiles: bool,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            dir: PathBuf::from("outputs"),
            neighbourhoods: true,
            quintiles: true,
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
    /// The files read: the named file first, then what it extends.
    #[serde(skip)]
    pub files: Vec<PathBuf>,
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

/// Most service domains a scenario may list.
pub const MAX_DOMAINS: usize = 8;
/// Most neighbourhoods a city may have.
pub const MAX_NEIGHBOURHOODS: u32 = 4096;

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
        if table.contains_key("factors") && table.contains_key("scenario") {
            checks.fail(
                "",
                "this is a sweep file, not a scenario: run it with `coserve sweep`".into(),
                None,
            );
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
        let city: CitySpec = checks.section(&mut table, "city").unwrap_or_default();
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
                    .filter_map(|(i, item)| {
                        let name = item.get("name").and_then(Value::as_str).map(str::to_owned);
                        let path = layers::domain_path(i, name.as_deref());
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
        let governance = checks.governance(table.remove("governance"));
        let interventions = checks.interventions(table.remove("interventions"), &governance.knobs);

        checks.city(&city);
        checks.cooperation_types(&behaviour);
        if domains_listed.is_none_or(|n| n == domains.len()) {
            checks.domains(&domains);
        }
        checks.knob_budget("governance", &governance.knobs);
        for (i, iv) in interventions.iter().enumerate() {
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

/// Collects every problem instead of stopping at the first.
struct Checks<'a> {
    at: &'a Locations,
    found: Vec<Diagnostic>,
}

impl Checks<'_> {
    fn fail(&mut self, key: &str, message: String, suggestion: Option<&str>) {
        self.found.push(Diagnostic {
            location: self.at.of(key),
            key: key.into(),
            message,
            suggestion: suggestion.map(str::to_owned),
        });
    }

    fn unknown(&mut self, path: &str, key: &str, valid: &[&str]) {
        let suggestion = match nearest(key, valid.iter().copied()) {
            Some(s) => Some(s.to_string()),
            None => key_elsewhere(key),
        };
        self.fail(
            path,
            format!("unknown key; expected one of {}", quoted_list(valid)),
            suggestion.as_deref(),
        );
    }

    fn text(&mut self, table: &mut Table, key: &str) -> Option<String> {
        match table.remove(key)? {
            Value::String(s) => Some(s),
            other => {
                self.fail(
                    key,
                    format!(
                        "expected text in quotes, found {}",
                        crate::text::describe_value(&other)
                    ),
                    None,
                );
                None
            }
        }
    }

    fn section<T: for<'de> Deserialize<'de>>(&mut self, table: &mut Table, key: &str) -> Option<T> {
        let value = table.remove(key)?;
        if !value.is_table() {
            self.fail(
                key,
                format!(
                    "expected a [{key}] section, found {}",
                    crate::text::describe_value(&value)
                ),
                None,
            );
            return None;
        }
        let value = self.numbers(value, key, key);
        self.deserialize(value, key)
    }

    /// Checks every number of a section against its [`limits`] as written,
    /// replacing refused values by valid stand-ins so the rest can be read.
    fn numbers(&mut self, mut value: Value, section: &str, prefix: &str) -> Value {
        if let Value::Table(table) = &mut value {
            for (key, v) in table.iter_mut() {
                let Some(limit) = limits::find(section, key) else {
                    continue;
                };
                if let Err(message) = limit.check(v) {
                    self.fail(&format!("{prefix}.{key}"), message, None);
                    *v = limit.placeholder();
                }
            }
        }
        value
    }

    /// Deserializes one section, turning serde's message into ours.
    fn deserialize<T: for<'de> Deserialize<'de>>(
        &mut self,
        value: Value,
        prefix: &str,
    ) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let inner = e.inner().message().to_string();
                let field = e.path().to_string();
                let mut path = if field.is_empty() || field == "." {
                    prefix.to_string()
                } else {
                    format!("{prefix}.{field}")
                };
                if let Some((unknown, valid)) = parse_unknown_field(&inner) {
                    path = format!("{prefix}.{unknown}");
                    let valid: Vec<&str> = valid.iter().map(String::as_str).collect();
                    self.unknown(&path, &unknown, &valid);
                } else if let Some(missing) = inner
                    .strip_prefix("missing field `")
                    .and_then(|s| s.split('`').next())
                {
                    self.fail(
                        prefix,
                        format!("the required key `{missing}` is missing"),
                        None,
                    );
                } else {
                    self.fail(&path, plain_serde_message(&inner), None);
                }
                None
            }
        }
    }

    fn governance(&mut self, value: Option<Value>) -> GovernanceSpec {
        let mut table = match value {
            None => Table::new(),
            Some(Value::Table(t)) => t,
            Some(other) => {
                self.fail(
                    "governance",
                    format!(
                        "expected a [governance] section, found {}",
                        crate::text::describe_value(&other)
                    ),
                    None,
                );
                Table::new()
            }
        };
        let preset_name = match table.remove("preset") {
            None => "public".to_string(),
            Some(v) => self
                .preset("governance.preset", &v)
                .unwrap_or("public")
                .to_string(),
        };
        let mut knobs = governance::preset(&preset_name)
            .expect("checked above")
            .knobs();
        for (key, value) in &table {
            self.knob(&mut knobs, "governance", key, value);
        }
        GovernanceSpec {
            preset: preset_name,
            knobs,
        }
    }

    fn preset(&mut self, path: &str, value: &Value) -> Option<&'static str> {
        let names: Vec<&str> = governance::PRESETS.iter().map(|p| p.name).collect();
        let text = value.as_str().unwrap_or_default();
        match governance::preset(text) {
            Some(p) => Some(p.name),
            None => {
                let found = match value {
                    Value::String(text) => format!("\"{text}\""),
                    other => crate::text::describe_value(other),
                };
                self.fail(
                    path,
                    format!(
                        "unknown preset {found}; expected one of {}",
                        quoted_list(&names)
                    ),
                    nearest(text, names.iter().copied()),
                );
                None
            }
        }
    }

    fn knob(&mut self, knobs: &mut Knobs, section: &str, key: &str, value: &Value) {
        let path = format!("{section}.{key}");
        match knobs.set(key, value) {
            Ok(()) => {}
            Err(KnobError::Unknown { suggestion }) => {
                let mut valid: Vec<&str> = governance::KNOBS.iter().map(|k| k.name).collect();
                valid.insert(0, "preset");
                let suggestion = suggestion.or_else(|| nearest(key, valid.iter().copied()));
                self.fail(
                    &path,
                    format!(
                        "unknown governance knob; expected one of {}",
                        quoted_list(&valid)
                    ),
                    suggestion,
                );
            }
            Err(KnobError::Invalid {
                expected,
                found,
                suggestion,
            }) => {
                self.fail(
                    &path,
                    format!("expected {expected}, found {found}"),
                    suggestion,
                );
            }
        }
    }

    fn interventions(&mut self, value: Option<Value>, initial: &Knobs) -> Vec<Intervention> {
        let items = match value {
            None => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.fail(
                    "interventions",
                    "expected a list of [[interventions]] tables".into(),
                    None,
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        // Where each of `out` was written: interventions[index].
        let mut written_as = Vec::new();
        let mut knobs = initial.clone();
        for (i, item) in items.into_iter().enumerate() {
            let prefix = format!("interventions[{i}]");
            let Value::Table(mut table) = item else {
                self.fail(&prefix, "expected an [[interventions]] table".into(), None);
                continue;
            };
            let at = match table.remove("at") {
                Some(Value::Integer(n)) if n >= 0 && n <= u32::MAX as i64 => Some(n as u32),
                Some(other) => {
                    self.fail(
                        &format!("{prefix}.at"),
                        format!(
                            "expected the week of the change as a whole number from 0 to the run's last week, found {}",
                            crate::text::describe_value(&other)
                        ),
                        None,
                    );
                    None
                }
                None => {
                    self.fail(
                        &prefix,
                        "the required key `at` (the tick of the change) is missing".into(),
                        None,
                    );
                    None
                }
            };
            let label = match table.remove("label") {
                None => None,
                Some(Value::String(s)) => Some(s),
                Some(other) => {
                    self.fail(
                        &format!("{prefix}.label"),
                        format!(
                            "expected text in quotes, found {}",
                            crate::text::describe_value(&other)
                        ),
                        None,
                    );
                    None
                }
            };
            let preset = table
                .remove("preset")
                .and_then(|v| self.preset(&format!("{prefix}.preset"), &v));
            if let Some(p) = preset.and_then(governance::preset) {
                knobs = p.knobs();
            }
            let set = table;
            if set.is_empty() && preset.is_none() {
                self.fail(&prefix, "this intervention changes nothing: add a knob, e.g. `pb_share = 0.0`, or a `preset`".into(), None);
            }
            let errors_before = self.found.len();
            for (key, value) in &set {
                self.knob(&mut knobs, &prefix, key, value);
            }
            if self.found.len() == errors_before {
                self.knob_budget(&prefix, &knobs);
            }
            if let Some(at) = at {
                // Two changes of one knob in one week: only the last would
                // take effect.
                let earlier = out.iter().position(|iv: &Intervention| {
                    iv.at == at
                        && (iv.preset.is_some() && preset.is_some()
                            || iv.set.keys().any(|k| set.contains_key(k)))
                });
                if let Some(j) = earlier {
                    self.fail(
                        &prefix,
                        format!(
                            "this and interventions[{}] both change {} at week {at}; only one can take effect: merge them into one [[interventions]]",
                            written_as[j],
                            out[j]
                                .set
                                .keys()
                                .find(|k| set.contains_key(*k))
                                .map_or("the preset".to_string(), |k| format!("`{k}`"))
                        ),
                        None,
                    );
                }
                let label = label.unwrap_or_else(|| describe_change(preset, &set));
                written_as.push(i);
                out.push(Intervention {
                    at,
                    label,
                    preset: preset.map(str::to_owned),
                    set,
                });
            }
        }
        out.sort_by_key(|iv| iv.at);
        out
    }

    /// Of several keys that together break a rule, one set on the command
    /// line (the user's latest change), if any: the one to point at.
    fn on_command_line<'k>(&self, keys: &[&'k str]) -> Option<&'k str> {
        keys.iter()
            .find(|k| matches!(self.at.of(k).source, Source::CommandLine(_)))
            .copied()
    }

    fn knob_budget(&mut self, section: &str, knobs: &Knobs) {
        if knobs.diverted_share() > 1.0 + 1e-9 {
            let shares = ["org_funding_share", "pb_share", "devolved_share"]
                .map(|k| format!("{section}.{k}"));
            let shares = shares.each_ref().map(String::as_str);
            let key = self.on_command_line(&shares).unwrap_or(section).to_string();
            self.fail(
                &key,
                format!(
                    "org_funding_share + pb_share + devolved_share must be at most 1, found {:.3}",
                    knobs.diverted_share()
                ),
                None,
            );
        }
    }

    /// What the per-key limits cannot see: residents against neighbourhoods.
    fn city(&mut self, c: &CitySpec) {
        let refused = |d: &Diagnostic| d.key == "city.residents" || d.key == "city.neighbourhoods";
        if !self.found.iter().any(refused) && c.residents < u64::from(c.neighbourhoods) {
            let key = self
                .on_command_line(&["city.residents", "city.neighbourhoods"])
                .unwrap_or("city.residents");
            self.fail(
                key,
                format!(
                    "expected at least one resident per neighbourhood ({} neighbourhoods), found {}",
                    c.neighbourhoods, c.residents
                ),
                None,
            );
        }
    }

    /// What the per-key limits cannot see: the cooperation types' shares
    /// sum to at most 1 (the rest give at random).
    fn cooperation_types(&mut self, b: &Behaviour) {
        let sum = b.share_conditional + b.share_free_riders + b.share_hump_shaped;
        if sum > 1.0 + 1e-9 {
            self.fail(
                "behaviour",
                format!(
                    "share_conditional + share_free_riders + share_hump_shaped must be at most 1, found {sum:.3}"
                ),
                None,
            );
        }
    }

    /// What the per-key limits cannot see: how many domains, and their names.
    fn domains(&mut self, domains: &[DomainSpec]) {
        if domains.is_empty() {
            self.fail(
                "domains",
                "expected at least one [[domains]] entry".into(),
                None,
            );
        }
        if domains.len() > MAX_DOMAINS {
            self.fail(
                "domains",
                format!(
                    "expected at most {MAX_DOMAINS} domains, found {}",
                    domains.len()
                ),
                None,
            );
        }
        for (i, d) in domains.iter().enumerate() {
            let p = layers::domain_path(i, Some(&d.name));
            if d.name.is_empty() {
                self.fail(
                    &format!("{p}.name"),
                    "expected a non-empty name".into(),
                    None,
                );
            }
            if domains[..i].iter().any(|other| other.name == d.name) {
                self.fail(
                    &format!("{p}.name"),
                    format!("the domain name \"{}\" is used twice", d.name),
                    None,
                );
            }
        }
    }
}

/// The full dotted path of a key written in the wrong place, e.g.
/// `governance.outreach` for `outreach`, or `None` if no section has it.
fn key_elsewhere(key: &str) -> Option<String> {
    let numeric = ["run", "city", "behaviour"]
        .into_iter()
        .flat_map(|section| {
            limits::of_section(section)
                .into_iter()
                .map(move |(k, _)| (format!("{section}.{k}"), k))
        });
    let domain = limits::DOMAIN
        .iter()
        .map(|(k, _)| (format!("domains.<name>.{k}"), *k));
    let knobs = governance::KNOBS
        .iter()
        .map(|k| (format!("governance.{}", k.name), k.name));
    let output = ["dir", "neighbourhoods", "quintiles"]
        .into_iter()
        .map(|k| (format!("output.{k}"), k));
    let candidates: Vec<(String, &str)> = numeric
        .chain(domain)
        .chain(knobs)
        .chain(output)
        .chain([("governance.preset".to_string(), "preset")])
        .collect();
    // Exactly the key, or a misspelling of a key long enough that a
    // near miss means something (not `foo` for `rho`).
    let last = candidates
        .iter()
        .map(|(_, k)| *k)
        .find(|k| *k == key)
        .or_else(|| {
            (key.len() >= 6).then(|| nearest(key, candidates.iter().map(|(_, k)| *k)))?
        })?;
    candidates
        .iter()
        .find(|(_, k)| *k == last)
        .map(|(path, _)| path.clone())
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`".
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let valid = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Some((field.to_string(), valid))
}

/// Serde's "invalid type: X, expected Y" in words a student knows:
/// "expected Y, found X".
fn plain_serde_message(message: &str) -> String {
    let words = [
        ("f64", "a number"),
        ("u64", "a whole number of at least 0"),
        ("u32", "a whole number of at least 0"),
        ("a boolean", "true or false"),
        ("a string", "text in quotes"),
    ];
    let rest = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "));
    let Some((found, expected)) = rest.and_then(|r| r.rsplit_once(", expected ")) else {
        return message.to_string();
    };
    let expected = words
        .iter()
        .find(|(w, _)| *w == expected)
        .map_or(expected, |(_, plain)| plain);
    let found = found
        .replace("string \"", "the text \"")
        .replace("floating point `", "the number `")
        .replace("integer `", "the number `");
    format!("expected {expected}, found {found}")
}

fn describe_change(preset: Option<&str>, set: &Table) -> String {
    let mut parts: Vec<String> = preset
        .map(|p| format!("preset = {p}"))
        .into_iter()
        .collect();
    parts.extend(set.iter().map(|(k, v)| format!("{k} = {v}")));
    parts.join(", ")
}
