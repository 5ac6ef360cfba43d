//! Wall-clock jumps, deep sleep and reboots.

mod common;
use common::*;
use otel_sessions_engine::*;

#[test]
fn wall_clock_jumps_of_days_neither_end_nor_extend_a_session() {
    for jump in [-30 * DAY, -DAY, DAY, 30 * DAY] {
        let w = World::new(
            policy()
                .inactivity_timeout(Some(ms(30 * MIN)))
                .build()
                .unwrap(),
        );
        let (engine, rec) = w.launch();
        let id = engine.current().id;
        w.advance(10 * MIN);
        w.clock.set_wall(T0 + 10 * MIN + jump);
        engine.background();
        engine.foreground();
        engine.touch();
        assert_eq!(engine.current().id, id, "jump {jump}: no rotation");
        // The session still ends on the monotonic schedule: 4 h after it started.
        for _ in 0..22 {
            w.advance(10 * MIN);
            engine.touch();
        }
        w.advance(10 * MIN - 1);
        engine.touch();
        assert_eq!(engine.current().id, id, "jump {jump}: not shortened");
        w.advance(1);
        engine.touch();
        let end = &rec.ends()[0];
        assert_eq!(
            end.reason,
            EndReason::MaxDuration,
            "jump {jump}: not extended"
        );
        assert_eq!(end.duration_ms, 4 * HOUR);
        assert_eq!(
            end.end_time_ms,
            T0 + 4 * HOUR,
            "end time derives from the start, not the jumped clock"
        );
    }
}

#[test]
fn deep_sleep_counts_toward_the_background_timeout() {
    // ManualClock::advance moves the boot-time clock, which keeps counting in deep sleep;
    // a monotonic clock that stopped in sleep would never see these 20 minutes.
    let w = World::default_policy();
    let (engine, rec) = w.launch();
    engine.background();
    w.advance(20 * MIN);
    engine.foreground();
    assert_eq!(rec.ends().len(), 1);
}

#[test]
fn a_wall_clock_change_between_launches_of_one_boot_is_ignored() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    let id = engine.current().id;
    engine.background();
    drop(engine);
    w.advance(MIN);
    w.clock.set_wall(T0 + 10 * DAY); // the user moved the clock forward
    let (engine, rec) = w.launch();
    assert_eq!(
        engine.current().id,
        id,
        "same boot: the monotonic clock decides"
    );
    assert!(rec.lifecycle().is_empty());
}

#[test]
fn across_a_reboot_the_wall_clock_decides() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    let id = engine.current().id;
    engine.background();
    drop(engine);
    w.clock.reboot(5 * MIN);
    let (engine, _) = w.launch();
    assert_eq!(engine.current().id, id, "5 min by the wall clock: resumed");
    engine.background();
    drop(engine);
    w.clock.reboot(20 * MIN);
    let (engine, rec) = w.launch();
    assert_ne!(engine.current().id, id, "20 min by the wall clock: ended");
    assert_eq!(rec.ends()[0].reason, EndReason::BackgroundTimeout);
}

#[test]
fn across_a_reboot_a_wall_clock_that_went_back_counts_as_no_time() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    let id = engine.current().id;
    let started = engine.current().start_time_ms;
    w.advance(HOUR);
    engine.background();
    drop(engine);
    w.clock.reboot(0);
    w.clock.set_wall(T0 - 365 * DAY);
    let (engine, _) = w.launch();
    assert_eq!(engine.current().id, id, "clamped at zero elapsed: resumed");
    // And the session's age survived the reboot: max duration still ends it on time.
    w.advance(3 * HOUR - 1);
    engine.touch();
    assert_eq!(engine.current().id, id);
    w.advance(1);
    engine.touch();
    let h = engine.history();
    assert_eq!(h[0].id, id);
    assert_eq!(h[0].end_time_ms - started, 4 * HOUR);
}
