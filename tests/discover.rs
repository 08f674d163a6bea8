//! `coserve discover`: PRIM on a CSV with a known answer, on a regime
//! sweep across regimes, and bad input.

use std::fs;
use std::path::Path;

mod common;
use common::coserve;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A small counter-based generator, so the test data do not depend on the
/// library under test.
fn uniform(i: u64, j: u64) -> f64 {
    let mut z = i
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(j.wrapping_mul(0xbf58_476d_1ce4_e5b9));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / u64::MAX as f64
}

/// 3,000 runs: `wins` is 1 exactly inside a in [0.2, 0.6], b above 0.5 and
/// channel app or counter, and in 5% of the runs outside; `noise` does
/// nothing.
fn boxed_csv(dir: &Path) {
    let mut csv = String::from("run,a,b,noise,channel,wins_mean\n");
    let channels = ["app", "counter", "platform"];
    for i in 0..3000u64 {
        let (a, b, noise) = (uniform(i, 1), uniform(i, 2), uniform(i, 3));
        let channel = channels[((uniform(i, 4) * 3.0) as usize).min(2)];
        let inside = (0.2..=0.6).contains(&a) && b > 0.5 && channel != "platform";
        let wins = inside || uniform(i, 5) < 0.05;
        csv.push_str(&format!(
            "{i},{a},{b},{noise},{channel},{}\n",
            u8::from(wins)
        ));
    }
    fs::write(dir.join("runs.csv"), csv).unwrap();
}

#[test]
fn prim_recovers_a_known_box_from_a_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    boxed_csv(d);
    let out = coserve(
        &[
            "discover",
            "runs.csv",
            "--outcome",
            "wins_mean > 0.5",
            "--threshold",
            "0.9",
            "--out",
            "found",
        ],
        d,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("inputs: a, b, noise, channel"),
        "ids and metrics are not inputs: {said}"
    );
    assert!(said.contains("holds in 9"), "{said}");
    let mut reader = csv::Reader::from_path(d.join("found/boxes.csv")).unwrap();
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["box", "dimension", "low", "high", "qp", "resampled"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let row = |name: &str| rows.iter().find(|r| &r[1] == name).cloned();
    let num = |r: &csv::StringRecord, i: usize| r[i].parse::<f64>().unwrap();
    let a = row("a").expect("a is restricted");
    assert!(
        (num(&a, 2) - 0.2).abs() < 0.03 && (num(&a, 3) - 0.6).abs() < 0.03,
        "{a:?}"
    );
    let b = row("b").expect("b is restricted");
    assert!((num(&b, 2) - 0.5).abs() < 0.03, "{b:?}");
    let channel = row("channel").expect("channel is restricted");
    assert_eq!(&channel[2], "app;counter");
    assert!(row("noise").is_none(), "{rows:?}");
    for r in [&a, &b, &channel] {
        assert!(num(r, 4) < 1e-6, "qp of {r:?}");
        assert!(num(r, 5) >= 0.9, "stable in the random halves: {r:?}");
    }
    let trajectory = fs::read_to_string(d.join("found/trajectory.csv")).unwrap();
    assert!(
        trajectory.starts_with(
            "box,step,coverage,density,mass,restricted_dimensions,pasted,chosen\n1,0,1,"
        )
    );
    assert_eq!(trajectory.matches(",true\n").count(), 1, "one chosen step");
    // The report: the trade-off and the box against the sampled ranges.
    let report = coserve(&["report", "found"], d);
    assert!(report.status.success(), "{}", text(&report.stderr));
    let page = fs::read_to_string(d.join("found/report/index.html")).unwrap();
    assert!(page.contains("holds in 9"), "the box in words");
    for chart in ["prim_tradeoff", "prim_box_1"] {
        assert!(
            d.join(format!("found/report/charts/{chart}.png")).exists(),
            "{chart}"
        );
    }
    // The same command again: refused without --force, the same bytes with it.
    let again = coserve(
        &[
            "discover",
            "runs.csv",
            "--outcome",
            "wins_mean > 0.5",
            "--threshold",
            "0.9",
            "--out",
            "found",
        ],
        d,
    );
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn discover_pairs_the_regimes_of_a_regime_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    fs::write(
        d.join("sweep.toml"),
        format!(
            "scenario = \"{}\"\nset = [\"city.residents=1000\", \"run.ticks=20\", \"run.warmup=4\"]\ndesign = \"latin_hypercube\"\nsamples = 40\nregimes = [\"public\", \"co_created\"]\n[factors]\n\"city.social_capital\" = {{ min = 0.1, max = 0.9 }}\n\"city.ses_spread_between\" = {{ min = 0.02, max = 0.35 }}\n",
            baseline.display()
        ),
    )
    .unwrap();
    let sweep = coserve(&["sweep", "sweep.toml", "--out", "s"], d);
    assert!(sweep.status.success(), "{}", text(&sweep.stderr));
    let out = coserve(
        &[
            "discover",
            "s",
            "--outcome",
            "co_created.access_gap_mean < public.access_gap_mean",
            "--out",
            "found",
            "--resamples",
            "5",
        ],
        d,
    );
    let said = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        said.contains("of 40 paired runs meet"),
        "40 points, each a pair: {said}"
    );
    assert!(
        said.contains("inputs: city.social_capital, city.ses_spread_between\n"),
        "the regime is what is compared, not an input: {said}"
    );
    let manifest = fs::read_to_string(d.join("found/manifest.json")).unwrap();
    assert!(manifest.contains("\"paired_across_regimes\": true"));
    // Across regimes, every column needs its regime, and an input read
    // through one is still read by the outcome.
    for (outcome, words) in [
        (
            "coverage_mean > public.coverage_mean",
            "`coverage_mean` without a regime's name",
        ),
        (
            "public.city.social_capital > 0.5",
            "`city.social_capital` is read by the outcome",
        ),
    ] {
        let bad = coserve(
            &["discover", "s", "--outcome", outcome, "--out", "never"],
            d,
        );
        assert_eq!(bad.status.code(), Some(2));
        assert!(
            text(&bad.stderr).contains(words),
            "{outcome}: {}",
            text(&bad.stderr)
        );
    }
    // A plain condition on a regime sweep keeps the regime as an input.
    let plain = coserve(
        &[
            "discover",
            "s",
            "--outcome",
            "coverage_mean > 0.5",
            "--out",
            "plain",
        ],
        d,
    );
    assert!(
        text(&plain.stdout).contains("city.ses_spread_between, regime"),
        "{}{}",
        text(&plain.stdout),
        text(&plain.stderr)
    );
}

