//! The C ABI called as the C++ host object calls it: JSON in, JSON or (kind, message) out;
//! listeners with a context; async calls settled exactly once; bad input never panics.

use std::ffi::c_void;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otel_sessions_jsi::*;
use serde_json::{json, Value};

mod common;
use common::{empty, install_transport, serial, take, Mode};

struct Lib(*mut OtsHandle);

impl Lib {
    fn init(config: Value) -> Result<Lib, (i32, String)> {
        let text = config.to_string();
        let mut h: *mut OtsHandle = std::ptr::null_mut();
        let mut err = empty();
        let status = unsafe { ots_init(text.as_ptr(), text.len(), &mut h, &mut err) };
        let msg = take(err);
        if status == OTS_OK {
            Ok(Lib(h))
        } else {
            Err((status, msg))
        }
    }

    fn call_raw(&self, method: &str, args: &str) -> (i32, String) {
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

    fn call(&self, method: &str, args: Value) -> Value {
        let (status, out) = self.call_raw(method, &args.to_string());
        assert_eq!(status, OTS_OK, "{method}: {out}");
        serde_json::from_str(&out).unwrap()
    }

    fn call_async(&self, method: &str, args: Value) -> (i32, String) {
        extern "C" fn done(ctx: *mut c_void, status: i32, data: *const u8, len: usize) {
            let tx = unsafe { Box::from_raw(ctx as *mut mpsc::Sender<(i32, String)>) };
            let text = String::from_utf8(unsafe { std::slice::from_raw_parts(data, len) }.to_vec())
                .unwrap();
            tx.send((status, text)).unwrap();
        }
        let (tx, rx) = mpsc::channel();
        let ctx = Box::into_raw(Box::new(tx)) as *mut c_void;
        let a = args.to_string();
        let status = unsafe {
            ots_call_async(
                self.0,
                method.as_ptr(),
                method.len(),
                a.as_ptr(),
                a.len(),
                done,
                ctx,
            )
        };
        assert_eq!(status, OTS_OK);
        rx.recv_timeout(Duration::from_secs(30))
            .expect("settled exactly once")
    }
}

impl Drop for Lib {
    fn drop(&mut self) {
        unsafe { ots_release(self.0) };
    }
}

/// The engine's state was saved by a shutdown (the last handle's release), not left by a kill.
fn assert_saved_with_clean_exit(dir: &std::path::Path, what: &str) {
    let state = std::fs::read_to_string(dir.join("session-state.json")).unwrap();
    assert!(state.contains("\"clean_exit\":true"), "{what}: {state}");
}

fn config(dir: &std::path::Path, endpoint: Option<String>) -> Value {
    json!({ "serviceName": "abi-tests", "storageDir": dir.to_str().unwrap(), "endpoint": endpoint })
}

#[test]
fn every_method_works_through_the_c_abi_and_reaches_a_real_receiver() {
    let _s = serial();
    install_transport(Mode::Http);
    let rx = otlp_receiver::Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lib = Lib::init(config(dir.path(), Some(rx.endpoint()))).unwrap();
    let first = lib.call("current", json!([]));
    assert_eq!(first["id"].as_str().unwrap().len(), 32);
    assert_eq!(first["previousId"], Value::Null);
    lib.call("setAttribute", json!(["app.screen", "cart"]));
    lib.call("setAttribute", json!(["cart.items", 3]));
    lib.call("setAttribute", json!(["ratio", 0.5]));
    lib.call("setAttribute", json!(["tags", ["a", "b"]]));
    let cur = lib.call("current", json!([]));
    assert_eq!(
        cur["attributes"],
        json!({"app.screen": "cart", "cart.items": 3, "ratio": 0.5, "tags": ["a", "b"]})
    );
    lib.call("removeAttribute", json!(["tags"]));
    lib.call("touch", json!([]));
    lib.call("setUser", json!(["user-1"]));
    lib.call("recordEvent", json!(["checkout", {"total": 9.99}]));
    lib.call("recordError", json!(["TypeError", "boom", "at x", null]));
    assert_eq!(lib.call("consent", json!([])), json!("granted"));
    let second = lib.call("end", json!([]));
    assert_eq!(second["previousId"], first["id"]);
    let history = lib.call("history", json!([]));
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[0]["endReason"], "manual");
    assert_eq!(
        history[1]["endTime"],
        Value::Null,
        "the current session comes last, open"
    );
    assert_eq!(
        lib.call_async("flush", json!([30000])), // only a hang takes this long
        (OTS_OK, "null".into())
    );
    let got = rx.received();
    let checkout = got
        .logs
        .iter()
        .find(|l| l.event_name == "checkout")
        .unwrap();
    assert_eq!(
        checkout.attr("session.id").and_then(|v| v.as_str()),
        first["id"].as_str()
    );
    assert!(checkout.attr("user.hash").is_some());
    lib.call("setConsent", json!(["denied"]));
    assert_eq!(
        lib.call_async("clearAllData", json!([])),
        (OTS_OK, "null".into())
    );
}

