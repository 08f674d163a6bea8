//! Charts, each written as PNG and SVG, drawn with the font shipped in
//! assets/fonts (no system fonts are assumed).

use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// Chart size in pixels: large enough for a slide.
pub const SIZE: (u32, u32) = (960, 540);

static FONT: Once = Once::new();

/// DejaVu Sans, shipped in assets/fonts: every chart's text.
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn register_font() {
    FONT.call_once(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_BYTES)
            .unwrap_or_else(|_| panic!("the shipped font is a valid TrueType font"));
    });
}

/// Okabe & Ito's colour-blind-safe palette.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// Viridis, a perceptually uniform colour-blind-safe scale, at `t` in [0, 1].
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A line over x, with an optional band (low, high) around it.
pub struct Series {
    /// The line's name in the legend.
    pub name: String,
    /// `(x, y)` points, in x order.
    pub points: Vec<(f64, f64)>,
    /// `(x, low, high)`: a shaded band around the line, if any.
    pub band: Option<Vec<(f64, f64, f64)>>,
}

/// A bar with an optional interval.
pub struct Bar {
    /// The bar's label on the x axis.
    pub label: String,
    /// Which colour group the bar belongs to (0-based).
    pub group: usize,
    /// The bar's height.
    pub value: f64,
    /// `(low, high)`: an error bar, if any.
    pub interval: Option<(f64, f64)>,
}

/// One neighbourhood on the map.
pub struct Cell {
    /// The cell's column, from the left (0-based).
    pub column: u32,
    /// The cell's row, from the top (0-based).
    pub row: u32,
    /// The value the cell's colour shows.
    pub value: f64,
}

/// What drawing on a backend returns: plotters' errors differ by backend,
/// so they are kept as their text until [`both`] names the chart.
type Result = std::result::Result<(), String>;

/// What the public chart functions return: both files written, or why not.
pub type Drawn = std::result::Result<(), ChartError>;

/// A chart that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart {}: {message}", stem.display())]
pub struct ChartError {
    /// The chart's path without its extension (`.png`, `.svg`).
    pub stem: std::path::PathBuf,
    /// What the plotting library reported.
    pub message: String,
}

/// Draws `draw` as SVG into `<stem>.svg`, then renders that SVG into
/// `<stem>.png` with resvg, so both files are the same picture. (plotters'
/// own bitmap text drawing leaves out each glyph's side bearing, which
/// spread words into "b y" and "fi fth"; resvg lays text out with a real
/// shaper.)
fn both(stem: &Path, draw: impl Fn(DrawingArea<SVGBackend, Shift>) -> Result) -> Drawn {
    register_font();
    let failed = |message: String| ChartError {
        stem: stem.to_path_buf(),
        message,
    };
    let mut svg = String::new();
    draw(SVGBackend::with_string(&mut svg, SIZE).into_drawing_area()).map_err(failed)?;
    let svg_path = stem.with_extension("svg");
    std::fs::write(&svg_path, &svg)
        .map_err(|e| failed(format!("cannot write {}: {e}", svg_path.display())))?;
    let png = rasterise(&svg).map_err(failed)?;
    let png_path = stem.with_extension("png");
    std::fs::write(&png_path, png)
        .map_err(|e| failed(format!("cannot write {}: {e}", png_path.display())))
}

/// resvg's options with the shipped font as every family the charts name.
fn svg_options() -> &'static resvg::usvg::Options<'static> {
    static OPTIONS: std::sync::OnceLock<resvg::usvg::Options<'static>> = std::sync::OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut options = resvg::usvg::Options {
            font_family: "DejaVu Sans".into(),
            ..Default::default()
        };
        let fonts = options.fontdb_mut();
        fonts.load_font_data(FONT_BYTES.to_vec());
        fonts.set_sans_serif_family("DejaVu Sans");
        options
    })
}

/// A chart's SVG text as PNG bytes, at [`SIZE`].
fn rasterise(svg: &str) -> std::result::Result<Vec<u8>, String> {
    let tree = resvg::usvg::Tree::from_str(svg, svg_options()).map_err(err)?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(SIZE.0, SIZE.1)
        .ok_or_else(|| "the chart size is not a valid image size".to_string())?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(err)
}

