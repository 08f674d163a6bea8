//! The room over real WebSockets on loopback: 100 phones at once join, vote,
//! lose the connection and rejoin; malformed, oversized and binary messages
//! are answered without harm; a phone cannot act as the facilitator; only
//! `/ws` is served.

use coserve_room::protocol::ServerMessage;
use coserve_room::{Room, RoomServer};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

type Phone =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> Phone {
    tokio_tungstenite::connect_async(url)
        .await
        .expect("the server accepts")
        .0
}

async fn ask(phone: &mut Phone, text: &str) -> ServerMessage {
    phone.send(Message::text(text)).await.expect("sent");
    loop {
        match phone.next().await.expect("an answer").expect("a frame") {
            Message::Text(t) => return serde_json::from_str(t.as_str()).expect("a server message"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn is_error(answer: &ServerMessage, says: &str) -> bool {
    matches!(answer, ServerMessage::Error { message } if message.contains(says))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_phones_vote_over_websockets_and_the_allocation_is_their_tally() {
    let (hoods, domains) = (16, 4);
    let server = RoomServer::start(
        Room::new(hoods, domains).unwrap(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap();
    server.set_week(52);
    let url = format!("ws://{}/ws", server.address());
    let (code, secret) = server.with_room(|r| (r.code().to_string(), r.secret().to_string()));

    let mut facilitator = connect(&url).await;
    let open = format!(
        "{{\"type\":\"facilitate\",\"secret\":\"{secret}\",\"action\":\"open_round\",\"question\":\"trust at week 104?\"}}"
    );
    assert_eq!(ask(&mut facilitator, &open).await, ServerMessage::Accepted);

    let phones: Vec<_> = (0..100)
        .map(|i| {
            let (url, code) = (url.clone(), code.clone());
            tokio::spawn(async move {
                let mut phone = connect(&url).await;
                let join = format!("{{\"type\":\"join\",\"room\":\"{code}\",\"name\":\"p{i}\"}}");
                let ServerMessage::Welcome {
                    participant, token, ..
                } = ask(&mut phone, &join).await
                else {
                    panic!("not welcomed")
                };
                let vote = format!(
                    "{{\"type\":\"vote\",\"round\":1,\"weights\":[[{},{},1]]}}",
                    i % 16,
                    i % 4
                );
                assert_eq!(ask(&mut phone, &vote).await, ServerMessage::Accepted);
                if i % 10 == 0 {
                    // The phone sleeps and the connection drops; it comes back.
                    drop(phone);
                    phone = connect(&url).await;
                    let rejoin = format!("{{\"type\":\"rejoin\",\"token\":\"{token}\"}}");
                    let ServerMessage::Welcome {
                        participant: again, ..
                    } = ask(&mut phone, &rejoin).await
                    else {
                        panic!("not welcomed back")
                    };
                    assert_eq!(again, participant, "the same participant");
                }
                assert!(is_error(
                    &ask(&mut phone, &vote).await,
                    "voted in this round already"
                ));
                // A phone cannot act as the facilitator.
                let pretend =
                    "{\"type\":\"facilitate\",\"secret\":\"guessed\",\"action\":\"simulate\"}";
                assert!(is_error(
                    &ask(&mut phone, pretend).await,
                    "only the facilitator"
                ));
                (i, participant)
            })
        })
        .collect();
    let mut expected = vec![0.0; hoods * domains];
    for phone in phones {
        let (i, _) = phone.await.expect("a phone's task");
        expected[(i % 16) * domains + i % 4] += 1.0;
    }
    let (tally, log, joined) =
        server.with_room(|r| (r.tally(1).unwrap(), r.log().to_vec(), r.participants()));
    assert_eq!(joined, 100, "rejoining made no new participants");
    assert_eq!(tally, expected, "the allocation is the votes' tally");
    assert_eq!(log.len(), 100);
    assert!(log.iter().all(|e| e.week == 52 && e.kind == "vote"));
    assert_eq!(
        server.with_room(|r| r.round().0),
        1,
        "no phone moved the round"
    );
    // The window facilitates without the secret: a wrong proposal number
    // is refused in words, and the round moves on.
    let refused = server.facilitate(coserve_room::protocol::Action::Accept { proposal: 0 });
    assert!(refused.unwrap_err().contains("no proposal 0"));
    server
        .facilitate(coserve_room::protocol::Action::Simulate)
        .unwrap();
    assert_eq!(
        server.with_room(|r| r.round()),
        (1, coserve_room::Phase::Simulating)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_are_answered_and_the_server_serves_on() {
    let server =
        RoomServer::start(Room::new(4, 2).unwrap(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("ws://{}/ws", server.address());
    let mut phone = connect(&url).await;
    assert!(is_error(
        &ask(&mut phone, "{not json").await,
        "not a message the room understands"
    ));
    assert!(is_error(
        &ask(&mut phone, &"x".repeat(20_000)).await,
        "message too long"
    ));
    phone.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    match phone.next().await.unwrap().unwrap() {
        Message::Text(t) => assert!(t.as_str().contains("not binary")),
        other => panic!("{other:?}"),
    }
    // Still the same connection, still answered.
    assert!(is_error(
        &ask(&mut phone, "{\"type\":\"predict\",\"round\":0,\"value\":1}").await,
        "join the room first"
    ));

    // A connection that never joins is closed after 20 messages.
    let mut stranger = connect(&url).await;
    for _ in 0..20 {
        assert!(is_error(&ask(&mut stranger, "{}").await, "not a message"));
    }
    stranger.send(Message::text("{}")).await.ok();
    let closed = matches!(
        stranger.next().await,
        None | Some(Err(_)) | Some(Ok(Message::Close(_)))
    );
    assert!(closed, "a connection that never joins is closed");

    // A frame far over the limit closes that connection only.
    let mut flooder = connect(&url).await;
    flooder.send(Message::text("y".repeat(2 << 20))).await.ok();
    let closed = matches!(
        flooder.next().await,
        None | Some(Err(_)) | Some(Ok(Message::Close(_)))
    );
    assert!(closed, "the oversized frame's connection is closed");
    let mut other = connect(&url).await;
    assert!(is_error(&ask(&mut other, "{}").await, "not a message"));

    // The phone page, from the program itself.
    let page = get(server.address(), "/").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<title>coserve room</title>"));
    // Nothing else: no files, no paths outside.
    for path in [
        "/../Cargo.toml",
        "/ws/../../etc/passwd",
        "/index.html",
        "/assets/phone.html",
    ] {
        let reply = get(server.address(), path).await;
        assert!(reply.starts_with("HTTP/1.1 404"), "{path}: {reply}");
    }
}

async fn get(address: std::net::SocketAddr, path: &str) -> String {
    let mut tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    tcp.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut reply = String::new();
    tcp.read_to_string(&mut reply).await.unwrap();
    reply
}
