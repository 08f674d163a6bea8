//! Lab mode: the public-goods game played with the city's own rules.

use coserve::lab::{self, Player};
use coserve::model::CooperationType;
use coserve::scenario::{Experiment, Matching};
use coserve::{Scenario, Simulation};
use std::fs;
use std::path::Path;

mod common;
use common::coserve;

/// Fehr & Gächter 2000 (AER 90:980), stranger treatment, mean contribution
/// per period in tokens of 20 (MODEL.md "Lab mode").
const FG_N: [f64; 10] = [6.5, 4.9, 6.5, 5.8, 5.5, 4.5, 4.7, 2.9, 3.5, 2.0];
const FG_P: [f64; 10] = [7.7, 9.5, 9.9, 10.5, 10.2, 10.3, 11.7, 12.4, 12.7, 13.2];

fn shipped(name: &str) -> Experiment {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/lab/{name}.toml"));
    Experiment::load(&path, &[]).unwrap()
}

#[test]
fn players_are_the_residents_a_city_with_the_same_seed_draws() {
    let text =
        "[run]\nticks = 1\nwarmup = 0\nseed = 7\n[city]\nresidents = 500\nneighbourhoods = 1\n";
    let scenario = Scenario::from_toml_str(text, "one").unwrap();
    let b = scenario.behaviour.clone();
    let sim = Simulation::new(scenario);
    let traits = &sim.residents().traits;
    for (i, &t) in traits.iter().enumerate() {
        assert_eq!(
            Player::draw(7, i as u64, &b).kind,
            CooperationType::from_bits(t),
            "resident {i}"
        );
    }
}

/// With the default [behaviour], the residents' rules reproduce the
/// experiment's direction: contributions decay without punishment and hold
/// at least three times as high with it by the last period. How close the
/// series come (RMSE) is measured and printed, not yet within the 0.06 of
/// the endowment issue #15 asks for (docs/model.md, "Lab mode").
#[test]
fn fehr_gachter_2000_decay_without_punishment_and_cooperation_with_it() {
    let n = lab::play(&shipped("fehr_gachter_2000_stranger_n"));
    let p = lab::play(&shipped("fehr_gachter_2000_stranger_p"));
    let share = |tokens: &[f64; 10]| tokens.map(|t| t / 20.0);
    let (rmse_n, rmse_p) = (lab::rmse(&n, &share(&FG_N)), lab::rmse(&p, &share(&FG_P)));
    println!("RMSE against Fehr & Gächter 2000: no punishment {rmse_n:.3}, punishment {rmse_p:.3}");
    assert_eq!((n.len(), p.len()), (10, 10));
    assert!(
        n[9].mean_contribution < 0.5 * n[0].mean_contribution,
        "decay: {n:?}"
    );
    assert!(
        p[9].mean_contribution > p[0].mean_contribution,
        "punishment sustains: {p:?}"
    );
    let ratio = p[9].mean_contribution / n[9].mean_contribution;
    assert!(ratio >= 3.0, "last-period ratio P/N {ratio}");
    // Round 1 is before any punishment: the two treatments start alike.
    assert_eq!(n[0].mean_contribution, p[0].mean_contribution);
    // First-period level within the experiment's (6.5 and 7.7 of 20).
    assert!(
        (0.25..0.45).contains(&n[0].mean_contribution),
        "{}",
        n[0].mean_contribution
    );
    // Free riders give nothing without sanctions, something with them.
    assert_eq!(n[5].mean_contribution_free_rider, 0.0);
    assert!(p[5].mean_contribution_free_rider > 0.0);
}