#[test]
fn bad_discoveries_get_clear_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    boxed_csv(d);
    fs::write(d.join("mixed.csv"), "a,wins_mean\n0.1,1\noops,0\n0.7,0\n").unwrap();
    for (args, words) in [
        (
            vec!["runs.csv", "--outcome", "wins_men > 0.5"],
            "did you mean `wins_mean`",
        ),
        (
            vec!["runs.csv", "--outcome", "wins_mean 0.5"],
            "expected a comparison",
        ),
        (
            vec!["runs.csv", "--outcome", "wins_mean > 2"],
            "holds in 0 of 3000 rows",
        ),
        (
            vec!["runs.csv", "--outcome", "public.wins_mean > 0"],
            "neither a number nor a column",
        ),
        (
            vec![
                "runs.csv",
                "--outcome",
                "wins_mean > 0.5",
                "--inputs",
                "a,bb",
            ],
            "`bb` is not a column",
        ),
        (
            vec![
                "runs.csv",
                "--outcome",
                "wins_mean > 0.5",
                "--inputs",
                "a,wins_mean",
            ],
            "read by the outcome",
        ),
        (
            vec![
                "runs.csv",
                "--outcome",
                "wins_mean > 0.5",
                "--threshold",
                "1.5",
            ],
            "at most 1",
        ),
        (
            vec!["nothing.csv", "--outcome", "x > 1"],
            "cannot read nothing.csv",
        ),
        (
            vec!["mixed.csv", "--outcome", "wins_mean > 0.5"],
            "mixed.csv line 3: `a` holds numbers, but here \"oops\"",
        ),
        (
            vec![
                "runs.csv",
                "--outcome",
                "wins_mean > 0.5",
                "--inputs",
                "a,a",
            ],
            "`a` is named twice",
        ),
        (
            vec![".", "--outcome", "x > 1"],
            "not a coserve result folder",
        ),
    ] {
        let mut all = vec!["discover"];
        all.extend(&args);
        all.extend(["--out", "never"]);
        let out = coserve(&all, d);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(words),
            "{args:?}: `{words}` missing from {err}"
        );
        assert!(!d.join("never").exists());
    }
}

/// A numeric input with a missing or non-finite cell stays numeric: those
/// rows are left out and counted. A box that cannot reach the threshold
/// says so.
#[test]
fn undefined_inputs_are_left_out_and_a_weak_box_says_it_is_weak() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("x,y,score\n");
    for i in 0..400u64 {
        let x = match i {
            0 => "NaN".to_string(),
            1 => String::new(),
            _ => uniform(i, 1).to_string(),
        };
        let score = u8::from(uniform(i, 1) < 0.3);
        csv.push_str(&format!("{x},{},{score}\n", uniform(i, 2)));
    }
    fs::write(d.join("holes.csv"), csv).unwrap();
    let out = coserve(
        &[
            "discover",
            "holes.csv",
            "--outcome",
            "score > 0.5",
            "--out",
            "h",
        ],
        d,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("2 rows have an input that is not a number"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("where x at most 0.3"),
        "{}",
        text(&out.stdout)
    );
    // y alone cannot explain the score: no box reaches 0.8.
    let weak = coserve(
        &[
            "discover",
            "holes.csv",
            "--outcome",
            "score > 0.5",
            "--inputs",
            "y",
            "--out",
            "w",
        ],
        d,
    );
    assert!(weak.status.success(), "{}", text(&weak.stderr));
    assert!(
        text(&weak.stdout).contains("No box reaches the density threshold of 0.8"),
        "{}",
        text(&weak.stdout)
    );
}
