//! Relaunches: resume, end at the next launch, and what survives on disk.

mod common;
use common::*;
use otel_sessions_engine::*;

#[test]
fn a_clean_relaunch_within_the_timeouts_resumes_the_same_session() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    let id = engine.current().id;
    engine.background();
    engine.shutdown();
    drop(engine);
    w.advance(10 * MIN);
    let (engine, rec) = w.launch();
    assert_eq!(engine.launch_outcome(), &LaunchOutcome::Resumed);
    assert_eq!(engine.current().id, id);
    assert!(rec.lifecycle().is_empty(), "resuming emits no events");
}

#[test]
fn a_process_killed_in_the_background_resumes_within_the_timeout() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    let id = engine.current().id;
    engine.background();
    kill(engine);
    w.advance(14 * MIN);
    let (engine, _) = w.launch();
    assert_eq!(engine.current().id, id);
}

#[test]
fn a_relaunch_after_the_background_timeout_ends_the_stored_session_at_its_last_activity() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    let id = engine.current().id;
    w.advance(3 * MIN);
    engine.background();
    kill(engine);
    w.advance(2 * HOUR);
    let (engine, rec) = w.launch();
    assert_eq!(
        engine.launch_outcome(),
        &LaunchOutcome::EndedPrevious(EndReason::BackgroundTimeout)
    );
    let ends = rec.ends();
    assert_eq!(ends.len(), 1);
    assert_eq!(ends[0].session.id, id);
    assert_eq!(ends[0].end_time_ms, T0 + 3 * MIN);
    let new = engine.current();
    assert_eq!(new.previous_id, Some(id));
    assert_eq!(new.start_time_ms, T0 + 3 * MIN + 2 * HOUR);
    assert_eq!(rec.lifecycle().len(), 2);
    assert!(rec.lifecycle()[0].starts_with("end"), "end before start");
}

#[test]
fn a_process_killed_in_the_foreground_ends_with_abnormal_termination() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    let id = engine.current().id;
    w.advance(MIN);
    engine.foreground(); // activity, saved at once
    for _ in 0..10 {
        engine.record();
    }
    engine.persist().unwrap();
    kill(engine);
    w.advance(5_000);
    let (engine, rec) = w.launch();
    assert_eq!(
        engine.launch_outcome(),
        &LaunchOutcome::EndedPrevious(EndReason::AbnormalTermination)
    );
    let end = &rec.ends()[0];
    assert_eq!(end.session.id, id);
    assert_eq!(
        end.end_time_ms,
        T0 + MIN,
        "ends at the last activity that reached the disk"
    );
    assert_eq!(end.record_count, 10);
    assert_eq!(engine.current().previous_id, Some(id));
}

#[test]
fn resume_switched_off_ends_the_stored_session_with_relaunch() {
    let w = World::new(policy().resume_across_launches(false).build().unwrap());
    let (engine, _) = w.launch();
    let id = engine.current().id;
    engine.shutdown();
    drop(engine);
    let (engine, rec) = w.launch();
    assert_eq!(rec.ends()[0].session.id, id);
    assert_eq!(rec.ends()[0].reason, EndReason::Relaunch);
    assert_ne!(engine.current().id, id);
}

#[test]
fn a_session_that_expired_before_the_crash_keeps_its_own_reason() {
    // Max duration passed while the process lived (its timer frozen), then it crashed.
    let w = World::new(policy().max_duration(ms(HOUR)).build().unwrap());
    let (engine, _) = w.launch();
    w.advance(2 * HOUR);
    engine.persist().unwrap(); // the process was alive at +2 h, but never checked expiry
    kill(engine);
    let (_engine, rec) = w.launch();
    assert_eq!(rec.ends()[0].reason, EndReason::MaxDuration);
    assert_eq!(rec.ends()[0].end_time_ms, T0 + HOUR);
}

