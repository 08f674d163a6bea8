//! What a frame draws, with egui: controls here, the two maps (`map`) and
//! the charts (`charts`).
//! It reads a [`Snapshot`] and returns the facilitator's commands; it
//! never touches a simulation, so a frame costs the same whatever the size
//! of the city.

mod charts;
mod map;
mod room;

pub use map::MapMetric;
pub use room::{WIDTH as ROOM_PANEL_WIDTH, prediction_summary};

use crate::map_layer::MapLayer;
use crate::room::RoomSession;
use crate::runner::Command;
use crate::snapshot::Snapshot;
use bevy_egui::egui;
use coserve::governance::Knobs;
use coserve_room::protocol::Proposal;
use std::ops::RangeInclusive;

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
    /// What the room last refused, shown in its panel.
    room_note: String,
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
            room_note: String::new(),
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

/// The intervention button (an index into [`intervention_buttons`]) a
/// room's proposal stands for.
pub fn proposal_button(proposal: Proposal) -> usize {
    match proposal {
        Proposal::CutBudget => 0,
        Proposal::LaunchParticipatoryBudgeting => 1,
        Proposal::OpenPlatform => 2,
        Proposal::WithdrawSupport => 3,
    }
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
/// since the last frame. With a `room`, its panel is on the right.
pub fn draw(
    root: &mut egui::Ui,
    view: &mut View,
    snap: &Snapshot,
    dt: f32,
    room: Option<&mut RoomSession>,
) -> Vec<Command> {
    view.follow(snap, dt);
    let mut commands = Vec::new();
    // Panels leave their background to the window's clear colour: one
    // full-window pass less to draw, which software renderers feel.
    let edge = |m: egui::Margin| egui::Frame::NONE.inner_margin(m);
    egui::Panel::top("controls")
        .frame(edge(egui::Margin::symmetric(8, 2)))
        .show(root, |ui| controls(ui, view, snap, &mut commands));
    if let Some(room) = room {
        egui::Panel::right("room")
            .frame(edge(egui::Margin::symmetric(8, 2)))
            .exact_size(room::WIDTH)
            .show(root, |ui| {
                room::room_panel(ui, view, snap, room, &mut commands)
            });
    }
    egui::Panel::bottom("charts")
        .frame(edge(egui::Margin::symmetric(8, 2)))
        .exact_size(270.0)
        .show(root, |ui| charts::charts(ui, snap));
    egui::CentralPanel::default()
        .frame(edge(egui::Margin::same(8)))
        .show(root, |ui| map::maps(ui, view, snap, &mut commands));
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

/// A slider's label: the knob's name, and, when the sides it changes hold
/// different values, both of them and what letting go does, in red, since
/// the slider itself can show only the left side's value.
fn slider_text(snap: &Snapshot, target: Target, name: &str) -> egui::RichText {
    let values: Vec<f64> = target
        .sides()
        .iter()
        .filter_map(|&i| snap.sides.get(i)?.knobs.get(name)?.as_float())
        .collect();
    match values[..] {
        [left, right] if left != right => egui::RichText::new(format!(
            "{name}: left {left:.2}, right {right:.2}; letting go sets both"
        ))
        .color(egui::Color32::from_rgb(180, 0, 0)),
        _ => egui::RichText::new(name),
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
            commands.push(Command::Save { room_log: None });
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
    // Three sliders to a row, the keys after the first; a row wraps when
    // labels grow long (both sides' values, in red).
    let target = view.target;
    let mut sliders = view.sliders.iter_mut().zip(SLIDERS).peekable();
    let mut first = true;
    while sliders.peek().is_some() {
        ui.horizontal_wrapped(|ui| {
            for (value, (name, range)) in sliders.by_ref().take(3) {
                let slider = egui::Slider::new(value, range)
                    .text(slider_text(snap, target, name))
                    .max_decimals(2);
                if ui.add(slider).drag_stopped() {
                    let v = *value;
                    let label = match target {
                        Target::Both => format!("{name} set to {v:.2} on both sides"),
                        _ => format!("{name} set to {v:.2}"),
                    };
                    commands.push(change(snap, target, &label, |_| {
                        vec![(name, toml::Value::Float(v))]
                    }));
                }
            }
            if std::mem::take(&mut first) {
                // The room does not need the keys; the facilitator points at them.
                ui.add_space(24.0);
                ui.label(egui::RichText::new("keys").size(18.0).underline())
                    .on_hover_text(
                        "Space play · S step · R restart · M map · C cut · W save · F full screen · +/- size",
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
    fn the_poorest_fifth_of_neighbourhoods_is_marked() {
        let snap = snapshot();
        let side = &snap.sides[0];
        let poor = map::poorest_fifth(side);
        assert_eq!(poor.iter().filter(|p| **p).count(), 16_usize.div_ceil(5));
        let richest_poor = (0..16)
            .filter(|&h| poor[h])
            .map(|h| side.hoods[h].ses_mean)
            .fold(f64::MIN, f64::max);
        let poorest_other = (0..16)
            .filter(|&h| !poor[h])
            .map(|h| side.hoods[h].ses_mean)
            .fold(f64::MAX, f64::min);
        assert!(
            richest_poor <= poorest_other,
            "{richest_poor} vs {poorest_other}"
        );
    }

    #[test]
    fn a_slider_over_both_sides_says_when_they_differ() {
        let mut snap = snapshot();
        snap.sides[0].knobs.org_funding_share = 0.0;
        snap.sides[1].knobs.org_funding_share = 0.25;
        let text = slider_text(&snap, Target::Both, "org_funding_share");
        assert_eq!(
            text.text(),
            "org_funding_share: left 0.00, right 0.25; letting go sets both"
        );
        assert_eq!(
            slider_text(&snap, Target::Right, "org_funding_share").text(),
            "org_funding_share"
        );
        snap.sides[1].knobs.org_funding_share = 0.0;
        assert_eq!(
            slider_text(&snap, Target::Both, "org_funding_share").text(),
            "org_funding_share"
        );
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
