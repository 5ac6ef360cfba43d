//! The seam between delivery decisions, made here, and the platform's HTTP stack.
//!
//! ```text
//!  uploader thread ── HttpRequest ──► Transport::send (returns at once)
//!        │                                  └─ platform thread: POST ─► Completion::complete(outcome)
//!        └── waits for the outcome, at most timeout + grace, or until shutdown ◄──┘
//! ```
//!
//! The platform only moves bytes: which request goes next, retries and backoff, `Retry-After`,
//! caps, consent and the counting of rejections stay in the uploader. On a device the
//! transport is OkHttp (Android) or `NSURLSession` (iOS) behind the C ABI; tests and the Linux
//! host plug in a plain HTTP client. The library itself carries no HTTP or TLS code.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The longest the uploader waits past a request's own timeout for the platform's answer
/// before it counts the attempt as a connection failure: the grace is the timeout itself,
/// at most this (a platform applies its timeout late, but not forever).
pub const GRACE: Duration = Duration::from_secs(5);

/// How long the uploader waits for the outcome of a request with `timeout`.
pub fn answer_deadline(timeout: Duration) -> Duration {
    timeout + timeout.min(GRACE)
}

/// Largest response body the library reads (the OTLP specification's recommended client
/// limit); a transport may pass more, the rest is ignored.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// One POST for the transport to perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Absolute `http://` or `https://` URL (`{endpoint}/v1/traces` or `/v1/logs`).
    pub url: String,
    /// `Content-Type`, `Content-Encoding` when the body is gzip'd, then the configured headers.
    pub headers: Vec<(String, String)>,
    /// The body, encoded (and compressed when the headers say so): send it as it is.
    pub body: Vec<u8>,
    /// For the whole call: connect, write, read.
    pub timeout: Duration,
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpOutcome {
    /// The server answered.
    Response {
        /// The HTTP status code (100..=599).
        status: u16,
        /// The raw `Retry-After` header, if any.
        retry_after: Option<String>,
        /// The response body (only a 2xx body is read, for partial success; at most
        /// [`MAX_RESPONSE_BYTES`]).
        body: Vec<u8>,
    },
    /// No response: connection refused or reset, DNS, TLS, timeout, cancelled. Retried.
    Failed {
        /// The platform's description, for diagnostics.
        reason: String,
    },
}

/// A platform HTTP stack. `Send + Sync`: the uploader calls it from its own thread.
pub trait Transport: Send + Sync {
    /// Starts `request` and returns at once; the outcome goes to `done`, exactly once, from
    /// any thread (also from inside this call). Must not block on the network.
    fn send(&self, request: HttpRequest, done: Completion);
}

/// Where a transport reports one request's outcome. Completing twice, or after the uploader
/// stopped waiting (timeout, shutdown), does nothing.
pub struct Completion {
    exchange: Arc<Exchange>,
}

impl fmt::Debug for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completion")
            .field("abandoned", &self.is_abandoned())
            .finish()
    }
}

impl Completion {
    /// Reports the outcome; `false` if nobody waits for it any more (completed before,
    /// timed out or shut down).
    pub fn complete(&self, outcome: HttpOutcome) -> bool {
        let mut s = lock(&self.exchange.state);
        if s.abandoned || s.outcome.is_some() {
            return false;
        }
        s.outcome = Some(match outcome {
            HttpOutcome::Response {
                status,
                retry_after,
                mut body,
            } => {
                body.truncate(MAX_RESPONSE_BYTES);
                HttpOutcome::Response {
                    status,
                    retry_after,
                    body,
                }
            }
            failed => failed,
        });
        self.exchange.cv.notify_all();
        true
    }

    /// Whether the uploader has stopped waiting (a late outcome would be ignored).
    pub fn is_abandoned(&self) -> bool {
        let s = lock(&self.exchange.state);
        s.abandoned || s.outcome.is_some()
    }
}

/// One request's rendezvous between the transport and the uploader.
#[derive(Default)]
pub(crate) struct Exchange {
    state: Mutex<ExchangeState>,
    cv: Condvar,
}

#[derive(Default)]
struct ExchangeState {
    outcome: Option<HttpOutcome>,
    abandoned: bool,
}

impl Exchange {
    /// A new exchange and the completion to hand to the transport.
    pub fn new() -> (Arc<Exchange>, Completion) {
        let exchange = Arc::new(Exchange::default());
        let done = Completion {
            exchange: exchange.clone(),
        };
        (exchange, done)
    }

    /// Waits for the outcome until `deadline`; `None` on timeout or when abandoned (shutdown).
    /// Either way the exchange is closed: a later completion is ignored.
    pub fn wait(&self, deadline: Instant) -> Option<HttpOutcome> {
        let mut s = lock(&self.state);
        loop {
            if let Some(o) = s.outcome.take() {
                s.abandoned = true;
                return Some(o);
            }
            let now = Instant::now();
            if s.abandoned || now >= deadline {
                s.abandoned = true;
                return None;
            }
            s = self
                .cv
                .wait_timeout(s, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// Stops the wait at once (shutdown).
    pub fn abandon(&self) {
        lock(&self.state).abandoned = true;
        self.cv.notify_all();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(status: u16) -> HttpOutcome {
        HttpOutcome::Response {
            status,
            retry_after: None,
            body: Vec::new(),
        }
    }

    #[test]
    fn the_first_completion_wins_and_later_ones_are_ignored() {
        let (ex, done) = Exchange::new();
        assert!(done.complete(ok(200)));
        assert!(!done.complete(ok(503)));
        assert_eq!(ex.wait(Instant::now() + GRACE), Some(ok(200)));
        assert!(done.is_abandoned());
    }

    #[test]
    fn a_completion_from_another_thread_wakes_the_waiter() {
        let (ex, done) = Exchange::new();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            done.complete(ok(204))
        });
        assert_eq!(
            ex.wait(Instant::now() + Duration::from_secs(60)),
            Some(ok(204))
        );
        assert!(t.join().unwrap());
    }

    #[test]
    fn a_late_completion_after_the_deadline_is_ignored() {
        let (ex, done) = Exchange::new();
        assert_eq!(ex.wait(Instant::now() + Duration::from_millis(10)), None);
        assert!(done.is_abandoned());
        assert!(!done.complete(ok(200)), "nobody waits any more");
    }

    #[test]
    fn abandon_ends_a_wait_at_once() {
        let (ex, done) = Exchange::new();
        let waiter = {
            let ex = ex.clone();
            std::thread::spawn(move || ex.wait(Instant::now() + Duration::from_secs(3600)))
        };
        std::thread::sleep(Duration::from_millis(20));
        ex.abandon();
        assert_eq!(waiter.join().unwrap(), None);
        assert!(!done.complete(ok(200)));
    }

    #[test]
    fn bodies_are_cut_at_the_response_limit() {
        let (ex, done) = Exchange::new();
        done.complete(HttpOutcome::Response {
            status: 200,
            retry_after: None,
            body: vec![7; MAX_RESPONSE_BYTES + 10],
        });
        match ex.wait(Instant::now() + GRACE) {
            Some(HttpOutcome::Response { body, .. }) => assert_eq!(body.len(), MAX_RESPONSE_BYTES),
            other => panic!("{other:?}"),
        }
    }
}
