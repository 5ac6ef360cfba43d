//! Property tests: random sequences of operations, clock moves, restarts and kills, with
//! the engine's invariants checked on everything observers saw.

mod common;
use common::*;
use otel_sessions_engine::*;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
enum Op {
    Current,
    Touch,
    Record,
    Foreground,
    Background,
    End,
    SetAttr(u8, i64),
    RemoveAttr(u8),
    MarkSampled,
    Advance(i64),
    WallJump(i64),
    Poll,
    Restart,
    Kill,
    Reboot(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Current),
        2 => Just(Op::Touch),
        3 => Just(Op::Record),
        2 => Just(Op::Foreground),
        2 => Just(Op::Background),
        1 => Just(Op::End),
        1 => (0u8..4, any::<i64>()).prop_map(|(k, v)| Op::SetAttr(k, v)),
        1 => (0u8..4).prop_map(Op::RemoveAttr),
        1 => Just(Op::MarkSampled),
        6 => prop_oneof![0i64..2 * MIN, 0i64..30 * MIN, 0i64..6 * HOUR].prop_map(Op::Advance),
        1 => (-5 * DAY..5 * DAY).prop_map(Op::WallJump),
        2 => Just(Op::Poll),
        1 => Just(Op::Restart),
        1 => Just(Op::Kill),
        1 => (0i64..2 * HOUR).prop_map(Op::Reboot),
    ]
}

fn any_policy() -> impl Strategy<Value = SessionPolicy> {
    (
        prop_oneof![Just(0i64), 1i64..20 * MIN, Just(15 * MIN)],
        prop_oneof![Just(None), (1i64..60 * MIN).prop_map(Some)],
        prop_oneof![(1i64..6 * HOUR), Just(4 * HOUR)],
        any::<bool>(),
    )
        .prop_map(|(bg, inact, max, resume)| {
            policy()
                .background_timeout(ms(bg))
                .inactivity_timeout(inact.map(ms))
                .max_duration(ms(max))
                .resume_across_launches(resume)
                .build()
                .unwrap()
        })
}

