//! Nothing lost, nothing silently wrong: each test is one kind of fault
//! found by trying coserve as a new user would (issue "Nothing lost").
//! Every case exits with 2 and a message that names what the user wrote,
//! and leaves every file of the user's in place.

mod common;

use common::coserve;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

const SMALL: [&str; 6] = [
    "--set",
    "city.residents=2000",
    "--set",
    "run.ticks=12",
    "--set",
    "run.warmup=0",
];

fn baseline() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs coserve and asserts it refused (exit 2) with every word of `expect`.
fn refused(args: &[&str], cwd: &Path, expect: &[&str]) -> String {
    let out = coserve(args, cwd);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?} should fail: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    for word in expect {
        assert!(err.contains(word), "{args:?}: `{word}` missing from: {err}");
    }
    err
}

fn ok(args: &[&str], cwd: &Path) -> Output {
    let out = coserve(args, cwd);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    out
}

/// A study folder holding the user's scenario and notes.
fn study(dir: &Path, name: &str) -> PathBuf {
    let folder = dir.join(name);
    fs::create_dir_all(&folder).unwrap();
    fs::copy(baseline(), folder.join("my_city.toml")).unwrap();
    fs::write(folder.join("notes.txt"), "my notes").unwrap();
    folder
}

fn with(args: &[&str], extra: &[&str]) -> Vec<String> {
    args.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn force_never_removes_what_a_command_reads_or_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    study(d, "study");
    // run --out the folder holding the scenario.
    let args = with(
        &["run", "study/my_city.toml", "--out", "study", "--force"],
        &SMALL,
    );
    refused(&strs(&args), d, &["study/my_city.toml", "reads"]);
    // compare --out the folder holding the scenario.
    study(d, "cmp");
    let args = with(
        &[
            "compare",
            "cmp/my_city.toml",
            "--replicates",
            "2",
            "--out",
            "cmp",
            "--force",
        ],
        &SMALL,
    );
    refused(&strs(&args), d, &["cmp/my_city.toml"]);
    // sweep --out the folder holding the sweep file.
    fs::create_dir(d.join("sw")).unwrap();
    fs::write(
        d.join("sw/s.toml"),
        "scenario = \"../study/my_city.toml\"\nset = [\"city.residents=2000\", \"run.ticks=8\", \"run.warmup=0\"]\n[factors]\n\"governance.pb_share\" = [0.0, 0.1]\n",
    )
    .unwrap();
    refused(
        &["sweep", "sw/s.toml", "--out", "sw", "--force"],
        d,
        &["sw/s.toml"],
    );
    // --out . : the working folder, and a folder above it.
    fs::copy(baseline(), d.join("here.toml")).unwrap();
    let args = with(&["run", "here.toml", "--out", ".", "--force"], &SMALL);
    refused(&strs(&args), d, &["working folder"]);
    let args = with(&["run", "../here.toml", "--out", "..", "--force"], &SMALL);
    refused(&strs(&args), &d.join("study"), &["working folder"]);
    // A folder coserve did not make, or one with a file coserve did not write.
    fs::create_dir(d.join("mine")).unwrap();
    fs::write(d.join("mine/data.csv"), "x").unwrap();
    let args = with(&["run", "here.toml", "--out", "mine", "--force"], &SMALL);
    refused(&strs(&args), d, &["manifest.json", "did not"]);
    let args = with(&["run", "here.toml", "--out", "r"], &SMALL);
    ok(&strs(&args), d);
    fs::write(d.join("r/analysis.ipynb"), "x").unwrap();
    let args = with(&["run", "here.toml", "--out", "r", "--force"], &SMALL);
    refused(&strs(&args), d, &["r/analysis.ipynb", "did not write"]);
    // Another kind of result is not replaced by --force either.
    let args = with(
        &[
            "compare",
            "here.toml",
            "--replicates",
            "2",
            "--out",
            "r",
            "--force",
        ],
        &SMALL,
    );
    refused(&strs(&args), d, &["holds a run"]);
    for kept in [
        "study/my_city.toml",
        "study/notes.txt",
        "cmp/my_city.toml",
        "cmp/notes.txt",
        "sw/s.toml",
        "here.toml",
        "mine/data.csv",
        "r/analysis.ipynb",
        "r/manifest.json",
    ] {
        assert!(d.join(kept).exists(), "{kept} was removed");
    }
    // What --force is for: replacing an earlier result of the same kind.
    fs::remove_file(d.join("r/analysis.ipynb")).unwrap();
    ok(&strs(&with(&["report", "r"], &[])), d);
    let args = with(&["run", "here.toml", "--out", "r", "--force"], &SMALL);
    ok(&strs(&args), d);
    assert!(d.join("r/timeseries.csv").exists());
    assert!(
        !d.join("r/report").exists(),
        "the old result is replaced whole"
    );
}

