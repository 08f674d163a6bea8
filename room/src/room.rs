//! A workshop's room: who joined, in which role, and what they voted,
//! predicted and proposed, round by round. It knows nothing of networks or
//! windows: the server hands it each message with the sender, the time and
//! the simulated week, and sends back what it answers.

use crate::protocol::{
    self, Action, CityView, ClientMessage, MAX_NAME_CHARS as MAX_NAME, Proposal, Role,
    ServerMessage,
};
use std::collections::BTreeMap;

/// Letters for room codes: no 0/O or 1/I/L to misread across a room.
const CODE_LETTERS: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// The most participants a room takes: a large workshop, with room to
/// spare, and a bound on what strangers can make it hold.
pub const MAX_PARTICIPANTS: usize = 1000;

/// Messages a phone may send in a burst, and per second after it.
pub const BURST: f64 = 10.0;
/// See [`BURST`].
pub const PER_SECOND: f64 = 5.0;

/// Where the room is in a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No round open yet.
    Waiting,
    /// Votes, predictions and proposals are open.
    Deciding,
    /// The simulation runs; nothing is taken.
    Simulating,
    /// Results and predictions are shown.
    Debrief,
}

/// One participant.
#[derive(Clone, Debug)]
struct Participant {
    name: String,
    token: String,
    role: Option<Role>,
    /// Messages it may still send now (a token bucket).
    allowance: f64,
    /// When the allowance was last topped up, in seconds.
    seen: f64,
}

/// One line of room-log.csv: something a participant did, and when.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LogEntry {
    /// The simulated week it happened in.
    pub week: u32,
    /// The round.
    pub round: u32,
    /// The participant's display name (nothing else about a person is kept).
    pub name: String,
    /// The role they had then: `resident of N` (a neighbourhood's index),
    /// `organization`, `agency`, or empty before choosing one.
    pub role: String,
    /// `vote`, `prediction`, `proposal`, or `accepted`.
    pub kind: &'static str,
    /// What: the vote's weights, the predicted value, the proposal.
    pub detail: String,
}

/// The room.
#[derive(Debug)]
pub struct Room {
    code: String,
    secret: String,
    /// Neighbourhoods and domains of the city, for checking votes.
    cells: (usize, usize),
    participants: Vec<Participant>,
    round: u32,
    phase: Phase,
    question: String,
    /// Per round, each participant's vote as weights per cell (n * domains + d).
    votes: BTreeMap<(u32, usize), Vec<f64>>,
    predictions: BTreeMap<(u32, usize), f64>,
    proposals: Vec<(u32, usize, Proposal)>,
    log: Vec<LogEntry>,
    /// The city as the big screen last published it.
    city: Option<CityView>,
}

/// `length` random letters of [`CODE_LETTERS`] from the system's source.
fn random_text(length: usize) -> Result<String, String> {
    let mut bytes = vec![0u8; length];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random source: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| CODE_LETTERS[*b as usize % CODE_LETTERS.len()] as char)
        .collect())
}

/// Characters a display name may not hold: controls, and the invisible
/// ones that reorder or hide text on the big screen and in the log
/// (zero-width, bidirectional overrides and isolates, the byte-order mark).
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// A name as a CSV cell that a spreadsheet shows as text: one starting with
/// `=`, `+`, `-` or `@` would be read as a formula, so it gets a leading
/// apostrophe (OWASP, "CSV Injection").
fn as_text_cell(name: &str) -> std::borrow::Cow<'_, str> {
    if name.starts_with(['=', '+', '-', '@']) {
        format!("'{name}").into()
    } else {
        name.into()
    }
}

fn refuse(message: impl Into<String>) -> ServerMessage {
    ServerMessage::Error {
        message: message.into(),
    }
}

impl Room {
    /// A new room for a city of `neighbourhoods` x `domains`, with a fresh
    /// 4-letter code and a 16-letter facilitator secret.
    pub fn new(neighbourhoods: usize, domains: usize) -> Result<Room, String> {
        Ok(Room {
            code: random_text(4)?,
            secret: random_text(16)?,
            cells: (neighbourhoods, domains),
            participants: Vec::new(),
            round: 0,
            phase: Phase::Waiting,
            question: String::new(),
            votes: BTreeMap::new(),
            predictions: BTreeMap::new(),
            proposals: Vec::new(),
            log: Vec::new(),
            city: None,
        })
    }

