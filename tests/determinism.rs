//! Same scenario and seed: byte-identical outputs whatever the thread count.
//! Different seed: different outputs.

use coserve::Scenario;
use coserve::output::{self, RunOptions};
use std::fs;
use std::path::Path;

const SCENARIO: &str = r#"
[run]
ticks = 30
warmup = 10
seed = 11
[city]
residents = 60000
neighbourhoods = 9
[governance]
preset = "hybrid"
[[interventions]]
at = 10
budget_scale = 0.7
[[interventions]]
at = 20
preset = "participatory_budgeting"
"#;

fn run_with_threads(threads: usize, seed: u64, dir: &Path) {
    let mut scenario = Scenario::from_toml_str(SCENARIO, "determinism").unwrap();
    scenario.run.seed = seed;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let options = RunOptions {
        out: Some(dir.to_path_buf()),
        ..RunOptions::default()
    };
    pool.install(|| output::run_to_dir(scenario, &options, |_| {}))
        .unwrap();
}

fn manifest_without_timing(dir: &Path) -> serde_json::Value {
    let text = fs::read_to_string(dir.join("manifest.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json.as_object_mut()
        .unwrap()
        .remove("timing")
        .expect("manifest has timing");
    json
}

const TABLES: [&str; 4] = [
    "timeseries.csv",
    "neighbourhoods.csv",
    "quintiles.csv",
    "events.csv",
];

#[test]
fn one_and_four_threads_give_byte_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, four) = (tmp.path().join("one"), tmp.path().join("four"));
    run_with_threads(1, 11, &one);
    run_with_threads(4, 11, &four);
    for file in TABLES {
        let a = fs::read(one.join(file)).unwrap();
        let b = fs::read(four.join(file)).unwrap();
        assert!(!a.is_empty(), "{file} is empty");
        assert!(a == b, "{file} differs between 1 and 4 threads");
    }
    assert_eq!(
        manifest_without_timing(&one),
        manifest_without_timing(&four)
    );
    let events = fs::read_to_string(one.join("events.csv")).unwrap();
    assert!(
        events.contains("10,budget_scale = 0.7,budget_scale,1.0,0.7"),
        "{events}"
    );
}

#[test]
fn a_different_seed_gives_different_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_with_threads(2, 11, &a);
    run_with_threads(2, 12, &b);
    let ta = fs::read(a.join("timeseries.csv")).unwrap();
    let tb = fs::read(b.join("timeseries.csv")).unwrap();
    assert_ne!(ta, tb);
}
