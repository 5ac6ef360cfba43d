//! Records made outside these providers (by the OpenTelemetry JS SDK, handed over by the
//! JS bridge's exporters) join the same pipeline as the providers' own:
//!
//! ```text
//!  JS span ─► ingest_span ─(no session.id? stamp now)─► sampling gate ─► batch ─► outbox
//!  JS log  ─► ingest_log ─► logger.emit ─► SessionLogProcessor (same stamping rule) ─┘
//! ```
//!
//! Both are exported under this telemetry's resource: the JS SDK's own resource is not kept.

use std::time::SystemTime;

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::trace::{SpanId, TraceFlags, TraceId};
use opentelemetry::{InstrumentationScope, Key, KeyValue};
use opentelemetry_sdk::trace::SpanData;

use crate::intern::intern;
use crate::names::{SEQ, SESSION_ID};
use crate::processors::span_stamp_of;
use crate::stamp_cache::span_stamp;
use crate::telemetry::Telemetry;

/// A log record made outside this telemetry's providers, for [`Telemetry::ingest_log`].
#[derive(Debug, Clone, Default)]
pub struct ForeignLog {
    /// When the event happened; `None` leaves it unset (the backend uses the observed time).
    pub timestamp: Option<SystemTime>,
    /// When the record was observed; `None` means now.
    pub observed_timestamp: Option<SystemTime>,
    /// The severity number.
    pub severity: Option<Severity>,
    /// The severity text, e.g. `WARN`.
    pub severity_text: Option<String>,
    /// The event name, for a record that is an event.
    pub event_name: Option<String>,
    /// The body.
    pub body: Option<AnyValue>,
    /// The attributes, including `session.id` and `rn_otel_sessions.seq` when the record
    /// was stamped where it was made.
    pub attributes: Vec<(Key, AnyValue)>,
    /// The span the record was made in: trace id, span id, trace flags.
    pub trace_context: Option<(TraceId, SpanId, Option<TraceFlags>)>,
}

impl Telemetry {
    /// Hands over a span finished outside these providers (the OpenTelemetry JS SDK,
    /// through the JS bridge's exporter). It takes the providers' own path: consent, the
    /// sampling gate, batching, the outbox, delivery, under this telemetry's resource.
    /// A span that carries `session.id` keeps it (it was stamped when it started); one
    /// without is stamped now with the current session, its attributes and a sequence
    /// number, which counts as activity.
    pub fn ingest_span(&self, mut span: SpanData) {
        let key = Key::from_static_str(SESSION_ID);
        let (session, seq) = if span.attributes.iter().any(|kv| kv.key == key) {
            span_stamp_of(&span)
        } else {
            let stamp = self.engine.record();
            span.attributes.extend(span_stamp(&stamp.session));
            span.attributes
                .push(KeyValue::new(SEQ, stamp.sequence as i64));
            (Some(stamp.session.id), stamp.sequence)
        };
        self.gate.pass_span(session, seq, &span, None);
    }

    /// Hands over a log record made outside these providers, with the instrumentation
    /// scope that made it. The stamping rule is [`Telemetry::ingest_span`]'s. Event names
    /// and severity texts share the bounded table of [`crate::MAX_EVENT_NAMES`] distinct
    /// names; past it the event name is kept as the attribute `event.name` and an unknown
    /// severity text is left out (the severity number stays).
    pub fn ingest_log(&self, scope: &InstrumentationScope, log: ForeignLog) {
        let logger = self.logger_provider.logger_with_scope(scope.clone());
        let mut rec = logger.create_log_record();
        if let Some(t) = log.timestamp {
            rec.set_timestamp(t);
        }
        rec.set_observed_timestamp(log.observed_timestamp.unwrap_or_else(SystemTime::now));
        if let Some(s) = log.severity {
            rec.set_severity_number(s);
        }
        if let Some(text) = log.severity_text.as_deref().and_then(intern) {
            rec.set_severity_text(text);
        }
        if let Some(name) = log.event_name {
            match intern(&name) {
                Some(n) => rec.set_event_name(n),
                None => rec.add_attribute("event.name", name),
            }
        }
        if let Some(body) = log.body {
            rec.set_body(body);
        }
        if let Some((trace_id, span_id, flags)) = log.trace_context {
            rec.set_trace_context(trace_id, span_id, flags);
        }
        rec.add_attributes(log.attributes);
        logger.emit(rec);
    }
}