    /// The code participants type to join.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The facilitator's secret (the big screen shows it, nobody else).
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The round (0 before the first) and its phase.
    pub fn round(&self) -> (u32, Phase) {
        (self.round, self.phase)
    }

    /// How many have joined.
    pub fn participants(&self) -> usize {
        self.participants.len()
    }

    /// Everything participants did, in order.
    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// Takes one message `text` from a connection that is participant
    /// `from` (`None` before it joined) at `now` seconds, in simulated week
    /// `week`. Returns who the connection is afterwards, the answer, and a
    /// proposal the facilitator accepted, to apply.
    pub fn handle(
        &mut self,
        from: Option<usize>,
        text: &str,
        now: f64,
        week: u32,
    ) -> (Option<usize>, ServerMessage, Option<Proposal>) {
        if let Some(p) = from
            && !self.allow(p, now)
        {
            return (from, refuse("too many messages: wait a moment"), None);
        }
        let message = match protocol::read(text) {
            Ok(m) => m,
            Err(e) => return (from, refuse(e), None),
        };
        // A refused join or rejoin leaves the connection who it was.
        let or_before = |(who, answer, none): (Option<usize>, _, _)| (who.or(from), answer, none);
        match (message, from) {
            // One connection, one participant: joining again would give a
            // script a fresh identity, and a fresh vote, per message.
            (ClientMessage::Join { .. }, Some(p)) => (
                from,
                refuse(format!(
                    "you have joined already, as {}",
                    self.participants[p].name
                )),
                None,
            ),
            (ClientMessage::Join { room, name }, None) => or_before(self.join(&room, &name, now)),
            (ClientMessage::Rejoin { token }, _) => or_before(self.rejoin(&token)),
            (ClientMessage::Status, _) => (from, self.status(), None),
            (ClientMessage::Facilitate { secret, action }, _) => {
                if secret != self.secret {
                    return (from, refuse("only the facilitator may do that"), None);
                }
                let (answer, accepted) = self.facilitate(action, week);
                (from, answer, accepted)
            }
            (_, None) => (None, refuse("join the room first"), None),
            (ClientMessage::City, Some(p)) => (
                Some(p),
                ServerMessage::City {
                    city: self.city.clone().map(Box::new),
                },
                None,
            ),
            (message, Some(p)) => (Some(p), self.take(p, message, week), None),
        }
    }

    /// A token bucket per participant: [`BURST`] at once, [`PER_SECOND`] after.
    fn allow(&mut self, p: usize, now: f64) -> bool {
        let Some(who) = self.participants.get_mut(p) else {
            return false;
        };
        who.allowance = (who.allowance + (now - who.seen).max(0.0) * PER_SECOND).min(BURST);
        who.seen = now;
        if who.allowance < 1.0 {
            return false;
        }
        who.allowance -= 1.0;
        true
    }

    fn join(
        &mut self,
        room: &str,
        name: &str,
        now: f64,
    ) -> (Option<usize>, ServerMessage, Option<Proposal>) {
        if !room.trim().eq_ignore_ascii_case(&self.code) {
            return (
                None,
                refuse("no room with that code: check the big screen"),
                None,
            );
        }
        if self.participants.len() >= MAX_PARTICIPANTS {
            return (
                None,
                refuse(format!(
                    "the room is full ({MAX_PARTICIPANTS} participants)"
                )),
                None,
            );
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return (
                None,
                refuse(format!("a name of 1 to {MAX_NAME} characters, please")),
                None,
            );
        }
        if name.chars().any(invisible) {
            return (
                None,
                refuse(
                    "a name of letters, digits, spaces and punctuation, please: no control or invisible characters",
                ),
                None,
            );
        }
        let token = match random_text(24) {
            Ok(t) => t,
            Err(e) => return (None, refuse(e), None),
        };
        self.participants.push(Participant {
            name: name.to_string(),
            token: token.clone(),
            role: None,
            allowance: BURST,
            seen: now,
        });
        let participant = self.participants.len() - 1;
        (
            Some(participant),
            ServerMessage::Welcome {
                participant,
                token,
                role: None,
            },
            None,
        )
    }

    fn rejoin(&mut self, token: &str) -> (Option<usize>, ServerMessage, Option<Proposal>) {
        match self.participants.iter().position(|p| p.token == token) {
            Some(participant) => (
                Some(participant),
                ServerMessage::Welcome {
                    participant,
                    token: token.to_string(),
                    role: self.participants[participant].role.clone(),
                },
                None,
            ),
            None => (
                None,
                refuse("unknown token: join again with the room code"),
                None,
            ),
        }
    }

