//! The two maps: neighbourhoods coloured by a metric, organizations as
//! markers, waiting needs and volunteers as dots, with a legend.

use super::{SIDE_COLOURS, View};
use crate::map_layer::{DOT_EDGE, MapLayer, VOLUNTEER, WAITING};
use crate::runner::Command;
use crate::snapshot::{SideView, Snapshot};
use bevy_egui::egui;
use coserve::governance;
use coserve::metrics::NeighbourhoodRow;

/// What the map colours neighbourhoods by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapMetric {
    UnmetNeed,
    Trust,
    Participation,
    Service,
}

impl MapMetric {
    pub const ALL: [MapMetric; 4] = [
        MapMetric::UnmetNeed,
        MapMetric::Trust,
        MapMetric::Participation,
        MapMetric::Service,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MapMetric::UnmetNeed => "unmet need",
            MapMetric::Trust => "trust",
            MapMetric::Participation => "participation",
            MapMetric::Service => "service per resident",
        }
    }

    /// The unit the legend's scale is in.
    fn unit(self) -> &'static str {
        match self {
            MapMetric::UnmetNeed => "needs per resident",
            MapMetric::Trust => "0 none to 1 full",
            MapMetric::Participation => "share of residents",
            MapMetric::Service => "served per resident",
        }
    }

    fn value(self, h: &NeighbourhoodRow) -> f64 {
        match self {
            MapMetric::UnmetNeed => h.unmet_need_per_capita,
            MapMetric::Trust => h.trust,
            MapMetric::Participation => h.participation_rate,
            MapMetric::Service => h.service_per_capita,
        }
    }

    pub fn next(self) -> MapMetric {
        let i = MapMetric::ALL.iter().position(|m| *m == self).unwrap_or(0);
        MapMetric::ALL[(i + 1) % MapMetric::ALL.len()]
    }
}

pub(super) fn maps(
    ui: &mut egui::Ui,
    view: &mut View,
    snap: &Snapshot,
    commands: &mut Vec<Command>,
) {
    let metric = view.metric;
    // One colour scale for both sides, so colours compare across them.
    let scale = snap
        .sides
        .iter()
        .flat_map(|s| s.hoods.iter().map(|h| metric.value(h)))
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    ui.columns(snap.sides.len().max(1), |cols| {
        for (i, (col, side)) in cols.iter_mut().zip(&snap.sides).enumerate() {
            col.horizontal(|ui| {
                let summary = governance::preset(&side.regime).map_or("", |p| p.summary);
                ui.colored_label(
                    SIDE_COLOURS[i],
                    egui::RichText::new(format!("{}: {}", side.name, side.regime))
                        .size(28.0)
                        .strong(),
                )
                .on_hover_text(summary);
                egui::ComboBox::from_id_salt(("regime", i))
                    .selected_text("switch regime")
                    .show_ui(ui, |ui| {
                        for p in governance::PRESETS {
                            if ui
                                .selectable_label(p.name == side.regime, p.name)
                                .on_hover_text(p.summary)
                                .clicked()
                                && p.name != side.regime
                            {
                                commands.push(Command::SwitchRegime {
                                    side: i,
                                    regime: p.name.into(),
                                });
                            }
                        }
                    });
            });
            if let Some(last) = side.history.last() {
                col.label(format!(
                    "coverage {:.2} · trust {:.2} · volunteers {:.1}% · organizations {}: {} new, {} closed",
                    last.coverage,
                    last.trust,
                    100.0 * last.participation_rate,
                    last.organizations,
                    last.organizations_founded,
                    last.organizations_dissolved,
                ));
            }
            let shown = view.organizations.get(i).map_or(&[][..], Vec::as_slice);
            let layer = &mut view.maps[i];
            let snapshot = (snap.generation, snap.tick);
            draw_map(
                col,
                view.details,
                side,
                shown,
                (layer, snapshot),
                metric,
                scale,
            );
        }
    });
}

/// The frame around the poorest fifth of neighbourhoods: thick and black,
/// seen from the back of a room on every colour of the scale.
const POOR: egui::Stroke = egui::Stroke {
    width: 4.0,
    color: egui::Color32::BLACK,
};

