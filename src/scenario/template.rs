//! A fully commented scenario file, as `coserve new` writes it and as the
//! files in `scenarios/` are. Every key is present with a comment, so a
//! student can read one file alone and know what each number does.

use super::behaviour::{self, Behaviour};
use super::keys::Key;
use super::sections::{CITY, CitySpec, DOMAIN, OUTPUT, OutputSpec, RUN, RunSpec, default_domains};
use crate::governance::{self, KNOBS};
use crate::text::{nearest, quoted_list};
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;

/// What `coserve new NAME --from PRESET` writes: the file, its text, and
/// the name inside it.
#[derive(Clone, Debug)]
pub struct NewScenario {
    /// `NAME.toml`, or `NAME` when it already ends in `.toml`.
    pub path: PathBuf,
    /// The scenario's `name`: the file's stem.
    pub name: String,
    /// The file's text: every key with its value and a comment on its meaning.
    pub text: String,
}

impl NewScenario {
    /// The file `coserve new name --from preset` writes, or why not: a name
    /// that cannot name a file and an output folder, or an unknown preset.
    pub fn new(name: &str, preset: &str) -> Result<NewScenario, String> {
        let path = PathBuf::from(if name.ends_with(".toml") {
            name.to_string()
        } else {
            format!("{name}.toml")
        });
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|_| !name.ends_with(['/', '\\']))
            .unwrap_or_default();
        if let Some(problem) = super::folder_name_problem(&stem) {
            return Err(format!(
                "`coserve new {name}`: the scenario's name {}; e.g. coserve new my_city",
                problem.replacen("expected", "must be", 1)
            ));
        }
        let shown = path.display().to_string();
        let text = template(&stem, preset, &shown).ok_or_else(|| {
            let names: Vec<&str> = governance::PRESETS.iter().map(|p| p.name).collect();
            let hint = nearest(preset, names.iter().copied())
                .map(|s| format!("\n  help: did you mean `{s}`?"))
                .unwrap_or_default();
            format!(
                "unknown preset \"{preset}\"; expected one of {}{hint}",
                quoted_list(&names)
            )
        })?;
        Ok(NewScenario {
            path,
            name: stem,
            text,
        })
    }

    /// Whether the file already at `path` may be replaced (`--force`): only
    /// if `coserve new` wrote it, from any preset, and nobody edited it.
    pub fn may_replace(&self) -> bool {
        let shown = self.path.display().to_string();
        std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.is_file())
            && std::fs::read_to_string(&self.path).is_ok_and(|old| {
                governance::PRESETS
                    .iter()
                    .any(|p| template(&self.name, p.name, &shown).as_deref() == Some(&old))
            })
    }
}

/// The commented `[city.map]` block: a real city instead of the grid.
const CITY_MAP: &str = "
# A real city instead of a generated grid: uncomment, and point at a GeoJSON
# map of neighbourhoods in longitude and latitude (docs/model.md, \"A city from
# a map\"; scenarios/cities/boston.toml is an example). The map's features
# then replace city.neighbourhoods; a domain may add need_index = \"PROPERTY\".
# [city.map]
# file = \"my_city.geojson\"      # GeoJSON FeatureCollection, relative to this file
# name = \"NAME\"                 # property naming each neighbourhood (unique)
# population = \"POP\"            # property with its residents
# ses = \"INCOME\"                # property SES is derived from, by rank
# ses_higher_is_poorer = false  # true when a higher value means poorer
";

/// The scenario `name` under `preset`, with every key and a comment on each;
/// `path` is where the file is written, as the commands in its header
/// name it. Returns `None` for an unknown preset.
pub fn template(name: &str, preset_name: &str, path: &str) -> Option<String> {
    let preset = governance::preset(preset_name)?;
    let mut w = String::new();
    write_header(&mut w, name, preset, path);
    write_section(&mut w, "[run]", RUN, &RunSpec::default(), WIDTH);
    write_section(&mut w, "[city]", CITY, &CitySpec::default(), WIDTH);
    w.push_str(CITY_MAP);
    w.push_str("\n# Service domains. Each [[domains]] block is one everyday service.\n");
    for d in default_domains() {
        w.push('\n');
        let what = domain_description(&d.name);
        w.push_str("[[domains]]\n");
        write_line(&mut w, "name", &format!("\"{}\"", d.name), what, WIDTH);
        write_values(&mut w, DOMAIN, &d, WIDTH);
    }
    write_governance(&mut w, preset);
    w.push_str(INTERVENTIONS);
    write_output(&mut w, &OutputSpec::default());
    w.push_str(BEHAVIOUR);
    write_values(&mut w, behaviour::KEYS, &Behaviour::default(), 34);
    Some(w)
}