    /// A participant's role, vote, prediction or proposal.
    fn take(&mut self, p: usize, message: ClientMessage, week: u32) -> ServerMessage {
        let open = |round: u32, room: &Room| {
            if round != room.round || room.phase != Phase::Deciding {
                Err(refuse(format!(
                    "round {round} is not open; the room is in round {}",
                    room.round
                )))
            } else {
                Ok(())
            }
        };
        match message {
            ClientMessage::Role { role } => {
                if let Role::Resident { neighbourhood } = role
                    && neighbourhood >= self.cells.0
                {
                    return refuse(format!(
                        "no neighbourhood {neighbourhood}: the city has 0 to {}",
                        self.cells.0 - 1
                    ));
                }
                self.participants[p].role = Some(role);
            }
            ClientMessage::Vote { round, weights } => {
                if let Err(e) = open(round, self) {
                    return e;
                }
                if self.votes.contains_key(&(round, p)) {
                    return refuse("you have voted in this round already");
                }
                let cells = match self.cells_of(&weights) {
                    Ok(c) => c,
                    Err(e) => return refuse(e),
                };
                self.record(week, p, "vote", format!("{weights:?}"));
                self.votes.insert((round, p), cells);
            }
            ClientMessage::Predict { round, value } => {
                if let Err(e) = open(round, self) {
                    return e;
                }
                if !value.is_finite() {
                    return refuse("a prediction is a number");
                }
                if self.predictions.contains_key(&(round, p)) {
                    return refuse("you have predicted in this round already");
                }
                self.record(week, p, "prediction", value.to_string());
                self.predictions.insert((round, p), value);
            }
            ClientMessage::Propose { round, proposal } => {
                if let Err(e) = open(round, self) {
                    return e;
                }
                self.record(week, p, "proposal", format!("{proposal:?}"));
                self.proposals.push((round, p, proposal));
            }
            ClientMessage::Join { .. }
            | ClientMessage::Rejoin { .. }
            | ClientMessage::Status
            | ClientMessage::City
            | ClientMessage::Facilitate { .. } => {
                unreachable!("handled before")
            }
        }
        ServerMessage::Accepted
    }

    /// A vote's triples as weights per cell, checked.
    fn cells_of(&self, weights: &[(usize, usize, f64)]) -> Result<Vec<f64>, String> {
        let (n, d) = self.cells;
        let mut cells = vec![0.0; n * d];
        for &(hood, domain, w) in weights {
            if hood >= n || domain >= d {
                return Err(format!(
                    "no cell ({hood}, {domain}): neighbourhoods are 0 to {}, domains 0 to {}",
                    n - 1,
                    d - 1
                ));
            }
            if !(w.is_finite() && w >= 0.0) {
                return Err(format!("weights are numbers of at least 0, found {w}"));
            }
            cells[hood * d + domain] += w;
        }
        let total: f64 = cells.iter().sum();
        // Weights that overflow when added would make the tally NaN and
        // lose every vote of the round.
        if !total.is_finite() {
            return Err("weights too large: use points such as 1 to 100".into());
        }
        if total <= 0.0 {
            return Err("give some weight to at least one neighbourhood".into());
        }
        Ok(cells)
    }

    fn record(&mut self, week: u32, p: usize, kind: &'static str, detail: String) {
        self.log.push(LogEntry {
            week,
            round: self.round,
            name: self.participants[p].name.clone(),
            role: match &self.participants[p].role {
                Some(Role::Resident { neighbourhood }) => format!("resident of {neighbourhood}"),
                Some(Role::Organization) => "organization".into(),
                Some(Role::Agency) => "agency".into(),
                None => String::new(),
            },
            kind,
            detail,
        });
    }

    /// A facilitator's action, the secret already checked: the answer, and
    /// the proposal accepted, if any.
    pub(crate) fn facilitate(
        &mut self,
        action: Action,
        week: u32,
    ) -> (ServerMessage, Option<Proposal>) {
        match action {
            Action::OpenRound { question } => {
                self.round += 1;
                self.phase = Phase::Deciding;
                self.question = question;
            }
            Action::Simulate => self.phase = Phase::Simulating,
            Action::Debrief => self.phase = Phase::Debrief,
            Action::Accept { proposal } => {
                let mine: Vec<&(u32, usize, Proposal)> = self
                    .proposals
                    .iter()
                    .filter(|(r, ..)| *r == self.round)
                    .collect();
                let Some(&&(_, p, chosen)) = mine.get(proposal) else {
                    return (
                        refuse(format!(
                            "no proposal {proposal} in this round ({} made)",
                            mine.len()
                        )),
                        None,
                    );
                };
                self.record(week, p, "accepted", format!("{chosen:?}"));
                return (ServerMessage::Accepted, Some(chosen));
            }
        }
        (ServerMessage::Accepted, None)
    }

