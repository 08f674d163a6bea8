//! The participatory room beside the window (`--room`): it runs the room's
//! server ([`coserve_room::RoomServer`]), publishes the city to phones, and
//! turns the facilitator's rounds into the simulation's commands. No window
//! here and no egui: the room's panel (`panels::room`) draws a
//! [`RoomSession`] and calls its methods, and all of this is tested
//! without a display.
//!
//! A round goes: decide (votes, predictions and proposals open), simulate
//! N weeks (the room's PB vote becomes `governance.pb_allocation` on the
//! chosen sides, so a saved session replays it), debrief (the outcome
//! against the predictions), and the next round.

use crate::runner::Command;
use crate::snapshot::{CHARTS, Snapshot};
use crate::workshop::SIDE_NAMES;
use coserve_room::protocol::{Action, CityView, Debrief, Proposal, Series};
use coserve_room::{Phase, Room, RoomServer};
use std::net::{IpAddr, SocketAddr};

/// Where the room listens without `--room-bind`: this computer only, so
/// nothing is opened to a network unless the facilitator says so.
pub const DEFAULT_BIND: &str = "127.0.0.1:8765";

/// What the facilitator sets up for the next round: which chart's metric
/// the room predicts, on which side, and how many weeks the round runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundPlan {
    /// An index into [`CHARTS`].
    pub chart: usize,
    /// 0 left, 1 right.
    pub side: usize,
    /// Weeks simulated, 1 or more.
    pub weeks: u32,
}

impl RoundPlan {
    /// A round that starts at `snap`'s week: (from, to, the metric now,
    /// `NaN` before any week ran).
    fn starting(&self, snap: &Snapshot) -> (u32, u32, f64) {
        let to = (snap.tick + self.weeks.max(1)).min(snap.ticks);
        let now = snap
            .sides
            .get(self.side)
            .and_then(|s| s.history.last())
            .map_or(f64::NAN, |c| (CHARTS[self.chart].value)(c));
        (snap.tick, to, now)
    }
}

impl Default for RoundPlan {
    fn default() -> Self {
        RoundPlan {
            chart: 1,
            side: 1,
            weeks: 8,
        }
    }
}

/// A round as it went: what was asked, what the room predicted, and what
/// happened.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundRecord {
    pub round: u32,
    pub plan: RoundPlan,
    pub question: String,
    /// The week the round's simulation starts at (when it opened, until
    /// votes close), and the week it ends before.
    pub from: u32,
    pub to: u32,
    /// The metric at `from` (`NaN` before any week ran).
    pub before: f64,
    /// Whether the round's simulation has been started.
    pub simulated: bool,
    /// The metric after the round's weeks, and the week it was read at;
    /// `None` until the debrief.
    pub outcome: Option<(f64, u32)>,
    /// (display name, value), read at the debrief.
    pub predictions: Vec<(String, f64)>,
}

/// The room as the panel shows it, read once per frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoomState {
    pub participants: usize,
    /// Participants by role: (residents, organizations, agencies).
    pub roles: (usize, usize, usize),
    pub round: u32,
    pub phase: Option<Phase>,
    pub voters: usize,
    pub predictions: usize,
    /// This round's proposals: (display name, proposal).
    pub proposals: Vec<(String, Proposal)>,
}

/// A QR code's modules, dark or not, row by row.
#[derive(Clone, Debug, PartialEq)]
pub struct Qr {
    pub width: usize,
    pub dark: Vec<bool>,
}

/// The room's server and the rounds run so far.
pub struct RoomSession {
    server: RoomServer,
    /// What participants open: the address and the room's code.
    pub join_url: String,
    pub code: String,
    /// `join_url` as a QR code.
    pub qr: Qr,
    /// The next round's setup, as the facilitator chooses it.
    pub plan: RoundPlan,
    pub rounds: Vec<RoundRecord>,
    /// What phones were last shown: (generation, week, debriefed round).
    published: Option<(u64, u32, u32)>,
    /// Commands for the next [`RoomSession::update`] to hand over.
    pending: Vec<Command>,
}

impl RoomSession {
    /// Starts the room's server at `bind` for the city `snap` shows.
    /// Errors: the address cannot be bound (in use: choose another with
    /// `--room-bind`), or no random source for the room's code.
    pub fn start(bind: SocketAddr, snap: &Snapshot) -> Result<RoomSession, String> {
        let neighbourhoods = snap.sides.first().map_or(0, |s| s.grid.len());
        let room = Room::new(neighbourhoods, snap.services.len().max(1))?;
        let code = room.code().to_string();
        let server = RoomServer::start(room, bind).map_err(|e| {
            format!("cannot start the room at {bind}: {e}; choose another address with --room-bind")
        })?;
        let join_url = format!("http://{}/?code={code}", reachable(server.address()));
        let qr = qrcode::QrCode::new(join_url.as_bytes())
            .map_err(|e| format!("cannot make the room's QR code: {e}"))?;
        let qr = Qr {
            width: qr.width(),
            dark: qr
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect(),
        };
        Ok(RoomSession {
            server,
            join_url,
            code,
            qr,
            plan: RoundPlan::default(),
            rounds: Vec::new(),
            published: None,
            pending: Vec::new(),
        })
    }

