//! Torture (issue 9; `npm run torture` runs it scaled up with `TORTURE_SCALE`): the state
//! file bit-flipped and overwritten at every byte, replaced by odd file types, made
//! unwritable; random JSON mutations of a valid state (a property-based fuzzer of the
//! decoder); random wall-clock jumps and reboots. Never a panic; a bad file is quarantined and
//! counted; no session ends because of a wall-clock jump, and none outlives its maximum.
//!
//! With `TORTURE_REPORT=DIR`, each test writes its figures to `DIR/<test>.json`.

mod common;
use common::*;
use otel_sessions_engine::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::fs;
use std::path::Path;

const STATE: &str = "session-state.json";
const QUARANTINE: &str = "session-state.corrupt.json";

fn scale() -> u32 {
    std::env::var("TORTURE_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// Damages a path in some way.
type Damage = Box<dyn Fn(&Path)>;

fn report(test: &str, figures: Value) {
    eprintln!("{test}: {figures}");
    if let Ok(dir) = std::env::var("TORTURE_REPORT") {
        let _ = fs::create_dir_all(&dir);
        let _ = fs::write(
            Path::new(&dir).join(format!("{test}.json")),
            figures.to_string(),
        );
    }
}

/// A realistic state file: attributes, history, counts, background.
fn valid_state(w: &World) -> Vec<u8> {
    let (engine, _) = w.launch();
    for _ in 0..3 {
        engine.record();
    }
    engine.end();
    engine
        .set_attribute("user.tier", AttributeValue::String("gold".into()))
        .unwrap();
    engine
        .set_attribute("n", AttributeValue::DoubleArray(vec![1.5, -2.0]))
        .unwrap();
    engine
        .set_attribute("flags", AttributeValue::BoolArray(vec![true, false]))
        .unwrap();
    engine.record();
    engine.background();
    drop(engine);
    fs::read(w.dir.path().join(STATE)).unwrap()
}

#[derive(Default, Debug)]
struct Tally {
    launches: u64,
    recovered: u64,
    accepted: u64,
}

/// Launches on `bytes`: whatever they are, the engine comes up with one valid current
/// session, a recovered state is quarantined and counted, and the state it then saves loads
/// back without being called corrupt.
fn launch_on(w: &World, bytes: &[u8], what: &str, t: &mut Tally) {
    let _ = fs::remove_file(w.dir.path().join(QUARANTINE));
    fs::write(w.dir.path().join(STATE), bytes).unwrap();
    let (engine, rec) = w.launch();
    t.launches += 1;
    let s = engine.current();
    assert_eq!(s.id.as_str().len(), 32, "{what}");
    match engine.launch_outcome() {
        LaunchOutcome::RecoveredCorruptState(_) => {
            t.recovered += 1;
            assert_eq!(engine.diagnostics().corrupt_states_recovered, 1, "{what}");
            assert!(
                w.dir.path().join(QUARANTINE).exists(),
                "{what}: quarantined"
            );
            assert_eq!(rec.starts().len(), 1, "{what}: a new session starts");
        }
        _ => {
            t.accepted += 1;
            assert_eq!(engine.diagnostics().corrupt_states_recovered, 0, "{what}");
        }
    }
    engine.record();
    engine.set_attribute("k", AttributeValue::Int(1)).unwrap();
    drop(engine);
    let (again, _) = w.launch();
    assert!(
        !matches!(
            again.launch_outcome(),
            LaunchOutcome::RecoveredCorruptState(_)
        ),
        "{what}: the state written after recovery loads: {:?}",
        again.launch_outcome()
    );
    drop(again);
}

#[test]
fn state_file_bit_flipped_and_overwritten_at_every_byte() {
    let w = World::default_policy();
    let bytes = valid_state(&w);
    let mut t = Tally::default();
    let replacements: &[u8] = match scale() {
        1 => &[0xff],
        _ => &[0xff, b'"', b'{', b'0', 0],
    };
    for at in 0..bytes.len() {
        for bit in 0..8u8 {
            if scale() == 1 && bit != (at % 8) as u8 {
                continue; // quick: one bit per byte; scaled: all eight
            }
            let mut b = bytes.clone();
            b[at] ^= 1 << bit;
            launch_on(&w, &b, &format!("bit {bit} of byte {at}"), &mut t);
        }
        for &r in replacements {
            let mut b = bytes.clone();
            b[at] = r;
            launch_on(&w, &b, &format!("byte {at} = {r:#x}"), &mut t);
        }
    }
    report(
        "engine_state_bit_flips",
        json!({"file_bytes": bytes.len(), "launches": t.launches, "recovered": t.recovered, "accepted": t.accepted, "crashes": 0}),
    );
}

#[test]
fn odd_files_in_place_of_the_state_are_quarantined() {
    let w = World::default_policy();
    let bytes = valid_state(&w);
    let path = w.dir.path().join(STATE);
    let mut launches = 0;
    let mut cases: Vec<(&str, Damage)> = vec![
        (
            "a directory",
            Box::new(|p| fs::create_dir_all(p.join("x")).unwrap()),
        ),
        (
            "a symlink to /dev/zero",
            Box::new(|p| std::os::unix::fs::symlink("/dev/zero", p).unwrap()),
        ),
        (
            "a dangling symlink",
            Box::new(|p| std::os::unix::fs::symlink("/nonexistent/x", p).unwrap()),
        ),
        (
            "a FIFO (opening it would block)",
            Box::new(|p| {
                let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            }),
        ),
        (
            "3 MiB of a valid prefix",
            Box::new(|p| {
                let mut big =
                    b"{\"format\":\"react-native-otel-sessions/state\",\"pad\":\"".to_vec();
                big.resize(3 << 20, b'a');
                fs::write(p, big).unwrap()
            }),
        ),
    ];
    let valid = bytes.clone();
    cases.push((
        "the valid file (control)",
        Box::new(move |p| fs::write(p, &valid).unwrap()),
    ));
    for (what, make) in &cases {
        let _ = fs::remove_file(&path);
        let _ = fs::remove_dir_all(&path);
        let _ = fs::remove_file(w.dir.path().join(QUARANTINE));
        let _ = fs::remove_dir_all(w.dir.path().join(QUARANTINE));
        make(&path);
        let (engine, _) = w.launch();
        launches += 1;
        let recovered = matches!(
            engine.launch_outcome(),
            LaunchOutcome::RecoveredCorruptState(_)
        );
        assert_eq!(
            recovered,
            !what.contains("control"),
            "{what}: {:?}",
            engine.launch_outcome()
        );
        engine.record();
        drop(engine);
        assert!(
            fs::symlink_metadata(&path).unwrap().is_file(),
            "{what}: a regular state file again"
        );
    }
    report(
        "engine_odd_state_files",
        json!({"launches": launches, "cases": cases.iter().map(|c| c.0).collect::<Vec<_>>(), "crashes": 0}),
    );
}

/// Root ignores file modes, so an unwritable store is made with the immutable attribute
/// (`chattr +i` on the directory) when the filesystem supports it.
#[test]
fn an_immutable_storage_directory_is_survived_in_memory() {
    let w = World::default_policy();
    let (engine, _) = w.launch();
    let dir = w.dir.path();
    let chattr = |flag: &str| {
        std::process::Command::new("chattr")
            .arg(flag)
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !chattr("+i") {
        report(
            "engine_immutable_store",
            json!({"skipped": "chattr +i is not available on this filesystem"}),
        );
        return;
    }
    let id = engine.current().id;
    for _ in 0..100 {
        engine.record();
    }
    engine.background();
    engine.foreground();
    let e2 = engine.end();
    assert_ne!(e2.id, id, "works in memory");
    let failures = engine.diagnostics().persist_failures;
    chattr("-i");
    assert!(failures >= 1, "write failures counted: {failures}");
    engine.touch();
    engine.background(); // an urgent save succeeds again
    drop(engine);
    let (again, _) = w.launch();
    assert_eq!(
        again.current().id,
        e2.id,
        "the state saved after recovery is the latest"
    );
    report(
        "engine_immutable_store",
        json!({"persist_failures": failures, "recovered_after": true, "crashes": 0}),
    );
}

/// A random JSON value, small.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>().prop_map(|f| json!(f)),
        prop_oneof![
            Just(u64::MAX),
            Just(0u64),
            Just(i64::MAX as u64 + 1),
            any::<u64>()
        ]
        .prop_map(|u| json!(u)),
        ".{0,40}".prop_map(Value::String),
        "[0-9a-f]{32}".prop_map(Value::String),
        prop_oneof![
            Just("background"),
            Just("foreground"),
            Just("manual"),
            Just("abnormal_termination")
        ]
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every path (object keys and array indices) in `v`.
fn paths(v: &Value, at: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let mut p = at.clone();
                p.push(k.clone());
                paths(c, p, out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                let mut p = at.clone();
                p.push(i.to_string());
                paths(c, p, out);
            }
        }
        _ => {}
    }
}

fn node_mut<'v>(v: &'v mut Value, path: &[String]) -> &'v mut Value {
    path.iter().fold(v, |v, k| match v {
        Value::Object(m) => m.get_mut(k).unwrap(),
        Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
        _ => unreachable!(),
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    AddKey(usize, String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any_json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        2 => any::<usize>().prop_map(Mutation::Remove),
        1 => (any::<usize>(), "[a-z_]{1,12}", any_json()).prop_map(|(i, k, v)| Mutation::AddKey(i, k, v)),
    ]
}

fn mutate(mut v: Value, muts: &[Mutation]) -> Value {
    for m in muts {
        let mut all = Vec::new();
        paths(&v, Vec::new(), &mut all);
        match m {
            Mutation::Replace(i, new) => *node_mut(&mut v, &all[i % all.len()]) = new.clone(),
            Mutation::Remove(i) => {
                let p = &all[i % all.len()];
                if let Some((last, parent)) = p.split_last() {
                    match node_mut(&mut v, parent) {
                        Value::Object(m) => {
                            m.remove(last);
                        }
                        Value::Array(a) => {
                            a.remove(last.parse::<usize>().unwrap());
                        }
                        _ => {}
                    }
                }
            }
            Mutation::AddKey(i, k, new) => {
                if let Value::Object(m) = node_mut(&mut v, &all[i % all.len()]) {
                    m.insert(k.clone(), new.clone());
                }
            }
        }
    }
    v
}

#[test]
fn fuzz_the_state_decoder_with_json_mutations() {
    let w = World::default_policy();
    let base: Value = serde_json::from_slice(&valid_state(&w)).unwrap();
    let cases = 256 * scale();
    let tally = std::sync::Mutex::new(Tally::default());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&prop::collection::vec(mutation(), 1..4), |muts| {
            let bytes = serde_json::to_vec(&mutate(base.clone(), &muts)).unwrap();
            launch_on(&w, &bytes, &format!("{muts:?}"), &mut tally.lock().unwrap());
            Ok(())
        })
        .unwrap();
    let t = tally.into_inner().unwrap();
    report(
        "engine_state_json_fuzz",
        json!({"cases": cases, "launches": t.launches, "recovered": t.recovered, "accepted": t.accepted, "crashes": 0}),
    );
}

