//! A room to try the phone page against, and the fixture of its browser
//! test (room/tests/browser.py): a city of 4 neighbourhoods x 2 services
//! with round 1 open. Prints `address code` on the first line, then the
//! tally of round 1 as JSON each time it changes; stops when its input
//! closes.
//!
//!     cargo run -p coserve-room --example serve [ADDRESS]   # default 127.0.0.1:0

use coserve_room::{Room, RoomServer};
use std::io::{BufRead, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into())
        .parse()?;
    let mut room = Room::new(4, 2)?;
    let open = format!(
        "{{\"type\":\"facilitate\",\"secret\":\"{}\",\"action\":\"open_round\",\"question\":\"coverage at week 104?\"}}",
        room.secret()
    );
    room.handle(None, &open, 0.0, 0);
    let code = room.code().to_string();
    let server = RoomServer::start(room, bind)?;
    println!("{} {code}", server.address());
    std::io::stdout().flush()?;
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Any line, or the end of input, stops the room.
        std::io::stdin().lock().lines().next();
        done.send(()).ok();
    });
    // The tally as it stands first (`null`: no vote), then each change.
    let mut shown = None;
    while finished
        .recv_timeout(std::time::Duration::from_millis(100))
        .is_err()
    {
        let tally = server.with_room(|r| r.tally(1));
        if shown.as_ref() != Some(&tally) {
            println!("{}", serde_json::to_string(&tally)?);
            std::io::stdout().flush()?;
            shown = Some(tally);
        }
    }
    Ok(())
}
