//! coserve-viz: a live city for workshops. Two regimes side by side on the
//! same city and the same random numbers, controls a facilitator can use on
//! a projector, and a screenshot mode for tests:
//!
//! `coserve-viz SCENARIO [--set KEY=VALUE ...] [--screenshot PATH --after-ticks N]`

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::WindowResolution;
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};
use coserve::engine::rng::{Purpose, Stream};
use coserve::metrics::{CityRow, NeighbourhoodRow};
use coserve::scenario::Intervention;
use coserve::{Scenario, Simulation, governance};
use std::path::PathBuf;
use std::time::SystemTime;

/// What the command line asked for.
#[derive(Resource, Clone)]
struct Args {
    scenario: PathBuf,
    overrides: Vec<String>,
    screenshot: Option<(PathBuf, u32)>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut scenario = None;
    let mut overrides = Vec::new();
    let (mut shot, mut after) = (None, 0);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--set" => overrides.push(args.next().ok_or("--set needs KEY=VALUE")?),
            "--screenshot" => {
                shot = Some(PathBuf::from(
                    args.next().ok_or("--screenshot needs a PATH")?,
                ))
            }
            "--after-ticks" => {
                after = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--after-ticks needs a number")?
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other if scenario.is_none() => scenario = Some(PathBuf::from(other)),
            other => return Err(format!("unexpected argument {other}\n{USAGE}")),
        }
    }
    Ok(Args {
        scenario: scenario.ok_or(USAGE)?,
        overrides,
        screenshot: shot.map(|p| (p, after)),
    })
}

const USAGE: &str =
    "usage: coserve-viz SCENARIO [--set KEY=VALUE ...] [--screenshot PATH --after-ticks N]";

/// One side of the screen: a regime running on the shared city.
struct Side {
    regime: String,
    sim: Simulation,
    history: Vec<CityRow>,
    hoods: Vec<NeighbourhoodRow>,
}

/// A change made live, to be saved as `[[interventions]]`.
#[derive(Clone)]
struct LiveChange {
    at: u32,
    label: String,
    set: toml::Table,
}

#[derive(Clone, Copy, PartialEq)]
enum MapMetric {
    UnmetNeed,
    Trust,
    Participation,
    Service,
}

impl MapMetric {
    const ALL: [MapMetric; 4] = [
        MapMetric::UnmetNeed,
        MapMetric::Trust,
        MapMetric::Participation,
        MapMetric::Service,
    ];
    fn name(self) -> &'static str {
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
}

#[derive(Resource)]
struct Workshop {
    sides: Vec<Side>,
    playing: bool,
    ticks_per_frame: u32,
    metric: MapMetric,
    changes: Vec<LiveChange>,
    error: Option<String>,
    status: String,
    loaded_at: Option<SystemTime>,
    /// The knobs on the sliders.
    budget_scale: f64,
    pb_share: f64,
    floor: f64,
    outreach: f64,
    org_funding_share: f64,
}

fn load_sides(args: &Args, regimes: &[String]) -> Result<Vec<Side>, String> {
    regimes
        .iter()
        .map(|regime| {
            let mut set = args.overrides.clone();
            set.push(format!("governance.preset={regime}"));
            let scenario = Scenario::load(&args.scenario, &set).map_err(|e| e.to_string())?;
            Ok(Side {
                regime: regime.clone(),
                sim: Simulation::new(scenario),
                history: Vec::new(),
                hoods: Vec::new(),
            })
        })
        .collect()
}

