//! The library's layers only point down: a module may use a module below it
//! in [`ORDER`], never one above it (ARCHITECTURE.md, "Layers"). Read from
//! the sources, so a new `use crate::...` that points up fails here.

use std::fs;
use std::path::Path;

/// Lowest first. A new module of `src/` must be placed here.
const ORDER: &[&str] = &[
    "text",
    "rng",
    "governance",
    "scenario",
    "metrics",
    "model",
    "lab",
    "engine",
    "output",
    "sweep",
    "analysis",
    "report",
];

/// Every `crate::name` a source text refers to, outside comments, with
/// `use crate::{a, b::c}` groups opened.
fn referenced(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    // Comments out, lines joined: rustfmt spreads long groups over lines.
    let code: Vec<&str> = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect();
    let code = code.join(" ");
    {
        let mut rest = code.as_str();
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or_default();
                for item in inner.split(',') {
                    let name = item.trim().split("::").next().unwrap_or_default();
                    if !name.is_empty() {
                        found.push(name.to_string());
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                found.push(name);
            }
        }
    }
    found
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn layers_only_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut upward = Vec::new();
    for path in &all {
        let relative = path.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let level = ORDER
            .iter()
            .position(|m| *m == module)
            .unwrap_or_else(|| panic!("src/{module} is not in ORDER: place it in the layers"));
        for name in referenced(&fs::read_to_string(path).unwrap()) {
            // Items of the crate root (`crate::VERSION`, `crate::Simulation`)
            // are re-exports; what they point at is checked where it lives.
            let Some(target) = ORDER.iter().position(|m| *m == name) else {
                continue;
            };
            if target > level {
                upward.push(format!(
                    "{} uses crate::{name}, a layer above {module}",
                    relative.display()
                ));
            }
        }
    }
    assert!(upward.is_empty(), "layers point up:\n{}", upward.join("\n"));
}

#[test]
fn the_reader_sees_grouped_and_plain_paths() {
    let text = "use crate::{\n    scenario::Scenario,\n    text,\n};\n// crate::report in a comment\nlet x = crate::rng::Stream::new();\n";
    assert_eq!(referenced(text), ["scenario", "text", "rng"]);
}
