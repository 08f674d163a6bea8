//! What the visualizer's tests share.

use coserve::{Scenario, Simulation};
use coserve_viz::workshop::Source;
use std::path::Path;

/// A copy of the baseline scenario in `dir` (so saves and edits stay
/// there), run with `overrides` to keep it small.
pub fn small_city(dir: &Path, overrides: &[&str]) -> Source {
    let path = dir.join("city.toml");
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/baseline.toml");
    std::fs::copy(baseline, &path).unwrap();
    Source {
        path,
        overrides: overrides.iter().map(|s| s.to_string()).collect(),
    }
}

/// The city rows of a whole run of a saved scenario file, as `coserve run`
/// would compute them, for comparing with what a side showed.
#[allow(dead_code)] // not every test file replays
pub fn run_file(path: &Path) -> Vec<String> {
    run(Scenario::load(path, &[]).unwrap_or_else(|e| panic!("{e}")))
}

/// The city rows of a whole run of `scenario`.
#[allow(dead_code)]
pub fn run(scenario: Scenario) -> Vec<String> {
    let mut sim = Simulation::new(scenario);
    let mut rows = Vec::new();
    while !sim.finished() {
        rows.push(format!("{:?}", sim.step().city));
    }
    rows
}

/// The file names of `paths`, for comparing what a save wrote.
#[allow(dead_code)]
pub fn file_names(paths: &[std::path::PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}
