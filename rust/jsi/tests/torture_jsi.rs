//! Torture (issue 9; `npm run torture` scales it with `TORTURE_SCALE`): property-based fuzzing
//! of the decoders JavaScript feeds (the `init` config parser, the `exportSpans` /
//! `exportLogs` batch parsers, every method's arguments, raw bytes at the C ABI), and the
//! C ABI called from a "JS thread" while another thread sends lifecycle calls and flushes.
//! Never a panic (a caught panic is `OTS_INTERNAL`, counted as a crash), never a hang.
//!
//! With `TORTURE_REPORT=DIR`, each test writes its figures to `DIR/<test>.json`.

use std::ffi::c_void;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otel_sessions_jsi::*;
use proptest::prelude::*;
use serde_json::{json, Value};

mod common;
use common::{empty, install_transport, serial, take, Mode};

fn scale() -> u32 {
    std::env::var("TORTURE_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1)
}

fn report(test: &str, figures: Value) {
    eprintln!("{test}: {figures}");
    if let Ok(dir) = std::env::var("TORTURE_REPORT") {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(
            Path::new(&dir).join(format!("{test}.json")),
            figures.to_string(),
        );
    }
}

fn runner(cases: u32) -> proptest::test_runner::TestRunner {
    proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    })
}

struct Lib(*mut OtsHandle);
unsafe impl Send for Lib {}
unsafe impl Sync for Lib {}

impl Lib {
    fn init(config: &[u8]) -> Result<Lib, (i32, String)> {
        let mut h: *mut OtsHandle = std::ptr::null_mut();
        let mut err = empty();
        let status = unsafe { ots_init(config.as_ptr(), config.len(), &mut h, &mut err) };
        let msg = take(err);
        if status == OTS_OK {
            Ok(Lib(h))
        } else {
            Err((status, msg))
        }
    }

    fn call(&self, method: &[u8], args: &[u8]) -> (i32, String) {
        let mut out = empty();
        let status = unsafe {
            ots_call(
                self.0,
                method.as_ptr(),
                method.len(),
                args.as_ptr(),
                args.len(),
                &mut out,
            )
        };
        (status, take(out))
    }

    fn call_async(&self, method: &str, args: &[u8]) -> (i32, String) {
        extern "C" fn done(ctx: *mut c_void, status: i32, data: *const u8, len: usize) {
            let tx = unsafe { Box::from_raw(ctx as *mut mpsc::Sender<(i32, String)>) };
            let text = String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(data, len) })
                .into_owned();
            let _ = tx.send((status, text));
        }
        let (tx, rx) = mpsc::channel();
        let ctx = Box::into_raw(Box::new(tx)) as *mut c_void;
        let status = unsafe {
            ots_call_async(
                self.0,
                method.as_ptr(),
                method.len(),
                args.as_ptr(),
                args.len(),
                done,
                ctx,
            )
        };
        if status != OTS_OK {
            return (status, String::new());
        }
        rx.recv_timeout(Duration::from_secs(60))
            .expect("every async call settles")
    }
}

impl Drop for Lib {
    fn drop(&mut self) {
        unsafe { ots_release(self.0) };
    }
}

/// Random JSON shaped like what JavaScript sends: numbers at the edges, ids, nested values.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(1e300),
            Just(-1.5),
            Just(9007199254740993.0)
        ]
        .prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        "[0-9a-f]{16,32}".prop_map(Value::String),
        prop_oneof![
            Just("granted"),
            Just("denied"),
            Just("pending"),
            Just("http://127.0.0.1:9"),
            Just("")
        ]
        .prop_map(|s| json!(s)),
        // The binding's markers for values JSON cannot hold (see js_value.rs).
        prop_oneof![
            Just(json!({"__ots": "undefined"})),
            Just(json!({"__ots": "function"})),
            Just(json!({"__ots": "nan"}))
        ],
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-zA-Z.]{1,12}",
                    Just("serviceName".to_string()),
                    Just("storageDir".to_string()),
                    Just("traceId".to_string()),
                    Just("spanId".to_string()),
                    Just("start".to_string()),
                    Just("end".to_string()),
                    Just("attributes".to_string()),
                    Just("scope".to_string()),
                    Just("name".to_string()),
                    Just("events".to_string()),
                    Just("body".to_string()),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid span or log batch with one field replaced by random JSON.