#[test]
fn merge_into_one_of_its_own_shards_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::copy(baseline(), d.join("b.toml")).unwrap();
    fs::write(
        d.join("s.toml"),
        "scenario = \"b.toml\"\nset = [\"city.residents=2000\", \"run.ticks=8\", \"run.warmup=0\"]\n[factors]\n\"governance.pb_share\" = [0.0, 0.1]\n",
    )
    .unwrap();
    ok(&["sweep", "s.toml", "--shard", "0/2", "--out", "a"], d);
    ok(&["sweep", "s.toml", "--shard", "1/2", "--out", "b"], d);
    refused(&["merge", "a", "b", "--out", "a", "--force"], d, &["a"]);
    assert!(d.join("a/runs").is_dir());
    ok(&["merge", "a", "b", "--out", "m"], d);
    assert!(d.join("m/runs.csv").exists());
}

fn sweep_file(d: &Path, name: &str, body: &str) {
    fs::copy(baseline(), d.join("b.toml")).unwrap();
    fs::write(
        d.join(name),
        format!("scenario = \"b.toml\"\nset = [\"city.residents=2000\", \"run.ticks=8\", \"run.warmup=0\"]\n{body}"),
    )
    .unwrap();
}

#[test]
fn every_key_named_takes_effect_or_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: &[(&str, &[&str])] = &[
        (
            "[factors]\n\"run.seed\" = [101, 202, 303]\n",
            &["factors.run.seed", "replicates"],
        ),
        (
            "set = [\"run.seed=5\"]\n[factors]\n\"governance.pb_share\" = [0.0]\n",
            &["run.seed=5", "cannot be fixed"],
        ),
        ("[factors]\n\"name\" = [\"a\", \"b\"]\n", &["factors.name"]),
        (
            "[factors]\n\"output.quintiles\" = [true, false]\n",
            &["factors.output.quintiles"],
        ),
        (
            "[factors]\n\"city.residents\" = [2000, 3000]\n",
            &["factors.city.residents", "also fixed in `set`"],
        ),
    ];
    for (i, (body, expect)) in cases.iter().enumerate() {
        // The sweep file's own `set` comes first in these bodies when given.
        let text = if body.starts_with("set") {
            format!("scenario = \"b.toml\"\n{body}")
        } else {
            format!(
                "scenario = \"b.toml\"\nset = [\"city.residents=2000\", \"run.ticks=8\", \"run.warmup=0\"]\n{body}"
            )
        };
        fs::copy(baseline(), d.join("b.toml")).unwrap();
        let name = format!("s{i}.toml");
        fs::write(d.join(&name), text).unwrap();
        refused(&["sweep", &name], d, expect);
    }
    let b = baseline();
    let b = b.to_str().unwrap();
    refused(
        &["compare", b, "--set", "governance.preset=hybrid"],
        d,
        &["--regimes"],
    );
    refused(&["compare", b, "--set", "run.seed=4"], d, &["--seed"]);
    refused(
        &["compare", b, "--ticks", "10", "--set", "run.ticks=20"],
        d,
        &["--ticks"],
    );
    refused(
        &["run", b, "--seed", "3", "--set", "run.seed=4"],
        d,
        &["--seed 3", "run.seed=4"],
    );
    refused(
        &["run", b, "--set", "run.ticks=3", "--set", "run.ticks=4"],
        d,
        &["set twice", "run.ticks=3"],
    );
    refused(&["run", b, "--set", "extends=other.toml"], d, &["extends"]);
}

