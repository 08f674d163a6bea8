//! What the visualizer's tests share.

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
