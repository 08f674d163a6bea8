//! `coserve report` on a run, a comparison and a sweep: every chart is a
//! valid PNG and SVG of the expected size, and the page links them all.

use std::fs;
use std::path::Path;
use std::process::Output;

mod common;
use common::coserve;

fn ok(out: Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Checks every chart in `report/charts` and returns the page.
fn check_report(dir: &Path, expected_charts: &[&str]) -> String {
    let page = fs::read_to_string(dir.join("report/index.html")).unwrap();
    let charts = dir.join("report/charts");
    let mut stems: Vec<String> = fs::read_dir(&charts)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    for expected in expected_charts {
        assert!(
            stems.iter().any(|s| s == expected),
            "{expected} missing from {stems:?}"
        );
    }
    for stem in &stems {
        let png = fs::read(charts.join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png is a PNG");
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((width, height), (960, 540), "{stem}.png size");
        let distinct: std::collections::HashSet<&[u8]> = png[33..].chunks(64).take(400).collect();
        assert!(distinct.len() > 20, "{stem}.png is not blank");
        let svg = fs::read_to_string(charts.join(format!("{stem}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg")
                && svg.contains("width=\"960\"")
                && svg.contains("height=\"540\""),
            "{stem}.svg"
        );
        assert!(svg.contains("<text"), "{stem}.svg has text");
        assert!(
            page.contains(&format!("charts/{stem}.png"))
                && page.contains(&format!("charts/{stem}.svg")),
            "the page links {stem}"
        );
    }
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("<script"),
        "self-contained"
    );
    page
}

#[test]
fn a_run_report_has_metrics_over_time_maps_and_equity() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    ok(coserve(
        &[
            "run",
            baseline,
            "--set",
            "city.residents=4000",
            "--set",
            "run.ticks=60",
            "--set",
            "governance.preset=hybrid",
            "--out",
            "r",
        ],
        dir.path(),
    ));
    ok(coserve(&["report", "r"], dir.path()));
    let page = check_report(
        &dir.path().join("r"),
        &[
            "time_coverage",
            "time_trust",
            "map_unmet_need_per_capita",
            "map_trust",
            "equity_coverage",
        ],
    );
    for words in [
        "What was simulated",
        "Who decides",
        "Assumptions that matter",
        "hidden need",
        "seed 1",
        "coserve 0.2.0",
        "one draw of chance",
        // The window of every summary, and what made the result.
        "weeks 52 to 59 (after a 52-week warm-up)",
        "--set city.residents=4000 --set run.ticks=60 --set governance.preset=hybrid --out r</code>",
        &format!("commit <code>{}</code>", coserve::COMMIT),
    ] {
        assert!(page.contains(words), "`{words}` missing");
    }
    let again = coserve(&["report", "r"], dir.path());
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing report is not replaced without --force"
    );
    ok(coserve(&["report", "r", "--force"], dir.path()));
    let not_a_result = coserve(&["report", "."], dir.path());
    assert_eq!(not_a_result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_a_result.stderr).contains("not a coserve result folder"));
}

#[test]
fn a_comparison_report_has_bands_and_paired_differences() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    ok(coserve(
        &[
            "compare",
            baseline,
            "--regimes",
            "public,hybrid",
            "--replicates",
            "3",
            "--ticks",
            "30",
            "--set",
            "run.warmup=10",
            "--set",
            "city.residents=3000",
            "--out",
            "c",
        ],
        dir.path(),
    ));
    ok(coserve(&["report", "c"], dir.path()));
    let page = check_report(
        &dir.path().join("c"),
        &["time_coverage", "diff_coverage", "diff_trust"],
    );
    assert!(
        page.contains("95% confidence interval") && page.contains("3 replicates"),
        "uncertainty is stated"
    );
    // Which interval, and what it does not cover.
    for words in [
        "paired t on the per-replicate differences, df = replicates - 1",
        "Monte Carlo error under common random numbers",
        "not how uncertain the parameters are",
    ] {
        assert!(page.contains(words), "`{words}` missing");
    }
    // Each regime's own mean carries its interval and sd.
    let coverage_row = &page[page.find("<tr><td>coverage</td>").unwrap()..];
    let coverage_row = &coverage_row[..coverage_row.find("</tr>").unwrap()];
    assert_eq!(coverage_row.matches(" ± ").count(), 2, "{coverage_row}");
    assert_eq!(coverage_row.matches("sd ").count(), 2, "{coverage_row}");
    // Capture: nothing to measure under public; under hybrid its own
    // interval rests on hybrid's replicates, not on pairs with public.
    let capture_row = &page[page.find("<tr><td>capture</td>").unwrap()..];
    let capture_row = &capture_row[..capture_row.find("</tr>").unwrap()];
    assert!(capture_row.contains("<td>n/a"), "{capture_row}");
    assert_eq!(capture_row.matches(" ± ").count(), 1, "{capture_row}");
    assert!(!capture_row.contains("NaN"), "{capture_row}");
    let svg = fs::read_to_string(dir.path().join("c/report/charts/time_trust.svg")).unwrap();
    assert!(
        svg.contains("public") && svg.contains("hybrid"),
        "both regimes are in the legend"
    );
    // The warm-up: shaded and named in every weekly chart, and the window
    // of every mean stated.
    assert!(
        svg.contains("warm-up (left out of summaries)"),
        "shaded warm-up"
    );
    assert!(
        page.contains("weeks 10 to 29 (after a 10-week warm-up)"),
        "the summary window is stated"
    );
    // Every metric of the table is defined, with its unit.
    assert!(page.contains("<h2>What the metrics mean</h2>"));
    for (metric, unit) in [
        ("wait p50", "weeks"),
        ("public cost per unit", "money per need served"),
    ] {
        assert!(
            page.contains(&format!("<tr><td>{metric}</td><td>{unit}</td>")),
            "{metric} is defined with its unit"
        );
    }
}

#[test]
fn a_sweep_report_has_metrics_against_factors_and_sobol_bars() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("s.toml");
    fs::write(
        &sweep,
        format!(
            "scenario = \"{}\"\nset = [\"city.residents=2000\", \"run.ticks=10\", \"run.warmup=0\"]\ndesign = \"saltelli\"\nsamples = 32\n[factors]\n\"governance.floor\" = {{ min = 0.0, max = 1.0 }}\n\"governance.outreach\" = {{ min = 0.0, max = 1.0 }}\n",
            concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml")
        ),
    )
    .unwrap();
    ok(coserve(&["sweep", "s.toml", "--out", "w"], dir.path()));
    ok(coserve(
        &["sensitivity", "w", "--resamples", "100"],
        dir.path(),
    ));
    ok(coserve(&["report", "w"], dir.path()));
    let page = check_report(
        &dir.path().join("w"),
        &[
            "sweep_governance_floor_coverage",
            "sweep_governance_outreach_trust",
            "sobol_coverage_mean",
        ],
    );
    assert!(page.contains("saltelli") && page.contains("bootstrap intervals"));
    assert!(
        page.contains(
            "the sweep's values of governance.floor, governance.outreach replace those shown"
        ),
        "the base scenario's factor values are not what ran"
    );
    // What made it: the sweep file and its hash (shards differ in their
    // command lines, so none is kept).
    assert!(
        page.contains("Made by <code>coserve sweep</code> on the sweep file"),
        "provenance"
    );
}
