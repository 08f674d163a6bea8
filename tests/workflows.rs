//! Research workflows: paired comparisons, sweeps, resume, shards and merge.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::coserve;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn baseline() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml").to_string()
}

#[test]
fn compare_runs_regimes_on_common_random_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let b = baseline();
    let args = [
        "compare",
        &b,
        "--regimes",
        "public,hybrid,public",
        "--replicates",
        "4",
        "--ticks",
        "20",
        "--set",
        "run.warmup=0",
        "--set",
        "city.residents=3000",
        "--out",
        "c",
    ];
    let out = coserve(&args, dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("difference to public with 95% CI") && stdout.contains("coverage"),
        "{stdout}"
    );
    let mut reader = csv::Reader::from_path(dir.path().join("c/compare.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let metrics = coserve::sweep::metric_names().len();
    assert_eq!(
        rows.len(),
        metrics * 2 * 3,
        "metric x {{end, mean}} x regime"
    );
    let get = |metric: &str, stat: &str, regime_index: usize| -> csv::StringRecord {
        rows.iter()
            .filter(|r| &r[0] == metric && &r[1] == stat)
            .nth(regime_index)
            .unwrap()
            .clone()
    };
    // Needs arise from the same random numbers under every regime.
    let num = |r: &csv::StringRecord, i: usize| -> f64 { r[i].parse().unwrap() };
    assert_eq!(num(&get("needs_arisen", "mean", 1), 5), 0.0);
    // The reference compared with itself differs by exactly nothing.
    let same = get("coverage", "mean", 2);
    assert_eq!(
        (num(&same, 5), num(&same, 6), num(&same, 7)),
        (0.0, 0.0, 0.0)
    );
    // ... and so is within noise; hybrid's participation is not, and the
    // seed makes almost none of participation's variance across regimes.
    let header: Vec<String> = {
        let mut r = csv::Reader::from_path(dir.path().join("c/compare.csv")).unwrap();
        r.headers().unwrap().iter().map(str::to_owned).collect()
    };
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&same[col("within_noise")], "true");
    let participation = get("participation_rate", "mean", 1);
    assert_eq!(&participation[col("within_noise")], "false");
    let seed_share: f64 = participation[col("seed_share")].parse().unwrap();
    assert!((0.0..0.05).contains(&seed_share), "{seed_share}");
    // Hybrid differs from public, with an interval around the difference.
    let hybrid = get("participation_rate", "mean", 1);
    let (d, lo, hi): (f64, f64, f64) = (
        hybrid[5].parse().unwrap(),
        hybrid[6].parse().unwrap(),
        hybrid[7].parse().unwrap(),
    );
    assert!(d > 0.0 && lo <= d && d <= hi, "{d} [{lo}, {hi}]");
    // Every replicate's values are kept, and they give compare.csv's means.
    let mut reader = csv::Reader::from_path(dir.path().join("c/compare_replicates.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let reps: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(reps.len(), 3 * 4, "regime x replicate");
    assert_eq!(header.len(), 3 + 2 * metrics);
    let col = header.iter().position(|h| h == "coverage_mean").unwrap();
    let hybrid_mean = reps
        .iter()
        .filter(|r| &r[0] == "hybrid")
        .map(|r| r[col].parse::<f64>().unwrap())
        .sum::<f64>()
        / 4.0;
    let reported = num(&get("coverage", "mean", 1), 3);
    assert!(
        (hybrid_mean - reported).abs() < 1e-12,
        "{hybrid_mean} vs {reported}"
    );
    assert_eq!(&hybrid[8], "4");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("c/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["seeds"], serde_json::json!([1, 2, 3, 4]));

    let again = coserve(&args, dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("already exists"));
    let bad = coserve(
        &[
            "compare",
            &b,
            "--regimes",
            "public,hybird",
            "--replicates",
            "2",
            "--out",
            "d",
        ],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("did you mean `hybrid`"),
        "{}",
        text(&bad.stderr)
    );
}

/// A compare of what the user wrote: a scenario file is a regime, run as
/// written; a preset regime says which of the file's knobs it replaces; a
/// regime on another city is refused.
#[test]
fn compare_runs_scenario_files_as_written_and_says_what_presets_replace() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("my_city.toml"),
        format!(
            "extends = \"{}\"\n[run]\nticks = 20\nwarmup = 4\n[city]\nresidents = 3000\n[governance]\npreset = \"hybrid\"\noutreach = 0.0\n",
            baseline()
        ),
    )
    .unwrap();
    let args = [
        "compare",
        "my_city.toml",
        "--regimes",
        "hybrid,my_city.toml",
        "--replicates",
        "3",
        "--out",
        "c",
    ];
    let out = coserve(&args, d);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(
            "note: regime hybrid: the preset replaces knobs my_city.toml writes: outreach 0.0 -> 0.6"
        ),
        "{}",
        text(&out.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("c/manifest.json")).unwrap()).unwrap();
    let knobs = |i: usize| manifest["regime_scenarios"][i]["governance"]["knobs"].clone();
    assert_eq!(knobs(0)["outreach"], 0.6, "the preset's own value");
    assert_eq!(knobs(1)["outreach"], 0.0, "the file's value, as written");
    assert_eq!(
        manifest["regimes"],
        serde_json::json!(["hybrid", "my_city.toml"])
    );
    // Outreach is the only difference, and it shows: the file's regime
    // recruits fewer residents on the same random numbers.
    let table = fs::read_to_string(d.join("c/compare.csv")).unwrap();
    let row = table
        .lines()
        .find(|l| l.starts_with("participation_rate,mean,my_city.toml,"))
        .unwrap();
    let diff: f64 = row.split(',').nth(5).unwrap().parse().unwrap();
    assert!(diff < 0.0, "{row}");
    assert_eq!(coserve(&["report", "c"], d).status.code(), Some(0));
    let page = fs::read_to_string(d.join("c/report/index.html")).unwrap();
    assert!(page.contains("How the regimes differ"));
    assert!(
        page.contains("<td>≠ governance.outreach</td><td>0.6</td><td>0.0</td>"),
        "the knobs side by side"
    );
    assert!(page.contains("<td>governance.lag</td><td>2</td><td>2</td>"));

    fs::write(
        d.join("other_city.toml"),
        "extends = \"my_city.toml\"\n[city]\nresidents = 4000\n",
    )
    .unwrap();
    let other = coserve(
        &[
            "compare",
            "my_city.toml",
            "--regimes",
            "hybrid,other_city.toml",
            "--replicates",
            "2",
            "--out",
            "o",
        ],
        d,
    );
    assert_eq!(other.status.code(), Some(2));
    assert!(
        text(&other.stderr)
            .contains("other_city.toml has city.residents = 4000 where my_city.toml has 3000"),
        "{}",
        text(&other.stderr)
    );
    // Other services or behaviour: refused too, naming the key.
    fs::write(
        d.join("other_people.toml"),
        "extends = \"my_city.toml\"\n[behaviour]\ntrust_gain = 0.1\n",
    )
    .unwrap();
    let people = coserve(
        &[
            "compare",
            "my_city.toml",
            "--regimes",
            "hybrid,other_people.toml",
            "--replicates",
            "2",
            "--out",
            "p",
        ],
        d,
    );
    assert_eq!(people.status.code(), Some(2));
    assert!(
        text(&people.stderr).contains("other_people.toml has behaviour.trust_gain = 0.1"),
        "{}",
        text(&people.stderr)
    );
    // A --set of a knob reaches every regime, files too, and says so.
    let set = coserve(
        &[
            "compare",
            "my_city.toml",
            "--regimes",
            "my_city.toml,public",
            "--replicates",
            "2",
            "--set",
            "governance.audit=0.9",
            "--out",
            "s",
        ],
        d,
    );
    assert_eq!(set.status.code(), Some(0), "{}", text(&set.stderr));
    assert!(
        text(&set.stderr).contains("--set governance.audit=0.9 applies to every regime"),
        "{}",
        text(&set.stderr)
    );
    let missing = coserve(
        &[
            "compare",
            "my_city.toml",
            "--regimes",
            "hybrid,nowhere.toml",
            "--replicates",
            "2",
            "--out",
            "m",
        ],
        d,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("nowhere.toml"),
        "{}",
        text(&missing.stderr)
    );
    assert!(
        !d.join("o").exists() && !d.join("m").exists(),
        "nothing written"
    );
}

