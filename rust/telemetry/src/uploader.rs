//! The uploader thread: sends the outbox's files, oldest first, to the OTLP/HTTP endpoint,
//! through the platform's transport (see `transport.rs`); every decision is made here.
//!
//! ```text
//!  loop: consent granted? a file? backoff over? ─► Transport: POST {endpoint}/v1/{traces|logs}
//!        2xx ─► delete (a partial success is counted, not retried)
//!        429 502 503 504, no response, no answer in time ─► keep, back off (Retry-After wins)
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
use crate::transport::{answer_deadline, Exchange, HttpOutcome, HttpRequest, Transport};
use crate::unreadable::{Unopened, Unreadable};

/// How long the thread sleeps when it has nothing to do, before looking again.
const IDLE: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub(crate) struct UploadConfig {
    pub endpoint: String,
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub transport: Arc<dyn Transport>,
}

pub(crate) fn spawn(shared: Arc<Shared>, cfg: UploadConfig) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("rn-otel-upload".into())
        .spawn(move || {
            // A bug in the loop is caught and counted; the uploader starts over (its backoff
            // reset), a second later, unless it was stopped.
            while otel_sessions_engine::contain::contained(|| run(&shared, &cfg)).is_none() {
                if shared.stopping() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
}

fn run(shared: &Shared, cfg: &UploadConfig) {
    let Some(outbox) = &shared.outbox else { return };
    let mut backoff = Backoff::new(cfg.retry_base, cfg.retry_max);
    // Our own backoff (a flush may cut it short) and the server's Retry-After (never cut).
    let mut backoff_until: Option<Instant> = None;
    let mut server_until: Option<Instant> = None;
    let unreadable = Unreadable::default();
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
            Ok(b) => {
                unreadable.clear(&file.name);
                b
            }
            Err(Unopened::Unavailable) if unreadable.try_later(file.name.clone()) => {
                // The system refuses for now (too many open files): the request stays, and is
                // tried again after a backoff.
                backoff_until = Some(Instant::now() + backoff.next(None));
                continue;
            }
            Err(why) => {
                unreadable.clear(&file.name);
                match why {
                    Unopened::Gone => outbox.remove(&file), // vanished: nothing to send
                    _ => outbox.discard(&file), // damaged, or unreadable too long: counted
                }
                continue;
            }
        };
        let Some(outcome) = send(shared, cfg, &file, body) else {
            return; // shut down while waiting
        };
        let (verdict, partially_rejected) = judge(&file, outcome, shared);
        if let Some(n) = partially_rejected {
            shared.rejected_items.fetch_add(n, Ordering::Relaxed);
        }
        // Counted before the file goes: whoever sees the outbox empty (a flush) sees the count.
        match verdict {
            Verdict::Delivered => {
                shared.delivered_requests.fetch_add(1, Ordering::Relaxed);
                outbox.remove(&file);
                shared.note_attempt(None);
                backoff.reset();
                backoff_until = None;
                server_until = None;
            }
            Verdict::Rejected { status } => {
                outbox.note_rejected();
                outbox.remove(&file);
                shared.note_attempt(Some(format!(
                    "the backend refused a request with HTTP {status} (dropped, counted)"
                )));
            }
            Verdict::Retry { after } => {
                let now = Instant::now();
                backoff_until = Some(now + backoff.next(None));
                server_until = after.map(|a| now + a);
            }
        }
    }
}

/// One attempt through the transport. `None` when the library shut down meanwhile; a
/// transport that does not answer in time ([`answer_deadline`]) counts as a failure.
fn send(
    shared: &Shared,
    cfg: &UploadConfig,
    file: &OutboxFile,
    body: Vec<u8>,
) -> Option<HttpOutcome> {
    let mut headers = vec![(
        "Content-Type".to_owned(),
        "application/x-protobuf".to_owned(),
    )];
    if file.gzip {
        headers.push(("Content-Encoding".to_owned(), "gzip".to_owned()));
    }
    headers.extend(cfg.headers.iter().cloned());
    let request = HttpRequest {
        url: format!("{}{}", cfg.endpoint, file.signal.path()),
        headers,
        body,
        timeout: cfg.timeout,
    };
    let (exchange, done) = Exchange::new();
    if !shared.begin_exchange(&exchange) {
        return None;
    }
    let deadline = Instant::now() + answer_deadline(cfg.timeout);
    cfg.transport.send(request, done);
    let outcome = exchange.wait(deadline);
    shared.end_exchange();
    match outcome {
        Some(o) => Some(o),
        None if shared.stopping() => None,
        None => Some(HttpOutcome::Failed {
            reason: format!(
                "the platform HTTP transport gave no answer within {} ms",
                answer_deadline(cfg.timeout).as_millis()
            ),
        }),
    }
}

/// The verdict on an outcome, and the items a 2xx response says it rejected.
fn judge(file: &OutboxFile, outcome: HttpOutcome, shared: &Shared) -> (Verdict, Option<u64>) {
    match outcome {
        HttpOutcome::Failed { reason } => {
            shared.note_attempt(Some(format!("no response: {reason}")));
            (Verdict::Retry { after: None }, None)
        }
        HttpOutcome::Response {
            status,
            retry_after,
            body,
        } => {
            let verdict = classify(status, retry_after.as_deref(), SystemTime::now());
            if let Verdict::Retry { .. } = verdict {
                shared.note_attempt(Some(format!("HTTP {status} (retried)")));
            }
            let rejected = match verdict {
                Verdict::Delivered => partially_rejected(file.signal, &body),
                _ => None,
            };
            (verdict, rejected)
        }
    }
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