#[test]
fn fuzz_the_state_decoder_with_raw_bytes() {
    let w = World::default_policy();
    let cases = 256 * scale();
    let tally = std::sync::Mutex::new(Tally::default());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..600), |bytes| {
            launch_on(&w, &bytes, "raw bytes", &mut tally.lock().unwrap());
            Ok(())
        })
        .unwrap();
    let t = tally.into_inner().unwrap();
    assert_eq!(t.accepted, 0, "random bytes are never a valid state");
    report(
        "engine_state_bytes_fuzz",
        json!({"cases": cases, "launches": t.launches, "recovered": t.recovered, "crashes": 0}),
    );
}

#[derive(Debug, Clone)]
enum ClockOp {
    /// Time passes on both clocks (ms).
    Advance(i64),
    /// The user moves the wall clock by this many ms (days, either way).
    Jump(i64),
    /// The device reboots; the wall clock moves by this much meanwhile (may be negative:
    /// the clock was wrong before or after).
    Reboot(i64),
    Background,
    Foreground,
    Record,
    /// The process is killed and relaunched.
    KillRelaunch,
}

fn clock_op() -> impl Strategy<Value = ClockOp> {
    prop_oneof![
        6 => (1i64..20 * MIN).prop_map(ClockOp::Advance),
        3 => prop_oneof![(-40 * DAY..-HOUR), (HOUR..40 * DAY)].prop_map(ClockOp::Jump),
        1 => (-3 * DAY..3 * DAY).prop_map(ClockOp::Reboot),
        2 => Just(ClockOp::Background),
        3 => Just(ClockOp::Foreground),
        5 => Just(ClockOp::Record),
        1 => Just(ClockOp::KillRelaunch),
    ]
}

