//! The room's server: WebSockets over HTTP on the local network, one
//! [`Room`] behind them. It runs on a thread of its own with its own small
//! runtime, so a window's frame never waits for a phone. It serves nothing
//! from disk: `/` is the phone page compiled into the program
//! (room/assets/phone.html), `/ws` the room, and every other path is 404.

use crate::protocol::{Action, CityView, MAX_MESSAGE_BYTES, Proposal, ServerMessage};
use crate::room::Room;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::{Html, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

/// Frames larger than this close the connection unread; between
/// [`MAX_MESSAGE_BYTES`] and this, the phone is told its message is too long.
const FRAME_LIMIT: usize = 8 * MAX_MESSAGE_BYTES;

/// The page participants open: everything it needs is in it.
const PHONE_PAGE: &str = include_str!("../assets/phone.html");

/// What the connections share.
struct Shared {
    room: Mutex<Room>,
    started: Instant,
    week: AtomicU32,
    accepted: Mutex<Vec<Proposal>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A connection that panicked holding the lock leaves the room usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running room server; dropping it stops the server.
pub struct RoomServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl RoomServer {
    /// Serves `room` at `bind` (port 0: any free port). Errors: the address
    /// cannot be bound (in use, not this machine's), or no thread or
    /// runtime can be started.
    pub fn start(room: Room, bind: SocketAddr) -> std::io::Result<RoomServer> {
        let listener = std::net::TcpListener::bind(bind)?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            room: Mutex::new(room),
            started: Instant::now(),
            week: AtomicU32::new(0),
            accepted: Mutex::new(Vec::new()),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("room")
            .enable_io()
            .enable_time()
            .build()?;
        let app = Router::new()
            .route("/", get(|| async { Html(PHONE_PAGE) }))
            .route("/ws", get(upgrade))
            .with_state(Arc::clone(&shared));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("room server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = stopped => {}
                    }
                });
            })?;
        Ok(RoomServer {
            address,
            shared,
            stop: Some(stop),
        })
    }

    /// Where the server listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Tells the room the simulated week, which its log records.
    pub fn set_week(&self, week: u32) {
        self.shared.week.store(week, Ordering::Relaxed);
    }

    /// Reads the room (its code, tally, predictions, log) without
    /// stopping it for long.
    pub fn with_room<R>(&self, read: impl FnOnce(&Room) -> R) -> R {
        read(&locked(&self.shared.room))
    }

    /// Does what the facilitator asked on the big screen: the window is
    /// the facilitator, so no secret is needed here. Errors: the room
    /// refused (e.g. no such proposal), in words.
    pub fn facilitate(&self, action: Action) -> Result<(), String> {
        let week = self.shared.week.load(Ordering::Relaxed);
        let (answer, accepted) = locked(&self.shared.room).facilitate(action, week);
        locked(&self.shared.accepted).extend(accepted);
        match answer {
            ServerMessage::Error { message } => Err(message),
            _ => Ok(()),
        }
    }

    /// Publishes the city for phones to show when they next ask.
    pub fn show_city(&self, city: CityView) {
        locked(&self.shared.room).show_city(city);
    }

    /// Proposals the facilitator accepted since the last call, to apply.
    pub fn take_accepted(&self) -> Vec<Proposal> {
        std::mem::take(&mut *locked(&self.shared.accepted))
    }
}

impl Drop for RoomServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
    }
}

async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(FRAME_LIMIT)
        .max_frame_size(FRAME_LIMIT)
        .on_upgrade(move |socket| connection(socket, shared))
}

/// Messages a connection may send before it has joined; the room's own
/// limit applies to participants.
const BEFORE_JOINING: u32 = 20;

/// One phone: each text message goes to the room, each answer back.
async fn connection(mut socket: WebSocket, shared: Arc<Shared>) {
    let mut who = None;
    let mut unjoined = 0;
    while let Some(Ok(message)) = socket.recv().await {
        if who.is_none() {
            unjoined += 1;
            if unjoined > BEFORE_JOINING {
                break;
            }
        }
        let answer = match message {
            Message::Text(text) => {
                let now = shared.started.elapsed().as_secs_f64();
                let week = shared.week.load(Ordering::Relaxed);
                let (me, answer, accepted) =
                    locked(&shared.room).handle(who, text.as_str(), now, week);
                who = me;
                locked(&shared.accepted).extend(accepted);
                answer
            }
            Message::Binary(_) => ServerMessage::Error {
                message: "send JSON text, not binary".into(),
            },
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        let Ok(json) = serde_json::to_string(&answer) else {
            break;
        };
        if socket.send(Message::Text(json.into())).await.is_err() {
            break;
        }
    }
}
