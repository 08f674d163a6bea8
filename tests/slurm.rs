//! The Slurm template on a real cluster: shards as a job array and a
//! dependent merge give the runs.csv one process writes. Skipped, with a
//! message, where no `sbatch` is on the PATH (`.ci/run` starts a one-node
//! cluster with ../shared/slurm/local-cluster.sh).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|p| p.join(program).is_file()))
}

#[test]
fn sweep_template_runs_as_a_job_array_and_merges_to_the_single_process_result() {
    if !on_path("sbatch") {
        eprintln!(
            "skipped: no sbatch on the PATH (start a cluster with ../shared/slurm/local-cluster.sh start)"
        );
        return;
    }
    let controller = Command::new("scontrol").arg("ping").output();
    if !controller.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("is UP")) {
        eprintln!(
            "skipped: sbatch is installed but no Slurm controller answers (../shared/slurm/local-cluster.sh start)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sweep = dir.path().join("sweep.toml");
    fs::write(
        &sweep,
        format!(
            "scenario = \"{}\"\nset = [\"city.residents=2000\", \"run.ticks=8\", \"run.warmup=0\"]\ndesign = \"latin_hypercube\"\nsamples = 5\nreplicates = 2\n[factors]\n\"governance.outreach\" = {{ min = 0.0, max = 1.0 }}\n",
            root.join("scenarios/baseline.toml").display()
        ),
    )
    .unwrap();
    let coserve = env!("CARGO_BIN_EXE_coserve");
    let single = Command::new(coserve)
        .arg("sweep")
        .arg(&sweep)
        .arg("--out")
        .arg(dir.path().join("single"))
        .output()
        .unwrap();
    assert!(
        single.status.success(),
        "{}",
        String::from_utf8_lossy(&single.stderr)
    );

    let out = dir.path().join("cluster");
    let submit = Command::new("bash")
        .arg(root.join("scripts/slurm/sweep.sbatch"))
        .arg(&sweep)
        .arg(&out)
        .arg("3")
        .env("COSERVE", coserve)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        submit.status.success(),
        "sbatch failed: {}",
        String::from_utf8_lossy(&submit.stderr)
    );
    let merged = out.join("merged/runs.csv");
    let start = Instant::now();
    while !merged.exists() {
        if start.elapsed() > Duration::from_secs(180) {
            let logs: Vec<String> = fs::read_dir(&out)
                .unwrap()
                .filter_map(|e| fs::read_to_string(e.unwrap().path()).ok())
                .collect();
            panic!(
                "no merged result after 180 s; logs:\n{}",
                logs.join("\n---\n")
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // The merge writes runs.csv atomically, so once it exists it is whole.
    assert_eq!(
        fs::read(&merged).unwrap(),
        fs::read(dir.path().join("single/runs.csv")).unwrap()
    );
    for i in 0..3 {
        assert!(
            out.join(format!("shard-{i}/runs")).is_dir(),
            "shard {i} ran"
        );
    }
}
