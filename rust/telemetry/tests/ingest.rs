//! Spans and log records made outside the providers (the JS SDK's, handed over by the JS
//! bridge) reach a real receiver through the same pipeline, with sessions and sequence numbers.

mod common;
use common::*;

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use opentelemetry::logs::{AnyValue, Severity};
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{InstrumentationScope, Key, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use otel_sessions_engine::AttributeValue;
use otel_sessions_telemetry::{ForeignLog, Telemetry};
use otlp_receiver::Receiver;

fn span(name: &'static str, trace: u128, id: u64, attributes: Vec<KeyValue>) -> SpanData {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let ctx = SpanContext::new(
        TraceId::from(trace),
        SpanId::from(id),
        TraceFlags::SAMPLED,
        false,
        TraceState::default(),
    );
    let linked = SpanContext::new(
        TraceId::from(7u128),
        SpanId::from(8u64),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    let mut events = SpanEvents::default();
    events.events.push(Event::new(
        "tapped",
        start + Duration::from_millis(10),
        vec![KeyValue::new("x", 1)],
        0,
    ));
    let mut links = SpanLinks::default();
    links.links.push(Link::new(linked, vec![], 0));
    SpanData {
        span_context: ctx,
        parent_span_id: SpanId::from(99u64),
        parent_span_is_remote: false,
        span_kind: SpanKind::Client,
        name: Cow::Borrowed(name),
        start_time: start,
        end_time: start + Duration::from_millis(250),
        attributes,
        dropped_attributes_count: 2,
        events,
        links,
        status: Status::error("boom"),
        instrumentation_scope: InstrumentationScope::builder("js-app")
            .with_version("2.0.0")
            .build(),
    }
}

fn started(rx: &Receiver, dir: &std::path::Path) -> Telemetry {
    let t = start(config(dir, Some(rx.endpoint())));
    t.engine()
        .set_attribute("app.screen", AttributeValue::String("cart".into()))
        .unwrap();
    t
}

#[test]
fn a_foreign_span_keeps_its_stamp_and_its_fields() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = started(&rx, dir.path());
    // Stamped where it started, as the JS span processor does.
    let stamp = t.engine().record();
    let id = stamp.session.id.to_string();
    t.ingest_span(span(
        "GET /cart",
        0xabc,
        0x1,
        vec![
            KeyValue::new("session.id", id.clone()),
            KeyValue::new("rn_otel_sessions.seq", stamp.sequence as i64),
            KeyValue::new("http.method", "GET"),
        ],
    ));
    t.flush(*WAIT).unwrap();

    let r = rx.received();
    let s = r.span_named("GET /cart").expect("the span arrived");
    assert_eq!(s.attr("session.id").and_then(|v| v.as_str()), Some(&*id));
    assert_eq!(
        s.attr("rn_otel_sessions.seq").and_then(|v| v.as_i64()),
        Some(stamp.sequence as i64)
    );
    assert_eq!(s.attr("http.method").and_then(|v| v.as_str()), Some("GET"));
    assert!(
        s.attr("app.screen").is_none(),
        "a stamped span is not stamped twice"
    );
    assert_eq!(s.trace_id, format!("{:032x}", 0xabc));
    assert_eq!(s.parent_span_id, format!("{:016x}", 99));
    assert_eq!(s.events.len(), 1);
    assert_eq!(s.events[0].name, "tapped");
    assert_eq!(s.status_message, "boom");
    assert_eq!(s.scope_name, "js-app");
    assert_eq!(
        s.resource_attr("service.name").and_then(|v| v.as_str()),
        Some("telemetry-tests"),
        "exported under the telemetry's resource"
    );
    assert_eq!(s.end_time_unix_nano - s.start_time_unix_nano, 250_000_000);
}

