//! The simulation thread: it plays and pauses on command, runs to a week,
//! and restarts from the scenario file when a student edits it, showing the
//! error instead while the file does not load.

use coserve_viz::runner::{Command, Runner};
use coserve_viz::snapshot::Snapshot;
use coserve_viz::workshop::Source;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

fn small_city(dir: &Path) -> Source {
    common::small_city(dir, &["city.residents=2000"])
}

/// Waits (up to 20 s, for a slow machine) until the snapshot satisfies `ok`.
fn wait_for(runner: &Runner, what: &str, ok: impl Fn(&Snapshot) -> bool) -> Arc<Snapshot> {
    let start = Instant::now();
    loop {
        let snap = runner.latest();
        if ok(&snap) {
            return snap;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}; last snapshot: week {}, playing {}, error {:?}, status {:?}",
            snap.tick,
            snap.playing,
            snap.error,
            snap.status
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn plays_pauses_steps_and_runs_to_a_week() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Runner::start(small_city(dir.path()), [None, None], 200.0).unwrap();
    let first = runner.latest();
    assert_eq!((first.tick, first.playing), (0, false));
    assert_eq!(first.sides.len(), 2);
    runner.send(Command::Step);
    wait_for(&runner, "one step", |s| s.tick == 1);
    runner.send(Command::TogglePlay);
    wait_for(&runner, "playing", |s| s.playing && s.tick > 3);
    runner.send(Command::TogglePlay);
    let paused = wait_for(&runner, "paused", |s| !s.playing);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        runner.latest().tick,
        paused.tick,
        "nothing runs while paused"
    );
    runner.send(Command::RunTo(paused.tick + 20));
    let there = wait_for(&runner, "week +20", |s| s.tick == paused.tick + 20);
    assert_eq!(there.sides[0].history.len(), there.tick as usize);

    // A room's round: play at the pace, then pause at its last week.
    runner.send(Command::PlayUntil(there.tick + 5));
    let ended = wait_for(&runner, "the round's end", |s| {
        s.tick == there.tick + 5 && !s.playing
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(runner.latest().tick, ended.tick, "paused after the round");
}

#[test]
fn an_edited_file_restarts_the_run_and_a_broken_one_shows_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let source = small_city(dir.path());
    let path = source.path.clone();
    let good = std::fs::read_to_string(&path).unwrap();
    let runner = Runner::start(source, [None, None], 10.0).unwrap();
    runner.send(Command::RunTo(3));
    let before = wait_for(&runner, "week 3", |s| s.tick == 3);
    assert_eq!(before.sides[0].grid.len(), 16);

    // A student's typo: the run on screen stays, the error is shown.
    std::fs::write(&path, good.replace("ses_mean = 0.5 ", "ses_mean = 5.0 ")).unwrap();
    let broken = wait_for(&runner, "the error", |s| s.error.is_some());
    let error = broken.error.as_deref().unwrap();
    assert!(error.contains("city.ses_mean"), "{error}");
    assert!(
        error.contains("city.toml:"),
        "names the file and line: {error}"
    );
    assert_eq!(broken.tick, 3, "the last good run stays on screen");
    assert_eq!(broken.generation, before.generation);

    // Fixed, with another change: the run restarts from the file.
    std::fs::write(
        &path,
        good.replace("neighbourhoods = 16 ", "neighbourhoods = 9 "),
    )
    .unwrap();
    let fixed = wait_for(&runner, "the reload", |s| {
        s.error.is_none() && s.sides[0].grid.len() == 9
    });
    assert_eq!(fixed.tick, 0);
    assert!(fixed.generation > before.generation);
    assert_eq!(fixed.status, "the scenario file changed: restarted from it");
}

#[test]
fn playing_stops_at_the_end_of_the_run_and_says_how_to_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = small_city(dir.path());
    source.overrides.push("run.ticks=10".into());
    source.overrides.push("run.warmup=0".into());
    let runner = Runner::start(source, [None, None], 500.0).unwrap();
    runner.send(Command::TogglePlay);
    let end = wait_for(&runner, "the end", |s| s.tick == 10 && !s.playing);
    assert_eq!(end.sides[1].history.len(), 10);
    runner.send(Command::TogglePlay);
    let told = wait_for(&runner, "the message", |s| !s.status.is_empty());
    assert_eq!(told.status, "the run has ended: R restarts it");
    assert!(!told.playing);
    runner.send(Command::Restart);
    let again = wait_for(&runner, "the restart", |s| s.tick == 0);
    assert_eq!(again.status, "restarted from week 0");
    assert!(again.generation > end.generation);
}
