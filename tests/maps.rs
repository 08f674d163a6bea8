//! Cities from maps: the shipped Boston tracts, a synthetic map with a
//! known answer, and bad maps named where they are wrong.

use coserve::{Scenario, Simulation};
use std::fs;
use std::path::Path;

mod common;
use common::coserve;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn boston_runs_on_its_506_tracts_and_its_report_draws_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = root().join("scenarios/cities/boston.toml");
    let out = coserve(
        &[
            "run",
            scenario.to_str().unwrap(),
            "--set",
            "city.residents=20000",
            "--set",
            "run.ticks=56",
            "--out",
            "b",
        ],
        d,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut reader = csv::Reader::from_path(d.join("b/neighbourhoods.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let first_week: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[0] == "0").collect();
    assert_eq!(first_week.len(), 506);
    assert_eq!(&first_week[0][col("name")], "Boston Allston-Brighton 0001");
    let lon: f64 = first_week[0][col("centroid_x")].parse().unwrap();
    let lat: f64 = first_week[0][col("centroid_y")].parse().unwrap();
    assert!((-71.2..-71.0).contains(&lon) && (42.3..42.4).contains(&lat));
    let residents: u64 = first_week
        .iter()
        .map(|r| r[col("residents")].parse::<u64>().unwrap())
        .sum();
    assert_eq!(residents, 20_000);
    assert!(d.join("b/map.geojson").exists());
    let report = coserve(&["report", "b"], d);
    assert!(report.status.success(), "{}", text(&report.stderr));
    let svg = fs::read_to_string(d.join("b/report/charts/map_trust.svg")).unwrap();
    assert!(svg.matches("<polygon").count() >= 506, "every tract drawn");
    // A map.geojson changed after the run is refused, not drawn in part.
    let map = fs::read_to_string(d.join("b/map.geojson")).unwrap();
    let cut = map.find("},{\"type\":\"Feature\"").unwrap();
    fs::write(d.join("b/map.geojson"), format!("{}}}]}}", &map[..cut])).unwrap();
    let damaged = coserve(&["report", "b", "--force"], d);
    assert_eq!(damaged.status.code(), Some(2));
    assert!(
        text(&damaged.stderr)
            .contains("outlines 1 neighbourhoods where neighbourhoods.csv has 506"),
        "{}",
        text(&damaged.stderr)
    );
    // explain says what each simulated resident stands for.
    let explain = coserve(&["explain", scenario.to_str().unwrap()], d);
    let said = text(&explain.stdout);
    assert!(
        said.contains("506 neighbourhoods from the map")
            && said.contains("each simulated resident stands for 27 real ones"),
        "{said}"
    );
}

/// Four squares in a row, each 0.01 degrees, with populations 100, 100,
/// 200 and 600 and an income that rises along the row: residents follow
/// population, SES follows income's rank, neighbours share edges, and a
/// need index doubles where its property is twice the mean.
#[test]
fn a_synthetic_map_builds_the_city_it_describes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let square = |name: &str, pop: u32, income: f64, need: f64, x: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"NAME":"{name}","POP":{pop},"INCOME":{income},"NEED":{need}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},0.0],[{x1},0.0],[{x1},0.01],[{x},0.01],[{x},0.0]]]}}}}"#,
            x1 = x + 0.01
        )
    };
    let features = [
        square("a", 100, 10.0, 1.0, 0.0),
        square("b", 100, 20.0, 1.0, 0.01),
        square("c", 200, 30.0, 1.0, 0.02),
        square("d", 600, 40.0, 2.0, 0.03),
    ];
    fs::write(
        d.join("row.geojson"),
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let baseline = root().join("scenarios/baseline.toml");
    fs::write(
        d.join("row.toml"),
        format!(
            "extends = \"{}\"\n[city]\nresidents = 1000\n[city.map]\nfile = \"row.geojson\"\nname = \"NAME\"\npopulation = \"POP\"\nses = \"INCOME\"\n[[domains]]\nname = \"waste\"\nneed_index = \"NEED\"\n",
            baseline.display()
        ),
    )
    .unwrap();
    let s = Scenario::load(&d.join("row.toml"), &[]).unwrap();
    assert_eq!(s.city.neighbourhoods, 4);
    let map = s.map.as_ref().unwrap().map.as_ref().unwrap();
    assert_eq!(
        map.neighbours,
        vec![vec![1], vec![0, 2], vec![1, 3], vec![2]]
    );
    let sim = Simulation::new(s.clone());
    let hoods = &sim.city().neighbourhoods;
    let people: Vec<u32> = hoods.iter().map(|h| h.population).collect();
    assert_eq!(people, vec![100, 100, 200, 600]);
    let neighbours: Vec<Vec<usize>> = hoods.iter().map(|h| h.neighbours.clone()).collect();
    assert_eq!(
        neighbours, map.neighbours,
        "the model sees the map's neighbours"
    );
    assert!(
        hoods.windows(2).all(|w| w[0].ses_mean < w[1].ses_mean),
        "SES follows income"
    );
    // NEED's population-weighted mean is (100 + 100 + 200 + 1200) / 1000 = 1.6.
    let waste = s.domains.iter().position(|d| d.name == "waste").unwrap();
    assert!((hoods[3].domain_need[waste] - 2.0 / 1.6).abs() < 1e-12);
    assert!((hoods[0].domain_need[waste] - 1.0 / 1.6).abs() < 1e-12);
    assert_eq!(hoods[0].domain_need[0], 1.0, "pet care has no index");
    // Regimes on another map are another city: compare refuses them.
    fs::write(
        d.join("other.geojson"),
        fs::read_to_string(d.join("row.geojson"))
            .unwrap()
            .replace("\"POP\":600", "\"POP\":60"),
    )
    .unwrap();
    fs::write(
        d.join("other.toml"),
        fs::read_to_string(d.join("row.toml"))
            .unwrap()
            .replace("row.geojson", "other.geojson"),
    )
    .unwrap();
    let out = coserve(
        &[
            "compare",
            "row.toml",
            "--regimes",
            "public,other.toml",
            "--replicates",
            "2",
            "--ticks",
            "60",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("city.map.sha256"),
        "{}",
        text(&out.stderr)
    );
    // More simulated than real residents, in words.
    let explain = coserve(&["explain", "row.toml"], d);
    assert!(
        text(&explain.stdout).contains("each real resident is simulated 1.0 times")
            || text(&explain.stdout).contains("each simulated resident stands for 1 real ones"),
        "{}",
        text(&explain.stdout)
    );
    // Higher is poorer: the ranks turn round.
    let poorer = Scenario::load(
        &d.join("row.toml"),
        &["city.map.ses_higher_is_poorer=true".into()],
    )
    .unwrap();
    let sim = Simulation::new(poorer);
    let hoods = &sim.city().neighbourhoods;
    assert!(hoods.windows(2).all(|w| w[0].ses_mean > w[1].ses_mean));
}

#[test]
fn bad_maps_in_a_scenario_are_named_where_they_are_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let baseline = root().join("scenarios/baseline.toml");
    let good = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"NAME":"a","POP":10,"INCOME":1},"geometry":{"type":"Polygon","coordinates":[[[0,0],[0.01,0],[0.01,0.01],[0,0.01],[0,0]]]}}]}"#;
    fs::write(d.join("good.geojson"), good).unwrap();
    fs::write(
        d.join("bad.geojson"),
        "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [,]\n}",
    )
    .unwrap();
    let map = |file: &str, extra: &str| {
        format!(
            "extends = \"{}\"\n[city]\nresidents = 100\n[city.map]\nfile = \"{file}\"\nname = \"NAME\"\npopulation = \"POP\"\nses = \"INCOME\"\n{extra}",
            baseline.display()
        )
    };
    for (scenario, words) in [
        (
            map("bad.geojson", ""),
            vec!["s.toml:5:", "bad.geojson:3:16: not valid JSON"],
        ),
        (map("none.geojson", ""), vec!["cannot read the map"]),
        (
            map("good.geojson", "").replace("population = \"POP\"", "population = \"PEOPLE\""),
            vec!["feature 0 (\"a\") has no property `PEOPLE`"],
        ),
        (
            map("good.geojson", "").replace("ses = \"INCOME\"\n", ""),
            vec!["city.map", "the required key `ses` is missing"],
        ),
        (
            map("good.geojson", "colour = \"red\"\n"),
            vec!["city.map.colour", "unknown key"],
        ),
        (
            map("good.geojson", "")
                .replace("residents = 100", "residents = 100\nneighbourhoods = 9"),
            vec![
                "city.neighbourhoods",
                "the map's 1 features are the city's neighbourhoods",
            ],
        ),
        (
            map(
                "good.geojson",
                "[[domains]]\nname = \"waste\"\nneed_index = \"CRIME\"\n",
            ),
            vec!["has no property `CRIME`"],
        ),
        (
            format!(
                "extends = \"{}\"\n[[domains]]\nname = \"waste\"\nneed_index = \"CRIME\"\n",
                baseline.display()
            ),
            vec!["domains.waste.need_index", "it needs a [city.map]"],
        ),
    ] {
        fs::write(d.join("s.toml"), &scenario).unwrap();
        let out = coserve(&["validate", "s.toml"], d);
        let err = text(&out.stderr) + &text(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{scenario}: {err}");
        for w in &words {
            assert!(err.contains(w), "`{w}` missing from: {err}");
        }
    }
}
