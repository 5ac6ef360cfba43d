//! OTLP messages (opentelemetry-proto's `Span`, `LogRecord`, `InstrumentationScope`,
//! `Resource`) written straight from the SDK's data, once, at record time.
//!
//! The output decodes to exactly what opentelemetry-proto's own transform builds (the tests
//! compare them), without building that intermediate tree: each record costs one buffer.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::logs::{AnyValue as LogValue, Severity};
use opentelemetry::trace::{SpanId, SpanKind, Status};
use opentelemetry::{Array, InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::logs::SdkLogRecord;
use opentelemetry_sdk::trace::SpanData;
use opentelemetry_sdk::Resource;

use super::wire::Wire;

/// Span flags: the parent's remote bit is known (OTLP `SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK`).
const HAS_IS_REMOTE: u32 = 0x100;
/// Span flags: the parent is remote (`SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK`).
const IS_REMOTE: u32 = 0x200;

pub(crate) fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

fn span_flags(remote: bool, trace_flags: u8) -> u32 {
    u32::from(trace_flags) | HAS_IS_REMOTE | if remote { IS_REMOTE } else { 0 }
}

/// `AnyValue` of a trace attribute value.
fn value(w: &mut Wire, v: &Value) {
    match v {
        Value::Bool(b) => w.bool_always(2, *b),
        Value::I64(i) => w.int64_always(3, *i),
        Value::F64(f) => w.double_always(4, *f),
        Value::String(s) => w.bytes_always(1, s.as_str().as_bytes()),
        Value::Array(a) => w.message(5, |w| match a {
            Array::Bool(v) => v
                .iter()
                .for_each(|b| w.message(1, |w| w.bool_always(2, *b))),
            Array::I64(v) => v
                .iter()
                .for_each(|i| w.message(1, |w| w.int64_always(3, *i))),
            Array::F64(v) => v
                .iter()
                .for_each(|f| w.message(1, |w| w.double_always(4, *f))),
            Array::String(v) => v
                .iter()
                .for_each(|s| w.message(1, |w| w.bytes_always(1, s.as_str().as_bytes()))),
            _ => {} // a kind of array newer than this encoder: sent empty
        }),
        _ => {} // a kind of value newer than this encoder: sent empty
    }
}

/// `AnyValue` of a log value.
fn log_value(w: &mut Wire, v: &LogValue) {
    match v {
        LogValue::Int(i) => w.int64_always(3, *i),
        LogValue::Double(f) => w.double_always(4, *f),
        LogValue::String(s) => w.bytes_always(1, s.as_str().as_bytes()),
        LogValue::Boolean(b) => w.bool_always(2, *b),
        LogValue::Bytes(b) => w.bytes_always(7, b),
        LogValue::ListAny(list) => w.message(5, |w| {
            list.iter().for_each(|v| w.message(1, |w| log_value(w, v)))
        }),
        LogValue::Map(map) => w.message(6, |w| {
            for (k, v) in map.iter() {
                w.message(1, |w| {
                    w.string(1, k.as_str());
                    w.message(2, |w| log_value(w, v));
                });
            }
        }),
        _ => {}
    }
}

fn attribute(w: &mut Wire, field: u32, kv: &KeyValue) {
    w.message(field, |w| {
        w.string(1, kv.key.as_str());
        w.message(2, |w| value(w, &kv.value));
    });
}

/// `Span.attributes` fields (tag 9) for `kvs`, to put in a span as they are.
pub(crate) fn span_attribute_fields(kvs: &[KeyValue]) -> Vec<u8> {
    let mut w = Wire::with_capacity(64 * kvs.len());
    for kv in kvs {
        attribute(&mut w, 9, kv);
    }
    w.buf
}

/// An OTLP `Span`.
#[cfg(test)]
pub(crate) fn span(s: &SpanData) -> Vec<u8> {
    let mut out = Vec::new();
    span_into(&mut out, s, None);
    out
}

/// An OTLP `Span`, appended to `out`. With `replace = Some((i, fields))`, the attribute at
/// index `i` is written as `fields` (already encoded attribute fields, see
/// [`span_attribute_fields`]) instead.
pub(crate) fn span_into(out: &mut Vec<u8>, s: &SpanData, replace: Option<(usize, &[u8])>) {
    let mut w = Wire::from_vec(std::mem::take(out));
    w.buf.reserve(256 + 48 * s.attributes.len());
    let cx = &s.span_context;
    w.bytes(1, &cx.trace_id().to_bytes());
    w.bytes(2, &cx.span_id().to_bytes());
    w.string(3, &cx.trace_state().header());
    if s.parent_span_id != SpanId::INVALID {
        w.bytes(4, &s.parent_span_id.to_bytes());
    }
    w.string(5, &s.name);
    let kind = match s.span_kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    };
    w.uint(6, kind);
    w.fixed64(7, nanos(s.start_time));
    w.fixed64(8, nanos(s.end_time));
    for (i, kv) in s.attributes.iter().enumerate() {
        match replace {
            Some((at, fields)) if at == i => w.buf.extend_from_slice(fields),
            _ => attribute(&mut w, 9, kv),
        }
    }
    w.uint(10, u64::from(s.dropped_attributes_count));
    for e in s.events.iter() {
        w.message(11, |w| {
            w.fixed64(1, nanos(e.timestamp));
            w.string(2, &e.name);
            for kv in &e.attributes {
                attribute(w, 3, kv);
            }
            w.uint(4, u64::from(e.dropped_attributes_count));
        });
    }
    w.uint(12, u64::from(s.events.dropped_count));
    for l in s.links.iter() {
        w.message(13, |w| {
            let lc = &l.span_context;
            w.bytes(1, &lc.trace_id().to_bytes());
            w.bytes(2, &lc.span_id().to_bytes());
            w.string(3, &lc.trace_state().header());
            for kv in &l.attributes {
                attribute(w, 4, kv);
            }
            w.uint(5, u64::from(l.dropped_attributes_count));
            w.fixed32(6, span_flags(lc.is_remote(), lc.trace_flags().to_u8()));
        });
    }
    w.uint(14, u64::from(s.links.dropped_count));
    w.message(15, |w| match &s.status {
        Status::Unset => {}
        Status::Ok => w.uint(3, 1),
        Status::Error { description } => {
            w.string(2, description);
            w.uint(3, 2);
        }
    });
    w.fixed32(
        16,
        span_flags(s.parent_span_is_remote, cx.trace_flags().to_u8()),
    );
    *out = w.buf;
}