    /// Where the server listens.
    pub fn address(&self) -> SocketAddr {
        self.server.address()
    }

    /// The facilitator's secret, for the terminal only: the big screen is
    /// projected, and whoever reads the secret can act as facilitator.
    pub fn secret(&self) -> String {
        self.server.with_room(|r| r.secret().to_string())
    }

    /// The room now.
    pub fn state(&self) -> RoomState {
        self.server.with_room(|r| {
            let (round, phase) = r.round();
            RoomState {
                participants: r.participants(),
                roles: r.roles(),
                round,
                phase: Some(phase),
                voters: r.voters(round),
                predictions: r.predictors(round),
                proposals: r.proposals(round),
            }
        })
    }

    /// Tells the room the week, shows phones the city once per week run,
    /// restart or debrief, and carries out the round's phases, whoever
    /// moved them (the panel, or a facilitator's phone with the secret):
    /// a round that opens pauses the city while the room decides (one
    /// opened elsewhere is recorded with the plan on screen); once votes
    /// close, the room's tally becomes the PB allocation of `sides` (when
    /// anyone voted) and the round's weeks play from there; at the debrief
    /// the outcome and predictions are read. Returns the commands to send.
    pub fn update(&mut self, snap: &Snapshot, sides: &[usize]) -> Vec<Command> {
        self.server.set_week(snap.tick);
        let mut commands = std::mem::take(&mut self.pending);
        let (round, phase) = self.server.with_room(Room::round);
        if round > 0 {
            if self.rounds.last().is_none_or(|r| r.round < round) {
                // Opened by a facilitator's phone: measured as the panel's plan.
                let question = self.server.with_room(|r| r.question().to_string());
                let record = self.new_record(round, question, snap);
                self.rounds.push(record);
                commands.push(Command::Pause);
            }
            commands.extend(self.follow_round(phase, snap, sides));
        }
        let debriefed = self
            .rounds
            .last()
            .filter(|r| r.outcome.is_some())
            .map_or(0, |r| r.round);
        let now = (snap.generation, snap.tick, debriefed);
        if self.published != Some(now) {
            self.published = Some(now);
            let mut view = city_view(snap);
            view.debrief = self.rounds.last().and_then(|r| {
                let (outcome, week) = r.outcome?;
                Some(Debrief {
                    round: r.round,
                    question: r.question.clone(),
                    outcome,
                    week,
                })
            });
            self.server.show_city(view);
        }
        commands
    }

    /// The last round's simulation and debrief, once the room is there.
    fn follow_round(&mut self, phase: Phase, snap: &Snapshot, sides: &[usize]) -> Vec<Command> {
        let record = self.rounds.last_mut().expect("a round is open");
        let mut commands = Vec::new();
        if matches!(phase, Phase::Simulating | Phase::Debrief) && !record.simulated {
            record.simulated = true;
            // The round's weeks count from the vote, however long the
            // room took to decide.
            (record.from, record.to, record.before) = record.plan.starting(snap);
            if let Some(tally) = self.server.with_room(|r| r.tally(record.round)) {
                let weights = tally.into_iter().map(toml::Value::Float).collect();
                let set: toml::Table = [("pb_allocation".to_string(), toml::Value::Array(weights))]
                    .into_iter()
                    .collect();
                commands.push(Command::Intervene {
                    label: format!("the room's PB vote, round {}", record.round),
                    sides: sides.iter().map(|&s| (s, set.clone())).collect(),
                });
            }
            commands.push(Command::PlayUntil(record.to));
        }
        if phase == Phase::Debrief && record.outcome.is_none() {
            let row = snap
                .sides
                .get(record.plan.side)
                .and_then(|side| side.history.iter().rev().find(|c| c.tick < record.to));
            record.outcome = row.map(|c| ((CHARTS[record.plan.chart].value)(c), c.tick + 1));
            let round = record.round;
            record.predictions = self.server.with_room(|r| r.predictions(round));
        }
        commands
    }

    /// Opens the next round with the question [`RoomSession::plan`] asks.
    /// Errors: the run has ended.
    pub fn open_round(&mut self, snap: &Snapshot) -> Result<(), String> {
        let mut record = self.new_record(0, String::new(), snap);
        if record.to <= record.from {
            return Err("the run has ended: restart (R) for another round".into());
        }
        if snap.tick == 0 {
            return Err("run a week first (S), so the room sees where the city starts".into());
        }
        let chart = &CHARTS[record.plan.chart];
        let regime = snap
            .sides
            .get(record.plan.side)
            .map_or("", |s| s.regime.as_str());
        let now = if record.before.is_finite() {
            format!(" It is {:.2} now.", record.before)
        } else {
            String::new()
        };
        record.question = format!(
            "{} on the {} side ({regime}) {} weeks after the vote? ({}){now}",
            chart.title, SIDE_NAMES[record.plan.side], record.plan.weeks, chart.unit
        );
        self.server.facilitate(Action::OpenRound {
            question: record.question.clone(),
        })?;
        record.round = self.server.with_room(|r| r.round().0);
        self.rounds.push(record);
        // The city waits while the room decides.
        self.pending.push(Command::Pause);
        Ok(())
    }