    /// The room's PB allocation for `round`: one person one vote, each vote
    /// normalised to shares and the shares summed, per cell
    /// (`n * domains + d`), as `governance.pb_allocation` takes it; `None`
    /// when nobody voted.
    pub fn tally(&self, round: u32) -> Option<Vec<f64>> {
        let mut total = vec![0.0; self.cells.0 * self.cells.1];
        let mut any = false;
        for ((r, _), cells) in &self.votes {
            if *r != round {
                continue;
            }
            any = true;
            let sum: f64 = cells.iter().sum();
            for (t, c) in total.iter_mut().zip(cells) {
                *t += c / sum;
            }
        }
        any.then_some(total)
    }

    /// Everyone's prediction in `round`: (display name, value), in the
    /// order participants joined.
    pub fn predictions(&self, round: u32) -> Vec<(String, f64)> {
        self.predictions
            .iter()
            .filter(|((r, _), _)| *r == round)
            .map(|((_, p), v)| (self.participants[*p].name.clone(), *v))
            .collect()
    }

    /// Where the room is, for a phone.
    fn status(&self) -> ServerMessage {
        let phase = match self.phase {
            Phase::Waiting => "waiting",
            Phase::Deciding => "deciding",
            Phase::Simulating => "simulating",
            Phase::Debrief => "debrief",
        };
        ServerMessage::Status {
            round: self.round,
            phase: phase.into(),
            question: self.question.clone(),
            neighbourhoods: self.cells.0,
            domains: self.cells.1,
        }
    }

    /// The proposals made in `round`: (display name, proposal), in the
    /// order made; the facilitator accepts one by its position here.
    pub fn proposals(&self, round: u32) -> Vec<(String, Proposal)> {
        self.proposals
            .iter()
            .filter(|(r, ..)| *r == round)
            .map(|(_, p, proposal)| (self.participants[*p].name.clone(), *proposal))
            .collect()
    }

    /// How many participants have chosen each role: (residents,
    /// organizations, agencies).
    pub fn roles(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for p in &self.participants {
            match p.role {
                Some(Role::Resident { .. }) => counts.0 += 1,
                Some(Role::Organization) => counts.1 += 1,
                Some(Role::Agency) => counts.2 += 1,
                None => {}
            }
        }
        counts
    }

    /// How many voted in `round`.
    pub fn voters(&self, round: u32) -> usize {
        self.votes.keys().filter(|(r, _)| *r == round).count()
    }

    /// How many predicted in `round` (without copying their names, as
    /// [`Room::predictions`] does).
    pub fn predictors(&self, round: u32) -> usize {
        self.predictions.keys().filter(|(r, _)| *r == round).count()
    }

    /// Publishes the city for phones to show.
    pub fn show_city(&mut self, city: CityView) {
        self.city = Some(city);
    }

    /// The log as room-log.csv: a header `week,round,name,role,kind,detail`,
    /// then one row per entry, quoted where a name or detail needs it.
    pub fn log_csv(&self) -> String {
        // Writing to memory cannot fail; the errors are for files.
        const IN_MEMORY: &str = "writing CSV to memory cannot fail";
        let mut out = csv::Writer::from_writer(Vec::new());
        // A header even when nothing happened: the file says what it is.
        out.write_record(["week", "round", "name", "role", "kind", "detail"])
            .expect(IN_MEMORY);
        for e in &self.log {
            let (week, round) = (e.week.to_string(), e.round.to_string());
            let name = as_text_cell(&e.name);
            out.write_record([week.as_str(), &round, &name, &e.role, e.kind, &e.detail])
                .expect(IN_MEMORY);
        }
        let bytes = out.into_inner().expect(IN_MEMORY);
        String::from_utf8(bytes).expect("names and details are UTF-8")
    }

    /// This round's question.
    pub fn question(&self) -> &str {
        &self.question
    }
}