fn modified(path: &PathBuf) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Workshop {
    fn new(args: &Args) -> Workshop {
        let base = Scenario::load(&args.scenario, &args.overrides);
        let first = base
            .as_ref()
            .map(|s| s.governance.preset.clone())
            .unwrap_or_else(|_| "public".into());
        let second = if first == "co_created" {
            "public".to_string()
        } else {
            "co_created".to_string()
        };
        let mut w = Workshop {
            sides: Vec::new(),
            playing: args.screenshot.is_some(),
            ticks_per_frame: 1,
            metric: MapMetric::UnmetNeed,
            changes: Vec::new(),
            error: None,
            status: String::new(),
            loaded_at: modified(&args.scenario),
            budget_scale: 1.0,
            pb_share: 0.0,
            floor: 0.0,
            outreach: 0.0,
            org_funding_share: 0.0,
        };
        w.reload(args, &[first, second]);
        w
    }

    /// (Re)starts both sides from the file; a bad file shows its error and
    /// keeps what was running.
    fn reload(&mut self, args: &Args, regimes: &[String]) {
        match load_sides(args, regimes) {
            Ok(sides) => {
                let k = sides[0].sim.knobs();
                (
                    self.budget_scale,
                    self.pb_share,
                    self.floor,
                    self.outreach,
                    self.org_funding_share,
                ) = (
                    k.budget_scale,
                    k.pb_share,
                    k.floor,
                    k.outreach,
                    k.org_funding_share,
                );
                self.sides = sides;
                self.changes.clear();
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn tick(&self) -> u32 {
        self.sides.first().map_or(0, |s| s.sim.tick())
    }

    fn step(&mut self) {
        for side in &mut self.sides {
            if !side.sim.finished() {
                let record = side.sim.step();
                side.history.push(record.city);
                side.hoods = record.neighbourhoods;
            }
        }
    }

    /// Applies a change to both sides now and records it.
    fn intervene(&mut self, label: &str, set: &[(&str, toml::Value)]) {
        let table: toml::Table = set
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let iv = Intervention {
            at: self.tick(),
            label: label.to_string(),
            preset: None,
            set: table.clone(),
        };
        let mut probe = self.sides[0].sim.knobs().clone();
        for (k, v) in &table {
            if let Err(e) = probe.set(k, v) {
                self.status = format!("{label}: {k} refused ({e:?})");
                return;
            }
        }
        if probe.diverted_share() > 1.0 {
            self.status = format!(
                "{label}: grants + participatory budget + block grants would exceed the budget"
            );
            return;
        }
        for side in &mut self.sides {
            side.sim.intervene(&iv);
        }
        self.changes.push(LiveChange {
            at: iv.at,
            label: label.into(),
            set: table,
        });
        self.status = format!("week {}: {label}", iv.at);
    }

    /// Writes the scenario plus every live change as `[[interventions]]`.
    fn save(&mut self, args: &Args) {
        let mut text = std::fs::read_to_string(&args.scenario).unwrap_or_default();
        text += &format!(
            "\n# Live changes from a coserve-viz session (regimes: {}), replayed exactly:\n",
            self.sides
                .iter()
                .map(|s| s.regime.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        );
        for c in &self.changes {
            text += &format!(
                "\n[[interventions]]\nat = {}\nlabel = {:?}\n",
                c.at, c.label
            );
            for (k, v) in &c.set {
                text += &format!("{k} = {v}\n");
            }
        }
        let stem = args
            .scenario
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        let path = args.scenario.with_file_name(format!("{stem}-session.toml"));
        match coserve::output::write_new_file(&path, &text, true) {
            Ok(()) => self.status = format!("saved {}", path.display()),
            Err(e) => self.status = format!("cannot save: {e}"),
        }
    }
}

fn main() -> AppExit {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return AppExit::error();
        }
    };
    if let Err(e) = Scenario::load(&args.scenario, &args.overrides) {
        eprintln!("{e}");
        return AppExit::error();
    }
    let workshop = Workshop::new(&args);
    App::new()
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "coserve: a city's services, two ways".into(),
                resolution: WindowResolution::new(1600, 900),
                ..default()
            }),
            ..default()
        }))
        .add_plugins(EguiPlugin::default())
        .insert_resource(args)
        .insert_resource(workshop)
        .add_systems(Startup, |mut commands: Commands| {
            commands.spawn(Camera2d);
        })
        .add_systems(
            Update,
            (keyboard, advance, hot_reload, screenshot_when_ready),
        )
        .add_systems(EguiPrimaryContextPass, ui)
        .run()
}

/// Keyboard shortcuts, shown on screen.
fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    mut w: ResMut<Workshop>,
    args: Res<Args>,
    mut windows: Query<&mut Window>,
) {
    if keys.just_pressed(KeyCode::Space) {
        w.playing = !w.playing;
    }
    if keys.just_pressed(KeyCode::KeyS) {
        w.step();
    }
    if keys.just_pressed(KeyCode::KeyM) {
        let i = MapMetric::ALL
            .iter()
            .position(|m| *m == w.metric)
            .unwrap_or(0);
        w.metric = MapMetric::ALL[(i + 1) % MapMetric::ALL.len()];
    }
    if keys.just_pressed(KeyCode::KeyC) {
        let v = w.budget_scale * 0.7;
        w.intervene(
            "budget cut by 30%",
            &[("budget_scale", toml::Value::Float(v))],
        );
        w.budget_scale = v;
    }
    if keys.just_pressed(KeyCode::KeyW) {
        w.save(&args);
    }
    if keys.just_pressed(KeyCode::F11) || keys.just_pressed(KeyCode::KeyF) {
        for mut window in &mut windows {
            window.mode = match window.mode {
                bevy::window::WindowMode::Windowed => {
                    bevy::window::WindowMode::BorderlessFullscreen(
                        bevy::window::MonitorSelection::Current,
                    )
                }
                _ => bevy::window::WindowMode::Windowed,
            };
        }
    }
}

