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

/// One frame as the window draws it: 1600x900, both sides a year in.
fn frame(c: &mut Criterion) {
    let w = workshop(100_000);
    let snapshot = Snapshot::of(&w);
    let ctx = egui::Context::default();
    panels::style(&ctx, 1.0);
    let mut view = View::default();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1600.0, 900.0),
        )),
        ..Default::default()
    };
    // Fonts and layout caches warm up over the first frames, as in the window.
    for _ in 0..3 {
        let out = ctx.run_ui(input(), |ui| {
            panels::draw(ui, &mut view, &snapshot, 1.0 / 60.0, None);
        });
        let _ = ctx.tessellate(out.shapes, out.pixels_per_point);
    }
    c.bench_function("frame: draw and tessellate, 100k residents", |b| {
        b.iter(|| {
            let out = ctx.run_ui(input(), |ui| {
                black_box(panels::draw(ui, &mut view, &snapshot, 1.0 / 60.0, None));
            });
            black_box(ctx.tessellate(out.shapes, out.pixels_per_point))
        })
    });
    // The first frame after a week also redraws both maps' images.
    let mut after_week = snapshot.clone();
    c.bench_function(
        "frame after a week: maps redrawn too, 100k residents",
        |b| {
            b.iter(|| {
                after_week.tick += 1;
                let out = ctx.run_ui(input(), |ui| {
                    black_box(panels::draw(ui, &mut view, &after_week, 1.0 / 60.0, None));
                });
                black_box(ctx.tessellate(out.shapes, out.pixels_per_point))
            })
        },
    );
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

/// The frame with the room's panel: without phones, and with 100 phones
/// connected and sending, against the frame without a room in the same run.
fn frame_with_room(c: &mut Criterion) {
    let w = workshop(100_000);
    let snapshot = Snapshot::of(&w);
    let ctx = egui::Context::default();
    panels::style(&ctx, 1.0);
    let mut view = View::default();
    let mut room = RoomSession::start("127.0.0.1:0".parse().unwrap(), &snapshot).unwrap();
    room.open_round(&snapshot).unwrap();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1600.0, 900.0),
        )),
        ..Default::default()
    };
    let mut after_week = snapshot.clone();
    let mut frame = |mut room: Option<&mut RoomSession>| {
        // A new week every frame: the city is rebuilt for phones each time,
        // the worst case.
        after_week.tick += 1;
        let out = ctx.run_ui(input(), |ui| {
            black_box(panels::draw(
                ui,
                &mut view,
                &after_week,
                1.0 / 60.0,
                room.as_deref_mut(),
            ));
        });
        black_box(ctx.tessellate(out.shapes, out.pixels_per_point))
    };
    for _ in 0..3 {
        frame(Some(&mut room));
    }
    let mut group = c.benchmark_group("frame after a week, 100k residents");
    group.bench_function("no room", |b| b.iter(|| frame(None)));
    group.bench_function("room, no phones", |b| b.iter(|| frame(Some(&mut room))));
    let stop = Arc::new(AtomicBool::new(false));
    let threads = phones(room.address(), &room.code, 100, &stop);
    while room.state().voters < 100 {
        std::thread::sleep(Duration::from_millis(50));
    }
    group.bench_function("room, 100 phones sending", |b| {
        b.iter(|| frame(Some(&mut room)))
    });
    group.finish();
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
}

// No plots: criterion's plotting needs system fonts that a clean machine lacks.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = frame, frame_with_room, simulation_thread
}
criterion_main!(benches);