fn err(e: impl std::fmt::Debug) -> String {
    format!("{e:?}")
}

/// The legend, in the same style on every chart.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result {
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 20))
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

/// A white chart with its title and room for axis labels, the frame every
/// chart with axes shares; the caller builds the axes on it.
fn framed<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    x_label_area: u32,
) -> std::result::Result<ChartBuilder<'a, 'a, DB>, String> {
    root.fill(&WHITE).map_err(err)?;
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, ("sans-serif", 30))
        .margin(16)
        .x_label_area_size(x_label_area)
        .y_label_area_size(80);
    Ok(builder)
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    (lo - pad, hi + pad)
}

/// Lines (with bands) of `series` against x; when `warmup` is given, the x
/// range below it is shaded grey and named "warm-up" in the legend (the
/// weeks every summary leaves out).
pub fn lines(
    stem: &Path,
    title: &str,
    (x_label, y_label): (&str, &str),
    series: &[Series],
    warmup: Option<f64>,
) -> Drawn {
    let x = bounds(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let first_x = series
        .iter()
        .flat_map(|s| s.points.first().map(|p| p.0))
        .fold(f64::INFINITY, f64::min);
    let warmup = warmup.filter(|&w| w > first_x);
    let legend_entries = series.len() + usize::from(warmup.is_some());
    let (y_low, y_high) = bounds(series.iter().flat_map(|s| {
        let band = s.band.iter().flatten().flat_map(|b| [b.1, b.2]);
        s.points.iter().map(|p| p.1).chain(band).collect::<Vec<_>>()
    }));
    // Headroom for the legend in the upper right, so it covers no line.
    let headroom = if legend_entries > 1 {
        (y_high - y_low) * (0.05 + 0.07 * legend_entries as f64)
    } else {
        0.0
    };
    let y = (y_low, y_high + headroom);
    both(stem, |root| {
        let mut chart = framed(&root, title, 56)?
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 20))
            .axis_desc_style(("sans-serif", 22))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        if let Some(end) = warmup {
            let grey = RGBColor(120, 120, 120).mix(0.18);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(first_x, y.0), (end.min(x.1), y.1)],
                    grey.filled(),
                )))
                .map_err(err)?
                .label("warm-up (left out of summaries)")
                .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 24, y + 8)], grey.filled()));
        }
        for (i, s) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            if let Some(band) = &s.band {
                let upper = band.iter().filter(|b| b.2.is_finite()).map(|b| (b.0, b.2));
                let lower: Vec<(f64, f64)> = band
                    .iter()
                    .filter(|b| b.1.is_finite())
                    .map(|b| (b.0, b.1))
                    .collect();
                let polygon: Vec<(f64, f64)> = upper.chain(lower.into_iter().rev()).collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(polygon, colour.mix(0.2))))
                    .map_err(err)?;
            }
            let points: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.1.is_finite())
                .collect();
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(3)))
                .map_err(err)?
                .label(s.name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(4))
                });
        }
        if legend_entries > 1 {
            draw_legend(&mut chart)?;
        }
        root.present().map_err(err)
    })
}

