//! What keeps the visualizer smooth at 100,000 residents: the frame's own
//! work (egui layout and tessellation of a snapshot, and redrawing the map
//! images after a week) against the work the simulation thread does off the
//! frame (a week on both sides, and the snapshot it hands over); and the
//! frame with the participatory room's panel while 100 phones send. Run:
//! `cargo bench -p coserve-viz --bench frame`.

use bevy_egui::egui;
use coserve_viz::panels::{self, View};
use coserve_viz::room::RoomSession;
use coserve_viz::snapshot::Snapshot;
use coserve_viz::workshop::{Source, Workshop};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn workshop(residents: u32) -> Workshop {
    let source = Source {
        path: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/baseline.toml"),
        overrides: vec![
            format!("city.residents={residents}"),
            "run.ticks=100000".into(),
        ],
    };
    let mut w = Workshop::open(source).expect("baseline loads");
    for _ in 0..52 {
        w.step();
    }
    w
}

/// One frame as the window draws it, 1600x900: egui's layout of `snap`
/// (with the room's panel, given one) and its tessellation.
fn draw_frame(
    ctx: &egui::Context,
    view: &mut View,
    snap: &Snapshot,
    mut room: Option<&mut RoomSession>,
) -> Vec<egui::ClippedPrimitive> {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1600.0, 900.0),
        )),
        ..Default::default()
    };
    let out = ctx.run_ui(input, |ui| {
        black_box(panels::draw(
            ui,
            view,
            snap,
            1.0 / 60.0,
            room.as_deref_mut(),
        ));
    });
    ctx.tessellate(out.shapes, out.pixels_per_point)
}

/// Frames of both sides a year in: as they are, after a week (both maps'
/// images redrawn), and after a week with the room's panel, without phones
/// and with 100 phones connected and sending.
fn frame(c: &mut Criterion) {
    let w = workshop(100_000);
    let snapshot = Snapshot::of(&w);
    let ctx = egui::Context::default();
    panels::style(&ctx, 1.0);
    let mut view = View::default();
    // Fonts and layout caches warm up over the first frames, as in the window.
    for _ in 0..3 {
        draw_frame(&ctx, &mut view, &snapshot, None);
    }
    c.bench_function("frame: draw and tessellate, 100k residents", |b| {
        b.iter(|| black_box(draw_frame(&ctx, &mut view, &snapshot, None)))
    });
    // The first frame after a week also redraws both maps' images.
    let mut after_week = snapshot.clone();
    let mut next_week = |view: &mut View, room: Option<&mut RoomSession>| {
        after_week.tick += 1;
        black_box(draw_frame(&ctx, view, &after_week, room))
    };
    c.bench_function(
        "frame after a week: maps redrawn too, 100k residents",
        |b| b.iter(|| next_week(&mut view, None)),
    );

    // With a room, every such frame also builds the city phones are shown:
    // the worst case, as the window does it once a week.
    let mut room = RoomSession::start("127.0.0.1:0".parse().unwrap(), &snapshot).unwrap();
    room.open_round(&snapshot).unwrap();
    for _ in 0..3 {
        next_week(&mut view, Some(&mut room));
    }
    let mut group = c.benchmark_group("frame after a week, 100k residents");
    group.bench_function("room, no phones", |b| {
        b.iter(|| next_week(&mut view, Some(&mut room)))
    });
    let stop = Arc::new(AtomicBool::new(false));
    let threads = phones(room.address(), &room.code, 100, &stop);
    while room.state().voters < 100 {
        std::thread::sleep(Duration::from_millis(50));
    }
    group.bench_function("room, 100 phones sending", |b| {
        b.iter(|| next_week(&mut view, Some(&mut room)))
    });
    group.finish();
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
}

/// What the simulation thread does per week, off the frame.
fn simulation_thread(c: &mut Criterion) {
    let mut w = workshop(100_000);
    let mut group = c.benchmark_group("simulation thread, 100k residents");
    group.sample_size(20);
    group.bench_function("one week on both sides", |b| b.iter(|| w.step()));
    group.bench_function("snapshot", |b| b.iter(|| black_box(Snapshot::of(&w))));
    group.finish();
}

/// Phones in the room: each joins, votes once, then asks for the round and
/// the city in turn, five messages a second (the room's limit), until
/// `stop`. Returns their threads.
fn phones(
    address: std::net::SocketAddr,
    code: &str,
    count: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..count)
        .map(|i| {
            let (stop, code) = (Arc::clone(stop), code.to_string());
            std::thread::spawn(move || {
                let (mut ws, _) = tungstenite::connect(format!("ws://{address}/ws")).unwrap();
                let mut say = |text: String| {
                    ws.send(tungstenite::Message::text(text)).unwrap();
                    while !matches!(ws.read().unwrap(), tungstenite::Message::Text(_)) {}
                };
                say(format!(
                    r#"{{"type":"join","room":"{code}","name":"p{i}"}}"#
                ));
                say(format!(
                    r#"{{"type":"vote","round":1,"weights":[[{},0,1.0]]}}"#,
                    i % 16
                ));
                let asks = [r#"{"type":"status"}"#, r#"{"type":"city"}"#];
                for k in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    say(asks[k % 2].to_string());
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        })
        .collect()
}

// No plots: criterion's plotting needs system fonts that a clean machine lacks.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = frame, simulation_thread
}
criterion_main!(benches);
