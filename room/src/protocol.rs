//! What a participant's phone and the server say to each other: one JSON
//! object per WebSocket message, tagged by `type`. Everything a phone sends
//! is read with a size cap and refused with a message that says what was
//! expected; nothing a phone sends can stop the room.

use serde::{Deserialize, Serialize};

/// The largest message a phone may send, in bytes: a vote over many
/// neighbourhoods fits easily; anything larger is refused unread.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024;

/// The longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// A participant's part in the room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A resident of the neighbourhood with this index.
    Resident {
        /// The neighbourhood's index (0-based, as in neighbourhoods.csv).
        neighbourhood: usize,
    },
    /// A community organization.
    Organization,
    /// The public agency.
    Agency,
}

/// The interventions a participant may propose: the visualizer's buttons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proposal {
    /// Cut the budget by 30%.
    CutBudget,
    /// Launch participatory budgeting.
    LaunchParticipatoryBudgeting,
    /// Open a reporting platform.
    OpenPlatform,
    /// Withdraw support for participation.
    WithdrawSupport,
}

/// What the facilitator does; every action needs the room's secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// Opens the next round for votes, predictions and proposals; the
    /// question is what participants predict (e.g. "trust at week 104").
    OpenRound {
        /// The question, shown on every phone.
        question: String,
    },
    /// Closes votes and predictions: the simulation runs.
    Simulate,
    /// Shows the results and the predictions against them.
    Debrief,
    /// Accepts proposal number `proposal` (its position in the round's list).
    Accept {
        /// The proposal's position.
        proposal: usize,
    },
}

/// A message from a phone (or, with the secret, from the facilitator).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ClientMessage {
    /// Joins the room with its code and a display name.
    Join {
        /// The room's code, as the big screen shows it.
        room: String,
        /// The name others see; nothing else about a person is kept.
        name: String,
    },
    /// Rejoins after a phone slept or lost the network, with the token the
    /// welcome gave: same participant, same role, same votes.
    Rejoin {
        /// The token from [`ServerMessage::Welcome`].
        token: String,
    },
    /// Chooses a role.
    Role {
        /// The role.
        role: Role,
    },
    /// Votes how this round's participatory budget is split: weights per
    /// (neighbourhood, domain) cell, at least 0, not all 0; cells left out
    /// get 0.
    Vote {
        /// The round voted in.
        round: u32,
        /// `[neighbourhood, domain, weight]` triples.
        weights: Vec<(usize, usize, f64)>,
    },
    /// Predicts the answer to this round's question.
    Predict {
        /// The round predicted in.
        round: u32,
        /// The predicted value.
        value: f64,
    },
    /// Proposes an intervention for this round.
    Propose {
        /// The round proposed in.
        round: u32,
        /// The intervention.
        proposal: Proposal,
    },
    /// Asks where the room is: answered with [`ServerMessage::Status`].
    Status,
    /// Asks what the city looks like now: answered with
    /// [`ServerMessage::City`]. Only for those who joined.
    City,
    /// A facilitator's action.
    Facilitate {
        /// The secret only the big screen shows.
        secret: String,
        /// What to do.
        #[serde(flatten)]
        action: Action,
    },
}

/// A message to a phone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ServerMessage {
    /// Joined (or rejoined): who the phone is in this room.
    Welcome {
        /// The participant's number in the room.
        participant: usize,
        /// Keep it to rejoin after losing the connection.
        token: String,
        /// The participant's role, if chosen.
        role: Option<Role>,
    },
    /// The message was taken.
    Accepted,
    /// Where the room is.
    Status {
        /// The round (0 before the first).
        round: u32,
        /// `waiting`, `deciding`, `simulating` or `debrief`.
        phase: String,
        /// What to predict this round.
        question: String,
        /// Neighbourhoods of the city, for votes and roles.
        neighbourhoods: usize,
        /// Service domains of the city, for votes.
        domains: usize,
    },
    /// The city as the big screen last published it; `None` before it
    /// published anything.
    City {
        /// The city (boxed: it is far larger than any other answer).
        city: Option<Box<CityView>>,
    },
    /// The message was refused: why, and what was expected.
    Error {
        /// In words, for the phone to show.
        message: String,
    },
}

/// What a phone shows of the city: the charts of both sides, a map and
/// every neighbourhood's numbers, as the big screen last published them
/// (about once a simulated week). Values are `f32`: a phone shows two or
/// three digits, and a 100-neighbourhood city fits in a few kilobytes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CityView {
    /// The next week to run (0 before the first).
    pub week: u32,
    /// Weeks in the run.
    pub weeks: u32,
    /// Per side, what it is called: `"left: public"`.
    pub sides: Vec<String>,
    /// The metrics charted week by week.
    pub charts: Vec<Series>,
    /// Per neighbourhood, its display name.
    pub names: Vec<String>,
    /// Per neighbourhood, its centre on the map: x east and y south, each
    /// from 0 to 1.
    pub layout: Vec<[f32; 2]>,
    /// The city's services (domains), in the order votes name them.
    pub services: Vec<String>,
    /// What each neighbourhood's numbers are: (metric, unit).
    pub numbers: Vec<(String, String)>,
    /// Per side, per neighbourhood, one value per entry of `numbers`.
    pub hoods: Vec<Vec<Vec<f32>>>,
    /// The last round's outcome, once its debrief is on the big screen.
    pub debrief: Option<Debrief>,
}

/// What a round's debrief shows phones: the question and what happened.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Debrief {
    /// The round.
    pub round: u32,
    /// Its question.
    pub question: String,
    /// What the metric asked about was at `week`.
    pub outcome: f64,
    /// The week the outcome was read at.
    pub week: u32,
}

/// One metric over the weeks run, per side.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The metric's name.
    pub title: String,
    /// Its unit.
    pub unit: String,
    /// Per side, one value per week run (week 0 first).
    pub values: Vec<Vec<f32>>,
}

/// Reads a phone's message: at most [`MAX_MESSAGE_BYTES`], JSON, one of
/// [`ClientMessage`]'s kinds. Errors say what was expected.
pub fn read(text: &str) -> Result<ClientMessage, String> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(format!(
            "message too long: {} bytes, at most {MAX_MESSAGE_BYTES}",
            text.len()
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        format!(
            "not a message the room understands ({e}); expected JSON with \"type\" one of join, rejoin, status, city, role, vote, predict, propose"
        )
    })
}