/// An OTLP `LogRecord`.
#[cfg(test)]
pub(crate) fn log_record(r: &SdkLogRecord) -> Vec<u8> {
    let mut out = Vec::new();
    log_record_into(&mut out, r, None);
    out
}

/// An OTLP `LogRecord`, appended to `out`. With `stamp = Some((fields, seq))`, `fields`
/// (encoded attribute fields, see [`log_attribute_fields`]) and `rn_otel_sessions.seq = seq`
/// follow the record's own attributes.
pub(crate) fn log_record_into(out: &mut Vec<u8>, r: &SdkLogRecord, stamp: Option<(&[u8], u64)>) {
    let mut w = Wire::from_vec(std::mem::take(out));
    w.buf.reserve(192);
    w.fixed64(1, r.timestamp().map(nanos).unwrap_or(0));
    w.uint(2, r.severity_number().map_or(0, severity_number));
    w.string(3, r.severity_text().unwrap_or_default());
    if let Some(body) = r.body() {
        w.message(5, |w| log_value(w, body));
    }
    for (k, v) in r.attributes_iter() {
        w.message(6, |w| {
            w.string(1, k.as_str());
            w.message(2, |w| log_value(w, v));
        });
    }
    if let Some((fields, seq)) = stamp {
        w.buf.extend_from_slice(fields);
        seq_field(&mut w, 6, seq);
    }
    if let Some(cx) = r.trace_context() {
        w.fixed32(8, cx.trace_flags.map_or(0, |f| u32::from(f.to_u8())));
        w.bytes(9, &cx.trace_id.to_bytes());
        w.bytes(10, &cx.span_id.to_bytes());
    }
    w.fixed64(11, r.observed_timestamp().map(nanos).unwrap_or(0));
    w.string(12, r.event_name().unwrap_or_default());
    *out = w.buf;
}

use crate::event_batch::EventValue;

fn event_value(w: &mut Wire, v: &EventValue<'_>) {
    match v {
        EventValue::Str(s) => w.bytes_always(1, s.as_bytes()),
        EventValue::Bool(b) => w.bool_always(2, *b),
        EventValue::Int(i) => w.int64_always(3, *i),
        EventValue::Double(f) => w.double_always(4, *f),
        EventValue::StrArray(a) => w.message(5, |w| {
            a.iter()
                .for_each(|s| w.message(1, |w| w.bytes_always(1, s.as_bytes())))
        }),
        EventValue::BoolArray(a) => w.message(5, |w| {
            a.iter()
                .for_each(|b| w.message(1, |w| w.bool_always(2, *b)))
        }),
        EventValue::IntArray(a) => w.message(5, |w| {
            a.iter()
                .for_each(|i| w.message(1, |w| w.int64_always(3, *i)))
        }),
        EventValue::DoubleArray(a) => w.message(5, |w| {
            a.iter()
                .for_each(|f| w.message(1, |w| w.double_always(4, *f)))
        }),
    }
}

