//! The transport contract from the library's side: what a platform receives, and that a
//! platform that answers late, twice or never cannot stall or confuse delivery.
//!
//! The transports here are scripted stand-ins for a platform's HTTP stack (what a broken one
//! does cannot be produced with a real client); the delivery and fault tests run the same
//! seam with a real HTTP client against the receiver.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use otel_sessions_telemetry::{
    answer_deadline, Completion, HttpOutcome, HttpRequest, Telemetry, TelemetryError, Transport,
};
use otel_sessions_test_support::{wait_until, HttpTransport};

/// Keeps every request and completion; answers as the test says.
#[derive(Default)]
struct Scripted {
    requests: Mutex<Vec<HttpRequest>>,
    held: Mutex<Vec<Completion>>,
    answer: Mutex<Option<HttpOutcome>>,
    calls: AtomicUsize,
}

impl Transport for Scripted {
    fn send(&self, request: HttpRequest, done: Completion) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.requests.lock().unwrap().push(request);
        match self.answer.lock().unwrap().clone() {
            Some(outcome) => {
                done.complete(outcome);
            }
            None => self.held.lock().unwrap().push(done), // never answers (unless the test does)
        }
    }
}

fn start(transport: Arc<dyn Transport>, timeout: Duration) -> (tempfile::TempDir, Telemetry) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path(), Some("http://collector.test:4318/".into()));
    cfg.headers = vec![("x-api-key".into(), "k1".into())];
    cfg.export_timeout = timeout;
    cfg.transport = Some(transport);
    let t = common::start(cfg);
    (dir, t)
}

#[test]
fn the_platform_gets_the_url_headers_gzip_body_and_timeout() {
    let transport = Arc::new(Scripted::default());
    *transport.answer.lock().unwrap() = Some(HttpOutcome::Response {
        status: 200,
        retry_after: None,
        body: Vec::new(),
    });
    let (_dir, t) = start(transport.clone(), Duration::from_secs(7));
    t.record_event("checkout", &[]).unwrap();
    t.flush(*common::WAIT).unwrap();
    let requests = transport.requests.lock().unwrap();
    let logs = requests
        .iter()
        .find(|r| r.url.ends_with("/v1/logs"))
        .expect("a logs request");
    assert_eq!(
        logs.url, "http://collector.test:4318/v1/logs",
        "base URL without its trailing slash"
    );
    assert_eq!(
        logs.headers,
        vec![
            (
                "Content-Type".to_owned(),
                "application/x-protobuf".to_owned()
            ),
            ("Content-Encoding".to_owned(), "gzip".to_owned()),
            ("x-api-key".to_owned(), "k1".to_owned()),
        ]
    );
    assert_eq!(&logs.body[..2], &[0x1f, 0x8b], "a gzip body");
    assert_eq!(logs.timeout, Duration::from_secs(7));
    assert_eq!(t.stats().delivered_requests as usize, requests.len());
}

#[test]
fn a_platform_that_never_answers_is_a_failure_after_the_deadline_then_retried() {
    let transport = Arc::new(Scripted::default());
    let timeout = Duration::from_millis(200);
    let (_dir, t) = start(transport.clone(), timeout);
    t.record_event("lost.callback", &[]).unwrap();
    let started = Instant::now();
    let err = t.flush(Duration::from_secs(3)).unwrap_err();
    assert!(
        transport.calls.load(Ordering::SeqCst) >= 2,
        "a second attempt after the first went unanswered"
    );
    assert!(
        started.elapsed() >= answer_deadline(timeout),
        "waited the deadline first"
    );
    match &err {
        TelemetryError::FlushTimeout {
            queued,
            last_failure,
        } => {
            assert!(*queued >= 1);
            let why = last_failure.as_deref().unwrap_or_default();
            assert!(why.contains("gave no answer within 400 ms"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    // The platform answers the first request at last: ignored, it was given up on.
    let first = transport.held.lock().unwrap().remove(0);
    assert!(!first.complete(HttpOutcome::Response {
        status: 200,
        retry_after: None,
        body: Vec::new()
    }));
    assert_eq!(t.stats().delivered_requests, 0);
    assert!(
        t.stats().queued_requests >= 1,
        "still queued for a later attempt"
    );
}

#[test]
fn shutdown_does_not_wait_for_a_platform_that_never_answers() {
    let transport = Arc::new(Scripted::default());
    let (_dir, t) = start(transport.clone(), Duration::from_secs(600));
    t.record_event("in.flight", &[]).unwrap();
    t.write_to_disk();
    wait_until(*common::WAIT, "the request to be in flight", || {
        transport.calls.load(Ordering::SeqCst) >= 1
    });
    let started = Instant::now();
    t.shutdown();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(60),
        "shutdown waited {took:?} for the transport"
    );
    let held = transport.held.lock().unwrap().remove(0);
    assert!(held.is_abandoned(), "the request was given up at shutdown");
}

#[test]
fn statuses_retry_after_and_failures_from_the_platform_follow_the_otlp_rules() {
    // 503 with Retry-After: 1 s is honoured even by flush; then a failure (no response) is
    // retried; then 400 is dropped and counted.
    let transport = Arc::new(Scripted::default());
    let (_dir, t) = start(transport.clone(), Duration::from_secs(5));
    let answer = |o: HttpOutcome| *transport.answer.lock().unwrap() = Some(o);
    answer(HttpOutcome::Response {
        status: 503,
        retry_after: Some("1".into()),
        body: Vec::new(),
    });
    t.record_event("one", &[]).unwrap();
    t.write_to_disk();
    wait_until(*common::WAIT, "the first attempt", || {
        transport.calls.load(Ordering::SeqCst) >= 1
    });
    let first_at = Instant::now();
    answer(HttpOutcome::Failed {
        reason: "connection reset".into(),
    });
    assert!(
        t.flush(Duration::from_millis(500)).is_err(),
        "Retry-After is not cut short"
    );
    assert_eq!(
        transport.calls.load(Ordering::SeqCst),
        1,
        "no attempt during Retry-After"
    );
    wait_until(*common::WAIT, "a retry after Retry-After", || {
        transport.calls.load(Ordering::SeqCst) >= 2
    });
    assert!(first_at.elapsed() >= Duration::from_millis(900));
    let queued = t.stats().queued_requests as u64;
    answer(HttpOutcome::Response {
        status: 400,
        retry_after: None,
        body: Vec::new(),
    });
    t.flush(*common::WAIT).unwrap();
    assert!(queued >= 1);
    assert_eq!(
        t.stats().rejected_requests,
        queued,
        "400: dropped and counted"
    );
    assert_eq!(t.stats().queued_requests, 0);
}

#[test]
fn the_real_http_transport_counts_every_request_it_makes() {
    let rx = otlp_receiver::Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let http = HttpTransport::shared();
    let mut cfg = common::config(dir.path(), Some(rx.endpoint()));
    cfg.transport = Some(http.clone());
    let t = common::start(cfg);
    t.record_event("real", &[]).unwrap();
    t.flush(*common::WAIT).unwrap();
    common::wait_until(&rx, "the event", |r| {
        r.logs.iter().any(|l| l.event_name == "real")
    });
    // Once nothing is left to send, every request made was answered and counted. (Right after
    // flush returns, the uploader may already be sending a request written after it began.)
    wait_until(*common::WAIT, "every request sent to be counted", || {
        t.stats().queued_requests == 0 && http.sent() == t.stats().delivered_requests
    });
}
