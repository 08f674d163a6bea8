//! coserve-viz: a live city for workshops.
//!
//! `coserve-viz SCENARIO [--set KEY=VALUE ...] [--left REGIME] [--right REGIME]
//!  [--weeks-per-second W] [--room | --room-bind ADDR]
//!  [--screenshot PATH --after-ticks N [--play]]`
//!
//! The window runs on bevy; the simulation runs on its own thread
//! ([`coserve_viz::runner`]) and the frame draws its latest snapshot. With
//! `--room`, the room's server runs beside it on threads of its own
//! ([`coserve_viz::room`]).

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::{MonitorSelection, WindowMode, WindowResolution};
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};
use coserve_viz::panels::{self, View};
use coserve_viz::room::{self, RoomSession};
use coserve_viz::runner::{Command, Runner};
use coserve_viz::workshop::Source;
use std::net::SocketAddr;
use std::path::PathBuf;

const USAGE: &str = "usage: coserve-viz SCENARIO [--set KEY=VALUE ...] [--left REGIME] \
                     [--right REGIME] [--weeks-per-second W] [--room | --room-bind ADDR] \
                     [--screenshot PATH --after-ticks N [--play]]\n\
                     --room starts the participatory room on this computer only (127.0.0.1:8765);\n\
                     --room-bind ADDR on another address, e.g. 0.0.0.0:8765 for the local network";

/// What the command line asked for.
struct Args {
    source: Source,
    /// The regimes of the left and right sides, if chosen.
    regimes: [Option<String>; 2],
    weeks_per_second: f64,
    screenshot: Option<(PathBuf, u32)>,
    play: bool,
    /// Where the room listens, with `--room` or `--room-bind`.
    room: Option<SocketAddr>,
}

/// The arguments, `Ok(None)` when help was asked for.
fn parse_args() -> Result<Option<Args>, String> {
    let mut args = std::env::args().skip(1);
    let mut scenario = None;
    let mut overrides = Vec::new();
    let (mut shot, mut after, mut wps, mut play) = (None, 0, 10.0, false);
    let mut regimes = [None, None];
    let mut room = None;
    let number = |name: &str, v: Option<String>| {
        v.and_then(|n| n.parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n >= 0.0)
            .ok_or(format!("{name} needs a number\n{USAGE}"))
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--set" => overrides.push(args.next().ok_or("--set needs KEY=VALUE")?),
            "--screenshot" => {
                shot = Some(PathBuf::from(
                    args.next().ok_or("--screenshot needs a PATH")?,
                ))
            }
            "--after-ticks" => after = number("--after-ticks", args.next())? as u32,
            "--weeks-per-second" => wps = number("--weeks-per-second", args.next())?.max(0.1),
            "--play" => play = true,
            "--room" => room = room.or(Some(room::DEFAULT_BIND.to_string())),
            "--room-bind" => {
                let address = args.next().filter(|a| !a.starts_with("--"));
                room =
                    Some(address.ok_or("--room-bind needs an ADDRESS:PORT, such as 0.0.0.0:8765")?);
            }
            "--left" => regimes[0] = Some(args.next().ok_or("--left needs a REGIME")?),
            "--right" => regimes[1] = Some(args.next().ok_or("--right needs a REGIME")?),
            "-h" | "--help" => return Ok(None),
            other if scenario.is_none() => scenario = Some(PathBuf::from(other)),
            other => return Err(format!("unexpected argument {other}\n{USAGE}")),
        }
    }
    Ok(Some(Args {
        source: Source {
            path: scenario.ok_or(USAGE)?,
            overrides,
        },
        regimes,
        weeks_per_second: wps,
        screenshot: shot.map(|p| (p, after)),
        play,
        room: room.map(|a| room_address(&a)).transpose()?,
    }))
}