fn advance(mut w: ResMut<Workshop>, args: Res<Args>) {
    let target = args.screenshot.as_ref().map(|(_, n)| *n);
    if let Some(n) = target {
        while w.tick() < n && !w.sides.iter().all(|s| s.sim.finished()) {
            w.step();
        }
        return;
    }
    if w.playing {
        for _ in 0..w.ticks_per_frame {
            w.step();
        }
    }
}

/// Restarts from the file when a student saves it; shows errors on screen.
fn hot_reload(
    mut w: ResMut<Workshop>,
    args: Res<Args>,
    time: Res<Time>,
    mut last_check: Local<f32>,
) {
    *last_check += time.delta_secs();
    if *last_check < 0.5 {
        return;
    }
    *last_check = 0.0;
    let now = modified(&args.scenario);
    if now != w.loaded_at {
        w.loaded_at = now;
        let regimes: Vec<String> = w.sides.iter().map(|s| s.regime.clone()).collect();
        w.reload(&args, &regimes);
        if w.error.is_none() {
            w.status = "reloaded the scenario file".into();
        }
    }
}

/// In screenshot mode: once the ticks have run and a few frames are drawn,
/// saves the window and exits.
fn screenshot_when_ready(
    mut commands: Commands,
    args: Res<Args>,
    w: Res<Workshop>,
    mut frames: Local<u32>,
    mut requested: Local<bool>,
) {
    let Some((path, n)) = args.screenshot.clone() else {
        return;
    };
    if w.tick() < n.min(w.sides[0].sim.scenario().run.ticks) || *requested {
        return;
    }
    *frames += 1;
    if *frames < 5 {
        return;
    }
    *requested = true;
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
            let result = captured
                .image
                .clone()
                .try_into_dynamic()
                .map(|img| img.to_rgb8().save(&path));
            match result {
                Ok(Ok(())) => {
                    exit.write(AppExit::Success);
                }
                other => {
                    eprintln!("cannot save the screenshot: {other:?}");
                    exit.write(AppExit::error());
                }
            }
        },
    );
}

/// Viridis, colour-blind safe, at `t` in [0, 1].
fn viridis(t: f64) -> egui::Color32 {
    let c = coserve::report::charts::viridis(t);
    egui::Color32::from_rgb(c.0, c.1, c.2)
}

/// Okabe & Ito colours for the two sides.
const SIDE_COLOURS: [egui::Color32; 2] = [
    egui::Color32::from_rgb(0, 114, 178),
    egui::Color32::from_rgb(213, 94, 0),
];