#[test]
fn every_number_has_a_range_and_nan_or_infinity_is_refused_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let b = baseline();
    let b = b.to_str().unwrap();
    for (set, expect) in [
        ("behaviour.join_rate=-0.5", "from 0 to 1"),
        ("behaviour.quit_hazard=2.0", "from 0 to 1"),
        ("behaviour.report_base=7", "from 0 to 1"),
        ("behaviour.adoption_probability=1.5", "from 0 to 1"),
        ("behaviour.volunteer_hours=-4", "from 0 to 168"),
        ("behaviour.hours_per_unit=0", "above 0"),
        ("behaviour.trust_gain=nan", "found nan"),
        ("behaviour.shadow_wage=inf", "found inf"),
        ("city.residents=4000000000", "to 100000000"),
        ("run.ticks=5000000000", "from 1 to 100000"),
    ] {
        let key = set.split('=').next().unwrap();
        refused(&["explain", b, "--set", set], dir.path(), &[key, expect]);
    }
    // The kind: every number of every section, as NaN and as infinity.
    let mut keys: Vec<String> = Vec::new();
    for section in ["run", "city", "behaviour"] {
        for key in coserve::scenario::limits::of_section(section) {
            keys.push(format!("{section}.{}", key.name));
        }
    }
    for key in coserve::scenario::limits::of_section("domains") {
        keys.push(format!("domains.waste.{}", key.name));
    }
    for knob in coserve::governance::KNOBS {
        if matches!(
            knob.kind,
            coserve::governance::KnobKind::Share | coserve::governance::KnobKind::NonNegative
        ) {
            keys.push(format!("governance.{}", knob.name));
        }
    }
    for key in &keys {
        for bad in ["nan", "inf", "-inf"] {
            let err = coserve::Scenario::load(&baseline(), &[format!("{key}={bad}")])
                .expect_err(&format!("{key}={bad} was accepted"));
            assert!(err.to_string().contains(key.as_str()), "{key}={bad}: {err}");
        }
    }
}

#[test]
fn every_shipped_default_lies_in_its_range_and_every_number_has_one() {
    let s = coserve::Scenario::load(&baseline(), &[]).unwrap();
    let value = serde_json::to_value(&s).unwrap();
    let mut sections = vec![("run", &value["run"]), ("city", &value["city"])];
    sections.push(("behaviour", &value["behaviour"]));
    sections.push(("domains", &value["domains"][0]));
    for (section, table) in sections {
        for (key, v) in table.as_object().unwrap() {
            if v.is_number() {
                assert!(
                    coserve::scenario::limits::find(section, key).is_some(),
                    "{section}.{key} has no documented range"
                );
            }
        }
    }
}

#[test]
fn huge_sizes_are_refused_at_once_with_the_number_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: &[(&str, &[&str])] = &[
        (
            "[factors]\n\"governance.pb_share\" = { min = 0.0, max = 0.3, levels = 100000000000 }\n",
            &["levels", "100000000000", "1000000"],
        ),
        (
            "design = \"random\"\nsamples = 1000000000000\n[factors]\n\"governance.pb_share\" = { min = 0.0, max = 0.3 }\n",
            &["samples", "1000000000000"],
        ),
        (
            "[factors]\n\"governance.pb_share\" = { min = 0.0, max = 0.3, levels = 400 }\n\"governance.outreach\" = { min = 0.0, max = 1.0, levels = 400 }\n\"governance.audit\" = { min = 0.0, max = 1.0, levels = 250 }\n",
            &["factors", "40000000 runs", "400 x 400 x 250"],
        ),
        (
            "design = \"saltelli\"\nsamples = 900000\n[factors]\n\"governance.pb_share\" = { min = 0.0, max = 0.3 }\n",
            &["samples", "2700000 runs"],
        ),
    ];
    for (i, (body, expect)) in cases.iter().enumerate() {
        let name = format!("huge{i}.toml");
        sweep_file(d, &name, body);
        refused(&["sweep", &name], d, expect);
        assert!(!d.join(format!("outputs/huge{i}-sweep")).exists());
    }
    let b = baseline();
    refused(
        &["compare", b.to_str().unwrap(), "--replicates", "4294967295"],
        d,
        &["--replicates", "4294967295"],
    );
}

