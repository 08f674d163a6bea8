//! City maps: neighbourhoods read from a GeoJSON FeatureCollection (RFC
//! 7946), one Polygon or MultiPolygon feature each, with their names,
//! populations and the property SES is derived from; areas, centroids and
//! which neighbourhoods share a boundary. Parsing is the `geojson` crate's,
//! geometry the `geo` crate's.

use geo::{BoundingRect, Centroid, GeodesicArea, MultiPolygon, Relate};
use std::path::Path;

/// The largest map file read: 4,096 detailed neighbourhoods fit in a few
/// tens of megabytes.
pub const MAX_MAP_BYTES: u64 = 256 << 20;

/// `[city.map]` as written.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapSpec {
    /// The GeoJSON file, relative to the scenario file that names it.
    pub file: String,
    /// The property that names each neighbourhood (unique).
    pub name: String,
    /// The property with each neighbourhood's number of residents.
    pub population: String,
    /// The property SES is derived from, by rank.
    pub ses: String,
    /// Whether a higher value of `ses` means a poorer neighbourhood (a
    /// share of low-status residents, say).
    #[serde(default)]
    pub ses_higher_is_poorer: bool,
}

/// One neighbourhood of a map.
#[derive(Clone, Debug, PartialEq)]
pub struct Area {
    /// Its name, from the `name` property.
    pub name: String,
    /// Its residents, from the `population` property (0 or more).
    pub population: f64,
    /// Its value of the `ses` property.
    pub ses_value: f64,
    /// Every property of the feature.
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// Its outline, in longitude and latitude (WGS84).
    pub shape: MultiPolygon<f64>,
    /// Its centroid, (longitude, latitude).
    pub centroid: (f64, f64),
    /// Its area on the WGS84 ellipsoid, in square kilometres.
    pub area_km2: f64,
}

/// A city's map: its neighbourhoods and which share a boundary.
#[derive(Clone, Debug, PartialEq)]
pub struct CityMap {
    /// The neighbourhoods, in the file's order.
    pub areas: Vec<Area>,
    /// `neighbours[i]`: the neighbourhoods sharing a stretch of boundary
    /// with `i` (a corner alone does not count), ascending.
    pub neighbours: Vec<Vec<usize>>,
    /// The SHA-256 of the file's bytes.
    pub sha256: String,
}

