//! Property-based fuzzing of the scenario and sweep readers: random
//! mutations of the shipped files (deleted lines, values of another type,
//! extreme numbers, unicode, truncation) must give either a scenario or an
//! error that points at a file and line, never a panic. Bounded to a few
//! hundred cases so it runs in seconds in `cargo test`.

use coserve::Scenario;
use coserve::scenario::{ScenarioError, Source};
use coserve::sweep::SweepSpec;
use proptest::prelude::*;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Values of every TOML type and the numbers that break naive readers.
const REPLACEMENTS: &[&str] = &[
    "\"text\"",
    "[1, 2]",
    "{ a = 1 }",
    "true",
    "0",
    "-1",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "4294967296",
    "0.0000001",
    "1979-05-27",
    "\"ünïcödé 🐕\"",
    "[]",
    "",
];

const UNICODE: &[&str] = &[
    "é", "🐕", "\u{0}", "\u{feff}", "中", "\n", "=", "[", "\"", "#",
];

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    /// Replaces the value of the line's `key = value` with another.
    ReplaceValue(usize, usize),
    Insert(usize, usize),
    Truncate(usize),
    DuplicateLine(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        (any::<usize>(), 0..REPLACEMENTS.len()).prop_map(|(l, r)| Mutation::ReplaceValue(l, r)),
        (any::<usize>(), 0..UNICODE.len()).prop_map(|(p, u)| Mutation::Insert(p, u)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::DuplicateLine),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let n = lines.len().max(1);
    match *m {
        Mutation::DeleteLine(l) => {
            if !lines.is_empty() {
                lines.remove(l % n);
            }
        }
        Mutation::DuplicateLine(l) => {
            if !lines.is_empty() {
                let line = lines[l % n].clone();
                lines.insert(l % n, line);
            }
        }
        Mutation::ReplaceValue(l, r) => {
            // Prefer a line that holds a value; fall back to any line.
            let with_value: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].contains('=') && !lines[i].starts_with('#'))
                .collect();
            if let Some(&i) = with_value.get(l % with_value.len().max(1)) {
                let key = lines[i].split('=').next().unwrap_or_default().to_string();
                lines[i] = format!("{key}= {}", REPLACEMENTS[r]);
            }
        }
        Mutation::Insert(p, u) => {
            let mut s = lines.join("\n");
            let boundaries: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
            let at = boundaries
                .get(p % boundaries.len().max(1))
                .copied()
                .unwrap_or(0);
            s.insert_str(at, UNICODE[u]);
            return s;
        }
        Mutation::Truncate(p) => {
            let s = lines.join("\n");
            let boundaries: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
            let at = boundaries
                .get(p % boundaries.len().max(1))
                .copied()
                .unwrap_or(0);
            return s[..at].to_string();
        }
    }
    lines.join("\n") + "\n"
}

/// The shipped scenarios and sweep, copied once into a scratch folder with
/// the repository's layout, so that `extends` and a sweep's `scenario`
/// resolve as they do in the repository.
fn scratch() -> &'static (PathBuf, Vec<PathBuf>) {
    static SCRATCH: OnceLock<(PathBuf, Vec<PathBuf>)> = OnceLock::new();
    SCRATCH.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut files = Vec::new();
        for sub in ["", "validation", "sweeps", "workshop"] {
            fs::create_dir_all(dir.join(sub)).unwrap();
            for entry in fs::read_dir(root.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let to = dir.join(sub).join(path.file_name().unwrap());
                    fs::copy(&path, &to).unwrap();
                    files.push(to);
                }
            }
        }
        files.sort();
        (dir, files)
    })
}

/// Every diagnostic must point at a file and a line, or at a `--set`.
fn located(e: &ScenarioError) -> Result<(), String> {
    for d in &e.diagnostics {
        match &d.location.source {
            Source::File(_) if d.location.line >= 1 => {}
            Source::CommandLine(_) => {}
            _ => return Err(format!("an error without a location: {d}")),
        }
        if d.message.trim().is_empty() {
            return Err(format!("an error without a message at {}", d.location));
        }
    }
    if e.diagnostics.is_empty() {
        return Err("an error with no diagnostic".into());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_files_load_or_fail_with_a_location(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let (_, files) = scratch();
        let original = file.get(files);
        let mut text = fs::read_to_string(original).unwrap();
        for m in &mutations {
            text = apply(&text, m);
        }
        // Written beside the original so relative paths resolve the same.
        let name = format!("fuzz-{}", original.file_name().unwrap().to_string_lossy());
        let path = original.with_file_name(name);
        fs::write(&path, &text).unwrap();
        let is_sweep = original.parent().unwrap().ends_with("sweeps");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if is_sweep {
                SweepSpec::load(&path).map(drop)
            } else {
                Scenario::load(&path, &[]).map(drop)
            }
        }));
        let _ = fs::remove_file(&path);
        match outcome {
            Err(_) => prop_assert!(false, "panicked on:\n{text}"),
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                if let Err(problem) = located(&e) {
                    prop_assert!(false, "{problem}\nfor:\n{text}");
                }
            }
        }
    }

    #[test]
    fn random_set_overrides_load_or_fail_with_a_location(
        key in prop::sample::select(vec![
            "run.ticks", "run.seed", "run.budget_cycle", "city.residents",
            "city.neighbourhoods", "city.ses_mean", "domains.waste.need_rate",
            "domains.nowhere.need_rate", "behaviour.trust_gain", "governance.lag",
            "governance.pb_share", "governance.preset", "output.dir", "nosuch.key",
            "run", "city.residents.deeper", "domains.waste",
        ]),
        value in prop::sample::select(REPLACEMENTS.to_vec()),
    ) {
        let (dir, _) = scratch();
        let arg = format!("{key}={value}");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            Scenario::load(&dir.join("baseline.toml"), std::slice::from_ref(&arg)).map(drop)
        }));
        match outcome {
            Err(_) => prop_assert!(false, "panicked on --set {arg}"),
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                if let Err(problem) = located(&e) {
                    prop_assert!(false, "{problem} for --set {arg}");
                }
            }
        }
    }
}
