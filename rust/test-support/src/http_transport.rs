//! [`HttpTransport`]: the telemetry layer's [`Transport`] over a plain HTTP client (ureq,
//! without TLS), for tests against loopback receivers. On a device the platform's HTTP stack
//! takes this place; tests go through the same seam, so the contract is what they test.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use otel_sessions_telemetry::{
    Completion, HttpOutcome, HttpRequest, Transport, MAX_RESPONSE_BYTES,
};

/// Performs each request on a thread of its own, as a platform's HTTP stack does.
#[derive(Debug, Default)]
pub struct HttpTransport {
    sent: AtomicU64,
}

impl HttpTransport {
    /// A new transport, as the `Arc` the telemetry configuration takes.
    pub fn shared() -> Arc<HttpTransport> {
        Arc::new(HttpTransport::default())
    }

    /// Requests started so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: HttpRequest, done: Completion) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let spawned = std::thread::Builder::new()
            .name("test-http".into())
            .spawn(move || {
                done.complete(perform(&request));
            });
        if let Err(e) = spawned {
            // The thread (and `done` with it) is gone; the uploader times out and retries.
            eprintln!("test-support: cannot start an HTTP thread: {e}");
        }
    }
}

/// One POST, answered as the C ABI contract says: the status, `Retry-After` and body, or a
/// failure when no response arrived.
pub fn perform(request: &HttpRequest) -> HttpOutcome {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(request.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.post(&request.url);
    for (k, v) in &request.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let mut resp = match req.send(&request.body[..]) {
        Ok(r) => r,
        Err(e) => {
            return HttpOutcome::Failed {
                reason: e.to_string(),
            }
        }
    };
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES as u64)
        .read_to_vec()
        .unwrap_or_default();
    HttpOutcome::Response {
        status,
        retry_after,
        body,
    }
}
