//! Every governance knob reaches the model, and organizations innovate.

use coserve::metrics::CityRow;
use coserve::{Scenario, Simulation};
use rayon::prelude::*;
use std::path::Path;

fn rows(set: &[&str]) -> Vec<CityRow> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let mut overrides = vec![
        "city.residents=6000".to_string(),
        "run.ticks=60".into(),
        "run.budget_cycle=20".into(),
    ];
    overrides.extend(set.iter().map(|s| s.to_string()));
    let mut sim = Simulation::new(Scenario::load(Path::new(path), &overrides).unwrap());
    let mut out = Vec::new();
    while !sim.finished() {
        out.push(sim.step().city);
    }
    out
}

/// All PB money to the first neighbourhood's first domain: the baseline
/// city's 16 neighbourhoods x 4 domains.
const ONE_CELL_VOTE: &str = "governance.pb_allocation=[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]";

/// People's PB votes (`pb_allocation`) move PB money to the cells they
/// weight, from the week an intervention sets them, and make none: total
/// spending is what the assembly's allocation spends.
#[test]
fn voted_pb_money_goes_where_the_votes_say_and_is_not_made() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/participatory_budgeting.toml"
    );
    let spend = |set: &[&str]| {
        let mut overrides = vec![
            "city.residents=6000".to_string(),
            "run.ticks=40".into(),
            "run.warmup=0".into(),
        ];
        overrides.extend(set.iter().map(|s| s.to_string()));
        let mut sim = Simulation::new(Scenario::load(Path::new(path), &overrides).unwrap());
        let mut weeks = Vec::new();
        while !sim.finished() {
            let hoods = sim.step().neighbourhoods;
            weeks.push(hoods.iter().map(|h| h.public_spend).collect::<Vec<f64>>());
        }
        (weeks, sim.events().to_vec())
    };
    let (assembly, _) = spend(&[]);
    let (voted, _) = spend(&[ONE_CELL_VOTE]);
    for (a, v) in assembly.iter().zip(&voted).skip(1) {
        let total = |w: &[f64]| w.iter().sum::<f64>();
        assert!(
            (total(a) - total(v)).abs() < 1e-6 * total(a),
            "{} vs {}",
            total(a),
            total(v)
        );
        assert!(
            v[0] > a[0],
            "the voted neighbourhood gets more: {} vs {}",
            v[0],
            a[0]
        );
        assert!(
            v[1..].iter().zip(&a[1..]).all(|(v, a)| v < a),
            "the others less"
        );
    }
    // Set by an intervention at week 20: the same as the assembly before it.
    let file = format!(
        "extends = \"{path}\"\n[[interventions]]\nat = 20\nlabel = \"the room voted\"\n{}\n",
        ONE_CELL_VOTE.trim_start_matches("governance.")
    );
    let dir = tempfile::tempdir().unwrap();
    let later = dir.path().join("later.toml");
    std::fs::write(&later, file).unwrap();
    let mut sim = Simulation::new(
        Scenario::load(
            &later,
            &[
                "city.residents=6000".into(),
                "run.ticks=40".into(),
                "run.warmup=0".into(),
            ],
        )
        .unwrap(),
    );
    let mut weeks = Vec::new();
    while !sim.finished() {
        weeks.push(
            sim.step()
                .neighbourhoods
                .iter()
                .map(|h| h.public_spend)
                .collect::<Vec<f64>>(),
        );
    }
    assert_eq!(weeks[..20], assembly[..20]);
    assert!(weeks[25][0] > assembly[25][0]);
    let event = &sim.events()[0];
    assert_eq!((event.tick, event.label.as_str()), (20, "the room voted"));
    assert_eq!(event.changes[0].knob, "pb_allocation");
    assert_eq!(event.changes[0].before, "[]");
}

#[test]
fn every_knob_changes_the_outcome() {
    let hybrid = "governance.preset=hybrid";
    let base = rows(&[hybrid]);
    let changes: &[&[&str]] = &[
        &["governance.decision_rights=residents"],
        &["governance.allocation=vote"],
        &["governance.floor=0.0"],
        &["governance.org_funding_share=0.3"],
        &["governance.pb_share=0.2"],
        &["governance.devolved_share=0.2"],
        &["governance.channel=platform"],
        &["governance.outreach=0.0"],
        &["governance.audit=1.0"],
        &["governance.peer_sanctions=1.0"],
        &["governance.antisocial_share=0.8"],
        &["governance.contract_price=0.9"],
        &[
            "governance.contract_price=0.9",
            "governance.monitoring_cost=0.3",
        ],
        &["governance.pb_share=0.2", ONE_CELL_VOTE],
        &["governance.coordination=1.0"],
        &["governance.lag=10"],
        &["governance.volunteer_input=false"],
        &["governance.budget_scale=0.5"],
    ];
    let unchanged: Vec<String> = changes
        .par_iter()
        .filter_map(|set| {
            let mut all = vec![hybrid];
            all.extend_from_slice(set);
            // monitoring_cost is compared with contracting alone, and
            // pb_allocation with PB alone.
            let reference = if set.len() == 2 {
                rows(&[hybrid, set[0]])
            } else {
                base.clone()
            };
            (rows(&all) == reference).then(|| set.join(" "))
        })
        .collect();
    assert!(
        unchanged.is_empty(),
        "these knobs changed nothing: {unchanged:?}"
    );
    assert_eq!(
        changes.len(),
        coserve::governance::KNOBS.len(),
        "one change per knob (monitoring_cost with contracting, pb_allocation with PB)"
    );
}

#[test]
fn organizations_innovate_with_diversity_and_autonomy_and_the_agency_adopts_some() {
    let end = |set: &[&str]| {
        let mut all = vec!["run.ticks=156"];
        all.extend_from_slice(set);
        let r = rows(&all);
        let last = r.last().unwrap().clone();
        (last.innovations_found, last.innovations_adopted)
    };
    let (public_found, _) = end(&["governance.preset=public"]);
    assert_eq!(public_found, 0, "no volunteers, no community innovation");
    let (found, adopted) = end(&[
        "governance.preset=participatory_budgeting",
        "city.residents=30000",
    ]);
    assert!(found >= 3, "innovations found: {found}");
    assert!(
        adopted >= 1 && adopted <= found,
        "adopted {adopted} of {found}"
    );
    let (agency_found, _) = end(&[
        "governance.preset=participatory_budgeting",
        "city.residents=30000",
        "governance.decision_rights=agency",
        "governance.pb_share=0.0",
    ]);
    assert!(
        agency_found < found,
        "less autonomy, fewer innovations: {agency_found} vs {found}"
    );
}
