//! The stamping processors: ONE per signal, wrapping the batch processor (a second
//! registered processor would make the SDK clone every span).
//!
//! Every span and log record gets, synchronously, `session.id`, its gap-free sequence
//! number (`rn_otel_sessions.seq`) and the session's attributes. Recording counts as
//! session activity. Records that already carry `session.id` (the library's own
//! `session.start` / `session.end`) are passed through unstamped and uncounted.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::logs::AnyValue;
use opentelemetry::logs::LogRecord as _;
use opentelemetry::trace::Span as _;
use opentelemetry::{Context, InstrumentationScope, Key, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{BatchLogProcessor, LogProcessor, SdkLogRecord};
use opentelemetry_sdk::trace::{BatchSpanProcessor, Span, SpanData, SpanProcessor};
use otel_sessions_engine::{Engine, SessionId};

use crate::gate::Gate;
use crate::names::{SEQ, SESSION_ID};
use crate::shared::Shared;
use crate::stamp_cache::{log_stamp, span_stamp, StampCache};

/// Stamps spans at start (`session.id`, `rn_otel_sessions.seq`, the session's attributes)
/// and hands them, at end, to the batch processor it wraps. [`crate::Telemetry`] builds
/// one; build your own with [`SessionSpanProcessor::new`] to stamp a provider you assemble.
/// Register it as the provider's only processor (a second one makes the SDK clone every span).
#[derive(Debug)]
pub struct SessionSpanProcessor {
    pub(crate) shared: Arc<Shared>,
    pub(crate) gate: Arc<Gate>,
    pub(crate) stamps: StampCache<KeyValue>,
}

impl SessionSpanProcessor {
    /// Stamps spans with `engine`'s sessions and passes them to `inner` (no sampling
    /// buffer, consent granted).
    pub fn new(engine: Engine, inner: BatchSpanProcessor) -> Self {
        let shared = standalone(engine);
        let gate = Arc::new(Gate::new(shared.clone(), Some(Arc::new(inner)), None, 0));
        SessionSpanProcessor::with_gate(shared, gate)
    }
}

impl SessionSpanProcessor {
    pub(crate) fn with_gate(shared: Arc<Shared>, gate: Arc<Gate>) -> Self {
        SessionSpanProcessor {
            shared,
            gate,
            stamps: StampCache::default(),
        }
    }
}

impl SessionLogProcessor {
    pub(crate) fn with_gate(shared: Arc<Shared>, gate: Arc<Gate>) -> Self {
        SessionLogProcessor {
            shared,
            gate,
            stamps: StampCache::default(),
        }
    }
}

fn standalone(engine: Engine) -> Arc<Shared> {
    let shared = Arc::new(Shared::new(None, crate::consent::Consent::Granted));
    let _ = shared.engine.set(engine);
    shared
}

impl SpanProcessor for SessionSpanProcessor {
    fn on_start(&self, span: &mut Span, _cx: &Context) {
        let Some(engine) = self.shared.engine.get() else {
            return;
        };
        let stamp = engine.record();
        let kvs = self.stamps.get(&stamp.session, span_stamp);
        span.set_attributes(
            kvs.iter()
                .cloned()
                .chain(std::iter::once(KeyValue::new(SEQ, stamp.sequence as i64))),
        );
    }

    fn on_end(&self, span: SpanData) {
        let key = Key::from_static_str(SESSION_ID);
        let session = span
            .attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| SessionId::parse(kv.value.as_str().as_ref()));
        self.gate.pass_span(session, span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.gate.spans.as_ref().map_or(Ok(()), |s| s.force_flush())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.gate
            .spans
            .as_ref()
            .map_or(Ok(()), |s| s.shutdown_with_timeout(timeout))
    }
}

/// Stamps log records as they are emitted and hands them to the batch processor it wraps.
/// See [`SessionSpanProcessor`].
#[derive(Debug)]
pub struct SessionLogProcessor {
    pub(crate) shared: Arc<Shared>,
    pub(crate) gate: Arc<Gate>,
    pub(crate) stamps: StampCache<(Key, AnyValue)>,
}

impl SessionLogProcessor {
    /// Stamps log records with `engine`'s sessions and passes them to `inner`.
    pub fn new(engine: Engine, inner: BatchLogProcessor) -> Self {
        let shared = standalone(engine);
        let gate = Arc::new(Gate::new(shared.clone(), None, Some(Arc::new(inner)), 0));
        SessionLogProcessor::with_gate(shared, gate)
    }
}

impl LogProcessor for SessionLogProcessor {
    fn emit(&self, rec: &mut SdkLogRecord, scope: &InstrumentationScope) {
        let key = Key::from_static_str(SESSION_ID);
        let existing = rec
            .attributes_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| SessionId::parse(&format_any(v)));
        let session = match existing {
            Some(id) => id,
            None => {
                let Some(engine) = self.shared.engine.get() else {
                    return;
                };
                let stamp = engine.record();
                let pairs = self.stamps.get(&stamp.session, log_stamp);
                rec.add_attributes(pairs.iter().cloned());
                rec.add_attribute(SEQ, stamp.sequence as i64);
                Some(stamp.session.id)
            }
        };
        self.gate.pass_log(session, rec, scope);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.gate.logs.as_ref().map_or(Ok(()), |l| l.force_flush())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.gate
            .logs
            .as_ref()
            .map_or(Ok(()), |l| l.shutdown_with_timeout(timeout))
    }
}

fn format_any(v: &opentelemetry::logs::AnyValue) -> String {
    match v {
        opentelemetry::logs::AnyValue::String(s) => s.to_string(),
        _ => String::new(),
    }
}