/// Per neighbourhood, whether it is among the poorest fifth by mean SES
/// (at least one, when there are any).
pub(super) fn poorest_fifth(side: &SideView) -> Vec<bool> {
    let mut order: Vec<usize> = (0..side.hoods.len()).collect();
    order.sort_by(|&a, &b| side.hoods[a].ses_mean.total_cmp(&side.hoods[b].ses_mean));
    let mut poor = vec![false; side.hoods.len()];
    for &h in order.iter().take(side.hoods.len().div_ceil(5)) {
        poor[h] = true;
    }
    poor
}

/// Viridis, colour-blind safe, at `t` in [0, 1].
fn viridis(t: f64) -> egui::Color32 {
    let c = coserve::report::charts::viridis(t);
    egui::Color32::from_rgb(c.0, c.1, c.2)
}

/// An organization: a white diamond with a dark edge, visible on every
/// colour of the scale; `size` from 0 (gone) to 1.
fn organization_marker(painter: &egui::Painter, centre: egui::Pos2, radius: f32, size: f32) {
    let r = radius * size;
    let points = vec![
        centre + egui::vec2(0.0, -r),
        centre + egui::vec2(r, 0.0),
        centre + egui::vec2(0.0, r),
        centre + egui::vec2(-r, 0.0),
    ];
    painter.add(egui::Shape::convex_polygon(
        points,
        egui::Color32::WHITE,
        egui::Stroke::new(2.0, egui::Color32::from_gray(20)),
    ));
}

/// Neighbourhoods coloured by the metric with residents on them (one
/// image), organizations as diamonds along the top of their neighbourhood,
/// and a legend.
fn draw_map(
    ui: &mut egui::Ui,
    details: bool,
    side: &SideView,
    organizations: &[f32],
    (layer, snapshot): (&mut MapLayer, (u64, u32)),
    metric: MapMetric,
    (lo, hi): (f64, f64),
) {
    if let Some(outlines) = &side.outlines {
        let outlines = outlines.clone();
        draw_real_map(
            ui,
            details,
            side,
            &outlines,
            organizations,
            (layer, snapshot),
            metric,
            (lo, hi),
        );
        return;
    }
    let columns = side.columns.max(1) as f32;
    let rows = (side.grid.len() as f32 / columns).ceil().max(1.0);
    let avail = ui.available_size();
    let legend_w = LEGEND_WIDTH;
    let cell = ((avail.x - legend_w) / columns)
        .min(avail.y / rows)
        .max(8.0);
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(cell * columns + legend_w, cell * rows),
        egui::Sense::hover(),
    );
    // Pointing at a neighbourhood shows its numbers.
    if let Some(pos) = response.hover_pos().filter(|_| details) {
        let (c, r) = ((pos - rect.min) / cell).into();
        let h = side.columns as usize * r as usize + c as usize;
        if c < columns
            && let Some(row) = side.hoods.get(h)
        {
            response.on_hover_ui_at_pointer(|ui| hood_numbers(ui, row));
        }
    }
    let painter = ui.painter_at(rect);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let corner = |(c, r): (u32, u32)| rect.min + egui::vec2(c as f32 * cell, r as f32 * cell);
    let colours = (0..side.grid.len())
        .map(|h| {
            let v = side.hoods.get(h).map_or(f64::NAN, |row| metric.value(row));
            viridis((v - lo) / span)
        })
        .collect();
    let map = egui::Rect::from_min_size(rect.min, egui::vec2(cell * columns, cell * rows));
    layer.paint(&painter, side, snapshot, (map, cell), colours);
    for (&grid, poor) in side.grid.iter().zip(poorest_fifth(side)) {
        if poor {
            // The tile less the 3-point gap between tiles.
            let tile = egui::Rect::from_min_size(corner(grid), egui::vec2(cell - 3.0, cell - 3.0));
            painter.rect_stroke(tile, 0.0, POOR, egui::StrokeKind::Inside);
        }
    }
    // As many markers as fit in a row; more organizations show as "+n".
    let radius = (cell * 0.07).min(9.0);
    let spacing = 2.4 * radius;
    let fit = (((cell - 3.0 * radius) / spacing) as usize)
        .saturating_sub(1)
        .max(1);
    for (h, &grid) in side.grid.iter().enumerate() {
        let shown = organizations.get(h).copied().unwrap_or(0.0);
        let now = side.hoods.get(h).map_or(0, |r| r.organizations) as usize;
        let slots = (shown.ceil() as usize).max(now).min(fit);
        let at =
            |k: usize| corner(grid) + egui::vec2(1.5 * radius + k as f32 * spacing, 1.5 * radius);
        for k in 0..slots {
            organization_marker(&painter, at(k), radius, (shown - k as f32).clamp(0.0, 1.0));
        }
        if now > fit {
            // Dark text on a white tag reads on every colour of the scale.
            let galley = painter.layout_no_wrap(
                format!("+{}", now - fit),
                egui::FontId::proportional(16.0),
                egui::Color32::BLACK,
            );
            let tag = egui::Rect::from_min_size(
                at(fit) - egui::vec2(radius, galley.size().y / 2.0),
                galley.size(),
            );
            painter.rect_filled(tag.expand(2.0), 3.0, egui::Color32::WHITE);
            painter.galley(tag.min, galley, egui::Color32::BLACK);
        }
    }
    legend(
        &painter,
        rect.max.x - legend_w + 16.0,
        rect.min.y,
        metric,
        lo,
        hi,
    );
}