#[test]
fn integers_never_wrap_and_seeds_are_checked_before_any_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sweep_file(
        d,
        "reps.toml",
        "replicates = 4294967296\n[factors]\n\"governance.pb_share\" = [0.0]\n",
    );
    refused(&["sweep", "reps.toml"], d, &["replicates", "4294967296"]);
    sweep_file(
        d,
        "seed.toml",
        "seed = 9223372036854775807\nreplicates = 2\n[factors]\n\"governance.pb_share\" = [0.0]\n",
    );
    let err = refused(&["sweep", "seed.toml"], d, &["seed.toml:3", "`seed`"]);
    assert!(
        !err.contains("--set"),
        "blames an option never typed: {err}"
    );
    assert!(!d.join("outputs/seed-sweep").exists(), "no run may start");
    let b = baseline();
    let b = b.to_str().unwrap();
    let err = refused(
        &["run", b, "--seed", "18446744073709551615"],
        d,
        &["18446744073709551615", "9223372036854775807"],
    );
    assert!(!err.contains("--set"), "{err}");
    refused(
        &[
            "compare",
            b,
            "--seed",
            "9223372036854775807",
            "--replicates",
            "2",
        ],
        d,
        &["--seed", "9223372036854775807"],
    );
}

#[test]
fn whole_number_factors_get_distinct_levels_and_lists_no_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sweep_file(
        d,
        "grid.toml",
        "[factors]\n\"city.neighbourhoods\" = { min = 4, max = 6 }\n",
    );
    let out = ok(&["sweep", "grid.toml", "--out", "g"], d);
    assert!(
        stderr(&out).contains("only 3 whole numbers"),
        "{}",
        stderr(&out)
    );
    let mut reader = csv::Reader::from_path(d.join("g/runs.csv")).unwrap();
    let levels: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[4].to_string())
        .collect();
    assert_eq!(levels, ["4", "5", "6"]);
    // A float key over whole-number ends keeps its fractional levels.
    sweep_file(
        d,
        "float.toml",
        "[factors]\n\"city.need_gradient\" = { min = 0, max = 2 }\n",
    );
    ok(&["sweep", "float.toml", "--out", "f"], d);
    let mut reader = csv::Reader::from_path(d.join("f/runs.csv")).unwrap();
    let levels: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[4].to_string())
        .collect();
    assert_eq!(levels, ["0.0", "0.5", "1.0", "1.5", "2.0"]);
    sweep_file(
        d,
        "dup.toml",
        "[factors]\n\"governance.pb_share\" = [0.1, 0.2, 0.10]\n",
    );
    refused(&["sweep", "dup.toml"], d, &["listed twice"]);
}

#[test]
fn messages_name_what_the_user_wrote_and_options_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::copy(baseline(), d.join("b.toml")).unwrap();
    let mut args = vec!["run", "b.toml", "--out", "r"];
    args.extend(SMALL);
    ok(&args, d);
    ok(&["report", "r"], d);
    let err = refused(&["report", "r"], d, &["--force"]);
    assert!(!err.contains("--out"), "report has no --out: {err}");
    sweep_file(
        d,
        "sal.toml",
        "design = \"saltelli\"\nsamples = 32\n[factors]\n\"governance.pb_share\" = { min = 0.0, max = 0.3 }\n\"governance.outreach\" = { min = 0.0, max = 1.0 }\n",
    );
    ok(&["sweep", "sal.toml", "--out", "sal"], d);
    refused(&["sweep", "sal.toml", "--out", "sal"], d, &["--resume"]);
    let _ = coserve(&["sensitivity", "sal"], d);
    let err = refused(&["sensitivity", "sal"], d, &["--force"]);
    assert!(!err.contains("--out"), "sensitivity has no --out: {err}");
    let mut args = vec!["compare", "b.toml", "--replicates", "2", "--out", "c"];
    args.extend(SMALL);
    ok(&args, d);
    refused(
        &["sensitivity", "c"],
        d,
        &["holds a comparison", "not a sweep"],
    );
    let err = refused(
        &["compare", "b.toml", "--regimes", "public,hybird"],
        d,
        &["--regimes", "\"hybird\"", "did you mean `hybrid`"],
    );
    assert!(!err.contains("--set"), "{err}");
    for (line, expect) in [
        (
            "# a name that would write elsewhere\nname = \"../../x\"\n",
            "folder name",
        ),
        ("[city]\nresidents = 100,000\n", "residents = 100000"),
        ("[city]\nses_mean = 50%\n", "ses_mean = 0.5"),
        ("[governance]\npreset = hybrid\n", "\"hybrid\""),
        ("[city]\nresidents = 1e5\n", "write 100000"),
    ] {
        fs::write(d.join("typo.toml"), line).unwrap();
        refused(&["validate", "typo.toml"], d, &["typo.toml:2", expect]);
    }
    refused(
        &["explain", "b.toml", "--set", "outreach=0.5"],
        d,
        &["did you mean `governance.outreach`"],
    );
    refused(
        &["explain", "b.toml", "--set", "city.residents=5"],
        d,
        &["one resident per neighbourhood", "16"],
    );
    refused(
        &["explain", "b.toml", "--set", "city.residents=-5"],
        d,
        &["from 1 to", "-5"],
    );
}