/// A sweep file over the baseline with `residents` and `ticks` fixed.
fn write_sweep_sized(dir: &Path, residents: u32, ticks: u32, body: &str) -> PathBuf {
    let path = dir.join("sweep.toml");
    let set =
        format!("set = [\"city.residents={residents}\", \"run.ticks={ticks}\", \"run.warmup=0\"]");
    fs::write(
        &path,
        format!("scenario = \"{}\"\n{set}\n{body}", baseline()),
    )
    .unwrap();
    path
}

/// With replicates, sensitivity measures the seed's share of the variance
/// and flags a factor whose effect it cannot tell from chance.
#[test]
fn sensitivity_reports_the_seed_share_and_flags_factors_lost_in_noise() {
    let dir = tempfile::tempdir().unwrap();
    // Under `public` nobody volunteers, so peer sanctions change nothing;
    // the budget moves coverage.
    let sweep = write_sweep_sized(
        dir.path(),
        2000,
        20,
        "design = \"saltelli\"\nsamples = 32\nreplicates = 2\n[factors]\n\"governance.budget_scale\" = { min = 0.5, max = 1.5 }\n\"governance.peer_sanctions\" = { min = 0.0, max = 1.0 }\n",
    );
    let out = coserve(
        &["sweep", sweep.to_str().unwrap(), "--out", "s"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sens = coserve(
        &[
            "sensitivity",
            "s",
            "--resamples",
            "100",
            "--metrics",
            "coverage_mean",
        ],
        dir.path(),
    );
    assert!(sens.status.success(), "{}", text(&sens.stderr));
    assert!(
        text(&sens.stdout).contains("coverage_mean: seed noise "),
        "{}",
        text(&sens.stdout)
    );
    let mut reader = csv::Reader::from_path(dir.path().join("s/sobol.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let share: f64 = rows[0][9].parse().unwrap();
    assert!(share > 0.0 && share < 1.0, "{share}");
    assert_eq!(&rows[1][1], "governance.peer_sanctions");
    assert!(
        rows[1][10].contains("dominated by seed noise"),
        "{:?}",
        &rows[1]
    );
    assert!(
        !rows[0][10].contains("seed noise"),
        "the budget's effect stands out: {:?}",
        &rows[0]
    );
}

fn write_sweep(dir: &Path, body: &str) -> PathBuf {
    write_sweep_sized(dir, 2000, 10, body)
}

const SWEEP: &str = "design = \"latin_hypercube\"\nsamples = 6\nreplicates = 2\ntimeseries = true\n[factors]\n\"governance.pb_share\" = { min = 0.0, max = 0.3 }\n\"governance.preset\" = [\"public\", \"hybrid\", \"co_created\"]\n\"governance.lag\" = { min = 0, max = 6 }\n";

#[test]
fn shards_merged_equal_one_sweep_byte_for_byte_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = write_sweep(dir.path(), SWEEP);
    let s = sweep.to_str().unwrap();
    let whole = Command::new(env!("CARGO_BIN_EXE_coserve"))
        .args(["sweep", s, "--out", "whole", "--format", "parquet"])
        .env("RAYON_NUM_THREADS", "1")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    let expected = fs::read(dir.path().join("whole/runs.csv")).unwrap();
    let csv = text(&expected);
    assert_eq!(csv.lines().count(), 1 + 12, "6 points x 2 replicates");
    assert!(csv.lines().next().unwrap().starts_with(
        "run,point,replicate,seed,governance.pb_share,governance.preset,governance.lag,"
    ));
    assert_eq!(
        fs::read_dir(dir.path().join("whole/timeseries"))
            .unwrap()
            .count(),
        12
    );
    for i in 0..3 {
        let out = coserve(
            &[
                "sweep",
                s,
                "--shard",
                &format!("{i}/3"),
                "--out",
                &format!("shard{i}"),
            ],
            dir.path(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("coserve merge"),
            "a shard is partial"
        );
        assert!(!dir.path().join(format!("shard{i}/runs.csv")).exists());
    }
    let incomplete = coserve(
        &["merge", "shard0", "shard1", "--out", "partial"],
        dir.path(),
    );
    assert_eq!(incomplete.status.code(), Some(2));
    assert!(
        text(&incomplete.stderr).contains("runs are missing"),
        "{}",
        text(&incomplete.stderr)
    );
    let merged = coserve(
        &["merge", "shard0", "shard1", "shard2", "--out", "merged"],
        dir.path(),
    );
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    assert!(
        fs::read(dir.path().join("merged/runs.csv")).unwrap() == expected,
        "merged shards differ from one sweep"
    );
}

#[test]
fn a_killed_sweep_resumes_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let body = "design = \"random\"\nsamples = 24\nreplicates = 1\n[factors]\n\"governance.outreach\" = { min = 0.0, max = 1.0 }\n";
    let sweep = write_sweep_sized(dir.path(), 40_000, 30, body);
    let s = sweep.to_str().unwrap();
    let reference = coserve(&["sweep", s, "--out", "reference"], dir.path());
    assert!(reference.status.success(), "{}", text(&reference.stderr));

    let mut child = Command::new(env!("CARGO_BIN_EXE_coserve"))
        .args(["sweep", s, "--out", "killed"])
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let runs = dir.path().join("killed/runs");
    let start = Instant::now();
    loop {
        let done = fs::read_dir(&runs)
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .ends_with(".json")
                })
                .count()
            })
            .unwrap_or(0);
        if done >= 3 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = fs::read_dir(&runs).unwrap().count();
    assert!(
        !dir.path().join("killed/runs.csv").exists() || finished >= 24,
        "the kill came after the end"
    );

    let refused = coserve(&["sweep", s, "--out", "killed"], dir.path());
    assert_eq!(
        refused.status.code(),
        Some(2),
        "an existing sweep needs --resume or --force"
    );
    let resumed = coserve(&["sweep", s, "--out", "killed", "--resume"], dir.path());
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(text(&resumed.stdout).contains("already done"));
    assert_eq!(
        fs::read(dir.path().join("killed/runs.csv")).unwrap(),
        fs::read(dir.path().join("reference/runs.csv")).unwrap()
    );
}

