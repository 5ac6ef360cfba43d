//! End to end through a real OTLP/HTTP receiver on loopback that gunzips and decodes the
//! protobuf: sessions on every record, start/end events, gap-free sequence numbers, counts.

mod common;
use common::*;

use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use otel_sessions_engine::AttributeValue;
use otlp_receiver::Receiver;

#[test]
fn every_record_carries_its_session_and_session_events_follow_the_conventions() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = start(config(dir.path(), Some(rx.endpoint())));
    let engine = t.engine().clone();
    let first = engine.current();
    t.engine()
        .set_attribute("app.screen", AttributeValue::String("home".into()))
        .unwrap();
    let tracer = t.tracer_provider().tracer("tests");
    for i in 0..5 {
        tracer.in_span(format!("span-{i}"), |_| {});
        t.record_event(
            "app.click",
            &[("button".into(), AttributeValue::String("buy".into()))],
        )
        .unwrap();
    }
    let second = engine.end();
    tracer.in_span("after-end", |_| {});
    t.flush(*WAIT).unwrap();

    let r = rx.received();
    // Every span and every log record carries a session id.
    assert!(r.spans.iter().all(|s| s.attr("session.id").is_some()));
    assert!(r.logs.iter().all(|l| l.attr("session.id").is_some()));
    let by_session = seqs_by_session(&r);
    let a = first.id.to_string();
    let b = second.id.to_string();
    assert_eq!(
        by_session[&a],
        (1..=10).collect::<Vec<_>>(),
        "gap-free, in the session's own numbering"
    );
    assert_eq!(by_session[&b], vec![1]);
    // Session attributes are stamped on the records.
    let click = r.logs.iter().find(|l| l.event_name == "app.click").unwrap();
    assert_eq!(
        click.attr("app.screen").and_then(|v| v.as_str()),
        Some("home")
    );
    assert_eq!(click.attr("button").and_then(|v| v.as_str()), Some("buy"));
    // session.start / session.end per the semantic conventions.
    assert_eq!(starts(&r), [a.clone(), b.clone()].into_iter().collect());
    let start_b = r
        .logs
        .iter()
        .find(|l| {
            l.event_name == "session.start"
                && l.attr("session.id").and_then(|v| v.as_str()) == Some(&b)
        })
        .unwrap();
    assert_eq!(
        start_b.attr("session.previous_id").and_then(|v| v.as_str()),
        Some(a.as_str())
    );
    let start_a = r
        .logs
        .iter()
        .find(|l| {
            l.event_name == "session.start"
                && l.attr("session.id").and_then(|v| v.as_str()) == Some(&a)
        })
        .unwrap();
    assert!(
        start_a.attr("session.previous_id").is_none(),
        "the first session has no previous id"
    );
    let end_a = ends(&r)[&a];
    assert_eq!(
        end_a
            .attr("rn_otel_sessions.end_reason")
            .and_then(|v| v.as_str()),
        Some("manual")
    );
    assert_eq!(
        end_a
            .attr("rn_otel_sessions.record_count")
            .and_then(|v| v.as_i64()),
        Some(10)
    );
    assert_eq!(
        end_a
            .attr("rn_otel_sessions.dropped_count")
            .and_then(|v| v.as_i64()),
        Some(0)
    );
    assert_eq!(
        end_a.attr("app.screen").and_then(|v| v.as_str()),
        Some("home"),
        "final attributes"
    );
    assert!(
        end_a.attr("rn_otel_sessions.seq").is_none(),
        "session events are not counted records"
    );
    // The end's count equals what arrived: the backend can tell the session is complete.
    assert_eq!(by_session[&a].len() as i64, 10);
    // Resource.
    let res = |k: &str| {
        r.logs[0]
            .resource_attr(k)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    assert_eq!(res("service.name").as_deref(), Some("telemetry-tests"));
    assert_eq!(res("service.version").as_deref(), Some("1.2.3"));
    assert_eq!(res("telemetry.sdk.language").as_deref(), Some("rust"));
    // Requests were gzip-compressed protobuf.
    assert!(rx.requests().iter().all(|q| q
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("content-encoding") && v == "gzip")));
    drop(t);
}

