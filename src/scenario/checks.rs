//! Checking a merged scenario table, key by key: every problem is
//! collected with its location instead of stopping at the first, serde's
//! messages are put in words a student knows, and a key written in the
//! wrong place is matched to where it belongs.

use super::layers::{self, Locations};
use super::limits;
use super::{Behaviour, CitySpec, DomainSpec, GovernanceSpec, Intervention, MAX_DOMAINS, RunSpec};
use super::{Diagnostic, Source};
use crate::governance::{self, KnobError, Knobs};
use crate::text::{nearest, quoted_list};
use serde::Deserialize;
use toml::{Table, Value};

/// Collects every problem instead of stopping at the first.
pub(super) struct Checks<'a> {
    pub(super) at: &'a Locations,
    pub(super) found: Vec<Diagnostic>,
}

impl Checks<'_> {
    pub(super) fn fail(&mut self, key: &str, message: String, suggestion: Option<&str>) {
        self.found.push(Diagnostic {
            location: self.at.of(key),
            key: key.into(),
            message,
            suggestion: suggestion.map(str::to_owned),
        });
    }

    pub(super) fn unknown(&mut self, path: &str, key: &str, valid: &[&str]) {
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

    pub(super) fn text(&mut self, table: &mut Table, key: &str) -> Option<String> {
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

    pub(super) fn section<T: for<'de> Deserialize<'de>>(
        &mut self,
        table: &mut Table,
        key: &str,
    ) -> Option<T> {
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
    pub(super) fn numbers(&mut self, mut value: Value, section: &str, prefix: &str) -> Value {
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
    pub(super) fn deserialize<T: for<'de> Deserialize<'de>>(
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

    pub(super) fn governance(&mut self, value: Option<Value>) -> GovernanceSpec {
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

    pub(super) fn preset(&mut self, path: &str, value: &Value) -> Option<&'static str> {
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

    pub(super) fn knob(&mut self, knobs: &mut Knobs, section: &str, key: &str, value: &Value) {
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

    pub(super) fn interventions(
        &mut self,
        value: Option<Value>,
        initial: &Knobs,
    ) -> Vec<Intervention> {
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

        let mut knobs = initial.clone();
        for (i, item) in items.into_iter().enumerate() {
            let prefix = format!("interventions[{i}]");
            let Value::Table(mut table) = item else {
                self.fail(&prefix, "expected an [[interventions]] table".into(), None);
                continue;
            };
            let at = self.intervention_at(&prefix, table.remove("at"));
            let label = self.intervention_label(&prefix, table.remove("label"));
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
                let label = label.unwrap_or_else(|| describe_change(preset, &set));
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

    /// An intervention's `at`: the week of the change, a whole number.
    fn intervention_at(&mut self, prefix: &str, value: Option<Value>) -> Option<u32> {
        match value {
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
                    prefix,
                    "the required key `at` (the tick of the change) is missing".into(),
                    None,
                );
                None
            }
        }
    }

    /// An intervention's optional `label`: text.
    fn intervention_label(&mut self, prefix: &str, value: Option<Value>) -> Option<String> {
        match value {
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
        }
    }

    /// Of several keys that together break a rule, the one to point at:
    /// one set on the command line, else one written in the file named
    /// rather than in a file it extends (the user's latest change), else
    /// one written anywhere rather than left to its default, if any.
    pub(super) fn latest_change<'k>(&self, keys: &[&'k str]) -> Option<&'k str> {
        keys.iter()
            .find(|k| self.at.written(k) && matches!(self.at.of(k).source, Source::CommandLine(_)))
            .or_else(|| keys.iter().find(|k| self.at.set_by_user(k)))
            .or_else(|| keys.iter().find(|k| self.at.written(k)))
            .copied()
    }

    pub(super) fn knob_budget(&mut self, section: &str, knobs: &Knobs) {
        if knobs.diverted_share() > 1.0 + 1e-9 {
            let shares = ["org_funding_share", "pb_share", "devolved_share"]
                .map(|k| format!("{section}.{k}"));
            let shares = shares.each_ref().map(String::as_str);
            let key = self.latest_change(&shares).unwrap_or(section).to_string();
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

    /// What the per-key limits cannot see: `pb_allocation` (of `section`,
    /// with `found` weights) has one weight per neighbourhood and domain of
    /// a city of `(neighbourhoods, domains)`, or none.
    pub(super) fn pb_allocation(&mut self, section: &str, found: usize, (n, d): (usize, usize)) {
        if found != 0 && found != n * d {
            self.fail(
                &format!("{section}.pb_allocation"),
                format!(
                    "expected one weight per neighbourhood and domain, neighbourhood by neighbourhood: {n} x {d} = {}, or [] to leave it to the assembly; found {found}",
                    n * d
                ),
                None,
            );
        }
    }

    /// What the per-key limits cannot see: a warm-up that leaves weeks to
    /// summarise.
    pub(super) fn run(&mut self, r: &RunSpec) {
        let refused = |d: &Diagnostic| d.key == "run.ticks" || d.key == "run.warmup";
        if !self.found.iter().any(refused) && r.warmup >= r.ticks {
            let key = self
                .latest_change(&["run.warmup", "run.ticks"])
                .unwrap_or("run.warmup");
            self.fail(
                key,
                format!(
                    "run.warmup = {} weeks leaves no week to summarise in a {}-week run (summaries cover the weeks after the warm-up): set run.warmup below {}, e.g. `--set run.warmup=0` to summarise every week",
                    r.warmup, r.ticks, r.ticks
                ),
                None,
            );
        }
    }

    /// What the per-key limits cannot see: residents against neighbourhoods.
    pub(super) fn city(&mut self, c: &CitySpec) {
        let refused = |d: &Diagnostic| d.key == "city.residents" || d.key == "city.neighbourhoods";
        if !self.found.iter().any(refused) && c.residents < u64::from(c.neighbourhoods) {
            let key = self
                .latest_change(&["city.residents", "city.neighbourhoods"])
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
    pub(super) fn cooperation_types(&mut self, b: &Behaviour) {
        let sum = b.cooperation_share_sum();
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
    pub(super) fn domains(&mut self, domains: &[DomainSpec]) {
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
    let numeric = ["run", "city", "domains", "behaviour"]
        .into_iter()
        .flat_map(|section| {
            let shown = if section == "domains" {
                "domains.<name>"
            } else {
                section
            };
            limits::of_section(section)
                .iter()
                .map(move |k| (format!("{shown}.{}", k.name), k.name))
        });
    let knobs = governance::KNOBS
        .iter()
        .map(|k| (format!("governance.{}", k.name), k.name));
    let output = super::sections::OUTPUT
        .iter()
        .map(|(k, _)| (format!("output.{k}"), *k));
    let candidates: Vec<(String, &str)> = numeric
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

impl Checks<'_> {
    /// `[city.map]`: the map read and checked (its file relative to the
    /// scenario file that names it), the city's neighbourhoods set to its
    /// features and, unless written, its residents to the map's population;
    /// each domain's `need_index` a property with a positive
    /// population-weighted mean.
    pub(super) fn city_map(
        &mut self,
        value: Value,
        need_index: &[Option<String>],
        domains: &[DomainSpec],
        city: &mut CitySpec,
    ) -> Option<super::ScenarioMap> {
        if !value.is_table() {
            self.fail(
                "city.map",
                format!(
                    "expected a [city.map] section with file, name, population and ses, found {}",
                    crate::text::describe_value(&value)
                ),
                None,
            );
            return None;
        }
        let spec: super::map::MapSpec = self.deserialize(value, "city.map")?;
        let folder = match self.at.of("city.map.file").source {
            Source::File(p) => p
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default(),
            _ => std::path::PathBuf::new(),
        };
        let path = folder.join(&spec.file);
        let extra: Vec<&str> = need_index.iter().flatten().map(String::as_str).collect();
        let map = match super::map::read_cached(&path, &spec, &extra) {
            Ok(map) => map,
            Err(message) => {
                // Point at the key that names the property at fault, if one does.
                let names = |p: &str| message.contains(&format!("property `{p}`"));
                let key = [
                    ("city.map.population", &spec.population),
                    ("city.map.ses", &spec.ses),
                    ("city.map.name", &spec.name),
                ]
                .into_iter()
                .find(|(_, p)| names(p))
                .map(|(k, _)| k.to_string())
                .or_else(|| {
                    domains
                        .iter()
                        .zip(need_index)
                        .find(|(_, p)| p.as_deref().is_some_and(names))
                        .map(|(d, _)| format!("domains.{}.need_index", d.name))
                })
                .unwrap_or_else(|| "city.map.file".into());
                self.fail(&key, message, None);
                return None;
            }
        };
        let n = map.areas.len();
        if n > super::MAX_NEIGHBOURHOODS as usize {
            self.fail(
                "city.map.file",
                format!(
                    "the map has {n} neighbourhoods, more than a city may have ({})",
                    super::MAX_NEIGHBOURHOODS
                ),
                None,
            );
            return None;
        }
        // A count inherited from a file this one extends gives way to the
        // map; one the user wrote here contradicts it.
        if self.at.set_by_user("city.neighbourhoods") && city.neighbourhoods as usize != n {
            self.fail(
                "city.neighbourhoods",
                format!(
                    "the map's {n} features are the city's neighbourhoods: remove city.neighbourhoods"
                ),
                None,
            );
        }
        city.neighbourhoods = n as u32;
        if !self.at.written("city.residents") {
            let people = map.population().round() as u64;
            if people > limits::MAX_RESIDENTS as u64 {
                self.fail(
                    "city.map.population",
                    format!(
                        "the map's population, {people}, is more residents than a run may simulate ({}): set city.residents, and each simulated resident stands for several",
                        limits::MAX_RESIDENTS
                    ),
                    None,
                );
            }
            city.residents = people.max(1);
        }
        for (d, property) in domains.iter().zip(need_index) {
            let Some(property) = property else { continue };
            let key = format!("domains.{}.need_index", d.name);
            if let Some(a) = map
                .areas
                .iter()
                .find(|a| a.properties[property].as_f64().is_some_and(|x| x < 0.0))
            {
                self.fail(
                    &key,
                    format!(
                        "neighbourhood \"{}\" has `{property}` below 0: a need index scales need, so it must be 0 or more",
                        a.name
                    ),
                    None,
                );
                continue;
            }
            let mean = map.population_mean(property);
            if !mean.is_finite() || mean <= 0.0 {
                self.fail(
                    &key,
                    format!(
                        "the population-weighted mean of `{property}` over the map is {mean:.3}; a need index is scaled by it, so it must be a finite number above 0"
                    ),
                    None,
                );
            }
        }
        Some(super::ScenarioMap {
            sha256: map.sha256.clone(),
            real_residents: map.population(),
            spec,
            path,
            need_index: need_index.to_vec(),
            map: Some(map),
        })
    }
}
