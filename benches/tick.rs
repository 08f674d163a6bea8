//! Benchmarks of the simulation core, with the commands and results in
//! README.md ("Performance").
//!
//! - `full_tick/N`: one tick of the full model, all phases, N residents;
//! - `resident_phase/*`: both resident passes alone, next to a plain copy of
//!   the same number of bytes of resident state (the memory-bandwidth bound);
//! - `sweep/runs_10k_52`: throughput of small runs as a sweep runs them;
//! - `regime_sweep/*`: a regime sweep of 90 runs (30 cities x 3 regimes)
//!   against a plain sweep of 90 runs over the same factors with the preset
//!   as one more factor, both through `run_sweep`, files and all;
//! - `evaluate_vs_sweep/*`: 40 runs as a sweep runs them (files and
//!   runs.csv) and in memory as Python's `coserve.evaluate` runs them;
//! - `city_map/boston_506`: reading and checking the shipped 506-tract
//!   Boston map, with areas, centroids and shared boundaries;
//!   `city_map/boston_build_city`: its neighbourhoods built from it;
//!   `city_map/tick_*`: a tick on the map, with and without its crime need
//!   index, against a generated grid of as many neighbourhoods.
//!
//! Run with `cargo bench --bench tick`.

use coserve::sweep::summarise;
use coserve::{Scenario, Simulation};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use std::hint::black_box;

/// The shipped baseline with the hybrid regime, so every phase has work
/// (volunteers, organizations, grants); summaries cover every week, as
/// the baseline's year of warm-up would leave none in a short run.
fn scenario(residents: u64, ticks: u32) -> Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let set = [
        "governance.preset=hybrid".to_string(),
        format!("city.residents={residents}"),
        format!("run.ticks={ticks}"),
        "run.warmup=0".to_string(),
    ];
    Scenario::load(path.as_ref(), &set).expect("the baseline scenario loads")
}

/// A simulation past its start, so queues and volunteers are in a steady state.
fn warmed(residents: u64) -> Simulation {
    let mut sim = Simulation::new(scenario(residents, 1000));
    for _ in 0..30 {
        sim.step();
    }
    sim
}

fn full_tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("full_tick");
    group.sample_size(10);
    for residents in [100_000u64, 1_000_000] {
        let mut sim = warmed(residents);
        group.throughput(Throughput::Elements(residents));
        group.bench_function(BenchmarkId::from_parameter(residents), |b| {
            b.iter(|| black_box(sim.step()))
        });
    }
    group.finish();
}

fn resident_phase(c: &mut Criterion) {
    let residents = 1_000_000u64;
    let mut sim = warmed(residents);
    let bytes = sim.residents().bytes_per_resident() * residents as usize;
    let mut group = c.benchmark_group("resident_phase");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("model_1M", |b| b.iter(|| sim.resident_phase()));
    // The bound: read and write the same bytes once, as the model's two
    // passes read and write each resident's state.
    let source = vec![1u8; bytes];
    let mut target = vec![0u8; bytes];
    group.bench_function("memcpy_same_bytes", |b| {
        b.iter(|| {
            target
                .par_chunks_mut(1 << 20)
                .zip(source.par_chunks(1 << 20))
                .for_each(|(t, s)| t.copy_from_slice(s));
            black_box(&target);
        })
    });
    group.finish();
}

fn sweep_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    let runs = 8;
    group.throughput(Throughput::Elements(runs));
    group.bench_function("runs_10k_52", |b| {
        b.iter(|| {
            (0..runs).into_par_iter().for_each(|seed| {
                let mut s = scenario(10_000, 52);
                s.run.seed = seed;
                black_box(summarise(s));
            })
        })
    });
    group.finish();
}

/// The same 40 runs through a sweep (`run_sweep`, a file per run and
/// runs.csv) and through `Evaluation::run` in memory (what Python's
/// `coserve.evaluate` calls).
fn evaluate_vs_sweep(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let baseline = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let path = dir.path().join("points.toml");
    std::fs::write(
        &path,
        format!(
            "scenario = \"{baseline}\"\nset = [\"governance.preset=hybrid\", \"city.residents=2000\", \"run.ticks=60\"]\ndesign = \"latin_hypercube\"\nsamples = 40\n[factors]\n\"city.social_capital\" = {{ min = 0.1, max = 0.9 }}\n\"governance.budget_scale\" = {{ min = 0.6, max = 1.5 }}\n"
        ),
    )
    .expect("the sweep file is written");
    let spec = coserve::sweep::SweepSpec::load(&path).expect("the sweep file loads");
    let options = coserve::sweep::SweepOptions {
        out: dir.path().join("sweep"),
        parquet: false,
        shard: None,
        resume: false,
        force: true,
    };
    let design = coserve::sweep::design::points(&spec);
    let points: Vec<_> = (0..design.len()).map(|p| design.get(p)).collect();
    let file = Scenario::read(baseline.as_ref()).expect("the baseline reads");
    let keys = spec.columns();
    let evaluation = coserve::sweep::Evaluation {
        file: &file,
        set: &spec.set,
        keys: &keys,
        points: &points,
        replicates: 1,
        seed: spec.seed,
    };
    let mut group = c.benchmark_group("evaluate_vs_sweep");
    group.sample_size(10);
    group.throughput(Throughput::Elements(40));
    group.bench_function("sweep_40", |b| {
        b.iter(|| coserve::sweep::run_sweep(&spec, &options, &|_, _| {}).expect("the sweep runs"))
    });
    let stop = std::sync::atomic::AtomicBool::new(false);
    group.bench_function("evaluate_40", |b| {
        b.iter(|| evaluation.run(&stop).expect("the points run"))
    });
    group.finish();
}