/// Random days-long wall-clock jumps both ways, reboots (monotonic reset), kills: every start
/// gets exactly one end, every end is for a real reason (never caused by a jump alone), and
/// no session lives longer than its maximum in monotonic time.
#[test]
fn clock_jumps_and_reboots_never_cause_spurious_or_endless_sessions() {
    let cases = 128 * scale();
    let max = 4 * HOUR;
    let runs = std::sync::atomic::AtomicU64::new(0);
    let (jumps, reboots) = (
        std::sync::atomic::AtomicU64::new(0),
        std::sync::atomic::AtomicU64::new(0),
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&prop::collection::vec(clock_op(), 1..80), |ops| {
            use std::sync::atomic::Ordering::Relaxed;
            runs.fetch_add(1, Relaxed);
            let w = World::new(
                policy()
                    .background_timeout(ms(15 * MIN))
                    .max_duration(ms(max))
                    .build()
                    .unwrap(),
            );
            let mut recorders = Vec::new();
            let (mut engine, rec) = w.launch();
            recorders.push(rec);
            // Monotonic time each session was current for, within boots (a lower bound of
            // its age as the engine measures it).
            let mut lived: std::collections::HashMap<String, i64> = Default::default();
            let mut step_max = 0;
            for op in &ops {
                let before = engine.current().id;
                let mut jump_only = false;
                match op {
                    ClockOp::Advance(d) => {
                        w.advance(*d);
                        step_max = step_max.max(*d);
                        *lived.entry(before.to_string()).or_default() += d;
                        engine.poll();
                    }
                    ClockOp::Jump(d) => {
                        jumps.fetch_add(1, Relaxed);
                        let now = w.clock.now().wall_ms;
                        w.clock.set_wall(now + d);
                        engine.poll();
                        engine.touch();
                        jump_only = true;
                    }
                    ClockOp::Reboot(d) => {
                        reboots.fetch_add(1, Relaxed);
                        kill(engine);
                        let now = w.clock.now().wall_ms;
                        w.clock.reboot(0);
                        w.clock.set_wall(now + d);
                        let (e, rec) = w.launch();
                        engine = e;
                        recorders.push(rec);
                    }
                    ClockOp::Background => engine.background(),
                    ClockOp::Foreground => engine.foreground(),
                    ClockOp::Record => {
                        engine.record();
                    }
                    ClockOp::KillRelaunch => {
                        kill(engine);
                        let (e, rec) = w.launch();
                        engine = e;
                        recorders.push(rec);
                    }
                }
                let after = engine.current().id;
                if jump_only {
                    prop_assert_eq!(before, after, "a wall-clock jump rotated the session");
                }
                for (id, t) in &lived {
                    if *id == after.to_string() {
                        prop_assert!(
                            *t <= max + step_max,
                            "session {} current for {} ms of monotonic time (max {})",
                            id,
                            t,
                            max
                        );
                    }
                }
            }
            drop(engine);
            // Every start has exactly one end (after a final relaunch ends what is left).
            w.advance(5 * HOUR);
            let (last, rec) = w.launch();
            recorders.push(rec);
            drop(last);
            let mut starts = std::collections::HashMap::<String, u32>::new();
            let mut ends = std::collections::HashMap::<String, u32>::new();
            for r in &recorders {
                for s in r.starts() {
                    *starts.entry(s.id.to_string()).or_default() += 1;
                }
                for e in r.ends() {
                    prop_assert!(
                        e.duration_ms <= max,
                        "{:?} lasted {} ms",
                        e.reason,
                        e.duration_ms
                    );
                    *ends.entry(e.session.id.to_string()).or_default() += 1;
                }
            }
            let final_id = recorders
                .last()
                .unwrap()
                .starts()
                .last()
                .map(|s| s.id.to_string());
            for (id, n) in &starts {
                prop_assert_eq!(*n, 1, "session {} started {} times", id, n);
                let want = if Some(id) == final_id.as_ref() { 0 } else { 1 };
                prop_assert_eq!(
                    ends.get(id).copied().unwrap_or(0),
                    want,
                    "ends of session {}",
                    id
                );
            }
            Ok(())
        })
        .unwrap();
    use std::sync::atomic::Ordering::Relaxed;
    report(
        "engine_clock_jumps",
        json!({"runs": runs.load(Relaxed), "wall_jumps": jumps.load(Relaxed), "reboots": reboots.load(Relaxed), "crashes": 0}),
    );
}
