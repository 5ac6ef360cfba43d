//! When sessions start and end within one process.

mod common;
use common::*;
use otel_sessions_engine::*;

#[test]
fn first_launch_starts_a_session_eagerly() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    assert_eq!(engine.launch_outcome(), &LaunchOutcome::FirstLaunch);
    let starts = rec.starts();
    assert_eq!(
        starts.len(),
        1,
        "session.start is emitted at build, before any telemetry"
    );
    let s = engine.current();
    assert_eq!(starts[0].id, s.id);
    assert_eq!(s.previous_id, None);
    assert_eq!(s.start_time_ms, T0);
    assert!(!s.pending);
}

#[test]
fn foreground_within_the_background_timeout_keeps_the_session() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let id = engine.current().id;
    engine.background();
    w.advance(15 * MIN - 1);
    engine.foreground();
    assert_eq!(engine.current().id, id);
    assert!(rec.ends().is_empty());
}

#[test]
fn foreground_after_the_background_timeout_rotates_with_previous_id() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let first = engine.current();
    w.advance(5 * MIN);
    engine.background();
    w.advance(15 * MIN);
    engine.foreground();
    let second = engine.current();
    assert_ne!(second.id, first.id);
    assert_eq!(second.previous_id, Some(first.id));
    assert!(
        !second.pending,
        "foreground is activity: the new session has started"
    );
    let ends = rec.ends();
    assert_eq!(ends.len(), 1);
    assert_eq!(ends[0].reason, EndReason::BackgroundTimeout);
    assert_eq!(
        ends[0].end_time_ms,
        T0 + 5 * MIN,
        "ends when the user left, not at the timeout"
    );
    assert_eq!(ends[0].duration_ms, 5 * MIN);
    assert_eq!(second.start_time_ms, T0 + 20 * MIN);
}

#[test]
fn end_is_delivered_before_the_next_start_and_then_the_change() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    rec.take();
    let old = engine.current();
    let new = engine.end();
    match rec.all().as_slice() {
        [Seen::Ended(e), Seen::Started(s), Seen::Changed(cur, Some(prev))] => {
            assert_eq!(e.session.id, old.id);
            assert_eq!(e.reason, EndReason::Manual);
            assert_eq!(s.id, new.id);
            assert_eq!(cur.id, new.id);
            assert_eq!(prev.id, old.id);
        }
        other => panic!("unexpected notifications: {other:?}"),
    }
}

#[test]
fn background_timeout_ends_on_poll_and_the_successor_waits_for_activity() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let first = engine.current().id;
    engine.background();
    w.advance(15 * MIN);
    engine.poll();
    assert_eq!(
        rec.lifecycle().len(),
        2,
        "start + end: {:?}",
        rec.lifecycle()
    );
    let pending = engine.current();
    assert!(pending.pending);
    assert_eq!(pending.previous_id, Some(first));

    // Hours idle in the background produce no further sessions.
    for _ in 0..10 {
        w.advance(HOUR);
        engine.poll();
    }
    assert_eq!(rec.starts().len(), 1);
    assert_eq!(
        engine.current().id,
        pending.id,
        "reading does not start or replace it"
    );

    engine.touch();
    let started = engine.current();
    assert_eq!(started.id, pending.id);
    assert!(!started.pending);
    assert_eq!(
        started.start_time_ms,
        T0 + 15 * MIN + 10 * HOUR,
        "starts at its first activity"
    );
    assert_eq!(rec.starts().len(), 2);

    // Started in the background, it counts its background time from its start.
    w.advance(15 * MIN - 1);
    assert_eq!(engine.current().id, started.id);
    w.advance(1);
    assert!(engine.current().pending);
}

#[test]
fn background_activity_keeps_the_session_alive() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let id = engine.current().id;
    engine.background();
    for _ in 0..12 {
        w.advance(10 * MIN);
        engine.record();
    }
    assert_eq!(
        engine.current().id,
        id,
        "2 h of background work every 10 min"
    );
    w.advance(15 * MIN);
    engine.foreground();
    assert_eq!(rec.ends()[0].reason, EndReason::BackgroundTimeout);
    assert_eq!(rec.ends()[0].end_time_ms, T0 + 120 * MIN);
}

#[test]
fn reading_the_session_is_not_activity() {
    let w = World::new(
        policy()
            .inactivity_timeout(Some(ms(10 * MIN)))
            .build()
            .unwrap(),
    );
    let (engine, rec) = w.launch();
    let id = engine.current().id;
    for _ in 0..9 {
        w.advance(MIN);
        assert_eq!(engine.current().id, id);
    }
    w.advance(MIN - 1);
    assert_eq!(engine.current().id, id);
    w.advance(1);
    assert_ne!(engine.current().id, id, "expires at the deadline");
    assert_eq!(rec.ends()[0].reason, EndReason::Inactivity);
    assert_eq!(rec.ends()[0].end_time_ms, T0, "ends at the last activity");
}

