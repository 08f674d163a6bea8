//! What turns many runs into answers beyond a sweep's indices: for now,
//! approximate Bayesian computation by sequential Monte Carlo
//! ([`abc`]), the engine of calibration, and calibration files and runs
//! ([`calibration`]).
//!
//! `abc` must not know what a city or a lab game is: it sees parameters in
//! and distances out, so the same algorithm calibrates both; `calibration`
//! ties it to the models and writes the result folder.

pub mod abc;
pub mod calibration;
pub mod discover;
pub mod prim;
