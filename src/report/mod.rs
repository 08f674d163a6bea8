//! `coserve report DIR`: charts (PNG and SVG) and one HTML page for a run, a
//! comparison or a sweep, written into `DIR/report/`. The page needs nothing
//! but its folder: no scripts, no fonts or files from elsewhere.

pub mod charts;

use crate::analysis::discover::short;
use crate::metrics::MAIN_METRICS;
use crate::output::{self, Destination, OutputError, Staging};
use crate::scenario::{Scenario, explain};
use charts::{Bar, Cell, Series};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

/// A CSV table read whole.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Result<Table, ReportError> {
        let failed = |source| ReportError::Table {
            path: path.to_path_buf(),
            source,
        };
        let mut r = csv::Reader::from_path(path).map_err(failed)?;
        let header = r
            .headers()
            .map_err(failed)?
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = r
            .records()
            .map(|rec| rec.map(|r| r.iter().map(str::to_owned).collect()))
            .collect::<Result<_, _>>()
            .map_err(failed)?;
        Ok(Table { header, rows })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn num(&self, row: &[String], name: &str) -> f64 {
        self.col(name)
            .and_then(|i| row[i].parse().ok())
            .unwrap_or(f64::NAN)
    }

    fn text<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.col(name).map_or("", |i| row[i].as_str())
    }
}

/// A result's manifest.json, read.
struct Manifest {
    path: PathBuf,
    json: serde_json::Value,
}

impl Manifest {
    /// The resolved scenario recorded under `key`.
    fn scenario(&self, key: &str) -> Result<Scenario, ReportError> {
        Scenario::from_manifest_json(&self.json[key]).map_err(|source| ReportError::Manifest {
            path: self.path.clone(),
            source,
        })
    }
}

impl std::ops::Deref for Manifest {
    type Target = serde_json::Value;
    fn deref(&self) -> &serde_json::Value {
        &self.json
    }
}

/// A chart on the page.
struct Figure {
    file: String,
    caption: String,
}