/// `LogRecord.attributes` fields (tag 6) for `pairs`, to append to records as they are.
pub(crate) fn log_attribute_fields<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a opentelemetry::logs::AnyValue)>,
) -> Vec<u8> {
    let mut w = Wire::with_capacity(128);
    for (k, v) in pairs {
        w.message(6, |w| {
            w.string(1, k);
            w.message(2, |w| log_value(w, v));
        });
    }
    w.buf
}

/// An OTLP `LogRecord` for an event (severity INFO), appended to `out`: its own attributes,
/// then `stamp` (already encoded attribute fields: `session.id` and the session's attributes),
/// then `rn_otel_sessions.seq = seq`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn event_into(
    out: &mut Vec<u8>,
    time_ns: u64,
    observed_ns: u64,
    name: &str,
    attributes: &[(std::borrow::Cow<'_, str>, EventValue<'_>)],
    stamp: &[u8],
    seq: u64,
) {
    let mut w = Wire::from_vec(std::mem::take(out));
    w.fixed64(1, time_ns);
    w.uint(2, Severity::Info as u64);
    for (k, v) in attributes {
        w.message(6, |w| {
            w.string(1, k);
            w.message(2, |w| event_value(w, v));
        });
    }
    w.buf.extend_from_slice(stamp);
    seq_field(&mut w, 6, seq);
    w.fixed64(11, observed_ns);
    w.string(12, name);
    *out = w.buf;
}

/// The attribute `rn_otel_sessions.seq = seq`, as field `field` (a `KeyValue`).
fn seq_field(w: &mut Wire, field: u32, seq: u64) {
    w.message(field, |w| {
        w.string(1, crate::names::SEQ);
        w.message(2, |w| w.int64_always(3, seq as i64));
    });
}

fn severity_number(s: Severity) -> u64 {
    s as u64
}

/// An OTLP `InstrumentationScope`; a log record's target replaces the scope's name.
pub(crate) fn scope(scope: &InstrumentationScope, name: Option<&str>) -> Vec<u8> {
    let mut w = Wire::with_capacity(64);
    w.string(1, name.unwrap_or(scope.name()));
    w.string(2, scope.version().unwrap_or_default());
    for kv in scope.attributes() {
        attribute(&mut w, 3, kv);
    }
    w.buf
}

