//! The world and its agents: neighbourhoods, residents (in columns), and the
//! production of service from public and volunteer input.

mod agency;
mod city;
mod organizations;
mod production;
pub mod residents;

pub use agency::{DomainBudget, PlanningView, normalise, plan_shares};
pub use city::{City, Neighbourhood};
pub use organizations::{MIN_VOLUNTEERS, OwnFunds, initial_count, own_funds};
pub use production::{Inputs, ces_output};
pub use residents::{CooperationType, ResidentChunk, Residents, quintile, trust_anchor};