/// The page being built.
struct Page {
    title: String,
    sections: String,
    figures: Vec<(String, Vec<Figure>)>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A metric's name in words.
fn words(metric: &str) -> String {
    metric.replace('_', " ")
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The destination was refused or could not be written.
    #[error("{0}")]
    Output(#[from] OutputError),
    /// The folder has no readable manifest.json.
    #[error("{} is not a coserve result folder (no manifest.json: {source})", dir.display())]
    NotAResult {
        /// The folder named on the command line.
        dir: PathBuf,
        /// Why manifest.json could not be read.
        source: std::io::Error,
    },
    /// manifest.json, or the scenario recorded in it, is not what coserve writes.
    #[error("damaged manifest {}: {source}", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What the JSON reader found wrong.
        source: serde_json::Error,
    },
    /// A result table is missing or damaged.
    #[error("cannot read {}: {source}{}", path.display(), sweep_hint(path))]
    Table {
        /// The CSV file.
        path: PathBuf,
        /// What the CSV reader found wrong.
        source: csv::Error,
    },
    /// A file or folder of the report could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A chart could not be drawn.
    #[error("{0}")]
    Chart(#[from] charts::ChartError),
    /// A run's map.geojson could not be read.
    #[error("damaged map {}: {why}", path.display())]
    Map {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

/// A sweep's runs.csv is missing until the sweep finishes or its shards
/// are merged: say so.
fn sweep_hint(path: &Path) -> &'static str {
    if path.ends_with("runs.csv") {
        " (is the sweep finished, or its shards merged?)"
    } else {
        ""
    }
}

/// Writes the report of the run, comparison or sweep in `dir` into
/// `dir/report/`, refusing to replace an earlier report unless `force`.
/// Returns the path of `index.html`.
pub fn report(dir: &Path, force: bool) -> Result<PathBuf, ReportError> {
    let manifest_path = dir.join("manifest.json");
    let manifest_text =
        fs::read_to_string(&manifest_path).map_err(|source| ReportError::NotAResult {
            dir: dir.to_path_buf(),
            source,
        })?;
    let manifest: serde_json::Value =
        serde_json::from_str(&manifest_text).map_err(|source| ReportError::Manifest {
            path: manifest_path.clone(),
            source,
        })?;
    let dest = dir.join("report");
    let staging = Staging::new(&Destination {
        path: &dest,
        force,
        inputs: std::slice::from_ref(&manifest_path),
        kind: output::REPORT,
        remedy: "replace it with --force",
    })?;
    let charts_dir = staging.path("charts");
    fs::create_dir_all(&charts_dir).map_err(|source| ReportError::Write {
        path: charts_dir.clone(),
        source,
    })?;
    let manifest = Manifest {
        path: manifest_path.clone(),
        json: manifest,
    };
    let page = match manifest["kind"].as_str() {
        Some("compare") => {
            compare_page(dir, &manifest, &manifest.scenario("scenario")?, &charts_dir)?
        }
        Some("sweep") => sweep_page(dir, &manifest, &charts_dir)?,
        Some("calibration") => calibration_page(dir, &manifest, &charts_dir)?,
        Some("discovery") => discovery_page(dir, &manifest, &charts_dir)?,
        _ => run_page(dir, &manifest, &manifest.scenario("scenario")?, &charts_dir)?,
    };
    let index = staging.path("index.html");
    fs::write(&index, html(&page)).map_err(|source| ReportError::Write {
        path: index.clone(),
        source,
    })?;
    staging.commit()?;
    Ok(dest.join("index.html"))
}

/// docs/model.md's "What this model cannot tell you", in short, on every page.
const CANNOT_TELL: &str = "<h2>What this model cannot tell you</h2><ul>\
<li>It is not fitted to any city: every constant comes from a published study of another place and time. Results compare regimes under stated assumptions; they are not forecasts.</li>\
<li>How much residents volunteer, and what co-production costs in staff time, are assumptions from surveys and volunteer-programme evaluations; change them with <code>--set behaviour.KEY=VALUE</code> to see whether a result holds.</li>\
<li>Needs are all alike within a domain; people do not move; social capital is fixed; organizations are counted, not simulated one by one; trust is one number.</li>\
<li>Elite capture is measured across neighbourhoods only, not within them.</li>\
<li>Intervals say how sure the model is of its own result on common random numbers, not how sure anyone can be of the world.</li>\
</ul>";

/// What was simulated, in words, and the assumptions that matter.
fn scenario_section(s: &Scenario, manifest: &Manifest, extra: &str) -> String {
    let b = &s.behaviour;
    let mut out = String::new();
    // The plain-language scenario, less where `run` would write results.
    let described: String = explain(s)
        .lines()
        .filter(|l| !l.starts_with("Results go to"))
        .map(|l| format!("{l}\n"))
        .collect();
    let _ = write!(
        out,
        "<h2>What was simulated</h2><pre class=\"explain\">{}</pre>",
        escape(described.trim_end())
    );
    let _ = write!(
        out,
        "<h2>Assumptions that matter</h2><ul>\
<li>Needs arise at random (Poisson) at each domain's rate, more in poorer neighbourhoods; needs nobody reports are <b>hidden need</b>: real, counted in every result, invisible to the agency.</li>\
<li>Top-SES residents report needs {:.0}x as often as bottom-SES residents (311 studies); the agency plans from reports only.</li>\
<li>Public and volunteer input combine as a CES function of public input and effective hands; volunteers alone achieve nothing where they complement public work (rho below 0).</li>\
<li>Volunteers quit at {:.0}% a year at no burnout (CNCS 2009); conditional cooperators match {:.0}-100% of what others gave (Fischbacher &amp; Gächter).</li>\
<li>Trust falls {:.0}x faster on a failure than it rises on a success (Slovic 1993); the satisfaction threshold is calibrated so the status quo holds trust near 0.45 (OECD).</li>\
<li>Audits cut leakage: {:.0}% of spending leaks with no audits (Olken 2007).</li>\
</ul><p>Every mechanism, equation and source is in docs/model.md; every constant is in the scenario file.</p>",
        1.0 + b.report_ses_gradient,
        100.0 * (1.0 - (1.0 - b.quit_hazard).powi(52)),
        60.0,
        b.trust_loss / b.trust_gain,
        100.0 * b.leakage_base,
    );
    out.push_str(CANNOT_TELL);
    out + &provenance(manifest, extra)
}

/// "Provenance": the command, version and commit that made the result, so
/// a reader can make it again. A sweep's shards differ in their command
/// lines, so its manifest keeps none: the sweep file and its hash are shown.
fn provenance(manifest: &Manifest, extra: &str) -> String {
    let text = |key: &str| manifest[key].as_str().unwrap_or("not recorded").to_string();
    let made_by = match manifest["command_line"].as_array() {
        Some(args) => format!(
            "Made by <code>{}</code>",
            escape(
                &args
                    .iter()
                    .filter_map(|a| a.as_str())
                    .map(shell_word)
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        ),
        // Shards differ in their command lines, so a sweep keeps none.
        None if manifest["kind"] == "sweep" => format!(
            "Made by <code>coserve sweep</code> on the sweep file {} (with SHA-256 {}; shards, if any, joined by <code>coserve merge</code>)",
            escape(
                manifest["files"][0]["path"]
                    .as_str()
                    .unwrap_or("not recorded")
            ),
            escape(
                manifest["files"][0]["sha256"]
                    .as_str()
                    .unwrap_or("not recorded")
            )
        ),
        None => "Made by a command not recorded".into(),
    };
    format!(
        "<h2>Provenance</h2><p>{made_by} with coserve {}, commit <code>{}</code> · {}</p>",
        escape(&text("coserve_version")),
        escape(&text("coserve_commit")),
        extra
    )
}

/// `arg` as one word a POSIX shell reads back unchanged: quoted only when
/// it holds anything but letters, digits and `-_./=,:+@%`.
fn shell_word(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

fn run_page(
    dir: &Path,
    manifest: &Manifest,
    s: &Scenario,
    charts_dir: &Path,
) -> Result<Page, ReportError> {
    let ts = Table::read(&dir.join("timeseries.csv"))?;
    let window = s.run.summarised_weeks();
    let over_time = MAIN_METRICS
        .iter()
        .map(|metric| time_chart(&ts, metric, s.run.warmup, charts_dir))
        .collect::<Result<Vec<_>, _>>()?;
    let mut figures = vec![("Over time".to_string(), over_time)];
    if let Ok(hoods) = Table::read(&dir.join("neighbourhoods.csv")) {
        let outlines = read_outlines(&dir.join("map.geojson"))?;
        let hood_count = hoods
            .rows
            .iter()
            .filter(|r| hoods.num(r, "tick") == 0.0)
            .count();
        if let Some(o) = outlines.as_ref().filter(|o| o.len() != hood_count) {
            return Err(ReportError::Map {
                path: dir.join("map.geojson"),
                why: format!(
                    "it outlines {} neighbourhoods where neighbourhoods.csv has {hood_count}: the folder was changed after the run",
                    o.len()
                ),
            });
        }
        figures.push((
            "Where".to_string(),
            neighbourhood_maps(&hoods, outlines.as_deref(), charts_dir)?,
        ));
    }
    if let Ok(fifths) = Table::read(&dir.join("quintiles.csv")) {
        figures.push((
            "For whom".to_string(),
            equity_charts(&fifths, &window, charts_dir)?,
        ));
    }
    let extra = format!(
        "seed {} · scenario files: {}",
        s.run.seed,
        escape(&manifest["scenario_files"].to_string())
    );
    Ok(Page {
        title: format!("coserve run: {}", s.name),
        sections: scenario_section(s, manifest, &extra)
            + "<h2>Results</h2>"
            + &summary_table(&ts, &window)
            + &glossary(shown_metrics()),
        figures,
    })
}

/// One metric of a run week by week, the warm-up shaded.
fn time_chart(
    ts: &Table,
    metric: &str,
    warmup: u32,
    charts_dir: &Path,
) -> Result<Figure, ReportError> {
    let points: Vec<(f64, f64)> = ts
        .rows
        .iter()
        .map(|r| (ts.num(r, "tick"), ts.num(r, metric)))
        .collect();
    let series = [Series {
        name: words(metric),
        points,
        band: None,
    }];
    weekly_chart(metric, &series, " week by week", warmup, charts_dir)
}

/// `time_<metric>`: `series` of `metric` against the week, the first
/// `warmup` weeks shaded, captioned "<metric><how>".
fn weekly_chart(
    metric: &str,
    series: &[Series],
    how: &str,
    warmup: u32,
    charts_dir: &Path,
) -> Result<Figure, ReportError> {
    let file = format!("time_{metric}");
    charts::lines(
        &charts_dir.join(&file),
        &words(metric),
        ("week", &words(metric)),
        series,
        (warmup > 0).then_some(f64::from(warmup)),
    )?;
    Ok(Figure {
        file,
        caption: format!("{}{how}", words(metric)),
    })
}

/// The metrics of a run's or comparison's tables and charts, each once.
fn shown_metrics() -> impl Iterator<Item = &'static str> {
    let table = crate::metrics::TABLE_METRICS.iter();
    let charted = MAIN_METRICS
        .iter()
        .filter(|m| !crate::metrics::TABLE_METRICS.contains(m));
    table.chain(charted).copied()
}

/// "What the metrics mean": the unit and meaning of each of `metrics`, for
/// the foot of a page that shows them.
fn glossary<'a>(metrics: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from(
        "<h2>What the metrics mean</h2><table><tr><th>metric</th><th>unit</th><th>what it measures</th></tr>",
    );
    for metric in metrics {
        if let Some(d) = crate::metrics::definition(metric) {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                words(metric),
                escape(d.unit),
                escape(d.meaning)
            );
        }
    }
    out + "</table><p>Money is in the scenario's currency, the one its budgets are written in. Every column of the result tables is defined in docs/model.md.</p>"
}

/// The rows of weekly `table` whose `tick` is in `window`.
fn in_window<'a>(
    table: &'a Table,
    window: &'a std::ops::Range<u32>,
) -> impl Iterator<Item = &'a Vec<String>> + 'a {
    table.rows.iter().filter(move |r| {
        let tick = table.num(r, "tick");
        tick >= f64::from(window.start) && tick < f64::from(window.end)
    })
}

