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

    for (bind, says) in [
        (
            "nowhere",
            "needs an IP address and port such as 0.0.0.0:8765, not nowhere",
        ),
        ("--play", "--room-bind needs an ADDRESS:PORT"),
        ("224.0.0.1:8765", "a multicast or broadcast address"),
        ("255.255.255.255:8765", "a multicast or broadcast address"),
    ] {
        let (ok, err) = viz(&[baseline, "--room-bind", bind]);
        assert!(!ok);
        assert!(err.contains(says), "{bind}: {err}");
    }
    // A port in use is said before any window opens.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let (ok, err) = viz(&[baseline, "--room-bind", &port]);
    assert!(!ok);
    assert!(
        err.contains(&format!("cannot start the room at {port}")) && err.contains("--room-bind"),
        "{err}"
    );

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