/// A span carries the session and attributes of the moment it started, however long it runs
/// and whatever changes meanwhile; attributes the app sets, and a `session.id` of its own, stay
/// as the app set them.
#[test]
fn a_span_carries_the_session_and_attributes_it_started_in() {
    use opentelemetry::trace::{Span as _, TraceContextExt as _};
    use opentelemetry::KeyValue;
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = start(config(dir.path(), Some(rx.endpoint())));
    let engine = t.engine().clone();
    let tracer = t.tracer_provider().tracer("tests");
    engine
        .set_attribute("app.screen", AttributeValue::String("home".into()))
        .unwrap();
    let first = engine.current().id.to_string();
    let mut long = tracer
        .span_builder("long")
        .with_attributes([KeyValue::new("before", 1)])
        .start(&tracer);
    // Many snapshots come and go while `long` runs; spans in between end at once.
    for i in 0..40 {
        engine
            .set_attribute("app.screen", AttributeValue::String(format!("s{i}")))
            .unwrap();
        tracer.in_span(format!("short-{i}"), |cx| {
            cx.span().set_attribute(KeyValue::new("after", i));
        });
    }
    // A manual end starts the next session without the attributes (only expiry carries them).
    let second = engine.end().id.to_string();
    engine
        .set_attribute("user.tier", AttributeValue::String("gold".into()))
        .unwrap();
    let mut own = tracer.start("own-id");
    own.set_attribute(KeyValue::new("session.id", "chosen-by-the-app"));
    own.end();
    tracer.in_span("next", |_| {});
    long.set_attribute(KeyValue::new("after", "end"));
    long.end();
    t.flush(*WAIT).unwrap();

    let r = rx.received();
    let span = |name: &str| r.spans.iter().find(|s| s.name == name).unwrap();
    let str_attr = |s: &otlp_receiver::SpanRecord, k: &str| {
        s.attr(k).and_then(|v| v.as_str()).map(str::to_owned)
    };
    let long = span("long");
    let keys: Vec<&str> = long.attributes.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "before",
            "session.id",
            "app.screen",
            "rn_otel_sessions.seq",
            "after"
        ],
        "the app's attributes and the stamp, in the order they were set"
    );
    assert_eq!(str_attr(long, "session.id"), Some(first.clone()));
    assert_eq!(str_attr(long, "app.screen").as_deref(), Some("home"));
    for i in 0..40 {
        let s = span(&format!("short-{i}"));
        assert_eq!(str_attr(s, "session.id"), Some(first.clone()));
        assert_eq!(str_attr(s, "app.screen"), Some(format!("s{i}")));
        assert_eq!(s.attr("after").and_then(|v| v.as_i64()), Some(i));
        assert!(s.attr("user.tier").is_none());
    }
    let next = span("next");
    assert_eq!(str_attr(next, "session.id"), Some(second.clone()));
    assert!(next.attr("app.screen").is_none());
    assert_eq!(str_attr(next, "user.tier").as_deref(), Some("gold"));
    // The app's own session.id is kept beside the stamp, as the app set it.
    let own = span("own-id");
    let ids: Vec<&str> = own
        .attributes
        .iter()
        .filter(|(k, _)| k == "session.id")
        .filter_map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(ids, [second.as_str(), "chosen-by-the-app"]);
    assert_eq!(str_attr(own, "user.tier").as_deref(), Some("gold"));
    // Numbers: every span of the first session, in the order they started.
    let seqs = seqs_by_session(&r);
    assert_eq!(seqs[&first], (1..=41).collect::<Vec<_>>());
    assert_eq!(
        long.attr("rn_otel_sessions.seq").and_then(|v| v.as_i64()),
        Some(1)
    );
}

const CHILD_ENV: &str = "OTEL_SESSIONS_DELIVERY_CHILD";