#[test]
fn activity_pushes_the_inactivity_timeout_back() {
    let w = World::new(
        policy()
            .inactivity_timeout(Some(ms(10 * MIN)))
            .build()
            .unwrap(),
    );
    let (engine, rec) = w.launch();
    let id = engine.current().id;
    for _ in 0..20 {
        w.advance(9 * MIN);
        engine.record();
    }
    assert_eq!(engine.current().id, id);
    assert!(rec.ends().is_empty());
}

#[test]
fn max_duration_rotates_even_in_the_foreground() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let first = engine.current().id;
    for _ in 0..5 {
        w.advance(HOUR);
        engine.touch();
    }
    let ends = rec.ends();
    assert_eq!(ends.len(), 1);
    assert_eq!(ends[0].session.id, first);
    assert_eq!(ends[0].reason, EndReason::MaxDuration);
    assert_eq!(
        ends[0].end_time_ms,
        T0 + 4 * HOUR,
        "ends exactly at start + max"
    );
    assert_eq!(ends[0].duration_ms, 4 * HOUR);
    assert!(!engine.current().pending, "the touch started the successor");
}

#[test]
fn no_rotation_in_the_foreground_before_max_duration_without_inactivity_timeout() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let id = engine.current().id;
    w.advance(4 * HOUR - 1);
    engine.poll();
    assert_eq!(engine.current().id, id);
    assert!(rec.ends().is_empty());
}

#[test]
fn manual_end_starts_a_new_session_at_once_with_the_initial_attributes() {
    let w = World::default_policy();
    let (engine, rec) =
        w.launch_with(|b| b.initial_attribute("app.flavor", AttributeValue::String("beta".into())));
    engine
        .set_attribute("user.tier", AttributeValue::String("gold".into()))
        .unwrap();
    w.advance(1000);
    let old = engine.current();
    let new = engine.end();
    assert_eq!(new.previous_id, Some(old.id));
    assert!(!new.pending);
    assert_eq!(new.attributes.len(), 1);
    assert_eq!(
        new.attributes["app.flavor"],
        AttributeValue::String("beta".into())
    );
    let end = &rec.ends()[0];
    assert_eq!(end.reason, EndReason::Manual);
    assert_eq!(end.end_time_ms, T0 + 1000);
    assert_eq!(
        end.session.attributes.len(),
        2,
        "session.end carries the final attributes"
    );
}

#[test]
fn manual_end_of_a_pending_session_starts_one_without_an_end_event() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let first = engine.current().id;
    engine.background();
    w.advance(HOUR);
    let pending = engine.current();
    assert!(pending.pending);
    let new = engine.end();
    assert_ne!(new.id, pending.id);
    assert_eq!(
        new.previous_id,
        Some(first),
        "the chain skips the never-started session"
    );
    assert_eq!(rec.lifecycle().len(), 3, "{:?}", rec.lifecycle());
}

#[test]
fn expiry_carries_attributes_to_the_successor() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    engine
        .set_attribute("user.tier", AttributeValue::String("gold".into()))
        .unwrap();
    engine.background();
    w.advance(HOUR);
    engine.foreground();
    assert_eq!(
        engine.current().attributes["user.tier"],
        AttributeValue::String("gold".into())
    );
}

#[test]
fn record_numbers_are_gap_free_per_session_and_counted_in_session_end() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let first = engine.current().id;
    let seqs: Vec<u64> = (0..100).map(|_| engine.record().sequence).collect();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
    assert!(engine.add_dropped(&first, 3));
    let second = engine.end();
    assert_eq!(
        engine.record(),
        RecordStamp {
            session: second.clone(),
            sequence: 1
        }
    );
    let end = &rec.ends()[0];
    assert_eq!((end.record_count, end.dropped_count), (100, 3));
    assert!(
        !engine.add_dropped(&first, 1),
        "an ended session cannot be charged"
    );
}

#[test]
fn attribute_changes_notify_listeners_but_equal_values_do_not() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    rec.take();
    let v = || AttributeValue::Int(7);
    engine.set_attribute("cart.items", v()).unwrap();
    engine.set_attribute("cart.items", v()).unwrap();
    assert_eq!(engine.remove_attribute("cart.items"), Ok(true));
    assert_eq!(engine.remove_attribute("cart.items"), Ok(false));
    let seen = rec.all();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let Seen::Changed(cur, Some(prev)) = &seen[0] else {
        panic!("{seen:?}")
    };
    assert_eq!(cur.id, prev.id);
    assert_eq!(cur.attributes["cart.items"], v());
    assert!(prev.attributes.is_empty());
}