fn ui(mut contexts: EguiContexts, mut w: ResMut<Workshop>, args: Res<Args>) -> Result {
    let ctx = contexts.ctx_mut()?;
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
    let w = &mut *w;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "workshop".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    egui::Panel::top("controls").show(&mut root, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.heading(format!("Week {}", w.tick()));
            if ui.button(if w.playing { "⏸ Pause" } else { "▶ Play" }).clicked() {
                w.playing = !w.playing;
            }
            if ui.button("Step").clicked() {
                w.step();
            }
            ui.add(egui::Slider::new(&mut w.ticks_per_frame, 1..=10).text("weeks per frame"));
            egui::ComboBox::from_label("map").selected_text(w.metric.name()).show_ui(ui, |ui| {
                for m in MapMetric::ALL {
                    ui.selectable_value(&mut w.metric, m, m.name());
                }
            });
            if ui.button("Save session").clicked() {
                w.save(&args);
            }
        });
        ui.horizontal_wrapped(|ui| {
            let knob = |ui: &mut egui::Ui, w: &mut Workshop, name: &'static str, value: f64, range: std::ops::RangeInclusive<f64>| {
                let mut v = value;
                if ui.add(egui::Slider::new(&mut v, range).text(name).max_decimals(2)).drag_stopped() {
                    w.intervene(&format!("{name} set to {v:.2}"), &[(name, toml::Value::Float(v))]);
                }
                v
            };
            w.budget_scale = knob(ui, w, "budget_scale", w.budget_scale, 0.0..=1.5);
            w.pb_share = knob(ui, w, "pb_share", w.pb_share, 0.0..=0.5);
            w.floor = knob(ui, w, "floor", w.floor, 0.0..=1.0);
            w.outreach = knob(ui, w, "outreach", w.outreach, 0.0..=1.0);
            w.org_funding_share = knob(ui, w, "org_funding_share", w.org_funding_share, 0.0..=0.5);
        });
        ui.horizontal_wrapped(|ui| {
            if ui.button("Cut budget 30%").clicked() {
                let v = w.budget_scale * 0.7;
                w.intervene("budget cut by 30%", &[("budget_scale", toml::Value::Float(v))]);
                w.budget_scale = v;
            }
            if ui.button("Launch participatory budgeting").clicked() {
                w.intervene(
                    "participatory budgeting launched",
                    &[("pb_share", toml::Value::Float(0.15)), ("decision_rights", toml::Value::String("residents".into())), ("channel", toml::Value::String("deliberative".into()))],
                );
            }
            if ui.button("Open a platform").clicked() {
                w.intervene("reporting platform opened", &[("channel", toml::Value::String("platform".into()))]);
            }
            if ui.button("Withdraw support").clicked() {
                w.intervene(
                    "support withdrawn",
                    &[("pb_share", toml::Value::Float(0.0)), ("outreach", toml::Value::Float(0.0)), ("org_funding_share", toml::Value::Float(0.0)), ("decision_rights", toml::Value::String("agency".into()))],
                );
            }
            ui.label(egui::RichText::new("Keys: Space play/pause · S step · M map · C cut budget · W save · F fullscreen").size(18.0));
        });
        if let Some(e) = &w.error {
            ui.colored_label(egui::Color32::from_rgb(180, 0, 0), format!("The scenario file has an error; still showing the last good run.\n{e}"));
        } else if !w.status.is_empty() {
            ui.label(&w.status);
        }
    });
    egui::Panel::bottom("charts")
        .exact_size(260.0)
        .show(&mut root, |ui| {
            ui.columns(4, |cols| {
                for (col, (title, metric)) in cols.iter_mut().zip([
                    (
                        "coverage",
                        (|c: &CityRow| c.coverage) as fn(&CityRow) -> f64,
                    ),
                    ("trust", |c: &CityRow| c.trust),
                    ("participation", |c: &CityRow| c.participation_rate),
                    ("access gap (rich - poor)", |c: &CityRow| c.access_gap),
                ]) {
                    col.label(title);
                    egui_plot::Plot::new(title)
                        .height(210.0)
                        .legend(egui_plot::Legend::default())
                        .allow_drag(false)
                        .allow_zoom(false)
                        .allow_scroll(false)
                        .show(col, |plot| {
                            for (i, side) in w.sides.iter().enumerate() {
                                let points: egui_plot::PlotPoints = side
                                    .history
                                    .iter()
                                    .map(|c| [c.tick as f64, metric(c)])
                                    .filter(|p| p[1].is_finite())
                                    .collect();
                                plot.line(
                                    egui_plot::Line::new(side.regime.clone(), points)
                                        .color(SIDE_COLOURS[i])
                                        .width(3.0),
                                );
                            }
                        });
                }
            });
        });
    egui::CentralPanel::default().show(&mut root, |ui| {
        let metric = w.metric;
        // One colour scale for both sides, so colours compare across them.
        let scale = w
            .sides
            .iter()
            .flat_map(|s| s.hoods.iter().map(|h| metric.value(h)))
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        ui.columns(w.sides.len().max(1), |cols| {
            for (i, (col, side)) in cols.iter_mut().zip(&mut w.sides).enumerate() {
                col.horizontal(|ui| {
                    ui.colored_label(
                        SIDE_COLOURS[i],
                        egui::RichText::new(&side.regime).size(28.0).strong(),
                    );
                    egui::ComboBox::from_id_salt(("regime", i))
                        .selected_text("switch regime")
                        .show_ui(ui, |ui| {
                            for p in governance::PRESETS {
                                if ui.selectable_label(p.name == side.regime, p.name).clicked()
                                    && p.name != side.regime
                                {
                                    side.regime = p.name.to_string();
                                    let iv = Intervention {
                                        at: side.sim.tick(),
                                        label: format!("switch to {}", p.name),
                                        preset: Some(p.name.into()),
                                        set: toml::Table::new(),
                                    };
                                    side.sim.intervene(&iv);
                                }
                            }
                        });
                });
                if let Some(last) = side.history.last() {
                    col.label(format!(
                        "coverage {:.2} · trust {:.2} · volunteers {:.1}% · organizations {}",
                        last.coverage,
                        last.trust,
                        100.0 * last.participation_rate,
                        last.organizations
                    ));
                }
                draw_map(col, side, metric, scale);
            }
        });
    });
    Ok(())
}

