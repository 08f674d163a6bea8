//! A fully commented scenario file, as `coserve new` writes it and as the
//! files in `scenarios/` are. Every key is present with a comment, so a
//! student can read one file alone and know what each number does.

use super::{Behaviour, CitySpec, OutputSpec, RunSpec, default_domains};
use crate::governance::{self, KNOBS, Knobs};
use crate::text::{nearest, quoted_list};
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

/// The scenario `name` under `preset`, with every key and a comment on each;
/// `path` is where the file is written, as the commands in its header
/// name it. Returns `None` for an unknown preset.
pub fn template(name: &str, preset_name: &str, path: &str) -> Option<String> {
    let preset = governance::preset(preset_name)?;
    let knobs = preset.knobs();
    let run = RunSpec::default();
    let city = CitySpec::default();
    let output = OutputSpec::default();
    let b = Behaviour::default();
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# coserve scenario: {name}");
    let _ = writeln!(w, "# Regime: {} ({})", preset.name, preset.terms);
    let _ = writeln!(w, "#   {}", preset.summary);
    let _ = writeln!(w, "#");
    let _ = writeln!(w, "# Run it:      cargo run --release -- run {path}");
    let _ = writeln!(w, "# Check it:    cargo run --release -- validate {path}");
    let _ = writeln!(w, "# Read it:     cargo run --release -- explain {path}");
    let _ = writeln!(
        w,
        "# Change any number below and run again; `--set section.key=value` on the"
    );
    let _ = writeln!(
        w,
        "# command line overrides a key without editing the file."
    );
    let _ = writeln!(
        w,
        "# One tick is one week. Shares are fractions between 0 and 1."
    );
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "name = {}{}# names the output folder",
        toml::Value::String(name.into()),
        pad(name.len() + 9, 28)
    );
    let _ = writeln!(w, "description = \"{}\"", preset.summary);
    let _ = writeln!(
        w,
        "# To start from another file and change only a few keys, add for example:"
    );
    let _ = writeln!(
        w,
        "# extends = \"baseline.toml\"   (path relative to this file)"
    );
    let _ = writeln!(w);
    let _ = writeln!(w, "[run]");
    let _ = writeln!(
        w,
        "ticks = {}          # weeks to simulate (260 = 5 years)",
        run.ticks
    );
    let _ = writeln!(
        w,
        "seed = {}             # same seed, same scenario, same version: byte-identical results",
        run.seed
    );
    let _ = writeln!(
        w,
        "budget_cycle = {}    # weeks between the agency's re-plans of where its capacity goes",
        run.budget_cycle
    );
    let _ = writeln!(w);
    let _ = writeln!(w, "[city]");
    let _ = writeln!(
        w,
        "residents = {}       # people simulated one by one",
        city.residents
    );
    let _ = writeln!(
        w,
        "neighbourhoods = {}       # areas the city is split into, drawn as a grid",
        city.neighbourhoods
    );
    let _ = writeln!(
        w,
        "ses_mean = {}            # mean socio-economic status (0 = poorest, 1 = richest)",
        city.ses_mean
    );
    let _ = writeln!(
        w,
        "ses_spread_between = {}  # how different neighbourhoods are from each other in SES",
        city.ses_spread_between
    );
    let _ = writeln!(
        w,
        "ses_spread_within = {}   # how different residents are within a neighbourhood",
        city.ses_spread_within
    );
    let _ = writeln!(
        w,
        "need_gradient = {}       # poorer areas need more: need = need_rate * (1 + need_gradient * (1 - SES))",
        fmt_num(city.need_gradient)
    );
    let _ = writeln!(
        w,
        "social_capital = {}      # initial networks and civic habits; helps organizations form",
        city.social_capital
    );
    let _ = writeln!(
        w,
        "trust_initial = {}      # initial trust in local government (OECD Trust Survey: about 0.45)",
        city.trust_initial
    );
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "# Service domains. Each [[domains]] block is one everyday service."
    );
    for d in default_domains() {
        let what = match d.name.as_str() {
            "pet_care" => "municipal animal services: strays, injured animals, adoptions",
            "waste" => "illegal dumping, missed pickups, litter",
            "green_space" => "parks and verges: mowing, planting, play areas",
            _ => "neighbourhood safety: lighting, watch, small repairs",
        };
        let _ = writeln!(w);
        let _ = writeln!(w, "[[domains]]");
        let rows = [
            ("name", format!("\"{}\"", d.name), what),
            (
                "need_rate",
                d.need_rate.to_string(),
                "needs per resident per week, before the SES gradient",
            ),
            (
                "unit_cost",
                fmt_num(d.unit_cost),
                "public money to serve one need",
            ),
            (
                "budget_per_resident",
                d.budget_per_resident.to_string(),
                "public money per resident per week for this service",
            ),
            (
                "alpha",
                d.alpha.to_string(),
                "weight of public input in production (1 = volunteers add nothing)",
            ),
            (
                "rho",
                fmt_num(d.rho),
                "below 0: volunteers complement public work (Ostrom); 1: they substitute",
            ),
            (
                "kappa",
                d.kappa.to_string(),
                "how much better community organizations target hidden need",
            ),
            (
                "lapse_rate",
                d.lapse_rate.to_string(),
                "share of waiting needs that give up each week, unserved",
            ),
        ];
        for (key, value, meaning) in rows {
            let _ = writeln!(
                w,
                "{key} = {value}{}# {meaning}",
                pad(key.len() + value.len() + 3, 28)
            );
        }
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "[governance]");
    let _ = writeln!(
        w,
        "# The preset sets every knob. Below, each knob is shown with the value this"
    );
    let _ = writeln!(
        w,
        "# preset gives it. To change one, remove the '# ' in front of it and edit the"
    );
    let _ = writeln!(w, "# value: a knob written here overrides the preset.");
    let names: Vec<&str> = governance::PRESETS.iter().map(|p| p.name).collect();
    let _ = writeln!(w, "# Presets: {}", names.join(", "));
    let _ = writeln!(
        w,
        "preset = \"{}\"{}# the regime; see the list above",
        preset.name,
        pad(preset.name.len() + 11, 28)
    );
    write_knobs(w, &knobs);
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "# Interventions change knobs during the run, at the start of tick `at`."
    );
    let _ = writeln!(
        w,
        "# Copy a block, remove the leading '# ', and run again. Any knob above can be"
    );
    let _ = writeln!(
        w,
        "# changed; `preset = \"...\"` switches every knob to that preset's values."
    );
    let _ = writeln!(w, "# [[interventions]]");
    let _ = writeln!(w, "# at = 104");
    let _ = writeln!(w, "# label = \"budget cut by 30%\"");
    let _ = writeln!(w, "# budget_scale = 0.7");
    let _ = writeln!(w);
    let _ = writeln!(w, "[output]");
    let _ = writeln!(
        w,
        "dir = \"{}\"          # results go to <dir>/<name>-seed<seed>/",
        output.dir.display()
    );
    let _ = writeln!(
        w,
        "neighbourhoods = {}     # write neighbourhoods.csv (one row per week and neighbourhood)",
        output.neighbourhoods
    );
    let _ = writeln!(
        w,
        "quintiles = {}          # write quintiles.csv (one row per week and SES fifth)",
        output.quintiles
    );
    let _ = writeln!(w);
    write_behaviour(w, &b);
    Some(s)
}

