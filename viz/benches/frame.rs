//! What keeps the visualizer smooth at 100,000 residents: the frame's own
//! work (egui layout and tessellation of a snapshot, and redrawing the map
//! images after a week) against the work the simulation thread does off the
//! frame (a week on both sides, and the snapshot it hands over). Run: `cargo bench -p coserve-viz --bench frame`.

use bevy_egui::egui;
use coserve_viz::panels::{self, View};
use coserve_viz::snapshot::Snapshot;
use coserve_viz::workshop::{Source, Workshop};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;

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

// No plots: criterion's plotting needs system fonts that a clean machine lacks.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = frame, simulation_thread
}
criterion_main!(benches);