#[test]
fn every_shipped_scenarios_run_hint_works_from_the_repository_root() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in fs::read_dir(root.join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let hint = text
            .lines()
            .find_map(|l| l.strip_prefix("# Run it:"))
            .unwrap_or_else(|| panic!("{} has no run hint", path.display()));
        let file = hint.split_whitespace().last().unwrap();
        let out = coserve(&["validate", file], root);
        assert!(
            out.status.success(),
            "{}: `{}` fails from the repository root: {}",
            path.display(),
            hint.trim(),
            stderr(&out)
        );
    }
}

#[test]
fn docs_ranges_md_lists_every_range() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ranges.md");
    let expected = coserve::scenario::limits::markdown();
    if std::env::var_os("COSERVE_BLESS").is_some() {
        fs::write(&path, &expected).unwrap();
    }
    assert_eq!(
        fs::read_to_string(&path).unwrap_or_default(),
        expected,
        "docs/ranges.md is out of date: run `COSERVE_BLESS=1 cargo test --test nothing_lost docs_ranges`"
    );
}

#[test]
fn force_looks_inside_result_folders_and_at_single_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::copy(baseline(), d.join("b.toml")).unwrap();
    let mut args = vec!["run", "b.toml", "--out", "r"];
    args.extend(SMALL);
    ok(&args, d);
    ok(&["report", "r"], d);
    // A file of the user's deep inside an earlier result.
    fs::write(d.join("r/report/my_notes.txt"), "x").unwrap();
    args.push("--force");
    refused(&args, d, &["r/report/my_notes.txt"]);
    refused(&["report", "r", "--force"], d, &["my_notes.txt"]);
    assert!(d.join("r/report/my_notes.txt").exists());
    // A report/ folder coserve did not make is not replaced either.
    let mut args = vec!["run", "b.toml", "--out", "r2"];
    args.extend(SMALL);
    ok(&args, d);
    fs::create_dir(d.join("r2/report")).unwrap();
    fs::write(d.join("r2/report/notes.txt"), "mine").unwrap();
    let err = refused(&["report", "r2", "--force"], d, &["index.html"]);
    assert!(!err.contains("--out"), "report has no --out: {err}");
    // A sweep's runs/ holding a file of the user's.
    sweep_file(
        d,
        "sal.toml",
        "design = \"saltelli\"\nsamples = 32\n[factors]\n\"governance.pb_share\" = { min = 0.0, max = 0.3 }\n\"governance.outreach\" = { min = 0.0, max = 1.0 }\n",
    );
    ok(&["sweep", "sal.toml", "--out", "s"], d);
    fs::write(d.join("s/runs/mine.txt"), "x").unwrap();
    refused(
        &["sweep", "sal.toml", "--out", "s", "--force"],
        d,
        &["s/runs/mine.txt"],
    );
    fs::remove_file(d.join("s/runs/mine.txt")).unwrap();
    // sobol.csv of the user's, and bootstrap sizes that cannot work.
    fs::write(d.join("s/sobol.csv"), "my data").unwrap();
    refused(&["sensitivity", "s", "--force"], d, &["s/sobol.csv"]);
    assert_eq!(
        fs::read_to_string(d.join("s/sobol.csv")).unwrap(),
        "my data"
    );
    refused(
        &["sensitivity", "s", "--resamples", "0"],
        d,
        &["100..=100000"],
    );
    // `new --force` replaces only a file `new` wrote and nobody edited.
    ok(&["new", "mine"], d);
    ok(&["new", "mine", "--from", "hybrid", "--force"], d);
    fs::write(
        d.join("mine.toml"),
        fs::read_to_string(d.join("mine.toml")).unwrap() + "# my edit\n",
    )
    .unwrap();
    refused(&["new", "mine", "--force"], d, &["mine.toml", "edited"]);
    assert!(
        fs::read_to_string(d.join("mine.toml"))
            .unwrap()
            .contains("# my edit")
    );
    for bad in [".", "", "mine/"] {
        refused(&["new", bad], d, &["folder name"]);
    }
    let err = refused(&["new", "nodir/sub/x"], d, &["nodir/sub/x.toml"]);
    assert!(!err.contains("partial"), "names a temporary file: {err}");
}

