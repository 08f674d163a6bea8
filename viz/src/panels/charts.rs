//! The bottom panel: the main metrics over time, both sides overlaid.

use super::SIDE_COLOURS;
use crate::snapshot::{CHARTS, Chart, Snapshot};
use bevy_egui::egui;

/// A change of knobs on the charts: dark grey, far from both sides' colours.
const CHANGE: egui::Color32 = egui::Color32::from_gray(60);

/// Tick labels read from the back of a room: dark, and as large as body text.
fn axis(hints: egui_plot::AxisHints<'_>) -> egui_plot::AxisHints<'_> {
    hints
        .tick_label_color(egui::Color32::from_gray(20))
        .tick_label_font(egui::FontId::proportional(20.0))
}

/// The main metrics over time, both sides overlaid, with a dashed line at
/// each change of knobs.
pub(super) fn charts(ui: &mut egui::Ui, snap: &Snapshot) {
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
        line_key(ui, CHANGE, true);
        ui.label("a change of knobs");
    });
    ui.columns(CHARTS.len(), |cols| {
        for (col, Chart { title, unit, value }) in cols.iter_mut().zip(&CHARTS) {
            col.label(egui::RichText::new(*title).strong());
            // The whole run on the x axis, so the room sees how far along it is.
            egui_plot::Plot::new(title)
                .height(190.0)
                .custom_x_axes(vec![axis(egui_plot::AxisHints::new_x().label("week"))])
                .custom_y_axes(vec![axis(egui_plot::AxisHints::new_y().label(*unit))])
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
                            .map(|c| [c.tick as f64, value(c)])
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
                                    .color(CHANGE)
                                    .width(2.0)
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
