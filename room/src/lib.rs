//! coserve-room: the participatory room of a workshop. Participants join
//! from their phones with the room's code and a display name, choose a
//! role, and in each round vote how the participatory budget is split,
//! predict what will happen and propose interventions; the facilitator,
//! with a secret only the big screen shows, opens rounds and accepts
//! proposals. The room's votes become `governance.pb_allocation`
//! ([`Room::tally`]), so a saved session replays them through `coserve run`.
//!
//! This crate is the room's protocol ([`protocol`]), state ([`Room`]) and
//! WebSocket server ([`RoomServer`]); it has no window of its own and does
//! not depend on bevy.

#![warn(missing_docs)]

pub mod protocol;
mod room;
mod server;

pub use room::{BURST, LogEntry, MAX_PARTICIPANTS, PER_SECOND, Phase, Room};
pub use server::RoomServer;