#[test]
fn more_keys_that_would_be_ignored_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: &[(&str, &[&str])] = &[
        (
            "[factors]\n\"governance.floor\" = [0.1, 0.2]\n\"governance.floor \" = [0.3, 0.4]\n",
            &["spaces around it"],
        ),
        (
            "design = \"random\"\nsamples = 4\n[factors]\n\"governance.floor\" = { min = 0.0, max = 0.5, levels = 3 }\n",
            &["factors.governance.floor.levels", "random"],
        ),
        (
            "samples = 4\n[factors]\n\"governance.floor\" = { min = 0.0, max = 0.5 }\n",
            &["`samples`", "grid"],
        ),
        (
            "[factors]\n\"governance.floor\" = { min = 0.5, max = 0.5000000000000001, levels = 4 }\n",
            &["too narrow"],
        ),
    ];
    for (i, (body, expect)) in cases.iter().enumerate() {
        let name = format!("k{i}.toml");
        sweep_file(d, &name, body);
        refused(&["sweep", &name], d, expect);
    }
    let b = baseline();
    let b = b.to_str().unwrap();
    refused(
        &["run", b, "--set", "run.ticks=20\nrun.ticks=30"],
        d,
        &["one line"],
    );
    refused(
        &["compare", b, "--set", "output.neighbourhoods=false"],
        d,
        &["output.neighbourhoods"],
    );
    refused(
        &["run", b, "--set", "output.dir=elsewhere", "--out", "here"],
        d,
        &["--out here", "output.dir=elsewhere"],
    );
}

#[test]
fn more_messages_say_what_was_written_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let b = baseline();
    let b = b.to_str().unwrap();
    let err = refused(
        &["explain", b, "--set", "city.residents=18446744073709551616"],
        d,
        &["18446744073709551616", "9223372036854775807"],
    );
    assert!(!err.contains("quotes"), "no quotes were typed: {err}");
    let err = refused(&["explain", b, "--set", "foo=1"], d, &["unknown key"]);
    assert!(!err.contains("did you mean"), "a far-fetched guess: {err}");
    refused(
        &["explain", b, "--set", "interventions.0.at=5"],
        d,
        &["command line (--set interventions.0.at=5)"],
    );
    fs::write(d.join("big.toml"), "# x\n".repeat(300_000)).unwrap();
    refused(&["validate", "big.toml"], d, &["big.toml", "too large"]);
    fs::write(
        d.join("huge.toml"),
        "[city]\nresidents = 18446744073709551616\n",
    )
    .unwrap();
    refused(
        &["validate", "huge.toml"],
        d,
        &["huge.toml:2", "9223372036854775807"],
    );
    sweep_file(
        d,
        "s.toml",
        "[factors]\n\"governance.pb_share\" = [0.0, 0.1]\n",
    );
    // validate knows a sweep file; a scenario command refuses one.
    let checked = ok(&["validate", "s.toml"], d);
    assert!(String::from_utf8_lossy(&checked.stdout).contains("OK s.toml (sweep)"));
    refused(&["explain", "s.toml"], d, &["sweep file", "coserve sweep"]);
    ok(&["sweep", "s.toml", "--out", "sw"], d);
    ok(&["merge", "sw", "--out", "m"], d);
    refused(&["merge", "m", "--out", "m2"], d, &["merged folder"]);
}

