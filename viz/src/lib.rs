//! coserve-viz: a live city for workshops. Two regimes side by side on the
//! same city and the same random numbers, controls a facilitator can use on
//! a projector, and a screenshot mode for tests.
//!
//! - [`workshop`]: the two sides and the changes made live (no window);
//! - [`runner`]: the simulation thread that runs weeks off the frame;
//! - [`snapshot`]: what it hands the frame after each week;
//! - [`room`]: the participatory room beside the window (`--room`): its
//!   server, what phones see, and the facilitator's rounds (no egui);
//! - [`panels`]: what a frame draws, with egui;
//! - [`map_layer`]: each side's map (neighbourhoods and sampled residents)
//!   as one image.
//!
//! The binary (`src/main.rs`) puts these in a bevy window.

pub mod map_layer;
pub mod panels;
pub mod room;
pub mod runner;
pub mod snapshot;
pub mod workshop;
