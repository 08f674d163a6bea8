//! Malformed scenarios: each gets a clear error naming the file, line,
//! key and what was expected, a non-zero exit code, and no panic.

use std::path::Path;
use std::process::Command;

struct Case {
    name: &'static str,
    text: &'static str,
    /// Words the message must contain (besides the file name).
    expect: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "misspelt_key",
        text: "[run]\nticks = 10\ntickz = 10\n",
        expect: &[":3:1", "run.tickz", "unknown key", "did you mean `ticks`"],
    },
    Case {
        name: "misspelt_section",
        text: "[goverance]\npreset = \"hybrid\"\n",
        expect: &[
            ":1:2",
            "goverance",
            "unknown key",
            "did you mean `governance`",
        ],
    },
    Case {
        name: "unknown_preset",
        text: "[governance]\npreset = \"co_creatd\"\n",
        expect: &[
            ":2:1",
            "governance.preset",
            "unknown preset",
            "did you mean `co_created`",
        ],
    },
    Case {
        name: "share_above_one",
        text: "[governance]\npreset = \"hybrid\"\npb_share = 1.5\n",
        expect: &[
            ":3:1",
            "governance.pb_share",
            "expected a share between 0 and 1",
            "found 1.5",
        ],
    },
    Case {
        name: "text_for_number",
        text: "[city]\nresidents = \"many\"\n",
        expect: &[
            ":2:1",
            "city.residents",
            "expected a whole number",
            "\"many\"",
        ],
    },
    Case {
        name: "zero_neighbourhoods",
        text: "[city]\nneighbourhoods = 0\n",
        expect: &[":2:1", "city.neighbourhoods", "from 1 to 4096", "found 0"],
    },
    Case {
        name: "negative_need_rate",
        text: "[[domains]]\nname = \"waste\"\nneed_rate = -0.1\nunit_cost = 25.0\nbudget_per_resident = 0.5\nalpha = 0.5\nrho = 0.5\nkappa = 1.2\n",
        expect: &[
            ":3:1",
            "domains.waste.need_rate",
            "expected a number of needs per resident per week from 0 to 10",
            "found -0.1",
        ],
    },
    Case {
        name: "missing_domain_key",
        text: "[[domains]]\nname = \"waste\"\nneed_rate = 0.1\n",
        expect: &[
            ":1:1",
            "domains.waste",
            "required key `unit_cost` is missing",
        ],
    },
    Case {
        name: "misspelt_knob_in_intervention",
        text: "[[interventions]]\nat = 5\npb_sharee = 0.1\n",
        expect: &[
            ":3:1",
            "interventions[0].pb_sharee",
            "unknown governance knob",
            "did you mean `pb_share`",
        ],
    },
    Case {
        name: "misspelt_choice",
        text: "[governance]\nallocation = \"need_weigted\"\n",
        expect: &[
            ":2:1",
            "governance.allocation",
            "expected one of",
            "did you mean `need_weighted`",
        ],
    },
    Case {
        name: "intervention_after_end",
        text: "[run]\nticks = 10\n[[interventions]]\nat = 50\npb_share = 0.1\n",
        expect: &[
            ":4:1",
            "interventions[0].at",
            "expected a tick before the end of the run",
            "found 50",
        ],
    },
    Case {
        name: "warmup_the_whole_run",
        text: "[run]\nticks = 30\nwarmup = 30\n",
        expect: &[
            ":3:1",
            "run.warmup",
            "leaves no week to summarise in a 30-week run",
            "set run.warmup below 30",
        ],
    },
    Case {
        name: "default_warmup_in_a_short_run",
        text: "[city]\nresidents = 2000\n[run]\nticks = 20\n",
        expect: &[
            ":4:1",
            "run.ticks",
            "run.warmup = 52 weeks leaves no week",
            "--set run.warmup=0",
        ],
    },
    Case {
        name: "budget_over_one",
        text: "[governance]\norg_funding_share = 0.6\npb_share = 0.6\n",
        expect: &[":1:", "governance", "must be at most 1", "1.200"],
    },
    Case {
        name: "not_toml",
        text: "[run\nticks = 3\n",
        expect: &[":1:5", "not valid TOML"],
    },
    Case {
        name: "negative_ticks",
        text: "[run]\nticks = -5\n",
        expect: &[
            ":2:1",
            "run.ticks",
            "expected a whole number of weeks from 1 to 100000",
            "-5",
        ],
    },
    Case {
        name: "lag_too_long",
        text: "[governance]\nlag = 500\n",
        expect: &[
            ":2:1",
            "governance.lag",
            "whole number of ticks from 0 to 52",
            "500",
        ],
    },
    Case {
        name: "pb_allocation_not_one_weight_per_cell",
        text: "[city]\nneighbourhoods = 4\n[governance]\npb_allocation = [1, 2, 3]\n",
        expect: &[
            ":4:1",
            "governance.pb_allocation",
            "one weight per neighbourhood and domain",
            "4 x 4 = 16",
            "found 3",
        ],
    },
    Case {
        name: "pb_allocation_negative",
        text: "[governance]\npb_allocation = [1, -2]\n",
        expect: &[":2:1", "governance.pb_allocation", "weights of at least 0"],
    },
    Case {
        name: "empty_intervention",
        text: "[[interventions]]\nat = 3\n",
        expect: &[":1:1", "interventions[0]", "changes nothing"],
    },
];