/// The same 90 runs' worth of work as a regime sweep (30 points under 3
/// presets each) and as a plain sweep (90 points, the preset a factor).
fn regime_sweep(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let baseline = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let head = format!(
        "scenario = \"{baseline}\"\nset = [\"city.residents=2000\", \"run.ticks=60\"]\ndesign = \"latin_hypercube\"\n"
    );
    let factors = "[factors]\n\"city.social_capital\" = { min = 0.1, max = 0.9 }\n\"governance.budget_scale\" = { min = 0.6, max = 1.5 }\n";
    let files = [
        (
            "regimes_30x3",
            format!(
                "{head}samples = 30\nregimes = [\"public\", \"co_created\", \"hybrid\"]\n{factors}"
            ),
        ),
        (
            "plain_90",
            format!(
                "{head}samples = 90\n{factors}\"governance.preset\" = [\"public\", \"co_created\", \"hybrid\"]\n"
            ),
        ),
    ];
    let mut group = c.benchmark_group("regime_sweep");
    group.sample_size(10);
    group.throughput(Throughput::Elements(90));
    for (name, text) in files {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).expect("the sweep file is written");
        let spec = coserve::sweep::SweepSpec::load(&path).expect("the sweep file loads");
        let options = coserve::sweep::SweepOptions {
            out: dir.path().join(name),
            parquet: false,
            shard: None,
            resume: false,
            force: true,
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                coserve::sweep::run_sweep(&spec, &options, &|_, _| {}).expect("the sweep runs")
            })
        });
    }
    group.finish();
}

fn city_map(c: &mut Criterion) {
    use coserve::scenario::map::{CityMap, MapSpec};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/cities/boston.geojson"
    );
    let spec = MapSpec {
        file: "boston.geojson".into(),
        name: "NAME".into(),
        population: "POP".into(),
        ses: "LSTAT".into(),
        ses_higher_is_poorer: true,
    };
    let mut group = c.benchmark_group("city_map");
    group.sample_size(10);
    group.bench_function("boston_506", |b| {
        b.iter(|| CityMap::read(path.as_ref(), &spec, &["CRIM"]).expect("the map reads"))
    });
    // Building the 506 neighbourhoods of 100,000 residents from the map
    // once read (residents, SES by rank, need indices).
    let boston = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/cities/boston.toml");
    let scenario = Scenario::load(boston.as_ref(), &[]).expect("the Boston scenario loads");
    group.bench_function("boston_build_city", |b| {
        b.iter(|| black_box(coserve::model::City::generate(&scenario)))
    });
    // A tick on the Boston map against a generated grid of as many
    // neighbourhoods and residents: the map must not slow the residents.
    let set = |extra: &[&str]| -> Vec<String> {
        [
            "governance.preset=hybrid",
            "city.residents=100000",
            "run.ticks=1000",
        ]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
    };
    let grid = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    // The same map without the crime need index, so the needs are the
    // grid's and only the geography differs.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let plain = dir.path().join("boston_plain.toml");
    std::fs::write(
        &plain,
        format!(
            "extends = \"{grid}\"\n[city.map]\nfile = \"{path}\"\nname = \"NAME\"\npopulation = \"POP\"\nses = \"LSTAT\"\nses_higher_is_poorer = true\n"
        ),
    )
    .expect("the scenario is written");
    let plain = plain.to_str().expect("a UTF-8 path").to_string();
    for (name, file, extra) in [
        ("tick_boston_100k", boston, &[][..]),
        ("tick_boston_no_index_100k", plain.as_str(), &[][..]),
        ("tick_grid506_100k", grid, &["city.neighbourhoods=506"][..]),
    ] {
        let scenario = Scenario::load(file.as_ref(), &set(extra)).expect("the scenario loads");
        let mut sim = Simulation::new(scenario);
        for _ in 0..30 {
            sim.step();
        }
        group.throughput(Throughput::Elements(100_000));
        group.bench_function(name, |b| b.iter(|| black_box(sim.step())));
    }
    group.finish();
}

criterion_group!(
    benches,
    evaluate_vs_sweep,
    full_tick,
    resident_phase,
    sweep_throughput,
    regime_sweep,
    city_map
);
criterion_main!(benches);
