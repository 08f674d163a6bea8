//! A workshop's live changes: recorded with their week, refused with a
//! reason when they cannot apply, and saved as scenario files that replay
//! each side exactly. No window needed.

use coserve::Scenario;
use coserve_viz::panels::{Target, intervention_buttons};
use coserve_viz::runner::Command;
use coserve_viz::snapshot::{DotState, Snapshot};
use coserve_viz::workshop::{Source, Workshop};
use std::path::Path;

mod common;

fn small_city(dir: &Path) -> Source {
    common::small_city(
        dir,
        &["city.residents=3000", "run.ticks=40", "run.warmup=0"],
    )
}

/// Applies a button's command to the workshop, as the runner would.
fn press(w: &mut Workshop, button: usize, target: Target) -> Result<String, String> {
    match intervention_buttons(&Snapshot::of(w), target)[button]
        .1
        .clone()
    {
        Command::Intervene { label, sides } => w.intervene(&label, &sides),
        other => panic!("a button should intervene, not {other:?}"),
    }
}

fn both(set: toml::Table) -> Vec<(usize, toml::Table)> {
    vec![(0, set.clone()), (1, set)]
}

#[test]
fn a_saved_session_replays_each_side_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = Workshop::open(small_city(dir.path())).unwrap();
    assert_eq!(w.regimes(), ["public", "co_created"]);
    for week in 0..40 {
        match week {
            // A regime brings its own knobs, budget included: before the cut.
            3 => {
                w.switch_regime(1, "participatory_budgeting").unwrap();
            }
            5 => assert_eq!(
                press(&mut w, 0, Target::Both).unwrap(),
                "week 5: budget cut by 30%"
            ),
            12 => {
                assert_eq!(
                    press(&mut w, 1, Target::Right).unwrap(),
                    "week 12: participatory budgeting launched (right side)"
                );
                press(&mut w, 2, Target::Both).unwrap();
            }
            20 => {
                press(&mut w, 3, Target::Left).unwrap();
            }
            25 => {
                press(&mut w, 0, Target::Right).unwrap();
            }
            _ => {}
        }
        w.step();
    }
    assert!(w.finished());
    assert_eq!(w.regimes(), ["public", "participatory_budgeting"]);
    let live = |side: usize| -> Vec<&str> {
        w.sides[side]
            .live
            .iter()
            .map(|iv| iv.label.as_str())
            .collect()
    };
    assert_eq!(
        live(0),
        [
            "budget cut by 30%",
            "reporting platform opened",
            "support withdrawn"
        ]
    );
    assert_eq!(
        live(1),
        [
            "switch to participatory_budgeting",
            "budget cut by 30%",
            "participatory budgeting launched",
            "reporting platform opened",
            "budget cut by 30%"
        ]
    );
    // Each side's cut is 30% of its own budget.
    assert_eq!(w.sides[0].sim.knobs().budget_scale, 0.7);
    assert_eq!(w.sides[1].sim.knobs().budget_scale, 0.7 * 0.7);

    let saved = w.save(None).unwrap();
    assert_eq!(
        common::file_names(&saved),
        ["city-session-1-left.toml", "city-session-1-right.toml"]
    );
    for (path, side) in saved.iter().zip(&w.sides) {
        let shown: Vec<String> = side.history.iter().map(|r| format!("{r:?}")).collect();
        assert_eq!(shown.len(), 40);
        assert_eq!(
            common::run_file(path),
            shown,
            "{} replays its side",
            path.display()
        );
    }
    let left = std::fs::read(&saved[0]).unwrap();
    assert_ne!(
        left,
        std::fs::read(&saved[1]).unwrap(),
        "the two sides are different runs"
    );

    // Saving again never overwrites: the next session gets the next number.
    let again = w.save(None).unwrap();
    assert!(again[0].ends_with("city-session-2-left.toml"), "{again:?}");
    assert_eq!(std::fs::read(&saved[0]).unwrap(), left);
}

#[test]
fn a_live_change_at_the_same_week_as_a_scheduled_one_replays_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = small_city(dir.path());
    // The file itself schedules a change at week 6.
    let mut text = std::fs::read_to_string(&source.path).unwrap();
    text += "\n[[interventions]]\nat = 6\nlabel = \"scheduled\"\nbudget_scale = 0.5\n";
    std::fs::write(&source.path, text).unwrap();
    source.overrides.push("governance.preset=hybrid".into());
    let mut w = Workshop::open(source).unwrap();
    for _ in 0..6 {
        w.step();
    }
    // Made before week 6 runs, so the scheduled halving applies after it.
    w.intervene(
        "live",
        &both(
            [("budget_scale".to_string(), toml::Value::Float(0.9))]
                .into_iter()
                .collect(),
        ),
    )
    .unwrap();
    while !w.finished() {
        w.step();
    }
    assert_eq!(w.sides[0].sim.knobs().budget_scale, 0.5);
    let saved = w.save(None).unwrap();
    let replayed = Scenario::load(&saved[0], &[]).unwrap();
    let labels: Vec<&str> = replayed
        .interventions
        .iter()
        .map(|iv| iv.label.as_str())
        .collect();
    assert_eq!(labels, ["live", "scheduled"]);
    let shown: Vec<String> = w.sides[0]
        .history
        .iter()
        .map(|r| format!("{r:?}"))
        .collect();
    assert_eq!(common::run_file(&saved[0]), shown);
}

