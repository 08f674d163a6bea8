//! Where a command may write a result folder, and what `--force` may
//! replace. A destination is refused when it is the working folder or lies
//! above it, or when it is, contains or lies above a file the command
//! reads. `--force` replaces only a folder that holds an earlier coserve
//! result of the same kind (its manifest says so) and nothing else: a file
//! coserve did not write is never deleted.

use super::OutputError;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// What a result folder of one kind holds, so that `--force` knows what it
/// may delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResultKind {
    /// The manifest's `kind`; `None` for a folder without a manifest of its
    /// own (a report inside a result folder).
    pub manifest_kind: Option<&'static str>,
    /// The names coserve writes at the top of such a folder.
    pub names: &'static [&'static str],
    /// How a command of this kind is named in messages.
    pub what: &'static str,
}

/// `coserve run`.
pub const RUN: ResultKind = ResultKind {
    manifest_kind: Some("run"),
    names: &[
        "manifest.json",
        "timeseries.csv",
        "neighbourhoods.csv",
        "quintiles.csv",
        "events.csv",
        "report",
    ],
    what: "a run",
};

/// `coserve compare`.
pub const COMPARE: ResultKind = ResultKind {
    manifest_kind: Some("compare"),
    names: &[
        "manifest.json",
        "compare.csv",
        "compare_timeseries.csv",
        "report",
    ],
    what: "a comparison",
};

/// `coserve sweep` and `coserve merge`.
pub const SWEEP: ResultKind = ResultKind {
    manifest_kind: Some("sweep"),
    names: &[
        "manifest.json",
        "runs",
        "runs.csv",
        "runs.parquet",
        "timeseries",
        "timeseries.parquet",
        "sobol.csv",
        "report",
    ],
    what: "a sweep",
};

/// `coserve report`: the `report/` folder inside a result.
pub const REPORT: ResultKind = ResultKind {
    manifest_kind: None,
    names: &["index.html", "charts"],
    what: "a report",
};

/// A folder a command is about to write.
#[derive(Clone, Debug)]
pub struct Destination<'a> {
    pub path: &'a Path,
    /// Replace an earlier result of the same kind.
    pub force: bool,
    /// Every file or folder the command reads.
    pub inputs: &'a [PathBuf],
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
        if !self.path.exists() {
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
    /// this kind and nothing coserve did not write.
    fn check_replaceable(&self) -> Result<(), OutputError> {
        let refuse = |reason: String| {
            Err(OutputError::Unsafe {
                path: self.path.to_path_buf(),
                reason: format!(
                    "{reason}; --force replaces only an earlier result of {} and never deletes other files",
                    self.kind.what
                ),
            })
        };
        if !self.path.is_dir() {
            return refuse("it is a file, not a result folder".into());
        }
        if let Some(kind) = self.kind.manifest_kind {
            let manifest = self.path.join("manifest.json");
            let found = fs::read_to_string(&manifest)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .filter(|m| m["coserve_version"].is_string());
            let Some(found) = found else {
                return refuse(
                    "it holds no manifest.json written by coserve, so coserve did not make it"
                        .into(),
                );
            };
            // Run manifests before 0.1.1 had no kind.
            let found_kind = found["kind"].as_str().unwrap_or("run");
            if found_kind != kind {
                return refuse(format!(
                    "it holds a {found_kind} result, not {}",
                    self.kind.what
                ));
            }
        }
        let entries = fs::read_dir(self.path).map_err(|source| OutputError::Io {
            path: self.path.to_path_buf(),
            source,
        })?;
        let mut foreign: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| !self.kind.names.contains(&name.as_str()) && !is_partial(name))
            .collect();
        foreign.sort();
        if let Some(first) = foreign.first() {
            let more = match foreign.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            return refuse(format!(
                "it holds {}{more}, which coserve did not write: move it out first, or name another folder",
                self.path.join(first).display()
            ));
        }
        Ok(())
    }
}

/// A temporary name coserve gives a file or folder while writing it.
fn is_partial(name: &str) -> bool {
    name.contains(".partial-")
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
    fn resolve_makes_spellings_of_one_place_equal() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        fs::create_dir(base.join("a")).unwrap();
        assert_eq!(resolve(&base.join("a/../a/./")), base.join("a"));
        assert_eq!(resolve(&base.join("a/new/../x")), base.join("a/x"));
    }
}