fn near_valid_batch() -> impl Strategy<Value = (bool, Value)> {
    let span = json!({"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "name": "x",
        "kind": 0, "start": [1, 0], "end": [1, 5], "scope": {"name": "s"}, "attributes": {"a": 1},
        "events": [{"name": "e", "time": [1, 2], "attributes": {}}], "status": {"code": 0}});
    let log = json!({"scope": {"name": "l"}, "body": "hello", "severityNumber": 9, "time": [1, 0], "attributes": {"k": "v"}});
    (any::<bool>(), any::<prop::sample::Index>(), any_json()).prop_map(move |(is_span, idx, v)| {
        let mut rec = if is_span { span.clone() } else { log.clone() };
        let keys: Vec<String> = rec.as_object().unwrap().keys().cloned().collect();
        rec[&keys[idx.index(keys.len())]] = v;
        (is_span, json!([[rec]]))
    })
}

#[test]
fn fuzz_the_init_config_parser() {
    let cases = 2000 * scale();
    let (accepted, refused) = (AtomicU64::new(0), AtomicU64::new(0));
    let platform = PlatformInfo::default();
    runner(cases)
        .run(&any_json(), |v| {
            // Also as the object JavaScript usually passes, with a real name and directory.
            for cfg in [
                v.clone(),
                json!({"serviceName": "f", "storageDir": "/tmp/x", "k": v.clone()}),
            ] {
                match parse_init_config(&cfg, &platform) {
                    Ok(_) => accepted.fetch_add(1, Ordering::Relaxed),
                    Err(_) => refused.fetch_add(1, Ordering::Relaxed),
                };
            }
            if let Value::Object(m) = &v {
                let mut cfg = m.clone();
                cfg.insert("serviceName".into(), json!("f"));
                cfg.insert("storageDir".into(), json!("/tmp/x"));
                let _ = parse_init_config(&Value::Object(cfg), &platform);
            }
            Ok(())
        })
        .unwrap();
    report(
        "jsi_init_config_fuzz",
        json!({"cases": cases, "accepted": accepted.into_inner(), "refused": refused.into_inner(), "crashes": 0}),
    );
}

#[test]
fn fuzz_every_method_and_the_export_parsers_through_the_c_abi() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    let cfg = json!({"serviceName": "fuzz", "storageDir": dir.path().to_str().unwrap(), "endpoint": null}).to_string();
    let lib = Lib::init(cfg.as_bytes()).unwrap();
    const METHODS: [&str; 16] = [
        "current",
        "end",
        "touch",
        "setAttribute",
        "removeAttribute",
        "setUser",
        "recordEvent",
        "recordError",
        "setConsent",
        "consent",
        "history",
        "stamp",
        "subscribe",
        "unsubscribe",
        "nope",
        "",
    ];
    let (calls, errors, crashes) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    let count = |status: i32| {
        calls.fetch_add(1, Ordering::Relaxed);
        if status == OTS_INTERNAL {
            crashes.fetch_add(1, Ordering::Relaxed);
        } else if status != OTS_OK {
            errors.fetch_add(1, Ordering::Relaxed);
        }
    };
    let cases = 1500 * scale();
    runner(cases)
        .run(
            &(
                any::<prop::sample::Index>(),
                prop::collection::vec(any_json(), 0..4),
                near_valid_batch(),
                prop::collection::vec(any::<u8>(), 0..64),
            ),
            |(m, args, (is_span, batch), raw)| {
                let method = METHODS[m.index(METHODS.len())];
                if method != "subscribe" && method != "setConsent" {
                    let (st, _) = lib.call(
                        method.as_bytes(),
                        Value::Array(args.clone()).to_string().as_bytes(),
                    );
                    count(st);
                }
                // Raw bytes as arguments and as a method name: not JSON, not UTF-8.
                count(lib.call(method.as_bytes(), &raw).0);
                count(lib.call(&raw, b"[]").0);
                let (st, _) = lib.call_async(
                    if is_span { "exportSpans" } else { "exportLogs" },
                    batch.to_string().as_bytes(),
                );
                count(st);
                count(
                    lib.call_async("exportLogs", Value::Array(args).to_string().as_bytes())
                        .0,
                );
                prop_assert_eq!(crashes.load(Ordering::Relaxed), 0, "a panic was caught");
                Ok(())
            },
        )
        .unwrap();
    let (st, out) = lib.call(b"current", b"[]");
    assert_eq!(st, OTS_OK, "still working: {out}");
    report(
        "jsi_c_abi_fuzz",
        json!({"cases": cases, "calls": calls.into_inner(), "errors": errors.into_inner(), "crashes": crashes.into_inner()}),
    );
}