/// Bars in groups, with intervals where given.
pub fn bars(
    stem: &Path,
    title: &str,
    y_label: &str,
    group_names: &[String],
    bars: &[Bar],
) -> Drawn {
    let (y_low, y_high) = bounds(bars.iter().flat_map(|b| {
        let (lo, hi) = b.interval.unwrap_or((b.value, b.value));
        [b.value, lo, hi, 0.0]
    }));
    // Headroom for the legend in the upper right, so it covers no bar.
    let headroom = if group_names.is_empty() {
        0.0
    } else {
        (y_high - y_low) * (0.05 + 0.07 * group_names.len() as f64)
    };
    let y = (y_low, y_high + headroom);
    let n = bars.len() as u32;
    both(stem, |root| {
        let mut chart = framed(&root, title, 60)?
            .build_cartesian_2d((0..n.max(1) - 1).into_segmented(), y.0..y.1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .x_labels(n as usize + 1)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => bars
                    .get(*i as usize)
                    .map_or(String::new(), |b| b.label.clone()),
                _ => String::new(),
            })
            .y_desc(y_label)
            .label_style(("sans-serif", 18))
            .axis_desc_style(("sans-serif", 22))
            .draw()
            .map_err(err)?;
        for (i, b) in bars.iter().enumerate() {
            let colour = PALETTE[b.group % PALETTE.len()];
            let i = i as u32;
            let mut rect = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), b.value),
                ],
                colour.filled(),
            );
            rect.set_margin(0, 0, 12, 12);
            chart.draw_series(std::iter::once(rect)).map_err(err)?;
            if let Some((lo, hi)) = b
                .interval
                .filter(|(lo, hi)| lo.is_finite() && hi.is_finite())
            {
                chart
                    .draw_series(std::iter::once(ErrorBar::new_vertical(
                        SegmentValue::CenterOf(i),
                        lo,
                        b.value,
                        hi,
                        BLACK.stroke_width(3),
                        24,
                    )))
                    .map_err(err)?;
            }
        }
        for (g, name) in group_names.iter().enumerate() {
            let colour = PALETTE[g % PALETTE.len()];
            chart
                .draw_series(std::iter::empty::<Circle<(SegmentValue<u32>, f64), i32>>())
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 8), (x + 16, y + 8)], colour.filled())
                });
        }
        if group_names.len() > 1 {
            draw_legend(&mut chart)?;
        }
        root.present().map_err(err)
    })
}

/// Points of y against x, one colour per group (`name`, points), with a
/// legend when there is more than one group.
pub fn scatter(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    groups: &[(String, Vec<(f64, f64)>)],
) -> Drawn {
    let all = || groups.iter().flat_map(|g| g.1.iter());
    let x = bounds(all().map(|p| p.0));
    let (y_low, y_high) = bounds(all().map(|p| p.1));
    // Headroom for the legend in the upper right, so it covers no point.
    let headroom = if groups.len() > 1 {
        (y_high - y_low) * (0.05 + 0.07 * groups.len() as f64)
    } else {
        0.0
    };
    let y = (y_low, y_high + headroom);
    both(stem, |root| {
        let mut chart = framed(&root, title, 56)?
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .label_style(("sans-serif", 20))
            .axis_desc_style(("sans-serif", 22))
            .draw()
            .map_err(err)?;
        for (i, (name, points)) in groups.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(
                    points
                        .iter()
                        .filter(|p| p.1.is_finite())
                        .map(|&p| Circle::new(p, 5, colour.mix(0.6).filled())),
                )
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 6, colour.filled()));
        }
        if groups.len() > 1 {
            draw_legend(&mut chart)?;
        }
        root.present().map_err(err)
    })
}

/// Neighbourhoods as a grid of squares coloured by value, with a legend.
pub fn map(stem: &Path, title: &str, value_label: &str, cells: &[Cell]) -> Drawn {
    let (lo, hi) = scale(cells.iter().map(|c| c.value));
    let columns = cells.iter().map(|c| c.column + 1).max().unwrap_or(1);
    let rows = cells.iter().map(|c| c.row + 1).max().unwrap_or(1);
    both(stem, |root| {
        let (left, right) = map_frame(&root, title)?;
        let (w, h) = left.dim_in_pixel();
        let side = ((w as f64 - 20.0) / columns as f64).min((h as f64 - 20.0) / rows as f64);
        let x_start = ((w as f64 - side * columns as f64) / 2.0).max(0.0) as i32;
        for c in cells {
            let x0 = x_start + (c.column as f64 * side) as i32;
            let y0 = 10 + (c.row as f64 * side) as i32;
            let colour = viridis((c.value - lo) / (hi - lo));
            left.draw(&Rectangle::new(
                [(x0, y0), (x0 + side as i32 - 3, y0 + side as i32 - 3)],
                colour.filled(),
            ))
            .map_err(err)?;
        }
        colour_scale(&right, value_label, lo, hi)?;
        root.present().map_err(err)
    })
}

/// One area of a real map: its rings (exteriors and holes) in longitude
/// and latitude, and the value its colour shows.
pub struct MapArea {
    /// Exterior rings, each with its holes: `polygons[i][0]` the exterior,
    /// the rest holes, as (longitude, latitude).
    pub polygons: Vec<Vec<Vec<(f64, f64)>>>,
    /// The value its colour shows (NaN: drawn grey).
    pub value: f64,
}