/// Every table metric's mean and range over the summarised weeks.
fn summary_table(ts: &Table, window: &std::ops::Range<u32>) -> String {
    let mut table = format!(
        "<p>Over {}, the window of every summary of this run.</p><table><tr><th>metric</th><th>unit</th><th>mean</th><th>range, week to week</th></tr>",
        crate::scenario::describe_weeks(window)
    );
    for metric in crate::metrics::TABLE_METRICS {
        let values: Vec<f64> = in_window(ts, window)
            .map(|r| ts.num(r, metric))
            .filter(|x| x.is_finite())
            .collect();
        let unit = crate::metrics::definition(metric).map_or("", |d| d.unit);
        if values.is_empty() {
            let _ = write!(
                table,
                "<tr><td>{}</td><td>{unit}</td><td colspan=\"2\">not defined in this run</td></tr>",
                words(metric)
            );
            continue;
        }
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let (lo, hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        let _ = write!(
            table,
            "<tr><td>{}</td><td>{unit}</td><td>{mean:.3}</td><td>{lo:.3} to {hi:.3}</td></tr>",
            words(metric)
        );
    }
    table
        + "</table><p>One run is one draw of chance: the range shows week-to-week variation, not uncertainty across seeds. For confidence intervals compare regimes over replicates with <code>coserve compare</code>.</p>"
}

/// Maps of open needs and trust by neighbourhood in the last week.
/// One neighbourhood's outline: polygons, each an exterior ring then its
/// holes, as (longitude, latitude).
type Outline = Vec<Vec<Vec<(f64, f64)>>>;

/// A run's map.geojson, if it has one: each neighbourhood's outline (in
/// index order), read with the `geojson` crate.
fn read_outlines(path: &Path) -> Result<Option<Vec<Outline>>, ReportError> {
    let Ok(text) = fs::read_to_string(path) else {
        return Ok(None);
    };
    let bad = |why: String| ReportError::Map {
        path: path.to_path_buf(),
        why,
    };
    let collection: geojson::FeatureCollection = text
        .parse()
        .map_err(|e: geojson::Error| bad(e.to_string()))?;
    let mut outlines = vec![Vec::new(); collection.features.len()];
    for f in &collection.features {
        let index = f
            .property("neighbourhood")
            .and_then(serde_json::Value::as_u64)
            .map(|i| i as usize)
            .filter(|&i| i < outlines.len())
            .ok_or_else(|| bad("a feature without a valid `neighbourhood` index".into()))?;
        let ring = |r: &Vec<geojson::Position>| -> Vec<(f64, f64)> {
            r.iter()
                .map(|p| (p.as_slice()[0], p.as_slice().get(1).copied().unwrap_or(0.0)))
                .collect()
        };
        outlines[index] = match f.geometry.as_ref().map(|g| &g.value) {
            Some(geojson::GeometryValue::Polygon { coordinates }) => {
                vec![coordinates.iter().map(ring).collect()]
            }
            Some(geojson::GeometryValue::MultiPolygon { coordinates }) => coordinates
                .iter()
                .map(|p| p.iter().map(ring).collect())
                .collect(),
            _ => return Err(bad(format!("neighbourhood {index} has no polygon"))),
        };
    }
    Ok(Some(outlines))
}

/// Each neighbourhood at the last week, coloured by a metric: on the real
/// map when the run has one (`outlines`), else on the grid.
fn neighbourhood_maps(
    hoods: &Table,
    outlines: Option<&[Outline]>,
    charts_dir: &Path,
) -> Result<Vec<Figure>, ReportError> {
    let last_tick = hoods
        .rows
        .iter()
        .map(|r| hoods.num(r, "tick"))
        .fold(0.0, f64::max);
    let last: Vec<&Vec<String>> = hoods
        .rows
        .iter()
        .filter(|r| hoods.num(r, "tick") == last_tick)
        .collect();
    let mut maps = Vec::new();
    for (metric, label) in [
        ("unmet_need_per_capita", "open needs per resident"),
        ("trust", "trust"),
    ] {
        let file = format!("map_{metric}");
        let title = format!("{} at the end, by neighbourhood", words(metric));
        match outlines {
            Some(outlines) => {
                let mut areas: Vec<charts::MapArea> = outlines
                    .iter()
                    .map(|polygons| charts::MapArea {
                        polygons: polygons.clone(),
                        value: f64::NAN,
                    })
                    .collect();
                for r in &last {
                    let n = hoods.num(r, "neighbourhood");
                    if let Some(area) = areas.get_mut(n as usize).filter(|_| n >= 0.0) {
                        area.value = hoods.num(r, metric);
                    }
                }
                charts::area_map(&charts_dir.join(&file), &title, label, &areas)?;
            }
            None => {
                let cells: Vec<Cell> = last
                    .iter()
                    .map(|r| Cell {
                        column: hoods.num(r, "column") as u32,
                        row: hoods.num(r, "row") as u32,
                        value: hoods.num(r, metric),
                    })
                    .collect();
                charts::map(&charts_dir.join(&file), &title, label, &cells)?;
            }
        }
        maps.push(Figure {
            file,
            caption: format!("{label} in each neighbourhood at week {last_tick}"),
        });
    }
    Ok(maps)
}

/// Coverage, trust and participation by SES fifth over the summarised weeks.
fn equity_charts(
    q: &Table,
    window: &std::ops::Range<u32>,
    charts_dir: &Path,
) -> Result<Vec<Figure>, ReportError> {
    let mut equity = Vec::new();
    for metric in ["coverage", "trust", "participation_rate"] {
        let bars: Vec<Bar> = (1..=5)
            .map(|quintile| {
                let values: Vec<f64> = in_window(q, window)
                    .filter(|r| q.num(r, "quintile") == quintile as f64)
                    .map(|r| q.num(r, metric))
                    .filter(|x| x.is_finite())
                    .collect();
                let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
                Bar {
                    label: format!("fifth {quintile}"),
                    group: 0,
                    value: mean,
                    interval: None,
                }
            })
            .collect();
        let file = format!("equity_{metric}");
        charts::bars(
            &charts_dir.join(&file),
            &format!(
                "{} by SES fifth (1 = poorest), weeks {} to {}",
                words(metric),
                window.start,
                window.end.saturating_sub(1)
            ),
            &words(metric),
            &[],
            &bars,
        )?;
        equity.push(Figure {
            file,
            caption: format!(
                "{} by SES fifth, mean over {}",
                words(metric),
                crate::scenario::describe_weeks(window)
            ),
        });
    }
    Ok(equity)
}

fn compare_page(
    dir: &Path,
    manifest: &Manifest,
    s: &Scenario,
    charts_dir: &Path,
) -> Result<Page, ReportError> {
    let regimes: Vec<String> = manifest["regimes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let reference = regimes.first().cloned().unwrap_or_default();
    let bands = Table::read(&dir.join("compare_timeseries.csv"))?;
    let cmp = Table::read(&dir.join("compare.csv"))?;
    let window = s.run.summarised_weeks();
    let mut over_time = Vec::new();
    let mut differences = Vec::new();
    for metric in MAIN_METRICS {
        over_time.push(band_chart(
            &bands,
            &regimes,
            metric,
            s.run.warmup,
            charts_dir,
        )?);
        differences.push(difference_chart(
            &cmp, metric, &reference, &window, charts_dir,
        )?);
    }
    let replicates = manifest["seeds"].as_array().map_or(0, Vec::len);
    let table = comparison_table(&cmp, &regimes)
        + &format!(
            "<p>{replicates} replicates per regime, each regime on the same city with the same random numbers (seeds {}). Each cell: the regime's mean over {}, that is every replicate's weekly mean over that window, averaged over the replicates, with the half-width of its 95% interval (Student's t, df = replicates - 1) and the standard deviation across replicates; below it, the paired difference to {} with its 95% interval (paired t on the per-replicate differences, df = replicates - 1). An interval that excludes 0 is a difference chance alone is unlikely to make; one that contains 0 is marked <b>within noise</b>. The seed's share of the variance is the share of the metric's variance over all runs that lies within regimes (replicate to replicate) rather than between them: near 100%, the regimes barely move the metric. These intervals are Monte Carlo error under common random numbers: how sure the model is of its own result with these parameters, not how uncertain the parameters are. For that, sweep the uncertain inputs (<code>coserve sweep</code>, <code>coserve sensitivity</code>).</p>",
            escape(&manifest["seeds"].to_string()),
            crate::scenario::describe_weeks(&window),
            escape(&reference)
        );
    Ok(Page {
        title: format!("coserve comparison: {}", regimes.join(" vs ")),
        sections: scenario_section(
            s,
            manifest,
            &format!(
                "regimes {} · replicates {replicates}",
                escape(&regimes.join(", "))
            ),
        ) + &regimes_side_by_side(manifest, &regimes)
            + "<h2>Results</h2>"
            + &table
            + &glossary(shown_metrics()),
        figures: vec![
            ("Over time".into(), over_time),
            ("Differences".into(), differences),
        ],
    })
}

/// "How the regimes differ": what a preset replaced in the compared file,
/// then every governance knob of every regime side by side, and any other
/// key in which the regimes differ (interventions, behaviour, domains).
/// Empty for a comparison written before regimes were recorded.
fn regimes_side_by_side(manifest: &Manifest, regimes: &[String]) -> String {
    let Some(scenarios) = manifest["regime_scenarios"].as_array() else {
        return String::new();
    };
    let flat: Vec<BTreeMap<String, String>> = scenarios
        .iter()
        .map(|s| {
            let mut keys = BTreeMap::new();
            flatten("", s, &mut keys);
            keys
        })
        .collect();
    let mut keys: Vec<&String> = flat.iter().flat_map(|f| f.keys()).collect();
    keys.sort();
    keys.dedup();
    let value =
        |f: &BTreeMap<String, String>, k: &str| f.get(k).cloned().unwrap_or_else(|| "-".into());
    let mut out = String::from("<h2>How the regimes differ</h2>");
    for note in manifest["notes"].as_array().into_iter().flatten() {
        let _ = write!(
            out,
            "<p class=\"note\">{}</p>",
            escape(note.as_str().unwrap_or(""))
        );
    }
    let _ = write!(
        out,
        "<p>Every governance knob of every regime, and any other key in which they differ; rows that differ are marked ≠.</p><table><tr><th>key</th>{}</tr>",
        regimes
            .iter()
            .map(|r| format!("<th>{}</th>", escape(r)))
            .collect::<String>()
    );
    for key in keys {
        if matches!(key.as_str(), "run.seed" | "name" | "description") || key.starts_with("files") {
            continue;
        }
        let values: Vec<String> = flat.iter().map(|f| value(f, key)).collect();
        let differs = values.iter().any(|v| v != &values[0]);
        if !differs && !key.starts_with("governance.") {
            continue;
        }
        let _ = write!(
            out,
            "<tr><td>{}{}</td>{}</tr>",
            if differs { "≠ " } else { "" },
            escape(&key.replace("governance.knobs.", "governance.")),
            values
                .iter()
                .map(|v| format!("<td>{}</td>", escape(v)))
                .collect::<String>()
        );
    }
    out + "</table>"
}

/// `value`'s leaves as dotted keys (`governance.knobs.lag`, `domains[0].alpha`).
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        // Absent optional keys (an intervention without a preset).
        serde_json::Value::Null => {}
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// The rows of compare.csv for `metric`'s means, one per regime in order.
fn mean_rows<'a>(cmp: &'a Table, metric: &str) -> Vec<&'a Vec<String>> {
    cmp.rows
        .iter()
        .filter(|r| cmp.text(r, "metric") == metric && cmp.text(r, "statistic") == "mean")
        .collect()
}

