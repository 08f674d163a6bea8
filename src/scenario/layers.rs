//! Reading scenario files into one merged TOML table: `extends` chains,
//! `--set` overrides, and where every key was last set, so that errors found
//! after merging still point at the right file, line and column.

use super::error::{Diagnostic, Location, ScenarioError, Source};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

/// Where each dotted key of a merged scenario was set. Elements of
/// `[[domains]]` are addressed by name (`domains.waste.need_rate`), other
/// arrays by index (`interventions[0].at`).
#[derive(Clone, Debug, Default)]
pub struct Locations {
    by_path: BTreeMap<String, Location>,
    /// Where to point when a key was never written: the top file's start.
    fallback: Option<Location>,
}

impl Locations {
    /// Where `path` was set, or failing that its nearest enclosing table.
    pub fn of(&self, path: &str) -> Location {
        let mut p = path;
        loop {
            if let Some(loc) = self.by_path.get(p) {
                return loc.clone();
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => break,
            }
        }
        self.fallback.clone().unwrap_or(Location {
            source: Source::Default,
            line: 0,
            column: 0,
        })
    }

    /// Whether `path` was written in any file or on the command line.
    pub fn written(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// Whether `path` was written in the top file (the one named, not one
    /// it extends) or on the command line: the user's own latest change.
    pub fn set_by_user(&self, path: &str) -> bool {
        let Some(loc) = self.by_path.get(path) else {
            return false;
        };
        match &loc.source {
            Source::CommandLine(_) => true,
            source => self.fallback.as_ref().is_some_and(|f| &f.source == source),
        }
    }

    /// Takes the locations of `over`, dropping ours under any key it replaces.
    fn overlay(&mut self, over: Locations) {
        for (path, loc) in over.by_path {
            self.by_path.insert(path, loc);
        }
        if over.fallback.is_some() {
            self.fallback = over.fallback;
        }
    }

    /// Renumbers `interventions[i]` to `interventions[i + by]`.
    fn shift_interventions(&mut self, by: usize) {
        let old = std::mem::take(&mut self.by_path);
        for (path, loc) in old {
            let path = match path
                .strip_prefix("interventions[")
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)))
            {
                Some((i, rest)) => format!("interventions[{}]{rest}", i + by),
                None => path,
            };
            self.by_path.insert(path, loc);
        }
    }

    fn forget_below(&mut self, path: &str) {
        let dot = format!("{path}.");
        let bracket = format!("{path}[");
        self.by_path
            .retain(|p, _| !p.starts_with(&dot) && !p.starts_with(&bracket));
    }
}

/// A scenario's merged table, the files it came from and where each key was set.
#[derive(Clone, Debug)]
pub struct Layers {
    pub table: Table,
    pub locations: Locations,
    /// The files read, the named file first, then what it extends.
    pub files: Vec<PathBuf>,
    /// The SHA-256 of each file's text as read, in the order of `files`.
    pub sha256: Vec<String>,
}

/// The path under which a `[[domains]]` element is known.
pub fn domain_path(index: usize, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("domains.{name}"),
        None => format!("domains[{index}]"),
    }
}

/// Reads `path` and everything it extends, merged.
pub fn read(path: &Path) -> Result<Layers, ScenarioError> {
    read_chain(path, None, &mut Vec::new(), None)
}

/// Reads scenario `text` as if it were the file `path` (which need not
/// exist; an `extends` in it is resolved beside `path`).
pub fn read_text(path: &Path, text: &str) -> Result<Layers, ScenarioError> {
    read_chain(path, Some(text), &mut Vec::new(), None)
}

