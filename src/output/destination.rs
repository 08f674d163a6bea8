//! Where a command may write a result folder, and what `--force` may
//! replace. A destination is refused when it is the working folder or lies
//! above it, or when it is, contains or lies above a file the command
//! reads. `--force` replaces only a folder that holds an earlier coserve
//! result of the same kind (its manifest says so) and nothing else: a file
//! coserve did not write is never deleted.

use super::OutputError;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// One name coserve writes inside a result folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A file with exactly this name.
    File(&'static str),
    /// A folder with this name, holding only files whose names start and
    /// end as given (`("run-", ".json")`).
    Folder(&'static str, &'static [(&'static str, &'static str)]),
    /// `report/`, as [`REPORT`] describes it.
    Report,
}

/// What a result folder of one kind holds, so that `--force` knows what it
/// may delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResultKind {
    /// The manifest's `kind`; `None` for a folder without a manifest of its
    /// own (a report inside a result folder, proved by its `index.html`).
    pub manifest_kind: Option<&'static str>,
    /// Everything coserve writes in such a folder.
    pub entries: &'static [Entry],
    /// How a result of this kind is named in messages.
    pub what: &'static str,
    /// Whether the command can be told to write elsewhere (`--out`).
    pub has_out: bool,
}

/// `coserve run`.
pub const RUN: ResultKind = ResultKind {
    manifest_kind: Some("run"),
    entries: &[
        Entry::File("manifest.json"),
        Entry::File("timeseries.csv"),
        Entry::File("neighbourhoods.csv"),
        Entry::File("quintiles.csv"),
        Entry::File("events.csv"),
        Entry::File("map.geojson"),
        Entry::Report,
    ],
    what: "a run",
    has_out: true,
};

/// `coserve compare`.
pub const COMPARE: ResultKind = ResultKind {
    manifest_kind: Some("compare"),
    entries: &[
        Entry::File("manifest.json"),
        Entry::File("compare.csv"),
        Entry::File("compare_timeseries.csv"),
        Entry::File("compare_replicates.csv"),
        Entry::Report,
    ],
    what: "a comparison",
    has_out: true,
};

/// `coserve sweep` and `coserve merge`.
pub const SWEEP: ResultKind = ResultKind {
    manifest_kind: Some("sweep"),
    entries: &[
        Entry::File("manifest.json"),
        Entry::Folder("runs", &[("run-", ".json")]),
        Entry::File("runs.csv"),
        Entry::File("runs.parquet"),
        Entry::Folder("timeseries", &[("run-", ".csv")]),
        Entry::File("timeseries.parquet"),
        Entry::File("sobol.csv"),
        Entry::File("morris.csv"),
        Entry::Report,
    ],
    what: "a sweep",
    has_out: true,
};

/// `coserve lab`.
pub const LAB: ResultKind = ResultKind {
    manifest_kind: Some("lab"),
    entries: &[Entry::File("manifest.json"), Entry::File("rounds.csv")],
    what: "a lab experiment",
    has_out: true,
};

/// `coserve calibrate`.
pub const CALIBRATION: ResultKind = ResultKind {
    manifest_kind: Some("calibration"),
    entries: &[
        Entry::File("manifest.json"),
        Entry::File("posterior.csv"),
        Entry::File("generations.csv"),
        Entry::File("predictive.csv"),
        Entry::Folder("simulations", &[("gen-", ".csv"), ("predictive", ".csv")]),
        Entry::Report,
    ],
    what: "a calibration",
    has_out: true,
};

/// `coserve discover`.
pub const DISCOVERY: ResultKind = ResultKind {
    manifest_kind: Some("discovery"),
    entries: &[
        Entry::File("manifest.json"),
        Entry::File("trajectory.csv"),
        Entry::File("boxes.csv"),
        Entry::Report,
    ],
    what: "a discovery",
    has_out: true,
};