/// Every table metric under every regime, with the paired difference to
/// the first regime and its interval.
fn comparison_table(cmp: &Table, regimes: &[String]) -> String {
    let mut table = format!(
        "<table><tr><th>metric (mean after the warm-up)</th><th>seed's share of the variance</th>{}</tr>",
        regimes
            .iter()
            .map(|r| format!("<th>{}</th>", escape(r)))
            .collect::<String>()
    );
    for metric in crate::metrics::TABLE_METRICS {
        let rows = mean_rows(cmp, metric);
        // Old comparisons have no seed_share column: "n/a" then.
        let seed_share = rows.first().map_or(f64::NAN, |r| cmp.num(r, "seed_share"));
        let share = if seed_share.is_nan() {
            "n/a".to_string()
        } else {
            format!("{:.0}%", 100.0 * seed_share)
        };
        let _ = write!(table, "<tr><td>{}</td><td>{share}</td>", words(metric));
        for (i, r) in rows.iter().enumerate() {
            // Each regime's own mean with its 95% interval (t, df = n - 1)
            // and sd across replicates, then the paired difference.
            let (mean, sd, n) = (
                cmp.num(r, "mean"),
                cmp.num(r, "sd"),
                cmp.num(r, "replicates_defined"),
            );
            let half = if n >= 2.0 {
                crate::sweep::stats::t_975(n as usize - 1) * sd / n.sqrt()
            } else {
                f64::NAN
            };
            if mean.is_nan() {
                // Nothing to measure under this regime (capture with no
                // discretionary money).
                table += "<td>n/a";
            } else if half.is_nan() {
                let _ = write!(
                    table,
                    "<td>{mean:.3}<br><small>one replicate defined</small>"
                );
            } else {
                let _ = write!(
                    table,
                    "<td>{mean:.3} ± {half:.3}<br><small>sd {sd:.3}</small>"
                );
            }
            if i > 0 && !cmp.num(r, "diff").is_nan() {
                let noise = if cmp.text(r, "within_noise") == "true" {
                    " <b>within noise</b>"
                } else {
                    ""
                };
                let _ = write!(
                    table,
                    "<br><small>{:+.3} [{:+.3}, {:+.3}]{noise}</small>",
                    cmp.num(r, "diff"),
                    cmp.num(r, "diff_ci_low"),
                    cmp.num(r, "diff_ci_high")
                );
            }
            table += "</td>";
        }
        table += "</tr>";
    }
    table + "</table>"
}

