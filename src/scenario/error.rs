//! Errors in scenario files that point at the user's mistake: file, line,
//! column, key, what was expected and, where it can, the nearest valid name.

use std::fmt;
use std::path::PathBuf;

/// Where a value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A scenario file, by its path as given.
    File(PathBuf),
    /// A `--set key=value` given on the command line.
    CommandLine(String),
    /// A command-line option that sets a scenario key (e.g. `--ticks 30`
    /// for `run.ticks`), as the user typed it.
    Option(String),
    /// Built-in defaults.
    Default,
}

/// A place in a scenario file or on the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    /// The file or command-line argument the value came from.
    pub source: Source,
    /// 1-based; 0 when the source has no lines.
    pub line: usize,
    /// 1-based, in characters; 0 when the source has no lines.
    pub column: usize,
}

impl Location {
    /// The line and column of byte `offset` in `text`, the contents of `file`.
    pub fn in_file(file: &std::path::Path, text: &str, offset: usize) -> Self {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Location {
            source: Source::File(file.to_path_buf()),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::File(path) => write!(f, "{}:{}:{}", path.display(), self.line, self.column),
            Source::CommandLine(arg) => write!(f, "command line (--set {arg})"),
            Source::Option(option) => write!(f, "command line ({option})"),
            Source::Default => write!(f, "built-in defaults"),
        }
    }
}

/// One problem found in a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Where the offending value was written.
    pub location: Location,
    /// Dotted path of the key, e.g. `governance.pb_share`; empty for the whole file.
    pub key: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// The nearest valid name, for a misspelling.
    pub suggestion: Option<String>,
}

/// One line per problem, without an `error:` prefix: the front end adds it
/// (the command line to each line that does not start with a space).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.location)?;
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, "\n  help: did you mean `{s}`?")?;
        }
        Ok(())
    }
}

/// Every problem found in a scenario, in the order of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    /// The problems found; at least one.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

impl From<Diagnostic> for ScenarioError {
    fn from(d: Diagnostic) -> Self {
        ScenarioError {
            diagnostics: vec![d],
        }
    }
}