    /// A record of round `round`, opened now with `question`, measured as
    /// [`RoomSession::plan`] says.
    fn new_record(&self, round: u32, question: String, snap: &Snapshot) -> RoundRecord {
        let plan = self.plan;
        let (from, to, before) = plan.starting(snap);
        RoundRecord {
            round,
            plan,
            question,
            from,
            to,
            before,
            simulated: false,
            outcome: None,
            predictions: Vec::new(),
        }
    }

    /// Closes the round's votes; [`RoomSession::update`] then runs its weeks.
    pub fn simulate(&self) -> Result<(), String> {
        self.server.facilitate(Action::Simulate)
    }

    /// Shows the round's results; [`RoomSession::update`] reads the
    /// outcome (at the round's last week, or the latest run if the
    /// facilitator debriefs early) and the predictions.
    pub fn debrief(&self) -> Result<(), String> {
        self.server.facilitate(Action::Debrief)
    }

    /// Accepts proposal `index` of this round; it applies when
    /// [`RoomSession::take_accepted`] next hands it over.
    pub fn accept(&self, index: usize) -> Result<(), String> {
        self.server.facilitate(Action::Accept { proposal: index })
    }

    /// The proposals accepted since the last call, to apply.
    pub fn take_accepted(&self) -> Vec<Proposal> {
        self.server.take_accepted()
    }

    /// Everything the room did, as room-log.csv.
    pub fn log_csv(&self) -> String {
        self.server.with_room(Room::log_csv)
    }
}

/// An address phones can reach for a server bound to `bound`: the address
/// itself, or for a wildcard (0.0.0.0, ::) this computer's address on the
/// network its default route leads to. Connecting a UDP socket sends
/// nothing; it only asks the system which local address it would use.
pub fn reachable(bound: SocketAddr) -> SocketAddr {
    if !bound.ip().is_unspecified() {
        return bound;
    }
    let probe = || -> std::io::Result<IpAddr> {
        let socket = std::net::UdpSocket::bind("0.0.0.0:0")?;
        // TEST-NET-1 (RFC 5737): never routed anywhere, only looked up.
        socket.connect("192.0.2.1:9")?;
        Ok(socket.local_addr()?.ip())
    };
    match probe() {
        Ok(ip) if !ip.is_unspecified() => SocketAddr::new(ip, bound.port()),
        _ => bound,
    }
}

/// The neighbourhood numbers phones show: (name, unit, value of a row).
type Number = (
    &'static str,
    &'static str,
    fn(&coserve::metrics::NeighbourhoodRow) -> f64,
);
const NUMBERS: [Number; 4] = [
    ("coverage", "share of needs served", |h| h.coverage),
    ("unmet need", "needs per resident", |h| {
        h.unmet_need_per_capita
    }),
    ("trust", "0 none to 1 full", |h| h.trust),
    ("participation", "share of residents", |h| {
        h.participation_rate
    }),
];

/// What phones show of the city in `snap`: both sides' charts, each
/// neighbourhood's place (a map's centroids, or the grid's squares) and
/// numbers.
pub fn city_view(snap: &Snapshot) -> CityView {
    let Some(first) = snap.sides.first() else {
        return CityView::default();
    };
    let layout = match &first.outlines {
        Some(o) => {
            let scale = o.size.0.max(o.size.1).max(f32::EPSILON);
            o.centroids
                .iter()
                .map(|&(x, y)| [x / scale, y / scale])
                .collect()
        }
        None => {
            let rows = first.grid.iter().map(|g| g.1 + 1).max().unwrap_or(1);
            let scale = first.columns.max(rows).max(1) as f32;
            first
                .grid
                .iter()
                .map(|&(c, r)| [(c as f32 + 0.5) / scale, (r as f32 + 0.5) / scale])
                .collect()
        }
    };
    let names = first.names.clone();
    CityView {
        week: snap.tick,
        weeks: snap.ticks,
        sides: snap
            .sides
            .iter()
            .map(|s| format!("{}: {}", s.name, s.regime))
            .collect(),
        charts: CHARTS
            .iter()
            .map(|chart| Series {
                title: chart.title.into(),
                unit: chart.unit.into(),
                values: snap
                    .sides
                    .iter()
                    .map(|s| s.history.iter().map(|c| (chart.value)(c) as f32).collect())
                    .collect(),
            })
            .collect(),
        names,
        layout,
        numbers: NUMBERS
            .iter()
            .map(|(name, unit, _)| (name.to_string(), unit.to_string()))
            .collect(),
        hoods: snap
            .sides
            .iter()
            .map(|s| {
                s.hoods
                    .iter()
                    .map(|h| NUMBERS.iter().map(|(.., value)| value(h) as f32).collect())
                    .collect()
            })
            .collect(),
        services: snap.services.clone(),
        debrief: None,
    }
}
