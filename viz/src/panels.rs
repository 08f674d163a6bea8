//! What a frame draws, with egui: controls, the two maps and the charts.
//! It reads a [`Snapshot`] and returns the facilitator's commands; it
//! never touches a simulation, so a frame costs the same whatever the size
//! of the city.

use crate::map_layer::{MapLayer, VOLUNTEER, WAITING};
use crate::runner::Command;
use crate::snapshot::{SideView, Snapshot};
use bevy_egui::egui;
use coserve::governance::{self, Knobs};
use coserve::metrics::{CityRow, NeighbourhoodRow};
use std::ops::RangeInclusive;

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

/// The knobs on sliders, with their ranges. A slider changes the sides the
/// [`Target`] names when it is let go, and the change is recorded.
const SLIDERS: [(&str, RangeInclusive<f64>); 5] = [
    ("budget_scale", 0.0..=1.5),
    ("pb_share", 0.0..=0.5),
    ("floor", 0.0..=1.0),
    ("outreach", 0.0..=1.0),
    ("org_funding_share", 0.0..=0.5),
];

/// Which sides a slider or button changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Target {
    #[default]
    Both,
    Left,
    Right,
}

impl Target {
    const ALL: [Target; 3] = [Target::Both, Target::Left, Target::Right];

    fn name(self) -> &'static str {
        match self {
            Target::Both => "both sides",
            Target::Left => "left only",
            Target::Right => "right only",
        }
    }

    /// The indices of the sides it names.
    pub fn sides(self) -> &'static [usize] {
        match self {
            Target::Both => &[0, 1],
            Target::Left => &[0],
            Target::Right => &[1],
        }
    }
}

/// Okabe & Ito colours for the two sides.
pub const SIDE_COLOURS: [egui::Color32; 2] = [
    egui::Color32::from_rgb(0, 114, 178),
    egui::Color32::from_rgb(213, 94, 0),
];

/// What the screen remembers between frames.
pub struct View {
    pub metric: MapMetric,
    /// The sides the sliders and buttons change.
    pub target: Target,
    /// How much larger than normal everything is drawn.
    pub zoom: f32,
    /// Whether pointing at a neighbourhood shows its numbers (not in
    /// screenshots, which show the city, not where the pointer was).
    pub details: bool,
    /// Slider positions; they follow the knobs of the first side changed.
    sliders: [f64; 5],
    shown_knobs: Option<Knobs>,
    weeks_per_second: f64,
    /// Organizations shown per side and neighbourhood, easing toward the
    /// count, so a new one fades in and a dissolved one fades out.
    organizations: Vec<Vec<f32>>,
    /// Each side's map, drawn as an image.
    maps: Vec<MapLayer>,
    /// The snapshot generation these animations belong to.
    generation: u64,
}

impl Default for View {
    fn default() -> Self {
        View {
            metric: MapMetric::UnmetNeed,
            target: Target::Both,
            zoom: 1.0,
            details: true,
            sliders: [0.0; 5],
            shown_knobs: None,
            weeks_per_second: 0.0,
            organizations: Vec::new(),
            maps: Vec::new(),
            // No generation yet: the first snapshot starts the animations.
            generation: u64::MAX,
        }
    }
}

