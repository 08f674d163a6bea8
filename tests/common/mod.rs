//! Helpers shared by the command-line tests.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `coserve` binary with `args` in `cwd`.
pub fn coserve(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coserve"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}