#[test]
fn attributes_sampling_counts_and_history_survive_a_relaunch() {
    let w = World::new(policy().sample_rate(0.0).build().unwrap());
    let (engine, _) = w.launch();
    engine.end();
    engine
        .set_attribute("user.tier", AttributeValue::String("gold".into()))
        .unwrap();
    engine
        .set_attribute("flags", AttributeValue::IntArray(vec![1, -2, i64::MAX]))
        .unwrap();
    engine
        .set_attribute("ratio", AttributeValue::Double(0.25))
        .unwrap();
    engine.mark_sampled();
    for _ in 0..7 {
        engine.record();
    }
    let before = engine.current();
    let history = engine.history();
    engine.background();
    drop(engine); // last handle: clean shutdown
    w.advance(MIN);
    let (engine, _) = w.launch();
    let after = engine.current();
    assert_eq!(*after, *before);
    assert_eq!(engine.record().sequence, 8, "sequence numbers continue");
    assert_eq!(engine.history(), history);
}

#[test]
fn a_pending_session_starts_at_the_next_launch() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    let first = engine.current().id;
    engine.background();
    w.advance(HOUR);
    let pending = engine.current();
    assert!(pending.pending);
    drop(engine);
    w.advance(HOUR);
    let (engine, rec) = w.launch();
    assert_eq!(engine.launch_outcome(), &LaunchOutcome::StartedPending);
    let s = engine.current();
    assert_eq!(
        (s.id, s.previous_id, s.pending),
        (pending.id, Some(first), false)
    );
    assert_eq!(s.start_time_ms, T0 + 2 * HOUR);
    assert_eq!(
        rec.lifecycle(),
        vec![format!("start {}", &s.id.as_str()[..8])]
    );
}

#[test]
fn every_start_has_exactly_one_end_across_many_kills() {
    let w = World::new(policy().max_duration(ms(10 * MIN)).build().unwrap());
    let mut all = Vec::new();
    for i in 0..60 {
        let (engine, rec) = w.launch();
        match i % 4 {
            0 => engine.background(),
            1 => {
                engine.end();
            }
            2 => w.advance(11 * MIN),
            _ => {}
        }
        engine.record();
        w.advance(i * 1000);
        all.extend(rec.lifecycle());
        if i % 3 == 0 {
            kill(engine);
        } else {
            drop(engine);
        }
    }
    let (_e, rec) = w.launch();
    all.extend(rec.lifecycle());
    let mut open: Option<String> = None;
    let mut starts = 0;
    for line in &all {
        let (kind, id) = line.split_at(line.find(' ').unwrap());
        let id = id.trim().split(' ').next().unwrap().to_owned();
        if kind == "start" {
            assert!(open.is_none(), "start while {open:?} is open: {all:?}");
            open = Some(id);
            starts += 1;
        } else {
            assert_eq!(
                open.as_deref(),
                Some(id.as_str()),
                "end of a session that is not open: {all:?}"
            );
            open = None;
        }
    }
    assert!(starts > 20);
}

#[test]
fn sequence_numbers_continue_from_the_last_save_after_a_kill() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    engine.background();
    for _ in 0..5 {
        engine.record();
    }
    engine.persist().unwrap(); // what the telemetry layer does before its records are durable
    for _ in 0..3 {
        engine.record(); // never saved: these records die with the process
    }
    kill(engine);
    let (engine, _) = w.launch_with(|b| b.app_state(AppState::Background));
    assert_eq!(engine.launch_outcome(), &LaunchOutcome::Resumed);
    assert_eq!(
        engine.record().sequence,
        6,
        "continues after the last durable number"
    );
}

#[test]
fn events_not_acknowledged_before_a_kill_are_replayed_once_at_the_next_launch() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    engine.background();
    let old = engine.current().id;
    let new = engine.end(); // end(old), start(new): delivered, acknowledged only in memory
    kill(engine);
    let (engine, rec) = w.launch_with(|b| b.app_state(AppState::Background));
    let replays: Vec<String> = rec
        .all()
        .into_iter()
        .filter_map(|s| match s {
            Seen::Replay(inner) => Some(match *inner {
                Seen::Started(s) => format!("start {}", s.id),
                Seen::Ended(e) => format!("end {}", e.session.id),
                other => panic!("{other:?}"),
            }),
            _ => None,
        })
        .collect();
    // start(old) was acknowledged by the save that background() made; the rest was not.
    assert_eq!(
        replays,
        vec![format!("end {old}"), format!("start {}", new.id)]
    );
    assert_eq!(engine.current().id, new.id, "then the session resumes");
    drop(engine); // clean: acknowledgements saved
    let (_engine, rec) = w.launch();
    assert!(
        rec.all().iter().all(|s| !matches!(s, Seen::Replay(_))),
        "nothing replayed twice"
    );
}