#[test]
fn third_round_nothing_of_the_users_is_taken_for_coserve_s() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::copy(baseline(), d.join("b.toml")).unwrap();
    let mut args = vec!["run", "b.toml", "--out", "r"];
    args.extend(SMALL);
    ok(&args, d);
    ok(&["report", "r"], d);
    // Names that only look like coserve's temporary or chart files.
    fs::write(d.join("r/thesis.partial-draft.txt"), "x").unwrap();
    args.push("--force");
    refused(&args, d, &["thesis.partial-draft.txt"]);
    fs::remove_file(d.join("r/thesis.partial-draft.txt")).unwrap();
    fs::write(d.join("r/report/charts/my_photo.png"), "x").unwrap();
    refused(&["report", "r", "--force"], d, &["my_photo.png"]);
    assert!(d.join("r/report/charts/my_photo.png").exists());
    // A sweep replaced with --force leaves nothing aside once complete.
    sweep_file(
        d,
        "s.toml",
        "[factors]\n\"governance.pb_share\" = [0.0, 0.1]\n",
    );
    ok(&["sweep", "s.toml", "--out", "sw"], d);
    ok(&["sweep", "s.toml", "--out", "sw", "--force"], d);
    assert!(d.join("sw/runs.csv").exists());
    let leftovers: Vec<_> = fs::read_dir(d)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".partial-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn third_round_keys_that_would_be_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let b = baseline();
    let b = b.to_str().unwrap();
    // A whole section or list of tables in one --set.
    for set in ["run={ticks=20}", "interventions=[{at=3,budget_scale=0.5}]"] {
        refused(&["explain", b, "--set", set], d, &["one value"]);
    }
    for (i, (body, expect)) in [
        (
            "set = [\"run={seed=5}\"]\n[factors]\n\"governance.pb_share\" = [0.0]\n",
            "one value",
        ),
        (
            "[factors]\n\"run\" = [{ ticks = 7 }, { ticks = 9 }]\n",
            "its own factor",
        ),
        (
            "[factors]\n\"governance.pb_share\" = { values = [0.0, 0.1], levels = 7 }\n",
            "no other key",
        ),
        (
            "[factors]\n\"governance.pb_share\" = { values = 0.1 }\n",
            "a list of values",
        ),
    ]
    .iter()
    .enumerate()
    {
        let name = format!("t{i}.toml");
        fs::copy(baseline(), d.join("b.toml")).unwrap();
        let text = if body.starts_with("set") {
            format!("scenario = \"b.toml\"\n{body}")
        } else {
            format!(
                "scenario = \"b.toml\"\nset = [\"city.residents=2000\", \"run.ticks=8\", \"run.warmup=0\"]\n{body}"
            )
        };
        fs::write(d.join(&name), text).unwrap();
        refused(&["sweep", &name], d, &[expect]);
    }
    // A child file adds interventions to its parent's, never drops them.
    fs::write(
        d.join("parent.toml"),
        "[run]\nticks = 12\nwarmup = 0\n[city]\nresidents = 2000\n[[interventions]]\nat = 5\nbudget_scale = 0.7\n",
    )
    .unwrap();
    fs::write(
        d.join("child.toml"),
        "extends = \"parent.toml\"\n[[interventions]]\nat = 8\nbudget_scale = 0.5\n",
    )
    .unwrap();
    ok(&["run", "child.toml", "--out", "c"], d);
    let events = fs::read_to_string(d.join("c/events.csv")).unwrap();
    assert!(
        events.contains("\n5,") && events.contains("\n8,"),
        "{events}"
    );
}