fn validate(path: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_coserve"))
        .arg("validate")
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_malformed_scenario_gets_a_located_explained_error() {
    assert!(CASES.len() >= 12);
    let dir = tempfile::tempdir().unwrap();
    for case in CASES {
        let path = dir.path().join(format!("{}.toml", case.name));
        std::fs::write(&path, case.text).unwrap();
        let (code, stderr) = validate(&path);
        assert_eq!(code, Some(2), "{}: exit code; stderr: {stderr}", case.name);
        assert!(
            stderr.contains(&format!("{}.toml", case.name)),
            "{}: no file name in {stderr}",
            case.name
        );
        for word in case.expect {
            assert!(
                stderr.contains(word),
                "{}: `{word}` missing from {stderr}",
                case.name
            );
        }
        assert!(
            !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
            "{}: {stderr}",
            case.name
        );
    }
}

#[test]
fn extends_cycle_and_missing_file_name_the_culprit() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    std::fs::write(&a, "extends = \"b.toml\"\n").unwrap();
    std::fs::write(dir.path().join("b.toml"), "\nextends = \"a.toml\"\n").unwrap();
    let (code, stderr) = validate(&a);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("b.toml:2:1") && stderr.contains("cycle"),
        "{stderr}"
    );

    let c = dir.path().join("c.toml");
    std::fs::write(&c, "extends = \"nowhere.toml\"\n").unwrap();
    let (code, stderr) = validate(&c);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("c.toml:1:1")
            && stderr.contains("nowhere.toml")
            && stderr.contains("extends"),
        "{stderr}"
    );

    let (code, stderr) = validate(&dir.path().join("absent.toml"));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("absent.toml") && stderr.contains("cannot read"),
        "{stderr}"
    );
}

#[test]
fn every_error_in_a_file_is_reported_not_just_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.toml");
    std::fs::write(
        &path,
        "[city]\nsocial_capital = 2.0\n[governance]\naudit = -1.0\n",
    )
    .unwrap();
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("city.social_capital") && stderr.contains("governance.audit"),
        "{stderr}"
    );
}

#[test]
fn bad_set_overrides_are_refused_with_the_argument_named() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let dir = tempfile::tempdir().unwrap();
    for (set, words) in [
        (
            "governance.pb_share=2",
            &[
                "--set governance.pb_share=2",
                "expected a share between 0 and 1",
            ][..],
        ),
        (
            "domains.wastee.need_rate=2",
            &["no domain is named `wastee`", "did you mean `waste`"][..],
        ),
        (
            "city.residentz=5",
            &["city.residentz", "did you mean `residents`"][..],
        ),
        ("novalue", &["expected KEY=VALUE"][..]),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_coserve"))
            .args(["run", scenario, "--set", set, "--out"])
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {stderr}");
        for w in words {
            assert!(stderr.contains(w), "{set}: `{w}` missing from {stderr}");
        }
        assert!(
            !dir.path().join("out").exists(),
            "{set}: nothing may be written"
        );
    }
}

/// A thread count rayon would ignore or that would start thousands of
/// threads is refused before anything runs; a good one runs.
#[test]
fn a_bad_thread_count_is_refused_with_the_range() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_coserve"))
            .args(["run", scenario, "--set", "city.residents=500", "--set"])
            .args(["run.ticks=3", "--set", "run.warmup=0", "--force", "--out"])
            .arg(dir.path().join("out"))
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap()
    };
    for threads in ["abc", "0", "-1", "1000000", ""] {
        let out = run(threads);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{threads:?}: {stderr}");
        assert!(
            stderr.contains(&format!("RAYON_NUM_THREADS={threads}:"))
                && stderr.contains("expected a whole number of threads from 1 to"),
            "{threads:?}: {stderr}"
        );
        assert!(
            !dir.path().join("out").exists(),
            "{threads:?}: nothing may be written"
        );
    }
    let out = run("2");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Another of coserve's files given where a scenario is expected is named,
/// with the command that reads it, not answered with a list of unknown keys.
#[test]
fn a_sweep_calibration_or_lab_file_run_as_a_scenario_says_what_it_is() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, said) in [
        (
            "scenarios/sweeps/pb_outreach.toml",
            "this is a sweep file, not a scenario: run it with `coserve sweep`",
        ),
        (
            "scenarios/calibration/fehr_gachter_2000.toml",
            "this is a calibration file, not a scenario: run it with `coserve calibrate`",
        ),
        (
            "scenarios/lab/fehr_gachter_2000_stranger_n.toml",
            "this is a lab experiment, not a scenario: play it with `coserve lab`",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_coserve"))
            .args(["run", root.join(file).to_str().unwrap(), "--out"])
            .arg(std::env::temp_dir().join("never-written"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(stderr.contains(said), "{file}: {stderr}");
        assert!(!stderr.contains("unknown key"), "{file}: {stderr}");
    }
}
