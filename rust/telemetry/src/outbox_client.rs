//! The exporter's HTTP client: instead of sending, it makes the encoded request durable.
//!
//! ```text
//!  BatchSpan/LogProcessor thread ─► OTLP exporter (protobuf, gzip) ─► send_bytes():
//!        engine.write_state()   (sequence numbers reach disk before the records that carry them;
//!                               never runs observers here: they flush this very thread)
//!        outbox.write()         (fsync + rename)
//!        wake the uploader; answer 200
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};

use crate::consent::Consent;
use crate::outbox::Signal;
use crate::shared::Shared;

pub(crate) struct OutboxClient {
    pub shared: Arc<Shared>,
}

impl std::fmt::Debug for OutboxClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutboxClient")
    }
}

impl OutboxClient {
    fn store(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        if self.shared.consent() == Consent::Denied {
            return ok();
        }
        let Some(outbox) = &self.shared.outbox else {
            return ok();
        };
        let signal = if request.uri().path().ends_with(Signal::Logs.path()) {
            Signal::Logs
        } else {
            Signal::Traces
        };
        let gzip = request
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        if let Some(engine) = self.shared.engine.get() {
            // Best effort: a failed save is counted by the engine and retried by its timer.
            let _ = engine.write_state();
        }
        outbox.write(signal, gzip, request.body())?;
        self.shared.wake.notify();
        ok()
    }
}

fn ok() -> Result<Response<Bytes>, HttpError> {
    Response::builder()
        .status(200)
        .body(Bytes::new())
        .map_err(|e| Box::new(e) as HttpError)
}

impl HttpClient for OutboxClient {
    fn send_bytes<'a, 'b>(
        &'a self,
        request: Request<Bytes>,
    ) -> Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        let result = self.store(request);
        Box::pin(async move { result })
    }
}