/// Runs `scenario` in a child process (the ignored test `delivery_child`) on `dir`, waits for
/// it to say it is ready (what it wrote to `ready`), and kills it with SIGKILL: a real kill,
/// whose threads die with it.
fn kill_child_when_ready(scenario: &str, dir: &std::path::Path, endpoint: &str) -> String {
    let mut child = otel_sessions_test_support::child("delivery_child")
        .env(
            CHILD_ENV,
            format!("{scenario}|{}|{endpoint}", dir.display()),
        )
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ready = dir.join("ready");
    otel_sessions_test_support::wait_until(*WAIT, "the child to be ready", || {
        ready.exists() || child.try_wait().unwrap().is_some()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::read_to_string(ready).expect("the child got ready before it exited")
}

#[test]
#[ignore = "child process entry point for the kill tests in this file"]
fn delivery_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut parts = spec.splitn(3, '|');
    let (scenario, dir, endpoint) = (
        parts.next().unwrap().to_owned(),
        std::path::PathBuf::from(parts.next().unwrap()),
        parts.next().unwrap().to_owned(),
    );
    let say = |text: &str| {
        std::fs::write(dir.join("ready.tmp"), text).unwrap();
        std::fs::rename(dir.join("ready.tmp"), dir.join("ready")).unwrap();
    };
    // Kept alive until the kill: a drop would shut down cleanly.
    let _alive = match scenario.as_str() {
        "dies-in-the-foreground" => {
            let t = start(config(&dir, Some(endpoint)));
            t.set_user(Some("alice@example.com")).unwrap();
            t.record_event("one", &[]).unwrap();
            t.flush(*WAIT).unwrap();
            say(&t.engine().current().id.to_string());
            t
        }
        "dies-after-a-start" => {
            let mut c = config(&dir, Some(endpoint));
            c.batch_delay = std::time::Duration::from_secs(600); // only an explicit flush exports
            c.consent = otel_sessions_telemetry::Consent::Pending;
            let policy = otel_sessions_engine::SessionPolicy::builder()
                .background_timeout(std::time::Duration::from_millis(30))
                .build()
                .unwrap();
            let t = start_with(c, policy);
            t.background();
            std::thread::sleep(std::time::Duration::from_millis(80));
            t.foreground(); // ends the expired session, then starts the next (a pending successor)
            let started = t.engine().current().id.to_string();
            // Wait for the engine's periodic save, which records the start as handled (so it
            // is not replayed at the next launch); the kill comes then.
            wait_for_start_acknowledged_on_disk(&dir, &started);
            say(&started);
            t
        }
        other => panic!("unknown scenario {other}"),
    };
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

#[test]
fn the_launch_records_the_end_of_the_previous_run_and_set_user_is_hashed() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The process dies in the foreground.
    let first = kill_child_when_ready("dies-in-the-foreground", dir.path(), &rx.endpoint());

    let t = start(config(dir.path(), Some(rx.endpoint())));
    t.flush(*WAIT).unwrap();
    let r = rx.received();
    let end = ends(&r)[&first];
    assert_eq!(
        end.attr("rn_otel_sessions.end_reason")
            .and_then(|v| v.as_str()),
        Some("abnormal_termination")
    );
    let hash = end
        .attr("user.hash")
        .and_then(|v| v.as_str())
        .unwrap()
        .to_owned();
    assert_eq!(hash.len(), 64);
    let all = format!("{r:?}");
    assert!(
        !all.contains("alice"),
        "the raw user id never reaches telemetry"
    );
}

#[test]
fn without_an_endpoint_nothing_is_stored_or_sent_but_sessions_work() {
    let dir = tempfile::tempdir().unwrap();
    let t = start(config(dir.path(), None));
    let tracer = t.tracer_provider().tracer("tests");
    tracer.in_span("x", |_| {});
    t.record_event("e", &[]).unwrap();
    t.flush(*WAIT).unwrap();
    assert_eq!(
        t.engine().record().sequence,
        3,
        "records still count in the session"
    );
    assert!(!dir.path().join("outbox").exists());
}

#[test]
fn bad_event_names_and_attributes_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let t = start(config(dir.path(), None));
    let e = t.record_event("", &[]).unwrap_err().to_string();
    assert!(e.contains("name"), "{e}");
    let e = t
        .record_event("ok", &[("session.id".into(), AttributeValue::Bool(true))])
        .unwrap_err()
        .to_string();
    assert!(e.contains("reserved"), "{e}");
    let e = t
        .record_event("ok", &[("x".into(), AttributeValue::Double(f64::NAN))])
        .unwrap_err()
        .to_string();
    assert!(e.contains("NaN"), "{e}");
}

