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

/// Whether a Slurm cluster answers; says why not when it does not.
fn cluster_is_up() -> bool {
    if !on_path("sbatch") {
        eprintln!(
            "skipped: no sbatch on the PATH (start a cluster with ../shared/slurm/local-cluster.sh start)"
        );
        return false;
    }
    let controller = Command::new("scontrol").arg("ping").output();
    if !controller.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("is UP")) {
        eprintln!(
            "skipped: sbatch is installed but no Slurm controller answers (../shared/slurm/local-cluster.sh start)"
        );
        return false;
    }
    true
}

/// Waits up to `seconds` for `done`, then fails with the logs in `folder`.
fn wait_for(done: impl Fn() -> bool, folder: &Path, seconds: u64) {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > Duration::from_secs(seconds) {
            let logs: Vec<String> = fs::read_dir(folder)
                .unwrap()
                .filter_map(|e| {
                    let path = e.unwrap().path();
                    path.extension()
                        .is_some_and(|x| x == "log")
                        .then(|| fs::read_to_string(&path).ok())
                        .flatten()
                })
                .collect();
            panic!(
                "not done after {seconds} s; logs:\n{}",
                logs.join("\n---\n")
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn sweep_template_runs_as_a_job_array_and_merges_to_the_single_process_result() {
    if !cluster_is_up() {
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
    wait_for(|| merged.exists(), &out, 180);
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

#[test]
fn calibration_template_runs_rounds_of_job_arrays_to_the_single_process_result() {
    if !cluster_is_up() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = dir.path().join("fit.toml");
    fs::write(
        &file,
        format!(
            "experiment = \"{}\"\nset = [\"game.groups=20\"]\nparticles = 40\ngenerations = 2\nseed = 3\n[parameters]\n\"behaviour.belief_adaptation\" = {{ uniform = [0.05, 1.0] }}\n[[targets]]\nmetric = \"mean_contribution\"\nwindow = [2, 10]\nvalue = 0.5\nsd = 0.05\nsource = \"a test\"\n",
            root.join("scenarios/lab/fehr_gachter_2000_stranger_p.toml").display()
        ),
    )
    .unwrap();
    let coserve = env!("CARGO_BIN_EXE_coserve");
    let single = Command::new(coserve)
        .arg("calibrate")
        .arg(&file)
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
        .arg(root.join("scripts/slurm/calibrate.sbatch"))
        .arg(&file)
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
    // Three generations and the predictive: at least four rounds, each a
    // job array and a merge job.
    let complete = || {
        fs::read_to_string(out.join("manifest.json"))
            .is_ok_and(|m| m.contains("\"complete\": true"))
    };
    wait_for(complete, &dir.path().join("cluster-logs"), 300);
    for name in ["posterior.csv", "generations.csv", "predictive.csv"] {
        assert_eq!(
            fs::read(out.join(name)).unwrap(),
            fs::read(dir.path().join("single").join(name)).unwrap(),
            "{name}"
        );
    }
    let shard_files = fs::read_dir(out.join("simulations"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".shard-2-of-3.")
        })
        .count();
    assert!(
        shard_files >= 4,
        "shard 2 recorded every generation and the predictive: {shard_files} files"
    );
}