/// The SHA-256 of `bytes` in lower-case hexadecimal (FIPS 180-4), as
/// `sha256sum` prints it.
pub fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The largest scenario or sweep file read: a fully commented one is about
/// 10 kB, so anything near this is not a scenario.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads a text file of at most [`MAX_FILE_BYTES`], without reading more
/// than that from it (`/dev/zero` is refused, not read to exhaustion).
fn read_small(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "it is larger than {} kB, too large for a scenario",
            MAX_FILE_BYTES / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::other(format!(
            "it is not UTF-8 text (byte {} is not); save it as UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn whole_file(path: &Path) -> Location {
    Location {
        source: Source::File(path.to_path_buf()),
        line: 1,
        column: 1,
    }
}

fn read_chain(
    path: &Path,
    text: Option<&str>,
    stack: &mut Vec<PathBuf>,
    referenced_at: Option<Location>,
) -> Result<Layers, ScenarioError> {
    let text = match text {
        Some(t) => Ok(t.to_string()),
        None => read_small(path),
    };
    let text = text.map_err(|e| {
        let (location, what) = match &referenced_at {
            Some(at) => (at.clone(), "the file named by `extends`"),
            None => (whole_file(path), "the scenario file"),
        };
        Diagnostic {
            location,
            key: if referenced_at.is_some() {
                "extends".into()
            } else {
                String::new()
            },
            message: format!("cannot read {what} {}: {e}", path.display()),
            suggestion: None,
        }
    })?;
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if stack.contains(&canonical) {
        let chain: Vec<String> = stack
            .iter()
            .chain([&canonical])
            .map(|p| p.display().to_string())
            .collect();
        return Err(Diagnostic {
            location: referenced_at.unwrap_or_else(|| whole_file(path)),
            key: "extends".into(),
            message: format!("`extends` forms a cycle: {}", chain.join(" -> ")),
            suggestion: None,
        }
        .into());
    }
    stack.push(canonical);

    let syntax_error = |e: toml::de::Error| {
        let offset = e.span().map_or(0, |s| s.start).min(text.len());
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line = text[line_start..].lines().next().unwrap_or_default();
        let hint = grammar_hint(line)
            .map(|h| format!("\n  help: {h}"))
            .unwrap_or_default();
        Diagnostic {
            location: Location::in_file(path, &text, offset),
            key: String::new(),
            message: format!("this is not valid TOML: {}{hint}", e.message().trim()),
            suggestion: None,
        }
    };
    let spanned = DeTable::parse(&text).map_err(syntax_error)?;
    let mut table: Table = toml::from_str(&text).map_err(syntax_error)?;
    let mut locations = Locations {
        by_path: BTreeMap::new(),
        fallback: Some(whole_file(path)),
    };
    record_locations("", spanned.get_ref(), path, &text, &mut locations.by_path);

    let mut files = vec![path.to_path_buf()];
    let mut sha256 = vec![hex_sha256(text.as_bytes())];
    let parent = match table.remove("extends") {
        None => None,
        Some(Value::String(name)) => {
            let base = path.parent().unwrap_or(Path::new(".")).join(&name);
            Some(read_chain(
                &base,
                None,
                stack,
                Some(locations.of("extends")),
            )?)
        }
        Some(other) => {
            return Err(Diagnostic {
                location: locations.of("extends"),
                key: "extends".into(),
                message: format!(
                    "expected the path of a scenario file, in quotes, found {}",
                    crate::text::describe_value(&other)
                ),
                suggestion: None,
            }
            .into());
        }
    };
    stack.pop();

    Ok(match parent {
        None => Layers {
            table,
            locations,
            files,
            sha256,
        },
        Some(mut base) => {
            // The child's interventions follow the parent's: renumber where
            // their keys were written to match.
            let inherited = base
                .table
                .get("interventions")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if inherited > 0 && table.get("interventions").is_some_and(Value::is_array) {
                locations.shift_interventions(inherited);
            }
            merge_into(&mut base.table, table, "", &mut base.locations);
            base.locations.overlay(locations);
            files.append(&mut base.files);
            sha256.append(&mut base.sha256);
            Layers {
                table: base.table,
                locations: base.locations,
                files,
                sha256,
            }
        }
    })
}

fn record_locations(
    prefix: &str,
    table: &DeTable<'_>,
    file: &Path,
    text: &str,
    out: &mut BTreeMap<String, Location>,
) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        out.insert(
            path.clone(),
            Location::in_file(file, text, key.span().start),
        );
        match value.get_ref() {
            DeValue::Table(inner) => record_locations(&path, inner, file, text, out),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let DeValue::Table(inner) = item.get_ref() {
                        let item_path = if path == "domains" {
                            let name = inner.iter().find(|(k, _)| k.get_ref() == "name").and_then(
                                |(_, v)| match v.get_ref() {
                                    DeValue::String(s) => Some(s.to_string()),
                                    _ => None,
                                },
                            );
                            domain_path(i, name.as_deref())
                        } else {
                            format!("{path}[{i}]")
                        };
                        out.insert(
                            item_path.clone(),
                            Location::in_file(file, text, item.span().start),
                        );
                        record_locations(&item_path, inner, file, text, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Merges `over` into `base`: tables key by key, `[[domains]]` by name, and
/// any other value replaced whole.
fn merge_into(base: &mut Table, over: Table, prefix: &str, locations: &mut Locations) {
    for (key, value) in over {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(o)) => {
                // A preset resets every knob set before it: knobs inherited
                // from the base file do not survive a change of preset.
                if path == "governance" && o.contains_key("preset") {
                    b.clear();
                    locations.forget_below(&path);
                }
                merge_into(b, o, &path, locations)
            }
            // A file's interventions come after those of the file it
            // extends: a child adds changes, it does not silently drop any.
            (Some(Value::Array(b)), Value::Array(o)) if path == "interventions" => b.extend(o),
            (Some(Value::Array(b)), Value::Array(o)) if path == "domains" => {
                for item in o {
                    let name = item.get("name").and_then(Value::as_str).map(str::to_owned);
                    let existing = name.as_deref().and_then(|n| {
                        b.iter_mut()
                            .find(|d| d.get("name").and_then(Value::as_str) == Some(n))
                    });
                    match (existing, item) {
                        (Some(Value::Table(bt)), Value::Table(ot)) => {
                            let p = domain_path(0, name.as_deref());
                            merge_into(bt, ot, &p, locations)
                        }
                        (_, item) => b.push(item),
                    }
                }
            }
            (_, value) => {
                locations.forget_below(&path);
                base.insert(key, value);
            }
        }
    }
}

/// The key of a `key=value` override, trimmed (`run.ticks` of
/// ` run.ticks = 5`).
pub fn override_key(arg: &str) -> &str {
    arg.split('=').next().unwrap_or_default().trim()
}

/// Applies `--set key=value` overrides in order (a preset first: it resets
/// the knobs), each value read by `override_value`.
pub fn apply_overrides(layers: &mut Layers, overrides: &[String]) -> Result<(), ScenarioError> {
    // A preset resets the knobs the files set, so it goes first and the
    // other overrides apply on top of it.
    let (presets, others): (Vec<&String>, Vec<&String>) = overrides
        .iter()
        .partition(|arg| override_key(arg) == "governance.preset");
    if !presets.is_empty() {
        if let Some(Value::Table(g)) = layers.table.get_mut("governance") {
            g.clear();
        }
        layers.locations.forget_below("governance");
    }
    for arg in presets.into_iter().chain(others) {
        let here = Location {
            source: Source::CommandLine(arg.clone()),
            line: 0,
            column: 0,
        };
        let fail = |key: &str, message: String, suggestion: Option<String>| Diagnostic {
            location: here.clone(),
            key: key.into(),
            message,
            suggestion,
        };
        let Some((key, raw)) = arg.split_once('=') else {
            return Err(fail(
                "",
                "expected KEY=VALUE, for example governance.pb_share=0.2".into(),
                None,
            )
            .into());
        };
        let key = key.trim();
        let value = override_value(key, raw).map_err(|message| fail(key, message, None))?;
        let segments: Vec<&str> = key.split('.').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(fail(
                key,
                "expected a dotted key such as city.residents".into(),
                None,
            )
            .into());
        }
        let mut table = &mut layers.table;
        let mut i = 0;
        while i + 1 < segments.len() {
            let segment = segments[i];
            if segment == "domains" {
                let name = segments[i + 1];
                let domains = table.get_mut("domains").and_then(Value::as_array_mut);
                let names: Vec<String> = domains.as_ref().map_or(Vec::new(), |d| {
                    d.iter()
                        .filter_map(|x| x.get("name")?.as_str().map(str::to_owned))
                        .collect()
                });
                let found = domains.and_then(|d| {
                    d.iter_mut()
                        .find(|x| x.get("name").and_then(Value::as_str) == Some(name))
                });
                match found.and_then(Value::as_table_mut) {
                    Some(t) if i + 2 < segments.len() => {
                        table = t;
                        i += 2;
                        continue;
                    }
                    Some(_) => {
                        return Err(fail(
                            key,
                            "name a key inside the domain, e.g. domains.waste.need_rate".into(),
                            None,
                        )
                        .into());
                    }
                    None => {
                        let suggestion =
                            crate::text::nearest(name, names.iter().map(String::as_str))
                                .map(str::to_owned);
                        return Err(fail(
                            key,
                            format!(
                                "no domain is named `{name}`; the domains are: {}",
                                names.join(", ")
                            ),
                            suggestion,
                        )
                        .into());
                    }
                }
            }
            // A section this override creates is located at the override.
            let prefix = segments[..=i].join(".");
            if !table.contains_key(segment) {
                layers.locations.by_path.insert(prefix, here.clone());
            }
            let entry = table
                .entry(segment.to_string())
                .or_insert_with(|| Value::Table(Table::new()));
            match entry {
                Value::Table(t) => table = t,
                _ => {
                    let path = segments[..=i].join(".");
                    return Err(
                        fail(key, format!("`{path}` is a value, not a section"), None).into(),
                    );
                }
            }
            i += 1;
        }
        table.insert(segments[segments.len() - 1].to_string(), value);
        layers.locations.forget_below(key);
        layers.locations.by_path.insert(key.to_string(), here);
    }
    Ok(())
}

/// The value of `--set key=raw`, read as TOML (`0.2`, `true`, `"text"`);
/// anything that is not valid TOML is taken as text, so
/// `--set governance.preset=hybrid` works without quotes. Refuses, with
/// what to write instead: `extends`, a value over several lines or with
/// more after it, a number TOML does not write that way (`.5`) or cannot
/// hold, and a table or list of tables (one --set sets one key).
fn override_value(key: &str, raw: &str) -> Result<Value, String> {
    if key == "extends" {
        return Err("`extends` can only be written in a scenario file: it decides which files are read, before any --set applies".into());
    }
    if raw.contains(['\n', '\r']) {
        return Err("expected one value on one line after `=`; give each key its own --set".into());
    }
    let text = raw.trim();
    let value = match toml::from_str::<Table>(&format!("v = {raw}")) {
        Ok(mut t) if t.len() == 1 => t.remove("v").expect("the one key"),
        Ok(_) => return Err("expected one value after `=`; give each key its own --set".into()),
        // A number written as TOML does not allow (`.5`, `1.`).
        Err(_)
            if text.parse::<f64>().is_ok_and(f64::is_finite)
                && !text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+') =>
        {
            let x: f64 = text.parse().expect("checked");
            return Err(format!(
                "{text} is not a number as TOML writes it: write {x:?}"
            ));
        }
        // A number TOML cannot hold is not text.
        Err(_) if looks_numeric(text) => {
            return Err(format!(
                "{text} is not a number a scenario can hold: whole numbers go up to 9223372036854775807 and others must be finite"
            ));
        }
        Err(_) => Value::String(text.to_string()),
    };
    let tables = match &value {
        Value::Table(_) => true,
        Value::Array(items) => items.iter().any(Value::is_table),
        _ => false,
    };
    if tables {
        return Err(format!(
            "--set takes one value, not a table or a list of tables: set each key on its own, e.g. --set {key}.KEY=VALUE; [[interventions]] are written in the scenario file"
        ));
    }
    Ok(value)
}

/// Whether `text` is written as a number (digits, a sign, a point, an
/// exponent), even one too large for TOML.
fn looks_numeric(text: &str) -> bool {
    let t = text.trim_start_matches(['+', '-']);
    t.starts_with(|c: char| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
}

/// What a student most likely meant by a line TOML cannot read: a share
/// written as a percentage, a number with thousands separators, a word
/// without quotes.
fn grammar_hint(line: &str) -> Option<String> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    let value = value.split('#').next()?.trim();
    let number = |s: &str| s.parse::<f64>().ok();
    if let Some(x) = value.strip_suffix('%').and_then(|p| number(p.trim())) {
        return Some(format!(
            "write `{key} = {}`: shares are fractions of 1, not percentages",
            x / 100.0
        ));
    }
    let digits: String = value.chars().filter(|c| *c != ',').collect();
    if value.contains(',') && !value.starts_with('[') && number(&digits).is_some() {
        return Some(format!(
            "write `{key} = {digits}`: TOML numbers have no thousands separators (100_000 also works)"
        ));
    }
    if value.starts_with('.') && number(value).is_some() {
        return Some(format!("write `{key} = 0{value}`"));
    }
    if looks_numeric(value) {
        return Some(
            "numbers in a scenario are whole numbers up to 9223372036854775807 or finite decimals up to about 1.8e308".into(),
        );
    }
    if ["true", "false"].contains(&value.to_lowercase().as_str()) {
        return Some(format!(
            "write `{key} = {}` in lower case",
            value.to_lowercase()
        ));
    }
    let word = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.' || c == '/');
    if word && number(value).is_none() {
        return Some(format!("text goes in quotes: `{key} = \"{value}\"`"));
    }
    None
}

/// The overrides a user typed on the command line, checked: no key named
/// twice (only the last would take effect, silently), no `--set
/// output.dir` beside `--out`, no `--set run.seed` beside `--seed`; with
/// `--seed N` added as the `run.seed=N` it stands for. Applying overrides
/// in order stays the library's rule for programs (later layers win); this
/// is for what a person typed.
pub fn command_line(
    set: &[String],
    seed: Option<u64>,
    out: Option<&Path>,
) -> Result<Vec<String>, ScenarioError> {
    let key = |arg: &str| override_key(arg).to_string();
    let refuse = |arg: &String, message: String| -> Result<Vec<String>, ScenarioError> {
        Err(Diagnostic {
            location: Location {
                source: Source::CommandLine(arg.clone()),
                line: 0,
                column: 0,
            },
            key: key(arg),
            message,
            suggestion: None,
        }
        .into())
    };
    for (i, arg) in set.iter().enumerate() {
        if let Some(first) = set[..i].iter().find(|a| key(a) == key(arg)) {
            return refuse(
                arg,
                format!(
                    "set twice (also by --set {first}); only one value can take effect: keep one"
                ),
            );
        }
        match (key(arg).as_str(), out, seed) {
            ("output.dir", Some(out), _) => {
                return refuse(
                    arg,
                    format!(
                        "--out {} says where to write as well; keep one",
                        out.display()
                    ),
                );
            }
            ("run.seed", _, Some(seed)) => {
                return refuse(
                    arg,
                    format!("--seed {seed} sets the seed as well; keep one"),
                );
            }
            _ => {}
        }
    }
    let mut all = set.to_vec();
    all.extend(seed.map(|s| format!("run.seed={s}")));
    Ok(all)
}
