//! Delivery faults against a real loopback receiver: nothing retryable is lost, nothing
//! non-retryable is retried.

mod common;
use common::*;

use std::time::{Duration, Instant};

use otel_sessions_telemetry::TelemetryConfig;
use otlp_receiver::{Fault, Receiver};

/// Records `n` events in the current session and returns that session's id.
fn record(t: &otel_sessions_telemetry::Telemetry, n: usize) -> String {
    for _ in 0..n {
        t.record_event("tick", &[]).unwrap();
    }
    t.engine().current().id.to_string()
}

fn assert_all_arrived(rx: &Receiver, session: &str, n: i64) {
    wait_until(rx, "every record", |r| {
        let got = seqs_by_session(r);
        let mut seqs = got.get(session).cloned().unwrap_or_default();
        seqs.dedup(); // at least once: duplicates are allowed
        seqs == (1..=n).collect::<Vec<_>>()
    });
}

#[test]
fn receiver_down_then_up_loses_nothing() {
    let port = {
        let rx = Receiver::start().unwrap();
        let p = rx.port();
        rx.stop();
        p
    };
    let dir = tempfile::tempdir().unwrap();
    let t = start(config(dir.path(), Some(format!("http://127.0.0.1:{port}"))));
    let s = record(&t, 20);
    let err = t.flush(Duration::from_millis(300)).unwrap_err().to_string();
    assert!(err.contains("stay on disk"), "{err}");
    assert!(t.stats().queued_requests > 0);
    let rx = Receiver::start_on(port).unwrap();
    t.flush(*WAIT).unwrap();
    assert_all_arrived(&rx, &s, 20);
    assert_eq!(t.stats().queued_requests, 0);
}

#[test]
fn a_503_with_retry_after_is_retried_no_sooner_than_asked() {
    let rx = Receiver::start().unwrap();
    rx.push_faults([Fault::StatusRetryAfter(503, "1".into())]);
    let dir = tempfile::tempdir().unwrap();
    let t = start(config(dir.path(), Some(rx.endpoint())));
    let s = record(&t, 3);
    let began = Instant::now();
    t.flush(*WAIT).unwrap();
    assert!(
        began.elapsed() >= Duration::from_millis(900),
        "Retry-After: 1 s was honoured"
    );
    assert_all_arrived(&rx, &s, 3);
    assert_eq!(rx.requests()[0].status, 503);
}

#[test]
fn a_429_and_gateway_errors_are_retried() {
    let rx = Receiver::start().unwrap();
    rx.push_faults([
        Fault::Status(429),
        Fault::Status(502),
        Fault::Status(504),
        Fault::Status(503),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let t = start(config(dir.path(), Some(rx.endpoint())));
    let s = record(&t, 5);
    t.flush(*WAIT).unwrap();
    assert_all_arrived(&rx, &s, 5);
    assert_eq!(t.stats().rejected_requests, 0);
}

/// A configuration where only an explicit flush writes a batch, so that records made
/// together go out in one request, however slowly the machine makes them.
fn one_request_per_flush(dir: &std::path::Path, rx: &Receiver) -> TelemetryConfig {
    let mut c = config(dir, Some(rx.endpoint()));
    c.batch_delay = Duration::from_secs(600);
    c
}

#[test]
fn a_400_is_dropped_counted_and_never_retried() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = start(one_request_per_flush(dir.path(), &rx));
    t.flush(*WAIT).unwrap(); // session.start goes through first
    let before = rx.requests().len();
    rx.push_faults([Fault::Status(400)]);
    record(&t, 4);
    t.flush(*WAIT).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.requests().len(), before + 1, "one attempt, no retry");
    assert_eq!(t.stats().rejected_requests, 1);
    // The loss is reported on the next session.end.
    let s = t.engine().current().id.to_string();
    t.engine().end();
    t.flush(*WAIT).unwrap();
    let r = rx.received();
    let end = ends(&r)[&s];
    assert_eq!(
        end.attr("rn_otel_sessions.outbox.rejected_requests")
            .and_then(|v| v.as_i64()),
        Some(1)
    );
}

#[test]
fn slow_responses_past_the_timeout_are_retried() {
    let rx = Receiver::start().unwrap();
    rx.push_faults([Fault::Delay(
        Duration::from_millis(2500),
        Box::new(Fault::Ok),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), Some(rx.endpoint()));
    c.export_timeout = Duration::from_millis(800); // well below the 2.5 s delay
    let t = start(c);
    let s = record(&t, 3);
    t.flush(*WAIT).unwrap();
    assert_all_arrived(&rx, &s, 3);
    assert!(
        rx.requests().len() >= 2,
        "the timed-out request was sent again"
    );
}

#[test]
fn a_connection_reset_mid_request_is_retried() {
    let rx = Receiver::start().unwrap();
    rx.push_faults([Fault::Reset, Fault::Reset]);
    let dir = tempfile::tempdir().unwrap();
    let t = start(config(dir.path(), Some(rx.endpoint())));
    let s = record(&t, 3);
    t.flush(*WAIT).unwrap();
    assert_all_arrived(&rx, &s, 3);
}

#[test]
fn a_partial_success_is_counted_and_not_retried() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = start(one_request_per_flush(dir.path(), &rx));
    t.flush(*WAIT).unwrap();
    let before = rx.requests().len();
    rx.push_faults([Fault::PartialSuccess {
        rejected: 2,
        message: "two were malformed".into(),
    }]);
    record(&t, 2);
    t.flush(*WAIT).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(rx.requests().len(), before + 1);
    let stats = t.stats();
    assert_eq!((stats.rejected_items, stats.rejected_requests), (2, 0));
}
