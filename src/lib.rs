//! coserve: an agent-based simulator comparing how a city's everyday services
//! turn out when delivered top-down, co-created with residents, or mixed.
//!
//! The library does the work; the `coserve` binary and the `coserve-viz`
//! visualizer are thin fronts over it. See ARCHITECTURE.md for the map.
//!
//! ```
//! use coserve::{Scenario, Simulation};
//!
//! let text = r#"
//!     [run]
//!     ticks = 8
//!     warmup = 2   # weeks left out of summaries (default 52)
//!     [city]
//!     residents = 2000
//!     [governance]
//!     preset = "hybrid"
//!     pb_share = 0.1
//! "#;
//! let scenario = Scenario::from_toml_str(text, "example").unwrap();
//! assert_eq!(scenario.governance.knobs.pb_share, 0.1);
//! let mut sim = Simulation::new(scenario);
//! while !sim.finished() {
//!     let record = sim.step();
//!     assert!(record.city.needs_arisen > 0);
//! }
//! assert_eq!(sim.tick(), 8);
//!
//! // Mistakes come back as errors that name the key and the line.
//! let err = Scenario::from_toml_str("[city]\nresidents = -1\n", "bad").unwrap_err();
//! assert!(err.to_string().contains("bad.toml:2:1: key `city.residents`"));
//! ```

#![warn(missing_docs)]

// Layers, lowest first: text, rng, governance, scenario, metrics, model,
// engine, output, sweep, report. A module uses only layers below it
// (tests/layers.rs checks; ARCHITECTURE.md, "Layers", says why).
pub mod analysis;
pub mod engine;
pub mod governance;
pub mod lab;
pub mod metrics;
pub mod model;
pub mod output;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sweep;
pub mod text;

pub use engine::Simulation;
pub use scenario::Scenario;

/// The version written into every manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit coserve was built from, written into every manifest and
/// report: 40 hex digits, with `-modified` when the working tree had
/// uncommitted changes, or `unknown` when built outside a git checkout.
pub const COMMIT: &str = git_version::git_version!(
    args = ["--always", "--abbrev=40", "--dirty=-modified"],
    fallback = "unknown"
);