/// `metric` week by week under each regime, with the range across replicates.
fn band_chart(
    bands: &Table,
    regimes: &[String],
    metric: &str,
    warmup: u32,
    charts_dir: &Path,
) -> Result<Figure, ReportError> {
    let series: Vec<Series> = regimes
        .iter()
        .map(|regime| {
            let rows: Vec<&Vec<String>> = bands
                .rows
                .iter()
                .filter(|r| bands.text(r, "regime") == regime && bands.text(r, "metric") == metric)
                .collect();
            Series {
                name: regime.clone(),
                points: rows
                    .iter()
                    .map(|r| (bands.num(r, "tick"), bands.num(r, "mean")))
                    .collect(),
                band: Some(
                    rows.iter()
                        .map(|r| {
                            (
                                bands.num(r, "tick"),
                                bands.num(r, "low"),
                                bands.num(r, "high"),
                            )
                        })
                        .collect(),
                ),
            }
        })
        .collect();
    weekly_chart(
        metric,
        &series,
        ": mean over replicates, band = range across replicates",
        warmup,
        charts_dir,
    )
}

/// Each regime's paired difference to `reference` in `metric`, with intervals.
fn difference_chart(
    cmp: &Table,
    metric: &str,
    reference: &str,
    window: &std::ops::Range<u32>,
    charts_dir: &Path,
) -> Result<Figure, ReportError> {
    let bars: Vec<Bar> = mean_rows(cmp, metric)
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, r)| Bar {
            label: cmp.text(r, "regime").to_string(),
            group: i,
            value: cmp.num(r, "diff"),
            interval: Some((cmp.num(r, "diff_ci_low"), cmp.num(r, "diff_ci_high"))),
        })
        .collect();
    let file = format!("diff_{metric}");
    charts::bars(
        &charts_dir.join(&file),
        &format!("{}: difference to {reference}", words(metric)),
        "paired difference",
        &[],
        &bars,
    )?;
    Ok(Figure {
        file,
        caption: format!(
            "{}: paired difference to {reference}, mean over {}, with 95% confidence interval",
            words(metric),
            crate::scenario::describe_weeks(window)
        ),
    })
}

/// A calibration: each parameter's prior and posterior, the two most
/// correlated parameters against each other, every target against its
/// posterior predictive interval, and the tolerance generation by
/// generation.
fn calibration_page(
    dir: &Path,
    manifest: &Manifest,
    charts_dir: &Path,
) -> Result<Page, ReportError> {
    let posterior = Table::read(&dir.join("posterior.csv"))?;
    let generations = Table::read(&dir.join("generations.csv"))?;
    let predictive = Table::read(&dir.join("predictive.csv"))?;
    let last = generations.rows.len().saturating_sub(1) as f64;
    let mut figures = vec![(
        "Parameters".to_string(),
        marginal_charts(&posterior, last, charts_dir)?,
    )];
    if let Some(pair) = pair_chart(&posterior, last, charts_dir)? {
        figures.push(("The most correlated pair".into(), vec![pair]));
    }
    figures.push((
        "Fit".into(),
        fit_charts(&predictive, &generations, charts_dir)?,
    ));
    let sections = format!(
        "<h2>What was fitted</h2><p>Model: {} <code>{}</code>; fixed overrides {}; parameters and priors: {}.</p>\
<h2>Targets</h2><table><tr><th>metric</th><th>window</th><th>observed</th><th>sd</th><th>posterior predictive median [90%]</th><th>inside the 90%</th><th>source</th></tr>{}</table>\
<p>ABC-SMC (Beaumont et al. 2009): particles drawn from the priors are kept when their simulated targets come within a tolerance of the observed ones, in sd units, and the tolerance narrows generation by generation. The posterior's intervals say how uncertain a parameter stays given the targets, their sd and the priors; a target outside its predictive interval is one the model does not reach with these parameters.</p>",
        escape(manifest["model"].as_str().unwrap_or("?")),
        escape(manifest["model_file"].as_str().unwrap_or("?")),
        escape(&manifest["set"].to_string()),
        escape(&manifest["parameters"].to_string()),
        target_rows(&predictive),
    ) + &provenance(
        manifest,
        "the posterior is the last generation of posterior.csv",
    );
    Ok(Page {
        title: format!(
            "coserve calibration: {}",
            manifest["name"].as_str().unwrap_or("")
        ),
        sections,
        figures,
    })
}

/// The fitted parameters: posterior.csv's columns after its first four.
fn fitted(posterior: &Table) -> Vec<String> {
    posterior.header.iter().skip(4).cloned().collect()
}

/// posterior.csv's rows of generation `g`.
fn of_generation(posterior: &Table, g: f64) -> Vec<&Vec<String>> {
    posterior
        .rows
        .iter()
        .filter(|r| posterior.num(r, "generation") == g)
        .collect()
}

/// `calibration_marginal_<parameter>`: the weight of the prior's (generation
/// 0) and the posterior's (generation `last`) particles in twelve bins.
fn marginal_charts(
    posterior: &Table,
    last: f64,
    charts_dir: &Path,
) -> Result<Vec<Figure>, ReportError> {
    let (prior, post) = (
        of_generation(posterior, 0.0),
        of_generation(posterior, last),
    );
    let mut marginals = Vec::new();
    for p in &fitted(posterior) {
        let values = |rows: &[&Vec<String>]| -> Vec<(f64, f64)> {
            rows.iter()
                .map(|r| (posterior.num(r, p), posterior.num(r, "weight")))
                .collect()
        };
        let (pv, qv) = (values(&prior), values(&post));
        let (lo, hi) = pv
            .iter()
            .chain(&qv)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (x, _)| {
                (a.min(*x), b.max(*x))
            });
        let bins = 12;
        let width = ((hi - lo) / bins as f64).max(1e-12);
        let histogram = |v: &[(f64, f64)]| -> Vec<f64> {
            let mut h = vec![0.0; bins];
            for (x, w) in v {
                h[(((x - lo) / width) as usize).min(bins - 1)] += w;
            }
            h
        };
        let bars: Vec<Bar> = histogram(&pv)
            .into_iter()
            .zip(histogram(&qv))
            .enumerate()
            .flat_map(|(i, (a, b))| {
                let label = format!("{:.3}", lo + (i as f64 + 0.5) * width);
                [
                    Bar {
                        label: label.clone(),
                        group: 0,
                        value: a,
                        interval: None,
                    },
                    Bar {
                        label: String::new(),
                        group: 1,
                        value: b,
                        interval: None,
                    },
                ]
            })
            .collect();
        let file = format!("calibration_marginal_{}", p.replace('.', "_"));
        charts::bars(
            &charts_dir.join(&file),
            &format!("{p}: prior and posterior"),
            "weight",
            &[
                "prior (generation 0)".into(),
                format!("posterior (generation {last})"),
            ],
            &bars,
        )?;
        marginals.push(Figure {
            file,
            caption: format!(
                "{p}: the weight of the prior's and the posterior's particles in twelve bins"
            ),
        });
    }
    Ok(marginals)
}