/// Neighbourhoods of a real map coloured by value on the shared scale,
/// in an equirectangular projection true to scale at the map's middle
/// latitude, north up; holes are left white.
pub fn area_map(stem: &Path, title: &str, value_label: &str, areas: &[MapArea]) -> Drawn {
    // Real neighbourhoods are many and their values long-tailed: the scale
    // spans the 2nd to 98th percentile, and areas beyond take its end
    // colour (its label then says "or more" / "or less").
    let mut values: Vec<f64> = areas
        .iter()
        .map(|a| a.value)
        .filter(|v| v.is_finite())
        .collect();
    values.sort_by(f64::total_cmp);
    let at =
        |q: f64| values[((q * (values.len() - 1) as f64).round() as usize).min(values.len() - 1)];
    let (lo, hi) = if values.len() >= 50 && at(0.98) > at(0.02) {
        (at(0.02), at(0.98))
    } else {
        scale(values.iter().copied())
    };
    let clipped = (
        values.first().is_some_and(|&v| v < lo),
        values.last().is_some_and(|&v| v > hi),
    );
    let points = || {
        areas
            .iter()
            .flat_map(|a| a.polygons.iter().flatten().flatten())
    };
    let (x0, x1) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p.0), b.max(p.0))
    });
    let (y0, y1) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p.1), b.max(p.1))
    });
    let shrink = ((y0 + y1) / 2.0).to_radians().cos().max(0.01);
    both(stem, |root| {
        let (left, right) = map_frame(&root, title)?;
        let (w, h) = left.dim_in_pixel();
        let (width, height) = (((x1 - x0) * shrink).max(1e-12), (y1 - y0).max(1e-12));
        let k = ((w as f64 - 20.0) / width).min((h as f64 - 20.0) / height);
        let (dx, dy) = ((w as f64 - width * k) / 2.0, (h as f64 - height * k) / 2.0);
        let at = |p: &(f64, f64)| {
            (
                (dx + (p.0 - x0) * shrink * k).round() as i32,
                (dy + (y1 - p.1) * k).round() as i32,
            )
        };
        let outline = RGBColor(255, 255, 255).mix(0.35);
        for area in areas {
            let colour = if area.value.is_finite() {
                viridis(((area.value - lo) / (hi - lo)).clamp(0.0, 1.0))
            } else {
                RGBColor(190, 190, 190)
            };
            for polygon in &area.polygons {
                for (i, ring) in polygon.iter().enumerate() {
                    let pixels: Vec<(i32, i32)> = ring.iter().map(at).collect();
                    let fill = if i == 0 {
                        colour.filled()
                    } else {
                        WHITE.filled()
                    };
                    left.draw(&Polygon::new(pixels.clone(), fill))
                        .map_err(err)?;
                    left.draw(&PathElement::new(pixels, outline.stroke_width(1)))
                        .map_err(err)?;
                }
            }
        }
        colour_scale(&right, value_label, lo, hi)?;
        for (clip, y, words) in [(clipped.1, 112, "or more"), (clipped.0, 297, "or less")] {
            if clip {
                right
                    .draw(&Text::new(words, (70, y), ("sans-serif", 16)))
                    .map_err(err)?;
            }
        }
        root.present().map_err(err)
    })
}

/// The lowest and highest finite value, widened when they are equal so a
/// colour scale has a span.
fn scale(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo.min(0.0), lo.max(0.0) + 1.0)
    } else {
        (0.0, 1.0)
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A map's frame: white, the title across the whole width as on every
/// other chart, the map on the left and room for its colour scale on the
/// right.
fn map_frame<'a>(
    root: &Area<'a>,
    title: &str,
) -> std::result::Result<(Area<'a>, Area<'a>), String> {
    root.fill(&WHITE).map_err(err)?;
    let body = root
        .margin(16, 16, 16, 16)
        .titled(title, ("sans-serif", 30))
        .map_err(err)?;
    Ok(body.split_horizontally(SIZE.0 - 300))
}