/// The column at which comments start, so a file reads as a table.
const WIDTH: usize = 28;

fn write_header(w: &mut String, name: &str, preset: &governance::Preset, path: &str) {
    let _ = write!(
        w,
        "# coserve scenario: {name}\n\
         # Regime: {} ({})\n\
         #   {}\n\
         #\n\
         # Run it:      cargo run --release -- run {path}\n\
         # Check it:    cargo run --release -- validate {path}\n\
         # Read it:     cargo run --release -- explain {path}\n\
         # Change any number below and run again; `--set section.key=value` on the\n\
         # command line overrides a key without editing the file.\n\
         # One tick is one week. Shares are fractions between 0 and 1.\n\n",
        preset.name, preset.terms, preset.summary
    );
    let quoted = toml::Value::String(name.into()).to_string();
    write_line(w, "name", &quoted, "names the output folder", WIDTH);
    let _ = write!(
        w,
        "description = \"{}\"\n\
         # To start from another file and change only a few keys, add for example:\n\
         # extends = \"baseline.toml\"   (path relative to this file)\n",
        preset.summary
    );
}

/// `[title]` and every key of `keys` with its value in `values`.
fn write_section<T: Serialize>(
    w: &mut String,
    title: &str,
    keys: &[Key],
    values: &T,
    width: usize,
) {
    let _ = writeln!(w, "\n{title}");
    write_values(w, keys, values, width);
}

/// One line per key of `keys`: its value in `values` and its meaning.
fn write_values<T: Serialize>(w: &mut String, keys: &[Key], values: &T, width: usize) {
    let json = serde_json::to_value(values).expect("sections serialize");
    for key in keys {
        let value = match &json[key.name] {
            serde_json::Value::Number(n) if n.is_f64() => fmt_num(n.as_f64().unwrap_or_default()),
            other => other.to_string(),
        };
        write_line(w, key.name, &value, key.meaning, width);
    }
}

/// `key = value`, then the comment from column `width`.
fn write_line(w: &mut String, key: &str, value: &str, meaning: &str, width: usize) {
    let used = key.len() + value.len() + 3;
    let _ = writeln!(w, "{key} = {value}{}# {meaning}", pad(used, width));
}

fn domain_description(name: &str) -> &'static str {
    match name {
        "pet_care" => "municipal animal services: strays, injured animals, adoptions",
        "waste" => "illegal dumping, missed pickups, litter",
        "green_space" => "parks and verges: mowing, planting, play areas",
        _ => "neighbourhood safety: lighting, watch, small repairs",
    }
}

fn write_governance(w: &mut String, preset: &governance::Preset) {
    let names: Vec<&str> = governance::PRESETS.iter().map(|p| p.name).collect();
    let _ = write!(
        w,
        "\n[governance]\n\
         # The preset sets every knob. Below, each knob is shown with the value this\n\
         # preset gives it. To change one, remove the '# ' in front of it and edit the\n\
         # value: a knob written here overrides the preset.\n\
         # Presets: {}\n",
        names.join(", ")
    );
    let quoted = format!("\"{}\"", preset.name);
    write_line(
        w,
        "preset",
        &quoted,
        "the regime; see the list above",
        WIDTH,
    );
    let knobs = preset.knobs();
    for info in KNOBS {
        let value = match knobs.get(info.name).expect("every knob has a value") {
            toml::Value::Float(x) => fmt_num(x),
            other => other.to_string(),
        };
        w.push_str("# ");
        write_line(w, info.name, &value, info.meaning, WIDTH);
    }
}

const INTERVENTIONS: &str = "
# Interventions change knobs during the run, at the start of tick `at`.
# Copy a block, remove the leading '# ', and run again. Any knob above can be
# changed; `preset = \"...\"` switches every knob to that preset's values.
# [[interventions]]
# at = 104
# label = \"budget cut by 30%\"
# budget_scale = 0.7
";

fn write_output(w: &mut String, output: &OutputSpec) {
    w.push_str("\n[output]\n");
    let json = serde_json::to_value(output).expect("sections serialize");
    for (key, meaning) in OUTPUT {
        write_line(w, key, &json[key].to_string(), meaning, WIDTH);
    }
}

const BEHAVIOUR: &str = "
# Behaviour: how residents, agencies and organizations respond. Each constant
# comes from a published source, listed in docs/model.md. Change these to test
# how robust a result is, not to make a regime look good.
[behaviour]
";

fn pad(used: usize, width: usize) -> String {
    " ".repeat(width.saturating_sub(used).max(1))
}

/// A number as TOML writes it, always with a decimal point for floats so the
/// key keeps its type when a student edits it.
fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}