/// `calibration_pair`: the posterior's two most correlated parameters
/// against each other; none with a single parameter.
fn pair_chart(
    posterior: &Table,
    last: f64,
    charts_dir: &Path,
) -> Result<Option<Figure>, ReportError> {
    let params = fitted(posterior);
    if params.len() < 2 {
        return Ok(None);
    }
    let post = of_generation(posterior, last);
    // The pair with the largest absolute correlation in the posterior.
    let column = |p: &str| -> Vec<f64> { post.iter().map(|r| posterior.num(r, p)).collect() };
    let mut best = (0, 1, -1.0);
    for i in 0..params.len() {
        for j in i + 1..params.len() {
            let r = correlation(&column(&params[i]), &column(&params[j])).abs();
            if r > best.2 {
                best = (i, j, r);
            }
        }
    }
    let (a, b) = (&params[best.0], &params[best.1]);
    let points: Vec<(f64, f64)> = column(a).into_iter().zip(column(b)).collect();
    let file = "calibration_pair".to_string();
    charts::scatter(
        &charts_dir.join(&file),
        &format!("{a} and {b}"),
        a,
        b,
        &[(String::new(), points)],
    )?;
    Ok(Some(Figure {
        file,
        caption: format!(
            "the posterior's particles: {a} against {b} (|correlation| {:.2})",
            best.2
        ),
    }))
}

/// `calibration_targets` (each target beside its posterior predictive
/// interval) and `calibration_tolerance` (by generation).
fn fit_charts(
    predictive: &Table,
    generations: &Table,
    charts_dir: &Path,
) -> Result<Vec<Figure>, ReportError> {
    let mut bars = Vec::new();
    for r in &predictive.rows {
        let label = format!(
            "{} {}-{}",
            predictive.text(r, "metric"),
            predictive.text(r, "window_from"),
            predictive.text(r, "window_to")
        );
        let (value, sd) = (predictive.num(r, "value"), predictive.num(r, "sd"));
        bars.push(Bar {
            label,
            group: 0,
            value,
            interval: Some((value - sd, value + sd)),
        });
        bars.push(Bar {
            label: String::new(),
            group: 1,
            value: predictive.num(r, "median"),
            interval: Some((predictive.num(r, "p5"), predictive.num(r, "p95"))),
        });
    }
    charts::bars(
        &charts_dir.join("calibration_targets"),
        "targets and the posterior predictive",
        "value",
        &[
            "observed ± sd".into(),
            "posterior predictive median, 90%".into(),
        ],
        &bars,
    )?;
    let tolerance: Vec<(f64, f64)> = generations
        .rows
        .iter()
        .map(|r| {
            (
                generations.num(r, "generation"),
                generations.num(r, "tolerance"),
            )
        })
        .filter(|p| p.1.is_finite())
        .collect();
    charts::lines(
        &charts_dir.join("calibration_tolerance"),
        "tolerance by generation",
        ("generation", "tolerance (distance in sd units)"),
        &[Series {
            name: "tolerance".into(),
            points: tolerance,
            band: None,
        }],
        None,
    )?;
    Ok(vec![
            Figure {
                file: "calibration_targets".into(),
                caption: "each target (observed, ± its sd) beside the posterior predictive median and 90% interval".into(),
            },
            Figure {
                file: "calibration_tolerance".into(),
                caption: "the tolerance of each generation: the distance within which particles were kept".into(),
            },
        ])
}

/// The targets table's rows: each target with its posterior predictive
/// median and 90% interval, whether it lies inside, and its source.
fn target_rows(predictive: &Table) -> String {
    predictive
        .rows
        .iter()
        .map(|r| {
            format!(
                "<tr><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{:.4} [{:.4}, {:.4}]</td><td>{}</td><td>{}</td></tr>",
                escape(predictive.text(r, "metric")),
                escape(predictive.text(r, "window_from")),
                escape(predictive.text(r, "window_to")),
                escape(predictive.text(r, "value")),
                escape(predictive.text(r, "sd")),
                predictive.num(r, "median"),
                predictive.num(r, "p5"),
                predictive.num(r, "p95"),
                if predictive.text(r, "inside_90") == "true" { "yes" } else { "<b>no</b>" },
                escape(predictive.text(r, "source")),
            )
        })
        .collect()
}

/// Pearson's correlation of `a` and `b`; 0 when either does not vary.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    if va > 0.0 && vb > 0.0 {
        cov / (va * vb).sqrt()
    } else {
        0.0
    }
}