/// A neighbourhood's name and numbers, where the pointer is.
fn hood_numbers(ui: &mut egui::Ui, row: &coserve::metrics::NeighbourhoodRow) {
    for line in [
        format!(
            "{}: {} residents, mean SES {:.2}",
            row.name, row.residents, row.ses_mean
        ),
        format!(
            "unmet need {:.2} per resident · service {:.2} per resident",
            row.unmet_need_per_capita, row.service_per_capita
        ),
        format!(
            "trust {:.2} · volunteers {:.1}% · organizations {}",
            row.trust,
            100.0 * row.participation_rate,
            row.organizations
        ),
    ] {
        ui.add(egui::Label::new(line).wrap_mode(egui::TextWrapMode::Extend));
    }
}

/// A city from a map: its neighbourhoods' outlines in the metric's colours
/// with residents on them (one image), each neighbourhood's organizations
/// as one diamond with their count at its centroid, pointing shows a
/// neighbourhood's name and numbers, and the legend.
#[allow(clippy::too_many_arguments)]
fn draw_real_map(
    ui: &mut egui::Ui,
    details: bool,
    side: &SideView,
    outlines: &crate::snapshot::Outlines,
    organizations: &[f32],
    (layer, snapshot): (&mut MapLayer, (u64, u32)),
    metric: MapMetric,
    (lo, hi): (f64, f64),
) {
    let avail = ui.available_size();
    let legend_w = LEGEND_WIDTH;
    let aspect = outlines.size.0.max(1e-9) / outlines.size.1.max(1e-9);
    let width = (avail.x - legend_w).min(avail.y * aspect).max(40.0);
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(width + legend_w, width / aspect),
        egui::Sense::hover(),
    );
    let map = egui::Rect::from_min_size(rect.min, egui::vec2(width, width / aspect));
    let painter = ui.painter_at(rect);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let colours = (0..outlines.rings.len())
        .map(|h| {
            let v = side.hoods.get(h).map_or(f64::NAN, |row| metric.value(row));
            viridis((v - lo) / span)
        })
        .collect();
    layer.paint(&painter, side, snapshot, (map, 1.0), colours);
    let (k, offset) =
        crate::map_layer::fit(outlines, [map.width() as usize, map.height() as usize]);
    let to_screen = |&(x, y): &(f32, f32)| map.min + offset + egui::vec2(x, y) * k;
    // Black on a white halo: it stands out of the residents' dots, whose
    // edges are dark too.
    let poor = poorest_fifth(side);
    for stroke in [
        egui::Stroke::new(5.0, egui::Color32::WHITE),
        egui::Stroke::new(2.5, POOR.color),
    ] {
        for (rings, _) in outlines.rings.iter().zip(&poor).filter(|(_, p)| **p) {
            for ring in rings {
                let points = ring.iter().map(to_screen).collect();
                painter.add(egui::Shape::closed_line(points, stroke));
            }
        }
    }
    // A diamond per neighbourhood only where neighbourhoods are large on
    // screen; with hundreds of small ones, the count is in the tooltip.
    let radius = ((map.area() / outlines.rings.len().max(1) as f32).sqrt() * 0.12).min(6.0);
    let markers = if radius >= 3.0 {
        &outlines.centroids[..]
    } else {
        &[]
    };
    for (h, &(x, y)) in markers.iter().enumerate() {
        let now = side.hoods.get(h).map_or(0, |r| r.organizations);
        let shown = organizations.get(h).copied().unwrap_or(0.0);
        if now == 0 && shown <= 0.0 {
            continue;
        }
        let at = to_screen(&(x, y));
        organization_marker(&painter, at, radius, shown.clamp(0.0, 1.0).max(0.5));
    }
    if let Some(pos) = response
        .hover_pos()
        .filter(|&pos| details && map.contains(pos))
    {
        let at = (pos - map.min) / map.size();
        if let Some(row) = layer.hood_at(at).and_then(|h| side.hoods.get(h)) {
            response.on_hover_ui_at_pointer(|ui| hood_numbers(ui, row));
        }
    }
    legend(
        &painter,
        rect.max.x - legend_w + 16.0,
        rect.min.y,
        metric,
        lo,
        hi,
    );
}