/// `--room-bind`'s address: an IP address and port of this computer.
fn room_address(text: &str) -> Result<SocketAddr, String> {
    let address: SocketAddr = text.parse().map_err(|_| {
        format!("--room-bind needs an IP address and port such as 0.0.0.0:8765, not {text}")
    })?;
    let ip = address.ip();
    let broadcast = matches!(ip, std::net::IpAddr::V4(v4) if v4.is_broadcast());
    if ip.is_multicast() || broadcast {
        return Err(format!(
            "--room-bind {text}: a multicast or broadcast address, which phones cannot connect to; \
             use 0.0.0.0:PORT for the local network"
        ));
    }
    Ok(address)
}

/// The simulation thread's handle.
#[derive(Resource)]
struct Simulation(Runner);

/// In screenshot mode: where to save and after which week.
#[derive(Resource)]
struct ScreenshotAt(PathBuf, u32);

/// Frame intervals in screenshot mode, reported when it exits.
#[derive(Resource, Default)]
struct FrameTimes(Vec<f32>);

#[derive(Resource, Default)]
struct Screen(View);

/// The participatory room, with `--room`.
#[derive(Resource)]
struct Room(RoomSession);

fn main() -> AppExit {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return AppExit::Success;
        }
        Err(e) => {
            eprintln!("{e}");
            return AppExit::error();
        }
    };
    let regimes = [args.regimes[0].as_deref(), args.regimes[1].as_deref()];
    let runner = match Runner::start(args.source, regimes, args.weeks_per_second) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return AppExit::error();
        }
    };
    let room = match args
        .room
        .map(|bind| RoomSession::start(bind, &runner.latest()))
    {
        Some(Ok(room)) => Some(announce(room)),
        Some(Err(e)) => {
            eprintln!("{e}");
            return AppExit::error();
        }
        None => None,
    };
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title: "coserve: a city's services, two ways".into(),
            resolution: WindowResolution::new(1600, 900),
            ..default()
        }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    .init_resource::<Screen>()
    .insert_resource(ClearColor({
        let [r, g, b, _] = panels::BACKGROUND.to_array();
        Color::srgb_u8(r, g, b)
    }))
    .add_systems(Startup, |mut commands: Commands| {
        // egui smooths its own edges; multisampling the whole window again
        // only costs frame time, most of all with software rendering.
        commands.spawn((Camera2d, Msaa::Off));
    })
    .add_systems(Update, keyboard)
    .add_systems(EguiPrimaryContextPass, ui);
    if let Some((path, n)) = args.screenshot {
        // Flat out by default; at the workshop's pace with --play, which
        // is how the frame times it reports are meant to be measured.
        runner.send(if args.play {
            Command::TogglePlay
        } else {
            Command::RunTo(n)
        });
        let mut view = View::default();
        view.details = false;
        app.insert_resource(Screen(view))
            .insert_resource(ScreenshotAt(path, n))
            .init_resource::<FrameTimes>()
            .add_systems(Update, screenshot_when_ready);
    }
    if let Some(room) = room {
        app.insert_resource(Room(room));
    }
    app.insert_resource(Simulation(runner)).run()
}

/// Says on the terminal where the room is, and the facilitator's secret,
/// which the projected screen never shows.
fn announce(room: RoomSession) -> RoomSession {
    println!(
        "room: listening on {}; participants open {} (code {})",
        room.address(),
        room.join_url,
        room.code
    );
    if room.address().ip().is_loopback() {
        println!(
            "room: only this computer can join; --room-bind 0.0.0.0:8765 opens it to the local network"
        );
    }
    println!(
        "room: the facilitator's secret, for nobody else: {}",
        room.secret()
    );
    room
}