impl CityMap {
    /// Reads and checks the map `spec` names at `path`; `extra` are
    /// further numeric properties every feature must have (a domain's
    /// `need_index`). Errors say which feature and property, or the line
    /// and column of invalid JSON, and never panic.
    pub fn read(path: &Path, spec: &MapSpec, extra: &[&str]) -> Result<CityMap, String> {
        use std::io::Read;
        let shown = path.display();
        let cannot = |e: std::io::Error| format!("cannot read the map {shown}: {e}");
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_MAP_BYTES + 1).read_to_end(&mut bytes))
            .map_err(cannot)?;
        if bytes.len() as u64 > MAX_MAP_BYTES {
            return Err(format!(
                "the map {shown} is larger than {} MB, more than a city of at most 4,096 neighbourhoods needs: simplify its outlines (e.g. `ogr2ogr -simplify 0.0001`)",
                MAX_MAP_BYTES >> 20
            ));
        }
        // Windows tools often start UTF-8 text with a byte-order mark.
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let value: serde_json::Value = serde_json::from_slice(text).map_err(|e| {
            let what = e.to_string();
            let what = what.split(" at line ").next().unwrap_or(&what).to_string();
            format!(
                "{shown}:{}:{}: not valid JSON: {what}",
                e.line(),
                e.column()
            )
        })?;
        let geojson: geojson::GeoJson = serde_json::from_value(value)
            .map_err(|e| format!("{shown}: not a GeoJSON file: {e}"))?;
        let geojson::GeoJson::FeatureCollection(collection) = geojson else {
            return Err(format!(
                "{shown}: expected a GeoJSON FeatureCollection (one feature per neighbourhood), found a single {}",
                match geojson {
                    geojson::GeoJson::Feature(_) => "Feature",
                    _ => "Geometry",
                }
            ));
        };
        if collection.features.is_empty() {
            return Err(format!("{shown}: the FeatureCollection has no features"));
        }
        // Every feature's problem at once (the first ten), as `validate`
        // promises every error, not the first.
        // The same problem in many features is said once, with how many.
        let mut areas = Vec::with_capacity(collection.features.len());
        let mut problems: Vec<(String, String, usize)> = Vec::new();
        for (i, feature) in collection.features.into_iter().enumerate() {
            match area(i, feature, spec, extra) {
                Ok(a) => areas.push(a),
                Err((which, what)) => match problems.iter_mut().find(|p| p.1 == what) {
                    Some(p) => p.2 += 1,
                    None => problems.push((which, what, 0)),
                },
            }
        }
        if !problems.is_empty() {
            let more = match problems.len() {
                n if n > 10 => format!("; and {} other problems", n - 10),
                _ => String::new(),
            };
            let said: Vec<String> = problems
                .iter()
                .take(10)
                .map(|(which, what, others)| match others {
                    0 => format!("{which}{what}"),
                    n => format!("{which} (and {n} other features){what}"),
                })
                .collect();
            return Err(format!("{shown}: {}{more}", said.join("; ")));
        }
        for (i, a) in areas.iter().enumerate() {
            if let Some(j) = areas[..i].iter().position(|b| b.name == a.name) {
                return Err(format!(
                    "{shown}: features {j} and {i} are both named \"{}\" (property `{}`): each neighbourhood needs its own name",
                    a.name, spec.name
                ));
            }
        }
        if !areas.iter().map(|a| a.population).sum::<f64>().is_finite() {
            return Err(format!(
                "{shown}: the features' `{}` add up to more than a number can hold: is it a number of residents?",
                spec.population
            ));
        }
        if areas.iter().all(|a| a.population <= 0.0) {
            return Err(format!(
                "{shown}: every feature's `{}` is 0: nobody would live in the city",
                spec.population
            ));
        }
        let neighbours = neighbours(&areas);
        Ok(CityMap {
            areas,
            neighbours,
            sha256: super::layers::hex_sha256(&bytes),
        })
    }

    /// The neighbourhoods' outlines as a GeoJSON FeatureCollection, each
    /// feature with the properties `neighbourhood` (its index) and `name`:
    /// what a run's folder keeps so its report can draw the map alone.
    pub fn to_geojson(&self) -> String {
        let features = self
            .areas
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let mut properties = serde_json::Map::new();
                properties.insert("neighbourhood".into(), i.into());
                properties.insert("name".into(), a.name.clone().into());
                geojson::Feature {
                    geometry: Some(geojson::Geometry::from(&a.shape)),
                    properties: Some(properties),
                    ..Default::default()
                }
            })
            .collect();
        geojson::FeatureCollection {
            features,
            bbox: None,
            foreign_members: None,
        }
        .to_string()
            + "\n"
    }

    /// The population-weighted mean of numeric property `key` over the
    /// map (an area without it counts as 0): what a domain's need index is
    /// set against. NaN or infinite when the sums are.
    pub fn population_mean(&self, key: &str) -> f64 {
        let (weighted, people) = self.areas.iter().fold((0.0, 0.0), |(w, p), a| {
            let x = a
                .properties
                .get(key)
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0);
            (w + x * a.population, p + a.population)
        });
        weighted / people
    }

    /// Every area's population, summed.
    pub fn population(&self) -> f64 {
        self.areas.iter().map(|a| a.population).sum()
    }
}

/// [`CityMap::read`], remembered for the life of the process: a sweep
/// builds thousands of scenarios from one file, and a map is read once
/// (again if the file changes: its length and time of change are part of
/// the key).
pub fn read_cached(
    path: &Path,
    spec: &MapSpec,
    extra: &[&str],
) -> Result<std::sync::Arc<CityMap>, String> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Key = (
        std::path::PathBuf,
        u64,
        Option<std::time::SystemTime>,
        String,
    );
    static MAPS: OnceLock<Mutex<HashMap<Key, Arc<CityMap>>>> = OnceLock::new();
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read the map {}: {e}", path.display()))?;
    let key: Key = (
        path.to_path_buf(),
        meta.len(),
        meta.modified().ok(),
        format!("{spec:?}{extra:?}"),
    );
    let maps = MAPS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(map) = maps.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(map.clone());
    }
    let map = Arc::new(CityMap::read(path, spec, extra)?);
    maps.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, map.clone());
    Ok(map)
}