/// The colour scale of a map, its ends labelled.
fn colour_scale(right: &Area, label: &str, lo: f64, hi: f64) -> Result {
    right
        .draw(&Text::new(label.to_string(), (10, 60), ("sans-serif", 20)))
        .map_err(err)?;
    for i in 0..200 {
        let colour = viridis(1.0 - i as f64 / 199.0);
        right
            .draw(&Rectangle::new(
                [(20, 90 + i), (60, 91 + i)],
                colour.filled(),
            ))
            .map_err(err)?;
    }
    right
        .draw(&Text::new(format!("{hi:.3}"), (70, 90), ("sans-serif", 20)))
        .map_err(err)?;
    right
        .draw(&Text::new(
            format!("{lo:.3}"),
            (70, 275),
            ("sans-serif", 20),
        ))
        .map_err(err)
}

/// A PRIM peeling trajectory: density against coverage, one point per
/// step, the steps joined in order and the chosen one ringed.
pub fn trajectory(stem: &Path, title: &str, steps: &[(f64, f64)], chosen: usize) -> Drawn {
    let (x, y) = ((0.0, 1.02), bounds(steps.iter().map(|p| p.1)));
    let y = (y.0.max(0.0), y.1.min(1.05));
    both(stem, |root| {
        let mut chart = framed(&root, title, 56)?
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("coverage: share of all cases of interest inside the box")
            .y_desc("density: share of the box that are cases")
            .label_style(("sans-serif", 20))
            .axis_desc_style(("sans-serif", 22))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                steps.iter().copied(),
                PALETTE[0].stroke_width(2),
            ))
            .map_err(err)?;
        chart
            .draw_series(
                steps
                    .iter()
                    .map(|&p| Circle::new(p, 5, PALETTE[0].mix(0.7).filled())),
            )
            .map_err(err)?;
        if let Some(&p) = steps.get(chosen) {
            chart
                .draw_series(std::iter::once(Circle::new(
                    p,
                    12,
                    PALETTE[1].stroke_width(4),
                )))
                .map_err(err)?
                .label("chosen box")
                .legend(|(x, y)| Circle::new((x + 10, y), 8, PALETTE[1].stroke_width(3)));
            draw_legend(&mut chart)?;
        }
        root.present().map_err(err)
    })
}

/// One input of a box: its name, the box's part of the sampled range as
/// shares of it (`lo`, `hi` in 0-1), and the limits in words.
pub struct Range {
    /// The input.
    pub label: String,
    /// Where the box starts, as a share of the sampled range.
    pub lo: f64,
    /// Where it ends.
    pub hi: f64,
    /// The limits as written beside the bar.
    pub text: String,
}

/// A box against the sampled ranges: per input, a grey bar for everything
/// sampled and a coloured one for what the box keeps.
pub fn box_ranges(stem: &Path, title: &str, ranges: &[Range]) -> Drawn {
    let n = ranges.len().max(1) as f64;
    both(stem, |root| {
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 30))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(260)
            .build_cartesian_2d(0.0..1.0, 0.0..n)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .y_labels(ranges.len() * 2 + 1)
            .y_label_formatter(&|v| {
                let i = (n - v - 0.5).round();
                if ((n - v - 0.5) - i).abs() < 1e-6 && i >= 0.0 {
                    ranges
                        .get(i as usize)
                        .map_or(String::new(), |r| r.label.clone())
                } else {
                    String::new()
                }
            })
            .x_desc("share of the range the runs sampled")
            .label_style(("sans-serif", 18))
            .axis_desc_style(("sans-serif", 22))
            .draw()
            .map_err(err)?;
        for (i, r) in ranges.iter().enumerate() {
            let top = n - i as f64 - 0.2;
            let bottom = n - i as f64 - 0.8;
            chart
                .draw_series([
                    Rectangle::new(
                        [(0.0, bottom), (1.0, top)],
                        RGBColor(200, 200, 200).filled(),
                    ),
                    Rectangle::new([(r.lo, bottom), (r.hi, top)], PALETTE[0].filled()),
                ])
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    r.text.clone(),
                    (0.02, n - i as f64 - 0.05),
                    ("sans-serif", 18),
                )))
                .map_err(err)?;
        }
        root.present().map_err(err)
    })
}
