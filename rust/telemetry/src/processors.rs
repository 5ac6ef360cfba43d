//! The stamping processors: ONE per signal, the only processor of its provider (a second
//! registered processor would make the SDK clone every span).
//!
//! Every span and log record gets, synchronously, `session.id`, its gap-free sequence
//! number (`rn_otel_sessions.seq`) and the session's attributes. Recording counts as
//! session activity. Records that already carry `session.id` (the library's own
//! `session.start` / `session.end`, records stamped where they were made) are passed through
//! unstamped and uncounted. Then the gate encodes the record into the journal: when `on_end` or
//! `emit` returns, the record survives a kill of the process.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::logs::AnyValue;
use opentelemetry::logs::LogRecord as _;
use opentelemetry::trace::Span as _;
use opentelemetry::{Context, InstrumentationScope, Key, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogProcessor, SdkLogRecord};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use otel_sessions_engine::SessionId;

use crate::gate::Gate;
use crate::names::{SEQ, SESSION_ID};
use crate::shared::Shared;
use crate::stamp_cache::{log_stamp, span_stamp, StampCache};

/// Stamps spans at start (`session.id`, `rn_otel_sessions.seq`, the session's attributes)
/// and writes them, at end, into the journal. [`crate::Telemetry`] builds one into its
/// tracer provider, as the provider's only processor.
#[derive(Debug)]
pub struct SessionSpanProcessor {
    pub(crate) shared: Arc<Shared>,
    pub(crate) gate: Arc<Gate>,
    pub(crate) stamps: StampCache<KeyValue>,
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
        let (session, seq) = span_stamp_of(&span);
        self.gate.pass_span(session, seq, &span);
    }

    /// Nothing waits in memory: every ended span is already in the journal.
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// Stamps log records as they are emitted and writes them into the journal. See
/// [`SessionSpanProcessor`].
#[derive(Debug)]
pub struct SessionLogProcessor {
    pub(crate) shared: Arc<Shared>,
    pub(crate) gate: Arc<Gate>,
    pub(crate) stamps: StampCache<(Key, AnyValue)>,
}

impl LogProcessor for SessionLogProcessor {
    fn emit(&self, rec: &mut SdkLogRecord, scope: &InstrumentationScope) {
        let (existing, seq) = log_stamp_of(rec);
        let (session, seq) = match existing {
            Some(id) => (id, seq),
            None => {
                let Some(engine) = self.shared.engine.get() else {
                    return;
                };
                let stamp = engine.record();
                let pairs = self.stamps.get(&stamp.session, log_stamp);
                rec.add_attributes(pairs.iter().cloned());
                rec.add_attribute(SEQ, stamp.sequence as i64);
                (Some(stamp.session.id), stamp.sequence)
            }
        };
        self.gate.pass_log(session, seq, rec, scope);
    }

    /// Nothing waits in memory: every record is already in the journal.
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// A span's session and number, from its stamp.
pub(crate) fn span_stamp_of(span: &SpanData) -> (Option<SessionId>, u64) {
    let (id, seq) = (Key::from_static_str(SESSION_ID), Key::from_static_str(SEQ));
    let mut out = (None, 0);
    for kv in &span.attributes {
        if kv.key == id {
            out.0 = SessionId::parse(kv.value.as_str().as_ref());
        } else if kv.key == seq {
            if let opentelemetry::Value::I64(n) = kv.value {
                out.1 = u64::try_from(n).unwrap_or(0);
            }
        }
    }
    out
}

/// A log record's session (`None` inside when `session.id` is present but not an id) and
/// number; the outer `None` when it carries no `session.id` at all (not stamped yet).
fn log_stamp_of(rec: &SdkLogRecord) -> (Option<Option<SessionId>>, u64) {
    let (id, seq) = (Key::from_static_str(SESSION_ID), Key::from_static_str(SEQ));
    let mut out = (None, 0);
    for (k, v) in rec.attributes_iter() {
        if *k == id {
            out.0 = Some(match v {
                AnyValue::String(s) => SessionId::parse(s.as_str()),
                _ => None,
            });
        } else if *k == seq {
            if let AnyValue::Int(n) = v {
                out.1 = u64::try_from(*n).unwrap_or(0);
            }
        }
    }
    out
}
