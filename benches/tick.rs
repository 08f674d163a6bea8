//! One tick of the full model (all phases) at 100,000 residents.
//! Run with `cargo bench --bench tick`.

use coserve::{Scenario, Simulation};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn scenario(residents: u64) -> Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let set = [
        format!("city.residents={residents}"),
        "governance.preset=hybrid".to_string(),
    ];
    Scenario::load(path.as_ref(), &set).expect("the baseline scenario loads")
}

fn full_tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("full_tick");
    group.sample_size(20);
    for residents in [100_000u64] {
        let mut sim = Simulation::new(scenario(residents));
        // Warm up past the start so queues and volunteers are in a steady state.
        for _ in 0..20 {
            sim.step();
        }
        group.throughput(Throughput::Elements(residents));
        group.bench_function(format!("{residents}"), |b| b.iter(|| sim.step()));
    }
    group.finish();
}

criterion_group!(benches, full_tick);
criterion_main!(benches);