#[test]
fn third_round_damaged_or_odd_sweep_folders_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sweep_file(
        d,
        "s.toml",
        "[factors]\n\"governance.pb_share\" = [0.0, 0.1]\n",
    );
    ok(&["sweep", "s.toml", "--shard", "0/2", "--out", "a"], d);
    ok(&["sweep", "s.toml", "--shard", "1/2", "--out", "b"], d);
    let run = d.join("b/runs/run-000001.json");
    let text = fs::read_to_string(&run)
        .unwrap()
        .replace("\"run\":1,", "\"run\":999,");
    fs::write(&run, text).unwrap();
    refused(
        &["merge", "a", "b", "--out", "m"],
        d,
        &["999", "belongs in run-000999.json"],
    );
    sweep_file(
        d,
        "sal.toml",
        "design = \"saltelli\"\nsamples = 32\n[factors]\n\"governance.pb_share\" = { min = 0.0, max = 0.3 }\n\"governance.outreach\" = { min = 0.0, max = 1.0 }\n",
    );
    ok(&["sweep", "sal.toml", "--out", "sal"], d);
    refused(
        &[
            "sensitivity",
            "sal",
            "--metrics",
            "coverage_mean,coverage_mean",
        ],
        d,
        &["twice"],
    );
    refused(
        &["sensitivity", "sal", "--metrics", "seed"],
        d,
        &["not a metric"],
    );
    // Problems caused on the command line are blamed on it.
    // co_created grants 25% of the budget: with pb_share = 1, more than all of it.
    let co_created = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/co_created.toml");
    refused(
        &[
            "explain",
            co_created.to_str().unwrap(),
            "--set",
            "governance.pb_share=1",
        ],
        d,
        &["command line (--set governance.pb_share=1)"],
    );
    for (value, fix) in [(".5", "write 0.5"), ("1.", "write 1.0")] {
        let set = format!("city.ses_mean={value}");
        refused(
            &["explain", baseline().to_str().unwrap(), "--set", &set],
            d,
            &[fix],
        );
    }
    // A broken base scenario is blamed where it is broken.
    fs::write(d.join("broken.toml"), "this is junk\n").unwrap();
    fs::write(
        d.join("sb.toml"),
        "scenario = \"broken.toml\"\n[factors]\n\"governance.pb_share\" = [0.0]\n",
    )
    .unwrap();
    refused(&["sweep", "sb.toml"], d, &["broken.toml:1"]);
    // An unknown design is one error, not two.
    sweep_file(
        d,
        "lhs.toml",
        "design = \"LHS\"\nsamples = 4\n[factors]\n\"governance.pb_share\" = { min = 0.0, max = 0.3 }\n",
    );
    let err = refused(&["sweep", "lhs.toml"], d, &["design", "latin_hypercube"]);
    assert!(!err.contains("remove it"), "{err}");
}

#[test]
fn sampling_designs_say_when_points_must_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sweep_file(
        d,
        "r.toml",
        "design = \"random\"\nsamples = 8\n[factors]\n\"governance.channel\" = [\"counter\", \"platform\"]\n\"city.neighbourhoods\" = { min = 1, max = 2 }\n",
    );
    let out = ok(&["sweep", "r.toml", "--out", "r"], d);
    assert!(
        stderr(&out).contains("only 4 distinct combinations"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_link_at_the_destination_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::copy(baseline(), d.join("b.toml")).unwrap();
    std::os::unix::fs::symlink(d.join("nowhere"), d.join("link")).unwrap();
    let mut args = vec!["run", "b.toml", "--out", "link", "--force"];
    args.extend(SMALL);
    refused(&args, d, &["link"]);
    assert!(
        fs::symlink_metadata(d.join("link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn shares_written_as_percentages_get_the_fraction() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let b = baseline();
    let b = b.to_str().unwrap();
    for (set, fix) in [
        ("governance.outreach=50%", "write 0.5"),
        ("governance.outreach=60", "write 0.6"),
        ("city.ses_mean=50", "write 0.5"),
    ] {
        refused(&["explain", b, "--set", set], d, &[fix]);
    }
    // A slip just above 1 is no percentage, and a quoted NaN is no number.
    for set in [
        "behaviour.organization_base_dissolution=1.0001",
        "governance.outreach=\"NaN\"",
    ] {
        let err = refused(&["explain", b, "--set", set], d, &["expected"]);
        assert!(!err.contains("write"), "{set}: {err}");
    }
    // A refusal says what was found, then what to do. (An empty folder
    // holds nothing to lose, so it takes the result: one with a file in it.)
    fs::create_dir(d.join("mine")).unwrap();
    fs::write(d.join("mine/notes.txt"), "mine").unwrap();
    let mut args = vec!["run", b, "--out", "mine", "--force"];
    args.extend(SMALL);
    let err = refused(
        &args,
        d,
        &["coserve did not make it: name another folder with --out"],
    );
    assert!(!err.contains("it, or name"), "{err}");
}