#[test]
fn changes_that_cannot_apply_are_refused_with_a_reason_and_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = Workshop::open(small_city(dir.path())).unwrap();
    let f = toml::Value::Float;
    let refusals = [
        (
            vec![("pb_share", f(0.6)), ("org_funding_share", f(0.5))],
            "more than the whole budget",
        ),
        (
            vec![("budjet_scale", f(0.5))],
            "no knob is called budjet_scale",
        ),
        (vec![("pb_share", f(2.0))], "pb_share expected"),
    ];
    for (pairs, reason) in refusals {
        let set = pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let refused = w.intervene("a change", &both(set)).unwrap_err();
        assert!(refused.contains(reason), "{refused}");
    }
    let no_regime = w.switch_regime(0, "anarchy").unwrap_err();
    assert!(
        no_regime.contains("no regime is called anarchy"),
        "{no_regime}"
    );
    while !w.finished() {
        w.step();
    }
    let ended = press(&mut w, 0, Target::Both).unwrap_err();
    assert!(ended.contains("the run has ended"), "{ended}");
    assert!(w.sides.iter().all(|s| s.live.is_empty()));
    assert_eq!(w.sides[0].sim.knobs().budget_scale, 1.0);
}

#[test]
fn restart_keeps_the_regimes_and_forgets_live_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = Workshop::open(small_city(dir.path())).unwrap();
    w.step();
    w.switch_regime(0, "hybrid").unwrap();
    press(&mut w, 0, Target::Both).unwrap();
    w.step();
    let regimes = w.regimes();
    w.restart(&regimes).unwrap();
    assert_eq!(w.tick(), 0);
    assert_eq!(w.regimes(), ["hybrid", "co_created"]);
    assert!(
        w.sides
            .iter()
            .all(|s| s.live.is_empty() && s.history.is_empty())
    );
    let bad: Vec<String> = vec!["nonsense".into(), "public".into()];
    assert!(w.restart(&bad).is_err());
    assert_eq!(
        w.regimes(),
        ["hybrid", "co_created"],
        "a failed restart changes nothing"
    );
}

#[test]
fn each_side_can_start_with_a_chosen_regime() {
    let dir = tempfile::tempdir().unwrap();
    let source = small_city(dir.path());
    let w = Workshop::open_with(source.clone(), [Some("hybrid"), Some("platform")]).unwrap();
    assert_eq!(w.regimes(), ["hybrid", "platform"]);
    let w = Workshop::open_with(source.clone(), [Some("co_created"), None]).unwrap();
    assert_eq!(
        w.regimes(),
        ["co_created", "public"],
        "the right side contrasts"
    );
    let unknown = Workshop::open_with(source, [None, Some("anarchy")])
        .err()
        .unwrap();
    assert!(
        unknown.starts_with("no regime is called anarchy; the regimes are: public, co_created"),
        "{unknown}"
    );
}

#[test]
fn the_snapshot_samples_residents_and_shows_who_volunteers() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = Workshop::open(small_city(dir.path())).unwrap();
    for _ in 0..10 {
        w.step();
    }
    let snap = Snapshot::of(&w);
    assert_eq!(snap.tick, 10);
    for side in &snap.sides {
        assert_eq!(side.dots.len(), 3000, "every resident of a small city");
        assert_eq!(side.hoods.len(), side.grid.len());
        assert_eq!(side.history.len(), 10);
    }
    let volunteering = |side: usize| {
        snap.sides[side]
            .dots
            .iter()
            .filter(|d| d.state == DotState::Volunteering)
            .count()
    };
    assert_eq!(
        volunteering(0),
        0,
        "nobody volunteers in the public service"
    );
    assert!(
        volunteering(1) > 30,
        "{} volunteer when co-created",
        volunteering(1)
    );
    let waiting = snap.sides[0]
        .dots
        .iter()
        .filter(|d| d.state == DotState::Waiting)
        .count();
    assert!(waiting > 0 && waiting < 3000, "{waiting}");
}

#[test]
fn the_prepared_workshop_story_loads_with_its_two_changes() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/workshop/budget_cut_then_pb.toml");
    let w = Workshop::open(Source {
        path,
        overrides: Vec::new(),
    })
    .unwrap();
    assert_eq!(w.regimes(), ["public", "co_created"]);
    let scenario = w.sides[0].session_scenario();
    let changes: Vec<(u32, &str)> = scenario
        .interventions
        .iter()
        .map(|iv| (iv.at, iv.label.as_str()))
        .collect();
    assert_eq!(
        changes,
        [
            (52, "budget cut by 30%"),
            (104, "participatory budgeting launched")
        ]
    );
    assert_eq!(scenario.knobs_at(60).budget_scale, 0.7);
}
