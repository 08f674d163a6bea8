//! Many phones at once, to try a room before a workshop: each joins with
//! the code, then asks for the round and the city in turn five times a
//! second (the room's limit), voting and predicting whenever a round is
//! open, until stopped (Ctrl-C) or for the seconds given.
//!
//!     cargo run --release -p coserve-room --example phones -- ADDRESS CODE [PHONES] [SECONDS]
//!
//! ADDRESS is what coserve-viz printed (e.g. 127.0.0.1:8765); PHONES is
//! 100 by default. Prints how many joined and how many answers came back.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, code, ..] = args.as_slice() else {
        return Err("usage: phones ADDRESS CODE [PHONES] [SECONDS]".into());
    };
    let phones: usize = args.get(2).map_or(Ok(100), |n| n.parse())?;
    let seconds: u64 = args.get(3).map_or(Ok(u64::MAX), |n| n.parse())?;
    let answers = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..phones {
        let (url, code, answers) = (format!("ws://{address}/ws"), code.clone(), answers.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ws, _) = tokio_tungstenite::connect_async(url).await.ok()?;
            let mut ask = async |message: Value| -> Option<Value> {
                ws.send(Message::text(message.to_string())).await.ok()?;
                loop {
                    if let Message::Text(t) = ws.next().await?.ok()? {
                        answers.fetch_add(1, Ordering::Relaxed);
                        return serde_json::from_str(t.as_str()).ok();
                    }
                }
            };
            ask(json!({"type": "join", "room": code, "name": format!("phone {i}")})).await?;
            loop {
                let status = ask(json!({"type": "status"})).await?;
                if status["phase"] == "deciding" {
                    let (round, hoods) = (&status["round"], status["neighbourhoods"].as_u64()?);
                    ask(json!({"type": "vote", "round": round, "weights": [[i as u64 % hoods, 0, 1.0]]})).await?;
                    ask(json!({"type": "predict", "round": round, "value": 0.5})).await?;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                ask(json!({"type": "city"})).await?;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            #[allow(unreachable_code)]
            Some(())
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds.min(24 * 3600))).await;
    // A phone's task ends only when it could not connect or was dropped.
    let connected = tasks.iter().filter(|t| !t.is_finished()).count();
    println!(
        "{connected} of {phones} phones connected to the end; {} answers",
        answers.load(Ordering::Relaxed)
    );
    if connected == 0 && phones > 0 {
        return Err(format!("no phone could connect to the room at {address}").into());
    }
    Ok(())
}