#[test]
fn design_sizes_follow_the_design() {
    let dir = tempfile::tempdir().unwrap();
    for (body, runs) in [
        (
            "design = \"grid\"\n[factors]\n\"governance.floor\" = { min = 0.0, max = 1.0, levels = 3 }\n\"governance.channel\" = [\"counter\", \"platform\"]\n",
            6,
        ),
        (
            "design = \"saltelli\"\nsamples = 32\n[factors]\n\"governance.floor\" = { min = 0.0, max = 1.0 }\n\"governance.audit\" = { min = 0.0, max = 1.0 }\n",
            128,
        ),
    ] {
        let sweep = write_sweep(dir.path(), body);
        let out = coserve(
            &["sweep", sweep.to_str().unwrap(), "--out", "s", "--force"],
            dir.path(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let manifest: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join("s/manifest.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["runs"], runs, "{body}");
    }
    let sens = coserve(&["sensitivity", "s", "--resamples", "100"], dir.path());
    assert!(sens.status.success(), "{}", text(&sens.stderr));
    let sobol = fs::read_to_string(dir.path().join("s/sobol.csv")).unwrap();
    assert_eq!(
        sobol.lines().count(),
        1 + 4 * 2,
        "4 default metrics x 2 factors"
    );
    // Every row says how many base samples it rests on and, where the
    // design is too small for the metric, why not to read it as a share.
    let header = sobol.lines().next().unwrap();
    assert!(
        header.ends_with(",samples_used,seed_share,caveat"),
        "{header}"
    );
    for line in sobol.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let num = |i: usize| -> f64 { cols[i].parse().unwrap() };
        let (first_low, total_low, total_high) = (num(3), num(6), num(7));
        let flagged = !cols[10].is_empty();
        assert_eq!(
            cols[9], "NaN",
            "one replicate: the seed's share is not measured"
        );
        if first_low > 1.0 || total_low > 1.0 || first_low > total_high + 0.05 {
            assert!(flagged, "an impossible share is not flagged: {line}");
        }
        assert_eq!(cols[8], "32", "every sample is defined for a _mean metric");
    }
    // A metric undefined at some points is never taken as 0: with too few
    // samples left it is refused, with the count.
    let wait = coserve(
        &["sensitivity", "s", "--metrics", "wait_p90_end", "--force"],
        dir.path(),
    );
    if !wait.status.success() {
        let err = text(&wait.stderr);
        assert!(
            err.contains("undefined at") && err.contains("design points"),
            "{err}"
        );
    }
    let misspelt = coserve(
        &["sensitivity", "s", "--metrics", "coverage_meen", "--force"],
        dir.path(),
    );
    assert_eq!(misspelt.status.code(), Some(2));
    assert!(
        text(&misspelt.stderr).contains("did you mean `coverage_mean`"),
        "{}",
        text(&misspelt.stderr)
    );
}

/// A regime sweep runs every point and replicate under each regime on the
/// same seed: the needs that arise are the same across regimes, and shards
/// merge to the bytes of one process.
#[test]
fn regime_sweeps_pair_regimes_on_common_random_numbers_and_shard() {
    let dir = tempfile::tempdir().unwrap();
    let body = "design = \"latin_hypercube\"\nsamples = 4\nreplicates = 2\nregimes = [\"public\", \"co_created\", \"hybrid\"]\n[factors]\n\"city.social_capital\" = { min = 0.2, max = 0.8 }\n\"governance.outreach\" = { min = 0.0, max = 1.0 }\n";
    let sweep = write_sweep(dir.path(), body);
    let s = sweep.to_str().unwrap();
    let whole = coserve(&["sweep", s, "--out", "whole"], dir.path());
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    let mut reader = csv::Reader::from_path(dir.path().join("whole/runs.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    assert_eq!(
        &header.iter().take(7).collect::<Vec<_>>(),
        &[
            "run",
            "point",
            "replicate",
            "seed",
            "city.social_capital",
            "governance.outreach",
            "regime"
        ]
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4 * 3 * 2, "points x regimes x replicates");
    let mut pairs = std::collections::BTreeMap::new();
    for r in &rows {
        let key = (
            r[col("city.social_capital")].to_string(),
            r[col("governance.outreach")].to_string(),
            r[col("replicate")].to_string(),
        );
        pairs.entry(key).or_insert_with(Vec::new).push((
            r[col("regime")].to_string(),
            r[col("needs_arisen_end")].to_string(),
            r[col("coverage_mean")].to_string(),
        ));
    }
    assert_eq!(pairs.len(), 4 * 2);
    let mut differ = 0;
    for (key, runs) in &pairs {
        let regimes: Vec<&str> = runs.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(regimes, ["public", "co_created", "hybrid"], "{key:?}");
        assert!(
            runs.iter().all(|r| r.1 == runs[0].1),
            "needs differ: {key:?} {runs:?}"
        );
        differ += usize::from(runs[0].2 != runs[1].2);
    }
    assert!(differ > 0, "the regimes do differ in coverage");
    for i in 0..2 {
        let out = coserve(
            &[
                "sweep",
                s,
                "--shard",
                &format!("{i}/2"),
                "--out",
                &format!("shard{i}"),
            ],
            dir.path(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let merged = coserve(
        &["merge", "shard0", "shard1", "--out", "merged"],
        dir.path(),
    );
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    assert_eq!(
        fs::read(dir.path().join("merged/runs.csv")).unwrap(),
        fs::read(dir.path().join("whole/runs.csv")).unwrap()
    );
}

/// A Morris sweep and its screening: an influential factor has a mu* that
/// stands out from seed noise; one the runs never read has none.
#[test]
fn morris_screening_ranks_factors_and_names_the_ones_without_effect() {
    let dir = tempfile::tempdir().unwrap();
    // Under `public` nobody volunteers, so peer sanctions change nothing.
    let sweep = write_sweep_sized(
        dir.path(),
        2000,
        30,
        "design = \"morris\"\nsamples = 10\nreplicates = 2\n[factors]\n\"governance.budget_scale\" = { min = 0.5, max = 1.5 }\n\"governance.peer_sanctions\" = { min = 0.0, max = 1.0 }\n\"governance.lag\" = { min = 0, max = 6 }\n",
    );
    let out = coserve(
        &["sweep", sweep.to_str().unwrap(), "--out", "m"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = fs::read_to_string(dir.path().join("m/runs.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 10 * 4 * 2,
        "r (k + 1) points x replicates"
    );
    let sens = coserve(
        &["sensitivity", "m", "--metrics", "coverage_mean"],
        dir.path(),
    );
    assert!(sens.status.success(), "{}", text(&sens.stderr));
    let mut reader = csv::Reader::from_path(dir.path().join("m/morris.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    assert!(
        header
            .iter()
            .collect::<Vec<_>>()
            .starts_with(&["metric", "factor", "mu", "mu_star"])
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mu_star = |i: usize| rows[i][3].parse::<f64>().unwrap();
    assert_eq!(&rows[0][1], "governance.budget_scale");
    assert!(mu_star(0) > mu_star(1) && mu_star(0) > 0.01, "{rows:?}");
    assert!(
        rows[0][3].parse::<f64>().unwrap() > rows[0][8].parse::<f64>().unwrap(),
        "above noise"
    );
    assert_eq!(mu_star(1), 0.0);
    assert!(rows[1][9].contains("no effect"), "{:?}", rows[1]);
    let undefined = coserve(
        &["sensitivity", "m", "--metrics", "capture_mean", "--force"],
        dir.path(),
    );
    assert_eq!(undefined.status.code(), Some(2));
    assert!(
        text(&undefined.stderr).contains("`capture_mean` is undefined along too many steps"),
        "{}",
        text(&undefined.stderr)
    );
    let again = coserve(&["sensitivity", "m"], dir.path());
    assert_eq!(
        again.status.code(),
        Some(2),
        "morris.csv is not replaced without --force"
    );
}

#[test]
fn bad_sweep_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (body, words) in [
        (
            "desing = \"grid\"\n[factors]\n\"governance.floor\" = [0.1]\n",
            &["sweep.toml:3:1", "desing", "did you mean `design`"][..],
        ),
        (
            "[factors]\n\"governance.floor\" = { min = 0.5, max = 0.5 }\n",
            &["sweep.toml:4:1", "factors.governance.floor", "empty range"][..],
        ),
        (
            "design = \"saltelli\"\nsamples = 1\n[factors]\n\"governance.floor\" = { min = 0.0, max = 1.0 }\n",
            &["samples", "at least 32 base samples", "found 1"][..],
        ),
        (
            "[factors]\n\"governance.flor\" = { min = 0.0, max = 0.5 }\n",
            &[
                "sweep.toml:4:1",
                "factors.governance.flor",
                "did you mean `floor`",
            ][..],
        ),
        (
            "[factors]\n\"governance.floor\" = []\n",
            &["factors.governance.floor", "empty list"][..],
        ),
        (
            "design = \"saltelli\"\n[factors]\n\"governance.preset\" = [\"public\"]\n",
            &["saltelli design needs every factor as a range"][..],
        ),
        (
            "[factors]\n\"governance.pb_share\" = { min = 0.0, max = 2.0 }\n",
            &[
                "factors.governance.pb_share",
                "expected a share between 0 and 1",
            ][..],
        ),
        (
            "design = \"grdi\"\n[factors]\n\"governance.floor\" = [0.1]\n",
            &["did you mean `grid`"][..],
        ),
        (
            "regimes = [\"public\", \"co_creatd\"]\n[factors]\n\"governance.floor\" = [0.1]\n",
            &[
                "sweep.toml:3:1",
                "unknown preset \"co_creatd\"",
                "did you mean `co_created`",
            ][..],
        ),
        (
            "regimes = [\"public\", \"public\"]\n[factors]\n\"governance.floor\" = [0.1]\n",
            &["listed twice"][..],
        ),
        (
            "regimes = [\"public\", \"hybrid\"]\n[factors]\n\"governance.preset\" = [\"public\"]\n",
            &["`regimes` sets `governance.preset`"][..],
        ),
        (
            "regimes = [\"public\", \"hybrid\"]\ndesign = \"morris\"\nsamples = 10\n[factors]\n\"governance.floor\" = { min = 0.0, max = 1.0 }\n",
            &["run one sweep per regime"][..],
        ),
        (
            "design = \"morris\"\nsamples = 3\n[factors]\n\"governance.floor\" = { min = 0.0, max = 1.0 }\n",
            &["samples", "at least 8", "found 3"][..],
        ),
        (
            "design = \"morris\"\nsamples = 10\n[factors]\n\"governance.floor\" = { min = 0.0, max = 1.0 }\n",
            &["have only 4 distinct trajectories"][..],
        ),
        (
            "regimes = []\n[factors]\n\"governance.floor\" = [0.1]\n",
            &["found an empty list"][..],
        ),
        (
            "design = \"morris\"\nsamples = 10\n[factors]\n\"governance.channel\" = [\"counter\", \"app\"]\n",
            &["morris design needs every factor as a range"][..],
        ),
    ] {
        let sweep = write_sweep(dir.path(), body);
        let out = coserve(
            &["sweep", sweep.to_str().unwrap(), "--out", "never"],
            dir.path(),
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{body}: {stderr}");
        for w in words {
            assert!(stderr.contains(w), "{body}: `{w}` missing from {stderr}");
        }
        assert!(!dir.path().join("never").exists());
    }
}

#[test]
fn a_sweep_records_what_it_read_and_will_not_resume_on_an_edited_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("sc")).unwrap();
    fs::copy(baseline(), d.join("sc/base.toml")).unwrap();
    fs::write(
        d.join("s.toml"),
        "scenario = \"sc/base.toml\"\nset = [\"city.residents=2000\", \"run.ticks=8\", \"run.warmup=0\"]\n[factors]\n\"governance.pb_share\" = [0.0, 0.1]\n",
    )
    .unwrap();
    let out = coserve(&["sweep", "s.toml", "--shard", "0/2", "--out", "a"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("a/manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["s.toml", "sc/base.toml"]);
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(fs::read(d.join("sc/base.toml")).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(files[1]["sha256"], expected.as_str());
    // Edited between the start and the resume: refused, naming the file.
    let edited = fs::read_to_string(d.join("sc/base.toml")).unwrap() + "# edited\n";
    fs::write(d.join("sc/base.toml"), edited).unwrap();
    let out = coserve(
        &[
            "sweep", "s.toml", "--shard", "0/2", "--out", "a", "--resume",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("sc/base.toml") && err.contains("changed"),
        "{err}"
    );
}

/// A sweep may vary the warm-up and the run's length: every design point
/// is checked at its worst combination, not against the default warm-up.
#[test]
fn sweeps_over_the_warmup_and_length_check_every_combination() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sweep = |name: &str, set: &str, factors: &str| {
        let path = d.join(format!("{name}.toml"));
        fs::write(
            &path,
            format!(
                "scenario = \"{}\"\nset = [\"city.residents=1000\"{set}]\n[factors]\n{factors}",
                baseline()
            ),
        )
        .unwrap();
        coserve(&["sweep", path.to_str().unwrap(), "--out", name], d)
    };
    let shorter = sweep(
        "shorter",
        ", \"run.ticks=12\"",
        "\"run.warmup\" = [0, 4, 8]\n",
    );
    assert!(shorter.status.success(), "{}", text(&shorter.stderr));
    let both = sweep(
        "both",
        "",
        "\"run.warmup\" = [0, 6]\n\"run.ticks\" = [8, 12]\n",
    );
    assert!(both.status.success(), "{}", text(&both.stderr));
    let clash = sweep(
        "clash",
        "",
        "\"run.warmup\" = [0, 10]\n\"run.ticks\" = [8, 12]\n",
    );
    assert_eq!(clash.status.code(), Some(2));
    let err = text(&clash.stderr);
    assert!(
        err.contains("key `factors.run.warmup`")
            && err.contains("run.warmup = 10 weeks leaves no week to summarise in a 8-week run")
            && err.contains("in the sweep's `set`"),
        "{err}"
    );
    assert!(!d.join("clash").exists());
}

/// `--ticks` is named as typed when the run it makes is refused.
#[test]
fn a_refused_ticks_option_is_named_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let out = coserve(
        &[
            "compare",
            &baseline(),
            "--regimes",
            "public,hybrid",
            "--replicates",
            "2",
            "--ticks",
            "30",
            "--out",
            "c",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("command line (--ticks 30): key `run.ticks`"),
        "{err}"
    );
}

/// A regime sweep says which knobs of its base file the presets replace; a
/// run file copied under another run's name is refused on resume; an
/// empty folder made ahead takes the result.
#[test]
fn regime_sweeps_name_replaced_knobs_and_resume_checks_run_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("mine.toml"),
        format!(
            "extends = \"{}\"\n[governance]\noutreach = 0.95\n",
            baseline()
        ),
    )
    .unwrap();
    fs::write(
        d.join("sweep.toml"),
        "scenario = \"mine.toml\"\nset = [\"city.residents=500\", \"run.ticks=8\", \"run.warmup=0\"]\nregimes = [\"public\", \"hybrid\"]\n[factors]\n\"governance.budget_scale\" = [0.8, 1.2]\n",
    )
    .unwrap();
    fs::create_dir(d.join("s")).unwrap();
    let out = coserve(&["sweep", "sweep.toml", "--out", "s"], d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(
        said.contains(
            "regime hybrid: the preset replaces knobs mine.toml writes: outreach 0.95 -> 0.6"
        ),
        "{said}"
    );
    assert!(
        said.contains("2 design points x 2 regimes x 1 replicates = 4 runs"),
        "{said}"
    );
    fs::copy(
        d.join("s/runs/run-000001.json"),
        d.join("s/runs/run-000002.json"),
    )
    .unwrap();
    let resumed = coserve(&["sweep", "sweep.toml", "--out", "s", "--resume"], d);
    assert_eq!(resumed.status.code(), Some(2));
    assert!(
        text(&resumed.stderr).contains("it holds run 1, which belongs in run-000001.json"),
        "{}",
        text(&resumed.stderr)
    );
}

/// runs.csv holds exactly the numbers the runs computed: `Evaluation`
/// (what Python's `coserve.evaluate` calls) runs the same points in memory,
/// and every cell parses back to the same float64, bit for bit. (Run
/// records pass through JSON, which must parse floats exactly.)
#[test]
fn evaluating_a_sweeps_points_in_memory_gives_runs_csv_bit_for_bit() {
    use coserve::sweep::Evaluation;
    let dir = tempfile::tempdir().unwrap();
    let body = "design = \"latin_hypercube\"\nsamples = 6\nreplicates = 2\nseed = 3\n[factors]\n\"governance.pb_share\" = { min = 0.0, max = 0.3 }\n\"city.social_capital\" = { min = 0.2, max = 0.8 }\n\"governance.lag\" = { min = 0, max = 4 }\n";
    let sweep = write_sweep_sized(dir.path(), 1500, 40, body);
    coserve(
        &["sweep", sweep.to_str().unwrap(), "--out", "s"],
        dir.path(),
    );
    let runs = fs::read_to_string(dir.path().join("s/runs.csv")).unwrap();
    let mut lines = runs.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let keys: Vec<String> = header[4..7].iter().map(|k| k.to_string()).collect();
    let points: Vec<Vec<toml::Value>> = rows
        .iter()
        .step_by(2)
        .map(|r| {
            r[4..7]
                .iter()
                .map(|v| toml::Value::Float(v.parse().unwrap()))
                .collect()
        })
        .collect();
    let file = coserve::Scenario::read(Path::new(&baseline())).unwrap();
    let set = ["city.residents=1500", "run.ticks=40", "run.warmup=0"].map(String::from);
    let evaluation = Evaluation {
        file: &file,
        set: &set,
        keys: &keys,
        points: &points,
        replicates: 2,
        seed: 3,
    };
    let stop = std::sync::atomic::AtomicBool::new(false);
    let summaries = evaluation.run(&stop).unwrap().unwrap();
    assert_eq!(summaries.len(), rows.len());
    let metrics = coserve::sweep::metric_names().len();
    for (row, s) in rows.iter().zip(&summaries) {
        let cells = &row[7..];
        assert_eq!(cells.len(), 2 * metrics);
        for (cell, value) in cells.iter().zip(s.end.iter().chain(&s.mean)) {
            let parsed: f64 = cell.parse().unwrap();
            assert!(
                parsed.to_bits() == value.to_bits() || (parsed.is_nan() && value.is_nan()),
                "runs.csv {cell} against {value}"
            );
        }
    }
}