#[test]
fn an_unstamped_foreign_span_and_log_get_the_current_session_and_the_next_numbers() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = started(&rx, dir.path());
    let session = t.engine().current().id.to_string();
    t.ingest_span(span("plain", 0xdef, 0x2, vec![]));
    let scope = InstrumentationScope::builder("js-logs").build();
    t.ingest_log(
        &scope,
        ForeignLog {
            timestamp: Some(SystemTime::now()),
            severity: Some(Severity::Warn),
            severity_text: Some("WARN".into()),
            event_name: Some("cart.abandoned".into()),
            body: Some(AnyValue::String("left with 3 items".into())),
            attributes: vec![(Key::new("cart.items"), AnyValue::Int(3))],
            trace_context: Some((TraceId::from(0xdefu128), SpanId::from(2u64), None)),
            ..ForeignLog::default()
        },
    );
    t.flush(*WAIT).unwrap();

    let r = rx.received();
    let s = r.span_named("plain").expect("the span arrived");
    assert_eq!(
        s.attr("session.id").and_then(|v| v.as_str()),
        Some(&*session)
    );
    assert_eq!(s.attr("app.screen").and_then(|v| v.as_str()), Some("cart"));
    let log = &r.logs_named("cart.abandoned")[0];
    assert_eq!(
        log.attr("session.id").and_then(|v| v.as_str()),
        Some(&*session)
    );
    assert_eq!(log.severity_text, "WARN");
    assert_eq!(log.body_text(), Some("left with 3 items"));
    assert_eq!(log.trace_id, format!("{:032x}", 0xdef));
    assert_eq!(log.scope_name, "js-logs");
    assert_eq!(
        seqs_by_session(&r)[&session],
        vec![1, 2],
        "numbered in the session's own sequence"
    );
}

#[test]
fn consent_denied_drops_foreign_records_too() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = started(&rx, dir.path());
    t.set_consent(otel_sessions_telemetry::Consent::Denied);
    t.ingest_span(span("denied", 0x1, 0x3, vec![]));
    t.set_consent(otel_sessions_telemetry::Consent::Granted);
    t.ingest_span(span("granted", 0x1, 0x4, vec![]));
    t.flush(*WAIT).unwrap();
    let r = rx.received();
    assert!(r.span_named("denied").is_none());
    assert!(r.span_named("granted").is_some());
}

/// A batch of JS events handed over and journaled, whose journal segment the system will not
/// open when the event worker reads it back (too many open files in the app: here a symbolic
/// link to itself, which fails the same way, as an error of the system): its events cannot be
/// recorded, and they are counted as dropped in the session's `session.end`, not lost
/// silently.
#[test]
fn a_handed_over_batch_that_cannot_be_read_back_counts_as_dropped() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), Some(rx.endpoint()));
    cfg.max_queue_bytes = 64 * 1024; // segments of 4 KiB
    let t = start(cfg);
    // A batch the exporter stops at (it is not recorded yet), then, a segment or more later,
    // the batch under test, in a segment the exporter has not read (a segment it has read stays
    // mapped, and is read through that mapping however the file fails).
    let first = t.hand_over(br#"[["first",{}]]"#, 1);
    let pad = [("pad".to_string(), AttributeValue::String("x".repeat(400)))];
    for _ in 0..12 {
        t.record_event("filler", &pad).unwrap();
    }
    let batch = t.hand_over(br#"[["tapB",{}],["tapB",{}],["tapB",{}]]"#, 3);
    // Later records roll the journal past the batch's segment; the exporter's round unmaps the
    // segments the writer has left.
    for _ in 0..30 {
        t.record_event("filler", &pad).unwrap();
    }
    t.write_to_disk();
    let journal = dir.path().join("journal");
    let segments: Vec<_> = std::fs::read_dir(&journal)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    let holding = |what: &[u8]| {
        let found: Vec<_> = segments
            .iter()
            .filter(|p| {
                std::fs::read(p)
                    .unwrap()
                    .windows(what.len())
                    .any(|w| w == what)
            })
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one segment holds {:?}",
            String::from_utf8_lossy(what)
        );
        found[0].clone()
    };
    let unread = holding(b"tapB");
    assert_ne!(
        unread,
        holding(b"first"),
        "the batches are in different segments"
    );
    let put_back = otel_sessions_test_support::unopenable(&unread);
    let read = t.with_batch_bytes(&batch, |raw| raw.len());
    put_back();
    assert_eq!(read, None, "the batch could not be read back");
    t.batch_done(&batch);
    assert!(t.with_batch_bytes(&first, |raw| raw.len()).is_some());
    t.batch_done(&first);

    let session = t.engine().current().id.to_string();
    t.engine().end();
    t.flush(*WAIT).unwrap();
    let received = rx.received();
    let end = ends(&received)[&session].clone();
    assert_eq!(
        end.attr("rn_otel_sessions.dropped_count")
            .and_then(|v| v.as_i64()),
        Some(3),
        "the batch's three events are counted"
    );
}