/// What the test tracks of the app, to judge each end reason.
struct Model {
    foreground: bool,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256), ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_any_sequence(policy in any_policy(), ops in prop::collection::vec(op(), 1..80)) {
        let w = World::new(policy.clone());
        let (mut engine, mut rec) = w.launch();
        let mut recorders = vec![rec.clone()];
        let mut model = Model { foreground: true };
        let mut last_seq: HashMap<SessionId, u64> = HashMap::new();
        let attr_key = |k: u8| format!("attr.{k}");

        for op in &ops {
            match op {
                Op::Current => { engine.current(); }
                Op::Touch => engine.touch(),
                Op::Record => {
                    let stamp = engine.record();
                    prop_assert!(!stamp.session.pending, "a record starts a pending session");
                    let prev = last_seq.insert(stamp.session.id, stamp.sequence).unwrap_or(0);
                    prop_assert!(stamp.sequence > prev, "sequence goes up: {} after {}", stamp.sequence, prev);
                }
                Op::Foreground => { engine.foreground(); model.foreground = true; }
                Op::Background => { engine.background(); model.foreground = false; }
                Op::End => {
                    let before = engine.current();
                    let after = engine.end();
                    prop_assert_ne!(before.id, after.id);
                    prop_assert!(!after.pending);
                }
                Op::SetAttr(k, v) => engine.set_attribute(&attr_key(*k), AttributeValue::Int(*v)).unwrap(),
                Op::RemoveAttr(k) => { engine.remove_attribute(&attr_key(*k)).unwrap(); }
                Op::MarkSampled => { engine.mark_sampled(); prop_assert!(engine.current().sampled); }
                Op::Advance(d) => w.advance(*d),
                Op::WallJump(d) => w.clock.set_wall(w.clock.now().wall_ms + d),
                Op::Poll => engine.poll(),
                Op::Restart | Op::Kill | Op::Reboot(_) => {
                    if matches!(op, Op::Kill) {
                        // Numbers handed out after the last save are handed out again after a
                        // kill (those records died with the process): the contract of persist().
                        last_seq.remove(&engine.current().id);
                        kill(engine)
                    } else {
                        drop(engine)
                    }
                    if let Op::Reboot(down) = op { w.clock.reboot(*down) }
                    let (e, r) = w.launch_with(|b| b.app_state(if model.foreground { AppState::Foreground } else { AppState::Background }));
                    engine = e;
                    rec = r;
                    recorders.push(rec.clone());
                }
            }
            // Exactly one current session, always a valid id.
            let cur = engine.current();
            prop_assert!(SessionId::parse(cur.id.as_str()).is_some());
        }
        engine.shutdown();

        // Check the whole story every observer saw, across launches.
        let mut open: Option<SessionId> = None;
        let mut last_closed: Option<SessionId> = None;
        let mut started = HashSet::new();
        let mut ended = HashSet::new();
        for r in &recorders {
            for seen in r.all() {
                let seen = match seen {
                    // At least once: a replay of what was already handled is ignored.
                    Seen::Replay(inner) => match *inner {
                        Seen::Started(s) if started.contains(&s.id) => continue,
                        Seen::Ended(e) if ended.contains(&e.session.id) => continue,
                        other => other,
                    },
                    other => other,
                };
                match seen {
                    Seen::Started(s) => {
                        prop_assert!(open.is_none(), "start of {:?} while {:?} is open", s.id, open);
                        prop_assert!(started.insert(s.id), "id reused: {:?}", s.id);
                        prop_assert!(!s.pending);
                        if let Some(prev) = s.previous_id {
                            prop_assert_ne!(prev, s.id);
                            prop_assert_eq!(Some(prev), last_closed, "previous_id chain");
                        } else {
                            prop_assert!(last_closed.is_none(), "only the first session has no previous id");
                        }
                        open = Some(s.id);
                    }
                    Seen::Ended(e) => {
                        prop_assert_eq!(open, Some(e.session.id), "end of a session that is not open");
                        prop_assert!(ended.insert(e.session.id), "second end of {:?}", e.session.id);
                        prop_assert!(e.duration_ms >= 0 && e.duration_ms <= policy.max_duration().as_millis() as i64);
                        prop_assert_eq!(e.end_time_ms, e.session.start_time_ms + e.duration_ms);
                        match e.reason {
                            EndReason::MaxDuration => prop_assert_eq!(e.duration_ms as u128, policy.max_duration().as_millis()),
                            EndReason::Inactivity => prop_assert!(policy.inactivity_timeout().is_some()),
                            EndReason::Relaunch => prop_assert!(!policy.resume_across_launches()),
                            _ => {}
                        }
                        if let Some(&n) = last_seq.get(&e.session.id) {
                            prop_assert!(e.record_count <= n, "count {} beyond last stamped {}", e.record_count, n);
                        }
                        last_closed = Some(e.session.id);
                        open = None;
                    }
                    Seen::Changed(..) | Seen::Replay(_) => {}
                }
            }
        }
        prop_assert!(ended.is_subset(&started));
        // Only the session still current may be open.
        if let Some(id) = open {
            prop_assert_eq!(id, engine.current().id);
        }
    }

    #[test]
    fn a_foreground_session_ends_only_by_max_duration_manual_inactivity_or_a_launch(
        steps in prop::collection::vec((0i64..20 * MIN, 0u8..3), 1..200)
    ) {
        let w = World::default_policy();
        let (engine, rec) = w.launch();
        for (d, action) in steps {
            w.advance(d);
            match action { 0 => engine.touch(), 1 => { engine.record(); }, _ => { engine.current(); } }
        }
        for e in rec.ends() {
            prop_assert_eq!(e.reason, EndReason::MaxDuration);
            prop_assert_eq!(e.duration_ms, 4 * HOUR);
        }
    }
}
