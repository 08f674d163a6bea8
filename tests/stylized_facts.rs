//! The twelve stylized facts of MODEL.md, each run over ten seeds on a
//! scenario in scenarios/validation/ (commented with its sources). Tests set
//! only knobs a researcher would set; the model's defaults do the rest.

use coserve::metrics::CityRow;
use coserve::{Scenario, Simulation};
use rayon::prelude::*;
use std::path::Path;

const SEEDS: u64 = 10;

fn validation(file: &str) -> String {
    format!("{}/scenarios/validation/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// The city rows of one run of `file` with `set` overrides and `seed`.
fn run(file: &str, set: &[&str], seed: u64) -> Vec<CityRow> {
    let mut overrides: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    overrides.push(format!("run.seed={seed}"));
    let scenario = Scenario::load(Path::new(&validation(file)), &overrides)
        .expect("validation scenarios load");
    let mut sim = Simulation::new(scenario);
    let mut rows = Vec::new();
    while !sim.finished() {
        rows.push(sim.step().city);
    }
    rows
}

/// `statistic` of each seed's run, averaged over the seeds.
fn over_seeds(file: &str, set: &[&str], statistic: impl Fn(&[CityRow]) -> f64 + Sync) -> f64 {
    let values: Vec<f64> = (1..=SEEDS)
        .into_par_iter()
        .map(|seed| statistic(&run(file, set, seed)))
        .collect();
    values.iter().sum::<f64>() / values.len() as f64
}

/// Mean of `metric` over ticks `from..to` (finite values only).
fn mean(rows: &[CityRow], from: usize, to: usize, metric: impl Fn(&CityRow) -> f64) -> f64 {
    let xs: Vec<f64> = rows[from..to.min(rows.len())]
        .iter()
        .map(metric)
        .filter(|x| x.is_finite())
        .collect();
    xs.iter().sum::<f64>() / xs.len() as f64
}

#[test]
fn fact_1_voluntary_effort_decays_without_sanctions() {
    let start = over_seeds("decay.toml", &[], |r| r[0].effort_share);
    let round_10 = over_seeds("decay.toml", &[], |r| r[10].effort_share);
    eprintln!("effort starts at {start:.3}");
    assert!((0.4..=0.6).contains(&start), "effort starts at {start:.3}");
    assert!(
        round_10 < start / 2.0,
        "after 10 rounds {round_10:.3}, start {start:.3}"
    );
    eprintln!("after 10 rounds {round_10:.3}, start {start:.3}");
}

#[test]
fn fact_2_sanctions_reverse_decay_and_antisocial_punishment_removes_the_gain() {
    let without = over_seeds("decay.toml", &[], |r| r.last().unwrap().effort_share);
    let start = over_seeds("sanctions.toml", &[], |r| r[0].effort_share);
    let end = over_seeds("sanctions.toml", &[], |r| r.last().unwrap().effort_share);
    assert!(
        end > start,
        "effort rises with sanctions: {start:.3} -> {end:.3}"
    );
    eprintln!("effort rises with sanctions: {start:.3} -> {end:.3}");
    assert!(
        end >= 2.0 * without,
        "with sanctions {end:.3}, without {without:.3}"
    );
    eprintln!("with sanctions {end:.3}, without {without:.3}");
    let antisocial = over_seeds(
        "sanctions.toml",
        &["governance.antisocial_share=0.5"],
        |r| r.last().unwrap().effort_share,
    );
    assert!(
        antisocial < 2.0 * without,
        "antisocial punishment leaves {antisocial:.3} (no sanctions {without:.3})"
    );
    eprintln!("antisocial punishment leaves {antisocial:.3} (no sanctions {without:.3})");
    assert!(
        antisocial < end - 0.2,
        "the gain is gone: {antisocial:.3} vs {end:.3}"
    );
    eprintln!("the gain is gone: {antisocial:.3} vs {end:.3}");
}

#[test]
fn fact_3_deliberation_raises_effort_more_in_larger_groups() {
    let effort = |set: &[&str]| {
        over_seeds("deliberation.toml", set, |r| {
            mean(r, 26, 52, |c| c.effort_share)
        })
    };
    let large_gain = effort(&[]) - effort(&["governance.channel=counter"]);
    let small = "city.neighbourhoods=400";
    let small_gain = effort(&[small]) - effort(&[small, "governance.channel=counter"]);
    assert!(
        large_gain > 0.2,
        "clear margin in groups of about 1,250 residents: {large_gain:.3}"
    );
    eprintln!("clear margin in groups of about 1,250 residents: {large_gain:.3}");
    assert!(
        small_gain > 0.0,
        "still positive in groups of about 50: {small_gain:.3}"
    );
    eprintln!("still positive in groups of about 50: {small_gain:.3}");
    assert!(
        large_gain > small_gain + 0.1,
        "larger groups gain more: {large_gain:.3} vs {small_gain:.3}"
    );
    eprintln!("larger groups gain more: {large_gain:.3} vs {small_gain:.3}");
}

#[test]
fn fact_4_grants_crowd_out_private_giving_but_provision_rises() {
    let money = |share: &str, f: fn(&CityRow) -> f64| {
        over_seeds("crowding_out.toml", &[share], move |r| mean(r, 0, 52, f))
    };
    let (low, high) = (
        "governance.org_funding_share=0.002",
        "governance.org_funding_share=0.004",
    );
    let extra_grants = money(high, |c| c.org_grants) - money(low, |c| c.org_grants);
    let lost_donations = money(low, |c| c.org_donations) - money(high, |c| c.org_donations);
    let crowd_out = lost_donations / extra_grants;
    eprintln!("crowd-out {crowd_out:.3}");
    assert!((0.5..=0.8).contains(&crowd_out), "crowd-out {crowd_out:.3}");
    let total = |c: &CityRow| c.org_grants + c.org_fundraising + c.org_donations;
    assert!(
        money(high, total) > money(low, total),
        "total provision rises"
    );
    eprintln!("total provision rises");
}

#[test]
fn fact_5_participation_rises_with_ses_and_the_complaint_trap() {
    let ratio = over_seeds("participation_skew.toml", &[], |r| {
        mean(r, 156, 208, |c| c.participation_ratio)
    });
    eprintln!("top/bottom participation {ratio:.2}");
    assert!(
        (2.0..=5.0).contains(&ratio),
        "top/bottom participation {ratio:.2}"
    );

    let gap = |set: &[&str], from: usize, to: usize| {
        over_seeds("participation_skew.toml", set, move |r| {
            mean(r, from, to, |c| c.access_gap)
        })
    };
    let public = ["governance.preset=public"];
    let (public_early, public_late) = (gap(&public, 0, 52), gap(&public, 156, 208));
    assert!(
        public_late > public_early + 0.05,
        "public, reports first: gap {public_early:.3} -> {public_late:.3}"
    );
    eprintln!("public, reports first: gap {public_early:.3} -> {public_late:.3}");
    let platform = gap(&["governance.preset=platform"], 156, 208);
    assert!(
        platform > public_late,
        "a platform widens it further: {platform:.3} vs {public_late:.3}"
    );
    eprintln!("a platform widens it further: {platform:.3} vs {public_late:.3}");
    let hybrid = gap(&["governance.preset=hybrid"], 156, 208);
    let hybrid_no_outreach = gap(
        &["governance.preset=hybrid", "governance.outreach=0.0"],
        156,
        208,
    );
    assert!(
        hybrid < hybrid_no_outreach,
        "outreach narrows it: {hybrid:.3} vs {hybrid_no_outreach:.3}"
    );
    eprintln!("outreach narrows it: {hybrid:.3} vs {hybrid_no_outreach:.3}");
    assert!(
        hybrid < public_late,
        "hybrid with outreach beats the complaint trap: {hybrid:.3} vs {public_late:.3}"
    );
    eprintln!("hybrid with outreach beats the complaint trap: {hybrid:.3} vs {public_late:.3}");
}

#[test]
fn fact_6_participatory_budgeting_is_progressive_and_collapses_without_support() {
    let concentration = over_seeds("participatory_budgeting.toml", &[], |r| {
        mean(r, 0, 104, |c| c.investment_concentration)
    });
    eprintln!("investment concentration index {concentration:.3}");
    assert!(
        concentration < 0.0,
        "investment concentration index {concentration:.3}"
    );
    let before = over_seeds("participatory_budgeting.toml", &[], |r| {
        mean(r, 52, 104, |c| c.participation_rate)
    });
    let after = over_seeds("participatory_budgeting.toml", &[], |r| {
        mean(r, 156, 208, |c| c.participation_rate)
    });
    assert!(
        after < 0.5 * before,
        "participation {before:.3} before withdrawal, {after:.3} a year after"
    );
    eprintln!("participation {before:.3} before withdrawal, {after:.3} a year after");
}

#[test]
fn fact_7_audits_cut_leakage_grassroots_monitoring_a_little() {
    let leakage = |set: &[&str]| {
        over_seeds("accountability.toml", set, |r| {
            mean(r, 0, 52, |c| c.leakage_share)
        })
    };
    let low = leakage(&[]);
    let high = leakage(&["governance.audit=1.0"]);
    eprintln!("leakage share: audit 4% {low:.3}, 100% {high:.3}");
    assert!(
        low - high >= 0.05,
        "audit 4% -> 100% cuts leakage {:.1} points",
        100.0 * (low - high)
    );
    eprintln!(
        "audit 4% -> 100% cuts leakage {:.1} points",
        100.0 * (low - high)
    );
    let with_volunteers = leakage(&["governance.preset=co_created", "governance.audit=0.04"]);
    let cut = low - with_volunteers;
    assert!(
        cut > 0.0 && cut < 0.02,
        "grassroots monitoring alone cuts {:.2} points",
        100.0 * cut
    );
    eprintln!("grassroots monitoring alone cuts {:.2} points", 100.0 * cut);
}

#[test]
fn fact_8_trust_is_asymmetric_higher_with_a_say_and_settles_near_045() {
    let b = coserve::scenario::Behaviour::default();
    let threshold = b.satisfaction_threshold;
    let up = coserve::model::behaviour::updated_trust(&b, 0.45, threshold + 0.2, 0.45, 0.0) - 0.45;
    let down =
        0.45 - coserve::model::behaviour::updated_trust(&b, 0.45, threshold - 0.2, 0.45, 0.0);
    assert!(
        down > 2.0 * up && up > 0.0,
        "a failure costs {down:.4}, a success adds {up:.4}"
    );
    eprintln!("a failure costs {down:.4}, a success adds {up:.4}");

    let baseline = over_seeds("trust.toml", &[], |r| mean(r, 156, 208, |c| c.trust));
    assert!(
        (baseline - 0.45).abs() < 0.05,
        "baseline trust settles at {baseline:.3}"
    );
    eprintln!("baseline trust settles at {baseline:.3}");
    let co = ["governance.preset=co_created"];
    let gap = over_seeds("trust.toml", &co, |r| {
        mean(r, 156, 208, |c| {
            c.trust_participants - c.trust_non_participants
        })
    });
    assert!(gap > 0.03, "participants trust more by {gap:.3}");
    eprintln!("participants trust more by {gap:.3}");
    let retention = over_seeds("trust.toml", &co, |r| {
        mean(r, 52, 208, |c| c.volunteer_retention)
    });
    assert!(
        (0.6..=0.7).contains(&retention),
        "annual volunteer retention {retention:.3} (35% lost a year)"
    );
    eprintln!("annual volunteer retention {retention:.3} (35% lost a year)");
}

/// Mean coverage over weeks 52-156 under `preset` in `file` with `set`.
fn coverage(file: &str, preset: &str, set: &[String]) -> f64 {
    let mut all: Vec<String> = set.to_vec();
    all.push(format!("governance.preset={preset}"));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    over_seeds(file, &refs, |r| mean(r, 52, 156, |c| c.coverage))
}

/// The city conditions of fact 9: social capital, SES inequality, every
/// domain's alpha (need for professional skill) and the budget, each low
/// and high.
fn conditions() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for sc in [0.15, 0.8] {
        for spread in [0.05, 0.3] {
            for alpha in [0.35, 0.8] {
                for budget in [0.7, 1.4] {
                    let mut set = vec![
                        format!("city.social_capital={sc}"),
                        format!("city.ses_spread_between={spread}"),
                        format!("governance.budget_scale={budget}"),
                    ];
                    for d in ["pet_care", "waste", "green_space", "safety"] {
                        set.push(format!("domains.{d}.alpha={alpha}"));
                    }
                    let name = format!("sc {sc}, spread {spread}, alpha {alpha}, budget {budget}");
                    out.push((name, set));
                }
            }
        }
    }
    out
}

#[test]
fn fact_9_no_regime_wins_everywhere() {
    let file = "no_regime_wins.toml";
    let regimes = ["public", "co_created", "hybrid"];
    let mut firsts = [0usize; 3];
    // (social capital, alpha) -> co_created minus public, averaged over the rest.
    let mut advantage = std::collections::BTreeMap::<(String, String), Vec<f64>>::new();
    for (name, set) in conditions() {
        let c: Vec<f64> = regimes.iter().map(|r| coverage(file, r, &set)).collect();
        let best = (0..3).max_by(|&a, &b| c[a].total_cmp(&c[b])).unwrap();
        firsts[best] += 1;
        eprintln!(
            "{name}: public {:.3}, co_created {:.3}, hybrid {:.3} -> {}",
            c[0], c[1], c[2], regimes[best]
        );
        let key = (set[0].clone(), set[3].clone());
        advantage.entry(key).or_default().push(c[1] - c[0]);
    }
    for (regime, wins) in regimes.iter().zip(firsts) {
        assert!(wins > 0, "{regime} comes first nowhere: {firsts:?}");
    }
    let adv = |sc: &str, alpha: &str| {
        let v = &advantage[&(
            format!("city.social_capital={sc}"),
            format!("domains.pet_care.alpha={alpha}"),
        )];
        v.iter().sum::<f64>() / v.len() as f64
    };
    eprintln!(
        "co_created - public: sc low {:+.3} / high {:+.3} (alpha 0.35); alpha 0.8: {:+.3} / {:+.3}",
        adv("0.15", "0.35"),
        adv("0.8", "0.35"),
        adv("0.15", "0.8"),
        adv("0.8", "0.8")
    );
    assert!(
        adv("0.8", "0.35") > adv("0.15", "0.35"),
        "the advantage grows with social capital"
    );
    for sc in ["0.15", "0.8"] {
        assert!(
            adv(sc, "0.35") > adv(sc, "0.8"),
            "the advantage grows with co-producibility (social capital {sc})"
        );
    }
    assert!(
        adv("0.8", "0.8") < 0.0 || adv("0.15", "0.8") < 0.0,
        "the advantage reverses where co-producibility is low"
    );
}

#[test]
fn fact_10_elite_capture_and_what_curbs_it() {
    let capture = |set: &[&str]| {
        over_seeds("elite_capture.toml", set, |r| {
            mean(r, 52, 156, |c| c.capture)
        })
    };
    let captured = capture(&[]);
    let curbed = capture(&[
        "governance.allocation=\"need_weighted\"",
        "governance.outreach=0.6",
    ]);
    eprintln!("capture {captured:.3}; need-weighted with outreach {curbed:.3}");
    assert!(captured > 1.0, "capture {captured:.3}");
    assert!(curbed < captured, "curbed {curbed:.3} vs {captured:.3}");
}

/// Mean over the seeds of the coverage dispersion (weeks 52-156) and of the
/// correlation of neighbourhood coverage with social capital.
fn dispersion_and_tailoring(preset: &str) -> (f64, f64) {
    let set = [format!("governance.preset={preset}")];
    let per_seed: Vec<(f64, f64)> = (1..=SEEDS)
        .into_par_iter()
        .map(|seed| {
            let mut overrides = set.to_vec();
            overrides.push(format!("run.seed={seed}"));
            let scenario = Scenario::load(Path::new(&validation("consistency.toml")), &overrides)
                .expect("validation scenarios load");
            let mut sim = Simulation::new(scenario);
            let hoods = sim.city().neighbourhoods.len();
            let (mut dispersion, mut weeks) = (0.0, 0.0);
            let mut served = vec![(0u64, 0u64); hoods];
            while !sim.finished() {
                let record = sim.step();
                if record.city.tick >= 52 {
                    dispersion += record.city.coverage_dispersion;
                    weeks += 1.0;
                    for row in &record.neighbourhoods {
                        served[row.neighbourhood].0 += row.served;
                        served[row.neighbourhood].1 += row.needs_arisen;
                    }
                }
            }
            let coverage: Vec<f64> = served.iter().map(|(s, a)| *s as f64 / *a as f64).collect();
            let capital: Vec<f64> = sim
                .city()
                .neighbourhoods
                .iter()
                .map(|h| h.social_capital)
                .collect();
            (dispersion / weeks, correlation(&coverage, &capital))
        })
        .collect();
    let n = per_seed.len() as f64;
    (
        per_seed.iter().map(|x| x.0).sum::<f64>() / n,
        per_seed.iter().map(|x| x.1).sum::<f64>() / n,
    )
}

fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

#[test]
fn fact_11_public_is_consistent_co_creation_is_tailored() {
    let (public, public_follows) = dispersion_and_tailoring("public");
    let (co_created, co_follows) = dispersion_and_tailoring("co_created");
    eprintln!(
        "coverage dispersion: public {public:.3}, co_created {co_created:.3}; \
         correlation with social capital: public {public_follows:.2}, co_created {co_follows:.2}"
    );
    assert!(
        public < co_created,
        "public {public:.3} vs co_created {co_created:.3}"
    );
    assert!(
        co_follows > 0.3 && co_follows > public_follows,
        "co_created coverage follows social capital: {co_follows:.2} (public {public_follows:.2})"
    );
}

#[test]
fn fact_12_co_production_costs_more_where_skill_matters() {
    let cost = |preset: &str| {
        let set = [format!("governance.preset={preset}")];
        let refs: Vec<&str> = set.iter().map(String::as_str).collect();
        over_seeds("co_production_costs.toml", &refs, |r| {
            mean(r, 52, 156, |c| c.total_cost_per_unit)
        })
    };
    let (public, co_created) = (cost("public"), cost("co_created"));
    eprintln!("total cost per unit: public {public:.1}, co_created {co_created:.1}");
    assert!(
        co_created > public,
        "public {public:.1}, co_created {co_created:.1}"
    );
}