fn sweep_page(dir: &Path, manifest: &Manifest, charts_dir: &Path) -> Result<Page, ReportError> {
    let sweep = &manifest["sweep"];
    let runs = Table::read(&dir.join("runs.csv"))?;
    let factors: Vec<String> = sweep["factors"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|x| x["key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut scatter = Vec::new();
    for factor in &factors {
        for metric in MAIN_METRICS {
            scatter.extend(factor_chart(&runs, factor, metric, charts_dir)?);
        }
    }
    let mut figures = vec![("Metrics against factors".to_string(), scatter)];
    if let Ok(sobol) = Table::read(&dir.join("sobol.csv")) {
        figures.push(("Sensitivity".to_string(), sobol_charts(&sobol, charts_dir)?));
    }
    if let Ok(morris) = Table::read(&dir.join("morris.csv")) {
        figures.push(("Screening".to_string(), morris_charts(&morris, charts_dir)?));
    }
    let sections = format!(
        "<h2>What was swept</h2><p>Base scenario {} with overrides {}; design <b>{}</b>, {} runs ({} points x {} replicates), seed {}; factors: {}.</p>\
<h2>Results</h2><p>One row per run in runs.csv. Each point below is one run; the spread at a given factor value shows the other factors and chance. Sobol indices (when computed with <code>coserve sensitivity</code>) carry 95% bootstrap intervals.</p>",
        escape(&sweep["scenario"].to_string()),
        escape(&sweep["set"].to_string()),
        escape(sweep["design"].as_str().unwrap_or("?")),
        manifest["runs"],
        manifest["points"],
        sweep["replicates"],
        sweep["seed"],
        escape(&factors.join(", ")),
    );
    // The base scenario in words, as every run starts from it; the factors'
    // own values in it are replaced run by run.
    let regimes: Vec<&str> = sweep["regimes"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    let regimes = if regimes.is_empty() {
        String::new()
    } else {
        format!(
            " This is a regime sweep: every design point and replicate ran under each of {}, on the same seeds, so the governance described below is replaced run by run by the regime's preset (runs.csv's <code>regime</code> column; the charts colour runs by regime).",
            escape(&regimes.join(", "))
        )
    };
    let sections = format!(
        "<p>Every run starts from the base scenario described below, with the fixed overrides; in each run, the sweep's values of {} replace those shown.{regimes}</p>",
        escape(&factors.join(", "))
    ) + &scenario_section(
        &manifest.scenario("base_scenario")?,
        manifest,
        "every run of the sweep starts from the scenario above",
    ) + &sections
        + &glossary(MAIN_METRICS.iter().copied());
    Ok(Page {
        title: format!("coserve sweep: {}", sweep["name"].as_str().unwrap_or("")),
        sections,
        figures,
    })
}

/// Each run's mean of `metric` against its value of `factor`, one colour
/// per regime in a regime sweep; `None` for a factor of names, not numbers.
fn factor_chart(
    runs: &Table,
    factor: &str,
    metric: &str,
    charts_dir: &Path,
) -> Result<Option<Figure>, ReportError> {
    let column = format!("{metric}_mean");
    let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for r in &runs.rows {
        let point = (runs.num(r, factor), runs.num(r, &column));
        if !point.0.is_finite() {
            continue;
        }
        let regime = runs.text(r, crate::sweep::REGIME_COLUMN);
        match groups.iter_mut().find(|g| g.0 == regime) {
            Some(g) => g.1.push(point),
            None => groups.push((regime.to_string(), vec![point])),
        }
    }
    if groups.is_empty() {
        return Ok(None);
    }
    let file = format!("sweep_{}_{metric}", factor.replace('.', "_"));
    charts::scatter(
        &charts_dir.join(&file),
        &format!("{} against {factor}", words(metric)),
        factor,
        &format!("{} (mean after the warm-up)", words(metric)),
        &groups,
    )?;
    let per = if groups.len() > 1 {
        "one point per run, coloured by regime"
    } else {
        "one point per run"
    };
    Ok(Some(Figure {
        file,
        caption: format!(
            "{} averaged over each run after its warm-up, against {factor}; {per}",
            words(metric)
        ),
    }))
}

/// First-order and total Sobol indices of each metric in sobol.csv, with
/// their intervals.
fn sobol_charts(sobol: &Table, charts_dir: &Path) -> Result<Vec<Figure>, ReportError> {
    let mut metrics: Vec<&str> = Vec::new();
    for r in &sobol.rows {
        let metric = sobol.text(r, "metric");
        if !metrics.contains(&metric) {
            metrics.push(metric);
        }
    }
    let mut indices = Vec::new();
    for metric in metrics {
        let mut bars = Vec::new();
        for r in sobol
            .rows
            .iter()
            .filter(|r| sobol.text(r, "metric") == metric)
        {
            let key = sobol.text(r, "factor");
            let factor = key.rsplit('.').next().unwrap_or(key);
            bars.push(Bar {
                label: format!("{factor} S1"),
                group: 0,
                value: sobol.num(r, "first_order"),
                interval: Some((
                    sobol.num(r, "first_order_low"),
                    sobol.num(r, "first_order_high"),
                )),
            });
            bars.push(Bar {
                label: format!("{factor} ST"),
                group: 1,
                value: sobol.num(r, "total"),
                interval: Some((sobol.num(r, "total_low"), sobol.num(r, "total_high"))),
            });
        }
        let file = format!("sobol_{metric}");
        charts::bars(
            &charts_dir.join(&file),
            &format!("Sobol indices: {}", words(metric)),
            "index",
            &["first order".into(), "total".into()],
            &bars,
        )?;
        let caveats: Vec<String> = sobol
            .rows
            .iter()
            .filter(|r| sobol.text(r, "metric") == metric && !sobol.text(r, "caveat").is_empty())
            .map(|r| format!("{}: {}", sobol.text(r, "factor"), sobol.text(r, "caveat")))
            .collect();
        let warning = if caveats.is_empty() {
            String::new()
        } else {
            format!(". Read with care: {}", caveats.join("; "))
        };
        let seed_share = sobol
            .rows
            .iter()
            .find(|r| sobol.text(r, "metric") == metric)
            .map_or(f64::NAN, |r| sobol.num(r, "seed_share"));
        let noise = if seed_share.is_nan() {
            "; the seed's share of the variance was not measured (one replicate per point)"
                .to_string()
        } else {
            format!(
                "; the seed makes {:.0}% of the variance these indices divide",
                100.0 * seed_share
            )
        };
        indices.push(Figure {
            file,
            caption: format!(
                "share of the variance of {} due to each factor alone (S1) and with its interactions (ST), with 95% bootstrap intervals{noise}{warning}",
                words(metric)
            ),
        });
    }
    Ok(indices)
}

/// mu* of each factor for each metric in morris.csv, with intervals.
fn morris_charts(morris: &Table, charts_dir: &Path) -> Result<Vec<Figure>, ReportError> {
    let mut metrics: Vec<&str> = Vec::new();
    for r in &morris.rows {
        let metric = morris.text(r, "metric");
        if !metrics.contains(&metric) {
            metrics.push(metric);
        }
    }
    let mut figures = Vec::new();
    for metric in metrics {
        let rows: Vec<&Vec<String>> = morris
            .rows
            .iter()
            .filter(|r| morris.text(r, "metric") == metric)
            .collect();
        let bars: Vec<Bar> = rows
            .iter()
            .map(|r| {
                let key = morris.text(r, "factor");
                Bar {
                    label: key.rsplit('.').next().unwrap_or(key).to_string(),
                    group: 0,
                    value: morris.num(r, "mu_star"),
                    interval: Some((morris.num(r, "mu_star_low"), morris.num(r, "mu_star_high"))),
                }
            })
            .collect();
        let file = format!("morris_{metric}");
        charts::bars(
            &charts_dir.join(&file),
            &format!("Morris screening: {}", words(metric)),
            "mu* (change per full range)",
            &[],
            &bars,
        )?;
        let noise = rows
            .first()
            .map_or(f64::NAN, |r| morris.num(r, "noise_mu_star"));
        let noise = if noise.is_nan() {
            "; what seed noise alone would give was not measured (one replicate per point)"
                .to_string()
        } else {
            format!("; seed noise alone would give a mu* of about {noise:.4}")
        };
        let caveats: Vec<String> = rows
            .iter()
            .filter(|r| !morris.text(r, "caveat").is_empty())
            .map(|r| format!("{}: {}", morris.text(r, "factor"), morris.text(r, "caveat")))
            .collect();
        let warning = if caveats.is_empty() {
            String::new()
        } else {
            format!(". Read with care: {}", caveats.join("; "))
        };
        figures.push(Figure {
            file,
            caption: format!(
                "mean absolute elementary effect (mu*) of each factor on {}, with 95% bootstrap intervals over trajectories: a ranking for screening, not shares of variance{noise}{warning}",
                words(metric)
            ),
        });
    }
    Ok(figures)
}

/// A discovery: the boxes in words, the trade-off each was chosen from,
/// and each box against the ranges the runs sampled.
fn discovery_page(dir: &Path, manifest: &Manifest, charts_dir: &Path) -> Result<Page, ReportError> {
    let trajectory = Table::read(&dir.join("trajectory.csv"))?;
    let boxes = Table::read(&dir.join("boxes.csv"))?;
    let outcome = manifest["outcome"].as_str().unwrap_or("");
    let mut figures = Vec::new();
    let mut sections = discovery_question(manifest) + "<h2>Boxes</h2>";
    for (b, summary) in manifest["boxes"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let number = b + 1;
        let of_box: Vec<&Vec<String>> = boxes
            .rows
            .iter()
            .filter(|r| boxes.num(r, "box") == number as f64)
            .collect();
        let _ = write!(
            sections,
            "<p><b>Box {number}.</b> {}.</p>{}",
            escape(summary["in_words"].as_str().unwrap_or("")),
            box_table(&boxes, &of_box)
        );
        let mut box_figures = vec![tradeoff_figure(
            &trajectory,
            number,
            summary,
            &manifest["settings"]["threshold"],
            charts_dir,
        )?];
        box_figures.extend(box_range_figure(
            &boxes, &of_box, number, manifest, charts_dir,
        )?);
        figures.push((format!("Box {number}"), box_figures));
    }
    sections.push_str(
        "<p>A quasi-p-value is the chance of the box's density or more if the restriction were dropped (a binomial test, Bryant &amp; Lempert 2010): a large one says the restriction adds little. The last column says how often PRIM, run again on random halves of the runs, restricts the same input: a box that halves do not reproduce is not to be trusted.</p>",
    );
    Ok(Page {
        title: format!("coserve discovery: {outcome}"),
        sections: sections + &provenance(manifest, "the discovery"),
        figures,
    })
}

/// The question a discovery answered, the runs it read and the method.
fn discovery_question(manifest: &Manifest) -> String {
    format!(
        "<h2>The question</h2><p>Where in the inputs does <code>{}</code> hold? {} of {} {} meet it{}, from {} (SHA-256 {}). Method: {}.</p>",
        escape(manifest["outcome"].as_str().unwrap_or("")),
        manifest["cases"],
        manifest["rows"],
        if manifest["paired_across_regimes"] == true {
            "paired runs (the regimes of one design point and replicate, compared)"
        } else {
            "runs"
        },
        match manifest["undefined_rows"].as_u64() {
            Some(n) if n > 0 => format!("; {n} where it is undefined are left out"),
            _ => String::new(),
        },
        escape(manifest["source"].as_str().unwrap_or("")),
        escape(
            &manifest["source_sha256"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(12)
                .collect::<String>()
        ),
        escape(manifest["method"].as_str().unwrap_or("")),
    )
}

/// One box's restricted inputs: limits, quasi-p-value, stability.
fn box_table(boxes: &Table, of_box: &[&Vec<String>]) -> String {
    let mut out = "<table><tr><th>input</th><th>low</th><th>high</th><th>quasi-p</th><th>restricted in random halves</th></tr>".to_string();
    for r in of_box {
        let resampled = boxes.num(r, "resampled");
        let limit = |key: &str| {
            let text = boxes.text(r, key);
            text.parse::<f64>().map_or(text.replace(';', ", "), short)
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(boxes.text(r, "dimension")),
            escape(&limit("low")),
            escape(&limit("high")),
            match boxes.num(r, "qp") {
                q if q.is_nan() => "–".to_string(),
                q => format!("{q:.2e}"),
            },
            if resampled.is_nan() {
                "not tested".to_string()
            } else {
                format!("{:.0}%", 100.0 * resampled)
            }
        );
    }
    out + "</table>"
}

/// `prim_tradeoff[_N]`: box `number`'s trajectory, its chosen step ringed.
fn tradeoff_figure(
    trajectory: &Table,
    number: usize,
    summary: &serde_json::Value,
    threshold: &serde_json::Value,
    charts_dir: &Path,
) -> Result<Figure, ReportError> {
    let steps: Vec<(f64, f64)> = trajectory
        .rows
        .iter()
        .filter(|r| trajectory.num(r, "box") == number as f64)
        .map(|r| (trajectory.num(r, "coverage"), trajectory.num(r, "density")))
        .collect();
    let file = match number {
        1 => "prim_tradeoff".to_string(),
        n => format!("prim_tradeoff_{n}"),
    };
    charts::trajectory(
        &charts_dir.join(&file),
        &format!("Box {number}: coverage against density, step by step"),
        &steps,
        summary["step"].as_u64().unwrap_or(0) as usize,
    )?;
    let chosen = if summary["reaches_threshold"] == false {
        format!("no step reaches density {threshold}, so the ringed step is the densest")
    } else {
        format!(
            "the ringed step is the one chosen (the most coverage at density {threshold} or more)"
        )
    };
    Ok(Figure {
        file,
        caption: format!(
            "each step of the peeling (right to left) and pasting trajectory of box {number}: a smaller box is denser but covers fewer of the cases; {chosen}"
        ),
    })
}

/// `prim_box_N`: what box `number` keeps of each restricted input's
/// sampled range; `None` when it restricts none.
fn box_range_figure(
    boxes: &Table,
    of_box: &[&Vec<String>],
    number: usize,
    manifest: &Manifest,
    charts_dir: &Path,
) -> Result<Option<Figure>, ReportError> {
    let ranges: Vec<charts::Range> = of_box
        .iter()
        .filter_map(|r| {
            let name = boxes.text(r, "dimension");
            let input = manifest["inputs"]
                .as_array()?
                .iter()
                .find(|i| i["name"] == name)?;
            let (lo, hi) = match (input["low"].as_f64(), input["high"].as_f64()) {
                (Some(a), Some(b)) if b > a => (
                    (boxes.num(r, "low") - a) / (b - a),
                    (boxes.num(r, "high") - a) / (b - a),
                ),
                _ => {
                    // Categorical: kept values as a share of all values.
                    let all = input["values"].as_array().map_or(1, Vec::len).max(1);
                    let kept = boxes.text(r, "low").split(';').count();
                    (0.0, kept as f64 / all as f64)
                }
            };
            let text = if boxes.text(r, "high").is_empty() {
                boxes.text(r, "low").replace(';', ", ")
            } else {
                format!(
                    "{} to {}",
                    short(boxes.num(r, "low")),
                    short(boxes.num(r, "high"))
                )
            };
            Some(charts::Range {
                label: name.rsplit('.').next().unwrap_or(name).to_string(),
                lo,
                hi,
                text: text.chars().take(60).collect(),
            })
        })
        .collect();
    if ranges.is_empty() {
        return Ok(None);
    }
    let file = format!("prim_box_{number}");
    charts::box_ranges(
        &charts_dir.join(&file),
        &format!("Box {number} against the sampled ranges"),
        &ranges,
    )?;
    Ok(Some(Figure {
        file,
        caption: format!(
            "what box {number} keeps (colour) of each restricted input's sampled range (grey); for a list of values, the share of the values kept"
        ),
    }))
}

fn html(page: &Page) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>\
body{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#111;line-height:1.45}}\
pre.explain{{white-space:pre-wrap;background:#f4f4f4;padding:1em}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #999;padding:.3em .6em;text-align:right}}td:first-child,th:first-child{{text-align:left}}\
figure{{margin:1.5em 0}}img{{max-width:100%}}figcaption{{font-size:.95em;color:#333}}\
</style></head><body><h1>{t}</h1>",
        t = escape(&page.title)
    );
    out += &page.sections;
    for (heading, figures) in &page.figures {
        let _ = write!(out, "<h2>{}</h2>", escape(heading));
        for f in figures {
            let _ = write!(
                out,
                "<figure><a href=\"charts/{0}.png\"><img src=\"charts/{0}.svg\" alt=\"{1}\"></a><figcaption>{1} (<a href=\"charts/{0}.png\">PNG</a>, <a href=\"charts/{0}.svg\">SVG</a>)</figcaption></figure>",
                f.file,
                escape(&f.caption)
            );
        }
    }
    out + "</body></html>\n"
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_words_are_quoted_only_when_a_shell_would_change_them() {
        assert_eq!(shell_word("run.ticks=60"), "run.ticks=60");
        assert_eq!(shell_word("my city.toml"), "'my city.toml'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
