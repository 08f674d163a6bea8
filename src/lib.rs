//! coserve: an agent-based simulator comparing how a city's everyday services
//! turn out when delivered top-down, co-created with residents, or mixed.
//!
//! The library does the work; the `coserve` binary and the `coserve-viz`
//! visualizer are thin fronts over it. See ARCHITECTURE.md for the map.

pub mod engine;
pub mod governance;
pub mod metrics;
pub mod model;
pub mod output;
pub mod scenario;

pub use engine::Simulation;
pub use scenario::Scenario;

/// The version written into every manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
