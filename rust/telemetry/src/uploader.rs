//! The uploader thread: sends the outbox's files, oldest first, to the OTLP/HTTP endpoint.
//!
//! ```text
//!  loop: consent granted? a file? backoff over? ─► POST {endpoint}/v1/{traces|logs}
//!        2xx ─► delete (a partial success is counted, not retried)
//!        429 502 503 504, connection failure, timeout ─► keep, back off (Retry-After wins)
//!        any other status ─► delete, count as rejected
//! ```

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use prost::Message;

use crate::consent::Consent;
use crate::outbox::{OutboxFile, Signal};
use crate::retry::{classify, Backoff, Verdict};
use crate::shared::Shared;

/// Largest response body read (the OTLP specification's recommended client limit).
const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;
/// How long the thread sleeps when it has nothing to do, before looking again.
const IDLE: Duration = Duration::from_secs(60);

pub(crate) struct UploadConfig {
    pub endpoint: String,
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
}

pub(crate) fn spawn(shared: Arc<Shared>, cfg: UploadConfig) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("otel-sessions-upload".into())
        .spawn(move || run(&shared, &cfg))
}

fn run(shared: &Shared, cfg: &UploadConfig) {
    let Some(outbox) = &shared.outbox else { return };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(cfg.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut backoff = Backoff::new(cfg.retry_base, cfg.retry_max);
    // Our own backoff (a flush may cut it short) and the server's Retry-After (never cut).
    let mut backoff_until: Option<Instant> = None;
    let mut server_until: Option<Instant> = None;
    loop {
        let not_before = backoff_until.max(server_until);
        let ready = shared.consent() == Consent::Granted && outbox.len() > 0;
        let wait = match (ready, not_before) {
            (false, _) => IDLE,
            (true, Some(t)) => t.saturating_duration_since(Instant::now()),
            (true, None) => Duration::ZERO,
        };
        let woke = shared.wake.wait(wait);
        if woke.stop {
            return;
        }
        if woke.attempt_now {
            backoff_until = None;
        }
        let not_before = backoff_until.max(server_until);
        if not_before.is_some_and(|t| t > Instant::now()) || shared.consent() != Consent::Granted {
            continue;
        }
        let Some(file) = outbox.oldest() else {
            continue;
        };
        let body = match outbox.read(&file) {
            Ok(b) => b,
            Err(_) => {
                outbox.remove(&file); // vanished or unreadable: nothing to send
                continue;
            }
        };
        let (verdict, partially_rejected) = send(&agent, cfg, &file, &body);
        if let Some(n) = partially_rejected {
            shared.rejected_items.fetch_add(n, Ordering::Relaxed);
        }
        match verdict {
            Verdict::Delivered => {
                outbox.remove(&file);
                shared.delivered_requests.fetch_add(1, Ordering::Relaxed);
                backoff.reset();
                backoff_until = None;
                server_until = None;
            }
            Verdict::Rejected { .. } => {
                outbox.remove(&file);
                outbox.note_rejected();
            }
            Verdict::Retry { after } => {
                let now = Instant::now();
                backoff_until = Some(now + backoff.next(None));
                server_until = after.map(|a| now + a);
            }
        }
    }
}

/// One attempt: the verdict, and the items a 2xx response says it rejected.
fn send(
    agent: &ureq::Agent,
    cfg: &UploadConfig,
    file: &OutboxFile,
    body: &[u8],
) -> (Verdict, Option<u64>) {
    let url = format!("{}{}", cfg.endpoint, file.signal.path());
    let mut req = agent
        .post(&url)
        .header("Content-Type", "application/x-protobuf");
    if file.gzip {
        req = req.header("Content-Encoding", "gzip");
    }
    for (k, v) in &cfg.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let mut resp = match req.send(body) {
        Ok(r) => r,
        // Connection refused or reset, DNS, TLS, timeout: all retryable.
        Err(_) => return (Verdict::Retry { after: None }, None),
    };
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let verdict = classify(status, retry_after.as_deref(), SystemTime::now());
    let mut rejected = None;
    if verdict == Verdict::Delivered {
        if let Ok(bytes) = resp
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
        {
            rejected = partially_rejected(file.signal, &bytes);
        }
    }
    (verdict, rejected)
}

/// Items a 2xx response says it rejected (partial success). Not retried, per the spec.
fn partially_rejected(signal: Signal, body: &[u8]) -> Option<u64> {
    use opentelemetry_proto::tonic::collector::{logs::v1 as logs, trace::v1 as trace};
    let n = match signal {
        Signal::Traces => {
            trace::ExportTraceServiceResponse::decode(body)
                .ok()?
                .partial_success?
                .rejected_spans
        }
        Signal::Logs => {
            logs::ExportLogsServiceResponse::decode(body)
                .ok()?
                .partial_success?
                .rejected_log_records
        }
    };
    (n > 0).then_some(n as u64)
}