/// Neighbourhoods coloured by the chosen metric, with a legend, and a
/// sample of residents as dots: volunteering (green), waiting (orange),
/// served (grey).
fn draw_map(ui: &mut egui::Ui, side: &Side, metric: MapMetric, (lo, hi): (f64, f64)) {
    let city = side.sim.city();
    let columns = city.columns.max(1) as f32;
    let rows = (city.neighbourhoods.len() as f32 / columns).ceil().max(1.0);
    let avail = ui.available_size();
    let legend_w = 120.0;
    let cell = ((avail.x - legend_w) / columns)
        .min(avail.y / rows)
        .max(8.0);
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(cell * columns + legend_w, cell * rows),
        egui::Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    let values: Vec<f64> = side.hoods.iter().map(|h| metric.value(h)).collect();
    let span = if hi > lo { hi - lo } else { 1.0 };
    for h in &city.neighbourhoods {
        let min = rect.min + egui::vec2(h.grid.0 as f32 * cell, h.grid.1 as f32 * cell);
        let r = egui::Rect::from_min_size(min, egui::vec2(cell - 3.0, cell - 3.0));
        let v = values.get(h.index).copied().unwrap_or(f64::NAN);
        painter.rect_filled(r, 4.0, viridis((v - lo) / span));
    }
    // A sample of residents, placed in their neighbourhood's square.
    let residents = side.sim.residents();
    let d = residents.domains;
    let step = (residents.len() / 3000).max(1);
    for i in (0..residents.len()).step_by(step) {
        let h = &city.neighbourhoods[residents.neighbourhood[i] as usize];
        let mut place = Stream::new(0, 0, i as u64, Purpose::City);
        let (jx, jy) = (place.uniform() as f32, place.uniform() as f32);
        let p = rect.min
            + egui::vec2(
                (h.grid.0 as f32 + 0.08 + 0.8 * jx) * cell,
                (h.grid.1 as f32 + 0.08 + 0.8 * jy) * cell,
            );
        let waiting =
            (0..d).any(|k| residents.reported[i * d + k] > 0 || residents.hidden[i * d + k] > 0);
        let colour = if residents.traits[i] & coserve::model::residents::PARTICIPATING != 0 {
            egui::Color32::from_rgb(0, 158, 115)
        } else if waiting {
            egui::Color32::from_rgb(230, 159, 0)
        } else {
            egui::Color32::from_gray(235)
        };
        painter.circle_filled(p, 2.5, colour);
    }
    // Legend.
    let x = rect.max.x - legend_w + 16.0;
    for k in 0..100 {
        let y = rect.min.y + 30.0 + k as f32 * 2.0;
        painter.rect_filled(
            egui::Rect::from_min_size(egui::pos2(x, y), egui::vec2(24.0, 2.0)),
            0.0,
            viridis(1.0 - k as f64 / 99.0),
        );
    }
    let font = egui::FontId::proportional(18.0);
    painter.text(
        egui::pos2(x, rect.min.y + 4.0),
        egui::Align2::LEFT_TOP,
        metric.name(),
        font.clone(),
        egui::Color32::BLACK,
    );
    painter.text(
        egui::pos2(x + 30.0, rect.min.y + 30.0),
        egui::Align2::LEFT_TOP,
        format!("{hi:.2}"),
        font.clone(),
        egui::Color32::BLACK,
    );
    painter.text(
        egui::pos2(x + 30.0, rect.min.y + 230.0),
        egui::Align2::LEFT_BOTTOM,
        format!("{lo:.2}"),
        font.clone(),
        egui::Color32::BLACK,
    );
    let dots = [
        ("volunteer", egui::Color32::from_rgb(0, 158, 115)),
        ("waiting", egui::Color32::from_rgb(230, 159, 0)),
        ("served", egui::Color32::from_gray(200)),
    ];
    for (k, (name, colour)) in dots.iter().enumerate() {
        let y = rect.min.y + 260.0 + k as f32 * 26.0;
        painter.circle_filled(egui::pos2(x + 8.0, y + 10.0), 7.0, *colour);
        painter.text(
            egui::pos2(x + 22.0, y),
            egui::Align2::LEFT_TOP,
            *name,
            font.clone(),
            egui::Color32::BLACK,
        );
    }
}
