//! Mistakes on the command line or in the scenario stop coserve-viz before
//! a window opens, with a message that says what is wrong. No display needed.

use std::path::Path;
use std::process::Command;

fn viz(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_coserve-viz"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_arguments_and_bad_scenarios_are_explained() {
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/baseline.toml");
    let baseline = baseline.to_str().unwrap();

    let help = Command::new(env!("CARGO_BIN_EXE_coserve-viz"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--left REGIME"));

    let (ok, err) = viz(&[]);
    assert!(!ok);
    assert!(err.starts_with("usage: coserve-viz SCENARIO"), "{err}");

    let (ok, err) = viz(&[baseline, "--right", "anarchy"]);
    assert!(!ok);
    assert!(err.contains("no regime is called anarchy"), "{err}");

    let (ok, err) = viz(&[baseline, "--weeks-per-second", "fast"]);
    assert!(!ok);
    assert!(err.contains("--weeks-per-second needs a number"), "{err}");

    let (ok, err) = viz(&[baseline, "--set", "city.residents=-5"]);
    assert!(!ok);
    assert!(err.contains("city.residents"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "[city]\nresidnets = 5000\n").unwrap();
    let (ok, err) = viz(&[typo.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("typo.toml:2"),
        "names the file and line: {err}"
    );
    assert!(err.contains("residents"), "suggests the key: {err}");
}
