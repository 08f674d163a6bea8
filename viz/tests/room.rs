//! The participatory room beside the window, without a window: phones join
//! over real WebSockets, a round's votes become the PB allocation of the
//! chosen sides, predictions meet the outcome at the debrief, an accepted
//! proposal applies like its button, and the saved session (both sides and
//! room-log.csv) replays through the library exactly.

use coserve::Scenario;
use coserve_room::Phase;
use coserve_viz::panels::{Target, intervention_buttons, prediction_summary, proposal_button};
use coserve_viz::room::{RoomSession, RoundPlan, city_view, reachable};
use coserve_viz::runner::Command;
use coserve_viz::snapshot::Snapshot;
use coserve_viz::workshop::Workshop;
use serde_json::{Value, json};
use std::net::TcpStream;
use tungstenite::stream::MaybeTlsStream;

mod common;

type Phone = tungstenite::WebSocket<MaybeTlsStream<TcpStream>>;

fn phone(room: &RoomSession) -> Phone {
    tungstenite::connect(format!("ws://{}/ws", room.address()))
        .expect("the room accepts a phone")
        .0
}

fn ask(phone: &mut Phone, message: Value) -> Value {
    phone
        .send(tungstenite::Message::text(message.to_string()))
        .unwrap();
    loop {
        if let tungstenite::Message::Text(t) = phone.read().unwrap() {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

fn apply(w: &mut Workshop, command: Command) {
    match command {
        Command::Intervene { label, sides } => {
            w.intervene(&label, &sides).unwrap();
        }
        other => panic!("expected a change of knobs, got {other:?}"),
    }
}

#[test]
fn a_room_round_decides_the_pb_split_and_the_saved_session_replays_it() {
    let dir = tempfile::tempdir().unwrap();
    let source = common::small_city(
        dir.path(),
        &["city.residents=3000", "run.ticks=30", "run.warmup=0"],
    );
    let mut w = Workshop::open_with(source, [None, Some("participatory_budgeting")]).unwrap();
    let mut room = RoomSession::start("127.0.0.1:0".parse().unwrap(), &Snapshot::of(&w)).unwrap();
    assert!(room.join_url.ends_with(&format!("/?code={}", room.code)));
    assert!(room.qr.width >= 21 && room.qr.dark.len() == room.qr.width * room.qr.width);
    for _ in 0..5 {
        w.step();
    }
    assert!(room.update(&Snapshot::of(&w), &[0, 1]).is_empty());
    room.plan = RoundPlan {
        chart: 0,
        side: 1,
        weeks: 10,
    };
    room.open_round(&Snapshot::of(&w)).unwrap();
    let question = &room.rounds[0].question;
    assert!(
        question.starts_with(
            "coverage on the right side (participatory_budgeting) 10 weeks after the vote?"
        ),
        "{question}"
    );
    // The city waits while the room decides.
    assert!(matches!(
        room.update(&Snapshot::of(&w), &[0, 1])[..],
        [Command::Pause]
    ));

    let (hoods, domains) = (w.sides[0].hoods.len(), 4);
    let mut phones = Vec::new();
    for (i, vote) in [[(0, 0, 1.0)], [(0, 0, 3.0)], [(hoods - 1, 2, 1.0)]]
        .iter()
        .enumerate()
    {
        let mut p = phone(&room);
        let welcome = ask(
            &mut p,
            json!({"type": "join", "room": room.code, "name": format!("p{i}")}),
        );
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        let voted = ask(&mut p, json!({"type": "vote", "round": 1, "weights": vote}));
        assert_eq!(voted["type"], "accepted", "{voted}");
        let predicted = ask(
            &mut p,
            json!({"type": "predict", "round": 1, "value": 0.5 + i as f64 / 10.0}),
        );
        assert_eq!(predicted["type"], "accepted");
        phones.push(p);
    }
    let proposed = ask(
        &mut phones[2],
        json!({"type": "propose", "round": 1, "proposal": "open_platform"}),
    );
    assert_eq!(proposed["type"], "accepted");
    let state = room.state();
    assert_eq!(
        (state.participants, state.voters, state.predictions),
        (3, 3, 3)
    );

    // Phones see the city as it stands: five weeks of both sides' charts and
    // every neighbourhood's numbers.
    let city = ask(&mut phones[0], json!({"type": "city"}));
    let city = &city["city"];
    assert_eq!(city["week"], 5);
    assert_eq!(city["charts"].as_array().unwrap().len(), 4);
    assert_eq!(city["charts"][0]["values"][1].as_array().unwrap().len(), 5);
    assert_eq!(city["hoods"][1].as_array().unwrap().len(), hoods);
    assert_eq!(city["services"].as_array().unwrap().len(), domains);

    // Simulate: the tally (each vote normalised, one person one vote)
    // becomes the allocation of both sides, then the round's weeks run.
    room.simulate().unwrap();
    let commands = room.update(&Snapshot::of(&w), Target::Both.sides());
    let mut expected = vec![0.0; hoods * domains];
    expected[0] = 2.0;
    expected[(hoods - 1) * domains + 2] = 1.0;
    match &commands[0] {
        Command::Intervene { label, sides } => {
            assert_eq!(label, "the room's PB vote, round 1");
            assert_eq!(sides.len(), 2);
            let set: Vec<f64> = sides[1].1["pb_allocation"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_float().unwrap())
                .collect();
            assert_eq!(set, expected);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(commands[1], Command::PlayUntil(15)));
    apply(&mut w, commands[0].clone());
    let late = ask(
        &mut phones[0],
        json!({"type": "vote", "round": 1, "weights": [[0, 0, 1.0]]}),
    );
    assert!(
        late["message"].as_str().unwrap().contains("not open"),
        "{late}"
    );
    while w.tick() < 15 {
        w.step();
        assert!(room.update(&Snapshot::of(&w), &[0, 1]).is_empty(), "once");
    }

    // The facilitator accepts the proposal: it applies as its button does.
    room.accept(0).unwrap();
    assert!(room.accept(5).unwrap_err().contains("no proposal 5"));
    let accepted = room.take_accepted();
    assert_eq!(accepted.len(), 1);
    let snap = Snapshot::of(&w);
    apply(
        &mut w,
        intervention_buttons(&snap, Target::Right)[proposal_button(accepted[0])]
            .1
            .clone(),
    );

    room.debrief().unwrap();
    assert!(room.update(&snap, &[0, 1]).is_empty());
    let record = &room.rounds[0];
    let coverage = w.sides[1].history[14].coverage;
    assert_eq!(record.outcome, Some((coverage, 15)));
    assert_eq!(record.predictions.len(), 3);
    // Phones are shown the outcome too.
    let city = ask(&mut phones[1], json!({"type": "city"}));
    assert_eq!(city["city"]["debrief"]["outcome"], json!(coverage));
    assert_eq!(city["city"]["debrief"]["week"], 15);
    assert_eq!(room.state().phase, Some(Phase::Debrief));
    while !w.finished() {
        w.step();
    }

    // The saved session replays each side, room votes included, and the
    // room's log lists what everyone did, by display name.
    let saved = w.save(Some(&room.log_csv())).unwrap();
    assert_eq!(
        common::file_names(&saved),
        [
            "city-session-1-left.toml",
            "city-session-1-right.toml",
            "city-session-1-room-log.csv"
        ]
    );
    for (path, side) in saved.iter().zip(&w.sides) {
        let shown: Vec<String> = side.history.iter().map(|r| format!("{r:?}")).collect();
        assert_eq!(
            common::run_file(path),
            shown,
            "{} replays its side",
            path.display()
        );
    }
    // The vote mattered: without it the PB side runs differently.
    let mut without = Scenario::load(&saved[1], &[]).unwrap();
    without
        .interventions
        .retain(|iv| !iv.label.contains("PB vote"));
    assert_ne!(common::run(without), common::run_file(&saved[1]));

    let log = std::fs::read_to_string(&saved[2]).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines[0], "week,round,name,role,kind,detail");
    let count = |kind: &str| {
        lines
            .iter()
            .filter(|l| l.contains(&format!(",{kind},")))
            .count()
    };
    assert_eq!(
        (
            count("vote"),
            count("prediction"),
            count("proposal"),
            count("accepted")
        ),
        (3, 3, 1, 1)
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("15,1,p2,,accepted,OpenPlatform")),
        "{log}"
    );
}

#[test]
fn phones_see_a_grid_city_laid_out_within_the_unit_square() {
    let dir = tempfile::tempdir().unwrap();
    let source = common::small_city(dir.path(), &["city.residents=2000", "run.warmup=0"]);
    let mut w = Workshop::open(source).unwrap();
    w.step();
    let view = city_view(&Snapshot::of(&w));
    assert_eq!(view.layout.len(), view.names.len());
    assert!(
        view.layout
            .iter()
            .flatten()
            .all(|v| (0.0..=1.0).contains(v))
    );
    // Distinct places: no two neighbourhoods on the same spot.
    let mut places: Vec<_> = view
        .layout
        .iter()
        .map(|p| (p[0].to_bits(), p[1].to_bits()))
        .collect();
    places.sort();
    places.dedup();
    assert_eq!(places.len(), view.layout.len());
    assert_eq!(view.sides, ["left: public", "right: co_created"]);
}

#[test]
fn the_debrief_says_how_many_saw_the_direction_coming() {
    assert_eq!(
        prediction_summary(0.5, 0.4, &[]),
        "nobody predicted this round"
    );
    assert_eq!(
        prediction_summary(0.5, 0.4, &[0.3, 0.45, 0.6, 0.7]),
        "4 predictions, median 0.53; it fell, and 2 of 4 saw that coming"
    );
    assert_eq!(
        prediction_summary(f64::NAN, 0.4, &[0.3]),
        "1 prediction, median 0.30"
    );
}

#[test]
fn a_wildcard_address_is_shown_as_one_phones_can_reach() {
    let loopback = "127.0.0.1:8765".parse().unwrap();
    assert_eq!(reachable(loopback), loopback);
    let any = reachable("0.0.0.0:8765".parse().unwrap());
    assert_eq!(any.port(), 8765);
}

#[test]
fn a_round_run_from_a_facilitators_phone_has_the_same_effects() {
    let dir = tempfile::tempdir().unwrap();
    let source = common::small_city(dir.path(), &["city.residents=2000", "run.warmup=0"]);
    let mut w = Workshop::open_with(source, [None, Some("participatory_budgeting")]).unwrap();
    let mut room = RoomSession::start("127.0.0.1:0".parse().unwrap(), &Snapshot::of(&w)).unwrap();
    let refused = room.open_round(&Snapshot::of(&w)).unwrap_err();
    assert!(refused.contains("run a week first"), "{refused}");
    w.step();
    let mut facilitator = phone(&room);
    let secret = room.secret();
    let mut act = |action: Value| {
        let mut message = json!({"type": "facilitate", "secret": secret});
        message
            .as_object_mut()
            .unwrap()
            .extend(action.as_object().unwrap().clone());
        assert_eq!(ask(&mut facilitator, message)["type"], "accepted");
    };
    act(json!({"action": "open_round", "question": "will trust rise?"}));
    let snap = Snapshot::of(&w);
    assert!(matches!(room.update(&snap, &[1])[..], [Command::Pause]));
    let record = room.rounds.last().unwrap().clone();
    assert_eq!(
        (record.round, record.question.as_str()),
        (1, "will trust rise?")
    );
    assert_eq!(
        (record.from, record.to),
        (1, 1 + RoundPlan::default().weeks)
    );

    let mut voter = phone(&room);
    ask(
        &mut voter,
        json!({"type": "join", "room": room.code, "name": "v"}),
    );
    ask(
        &mut voter,
        json!({"type": "vote", "round": 1, "weights": [[1, 1, 1.0]]}),
    );
    act(json!({"action": "simulate"}));
    let commands = room.update(&snap, &[1]);
    assert!(
        matches!(&commands[..], [Command::Intervene { sides, .. }, Command::PlayUntil(9)] if sides.len() == 1 && sides[0].0 == 1),
        "{commands:?}"
    );
    assert!(room.update(&snap, &[1]).is_empty(), "the vote applies once");
}
