//! Shared helpers: a telemetry pipeline with fast timings pointed at a loopback receiver,
//! and checks over what the receiver decoded.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use otel_sessions_engine::{Engine, SessionPolicy};
use otel_sessions_telemetry::{Telemetry, TelemetryConfig};
use otlp_receiver::{Received, Receiver};

/// How long a test waits for delivery before failing: only a hang takes this long (a minute,
/// times the emulator's [`slowdown`](otel_sessions_test_support::slowdown)).
pub static WAIT: LazyLock<Duration> =
    LazyLock::new(|| Duration::from_secs(60) * otel_sessions_test_support::slowdown());

/// A configuration with timings short enough for tests. The request timeout stays the
/// default (10 s): a shorter one makes a slow, loaded machine time out and resend requests
/// that tests count (a test of the timeout sets its own).
pub fn config(dir: &Path, endpoint: Option<String>) -> TelemetryConfig {
    let mut c = TelemetryConfig::new("telemetry-tests", dir);
    c.service_version = Some("1.2.3".into());
    c.endpoint = endpoint;
    c.transport = Some(otel_sessions_test_support::HttpTransport::shared());
    c.batch_delay = Duration::from_millis(30);
    c.export_timeout = Duration::from_secs(10) * otel_sessions_test_support::slowdown();
    c.retry_base = Duration::from_millis(20);
    c.retry_max = Duration::from_millis(200);
    c
}

pub fn start(config: TelemetryConfig) -> Telemetry {
    start_with(config, SessionPolicy::default())
}

pub fn start_with(config: TelemetryConfig, policy: SessionPolicy) -> Telemetry {
    let engine = Engine::builder(&config.storage_dir).policy(policy);
    Telemetry::start(config, engine).expect("telemetry starts")
}

/// A closed port: nothing listens there.
pub fn dead_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

/// One record as the backend saw it: its session and sequence number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seen {
    pub session: String,
    pub seq: i64,
}

/// Every stamped record (span or non-session log) received, by session.
pub fn seqs_by_session(r: &Received) -> BTreeMap<String, Vec<i64>> {
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let spans = r
        .spans
        .iter()
        .map(|s| (s.attr("session.id"), s.attr("rn_otel_sessions.seq")));
    let logs = r
        .logs
        .iter()
        .map(|l| (l.attr("session.id"), l.attr("rn_otel_sessions.seq")));
    for (id, seq) in spans.chain(logs) {
        if let (Some(id), Some(seq)) = (id.and_then(|v| v.as_str()), seq.and_then(|v| v.as_i64())) {
            out.entry(id.to_owned()).or_default().push(seq);
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
    }
    out
}

/// The `session.end` events received, by session id (duplicates collapsed).
pub fn ends(r: &Received) -> BTreeMap<String, &otlp_receiver::LogRecord> {
    r.logs
        .iter()
        .filter(|l| l.event_name == "session.end")
        .filter_map(|l| Some((l.attr("session.id")?.as_str()?.to_owned(), l)))
        .collect()
}

pub fn starts(r: &Received) -> BTreeSet<String> {
    r.logs
        .iter()
        .filter(|l| l.event_name == "session.start")
        .filter_map(|l| Some(l.attr("session.id")?.as_str()?.to_owned()))
        .collect()
}

pub fn wait_until(receiver: &Receiver, what: &str, pred: impl Fn(&Received) -> bool) {
    assert!(
        receiver.wait_for(pred, *WAIT),
        "timed out waiting for {what}"
    );
}
