//! The real clock, the timer thread and concurrent callers.
//! Waits here are generous upper bounds for an event to happen, never speed assertions.

mod common;
use common::*;
use otel_sessions_engine::*;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a wait may take before the test fails: only a hang takes this long.
const WAIT: Duration = Duration::from_secs(60);

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn real_engine(dir: &std::path::Path, policy: SessionPolicy) -> (Engine, Arc<Recorder>) {
    let rec = Arc::new(Recorder::default());
    let engine = Engine::builder(dir)
        .policy(policy)
        .persist_interval(Duration::from_millis(20))
        .observer(rec.clone())
        .build()
        .unwrap();
    (engine, rec)
}

#[test]
fn the_timer_ends_a_session_on_time_without_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, rec) = real_engine(dir.path(), policy().max_duration(ms(150)).build().unwrap());
    wait_for("session.end from the timer", || !rec.ends().is_empty());
    // The first session, from its start event: `engine.current()` read here could already
    // be its pending successor on a loaded machine that took over 150 ms to get here.
    let first = rec.starts()[0].id;
    let end = &rec.ends()[0];
    assert_eq!(
        (end.session.id, end.reason, end.duration_ms),
        (first, EndReason::MaxDuration, 150)
    );
    // With no activity, the successor waits: no chain of empty sessions.
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(rec.ends().len(), 1);
    assert!(engine.current().pending);
}

#[test]
fn the_timer_follows_a_deadline_that_moves_earlier() {
    let dir = tempfile::tempdir().unwrap();
    let p = policy().background_timeout(ms(100)).build().unwrap();
    let (engine, rec) = real_engine(dir.path(), p);
    std::thread::sleep(Duration::from_millis(50)); // the timer is asleep on the 4 h deadline
    engine.background();
    wait_for("background timeout", || !rec.ends().is_empty());
    assert_eq!(rec.ends()[0].reason, EndReason::BackgroundTimeout);
}

#[test]
fn lazy_changes_reach_the_disk_within_the_persist_interval() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = real_engine(dir.path(), SessionPolicy::default());
    engine
        .set_attribute("lazy.key", AttributeValue::Bool(true))
        .unwrap();
    let path = dir.path().join("session-state.json");
    wait_for("the attribute on disk", || {
        std::fs::read_to_string(&path)
            .unwrap_or_default()
            .contains("lazy.key")
    });
    drop(engine);
}

#[cfg(target_os = "linux")]
#[test]
fn dropping_the_last_handle_saves_a_clean_exit_and_stops_the_timer() {
    fn timer_threads() -> usize {
        otel_sessions_test_support::threads_named("rn-otel-timer").len()
    }
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = real_engine(dir.path(), SessionPolicy::default());
    let clone = engine.clone();
    drop(engine);
    let text = std::fs::read_to_string(dir.path().join("session-state.json")).unwrap();
    assert!(text.contains("\"clean_exit\":false"), "a clone still lives");
    wait_for("the timer thread to run", || timer_threads() >= 1);
    drop(clone);
    let text = std::fs::read_to_string(dir.path().join("session-state.json")).unwrap();
    assert!(text.contains("\"clean_exit\":true"));
    // Other tests in this binary run engines too: wait until ours is gone, then none of
    // them may keep a thread after their own drop either.
    wait_for("timer threads to stop", || timer_threads() == 0);
}

/// Checks, as events arrive, that starts and ends alternate and belong together.
#[derive(Default)]
struct OrderChecker {
    open: Mutex<Option<SessionId>>,
    violations: Mutex<Vec<String>>,
    starts: Mutex<usize>,
}

impl SessionObserver for OrderChecker {
    fn on_session_started(&self, e: &SessionStarted) {
        let mut open = self.open.lock().unwrap();
        if let Some(o) = *open {
            self.violations
                .lock()
                .unwrap()
                .push(format!("start {} while {o} open", e.session.id));
        }
        *open = Some(e.session.id);
        *self.starts.lock().unwrap() += 1;
    }
    fn on_session_ended(&self, e: &SessionEnded) {
        let mut open = self.open.lock().unwrap();
        if *open != Some(e.session.id) {
            self.violations
                .lock()
                .unwrap()
                .push(format!("end {} while {open:?} open", e.session.id));
        }
        *open = None;
    }
}

#[test]
fn concurrent_callers_lifecycle_and_timer_keep_every_invariant() {
    let dir = tempfile::tempdir().unwrap();
    let checker = Arc::new(OrderChecker::default());
    let p = policy()
        .background_timeout(ms(3))
        .inactivity_timeout(Some(ms(15)))
        .max_duration(ms(40))
        .build()
        .unwrap();
    let engine = Engine::builder(dir.path())
        .policy(p)
        .persist_interval(Duration::from_millis(2))
        .observer(checker.clone())
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stamps = Arc::new(Mutex::new(Vec::new()));
    let mut threads = vec![];
    for t in 0..4 {
        let (engine, stop, stamps) = (engine.clone(), stop.clone(), stamps.clone());
        threads.push(std::thread::spawn(move || {
            let mut i = 0u64;
            let mut mine = vec![];
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                match (t, i % 7) {
                    (0, _) | (1, 0..=4) => {
                        let s = engine.record();
                        mine.push((s.session.id, s.sequence));
                    }
                    (1, _) => engine
                        .set_attribute("k", AttributeValue::Int(i as i64))
                        .map(|_| ())
                        .unwrap(),
                    (2, 0) => engine.background(),
                    (2, 1) => engine.foreground(),
                    (2, _) => std::thread::sleep(Duration::from_micros(300)),
                    (3, 0) => {
                        engine.end();
                    }
                    _ => {
                        engine.current();
                        engine.history();
                    }
                }
            }
            stamps.lock().unwrap().extend(mine);
        }));
    }
    // At least 1.5 s, and until sessions have rotated more than 20 times, however slowly
    // a loaded machine runs the threads.
    std::thread::sleep(Duration::from_millis(1500));
    wait_for("more than 20 session starts", || {
        *checker.starts.lock().unwrap() > 20
    });
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    engine.shutdown();

    let violations = checker.violations.lock().unwrap().clone();
    assert!(violations.is_empty(), "{violations:?}");
    assert!(
        *checker.starts.lock().unwrap() > 20,
        "sessions rotated under load"
    );
    // Sequence numbers: unique and gap-free within every session, across threads.
    let mut per_session: HashMap<SessionId, Vec<u64>> = HashMap::new();
    for (id, seq) in stamps.lock().unwrap().iter() {
        per_session.entry(*id).or_default().push(*seq);
    }
    for (id, mut seqs) in per_session {
        seqs.sort_unstable();
        let unique: HashSet<_> = seqs.iter().collect();
        assert_eq!(unique.len(), seqs.len(), "duplicate numbers in {id}");
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "gap in {id}"
        );
    }
    assert_eq!(engine.diagnostics().persist_failures, 0);
}