/// Feature `i` as an area, or what is wrong with it: which feature, and
/// the problem in words that follow its name.
fn area(
    i: usize,
    feature: geojson::Feature,
    spec: &MapSpec,
    extra: &[&str],
) -> Result<Area, (String, String)> {
    let which = feature_name(i, &feature, spec);
    area_or_problem(feature, spec, extra, &which).map_err(|e| {
        let what = e.strip_prefix(&which).unwrap_or(&e).to_string();
        (which, what)
    })
}

/// "feature 3 ("name")", or "feature 3" when it has no name to give.
fn feature_name(i: usize, feature: &geojson::Feature, spec: &MapSpec) -> String {
    match feature.properties.as_ref().and_then(|p| p.get(&spec.name)) {
        Some(serde_json::Value::String(n)) => format!("feature {i} (\"{n}\")"),
        _ => format!("feature {i}"),
    }
}

fn area_or_problem(
    feature: geojson::Feature,
    spec: &MapSpec,
    extra: &[&str],
    which: &str,
) -> Result<Area, String> {
    let properties = feature.properties.unwrap_or_default();
    let get = |key: &str| {
        properties.get(key).ok_or_else(|| {
            let mut have: Vec<&str> = properties.keys().map(String::as_str).collect();
            have.sort_unstable();
            let hint = crate::text::nearest(key, have.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            format!("{which} has no property `{key}`{hint}")
        })
    };
    let name = match get(&spec.name)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        other => {
            return Err(format!(
                "{which}: property `{}` should name the neighbourhood, found {other}",
                spec.name
            ));
        }
    };
    let number = |key: &str, what: &str| -> Result<f64, String> {
        match get(key)? {
            serde_json::Value::Number(n) => n
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("{which}: property `{key}` is not a finite number")),
            other => Err(format!(
                "{which}: property `{key}` should be {what}, found {other}"
            )),
        }
    };
    let population = number(&spec.population, "a number of residents")?;
    if population < 0.0 {
        return Err(format!(
            "{which}: property `{}` is a negative number of residents ({population})",
            spec.population
        ));
    }
    let ses_value = number(&spec.ses, "a number")?;
    for key in extra {
        number(key, "a number (a domain's need_index names it)")?;
    }
    let Some(geometry) = feature.geometry else {
        return Err(format!("{which} has no geometry"));
    };
    // geojson's conversion indexes each position's first two numbers: a
    // shorter one is refused here first.
    let rings: Vec<&Vec<geojson::Position>> = match &geometry.value {
        geojson::GeometryValue::Polygon { coordinates } => coordinates.iter().collect(),
        geojson::GeometryValue::MultiPolygon { coordinates } => {
            coordinates.iter().flatten().collect()
        }
        _ => Vec::new(),
    };
    for ring in rings {
        if let Some(p) = ring.iter().find(|p| p.as_slice().len() < 2) {
            return Err(format!(
                "{which} has a position with {} number(s), {:?}: each needs a longitude and a latitude",
                p.as_slice().len(),
                p.as_slice()
            ));
        }
        if ring.len() < 4 {
            return Err(format!(
                "{which} has a ring of {} positions: a polygon's ring needs at least 4, the last repeating the first",
                ring.len()
            ));
        }
    }
    let shape: MultiPolygon<f64> = match &geometry.value {
        geojson::GeometryValue::Polygon { .. } => {
            let p: geo::Polygon<f64> = (&geometry.value)
                .try_into()
                .map_err(|e| format!("{which}: a polygon coserve cannot read: {e}"))?;
            MultiPolygon(vec![p])
        }
        geojson::GeometryValue::MultiPolygon { .. } => (&geometry.value)
            .try_into()
            .map_err(|e| format!("{which}: a multipolygon coserve cannot read: {e}"))?,
        other => {
            return Err(format!(
                "{which} is a {}, not a Polygon or MultiPolygon: a neighbourhood is an area",
                other.type_name()
            ));
        }
    };
    let coords = || {
        shape
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|r| r.0.iter())
    };
    if coords().next().is_none() {
        return Err(format!("{which} has an empty outline"));
    }
    if let Some(c) = coords()
        .find(|c| !(c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0))
    {
        return Err(format!(
            "{which} has the point ({}, {}), which is not a longitude and latitude: the map seems to be in a projected system; GeoJSON is WGS84 longitude and latitude (RFC 7946), so reproject it, e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`",
            c.x, c.y
        ));
    }
    let (west, east) = coords().fold((f64::INFINITY, f64::NEG_INFINITY), |(w, e), c| {
        (w.min(c.x), e.max(c.x))
    });
    if east - west > 180.0 {
        return Err(format!(
            "{which} spans {west} to {east} degrees of longitude: it crosses the antimeridian (180 degrees), which coserve does not draw or measure; shift its longitudes to one side (e.g. add 360 to the negative ones)"
        ));
    }
    let area_km2 = shape.geodesic_area_unsigned() / 1e6;
    let centroid = shape.centroid().map(|p| (p.x(), p.y()));
    let Some(centroid) = centroid.filter(|_| area_km2 > 0.0) else {
        return Err(format!(
            "{which} has no area (its points lie on a line or on one point)"
        ));
    };
    Ok(Area {
        name,
        population,
        ses_value,
        area_km2,
        shape,
        centroid,
        properties,
    })
}