#[test]
fn invalid_configuration_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    type Edit = Box<dyn Fn(&mut otel_sessions_telemetry::TelemetryConfig)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("service_name", Box::new(|c| c.service_name = " ".into())),
        (
            "endpoint",
            Box::new(|c| c.endpoint = Some("ftp://x".into())),
        ),
        (
            "endpoint",
            Box::new(|c| c.endpoint = Some("http://x:4318/v1/traces".into())),
        ),
        (
            "headers",
            Box::new(|c| c.headers = vec![("bad header".into(), "v".into())]),
        ),
        (
            "headers",
            Box::new(|c| c.headers = vec![("x-key".into(), "a\r\nb".into())]),
        ),
        ("max_queue_bytes", Box::new(|c| c.max_queue_bytes = 10)),
        (
            "export_timeout",
            Box::new(|c| c.export_timeout = std::time::Duration::ZERO),
        ),
        (
            "error_buffer",
            Box::new(|c| c.error_buffer = Some(1_000_000)),
        ),
    ];
    for (field, f) in cases {
        let mut c = config(dir.path(), None);
        f(&mut c);
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with(&format!("config.{field} ")), "{field}: {e}");
    }
}

#[test]
fn shutdown_is_idempotent_and_leaves_a_clean_exit() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = start(config(dir.path(), Some(rx.endpoint())));
    let id = t.engine().current().id;
    t.record_event("before.shutdown", &[]).unwrap();
    t.shutdown();
    t.shutdown();
    drop(t);
    let state = std::fs::read_to_string(dir.path().join("session-state.json")).unwrap();
    assert!(state.contains("\"clean_exit\":true"));
    // What was in memory went to disk, and the next launch (same session) sends it.
    let t = start(config(dir.path(), Some(rx.endpoint())));
    assert_eq!(
        t.engine().current().id,
        id,
        "a clean relaunch in the foreground resumes"
    );
    t.flush(*WAIT).unwrap();
    assert!(rx
        .received()
        .logs
        .iter()
        .any(|l| l.event_name == "before.shutdown"));
}

#[test]
fn a_session_start_is_on_disk_before_the_call_that_started_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    // The child starts a session, waits until the start is saved as handled, and is killed:
    // the start must be in the journal already (its export interval is 10 minutes).
    let started = kill_child_when_ready("dies-after-a-start", dir.path(), &dead_endpoint());

    let rx = Receiver::start().unwrap();
    let relaunched = start(config(dir.path(), Some(rx.endpoint())));
    relaunched.flush(*WAIT).unwrap();
    assert!(
        starts(&rx.received()).contains(&started),
        "the start of the session killed a moment after it began reached the disk"
    );
}

/// Waits until the saved state no longer lists the start of `session` as unacknowledged
/// (`unacked` in `session-state.json`): the next launch will not replay it.
fn wait_for_start_acknowledged_on_disk(dir: &std::path::Path, session: &str) {
    let path = dir.join("session-state.json");
    let deadline = std::time::Instant::now() + *WAIT;
    loop {
        let state: serde_json::Value = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let acknowledged = state["session"]["id"] == session
            && state["unacked"].as_array().is_some_and(|unacked| {
                !unacked
                    .iter()
                    .any(|e| e["kind"] == "start" && e["session"]["id"] == session)
            });
        if acknowledged {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the start of {session} was not saved as handled: {state}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
