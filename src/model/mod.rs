//! The world and its agents: neighbourhoods, residents (in columns), how
//! residents decide (`behaviour`), organizations, and the production of
//! service from public and volunteer input.

mod agency;
pub mod behaviour;
mod city;
mod organizations;
mod production;
pub mod residents;

pub use agency::{
    Capacity, DomainBudget, Met, OpenNeeds, PlanningView, meet_needs, normalise, participant_votes,
    plan_shares,
};
pub use city::{City, Neighbourhood};
pub use organizations::{
    OwnFunds, autonomy, dissolution_probability, founding_probability, initial_count,
    innovation_probability, own_funds, understaffed,
};
pub use production::{Inputs, ces_output};
pub use residents::{CooperationType, ResidentChunk, Residents, quintile, trust_anchor};
