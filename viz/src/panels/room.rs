//! The room's panel (`--room`), on the right: how to join (address, code,
//! QR code), the round's controls for the facilitator, the proposals to
//! accept, and at the debrief the room's predictions against what happened.

use super::{View, intervention_buttons, proposal_button};
use crate::room::{Qr, RoomSession, RoomState};
use crate::runner::Command;
use crate::snapshot::{CHARTS, Snapshot};
use crate::workshop::SIDE_NAMES;
use bevy_egui::egui;
use coserve_room::Phase;

/// The panel's width in points.
pub const WIDTH: f32 = 430.0;

pub(super) fn room_panel(
    ui: &mut egui::Ui,
    view: &mut View,
    snap: &Snapshot,
    room: &mut RoomSession,
    commands: &mut Vec<Command>,
) {
    commands.extend(room.update(snap, view.target.sides()));
    // An accepted proposal applies like its button, to the sides chosen.
    let buttons = intervention_buttons(snap, view.target);
    for p in room.take_accepted() {
        commands.push(buttons[proposal_button(p)].1.clone());
    }
    let state = room.state();
    // Always show the scroll bar: at the debrief, or zoomed for the back
    // row, the proposals may be below the window's edge.
    egui::ScrollArea::vertical()
        .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
        .show(ui, |ui| {
            ui.heading("Join on your phone");
            ui.horizontal(|ui| {
                qr_code(ui, &room.qr, 170.0);
                ui.vertical(|ui| {
                    ui.label("room code");
                    ui.label(
                        egui::RichText::new(&room.code)
                            .size(48.0)
                            .strong()
                            .monospace(),
                    );
                    ui.label(format!("{} joined", state.participants));
                    let (residents, organizations, agencies) = state.roles;
                    ui.label(format!(
                    "as residents {residents}, organizations {organizations}, the agency {agencies}"
                ));
                });
            });
            ui.add(
                egui::Label::new(egui::RichText::new(&room.join_url).monospace().size(18.0)).wrap(),
            );
            ui.separator();
            // At the debrief, what happened comes first; the next round's
            // setup after it.
            if let Some(record) = room.rounds.last()
                && record.outcome.is_some()
                && state.phase == Some(Phase::Debrief)
            {
                debrief(ui, record);
                ui.separator();
            }
            round_controls(ui, view, snap, room, &state);
            proposals(ui, room, &state, &buttons, &mut view.room_note);
            if !view.room_note.is_empty() {
                ui.colored_label(egui::Color32::from_rgb(170, 0, 0), &view.room_note);
            }
        });
}

/// Dark modules on white, with the quiet zone QR readers need.
fn qr_code(ui: &mut egui::Ui, qr: &Qr, size: f32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    let painter = ui.painter();
    painter.rect_filled(rect, 0.0, egui::Color32::WHITE);
    let quiet = 2;
    let module = size / (qr.width + 2 * quiet) as f32;
    for (i, _) in qr.dark.iter().enumerate().filter(|(_, dark)| **dark) {
        let (x, y) = ((i % qr.width + quiet) as f32, (i / qr.width + quiet) as f32);
        let min = rect.min + egui::vec2(x * module, y * module);
        painter.rect_filled(
            egui::Rect::from_min_size(min, egui::vec2(module, module)),
            0.0,
            egui::Color32::BLACK,
        );
    }
}

fn phase_words(phase: Option<Phase>) -> &'static str {
    match phase {
        Some(Phase::Deciding) => "vote, predict and propose now",
        Some(Phase::Simulating) => "the city runs",
        Some(Phase::Debrief) => "debrief",
        Some(Phase::Waiting) | None => "no round yet",
    }
}

/// Decide, simulate, debrief, next round.
fn round_controls(
    ui: &mut egui::Ui,
    view: &mut View,
    snap: &Snapshot,
    room: &mut RoomSession,
    state: &RoomState,
) {
    ui.label(
        egui::RichText::new(format!(
            "Round {}: {}",
            state.round,
            phase_words(state.phase)
        ))
        .strong(),
    );
    let record = room.rounds.last();
    let outcome = match state.phase {
        Some(Phase::Deciding) => {
            if let Some(r) = record {
                ui.add(egui::Label::new(&r.question).wrap());
            }
            ui.label(format!(
                "{} voted · {} predicted",
                state.voters, state.predictions
            ));
            ui.label(format!(
                "The vote splits the PB money on {}.",
                view.target.name()
            ));
            for &side in view.target.sides() {
                if let Some(s) = snap.sides.get(side)
                    && s.knobs.pb_share == 0.0
                {
                    ui.label(format!(
                        "The {} side has no PB money (pb_share 0): its vote changes nothing.",
                        SIDE_NAMES[side]
                    ));
                }
            }
            let weeks = record.map_or(0, |r| r.to - r.from);
            ui.button(format!("Simulate {weeks} weeks"))
                .clicked()
                .then(|| room.simulate())
        }
        Some(Phase::Simulating) => {
            if let Some(r) = record {
                ui.label(format!("running to week {}", r.to));
            }
            ui.button("Debrief: show predictions against the outcome")
                .clicked()
                .then(|| room.debrief())
        }
        _ => {
            let plan = &mut room.plan;
            ui.horizontal(|ui| {
                ui.label("Predict");
                egui::ComboBox::from_id_salt("room chart")
                    .selected_text(CHARTS[plan.chart].title)
                    .show_ui(ui, |ui| {
                        for (i, chart) in CHARTS.iter().enumerate() {
                            ui.selectable_value(&mut plan.chart, i, chart.title);
                        }
                    });
            });
            ui.horizontal(|ui| {
                ui.label("on the");
                for (i, name) in SIDE_NAMES.iter().enumerate() {
                    ui.selectable_value(&mut plan.side, i, *name);
                }
                ui.label("side after");
                ui.add(egui::DragValue::new(&mut plan.weeks).range(1..=52));
                ui.label("weeks");
            });
            ui.button(format!("Open round {}", state.round + 1))
                .clicked()
                .then(|| room.open_round(snap))
        }
    };
    match outcome {
        Some(Err(e)) => view.room_note = e,
        Some(Ok(_)) => view.room_note.clear(),
        None => {}
    }
}