/// A change of knobs on the sides `target` names, each side's values from
/// `values` given that side's knobs now.
fn change(
    snap: &Snapshot,
    target: Target,
    label: &str,
    values: impl Fn(&Knobs) -> Vec<(&'static str, toml::Value)>,
) -> Command {
    let sides = target
        .sides()
        .iter()
        .filter_map(|&i| {
            let knobs = &snap.sides.get(i)?.knobs;
            let set = values(knobs)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            Some((i, set))
        })
        .collect();
    Command::Intervene {
        label: label.into(),
        sides,
    }
}

/// The four intervention buttons: (button, command) for the sides `target`
/// names. The budget cut is 30% of each side's own budget.
pub fn intervention_buttons(snap: &Snapshot, target: Target) -> [(&'static str, Command); 4] {
    let f = toml::Value::Float;
    let s = |v: &str| toml::Value::String(v.into());
    [
        (
            "Cut budget 30%",
            change(snap, target, "budget cut by 30%", |k| {
                vec![("budget_scale", f(k.budget_scale * 0.7))]
            }),
        ),
        (
            "Launch participatory budgeting",
            change(snap, target, "participatory budgeting launched", |_| {
                vec![
                    ("pb_share", f(0.15)),
                    ("decision_rights", s("residents")),
                    ("channel", s("deliberative")),
                ]
            }),
        ),
        (
            "Open a platform",
            change(snap, target, "reporting platform opened", |_| {
                vec![("channel", s("platform"))]
            }),
        ),
        (
            "Withdraw support",
            change(snap, target, "support withdrawn", |_| {
                vec![
                    ("pb_share", f(0.0)),
                    ("outreach", f(0.0)),
                    ("org_funding_share", f(0.0)),
                    ("decision_rights", s("agency")),
                ]
            }),
        ),
    ]
}

/// The window's background, under panels that draw none of their own.
pub const BACKGROUND: egui::Color32 = egui::Color32::from_gray(248);

/// Large text and high contrast, for a projector at the back of a room;
/// `zoom` scales everything for the room's size (+ and - keys).
pub fn style(ctx: &egui::Context, zoom: f32) {
    if ctx.zoom_factor() != zoom {
        ctx.set_zoom_factor(zoom);
    }
    ctx.set_visuals(egui::Visuals::light());
    ctx.all_styles_mut(|s| {
        for (style, size) in [
            (egui::TextStyle::Body, 22.0),
            (egui::TextStyle::Button, 22.0),
            (egui::TextStyle::Heading, 30.0),
            (egui::TextStyle::Small, 18.0),
        ] {
            s.text_styles
                .insert(style, egui::FontId::proportional(size));
        }
        s.spacing.slider_width = 220.0;
    });
}

/// Draws one frame into `root`, the whole window; `dt` is the seconds
/// since the last frame.
pub fn draw(root: &mut egui::Ui, view: &mut View, snap: &Snapshot, dt: f32) -> Vec<Command> {
    view.follow(snap, dt);
    let mut commands = Vec::new();
    // Panels leave their background to the window's clear colour: one
    // full-window pass less to draw, which software renderers feel.
    let edge = |m: egui::Margin| egui::Frame::NONE.inner_margin(m);
    egui::Panel::top("controls")
        .frame(edge(egui::Margin::symmetric(8, 2)))
        .show(root, |ui| controls(ui, view, snap, &mut commands));
    egui::Panel::bottom("charts")
        .frame(edge(egui::Margin::symmetric(8, 2)))
        .exact_size(270.0)
        .show(root, |ui| charts(ui, snap));
    egui::CentralPanel::default()
        .frame(edge(egui::Margin::same(8)))
        .show(root, |ui| maps(ui, view, snap, &mut commands));
    commands
}

impl View {
    /// Takes in a new snapshot: sliders follow knob changes made anywhere
    /// (a button, a scheduled intervention, a reload), and organization
    /// markers ease toward their counts.
    fn follow(&mut self, snap: &Snapshot, dt: f32) {
        if self.generation != snap.generation {
            self.generation = snap.generation;
            self.organizations.clear();
        }
        let knobs = snap
            .sides
            .get(self.target.sides()[0])
            .map(|side| &side.knobs);
        if knobs != self.shown_knobs.as_ref() {
            if let Some(k) = knobs {
                for (value, (name, _)) in self.sliders.iter_mut().zip(&SLIDERS) {
                    *value = k.get(name).and_then(|v| v.as_float()).unwrap_or(*value);
                }
            }
            self.shown_knobs = knobs.cloned();
        }
        if self.weeks_per_second == 0.0 {
            self.weeks_per_second = snap.weeks_per_second;
        }
        self.organizations.resize(snap.sides.len(), Vec::new());
        self.maps.resize_with(snap.sides.len(), MapLayer::default);
        let ease = (dt * 3.0).clamp(0.0, 1.0);
        for (shown, side) in self.organizations.iter_mut().zip(&snap.sides) {
            shown.resize(side.hoods.len(), 0.0);
            for (s, h) in shown.iter_mut().zip(&side.hoods) {
                *s += (h.organizations as f32 - *s) * ease;
            }
        }
    }
}

fn controls(ui: &mut egui::Ui, view: &mut View, snap: &Snapshot, commands: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!("Week {} of {}", snap.tick, snap.ticks));
        if snap.tick >= snap.ticks {
            ui.label(egui::RichText::new("(the run has ended: R restarts)").strong());
        }
        let play = if snap.playing {
            "⏸ Pause"
        } else {
            "▶ Play"
        };
        if ui.button(play).clicked() {
            commands.push(Command::TogglePlay);
        }
        if ui.button("Step").clicked() {
            commands.push(Command::Step);
        }
        if ui.button("Restart").clicked() {
            commands.push(Command::Restart);
        }
        if ui
            .add(egui::Slider::new(&mut view.weeks_per_second, 1.0..=60.0).text("weeks per second"))
            .changed()
        {
            commands.push(Command::WeeksPerSecond(view.weeks_per_second));
        }
        egui::ComboBox::from_label("map")
            .selected_text(view.metric.name())
            .show_ui(ui, |ui| {
                for m in MapMetric::ALL {
                    ui.selectable_value(&mut view.metric, m, m.name());
                }
            });
        if ui.button("Save session").clicked() {
            commands.push(Command::Save);
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("Change:");
        for t in Target::ALL {
            ui.selectable_value(&mut view.target, t, t.name());
        }
        ui.add_space(16.0);
        for (text, command) in intervention_buttons(snap, view.target) {
            if ui.button(text).clicked() {
                commands.push(command);
            }
        }
    });
    // A slider with its label does not wrap, so three to a row.
    let target = view.target;
    let mut sliders = view.sliders.iter_mut().zip(SLIDERS).peekable();
    while sliders.peek().is_some() {
        ui.horizontal(|ui| {
            for (value, (name, range)) in sliders.by_ref().take(3) {
                let slider = egui::Slider::new(value, range).text(name).max_decimals(2);
                if ui.add(slider).drag_stopped() {
                    let v = *value;
                    let label = format!("{name} set to {v:.2}");
                    commands.push(change(snap, target, &label, |_| {
                        vec![(name, toml::Value::Float(v))]
                    }));
                }
            }
            if sliders.peek().is_none() {
                ui.add_space(24.0);
                ui.label(
                    egui::RichText::new(
                        "Keys: Space play · S step · R restart · M map · C cut · W save · F full screen · +/- size",
                    )
                    .size(18.0),
                );
            }
        });
    }
    if let Some(e) = &snap.error {
        ui.colored_label(
            egui::Color32::from_rgb(180, 0, 0),
            format!("The scenario file has an error; still showing the last good run.\n{e}"),
        );
    } else if !snap.status.is_empty() {
        ui.label(&snap.status);
    }
}