/// `coserve report`: the `report/` folder inside a result.
pub const REPORT: ResultKind = ResultKind {
    manifest_kind: None,
    entries: &[
        Entry::File("index.html"),
        Entry::Folder(
            "charts",
            &[
                ("time_", ".png"),
                ("time_", ".svg"),
                ("map_", ".png"),
                ("map_", ".svg"),
                ("equity_", ".png"),
                ("equity_", ".svg"),
                ("diff_", ".png"),
                ("diff_", ".svg"),
                ("sweep_", ".png"),
                ("sweep_", ".svg"),
                ("sobol_", ".png"),
                ("sobol_", ".svg"),
                ("calibration_", ".png"),
                ("calibration_", ".svg"),
                ("morris_", ".png"),
                ("morris_", ".svg"),
                ("prim_", ".png"),
                ("prim_", ".svg"),
            ],
        ),
    ],
    what: "a report",
    has_out: false,
};

/// A folder a command is about to write.
#[derive(Clone, Debug)]
pub struct Destination<'a> {
    /// The folder to write.
    pub path: &'a Path,
    /// Replace an earlier result of the same kind.
    pub force: bool,
    /// Every file or folder the command reads.
    pub inputs: &'a [PathBuf],
    /// What such a folder holds, so `force` knows what it may replace.
    pub kind: ResultKind,
    /// What to suggest when the folder exists and `force` is not given,
    /// naming only options the command has.
    pub remedy: &'static str,
}

impl Destination<'_> {
    /// Refuses a destination whose writing could lose anything; see the
    /// module's documentation. Reads the file system but changes nothing.
    pub fn check(&self) -> Result<(), OutputError> {
        let dest = resolve(self.path);
        let refuse = |reason: String| {
            Err(OutputError::Unsafe {
                path: self.path.to_path_buf(),
                reason,
            })
        };
        if let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize())
            && cwd.starts_with(&dest)
        {
            let what = if cwd == dest {
                "is the working folder"
            } else {
                "lies above the working folder"
            };
            return refuse(format!(
                "it {what}; coserve writes each result into a folder of its own: name a new one, e.g. --out results/{}",
                self.kind.manifest_kind.unwrap_or("result")
            ));
        }
        for input in self.inputs {
            let input_path = resolve(input);
            if input_path.starts_with(&dest) {
                return refuse(format!(
                    "it holds {}, which this command reads; writing {} there could lose it: name another folder",
                    input.display(),
                    self.kind.what
                ));
            }
        }
        // A link, even a dangling one, is something there: never replaced.
        if fs::symlink_metadata(self.path).is_err() {
            return Ok(());
        }
        // An empty folder (made ahead, say by a job script) holds nothing to lose.
        if is_real_dir(self.path) && fs::read_dir(self.path).is_ok_and(|mut d| d.next().is_none()) {
            return Ok(());
        }
        if !self.force {
            return Err(OutputError::Exists {
                path: self.path.to_path_buf(),
                remedy: self.remedy,
            });
        }
        self.check_replaceable()
    }

    /// With `--force`: the folder must hold an earlier coserve result of
    /// this kind and nothing coserve did not write, at any depth.
    fn check_replaceable(&self) -> Result<(), OutputError> {
        let kind = self.kind;
        // What was found, then what to do: move the user's file, or write
        // elsewhere (where the command can).
        let refuse = |found: String, move_first: bool| {
            let fix = match (move_first, kind.has_out) {
                (true, true) => "move it out first, or name another folder with --out",
                (true, false) => "move it out first",
                (false, true) => "name another folder with --out",
                (false, false) => "move it elsewhere first",
            };
            Err(OutputError::Unsafe {
                path: self.path.to_path_buf(),
                reason: format!(
                    "{found}: {fix} (--force replaces only an earlier result of {} and never deletes other files)",
                    kind.what
                ),
            })
        };
        if !is_real_dir(self.path) {
            return refuse("it is not a folder coserve made".into(), false);
        }
        match kind.manifest_kind {
            Some(wanted) => {
                let manifest = self.path.join("manifest.json");
                let found = fs::read_to_string(&manifest)
                    .ok()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    .filter(|m| m["coserve_version"].is_string());
                let Some(found) = found else {
                    return refuse(
                        "it holds no manifest.json written by coserve, so coserve did not make it"
                            .into(),
                        false,
                    );
                };
                // Run manifests of coserve 0.1.0 had no kind.
                let found_kind = found["kind"].as_str().unwrap_or("run");
                if found_kind != wanted {
                    return refuse(
                        format!("it holds a {found_kind} result, not {}", kind.what),
                        false,
                    );
                }
            }
            None => {
                if !self.path.join("index.html").is_file() {
                    return refuse(
                        "it holds no index.html, so coserve did not make it".into(),
                        true,
                    );
                }
            }
        }
        let mut foreign = Vec::new();
        foreign_files(self.path, kind.entries, &mut foreign);
        foreign.sort();
        if let Some(first) = foreign.first() {
            let more = match foreign.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            return refuse(
                format!(
                    "it holds {}{more}, which coserve did not write",
                    first.display()
                ),
                true,
            );
        }
        Ok(())
    }
}