/// This round's proposals, each with a button to accept it.
fn proposals(
    ui: &mut egui::Ui,
    room: &RoomSession,
    state: &RoomState,
    buttons: &[(&'static str, Command); 4],
    note: &mut String,
) {
    if state.proposals.is_empty() {
        return;
    }
    ui.separator();
    ui.label(egui::RichText::new("Proposals").strong());
    for (i, (name, proposal)) in state.proposals.iter().enumerate() {
        // A line may be long (a 32-letter name, a long button label): it
        // wraps within the panel rather than run over the map.
        ui.add(
            egui::Label::new(format!("{name}: {}", buttons[proposal_button(*proposal)].0)).wrap(),
        );
        if ui.small_button(format!("Accept #{}", i + 1)).clicked()
            && let Err(e) = room.accept(i)
        {
            *note = e;
        }
    }
}

/// The room's predictions as dots along the metric's axis, the outcome as
/// a solid line and the value before the round as a dashed one.
fn debrief(ui: &mut egui::Ui, record: &crate::room::RoundRecord) {
    let Some((outcome, week)) = record.outcome else {
        return;
    };
    let chart = &CHARTS[record.plan.chart];
    let title = format!(
        "Round {}: {} at week {week} was {outcome:.2}",
        record.round, chart.title
    );
    ui.label(egui::RichText::new(title).strong());
    let guesses: Vec<f64> = record.predictions.iter().map(|(_, v)| *v).collect();
    ui.label(prediction_summary(record.before, outcome, &guesses));
    // Room on both sides, so no dot sits on the border.
    let (lo, hi) = guesses
        .iter()
        .chain([&outcome, &record.before])
        .filter(|v| v.is_finite())
        .fold((outcome, outcome), |(a, b), v| (a.min(*v), b.max(*v)));
    let pad = ((hi - lo) * 0.08).max(0.01);
    egui_plot::Plot::new(("debrief", record.round))
        .height(130.0)
        .include_x(lo - pad)
        .include_x(hi + pad)
        .show_axes([true, false])
        .custom_x_axes(vec![egui_plot::AxisHints::new_x().label(chart.unit)])
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .include_y(-1.0)
        .include_y(1.0)
        .show(ui, |plot| {
            // Predictions spread over rows, so equal guesses stay visible.
            let points: egui_plot::PlotPoints = guesses
                .iter()
                .enumerate()
                .map(|(i, v)| [*v, (i % 7) as f64 / 4.0 - 0.75])
                .collect();
            plot.points(
                egui_plot::Points::new("predictions", points)
                    .radius(6.0)
                    .color(egui::Color32::from_rgb(0, 114, 178)),
            );
            plot.vline(
                egui_plot::VLine::new("outcome", outcome)
                    .color(egui::Color32::BLACK)
                    .width(4.0),
            );
            if record.before.is_finite() {
                plot.vline(
                    egui_plot::VLine::new("before", record.before)
                        .color(egui::Color32::from_gray(90))
                        .width(2.0)
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            }
        });
    ui.label(if record.before.is_finite() {
        "dots: the room's predictions · solid: what happened · dashed: before the round"
    } else {
        "dots: the room's predictions · solid: what happened"
    });
}

/// The debrief in words: the median guess, and how many foresaw the
/// direction of change (up or down from `before`).
pub fn prediction_summary(before: f64, outcome: f64, guesses: &[f64]) -> String {
    if guesses.is_empty() {
        return "nobody predicted this round".into();
    }
    let mut sorted = guesses.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = if sorted.len() % 2 == 1 {
        sorted[sorted.len() / 2]
    } else {
        (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2.0
    };
    let n = guesses.len();
    let mut text = format!(
        "{n} prediction{}, median {median:.2}",
        if n == 1 { "" } else { "s" }
    );
    if before.is_finite() {
        let direction = |v: f64| v.partial_cmp(&before);
        let right = guesses
            .iter()
            .filter(|&&g| direction(g) == direction(outcome))
            .count();
        let went = match direction(outcome) {
            Some(std::cmp::Ordering::Greater) => "rose",
            Some(std::cmp::Ordering::Less) => "fell",
            _ => "held",
        };
        text += &format!("; it {went}, and {right} of {n} saw that coming");
    }
    text
}