/// The main metrics over time, both sides overlaid, with a dashed line at
/// each change of knobs.
fn charts(ui: &mut egui::Ui, snap: &Snapshot) {
    type Metric = fn(&CityRow) -> f64;
    let metrics: [(&str, Metric); 4] = [
        ("coverage", |c| c.coverage),
        ("trust", |c| c.trust),
        ("participation", |c| c.participation_rate),
        ("access gap (rich - poor)", |c| c.access_gap),
    ];
    // One key for all charts, in the sides' colours, instead of a legend
    // over each chart's lines.
    ui.horizontal(|ui| {
        for (i, side) in snap.sides.iter().enumerate() {
            line_key(ui, SIDE_COLOURS[i], false);
            ui.colored_label(
                SIDE_COLOURS[i],
                egui::RichText::new(format!("{}: {}", side.name, side.regime)).strong(),
            );
            ui.add_space(24.0);
        }
        line_key(ui, egui::Color32::from_gray(60), true);
        ui.label("a change of knobs");
    });
    ui.columns(metrics.len(), |cols| {
        for (col, (title, metric)) in cols.iter_mut().zip(metrics) {
            col.label(title);
            // The whole run on the x axis, so the room sees how far along it is.
            egui_plot::Plot::new(title)
                .height(190.0)
                .include_x(0.0)
                .include_x(snap.ticks as f64)
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .show(col, |plot| {
                    for (i, side) in snap.sides.iter().enumerate() {
                        let points: egui_plot::PlotPoints = side
                            .history
                            .iter()
                            .map(|c| [c.tick as f64, metric(c)])
                            .filter(|p| p[1].is_finite())
                            .collect();
                        plot.line(
                            egui_plot::Line::new(side.regime.clone(), points)
                                .id(egui::Id::new((title, "side", i)))
                                .color(SIDE_COLOURS[i])
                                .width(3.0),
                        );
                        for (k, (at, _)) in side.changes.iter().enumerate() {
                            plot.vline(
                                egui_plot::VLine::new("", *at as f64)
                                    .id(egui::Id::new((title, "change", i, k)))
                                    .color(SIDE_COLOURS[i])
                                    .width(1.5)
                                    .style(egui_plot::LineStyle::dashed_loose()),
                            );
                        }
                    }
                });
        }
    });
}

/// A short line, solid or dashed, as a chart key.
fn line_key(ui: &mut egui::Ui, colour: egui::Color32, dashed: bool) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(40.0, 20.0), egui::Sense::hover());
    let (a, b) = (rect.left_center(), rect.right_center());
    let stroke = egui::Stroke::new(if dashed { 2.0 } else { 4.0 }, colour);
    if dashed {
        ui.painter()
            .extend(egui::Shape::dashed_line(&[a, b], stroke, 6.0, 5.0));
    } else {
        ui.painter().line_segment([a, b], stroke);
    }
}