/// An OTLP `Resource`.
pub(crate) fn resource(resource: &Resource) -> Vec<u8> {
    let mut w = Wire::with_capacity(256);
    for (k, v) in resource.iter() {
        w.message(1, |w| {
            w.string(1, k.as_str());
            w.message(2, |w| value(w, v));
        });
    }
    w.buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _};
    use opentelemetry::trace::{Event, Link, SpanContext, TraceFlags, TraceId, TraceState};
    use opentelemetry::{Key, StringValue};
    use opentelemetry_proto::tonic::common::v1::InstrumentationScope as PScope;
    use opentelemetry_proto::tonic::logs::v1::LogRecord as PLog;
    use opentelemetry_proto::tonic::resource::v1::Resource as PResource;
    use opentelemetry_proto::tonic::trace::v1::Span as PSpan;
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use prost::Message;
    use std::borrow::Cow;
    use std::time::Duration;

    fn rich_span(status: Status, parent: bool, remote: bool) -> SpanData {
        let t0 = UNIX_EPOCH + Duration::from_nanos(1_767_225_600_123_456_789);
        let cx = SpanContext::new(
            TraceId::from_bytes((0x0102030405060708090a0b0c0d0e0f10u128).to_be_bytes()),
            SpanId::from_bytes((0x1112131415161718u64).to_be_bytes()),
            TraceFlags::SAMPLED,
            false,
            TraceState::from_key_value([("vendor", "v1")]).unwrap(),
        );
        let mut events = SpanEvents::default();
        events
            .events
            .push(Event::new("tap", t0, vec![KeyValue::new("x", 1)], 2));
        events.dropped_count = 3;
        let mut links = SpanLinks::default();
        links.links.push(Link::new(
            cx.clone(),
            vec![KeyValue::new("why", "retry")],
            1,
        ));
        links.dropped_count = 4;
        SpanData {
            span_context: cx,
            parent_span_id: if parent {
                SpanId::from_bytes((0x2122232425262728u64).to_be_bytes())
            } else {
                SpanId::INVALID
            },
            parent_span_is_remote: remote,
            span_kind: SpanKind::Client,
            name: Cow::Borrowed("GET /cart"),
            start_time: t0,
            end_time: t0 + Duration::from_millis(1500),
            attributes: vec![
                KeyValue::new("session.id", "0123456789abcdef0123456789abcdef"),
                KeyValue::new("rn_otel_sessions.seq", 42i64),
                KeyValue::new("ratio", 0.25),
                KeyValue::new("ok", true),
                KeyValue::new("empty", ""),
                KeyValue::new("unicode", "é ✓ 😀"),
                KeyValue::new(
                    "tags",
                    Value::Array(Array::String(vec![
                        StringValue::from("a"),
                        StringValue::from(""),
                    ])),
                ),
                KeyValue::new("ints", Value::Array(Array::I64(vec![-1, 0, i64::MAX]))),
                KeyValue::new("floats", Value::Array(Array::F64(vec![1.5, -0.0]))),
                KeyValue::new("bools", Value::Array(Array::Bool(vec![true, false]))),
                KeyValue::new("big", "z".repeat(4096)),
            ],
            dropped_attributes_count: 5,
            events,
            links,
            status,
            instrumentation_scope: InstrumentationScope::builder("app")
                .with_version("1.0")
                .build(),
        }
    }

    #[test]
    fn spans_decode_to_what_the_reference_transform_builds() {
        for status in [Status::Unset, Status::Ok, Status::error("payment declined")] {
            for (parent, remote) in [(false, false), (true, false), (true, true)] {
                let data = rich_span(status.clone(), parent, remote);
                let ours = PSpan::decode(&span(&data)[..]).expect("our bytes decode");
                assert_eq!(
                    ours,
                    PSpan::from(data),
                    "status {status:?}, parent {parent}, remote {remote}"
                );
            }
        }
    }

    #[test]
    fn log_records_decode_to_what_the_reference_transform_builds() {
        let provider = opentelemetry_sdk::logs::SdkLoggerProvider::builder().build();
        let logger = provider.logger("t");
        let mut rec = logger.create_log_record();
        rec.set_event_name("cart.checkout");
        rec.set_timestamp(UNIX_EPOCH + Duration::from_millis(1_767_225_600_123));
        rec.set_observed_timestamp(UNIX_EPOCH + Duration::from_millis(1_767_225_600_456));
        rec.set_severity_number(Severity::Warn2);
        rec.set_severity_text("WARN");
        rec.set_body(LogValue::Map(Box::new(
            [(
                Key::new("k"),
                LogValue::ListAny(Box::new(vec![
                    LogValue::Int(1),
                    LogValue::Bytes(Box::new(vec![0, 255])),
                ])),
            )]
            .into_iter()
            .collect(),
        )));
        rec.add_attribute("session.id", "0123456789abcdef0123456789abcdef");
        rec.add_attribute("n", 3.5);
        rec.add_attribute("flag", false);
        rec.add_attribute("empty", "");
        rec.set_trace_context(
            TraceId::from_bytes((7u128).to_be_bytes()),
            SpanId::from_bytes((9u64).to_be_bytes()),
            Some(TraceFlags::SAMPLED),
        );
        let ours = PLog::decode(&log_record(&rec)[..]).expect("our bytes decode");
        assert_eq!(ours, PLog::from(&rec));

        let mut bare = logger.create_log_record();
        bare.set_observed_timestamp(UNIX_EPOCH + Duration::from_millis(5));
        assert_eq!(
            PLog::decode(&log_record(&bare)[..]).unwrap(),
            PLog::from(&bare),
            "a record with nothing set"
        );
    }

    #[test]
    fn scopes_and_resources_decode_to_the_reference() {
        let s = InstrumentationScope::builder("lib")
            .with_version("2.1")
            .with_attributes([KeyValue::new("a", 1)])
            .build();
        assert_eq!(
            PScope::decode(&scope(&s, None)[..]).unwrap(),
            PScope::from((&s, None))
        );
        assert_eq!(
            PScope::decode(&scope(&s, Some("target"))[..]).unwrap(),
            PScope::from((&s, Some(Cow::Borrowed("target"))))
        );
        let r = Resource::builder_empty()
            .with_attributes([
                KeyValue::new("service.name", "shop"),
                KeyValue::new("os.version", "14"),
            ])
            .build();
        let reference = ResourceAttributesWithSchema::from(&r);
        let ours = PResource::decode(&resource(&r)[..]).unwrap();
        let mut want = reference.attributes.0.clone();
        let mut got = ours.attributes.clone();
        want.sort_by(|a, b| a.key.cmp(&b.key));
        got.sort_by(|a, b| a.key.cmp(&b.key));
        assert_eq!(got, want);
    }
}
