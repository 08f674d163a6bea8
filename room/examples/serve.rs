//! A room to try the phone page against, and the fixture of its browser
//! test (room/tests/test_phone_page.py): a city of 4 neighbourhoods x 2
//! services with round 1 open, and a made-up city for the page to draw
//! (`coserve-viz --room` publishes the real one). Prints `address code` on
//! the first line, then the tally of round 1 as JSON each time it changes;
//! stops when its input closes.
//!
//!     cargo run -p coserve-room --example serve [ADDRESS]   # default 127.0.0.1:0

use coserve_room::protocol::{CityView, Debrief, Series};
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
    room.show_city(fixture_city());
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

/// A 2 x 2 city, ten weeks in: made-up numbers, the same every run, so the
/// test knows what the page should show.
fn fixture_city() -> CityView {
    let weeks = 10;
    let series = |start: f32, step: f32| (0..weeks).map(|t| start + step * t as f32).collect();
    CityView {
        week: weeks,
        weeks: 52,
        sides: vec!["left: public".into(), "right: co_created".into()],
        charts: vec![Series {
            title: "trust".into(),
            unit: "0-1".into(),
            values: vec![series(0.5, -0.01), series(0.5, 0.01)],
        }],
        names: ["north-west", "north-east", "south-west", "south-east"]
            .map(String::from)
            .to_vec(),
        layout: vec![[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]],
        services: vec!["care".into(), "streets".into()],
        numbers: vec![("trust".into(), "0 none to 1 full".into())],
        hoods: vec![
            vec![vec![0.41], vec![0.42], vec![0.43], vec![0.44]],
            vec![vec![0.61], vec![0.62], vec![0.63], vec![0.64]],
        ],
        debrief: Some(Debrief {
            round: 1,
            question: "trust at week 12? (0-1)".into(),
            outcome: 0.52,
            week: 12,
        }),
    }
}
