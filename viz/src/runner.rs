//! The simulation thread. It owns the workshop, runs weeks at the chosen
//! pace, applies the facilitator's commands between weeks, watches the
//! scenario file, and after every change publishes a [`Snapshot`]. The
//! frame only reads the latest snapshot, so drawing stays smooth however
//! long a week of a large city takes.

use crate::snapshot::Snapshot;
use crate::workshop::{Source, Workshop};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// How often the scenario files are checked for edits.
const FILE_CHECK: Duration = Duration::from_millis(300);

/// What the facilitator can ask for.
#[derive(Clone, Debug)]
pub enum Command {
    TogglePlay,
    /// Stop playing (a room's round opens: the room decides first).
    Pause,
    /// One week, when paused.
    Step,
    WeeksPerSecond(f64),
    /// Change knobs now: per side, the knobs to set.
    Intervene {
        label: String,
        sides: Vec<(usize, toml::Table)>,
    },
    SwitchRegime {
        side: usize,
        regime: String,
    },
    /// Both sides from week 0 with the regimes they show now.
    Restart,
    /// Write the session as scenario files, and the room's log (CSV
    /// text) beside them when there is a room.
    Save {
        room_log: Option<String>,
    },
    /// Run as fast as possible until this week (for screenshots).
    RunTo(u32),
    /// Play at the chosen pace until this week, then pause (a room's round).
    PlayUntil(u32),
}

/// The handle the window holds.
pub struct Runner {
    commands: Option<Sender<Command>>,
    latest: Arc<Mutex<Arc<Snapshot>>>,
    worker: Option<JoinHandle<()>>,
}

impl Runner {
    /// Loads the scenario with the sides' regimes (`None`: as
    /// [`Workshop::open`] chooses), and starts the simulation thread,
    /// paused. An error here is returned: there is nothing to show yet.
    pub fn start(
        source: Source,
        regimes: [Option<&str>; 2],
        weeks_per_second: f64,
    ) -> Result<Runner, String> {
        let workshop = Workshop::open_with(source, regimes)?;
        let (tx, rx) = mpsc::channel();
        let worker = Worker {
            watched: watch(&workshop.files()),
            workshop,
            playing: false,
            weeks_per_second,
            run_to: None,
            pause_at: None,
            next_week: Instant::now(),
            error: None,
            status: String::new(),
            generation: 0,
            latest: Arc::new(Mutex::new(Arc::new(Snapshot::default()))),
        };
        worker.publish();
        let latest = worker.latest.clone();
        let handle = std::thread::Builder::new()
            .name("coserve-simulation".into())
            .spawn(move || worker.run(rx))
            .map_err(|e| format!("cannot start the simulation thread: {e}"))?;
        Ok(Runner {
            commands: Some(tx),
            latest,
            worker: Some(handle),
        })
    }

    pub fn send(&self, command: Command) {
        if let Some(tx) = &self.commands {
            // The worker only stops when this handle is dropped.
            let _ = tx.send(command);
        }
    }