/// Which areas share a stretch of boundary: their outlines meet along a
/// line, not at a point (DE-9IM boundary-boundary dimension 1). Only pairs
/// whose bounding boxes touch are tested.
fn neighbours(areas: &[Area]) -> Vec<Vec<usize>> {
    use geo::coordinate_position::CoordPos;
    use geo::dimensions::Dimensions;
    use rayon::prelude::*;
    let boxes: Vec<Option<geo::Rect<f64>>> =
        areas.iter().map(|a| a.shape.bounding_rect()).collect();
    let touch = |a: &geo::Rect<f64>, b: &geo::Rect<f64>| {
        a.min().x <= b.max().x
            && b.min().x <= a.max().x
            && a.min().y <= b.max().y
            && b.min().y <= a.max().y
    };
    let pairs: Vec<(usize, usize)> = (0..areas.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            let boxes = &boxes;
            (i + 1..areas.len()).filter_map(move |j| match (&boxes[i], &boxes[j]) {
                (Some(a), Some(b)) if touch(a, b) => {
                    let m = areas[i].shape.relate(&areas[j].shape);
                    (m.get(CoordPos::OnBoundary, CoordPos::OnBoundary)
                        == Dimensions::OneDimensional)
                        .then_some((i, j))
                }
                _ => None,
            })
        })
        .collect();
    let mut out = vec![Vec::new(); areas.len()];
    for (i, j) in pairs {
        out[i].push(j);
        out[j].push(i);
    }
    for n in &mut out {
        n.sort_unstable();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> MapSpec {
        MapSpec {
            file: "m.geojson".into(),
            name: "NAME".into(),
            population: "POP".into(),
            ses: "INCOME".into(),
            ses_higher_is_poorer: false,
        }
    }

    /// A square of `side` degrees at (x, y), as a GeoJSON feature.
    fn square(name: &str, pop: f64, x: f64, y: f64, side: f64) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"NAME":"{name}","POP":{pop},"INCOME":{pop}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}"#,
            x1 = x + side,
            y1 = y + side
        )
    }

    fn write(dir: &Path, features: &[String]) -> std::path::PathBuf {
        let path = dir.join("m.geojson");
        std::fs::write(
            &path,
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            ),
        )
        .unwrap();
        path
    }

    /// Three squares of 0.01 degrees at the equator in a row, and a fourth
    /// touching the third at a corner only.
    #[test]
    fn areas_centroids_populations_and_neighbours_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            &[
                square("a", 100.0, 0.0, 0.0, 0.01),
                square("b", 200.0, 0.01, 0.0, 0.01),
                square("c", 300.0, 0.02, 0.0, 0.01),
                square("d", 0.0, 0.03, 0.01, 0.01),
            ],
        );
        let map = CityMap::read(&path, &spec(), &[]).unwrap();
        assert_eq!(map.areas.len(), 4);
        assert_eq!(map.population(), 600.0);
        assert_eq!(map.neighbours, vec![vec![1], vec![0, 2], vec![1], vec![]]);
        // 0.01 degrees at the equator on WGS84: 1.11319 km of longitude by
        // 1.10574 km of latitude.
        let a = map.areas[0].area_km2;
        assert!((a - 1.113_195 * 1.105_74).abs() < 0.001, "{a}");
        let (x, y) = map.areas[1].centroid;
        assert!((x - 0.015).abs() < 1e-12 && (y - 0.005).abs() < 1e-12);
        assert_eq!(map.sha256.len(), 64);
    }

    #[test]
    fn bad_maps_get_errors_that_say_where() {
        let dir = tempfile::tempdir().unwrap();
        let good = square("a", 10.0, 0.0, 0.0, 0.01);
        let cases: Vec<(String, &str)> = vec![
            ("{\"type\":".into(), "m.geojson:1:8: not valid JSON"),
            (
                r#"{"type":"FeatureCollection","features":[]}"#.into(),
                "has no features",
            ),
            (
                good.replace(r#""POP":10,"#, ""),
                "feature 0 (\"a\") has no property `POP`",
            ),
            (
                good.replace(r#""POP":10"#, r#""POP":"many""#),
                "property `POP` should be a number of residents",
            ),
            (
                good.replace(r#""POP":10"#, r#""POP":-3"#),
                "negative number of residents",
            ),
            (
                good.replace("Polygon", "LineString")
                    .replace("[[[", "[[")
                    .replace("]]]", "]]"),
                "is a LineString, not a Polygon",
            ),
            (
                good.replace("[0,0]", "[325000,4690000]"),
                "not a longitude and latitude",
            ),
            (
                good.replace("[0.01,0]", "[]"),
                "has a position with 0 number(s)",
            ),
            (
                good.replace("[0.01,0]", "[-179.9,0]")
                    .replace("[0.01,0.01]", "[-179.9,0.01]")
                    .replace("[0,0]", "[179.9,0]")
                    .replace("[0,0.01]", "[179.9,0.01]"),
                "crosses the antimeridian",
            ),
            (
                good.replace("[0.01,0.01]", "[0.005,0]")
                    .replace("[0,0.01]", "[0.002,0]"),
                "has no area",
            ),
            (
                good.replace(r#""POP":10"#, r#""POP":1.7e308"#)
                    + ","
                    + &good
                        .replace(r#""POP":10"#, r#""POP":1.7e308"#)
                        .replace("\"a\"", "\"b\""),
                "add up to more than a number can hold",
            ),
        ];
        for (text, words) in cases {
            let path = dir.path().join("m.geojson");
            let body = if text.starts_with("{\"type\":\"Feature\"") {
                format!(r#"{{"type":"FeatureCollection","features":[{text}]}}"#)
            } else {
                text.clone()
            };
            std::fs::write(&path, body).unwrap();
            let e = CityMap::read(&path, &spec(), &[]).unwrap_err();
            assert!(e.contains(words), "{words}: {e}");
        }
        let path = write(dir.path(), &[good.clone(), good.clone()]);
        let e = CityMap::read(&path, &spec(), &[]).unwrap_err();
        assert!(e.contains("both named \"a\""), "{e}");
        // Every feature's problem, not only the first's.
        let path = write(
            dir.path(),
            &[
                good.replace(r#""POP":10,"#, ""),
                good.clone(),
                good.replace(r#""INCOME":10"#, r#""INCOME":"x""#),
            ],
        );
        let e = CityMap::read(&path, &spec(), &[]).unwrap_err();
        assert!(
            e.contains("feature 0 (\"a\") has no property `POP`")
                && e.contains("feature 2 (\"a\")"),
            "{e}"
        );
        // A byte-order mark, as Windows tools write, is read past.
        let text = format!(r#"{{"type":"FeatureCollection","features":[{good}]}}"#);
        std::fs::write(&path, [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat()).unwrap();
        assert!(CityMap::read(&path, &spec(), &[]).is_ok());
    }
}