#[test]
fn listeners_get_changes_and_are_released_exactly_once() {
    let _s = serial();
    struct Ctx {
        seen: Mutex<Vec<Value>>,
        released: Mutex<u32>,
    }
    extern "C" fn listener(ctx: *mut c_void, data: *const u8, len: usize) {
        let ctx = unsafe { &*(ctx as *const Ctx) };
        let v: Value =
            serde_json::from_slice(unsafe { std::slice::from_raw_parts(data, len) }).unwrap();
        ctx.seen.lock().unwrap().push(v);
    }
    extern "C" fn release(ctx: *mut c_void) {
        let ctx = unsafe { &*(ctx as *const Ctx) };
        *ctx.released.lock().unwrap() += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let lib = Lib::init(config(dir.path(), None)).unwrap();
    let ctx = Arc::new(Ctx {
        seen: Mutex::new(vec![]),
        released: Mutex::new(0),
    });
    let raw = Arc::as_ptr(&ctx) as *mut c_void;
    let mut id = 0u64;
    assert_eq!(
        unsafe { ots_subscribe(lib.0, listener, raw, Some(release), &mut id) },
        OTS_OK
    );
    let before = lib.call("current", json!([]));
    let after = lib.call("end", json!([]));
    lib.call("setAttribute", json!(["k", true]));
    {
        let seen = ctx.seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(seen[0]["session"]["id"], after["id"]);
        assert_eq!(seen[0]["previous"]["id"], before["id"]);
        assert_eq!(seen[1]["session"]["attributes"]["k"], json!(true));
    }
    assert_eq!(unsafe { ots_unsubscribe(lib.0, id) }, OTS_OK);
    assert_eq!(*ctx.released.lock().unwrap(), 1);
    lib.call("end", json!([]));
    assert_eq!(
        ctx.seen.lock().unwrap().len(),
        2,
        "no call after unsubscribe"
    );
    assert_eq!(
        unsafe { ots_unsubscribe(lib.0, id) },
        OTS_OK,
        "twice is harmless"
    );
    // A subscription still open when the handle goes is released then.
    let ctx2 = Arc::new(Ctx {
        seen: Mutex::new(vec![]),
        released: Mutex::new(0),
    });
    unsafe {
        ots_subscribe(
            lib.0,
            listener,
            Arc::as_ptr(&ctx2) as *mut c_void,
            Some(release),
            &mut id,
        )
    };
    drop(lib);
    assert_eq!(*ctx2.released.lock().unwrap(), 1);
    assert_eq!(*ctx.released.lock().unwrap(), 1);
}

#[test]
fn init_errors_name_the_field_and_nothing_starts() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    let (status, msg) =
        Lib::init(json!({"serviceName": "a", "storageDir": dir.path(), "sampleRate": "all"}))
            .err()
            .unwrap();
    assert_eq!(status, OTS_TYPE_ERROR);
    assert_eq!(
        msg,
        "Sessions.init: config.sampleRate must be a number from 0 to 1; got \"all\""
    );
    let (status, msg) =
        Lib::init(json!({"serviceName": "a", "storageDir": dir.path(), "maxQueueBytes": 5}))
            .err()
            .unwrap();
    assert_eq!(status, OTS_RANGE_ERROR, "{msg}");
    let mut err = empty();
    let mut h = std::ptr::null_mut();
    let bad = b"{not json";
    assert_eq!(
        unsafe { ots_init(bad.as_ptr(), bad.len(), &mut h, &mut err) },
        OTS_TYPE_ERROR
    );
    assert!(take(err).starts_with("Sessions.init: the arguments could not be read"));
    // A lone surrogate, as JSON.stringify writes it, is refused with a clear message.
    let lone = br#"{"serviceName": "\ud800"}"#;
    let mut err = empty();
    assert_eq!(
        unsafe { ots_init(lone.as_ptr(), lone.len(), &mut h, &mut err) },
        OTS_TYPE_ERROR
    );
    assert!(take(err).contains("valid Unicode"));
}