/// A folder itself, not a symbolic link to one.
fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// Everything in `dir` that none of `entries` accounts for, at any depth.
/// Symbolic links are never followed: one is always foreign.
fn foreign_files(dir: &Path, entries: &[Entry], out: &mut Vec<PathBuf>) {
    let Ok(items) = fs::read_dir(dir) else {
        out.push(dir.to_path_buf());
        return;
    };
    for item in items.filter_map(Result::ok) {
        let path = item.path();
        let name = item.file_name().to_string_lossy().into_owned();
        let is_file = fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        if is_partial(&name) {
            continue;
        }
        let known = entries.iter().any(|entry| match *entry {
            Entry::File(n) => n == name && is_file,
            Entry::Folder(n, patterns) => {
                n == name && is_real_dir(&path) && {
                    for file in fs::read_dir(&path).into_iter().flatten().flatten() {
                        let inner = file.file_name().to_string_lossy().into_owned();
                        let plain = fs::symlink_metadata(file.path()).is_ok_and(|m| m.is_file());
                        let matches = patterns
                            .iter()
                            .any(|(start, end)| inner.starts_with(start) && inner.ends_with(end));
                        if !(plain && (matches || is_partial(&inner))) {
                            out.push(file.path());
                        }
                    }
                    true
                }
            }
            Entry::Report => {
                name == "report" && is_real_dir(&path) && {
                    foreign_files(&path, REPORT.entries, out);
                    true
                }
            }
        });
        if !known {
            out.push(path);
        }
    }
}

/// A temporary name coserve gives a file or folder while writing it:
/// `.<name>.partial-<pid>` or `.<name>.partial-<pid>-<n>`, optionally
/// followed by `.old` (a replaced result set aside). Nothing else.
pub(crate) fn is_partial(name: &str) -> bool {
    let name = name.strip_suffix(".old").unwrap_or(name);
    let Some((before, after)) = name.rsplit_once(".partial-") else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let number = match after.split_once('-') {
        Some((pid, n)) => digits(pid) && digits(n),
        None => digits(after),
    };
    before.starts_with('.') && before.len() > 1 && number
}

/// `path` made absolute with `.` and `..` resolved and symbolic links
/// followed as far as the path exists, so that two spellings of one place
/// compare equal even when the place does not exist yet.
pub fn resolve(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => {
                out.push(other);
                if let Ok(p) = out.canonicalize() {
                    out = p;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_coserve_s_own_temporary_names_count_as_partial() {
        for ours in [
            ".r.partial-12",
            ".r.partial-12-3",
            ".run-000001.json.partial-9",
            ".r.partial-12.old",
        ] {
            assert!(is_partial(ours), "{ours}");
        }
        for theirs in [
            "thesis.partial-draft.txt",
            ".notes.partial-x",
            "r.partial-12",
            ".partial-12",
        ] {
            assert!(!is_partial(theirs), "{theirs}");
        }
    }

    #[test]
    fn resolve_makes_spellings_of_one_place_equal() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        fs::create_dir(base.join("a")).unwrap();
        assert_eq!(resolve(&base.join("a/../a/./")), base.join("a"));
        assert_eq!(resolve(&base.join("a/new/../x")), base.join("a/x"));
    }
}
