//! The room's protocol with 100 simulated participants: joining, voting,
//! losing the connection and rejoining, refused double votes, a wrong code,
//! malformed and oversized messages, a participant trying a facilitator's
//! action, and the PB allocation the votes make.

use coserve_room::protocol::{MAX_MESSAGE_BYTES, Proposal, Role, ServerMessage};
use coserve_room::{Phase, Room};

fn welcome(answer: &ServerMessage) -> (usize, String) {
    match answer {
        ServerMessage::Welcome {
            participant, token, ..
        } => (*participant, token.clone()),
        other => panic!("expected a welcome, got {other:?}"),
    }
}

fn error(answer: &ServerMessage) -> &str {
    match answer {
        ServerMessage::Error { message } => message,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn facilitate(room: &mut Room, action: &str) -> ServerMessage {
    let secret = room.secret().to_string();
    let text = format!("{{\"type\":\"facilitate\",\"secret\":\"{secret}\",{action}}}");
    room.handle(None, &text, 0.0, 0).1
}

#[test]
fn a_hundred_participants_vote_rejoin_and_the_tally_is_their_votes() {
    let (hoods, domains) = (16, 4);
    let mut room = Room::new(hoods, domains).unwrap();
    assert_eq!(room.code().len(), 4);
    let code = room.code().to_lowercase(); // typed in lower case on a phone
    let mut people = Vec::new();
    for i in 0..100 {
        let join = format!("{{\"type\":\"join\",\"room\":\"{code}\",\"name\":\"p{i}\"}}");
        let (who, answer, _) = room.handle(None, &join, i as f64, 0);
        let (id, token) = welcome(&answer);
        assert_eq!(who, Some(id));
        people.push((id, token));
    }
    assert_eq!(room.participants(), 100);
    // And no more than the room holds.
    for i in 100..coserve_room::MAX_PARTICIPANTS {
        let join = format!("{{\"type\":\"join\",\"room\":\"{code}\",\"name\":\"q{i}\"}}");
        assert!(room.handle(None, &join, 0.0, 0).0.is_some());
    }
    let join = format!("{{\"type\":\"join\",\"room\":\"{code}\",\"name\":\"late\"}}");
    assert!(error(&room.handle(None, &join, 0.0, 0).1).contains("the room is full"));

    // Votes before a round is open are refused.
    let early = "{\"type\":\"vote\",\"round\":1,\"weights\":[[0,0,1.0]]}";
    assert!(error(&room.handle(Some(0), early, 200.0, 0).1).contains("not open"));

    assert_eq!(
        facilitate(
            &mut room,
            "\"action\":\"open_round\",\"question\":\"trust at week 104?\""
        ),
        ServerMessage::Accepted
    );
    assert_eq!(room.round(), (1, Phase::Deciding));
    // Participant i puts weight 1 on neighbourhood i % 16, domain i % 4,
    // and 3 on neighbourhood 0, domain 0.
    let mut expected = vec![0.0; hoods * domains];
    for (i, (id, _)) in people.iter().enumerate() {
        let (n, d) = (i % hoods, i % domains);
        let vote = format!("{{\"type\":\"vote\",\"round\":1,\"weights\":[[{n},{d},1],[0,0,3]]}}");
        assert_eq!(
            room.handle(Some(*id), &vote, 300.0 + i as f64, 30).1,
            ServerMessage::Accepted
        );
        expected[n * domains + d] += 0.25;
        expected[0] += 0.75;
    }
    // A phone that slept rejoins as itself, and cannot vote twice.
    let (id, token) = &people[42];
    let (who, answer, _) = room.handle(
        None,
        &format!("{{\"type\":\"rejoin\",\"token\":\"{token}\"}}"),
        500.0,
        30,
    );
    assert_eq!((who, welcome(&answer).0), (Some(*id), *id));
    let again = "{\"type\":\"vote\",\"round\":1,\"weights\":[[5,1,1]]}";
    assert!(error(&room.handle(who, again, 501.0, 30).1).contains("voted in this round already"));
    // A made-up token is refused.
    let fake = room.handle(None, "{\"type\":\"rejoin\",\"token\":\"ZZZZ\"}", 502.0, 30);
    assert_eq!(fake.0, None);
    assert!(error(&fake.1).contains("unknown token"));

    let tally = room.tally(1).unwrap();
    for (t, e) in tally.iter().zip(&expected) {
        assert!((t - e).abs() < 1e-12, "{t} vs {e}");
    }
    assert!(
        (tally.iter().sum::<f64>() - 100.0).abs() < 1e-9,
        "one person, one vote"
    );
    assert_eq!(room.tally(2), None, "nobody voted in round 2");
    assert_eq!(room.log().iter().filter(|e| e.kind == "vote").count(), 100);
    assert!(room.log().iter().all(|e| e.week == 30 && e.round == 1));

    // Closed for the simulation: nothing more is taken.
    facilitate(&mut room, "\"action\":\"simulate\"");
    let late = "{\"type\":\"predict\",\"round\":1,\"value\":0.5}";
    assert!(error(&room.handle(Some(7), late, 600.0, 31).1).contains("not open"));
}

#[test]
fn strangers_bad_messages_and_pretend_facilitators_are_refused() {
    let mut room = Room::new(4, 2).unwrap();
    let wrong = room.handle(
        None,
        "{\"type\":\"join\",\"room\":\"XXXX\",\"name\":\"a\"}",
        0.0,
        0,
    );
    assert_eq!(wrong.0, None);
    assert!(error(&wrong.1).contains("no room with that code"));
    let join = format!(
        "{{\"type\":\"join\",\"room\":\"{}\",\"name\":\"Ana\"}}",
        room.code()
    );
    let (me, _, _) = room.handle(None, &join, 0.0, 0);
    for (text, says) in [
        ("not json", "not a message the room understands"),
        ("{\"type\":\"dance\"}", "not a message the room understands"),
        (
            "{\"type\":\"vote\",\"round\":\"one\"}",
            "not a message the room understands",
        ),
        (
            "{\"type\":\"facilitate\",\"secret\":\"guess\",\"action\":\"simulate\"}",
            "only the facilitator",
        ),
        (
            "{\"type\":\"role\",\"role\":{\"resident\":{\"neighbourhood\":9}}}",
            "no neighbourhood 9",
        ),
    ] {
        let (who, answer, accepted) = room.handle(me, text, 1.0, 0);
        assert_eq!((who, accepted), (me, None));
        assert!(error(&answer).contains(says), "{text}: {answer:?}");
    }
    let huge = format!(
        "{{\"type\":\"join\",\"room\":\"{}\",\"name\":\"{}\"}}",
        room.code(),
        "x".repeat(MAX_MESSAGE_BYTES)
    );
    assert!(error(&room.handle(None, &huge, 2.0, 0).1).contains("message too long"));
    let long_name = format!(
        "{{\"type\":\"join\",\"room\":\"{}\",\"name\":\"{}\"}}",
        room.code(),
        "x".repeat(40)
    );
    assert!(error(&room.handle(None, &long_name, 2.0, 0).1).contains("a name of 1 to 32"));
    // A bell, a right-to-left override, a zero-width space.
    for name in ["a\\u0007b", "\\u202Eevil", "a\\u200Bb"] {
        let join = format!(
            "{{\"type\":\"join\",\"room\":\"{}\",\"name\":\"{name}\"}}",
            room.code()
        );
        let answer = room.handle(None, &join, 2.0, 0).1;
        assert!(
            error(&answer).contains("no control or invisible characters"),
            "{name}"
        );
    }
    assert_eq!(
        room.round(),
        (0, Phase::Waiting),
        "nothing a phone sent changed the room"
    );
    let mistyped = room.handle(
        me,
        "{\"type\":\"join\",\"room\":\"XXXX\",\"name\":\"a\"}",
        2.5,
        0,
    );
    assert_eq!(
        mistyped.0, me,
        "a refused join leaves a participant who they were"
    );
    let anonymous = room.handle(
        None,
        "{\"type\":\"predict\",\"round\":0,\"value\":1}",
        3.0,
        0,
    );
    assert!(error(&anonymous.1).contains("join the room first"));

    // Votes must name real cells, with weights of at least 0, not all 0.
    facilitate(&mut room, "\"action\":\"open_round\",\"question\":\"q\"");
    for (weights, says) in [
        ("[[4,0,1]]", "no cell (4, 0)"),
        ("[[0,0,-1]]", "at least 0"),
        ("[[0,0,0]]", "at least one neighbourhood"),
        // Each weight is finite, but their sum is not: it would turn the
        // round's tally into NaN.
        ("[[0,0,1.7e308],[0,0,1.7e308]]", "weights too large"),
        ("[[0,0,1.7e308],[1,1,1.7e308]]", "weights too large"),
    ] {
        let vote = format!("{{\"type\":\"vote\",\"round\":1,\"weights\":{weights}}}");
        assert!(
            error(&room.handle(me, &vote, 10.0, 0).1).contains(says),
            "{weights}"
        );
    }
}

#[test]
fn a_flood_is_slowed_and_proposals_are_accepted_by_the_facilitator_only() {
    let mut room = Room::new(4, 2).unwrap();
    let join = format!(
        "{{\"type\":\"join\",\"room\":\"{}\",\"name\":\"Bo\"}}",
        room.code()
    );
    let (me, answer, _) = room.handle(None, &join, 0.0, 0);
    let (_, token) = welcome(&answer);
    facilitate(&mut room, "\"action\":\"open_round\",\"question\":\"q\"");
    let role = "{\"type\":\"role\",\"role\":\"agency\"}";
    let answers: Vec<ServerMessage> = (0..30).map(|_| room.handle(me, role, 1.0, 0).1).collect();
    let taken = answers
        .iter()
        .filter(|a| **a == ServerMessage::Accepted)
        .count();
    assert_eq!(taken, 10, "a burst of 10 at once");
    assert!(error(&answers[29]).contains("too many messages"));
    // A second later, 5 more.
    let later = (0..8)
        .filter(|_| room.handle(me, role, 2.0, 0).1 == ServerMessage::Accepted)
        .count();
    assert_eq!(later, 5);

    let propose = "{\"type\":\"propose\",\"round\":1,\"proposal\":\"open_platform\"}";
    assert_eq!(
        room.handle(me, propose, 10.0, 40).1,
        ServerMessage::Accepted
    );
    let secret = room.secret().to_string();
    let accept = |n: usize| {
        format!(
            "{{\"type\":\"facilitate\",\"secret\":\"{secret}\",\"action\":\"accept\",\"proposal\":{n}}}"
        )
    };
    let (_, answer, chosen) = room.handle(None, &accept(0), 11.0, 40);
    assert_eq!(
        (answer, chosen),
        (ServerMessage::Accepted, Some(Proposal::OpenPlatform))
    );
    assert!(error(&room.handle(None, &accept(3), 12.0, 40).1).contains("no proposal 3"));
    let kinds: Vec<&str> = room.log().iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["proposal", "accepted"]);
    let predict = "{\"type\":\"predict\",\"round\":1,\"value\":0.42}";
    assert_eq!(
        room.handle(me, predict, 20.0, 40).1,
        ServerMessage::Accepted
    );
    assert_eq!(room.predictions(1), [("Bo".to_string(), 0.42)]);
    // A phone that lost the connection comes back with its role.
    let rejoin = format!("{{\"type\":\"rejoin\",\"token\":\"{token}\"}}");
    match room.handle(None, &rejoin, 30.0, 40).1 {
        ServerMessage::Welcome { role, .. } => assert_eq!(role, Some(Role::Agency)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn phones_that_joined_see_the_city_and_the_log_is_csv() {
    let mut room = Room::new(2, 1).unwrap();
    let join = format!(
        "{{\"type\":\"join\",\"room\":\"{}\",\"name\":\"Ana, \\\"the\\\" planner\"}}",
        room.code()
    );
    let (who, ..) = room.handle(None, &join, 0.0, 3);
    // Nothing published yet, and nothing for strangers.
    let ask = "{\"type\":\"city\"}";
    assert_eq!(
        room.handle(who, ask, 0.0, 3).1,
        ServerMessage::City { city: None }
    );
    assert!(error(&room.handle(None, ask, 0.0, 3).1).contains("join the room first"));
    let city = coserve_room::protocol::CityView {
        week: 3,
        weeks: 10,
        names: vec!["north".into(), "south".into()],
        ..Default::default()
    };
    room.show_city(city.clone());
    assert_eq!(
        room.handle(who, ask, 1.0, 3).1,
        ServerMessage::City {
            city: Some(Box::new(city))
        }
    );

    let role = "{\"type\":\"role\",\"role\":{\"resident\":{\"neighbourhood\":1}}}";
    assert_eq!(room.handle(who, role, 1.5, 3).1, ServerMessage::Accepted);
    assert_eq!(room.roles(), (1, 0, 0));
    facilitate(&mut room, "\"action\":\"open_round\",\"question\":\"q\"");
    let propose = "{\"type\":\"propose\",\"round\":1,\"proposal\":\"open_platform\"}";
    assert_eq!(room.handle(who, propose, 2.0, 3).1, ServerMessage::Accepted);
    let vote = "{\"type\":\"vote\",\"round\":1,\"weights\":[[1,0,2.0]]}";
    assert_eq!(room.handle(who, vote, 2.0, 4).1, ServerMessage::Accepted);
    assert_eq!(room.voters(1), 1);
    assert_eq!(
        room.proposals(1),
        vec![("Ana, \"the\" planner".to_string(), Proposal::OpenPlatform)]
    );
    assert!(room.proposals(2).is_empty());
    // One connection is one participant: no second identity, no second vote.
    let again = format!(
        "{{\"type\":\"join\",\"room\":\"{}\",\"name\":\"Bo\"}}",
        room.code()
    );
    let (still, answer, _) = room.handle(who, &again, 3.0, 4);
    assert_eq!(still, who);
    assert!(error(&answer).contains("you have joined already"));
    assert_eq!(room.participants(), 1);
    // A name a spreadsheet would run as a formula is written as text.
    let join = format!(
        "{{\"type\":\"join\",\"room\":\"{}\",\"name\":\"=1+1\"}}",
        room.code()
    );
    let (other, ..) = room.handle(None, &join, 3.0, 4);
    let predict = "{\"type\":\"predict\",\"round\":1,\"value\":-0.5}";
    assert_eq!(
        room.handle(other, predict, 3.0, 4).1,
        ServerMessage::Accepted
    );
    assert_eq!((room.predictors(1), room.predictors(2)), (1, 0));
    // The name's comma and quotes are quoted, so the file reads back as
    // four columns per row whatever a participant calls themselves.
    assert_eq!(
        room.log_csv(),
        "week,round,name,role,kind,detail\n\
         3,1,\"Ana, \"\"the\"\" planner\",resident of 1,proposal,OpenPlatform\n\
         4,1,\"Ana, \"\"the\"\" planner\",resident of 1,vote,\"[(1, 0, 2.0)]\"\n\
         4,1,'=1+1,,prediction,-0.5\n"
    );
}