fn maps(ui: &mut egui::Ui, view: &mut View, snap: &Snapshot, commands: &mut Vec<Command>) {
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
                    "coverage {:.2} · trust {:.2} · volunteers {:.1}% · organizations {} (+{} −{})",
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
    let columns = side.columns.max(1) as f32;
    let rows = (side.grid.len() as f32 / columns).ceil().max(1.0);
    let avail = ui.available_size();
    let legend_w = 140.0;
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
            response.on_hover_ui_at_pointer(|ui| {
                for line in [
                    format!(
                        "Neighbourhood {h}: {} residents, mean SES {:.2}",
                        row.residents, row.ses_mean
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
            });
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

fn legend(painter: &egui::Painter, x: f32, top: f32, metric: MapMetric, lo: f64, hi: f64) {
    let font = egui::FontId::proportional(18.0);
    let text = |pos: egui::Pos2, align: egui::Align2, s: &str| {
        painter.text(pos, align, s, font.clone(), egui::Color32::BLACK);
    };
    // The scale as one strip of 32 bands, each blending between its edges'
    // colours: smooth to the eye, and a handful of triangles to draw.
    let mut strip = egui::Mesh::default();
    let bands = 32;
    for k in 0..=bands {
        let y = top + 30.0 + 200.0 * k as f32 / bands as f32;
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
        egui::pos2(x, top + 4.0),
        egui::Align2::LEFT_TOP,
        metric.name(),
    );
    text(
        egui::pos2(x + 30.0, top + 30.0),
        egui::Align2::LEFT_TOP,
        &format!("{hi:.2}"),
    );
    text(
        egui::pos2(x + 30.0, top + 230.0),
        egui::Align2::LEFT_BOTTOM,
        &format!("{lo:.2}"),
    );
    let keys = [
        ("volunteer", Some(VOLUNTEER)),
        ("waiting", Some(WAITING)),
        // A shade darker than on the map, to show on the light background.
        ("served", Some(egui::Color32::from_gray(200))),
        ("organization", None),
    ];
    for (k, (name, colour)) in keys.into_iter().enumerate() {
        let y = top + 260.0 + k as f32 * 28.0;
        let centre = egui::pos2(x + 8.0, y + 11.0);
        match colour {
            Some(c) => {
                painter.rect_filled(
                    egui::Rect::from_center_size(centre, egui::vec2(12.0, 12.0)),
                    0.0,
                    c,
                );
            }
            None => organization_marker(painter, centre, 8.0, 1.0),
        }
        text(egui::pos2(x + 22.0, y), egui::Align2::LEFT_TOP, name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workshop::{Source, Workshop};

    fn snapshot() -> Snapshot {
        let source = Source {
            path: concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/baseline.toml").into(),
            overrides: vec!["city.residents=2000".into()],
        };
        let mut w = Workshop::open(source).unwrap();
        w.step();
        Snapshot::of(&w)
    }

    #[test]
    fn organizations_fade_in_and_out_rather_than_jump() {
        let mut snap = snapshot();
        snap.sides[1].hoods[0].organizations = 2;
        let mut view = View::default();
        for _ in 0..120 {
            view.follow(&snap, 1.0 / 60.0);
        }
        let shown = |v: &View| v.organizations[1][0];
        assert!((shown(&view) - 2.0).abs() < 0.01, "{}", shown(&view));

        // One dissolves: a frame later it is fading, not gone.
        snap.sides[1].hoods[0].organizations = 1;
        view.follow(&snap, 1.0 / 60.0);
        assert!(shown(&view) > 1.5 && shown(&view) < 2.0, "{}", shown(&view));
        for _ in 0..120 {
            view.follow(&snap, 1.0 / 60.0);
        }
        assert!((shown(&view) - 1.0).abs() < 0.01, "{}", shown(&view));

        // A restart starts from nothing: the new city's organizations fade in.
        snap.generation += 1;
        view.follow(&snap, 1.0 / 60.0);
        assert!(shown(&view) < 0.1, "{}", shown(&view));
    }

    #[test]
    fn sliders_follow_the_knobs_of_the_side_they_change() {
        let mut snap = snapshot();
        snap.sides[0].knobs.budget_scale = 0.7;
        snap.sides[1].knobs.budget_scale = 0.49;
        let mut view = View::default();
        view.follow(&snap, 0.0);
        assert_eq!(view.sliders[0], 0.7);
        view.target = Target::Right;
        view.follow(&snap, 0.0);
        assert_eq!(view.sliders[0], 0.49);
        let [(_, cut), ..] = intervention_buttons(&snap, Target::Both);
        let Command::Intervene { sides, .. } = cut else {
            panic!("the cut intervenes")
        };
        let budgets: Vec<f64> = sides
            .iter()
            .map(|(_, set)| set["budget_scale"].as_float().unwrap())
            .collect();
        assert_eq!(
            budgets,
            [0.7 * 0.7, 0.49 * 0.7],
            "30% of each side's own budget"
        );
    }
}