/// Keyboard shortcuts, shown on screen.
fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    sim: Res<Simulation>,
    mut screen: ResMut<Screen>,
    room: Option<Res<Room>>,
    mut windows: Query<&mut Window>,
) {
    let send = |c| sim.0.send(c);
    if keys.just_pressed(KeyCode::Space) {
        send(Command::TogglePlay);
    }
    if keys.just_pressed(KeyCode::KeyS) {
        send(Command::Step);
    }
    if keys.just_pressed(KeyCode::KeyR) {
        send(Command::Restart);
    }
    if keys.just_pressed(KeyCode::KeyW) {
        send(with_room_log(
            Command::Save { room_log: None },
            room.as_deref().map(|r| &r.0),
        ));
    }
    if keys.just_pressed(KeyCode::KeyC) {
        let [(_, cut), ..] = panels::intervention_buttons(&sim.0.latest(), screen.0.target);
        send(cut);
    }
    let zoom = &mut screen.0.zoom;
    if keys.any_just_pressed([KeyCode::Equal, KeyCode::NumpadAdd]) {
        *zoom = (*zoom + 0.1).min(2.0);
    }
    if keys.any_just_pressed([KeyCode::Minus, KeyCode::NumpadSubtract]) {
        *zoom = (*zoom - 0.1).max(0.6);
    }
    if keys.just_pressed(KeyCode::KeyM) {
        screen.0.metric = screen.0.metric.next();
    }
    if keys.just_pressed(KeyCode::F11) || keys.just_pressed(KeyCode::KeyF) {
        for mut window in &mut windows {
            window.mode = match window.mode {
                WindowMode::Windowed => WindowMode::BorderlessFullscreen(MonitorSelection::Current),
                _ => WindowMode::Windowed,
            };
        }
    }
}

fn ui(
    mut contexts: EguiContexts,
    sim: Res<Simulation>,
    mut screen: ResMut<Screen>,
    mut room: Option<ResMut<Room>>,
    time: Res<Time>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    panels::style(ctx, screen.0.zoom);
    let snapshot = sim.0.latest();
    let mut root = egui::Ui::new(
        ctx.clone(),
        "workshop".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let mut room = room.as_deref_mut().map(|r| &mut r.0);
    let commands = panels::draw(
        &mut root,
        &mut screen.0,
        &snapshot,
        time.delta_secs(),
        room.as_deref_mut(),
    );
    for command in commands {
        sim.0.send(with_room_log(command, room.as_deref()));
    }
    Ok(())
}

/// A save with a room saves the room's log too.
fn with_room_log(command: Command, room: Option<&RoomSession>) -> Command {
    match (command, room) {
        (Command::Save { .. }, Some(room)) => Command::Save {
            room_log: Some(room.log_csv()),
        },
        (command, _) => command,
    }
}

/// In screenshot mode: once the weeks have run (or, with a room, once a
/// round's debrief is on screen: a round pauses before the weeks are
/// reached) and a few frames are drawn, saves the window, reports frame
/// times and exits.
fn screenshot_when_ready(
    mut commands: Commands,
    sim: Res<Simulation>,
    room: Option<Res<Room>>,
    at: Res<ScreenshotAt>,
    time: Res<Time>,
    mut frames: ResMut<FrameTimes>,
    // Frames drawn since the weeks were reached; past SETTLE, the
    // screenshot has been asked for.
    mut settled: Local<u32>,
) {
    const SETTLE: u32 = 5;
    if *settled > SETTLE {
        return;
    }
    frames.0.push(time.delta_secs());
    let snap = sim.0.latest();
    let debrief = room.is_some_and(|r| r.0.rounds.last().is_some_and(|r| r.outcome.is_some()));
    if snap.tick < at.1.min(snap.ticks) && !debrief {
        return;
    }
    *settled += 1;
    if *settled < SETTLE {
        return;
    }
    *settled = SETTLE + 1;
    let mut times = std::mem::take(&mut frames.0);
    report_frame_times(&mut times);
    let path = at.0.clone();
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

/// Prints the median and 95th percentile frame interval while the weeks
/// ran, skipping the first frames (start-up).
fn report_frame_times(times: &mut [f32]) {
    let skip = times.len().min(10);
    let times = &mut times[skip..];
    if times.is_empty() {
        return;
    }
    times.sort_by(f32::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize] * 1000.0;
    eprintln!(
        "frames while running: {} frames, median {:.1} ms, 95th percentile {:.1} ms",
        times.len(),
        at(0.5),
        at(0.95)
    );
}