/// Room for the legend beside a map.
const LEGEND_WIDTH: f32 = 160.0;

/// The legend: the metric, its unit and its scale, then the keys, in about
/// 340 points of height.
fn legend(painter: &egui::Painter, x: f32, top: f32, metric: MapMetric, lo: f64, hi: f64) {
    let font = egui::FontId::proportional(18.0);
    let text = |pos: egui::Pos2, align: egui::Align2, s: &str| {
        painter.text(pos, align, s, font.clone(), egui::Color32::BLACK);
    };
    // The scale as one strip of 32 bands, each blending between its edges'
    // colours: smooth to the eye, and a handful of triangles to draw.
    let mut strip = egui::Mesh::default();
    let bands = 32;
    // Below the title and its unit.
    let top = top + 24.0;
    let strip_height = 150.0;
    for k in 0..=bands {
        let y = top + 30.0 + strip_height * k as f32 / bands as f32;
        let colour = viridis(1.0 - k as f64 / bands as f64);
        strip.colored_vertex(egui::pos2(x, y), colour);
        strip.colored_vertex(egui::pos2(x + 24.0, y), colour);
        if k > 0 {
            let i = 2 * k as u32;
            strip.add_triangle(i - 2, i - 1, i);
            strip.add_triangle(i - 1, i + 1, i);
        }
    }
    painter.add(egui::Shape::mesh(strip));
    text(
        egui::pos2(x, top - 20.0),
        egui::Align2::LEFT_TOP,
        metric.name(),
    );
    painter.text(
        egui::pos2(x, top + 4.0),
        egui::Align2::LEFT_TOP,
        metric.unit(),
        egui::FontId::proportional(15.0),
        egui::Color32::from_gray(40),
    );
    // Before the first week there is nothing to scale yet.
    let (hi, lo) = if lo <= hi {
        (format!("{hi:.2}"), format!("{lo:.2}"))
    } else {
        ("after week 1".into(), String::new())
    };
    text(
        egui::pos2(x + 30.0, top + 30.0),
        egui::Align2::LEFT_TOP,
        &hi,
    );
    text(
        egui::pos2(x + 30.0, top + 30.0 + strip_height),
        egui::Align2::LEFT_BOTTOM,
        &lo,
    );
    enum Key {
        Dot(egui::Color32),
        Organization,
        Poor,
    }
    let keys = [
        ("volunteer", Key::Dot(VOLUNTEER)),
        ("waiting", Key::Dot(WAITING)),
        // A shade darker than on the map, to show on the light background.
        ("served", Key::Dot(egui::Color32::from_gray(200))),
        ("organization", Key::Organization),
        ("poorest fifth", Key::Poor),
    ];
    for (k, (name, key)) in keys.into_iter().enumerate() {
        let y = top + 40.0 + strip_height + k as f32 * 26.0;
        let centre = egui::pos2(x + 8.0, y + 11.0);
        let square = |size: f32| egui::Rect::from_center_size(centre, egui::vec2(size, size));
        match key {
            Key::Dot(c) => {
                painter.rect_filled(square(14.0), 0.0, DOT_EDGE);
                painter.rect_filled(square(10.0), 0.0, c);
            }
            Key::Organization => organization_marker(painter, centre, 8.0, 1.0),
            Key::Poor => {
                painter.rect_stroke(square(18.0), 0.0, POOR, egui::StrokeKind::Inside);
            }
        }
        text(egui::pos2(x + 22.0, y), egui::Align2::LEFT_TOP, name);
    }
}