#[test]
fn js_thread_calls_lifecycle_from_another_thread_flushes_and_timers_at_once() {
    let _s = serial();
    install_transport(Mode::Http);
    let rx = otlp_receiver::Receiver::start().unwrap();
    rx.push_faults((0..200).map(|i| match i % 4 {
        0 => otlp_receiver::Fault::StatusRetryAfter(503, "0".into()),
        1 => otlp_receiver::Fault::Reset,
        _ => otlp_receiver::Fault::Ok,
    }));
    let dir = tempfile::tempdir().unwrap();
    let cfg = json!({"serviceName": "threads", "storageDir": dir.path().to_str().unwrap(), "endpoint": rx.endpoint(),
        "backgroundTimeoutMs": 30})
    .to_string();
    let lib = Arc::new(Lib::init(cfg.as_bytes()).unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let (calls, lifecycle) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let stamped: Arc<Mutex<std::collections::BTreeSet<(String, i64)>>> = Arc::default();
    let mut threads = Vec::new();
    {
        // The "JS thread": synchronous calls.
        let (lib, stop, calls, stamped) =
            (lib.clone(), stop.clone(), calls.clone(), stamped.clone());
        threads.push(std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let (m, a) = match i % 9 {
                    0 => ("end", "[]".to_string()),
                    1..=3 => ("recordEvent", format!("[\"tick\", {{\"i\": {i}}}]")),
                    4 => ("stamp", "[]".into()),
                    5 => ("setAttribute", format!("[\"screen\", \"s{}\"]", i % 4)),
                    6 => ("history", "[]".into()),
                    7 => ("touch", "[]".into()),
                    _ => ("current", "[]".into()),
                };
                let (st, out) = lib.call(m.as_bytes(), a.as_bytes());
                assert_eq!(st, OTS_OK, "{m}: {out}");
                if m == "stamp" {
                    let v: Value = serde_json::from_str(&out).unwrap();
                    stamped
                        .lock()
                        .unwrap()
                        .insert((v[0].as_str().unwrap().to_owned(), v[1].as_i64().unwrap()));
                }
                calls.fetch_add(1, Ordering::Relaxed);
                if i % 4 == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }));
    }
    {
        // The platform's lifecycle glue, on its own (main) thread.
        let (stop, lifecycle) = (stop.clone(), lifecycle.clone());
        threads.push(std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                if i % 2 == 0 {
                    ots_app_background();
                } else {
                    ots_app_foreground();
                }
                lifecycle.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(if i % 10 == 0 { 40 } else { 2 }));
            }
            ots_app_foreground();
        }));
    }
    {
        let (lib, stop) = (lib.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let (st, _) = lib.call_async("flush", b"[20]");
                assert_ne!(st, OTS_INTERNAL);
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(1500 * u64::from(scale())));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("no thread panicked");
    }
    rx.clear_faults();
    let (st, out) = lib.call_async("flush", b"[60000]");
    assert_eq!(st, OTS_OK, "everything delivered: {out}");
    let received = rx.received();
    // Every session that ended has its start, and its numbers 1..=record_count arrived.
    let mut seqs: std::collections::BTreeMap<String, std::collections::BTreeSet<i64>> =
        Default::default();
    for l in &received.logs {
        if let (Some(id), Some(seq)) = (
            l.attr("session.id").and_then(|v| v.as_str()),
            l.attr("rn_otel_sessions.seq").and_then(|v| v.as_i64()),
        ) {
            seqs.entry(id.to_owned()).or_default().insert(seq);
        }
    }
    let starts: std::collections::BTreeSet<String> = received
        .logs
        .iter()
        .filter(|l| l.event_name == "session.start")
        .filter_map(|l| Some(l.attr("session.id")?.as_str()?.to_owned()))
        .collect();
    let stamped = stamped.lock().unwrap().clone();
    let (mut sessions, mut gaps, mut lost) = (0u64, 0u64, 0u64);
    for l in received
        .logs
        .iter()
        .filter(|l| l.event_name == "session.end")
    {
        let id = l
            .attr("session.id")
            .and_then(|v| v.as_str())
            .unwrap()
            .to_owned();
        let count = l
            .attr("rn_otel_sessions.record_count")
            .and_then(|v| v.as_i64())
            .unwrap();
        sessions += 1;
        assert!(starts.contains(&id), "session {id} ended without a start");
        let have = seqs.get(&id).cloned().unwrap_or_default();
        // `stamp` hands out numbers for JS records this test never exports: those are the
        // only gaps allowed.
        for s in (1..=count).filter(|s| !have.contains(s)) {
            if stamped.contains(&(id.clone(), s)) {
                gaps += 1;
            } else {
                lost += 1;
            }
        }
    }
    report(
        "jsi_concurrency",
        json!({"js_calls": calls.load(Ordering::Relaxed), "lifecycle_calls": lifecycle.load(Ordering::Relaxed),
               "sessions_ended": sessions, "stamped_not_exported": gaps, "lost": lost, "crashes": 0}),
    );
    assert_eq!(lost, 0, "records lost without a kill");
}