/// With the three rules lab mode fits (partial belief updating, sanctions
/// that grow credible), both series come within the 0.06 of the endowment
/// MODEL.md's docking asks for, and the last-period ratio stays above 3.
#[test]
fn the_fitted_rules_dock_with_fehr_gachter_2000_within_0_06() {
    let n = lab::play(&shipped("fehr_gachter_2000_stranger_n_fitted"));
    let p = lab::play(&shipped("fehr_gachter_2000_stranger_p_fitted"));
    let share = |tokens: &[f64; 10]| tokens.map(|t| t / 20.0);
    let (rmse_n, rmse_p) = (lab::rmse(&n, &share(&FG_N)), lab::rmse(&p, &share(&FG_P)));
    println!("fitted RMSE: no punishment {rmse_n:.3}, punishment {rmse_p:.3}");
    assert!(rmse_n <= 0.06 && rmse_p <= 0.06, "{rmse_n:.3}, {rmse_p:.3}");
    let ratio = p[9].mean_contribution / n[9].mean_contribution;
    assert!(ratio >= 3.0, "last-period ratio P/N {ratio}");
    // Contributions under punishment rise period by period, as observed.
    assert!(
        p.windows(2)
            .skip(1)
            .all(|w| w[1].mean_contribution > w[0].mean_contribution)
    );
}

/// `lab::COLUMNS` are rounds.csv's columns, and `RoundRow::column` reads
/// each of them: what calibration targets name.
#[test]
fn every_rounds_column_can_be_read_by_name() {
    let rows = lab::play(&shipped("fehr_gachter_2000_stranger_p"));
    let row = serde_json::to_value(&rows[3]).unwrap();
    let names: Vec<&str> = row
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names[0], "round");
    assert_eq!(&names[1..], lab::COLUMNS);
    for name in lab::COLUMNS {
        assert_eq!(rows[3].column(name), row[*name].as_f64(), "{name}");
    }
    assert_eq!(rows[3].column("round"), None);
}

#[test]
fn matching_and_seed_change_the_game_and_nothing_else_does() {
    let mut e = shipped("fehr_gachter_2000_stranger_n");
    let stranger = lab::play(&e);
    assert_eq!(stranger, lab::play(&e), "same seed, same game");
    e.game.matching = Matching::Partner;
    assert_ne!(stranger, lab::play(&e), "partners see their own group");
    e.game.matching = Matching::Stranger;
    e.game.seed = 2;
    assert_ne!(stranger, lab::play(&e));
}

#[test]
fn the_command_writes_rounds_and_a_manifest_and_refuses_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/lab/fehr_gachter_2000_stranger_p.toml");
    let file = file.to_str().unwrap();
    let out = coserve(&["lab", file, "--set", "game.groups=50", "--out", "l"], d);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rounds = fs::read_to_string(d.join("l/rounds.csv")).unwrap();
    assert_eq!(rounds.lines().count(), 11, "a header and ten rounds");
    assert!(rounds.starts_with("round,mean_contribution,sd_contribution,share_zero,share_full,mean_belief,mean_contribution_conditional,mean_contribution_free_rider,mean_contribution_hump_shaped,mean_contribution_other\n"));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("l/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["kind"], "lab");
    assert_eq!(manifest["experiment"]["game"]["groups"], 50);
    assert_eq!(manifest["experiment"]["game"]["matching"], "stranger");
    // Same command again: refused without --force, replaced with it, same bytes.
    let again = coserve(&["lab", file, "--set", "game.groups=50", "--out", "l"], d);
    assert_eq!(again.status.code(), Some(2));
    let forced = coserve(
        &[
            "lab",
            file,
            "--set",
            "game.groups=50",
            "--out",
            "l",
            "--force",
        ],
        d,
    );
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(fs::read_to_string(d.join("l/rounds.csv")).unwrap(), rounds);

    for (text, expect) in [
        ("[game]\ngroup_size = 1\n", ":2:1: key `game.group_size`"),
        ("[game]\nmatching = \"strnger\"\n", "game"),
        ("[game]\nrondus = 3\n", "did you mean `rounds`"),
        ("[run]\nticks = 3\n", "needs a [game] section"),
        ("[game]\nmpcr = 1.5\n", "key `game.mpcr`"),
    ] {
        fs::write(d.join("bad.toml"), text).unwrap();
        let bad = coserve(&["lab", "bad.toml", "--out", "b"], d);
        let err = String::from_utf8_lossy(&bad.stderr).into_owned();
        assert_eq!(bad.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(expect), "{text}: {err}");
        assert!(!d.join("b").exists());
    }
}