fn write_knobs(w: &mut String, knobs: &Knobs) {
    for info in KNOBS {
        let value = knobs.get(info.name).expect("every knob has a value");
        let value = match value {
            toml::Value::Float(x) => fmt_num(x),
            other => other.to_string(),
        };
        let _ = writeln!(
            w,
            "# {} = {}{}# {}",
            info.name,
            value,
            pad(info.name.len() + value.len() + 3, 28),
            info.meaning
        );
    }
}

fn write_behaviour(w: &mut String, b: &Behaviour) {
    let _ = writeln!(
        w,
        "# Behaviour: how residents, agencies and organizations respond. Each constant"
    );
    let _ = writeln!(
        w,
        "# comes from a published source, listed in docs/model.md. Change these to test"
    );
    let _ = writeln!(
        w,
        "# how robust a result is, not to make a regime look good."
    );
    let _ = writeln!(w, "[behaviour]");
    let json = serde_json::to_value(b).expect("behaviour serializes");
    for super::behaviour::BehaviourKey {
        name: key, meaning, ..
    } in super::behaviour::KEYS
    {
        let x = json[key].as_f64().expect("behaviour constants are numbers");
        let value = fmt_num(x);
        let _ = writeln!(
            w,
            "{key} = {value}{}# {meaning}",
            pad(key.len() + value.len() + 3, 34)
        );
    }
}

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
