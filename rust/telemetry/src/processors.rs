//! The stamping processors: ONE per signal, the only processor of its provider (a second
//! registered processor would make the SDK clone every span).
//!
//! Every span and log record gets, synchronously, `session.id`, its gap-free sequence
//! number (`rn_otel_sessions.seq`) and the session's attributes (a span carries the first two,
//! and is written with the attributes of the session snapshot it started in: see
//! [`SpanStamps`]). Recording counts as session activity. Records that already carry `session.id` (the library's own
//! `session.start` / `session.end`, records stamped where they were made) are passed through
//! unstamped and uncounted. Then the gate encodes the record into the journal: when `on_end` or
//! `emit` returns, the record survives a kill of the process.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::logs::AnyValue;
use opentelemetry::trace::Span as _;
use opentelemetry::{Context, InstrumentationScope, Key, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogProcessor, SdkLogRecord};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use otel_sessions_engine::SessionId;

use crate::gate::Gate;
use crate::names::{SEQ, SESSION_ID};
use crate::shared::Shared;
use crate::stamp_cache::{log_stamp_fields, SpanStamps, StampCache};

/// Stamps spans at start (`session.id`, `rn_otel_sessions.seq`) and writes them, at end, into
/// the journal with the session's attributes as they were at the start. [`crate::Telemetry`] builds one into its
/// tracer provider, as the provider's only processor.
#[derive(Debug)]
pub struct SessionSpanProcessor {
    pub(crate) shared: Arc<Shared>,
    pub(crate) gate: Arc<Gate>,
    pub(crate) stamps: SpanStamps,
}

impl SessionSpanProcessor {
    pub(crate) fn with_gate(shared: Arc<Shared>, gate: Arc<Gate>) -> Self {
        SessionSpanProcessor {
            shared,
            gate,
            stamps: SpanStamps::default(),
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
        span.set_attribute(KeyValue::new(
            SESSION_ID,
            self.stamps.id_value(&stamp.session),
        ));
        span.set_attribute(KeyValue::new(SEQ, stamp.sequence as i64));
    }

    /// Writes the span with its snapshot's stamp (`session.id` and the session's attributes,
    /// encoded once per snapshot) in place of the `session.id` it carries. A `session.id` that
    /// is not ours (the app set one) is written as it is, and the last one names the session,
    /// as for `span_stamp_of`.
    fn on_end(&self, span: SpanData) {
        let (id, seq) = (Key::from_static_str(SESSION_ID), Key::from_static_str(SEQ));
        let (mut last_id, mut number, mut ours) = (None, 0, None);
        for (i, kv) in span.attributes.iter().enumerate() {
            if kv.key == id {
                last_id = Some(i);
                if ours.is_none() {
                    ours = self.stamps.find(&kv.value).map(|stamp| (i, stamp));
                }
            } else if kv.key == seq {
                number = seq_value(&kv.value);
            }
        }
        let session = match (&ours, last_id) {
            (Some((i, stamp)), Some(last)) if *i == last => Some(stamp.session),
            (_, Some(last)) => SessionId::parse(span.attributes[last].value.as_str().as_ref()),
            (_, None) => None,
        };
        let fields = ours.as_ref().map(|(i, stamp)| (*i, &*stamp.fields));
        self.gate.pass_span(session, number, &span, fields);
    }

    /// Nothing waits in memory: every ended span is already in the journal.
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// Stamps log records as they are emitted and writes them into the journal: the stamp
/// (`session.id`, the session's attributes, encoded once per session snapshot, then
/// `rn_otel_sessions.seq`) follows the record's own attributes. See [`SessionSpanProcessor`].
#[derive(Debug)]
pub struct SessionLogProcessor {
    pub(crate) shared: Arc<Shared>,
    pub(crate) gate: Arc<Gate>,
    pub(crate) stamps: StampCache<u8>,
}

impl LogProcessor for SessionLogProcessor {
    fn emit(&self, rec: &mut SdkLogRecord, scope: &InstrumentationScope) {
        let (existing, seq) = log_stamp_of(rec);
        match existing {
            Some(id) => self.gate.pass_log(id, seq, rec, scope, None),
            None => {
                let Some(engine) = self.shared.engine.get() else {
                    return;
                };
                let stamp = engine.record();
                let fields = self
                    .stamps
                    .get(&stamp.session, |s| log_stamp_fields(s.id, Some(s)));
                let id = Some(stamp.session.id);
                self.gate
                    .pass_log(id, stamp.sequence, rec, scope, Some(&fields));
            }
        }
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
            out.1 = seq_value(&kv.value);
        }
    }
    out
}

/// `rn_otel_sessions.seq`'s number (0 if it is not a non-negative integer).
fn seq_value(v: &opentelemetry::Value) -> u64 {
    match v {
        opentelemetry::Value::I64(n) => u64::try_from(*n).unwrap_or(0),
        _ => 0,
    }
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
