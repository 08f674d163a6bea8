//! The command line as a user meets it: run, validate, presets, explain,
//! new, refusal to overwrite, --set and extends.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::coserve;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// A small, fast copy of the baseline.
const SMALL: [&str; 6] = [
    "--set",
    "city.residents=3000",
    "--set",
    "run.ticks=12",
    "--set",
    "run.warmup=0",
];

fn run_small(cwd: &Path, scenario: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", scenario.to_str().unwrap()];
    args.extend(SMALL);
    args.extend(extra);
    coserve(&args, cwd)
}

#[test]
fn run_writes_every_output_under_outputs_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_small(dir.path(), &scenarios().join("baseline.toml"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        out.stderr.is_empty(),
        "no progress bar when piped: {}",
        stderr(&out)
    );
    let result = dir.path().join("outputs/baseline-seed1");
    assert!(stdout(&out).contains("wrote outputs/baseline-seed1"));
    for f in [
        "manifest.json",
        "timeseries.csv",
        "neighbourhoods.csv",
        "quintiles.csv",
        "events.csv",
    ] {
        assert!(result.join(f).is_file(), "{f} missing");
    }
    let ts = fs::read_to_string(result.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = ts.lines().next().unwrap().split(',').collect();
    for col in [
        "tick",
        "coverage",
        "hidden_need_share",
        "wait_p50",
        "gini_service",
        "access_gap",
        "satisfaction",
        "trust",
        "participation_rate",
        "public_cost_per_unit",
    ] {
        assert!(header.contains(&col), "timeseries.csv lacks {col}");
    }
    assert_eq!(ts.lines().count(), 13, "a header and 12 ticks");
    let hoods = fs::read_to_string(result.join("neighbourhoods.csv")).unwrap();
    assert_eq!(hoods.lines().count(), 1 + 12 * 16);
    let quintiles = fs::read_to_string(result.join("quintiles.csv")).unwrap();
    assert_eq!(quintiles.lines().count(), 1 + 12 * 5);

    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(result.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 1);
    assert_eq!(manifest["coserve_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["coserve_commit"], coserve::COMMIT);
    assert!(
        manifest["command_line"][1] == "run" && manifest["command_line"][3] == "--set",
        "{}",
        manifest["command_line"]
    );
    assert_eq!(manifest["summarised_weeks"], serde_json::json!([0, 11]));
    assert_eq!(manifest["scenario"]["city"]["residents"], 3000);
    assert_eq!(manifest["scenario"]["governance"]["preset"], "public");
    assert_eq!(
        manifest["scenario"]["governance"]["knobs"]["allocation"],
        "reports_fifo"
    );
    assert!(manifest["timing"]["wall_s"].as_f64().unwrap() > 0.0);
    assert!(manifest["timing"]["resident_ticks_per_s"].as_f64().unwrap() > 0.0);
    assert_eq!(manifest["overrides"][0], "city.residents=3000");
    let leftovers: Vec<_> = fs::read_dir(dir.path().join("outputs")).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary folders left behind");
}

#[test]
fn an_existing_result_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = scenarios().join("baseline.toml");
    assert!(
        run_small(dir.path(), &baseline, &["--out", "r"])
            .status
            .success()
    );
    let ts = dir.path().join("r/timeseries.csv");
    let before = fs::read(&ts).unwrap();
    let again = run_small(dir.path(), &baseline, &["--out", "r", "--seed", "2"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists") && stderr(&again).contains("--force"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        fs::read(&ts).unwrap(),
        before,
        "the old result is untouched"
    );
    let forced = run_small(
        dir.path(),
        &baseline,
        &["--out", "r", "--seed", "2", "--force"],
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_ne!(fs::read(&ts).unwrap(), before, "--force replaced it");
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["r".to_string()],
        "no staging folders left: {names:?}"
    );
}

#[test]
fn set_overrides_reach_the_resolved_scenario_and_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = scenarios().join("baseline.toml");
    let out = run_small(
        dir.path(),
        &baseline,
        &[
            "--out",
            "a",
            "--set",
            "governance.preset=hybrid",
            "--set",
            "domains.waste.need_rate=0.2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("a/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["scenario"]["governance"]["preset"], "hybrid");
    assert_eq!(
        manifest["scenario"]["governance"]["knobs"]["volunteer_input"],
        true
    );
    let waste = manifest["scenario"]["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "waste")
        .unwrap()
        .clone();
    assert_eq!(waste["need_rate"], 0.2);
    assert!(
        run_small(dir.path(), &baseline, &["--out", "b"])
            .status
            .success()
    );
    let arisen = |d: &str| -> u64 {
        let ts = fs::read_to_string(dir.path().join(d).join("timeseries.csv")).unwrap();
        ts.lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().parse::<u64>().unwrap())
            .sum()
    };
    assert!(
        arisen("a") > 2 * arisen("b"),
        "more need with a higher need rate"
    );
}

#[test]
fn extends_inherits_and_overrides_a_base_file() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenarios().join("baseline.toml");
    let child = dir.path().join("child.toml");
    fs::write(
        &child,
        format!(
            "extends = \"{}\"\nname = \"child\"\n[governance]\npreset = \"participatory_budgeting\"\npb_share = 0.3\n[[domains]]\nname = \"safety\"\nneed_rate = 0.02\n[[interventions]]\nat = 5\nlabel = \"withdraw PB support\"\npb_share = 0.0\n",
            base.display()
        ),
    )
    .unwrap();
    let validate = coserve(&["validate", child.to_str().unwrap()], dir.path());
    assert!(validate.status.success(), "{}", stderr(&validate));
    let out = run_small(dir.path(), &child, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result = dir.path().join("outputs/child-seed1");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(result.join("manifest.json")).unwrap()).unwrap();
    let s = &manifest["scenario"];
    assert_eq!(s["governance"]["knobs"]["pb_share"], 0.3);
    assert_eq!(
        s["governance"]["knobs"]["allocation"], "need_weighted",
        "from the preset"
    );
    let domains = s["domains"].as_array().unwrap();
    assert_eq!(domains.len(), 4, "domains merge by name");
    let safety = domains.iter().find(|d| d["name"] == "safety").unwrap();
    assert_eq!(safety["need_rate"], 0.02);
    assert_eq!(safety["unit_cost"], 200.0, "inherited from the base");
    assert_eq!(manifest["scenario_files"].as_array().unwrap().len(), 2);
    let events = fs::read_to_string(result.join("events.csv")).unwrap();
    assert!(
        events.contains("5,withdraw PB support,pb_share,0.3,0.0"),
        "{events}"
    );
    assert_eq!(manifest["interventions_applied"][0]["tick"], 5);
}

/// Sweeps, calibrations, lab experiments and cities are each checked as
/// what they are.
#[test]
fn validate_knows_every_kind_of_shipped_file() {
    let root = scenarios();
    let mut args = vec!["validate".to_string()];
    let mut expected = Vec::new();
    for (folder, kind) in [
        ("sweeps", "sweep"),
        ("calibration", "calibration"),
        ("lab", "lab experiment"),
        ("cities", "scenario"),
    ] {
        for e in fs::read_dir(root.join(folder)).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "toml") {
                args.push(path.display().to_string());
                expected.push(format!("OK {} ({kind})", path.display()));
            }
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = coserve(&args, Path::new("."));
    assert!(out.status.success(), "{}", stderr(&out));
    for line in expected {
        assert!(stdout(&out).contains(&line), "{line}: {}", stdout(&out));
    }
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let mut files: Vec<PathBuf> = fs::read_dir(scenarios())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 9);
    let mut args = vec!["validate".to_string()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = coserve(&args, Path::new("."));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("OK "))
            .count(),
        files.len()
    );
}