/// Values a JS caller can pass, as the C++ side serialises them.
fn nasty_values() -> Vec<Value> {
    let mut deep = json!(1);
    for _ in 0..40 {
        deep = json!([deep]);
    }
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(1e308),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("x".repeat(100_000)),
        json!("\u{0}\u{fffd}"),
        json!([]),
        json!([1, "a"]),
        json!({}),
        json!({"a": {"b": 1}}),
        json!({"$number": "NaN"}),
        json!({"$number": "-Infinity"}),
        json!({"$unsupported": "a function"}),
        json!({"$unsupported": "a symbol"}),
        json!({"$unsupported": "too deep"}),
        json!({"session.id": "x"}),
        json!({"k": {"$number": "Infinity"}}),
        deep,
    ]
}

#[test]
fn hundreds_of_bad_inputs_give_clear_errors_and_never_panic() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    let lib = Lib::init(config(dir.path(), None)).unwrap();
    let methods = [
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
        "nope",
        "",
    ];
    // Each value serialised once: the argument lists are joined from these strings, as
    // serde_json would write them (re-serialising the 100 KB string for every call was most of
    // this test's time, 25 min under qemu-arm).
    let values: Vec<String> = nasty_values().iter().map(Value::to_string).collect();
    let (mut calls, mut errors) = (0, 0);
    for m in methods {
        for a in &values {
            for b in &values {
                for args in [
                    format!("[{a}]"),
                    format!("[{a},{b}]"),
                    format!("[{b},{a},{a}]"),
                    format!("[{a},{a},{a},{a},{a}]"),
                ] {
                    let (status, msg) = lib.call_raw(m, &args);
                    calls += 1;
                    assert_ne!(status, OTS_INTERNAL, "{m}({args}) panicked");
                    if status != OTS_OK {
                        errors += 1;
                        let head: String = msg.chars().take(200).collect();
                        assert!(
                            msg.starts_with(&format!("Sessions.{m}: ")),
                            "{m}: message names the method: {head}"
                        );
                        assert!(msg.len() < 400, "{m}: short message: {head}…");
                    }
                }
            }
        }
    }
    // Raw garbage where JSON is expected, and invalid UTF-8 method names.
    for garbage in ["", "[", "{}", "null", "\"x\"", "[1,", "\u{0}"] {
        let (status, _) = lib.call_raw("setAttribute", garbage);
        assert_ne!(status, OTS_INTERNAL);
    }
    let mut out = empty();
    let bad_name = [0xff_u8, 0xfe];
    let status = unsafe { ots_call(lib.0, bad_name.as_ptr(), 2, b"[]".as_ptr(), 2, &mut out) };
    assert_eq!(status, OTS_TYPE_ERROR);
    take(out);
    // A null handle is an error, not a crash.
    let mut out = empty();
    let status = unsafe {
        ots_call(
            std::ptr::null(),
            b"current".as_ptr(),
            7,
            b"[]".as_ptr(),
            2,
            &mut out,
        )
    };
    assert_eq!(status, OTS_ERROR);
    assert_eq!(take(out), "Sessions.current: called before init");
    // Async methods: bad arguments settle at once with an error.
    let (status, msg) = lib.call_async("flush", json!([{"$number": "NaN"}]));
    assert_eq!(status, OTS_RANGE_ERROR);
    assert!(
        msg.starts_with("Sessions.flush: argument 'timeoutMs'"),
        "{msg}"
    );
    let (status, _) = lib.call_async("current", json!([]));
    assert_eq!(status, OTS_TYPE_ERROR);
    assert!(
        calls > 5000 && errors > 1000,
        "{calls} calls, {errors} errors"
    );
    // The library still works.
    assert_eq!(
        lib.call("current", json!([]))["id"].as_str().unwrap().len(),
        32
    );
}