#[test]
fn bad_attributes_are_refused_with_typed_errors_and_change_nothing() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    assert!(matches!(
        engine.set_attribute("session.id", AttributeValue::Bool(true)),
        Err(AttributeError::ReservedKey { .. })
    ));
    assert!(matches!(
        engine.set_attribute("x", AttributeValue::Double(f64::NAN)),
        Err(AttributeError::NonFiniteNumber { .. })
    ));
    assert!(matches!(
        engine.remove_attribute(""),
        Err(AttributeError::EmptyKey)
    ));
    assert!(engine.current().attributes.is_empty());
    let b = Engine::builder(w.dir.path()).initial_attribute("", AttributeValue::Int(1));
    assert!(matches!(
        b.build(),
        Err(EngineError::InvalidInitialAttribute(
            AttributeError::EmptyKey
        ))
    ));
}

#[test]
fn sampling_is_decided_per_session_and_can_be_upgraded() {
    let w = World::new(policy().sample_rate(0.0).build().unwrap());
    let (engine, rec) = w.launch();
    assert!(!engine.current().sampled);
    assert!(engine.mark_sampled());
    assert!(!engine.mark_sampled());
    assert!(engine.current().sampled);
    assert!(!engine.end().sampled, "each session decides again");
    assert!(matches!(rec.all().last(), Some(Seen::Changed(..))));

    let w = World::new(policy().sample_rate(0.5).build().unwrap());
    let (engine, _) = w.launch();
    let sampled = (0..400).filter(|_| engine.end().sampled).count();
    assert!(
        (100..300).contains(&sampled),
        "{sampled} of 400 at rate 0.5"
    );
}

#[test]
fn history_keeps_the_most_recent_ended_sessions() {
    let w = World::new(policy().history_limit(3).build().unwrap());
    let (engine, _) = w.launch();
    let mut ended = vec![];
    for _ in 0..5 {
        ended.push(engine.current().id);
        w.advance(1000);
        engine.end();
    }
    let h = engine.history();
    assert_eq!(h.iter().map(|r| r.id).collect::<Vec<_>>(), ended[2..]);
    assert!(h
        .iter()
        .all(|r| r.reason == EndReason::Manual && r.end_time_ms - r.start_time_ms == 1000));
}

#[test]
fn zero_background_timeout_gives_a_session_per_visit() {
    let w = World::new(policy().background_timeout(ms(0)).build().unwrap());
    let (engine, rec) = w.launch();
    for _ in 0..3 {
        w.advance(MIN);
        engine.background();
        w.advance(1);
        engine.foreground();
    }
    assert_eq!(rec.starts().len(), 4);
    assert!(rec
        .ends()
        .iter()
        .all(|e| e.reason == EndReason::BackgroundTimeout));
}

#[test]
fn an_observer_may_call_the_engine_from_its_callback() {
    struct EndOnFirstStart(std::sync::Mutex<Option<Engine>>);
    impl SessionObserver for EndOnFirstStart {
        fn on_session_started(&self, _: &SessionStarted) {
            if let Some(e) = self.0.lock().unwrap().take() {
                e.set_attribute("from.callback", AttributeValue::Bool(true))
                    .unwrap();
                e.end();
            }
        }
    }
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let obs = std::sync::Arc::new(EndOnFirstStart(std::sync::Mutex::new(Some(engine.clone()))));
    engine.subscribe(obs);
    engine.end();
    // end → start(B) → callback ends B → start(C), all in order, no deadlock.
    let l = rec.lifecycle();
    assert_eq!(l.len(), 5, "{l:?}");
    assert!(l[1].starts_with("end") && l[2].starts_with("start") && l[3].starts_with("end"));
}

#[test]
fn a_panicking_observer_is_counted_and_others_still_run() {
    struct Boom;
    impl SessionObserver for Boom {
        fn on_session_started(&self, _: &SessionStarted) {
            panic!("observer bug");
        }
    }
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let id = engine.subscribe(std::sync::Arc::new(Boom));
    engine.end();
    assert_eq!(engine.diagnostics().observer_panics, 1);
    assert_eq!(rec.starts().len(), 2);
    assert!(engine.unsubscribe(id));
    assert!(!engine.unsubscribe(id));
}

#[test]
fn erase_starts_a_session_that_links_to_nothing_and_ends_nothing() {
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    let first = engine.current().id;
    w.advance(MIN);
    engine.end();
    assert_eq!(engine.history().len(), 1);
    let ends_before = rec.ends().len();
    let fresh = engine.erase();
    assert_ne!(fresh.id, first);
    assert_eq!(fresh.previous_id, None, "no link to an erased session");
    assert!(engine.history().is_empty(), "history erased");
    assert_eq!(
        rec.ends().len(),
        ends_before,
        "the erased session gets no session.end"
    );
    assert_eq!(
        rec.starts().last().unwrap().id,
        fresh.id,
        "the fresh one starts"
    );
    // A relaunch (after a kill) brings nothing erased back, not even as a replay.
    kill(engine);
    let (relaunched, rec2) = w.launch();
    assert!(relaunched.history().iter().all(|h| h.id != first));
    assert!(rec2.ends().iter().all(|e| e.session.id != first));
    assert!(rec2.starts().iter().all(|s| s.previous_id != Some(first)));
}