#[test]
fn presets_lists_all_eight_with_a_meaning() {
    let out = coserve(&["presets"], Path::new("."));
    assert!(out.status.success());
    let text = stdout(&out);
    for p in [
        "public",
        "co_created",
        "hybrid",
        "participatory_budgeting",
        "decentralized",
        "platform",
        "social_contract",
        "collective_impact",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(p))
            .unwrap_or_else(|| panic!("{p} missing"));
        assert!(line.len() > p.len() + 20, "{p} has no meaning: {line}");
    }
}

#[test]
fn explain_says_who_decides_where_money_goes_and_what_residents_can_do() {
    let out = coserve(
        &[
            "explain",
            scenarios()
                .join("participatory_budgeting.toml")
                .to_str()
                .unwrap(),
        ],
        Path::new("."),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for words in [
        "Who decides: residents decide",
        "Where money goes",
        "15% allocated by participatory budgeting",
        "What residents can do",
        "100000 residents in 16 neighbourhoods",
    ] {
        assert!(text.contains(words), "`{words}` missing from:\n{text}");
    }
    let public = stdout(&coserve(
        &["explain", scenarios().join("public.toml").to_str().unwrap()],
        Path::new("."),
    ));
    assert!(
        public.contains("the public agency decides alone") && public.contains("complaint trap"),
        "{public}"
    );
}

#[test]
fn new_writes_a_commented_scenario_that_validates_and_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = coserve(&["new", "my_city", "--from", "hybrid"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let path = dir.path().join("my_city.toml");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("preset = \"hybrid\"") && text.contains("name = \"my_city\""));
    let keys = text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(" = "))
        .count();
    let commented = text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(" = ") && l.contains('#'))
        .count();
    assert!(keys > 60, "every key is written: {keys}");
    assert!(
        commented as f64 / keys as f64 > 0.7,
        "most keys carry a comment on their line ({commented}/{keys}); domain keys are explained above their block"
    );
    assert!(
        coserve(&["validate", "my_city.toml"], dir.path())
            .status
            .success()
    );
    fs::write(&path, "# my edits\n").unwrap();
    let again = coserve(&["new", "my_city", "--from", "public"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "# my edits\n",
        "not overwritten"
    );
    let bad = coserve(&["new", "x", "--from", "hybird"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("did you mean `hybrid`"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn shipped_scenarios_are_exactly_what_new_writes() {
    // Keeps the commented files and the schema from drifting apart.
    for entry in fs::read_dir(scenarios()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let preset = if name == "baseline" {
            "public"
        } else {
            name.as_str()
        };
        let expected =
            coserve::scenario::template(&name, preset, &format!("scenarios/{name}.toml"))
                .unwrap_or_else(|| panic!("no preset for {name}"));
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            expected,
            "{name}.toml differs from `coserve new {name} --from {preset}`"
        );
    }
}

#[test]
fn docs_model_md_names_every_behavioural_constant() {
    let doc =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/model.md")).unwrap();
    let behaviour = serde_json::to_value(coserve::scenario::Behaviour::default()).unwrap();
    let missing: Vec<&String> = behaviour
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !doc.contains(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/model.md does not describe {missing:?}"
    );
}