#[test]
fn lifecycle_before_init_sets_the_launch_state_and_after_init_drives_the_engine() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    ots_app_background();
    let platform = json!({"storageDir": dir.path(), "resource": {"os.version": "14"}}).to_string();
    let mut err = empty();
    assert_eq!(
        unsafe { ots_set_platform_info(platform.as_ptr(), platform.len(), &mut err) },
        OTS_OK
    );
    take(err);
    let lib = Lib::init(json!({"serviceName": "lifecycle", "backgroundTimeoutMs": 0})).unwrap();
    // Launched in the background with a zero background timeout: the first session has
    // already ended when the app comes to the foreground, which starts the next one.
    ots_app_foreground();
    let now = lib.call("current", json!([]));
    let history = lib.call("history", json!([]));
    assert_eq!(history[0]["endReason"], "background_timeout");
    assert_eq!(now["previousId"], history[0]["id"]);
    ots_app_background();
    ots_app_foreground();
    assert_ne!(lib.call("current", json!([]))["id"], now["id"]);
    let bad = b"{\"resource\": {\"k\": {\"$number\": \"NaN\"}}}";
    let mut err = empty();
    assert_eq!(
        unsafe { ots_set_platform_info(bad.as_ptr(), bad.len(), &mut err) },
        OTS_TYPE_ERROR
    );
    assert!(take(err).contains("NaN"));
}

#[test]
fn a_second_init_shares_the_running_instance_and_the_last_release_shuts_down() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    let a = Lib::init(config(dir.path(), None)).unwrap();
    let b =
        Lib::init(json!({"serviceName": "other", "storageDir": "/nonexistent/ignored"})).unwrap();
    assert_eq!(
        a.call("current", json!([]))["id"],
        b.call("current", json!([]))["id"]
    );
    drop(a);
    let id = b.call("current", json!([]))["id"].clone();
    drop(b);
    assert_saved_with_clean_exit(dir.path(), "released");
    // A reload: a new init resumes the session.
    let c = Lib::init(config(dir.path(), None)).unwrap();
    assert_eq!(c.call("current", json!([]))["id"], id);
}

#[test]
fn a_start_that_fails_after_init_returned_fails_each_later_call_by_name_and_init_retries() {
    let _s = serial();
    install_transport(Mode::Http);
    let dir = tempfile::tempdir().unwrap();
    // The journal's directory cannot be created: the start fails after `init` has returned
    // (the storage directory itself is fine, so its lock is taken).
    std::fs::write(dir.path().join("journal"), b"not a directory").unwrap();
    let cfg = config(dir.path(), Some("http://127.0.0.1:9".into()));
    let lib = Lib::init(cfg.clone()).expect("init returns before the start");
    for method in ["current", "history"] {
        let (status, msg) = lib.call_raw(method, "[]");
        assert_eq!(status, OTS_ERROR, "{method}: {msg}");
        assert!(
            msg.starts_with(&format!("Sessions.{method}: the library did not start")),
            "{msg}"
        );
        assert!(
            msg.contains("journal") && msg.contains("Sessions.init again"),
            "{msg}"
        );
    }
    let (status, msg) = lib.call_raw("recordEvents", r#"[[["e", null, 1]], 1]"#);
    assert_eq!(status, OTS_ERROR, "{msg}");
    assert!(
        msg.starts_with("Sessions.recordEvents: the library did not start"),
        "{msg}"
    );
    let (status, msg) = lib.call_async("flush", json!([]));
    assert_eq!(status, OTS_ERROR, "{msg}");
    assert!(
        msg.starts_with("Sessions.flush: the library did not start"),
        "{msg}"
    );
    let mut id = 0;
    extern "C" fn never(_: *mut c_void, _: *const u8, _: usize) {}
    let refused = unsafe { ots_subscribe(lib.0, never, std::ptr::null_mut(), None, &mut id) };
    assert_eq!(refused, OTS_ERROR);

    // Fixed, a new init starts afresh (a failed start is not kept as the running instance).
    std::fs::remove_file(dir.path().join("journal")).unwrap();
    let again = Lib::init(cfg).unwrap();
    drop(lib);
    assert_eq!(
        again.call("history", json!([])).as_array().unwrap().len(),
        1
    );
}

#[test]
fn releasing_the_last_handle_during_the_start_waits_for_it_or_cancels_it() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    let first = Lib::init(config(dir.path(), None)).unwrap();
    let id = first.call("current", json!([]))["id"].clone();
    drop(first);
    // Released at once, many times: each start is cancelled before it begins or ends in a
    // clean shutdown before the release returns, so no two instances ever share the
    // directory and the session simply resumes each time.
    for i in 0..40 {
        drop(Lib::init(config(dir.path(), None)).unwrap());
        assert_saved_with_clean_exit(dir.path(), &format!("release {i}"));
    }
    let last = Lib::init(config(dir.path(), None)).unwrap();
    assert_eq!(last.call("current", json!([]))["id"], id);
    let history = last.call("history", json!([]));
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
}

