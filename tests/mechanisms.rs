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
            // monitoring_cost is compared with contracting alone.
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
        "one change per knob (monitoring_cost with contracting)"
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
