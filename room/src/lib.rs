//! coserve-room: the participatory room of a workshop. Participants join
//! from their phones with the room's code and a display name, choose a
//! role, and in each round vote how the participatory budget is split,
//! predict what will happen and propose interventions; the facilitator,
//! with a secret only the big screen shows, opens rounds and accepts
//! proposals. The room's votes become `governance.pb_allocation`
//! ([`Room::tally`]), so a saved session replays them through `coserve run`.
//!
//! This crate is the room's protocol ([`protocol`]) and state ([`Room`]);
//! it has no network or window of its own and does not depend on bevy.

#![warn(missing_docs)]

pub mod protocol;
mod room;

pub use room::{BURST, LogEntry, PER_SECOND, Phase, Room};