#[test]
fn the_platform_transport_contract_at_the_c_abi() {
    use common::{remove_transport, LAST_ID, RELEASED, SENT};
    use std::sync::atomic::Ordering;
    let _s = serial();
    let complete = |id: u64, status: i32, body: &str| unsafe {
        ots_transport_complete(id, status, std::ptr::null(), 0, body.as_ptr(), body.len())
    };
    let sent = || SENT.load(Ordering::SeqCst);
    let wait_sent = |more_than: u64| {
        otel_sessions_test_support::wait_until(
            Duration::from_secs(60),
            "a request to the platform",
            || sent() > more_than,
        )
    };

    remove_transport();
    let dir = tempfile::tempdir().unwrap();
    let lib = Lib::init(config(
        dir.path(),
        Some("http://collector.test:4318".into()),
    ))
    .unwrap();
    lib.call("recordEvent", json!(["queued", {}]));
    let (status, message) = lib.call_async("flush", json!([300]));
    assert_eq!(status, OTS_ERROR);
    assert!(
        message.contains("no platform HTTP transport is registered"),
        "flush says why: {message}"
    );

    install_transport(Mode::Silent);
    let before = sent();
    let _ = lib.call_async("flush", json!([0])); // asks for an attempt now
    wait_sent(before);
    let first = LAST_ID.load(Ordering::SeqCst);
    assert_eq!(
        complete(first, 777, ""),
        OTS_RANGE_ERROR,
        "an impossible status"
    );
    assert_eq!(complete(first, 200, ""), OTS_ERROR, "completed already");
    assert_eq!(complete(u64::MAX, 200, ""), OTS_ERROR, "an unknown id");

    let before = sent();
    let _ = lib.call_async("flush", json!([0]));
    wait_sent(before);
    let second = LAST_ID.load(Ordering::SeqCst);
    assert_ne!(second, first);
    assert_eq!(complete(second, 200, ""), OTS_OK, "a delivery");

    let released = RELEASED.load(Ordering::SeqCst);
    install_transport(Mode::Silent); // replaces the registered one: its context is released
    assert_eq!(RELEASED.load(Ordering::SeqCst), released + 1);

    let before = sent();
    lib.call("recordEvent", json!(["in.flight", {}]));
    let _ = lib.call_async("flush", json!([0]));
    wait_sent(before);
    let in_flight = LAST_ID.load(Ordering::SeqCst);
    let started = std::time::Instant::now();
    drop(lib); // the last handle: shutdown must not wait for the silent platform
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(
        complete(in_flight, 200, ""),
        OTS_ERROR,
        "nobody waits after shutdown"
    );
    install_transport(Mode::Http);
}