    /// The newest snapshot; cheap, never waits for a week to finish.
    pub fn latest(&self) -> Arc<Snapshot> {
        let snapshot = self
            .latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if !self.worker.as_ref().is_some_and(JoinHandle::is_finished) {
            return snapshot;
        }
        // The thread only ends on its own by a bug: say so on screen rather
        // than freeze without a word.
        Arc::new(Snapshot {
            playing: false,
            error: Some(
                "The simulation stopped on an internal error (the terminal shows it); \
                 the last week it ran stays on screen. Please restart coserve-viz."
                    .into(),
            ),
            ..(*snapshot).clone()
        })
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.commands = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

struct Worker {
    workshop: Workshop,
    watched: Vec<(PathBuf, Option<SystemTime>)>,
    playing: bool,
    weeks_per_second: f64,
    run_to: Option<u32>,
    /// While playing: the week to pause at.
    pause_at: Option<u32>,
    /// When the next week is due while playing.
    next_week: Instant,
    error: Option<String>,
    status: String,
    generation: u64,
    latest: Arc<Mutex<Arc<Snapshot>>>,
}

fn watch(files: &[PathBuf]) -> Vec<(PathBuf, Option<SystemTime>)> {
    files.iter().map(|f| (f.clone(), modified(f))).collect()
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Worker {
    fn run(mut self, rx: Receiver<Command>) {
        let mut last_check = Instant::now();
        loop {
            let wait = if self.run_to.is_some() {
                Duration::ZERO
            } else if self.playing {
                self.next_week.saturating_duration_since(Instant::now())
            } else {
                FILE_CHECK
            };
            let mut changed = false;
            match rx.recv_timeout(wait.min(FILE_CHECK)) {
                Ok(c) => {
                    self.handle(c);
                    changed = true;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            loop {
                match rx.try_recv() {
                    Ok(c) => {
                        self.handle(c);
                        changed = true;
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return,
                }
            }
            if last_check.elapsed() >= FILE_CHECK {
                last_check = Instant::now();
                changed |= self.check_files();
            }
            changed |= self.advance();
            if changed {
                self.publish();
            }
        }
    }

    /// Runs a week if one is due. Returns whether anything changed.
    fn advance(&mut self) -> bool {
        if let Some(n) = self.run_to {
            if self.workshop.tick() >= n || self.workshop.finished() {
                self.run_to = None;
                return true;
            }
            self.workshop.step();
            return true;
        }
        if !self.playing {
            return false;
        }
        let paused_at = self.pause_at.is_some_and(|n| self.workshop.tick() >= n);
        if self.workshop.finished() || paused_at {
            self.playing = false;
            self.pause_at = None;
            return true;
        }
        let now = Instant::now();
        if now < self.next_week {
            return false;
        }
        self.workshop.step();
        let period = Duration::from_secs_f64(1.0 / self.weeks_per_second.max(0.1));
        // Behind by more than a few weeks (a slow machine, a huge city):
        // carry on from now rather than rush to catch up.
        self.next_week = (self.next_week + period).max(now.checked_sub(period * 3).unwrap_or(now));
        true
    }

    fn handle(&mut self, command: Command) {
        let outcome = match command {
            Command::TogglePlay if self.workshop.finished() => {
                Err("the run has ended: R restarts it".to_string())
            }
            Command::TogglePlay => {
                self.playing = !self.playing;
                self.next_week = Instant::now();
                Ok(String::new())
            }
            Command::Pause => {
                self.playing = false;
                self.pause_at = None;
                Ok(String::new())
            }
            Command::Step => {
                self.workshop.step();
                Ok(String::new())
            }
            Command::WeeksPerSecond(w) => {
                self.weeks_per_second = w;
                Ok(String::new())
            }
            Command::Intervene { label, sides } => self.workshop.intervene(&label, &sides),
            Command::SwitchRegime { side, regime } => self.workshop.switch_regime(side, &regime),
            Command::Restart => {
                let regimes = self.workshop.regimes();
                self.workshop.restart(&regimes).map(|()| {
                    self.generation += 1;
                    "restarted from week 0".to_string()
                })
            }
            Command::Save { room_log } => self.workshop.save(room_log.as_deref()).map(|paths| {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                format!("saved {}", names.join(" and "))
            }),
            Command::RunTo(n) => {
                self.run_to = Some(n);
                Ok(String::new())
            }
            Command::PlayUntil(n) => {
                self.pause_at = Some(n);
                self.playing = !self.workshop.finished();
                self.next_week = Instant::now();
                Ok(String::new())
            }
        };
        match outcome {
            Ok(s) if s.is_empty() => {}
            Ok(s) | Err(s) => self.status = s,
        }
    }

    /// Restarts from the files after an edit; keeps the last good run and
    /// shows the error while they do not load.
    fn check_files(&mut self) -> bool {
        let now: Vec<_> = self
            .watched
            .iter()
            .map(|(f, _)| (f.clone(), modified(f)))
            .collect();
        if now == self.watched {
            return false;
        }
        self.watched = now;
        match self.workshop.reload() {
            Ok(()) => {
                self.watched = watch(&self.workshop.files());
                self.error = None;
                self.generation += 1;
                self.status = "the scenario file changed: restarted from it".into();
            }
            Err(e) => self.error = Some(e),
        }
        true
    }

    fn publish(&self) {
        let snapshot = Snapshot {
            playing: self.playing,
            weeks_per_second: self.weeks_per_second,
            error: self.error.clone(),
            status: self.status.clone(),
            generation: self.generation,
            ..Snapshot::of(&self.workshop)
        };
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(snapshot);
    }
}
