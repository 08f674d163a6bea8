//! The visualizer opens a real window, runs N weeks, saves a screenshot
//! through bevy's screenshot API and exits 0. Needs a display: `.ci/run`
//! runs this under Xvfb with Mesa's software Vulkan; without a display the
//! test skips with a message.

use std::path::Path;
use std::process::Command;

/// The grid, then Boston's 506 tracts drawn as the real map. One after the
/// other: two windows at once on one virtual display can leave one blank.
#[test]
fn screenshot_after_ticks_is_a_full_window_that_is_not_blank() {
    shot_is_a_full_window_that_is_not_blank("../scenarios/baseline.toml");
    shot_is_a_full_window_that_is_not_blank("../scenarios/cities/boston.toml");
}

fn shot_is_a_full_window_that_is_not_blank(file: &str) {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!("skipped: no display (run under xvfb-run)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("city.png");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let out = Command::new(env!("CARGO_BIN_EXE_coserve-viz"))
        .arg(&scenario)
        .args(["--set", "city.residents=20000", "--screenshot"])
        .arg(&shot)
        .args(["--after-ticks", "30"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "coserve-viz failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1600, 900), "the window's size");
    let colours: std::collections::HashSet<&[u8]> = pixels.chunks(3).collect();
    assert!(
        colours.len() > 50,
        "not blank: {} distinct colours",
        colours.len()
    );
}
