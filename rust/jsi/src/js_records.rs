//! Spans and log records from the OpenTelemetry JS SDK, as the bridge's exporters send them
//! (`src-ts/opentelemetry/exporters.ts`, one JSON array per call), converted for the
//! telemetry layer's `ingest_span` / `ingest_log`.
//!
//! ```text
//!  span: { traceId: 32 hex, spanId: 16 hex, parentSpanId?: 16 hex, parentIsRemote?, traceFlags?,
//!          traceState?, name, kind: 0..4, start: [s, ns], end: [s, ns], attributes?,
//!          droppedAttributes?, events?: [{ name, time, attributes?, droppedAttributes? }],
//!          droppedEvents?, links?: [{ traceId, spanId, traceFlags?, attributes? }],
//!          droppedLinks?, status?: { code: 0|1|2, message? }, scope: { name, version?, schemaUrl? } }
//!  log:  { time?: [s, ns], observedTime?, severityNumber?: 1..24, severityText?, eventName?,
//!          body?: any JSON, attributes?, traceId?, spanId?, traceFlags?, scope }
//! ```
//!
//! A malformed field is a `TypeError` naming it (`spans[2].traceId`): the exporter is ours,
//! so that is a bug to report, not data to guess at. An attribute value OpenTelemetry cannot
//! hold (an object in a span attribute, a function) is dropped and counted in the span's
//! dropped-attributes count instead, as the SDKs do.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use opentelemetry::logs::{AnyValue, Severity};
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Array, InstrumentationScope, Key, KeyValue, StringValue, Value as OtelValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use otel_sessions_telemetry::ForeignLog;
use serde_json::{Map, Value};

use crate::call_error::CallError;
use crate::js_value::describe;

/// Deepest nesting kept in a log body or attribute (deeper levels are dropped).
const MAX_DEPTH: usize = 8;

/// Where in the argument a value sits, for error messages.
struct At<'a> {
    method: &'a str,
    path: String,
}

impl At<'_> {
    fn field(&self, name: &str) -> At<'_> {
        At {
            method: self.method,
            path: format!("{}.{name}", self.path),
        }
    }

    fn index(&self, i: usize) -> At<'_> {
        At {
            method: self.method,
            path: format!("{}[{i}]", self.path),
        }
    }

    fn error(&self, expected: &str, got: &Value) -> CallError {
        CallError::type_error(
            self.method,
            format!(
                "{} must be {expected}; got {} (this is a bug in the exporter that sent it: please report it)",
                self.path,
                describe(got)
            ),
        )
    }
}

fn object<'v>(at: &At, v: &'v Value) -> Result<&'v Map<String, Value>, CallError> {
    v.as_object().ok_or_else(|| at.error("an object", v))
}

fn array<'v>(at: &At, v: &'v Value) -> Result<&'v [Value], CallError> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| at.error("an array", v))
}

/// An optional field: absent and `null` are the same (JSON has no `undefined`).
fn opt<'v>(m: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    m.get(key).filter(|v| !v.is_null())
}

fn text(at: &At, v: &Value) -> Result<String, CallError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| at.error("a string", v))
}

fn count(at: &At, v: Option<&Value>) -> Result<u32, CallError> {
    match v {
        None => Ok(0),
        Some(v) => v
            .as_u64()
            .map(|n| n.min(u32::MAX as u64) as u32)
            .ok_or_else(|| at.error("a whole number", v)),
    }
}

fn hex_id<T>(
    at: &At,
    v: &Value,
    digits: usize,
    parse: fn(&str) -> Option<T>,
) -> Result<T, CallError> {
    let expected = || format!("{digits} lowercase hex digits");
    let s = v.as_str().ok_or_else(|| at.error(&expected(), v))?;
    let ok = s.len() == digits
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ok.then(|| parse(s))
        .flatten()
        .ok_or_else(|| at.error(&expected(), v))
}

fn trace_id(at: &At, v: &Value) -> Result<TraceId, CallError> {
    hex_id(at, v, 32, |s| TraceId::from_hex(s).ok())
}

fn span_id(at: &At, v: &Value) -> Result<SpanId, CallError> {
    hex_id(at, v, 16, |s| SpanId::from_hex(s).ok())
}

fn flags(at: &At, v: Option<&Value>) -> Result<TraceFlags, CallError> {
    match v {
        None => Ok(TraceFlags::SAMPLED),
        Some(v) => v
            .as_u64()
            .filter(|f| *f <= 0xff)
            .map(|f| TraceFlags::new(f as u8))
            .ok_or_else(|| at.error("a number from 0 to 255", v)),
    }
}

/// OpenTelemetry JS's HrTime, `[seconds, nanoseconds]` since the Unix epoch.
fn time(at: &At, v: &Value) -> Result<SystemTime, CallError> {
    let bad = || at.error("[seconds, nanoseconds] since 1970", v);
    let pair = v.as_array().filter(|a| a.len() == 2).ok_or_else(bad)?;
    let secs = pair[0]
        .as_f64()
        .filter(|s| *s >= 0.0 && s.fract() == 0.0 && *s < 1e11)
        .ok_or_else(bad)?;
    let nanos = pair[1]
        .as_f64()
        .filter(|n| (0.0..1e9).contains(n))
        .ok_or_else(bad)?;
    Ok(SystemTime::UNIX_EPOCH + Duration::new(secs as u64, nanos as u32))
}

fn scope(at: &At, v: &Value) -> Result<InstrumentationScope, CallError> {
    let m = object(at, v)?;
    let name = text(&at.field("name"), m.get("name").unwrap_or(&Value::Null))?;
    let mut b = InstrumentationScope::builder(name);
    if let Some(v) = opt(m, "version") {
        b = b.with_version(text(&at.field("version"), v)?);
    }
    if let Some(v) = opt(m, "schemaUrl") {
        b = b.with_schema_url(text(&at.field("schemaUrl"), v)?);
    }
    Ok(b.build())
}

/// A span attribute value, or `None` when OpenTelemetry cannot hold it.
fn attribute(v: &Value) -> Option<OtelValue> {
    Some(match v {
        Value::String(s) => OtelValue::String(StringValue::from(s.clone())),
        Value::Bool(b) => OtelValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => OtelValue::I64(i),
            None => OtelValue::F64(n.as_f64()?),
        },
        Value::Array(items) => {
            // OpenTelemetry JS allows null and undefined inside arrays; OTLP has no place for them.
            let items: Vec<&Value> = items.iter().filter(|v| !v.is_null()).collect();
            let all = |f: fn(&Value) -> bool| items.iter().all(|v| f(v));
            OtelValue::Array(if all(Value::is_string) {
                Array::String(
                    items
                        .iter()
                        .filter_map(|v| v.as_str())
                        .map(|s| StringValue::from(s.to_owned()))
                        .collect(),
                )
            } else if all(Value::is_boolean) {
                Array::Bool(items.iter().filter_map(|v| v.as_bool()).collect())
            } else if all(Value::is_i64) {
                Array::I64(items.iter().filter_map(|v| v.as_i64()).collect())
            } else if all(Value::is_number) {
                Array::F64(items.iter().filter_map(|v| v.as_f64()).collect())
            } else {
                return None;
            })
        }
        _ => return None,
    })
}

/// Span attributes, and how many were dropped.
fn span_attributes(at: &At, v: Option<&Value>) -> Result<(Vec<KeyValue>, u32), CallError> {
    let Some(v) = v else {
        return Ok((Vec::new(), 0));
    };
    let mut dropped = 0;
    let mut out = Vec::new();
    for (k, v) in object(at, v)? {
        match attribute(v) {
            Some(value) if !k.is_empty() => out.push(KeyValue::new(Key::new(k.clone()), value)),
            _ => dropped += 1,
        }
    }
    Ok((out, dropped))
}

/// A log body or log attribute value: any JSON, maps and lists included.
fn any_value(v: &Value, depth: usize) -> Option<AnyValue> {
    Some(match v {
        Value::Null => return None,
        Value::String(s) => AnyValue::String(StringValue::from(s.clone())),
        Value::Bool(b) => AnyValue::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => AnyValue::Int(i),
            None => AnyValue::Double(n.as_f64()?),
        },
        _ if depth >= MAX_DEPTH => return None,
        Value::Array(items) => AnyValue::ListAny(Box::new(
            items
                .iter()
                .filter_map(|v| any_value(v, depth + 1))
                .collect(),
        )),
        Value::Object(m) => {
            if let Some(Value::String(n)) = m.get("$number") {
                return n
                    .parse::<f64>()
                    .ok()
                    .map(AnyValue::Double)
                    .or(Some(AnyValue::Double(f64::NAN)));
            }
            if m.contains_key("$unsupported") {
                return None;
            }
            AnyValue::Map(Box::new(
                m.iter()
                    .filter_map(|(k, v)| Some((Key::new(k.clone()), any_value(v, depth + 1)?)))
                    .collect(),
            ))
        }
    })
}

fn span_kind(at: &At, v: Option<&Value>) -> Result<SpanKind, CallError> {
    Ok(match v.map(|v| (v, v.as_u64())) {
        None | Some((_, Some(0))) => SpanKind::Internal,
        Some((_, Some(1))) => SpanKind::Server,
        Some((_, Some(2))) => SpanKind::Client,
        Some((_, Some(3))) => SpanKind::Producer,
        Some((_, Some(4))) => SpanKind::Consumer,
        Some((v, _)) => return Err(at.error("a SpanKind from 0 to 4", v)),
    })
}

fn status(at: &At, v: Option<&Value>) -> Result<Status, CallError> {
    let Some(v) = v else { return Ok(Status::Unset) };
    let m = object(at, v)?;
    let code = m.get("code").unwrap_or(&Value::Null);
    Ok(match code.as_u64() {
        Some(0) => Status::Unset,
        Some(1) => Status::Ok,
        Some(2) => Status::error(match opt(m, "message") {
            Some(msg) => text(&at.field("message"), msg)?,
            None => String::new(),
        }),
        _ => return Err(at.field("code").error("a SpanStatusCode from 0 to 2", code)),
    })
}

fn span(at: &At, v: &Value) -> Result<SpanData, CallError> {
    let m = object(at, v)?;
    let req = |k: &str| m.get(k).unwrap_or(&Value::Null);
    let trace = trace_id(&at.field("traceId"), req("traceId"))?;
    let ctx = SpanContext::new(
        trace,
        span_id(&at.field("spanId"), req("spanId"))?,
        flags(&at.field("traceFlags"), opt(m, "traceFlags"))?,
        false,
        match opt(m, "traceState") {
            Some(s) => TraceState::from_str(&text(&at.field("traceState"), s)?).unwrap_or_default(),
            None => TraceState::default(),
        },
    );
    let parent = match opt(m, "parentSpanId") {
        Some(p) => span_id(&at.field("parentSpanId"), p)?,
        None => SpanId::INVALID,
    };
    let (attrs, dropped) = span_attributes(&at.field("attributes"), opt(m, "attributes"))?;
    let mut events = SpanEvents::default();
    events.dropped_count = count(&at.field("droppedEvents"), opt(m, "droppedEvents"))?;
    if let Some(list) = opt(m, "events") {
        let at = at.field("events");
        for (i, e) in array(&at, list)?.iter().enumerate() {
            let at = at.index(i);
            let em = object(&at, e)?;
            let (attrs, dropped) = span_attributes(&at.field("attributes"), opt(em, "attributes"))?;
            events.events.push(Event::new(
                text(&at.field("name"), em.get("name").unwrap_or(&Value::Null))?,
                time(&at.field("time"), em.get("time").unwrap_or(&Value::Null))?,
                attrs,
                dropped + count(&at.field("droppedAttributes"), opt(em, "droppedAttributes"))?,
            ));
        }
    }
    let mut links = SpanLinks::default();
    links.dropped_count = count(&at.field("droppedLinks"), opt(m, "droppedLinks"))?;
    if let Some(list) = opt(m, "links") {
        let at = at.field("links");
        for (i, l) in array(&at, list)?.iter().enumerate() {
            let at = at.index(i);
            let lm = object(&at, l)?;
            let linked = SpanContext::new(
                trace_id(
                    &at.field("traceId"),
                    lm.get("traceId").unwrap_or(&Value::Null),
                )?,
                span_id(
                    &at.field("spanId"),
                    lm.get("spanId").unwrap_or(&Value::Null),
                )?,
                flags(&at.field("traceFlags"), opt(lm, "traceFlags"))?,
                true,
                TraceState::default(),
            );
            let (attrs, dropped) = span_attributes(&at.field("attributes"), opt(lm, "attributes"))?;
            links.links.push(Link::new(linked, attrs, dropped));
        }
    }
    Ok(SpanData {
        span_context: ctx,
        parent_span_id: parent,
        parent_span_is_remote: opt(m, "parentIsRemote")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        span_kind: span_kind(&at.field("kind"), opt(m, "kind"))?,
        name: Cow::Owned(text(&at.field("name"), req("name"))?),
        start_time: time(&at.field("start"), req("start"))?,
        end_time: time(&at.field("end"), req("end"))?,
        attributes: attrs,
        dropped_attributes_count: dropped
            + count(&at.field("droppedAttributes"), opt(m, "droppedAttributes"))?,
        events,
        links,
        status: status(&at.field("status"), opt(m, "status"))?,
        instrumentation_scope: scope(&at.field("scope"), req("scope"))?,
    })
}

const SEVERITIES: [Severity; 24] = [
    Severity::Trace,
    Severity::Trace2,
    Severity::Trace3,
    Severity::Trace4,
    Severity::Debug,
    Severity::Debug2,
    Severity::Debug3,
    Severity::Debug4,
    Severity::Info,
    Severity::Info2,
    Severity::Info3,
    Severity::Info4,
    Severity::Warn,
    Severity::Warn2,
    Severity::Warn3,
    Severity::Warn4,
    Severity::Error,
    Severity::Error2,
    Severity::Error3,
    Severity::Error4,
    Severity::Fatal,
    Severity::Fatal2,
    Severity::Fatal3,
    Severity::Fatal4,
];

fn log(at: &At, v: &Value) -> Result<(InstrumentationScope, ForeignLog), CallError> {
    let m = object(at, v)?;
    let optional_time = |k: &str| opt(m, k).map(|t| time(&at.field(k), t)).transpose();
    let severity = match opt(m, "severityNumber") {
        None => None,
        Some(s) => match s.as_u64() {
            Some(0) => None, // SEVERITY_NUMBER_UNSPECIFIED
            Some(n @ 1..=24) => Some(SEVERITIES[n as usize - 1]),
            _ => {
                return Err(at
                    .field("severityNumber")
                    .error("a SeverityNumber from 0 to 24", s))
            }
        },
    };
    let optional_text = |k: &str| opt(m, k).map(|t| text(&at.field(k), t)).transpose();
    let trace_context = match (opt(m, "traceId"), opt(m, "spanId")) {
        (Some(t), Some(s)) => Some((
            trace_id(&at.field("traceId"), t)?,
            span_id(&at.field("spanId"), s)?,
            opt(m, "traceFlags")
                .map(|f| flags(&at.field("traceFlags"), Some(f)))
                .transpose()?,
        )),
        _ => None,
    };
    let attributes = match opt(m, "attributes") {
        None => Vec::new(),
        Some(a) => object(&at.field("attributes"), a)?
            .iter()
            .filter(|(k, _)| !k.is_empty())
            .filter_map(|(k, v)| Some((Key::new(k.clone()), any_value(v, 1)?)))
            .collect(),
    };
    let log = ForeignLog {
        timestamp: optional_time("time")?,
        observed_timestamp: optional_time("observedTime")?,
        severity,
        severity_text: optional_text("severityText")?,
        event_name: optional_text("eventName")?.filter(|n| !n.is_empty()),
        body: opt(m, "body").and_then(|b| any_value(b, 0)),
        attributes,
        trace_context,
    };
    Ok((
        scope(&at.field("scope"), m.get("scope").unwrap_or(&Value::Null))?,
        log,
    ))
}

/// `exportSpans(spans)`: the spans, all converted, or the first malformed field.
pub fn spans(method: &str, v: &Value) -> Result<Vec<SpanData>, CallError> {
    let at = At {
        method,
        path: "spans".into(),
    };
    array(&at, v)?
        .iter()
        .enumerate()
        .map(|(i, s)| span(&at.index(i), s))
        .collect()
}

/// `exportLogs(logs)`: the log records with their scopes, or the first malformed field.
pub fn logs(method: &str, v: &Value) -> Result<Vec<(InstrumentationScope, ForeignLog)>, CallError> {
    let at = At {
        method,
        path: "logs".into(),
    };
    array(&at, v)?
        .iter()
        .enumerate()
        .map(|(i, l)| log(&at.index(i), l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one_span() -> Value {
        json!({
            "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
            "parentSpanId": "00f067aa0ba902b7", "name": "GET /cart", "kind": 2,
            "start": [1_800_000_000, 5], "end": [1_800_000_001, 0],
            "attributes": {"http.status_code": 200, "ratio": 0.5, "tags": ["a", null, "b"], "bad": {"x": 1}},
            "events": [{"name": "tap", "time": [1_800_000_000, 10], "attributes": {"n": 1}}],
            "links": [{"traceId": "0af7651916cd43dd8448eb211c80319d", "spanId": "b7ad6b7169203332"}],
            "status": {"code": 2, "message": "boom"}, "scope": {"name": "app", "version": "1.0"}
        })
    }

    #[test]
    fn a_span_converts_with_every_field() {
        let s = &spans("exportSpans", &json!([one_span()])).unwrap()[0];
        assert_eq!(s.name, "GET /cart");
        assert_eq!(s.span_kind, SpanKind::Client);
        assert_eq!(
            s.parent_span_id,
            SpanId::from_hex("00f067aa0ba902b7").unwrap()
        );
        assert_eq!(
            s.end_time.duration_since(s.start_time).unwrap(),
            Duration::new(0, 999_999_995)
        );
        let get = |k: &str| {
            s.attributes
                .iter()
                .find(|kv| kv.key.as_str() == k)
                .map(|kv| kv.value.clone())
        };
        assert_eq!(get("http.status_code"), Some(OtelValue::I64(200)));
        assert_eq!(get("ratio"), Some(OtelValue::F64(0.5)));
        assert_eq!(
            get("tags"),
            Some(OtelValue::Array(Array::String(vec![
                "a".into(),
                "b".into()
            ])))
        );
        assert_eq!(
            s.dropped_attributes_count, 1,
            "the object value is dropped and counted"
        );
        assert_eq!(s.events.len(), 1);
        assert_eq!(s.links.len(), 1);
        assert_eq!(s.status, Status::error("boom"));
        assert_eq!(s.instrumentation_scope.name(), "app");
    }

    #[test]
    fn malformed_fields_are_named() {
        let mut bad = one_span();
        bad["traceId"] = json!("XYZ");
        let e = spans("exportSpans", &json!([one_span(), bad])).unwrap_err();
        assert!(
            e.message.starts_with(
                "Sessions.exportSpans: spans[1].traceId must be 32 lowercase hex digits"
            ),
            "{e}"
        );
        let mut bad = one_span();
        bad["events"][0]["time"] = json!(12);
        let e = spans("exportSpans", &json!([bad])).unwrap_err();
        assert!(
            e.message
                .contains("spans[0].events[0].time must be [seconds, nanoseconds]"),
            "{e}"
        );
        let e = spans("exportSpans", &json!({"not": "an array"})).unwrap_err();
        assert!(e.message.contains("spans must be an array"), "{e}");
        let e = logs(
            "exportLogs",
            &json!([{"scope": {"name": "a"}, "severityNumber": 99}]),
        )
        .unwrap_err();
        assert!(
            e.message
                .contains("logs[0].severityNumber must be a SeverityNumber"),
            "{e}"
        );
    }

    #[test]
    fn a_log_converts_with_a_structured_body() {
        let (scope, l) = logs(
            "exportLogs",
            &json!([{
                "time": [1_800_000_000, 0], "severityNumber": 13, "severityText": "WARN",
                "eventName": "cart.abandoned", "body": {"items": [1, 2.5, "x"], "deep": {"a": true}},
                "attributes": {"n": 3, "obj": {"k": "v"}, "nan": {"$number": "NaN"}},
                "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
                "scope": {"name": "logs"}
            }]),
        )
        .unwrap()
        .remove(0);
        assert_eq!(scope.name(), "logs");
        assert_eq!(l.severity, Some(Severity::Warn));
        assert_eq!(l.event_name.as_deref(), Some("cart.abandoned"));
        assert!(matches!(l.body, Some(AnyValue::Map(ref m)) if m.len() == 2));
        assert_eq!(l.attributes.len(), 3);
        assert!(l.trace_context.is_some());
    }

    #[test]
    fn deep_bodies_are_cut_not_overflowed() {
        let mut v = json!("leaf");
        for _ in 0..1_000 {
            v = json!([v]);
        }
        let (_, l) = logs("exportLogs", &json!([{"body": v, "scope": {"name": "x"}}]))
            .unwrap()
            .remove(0);
        let mut depth = 0;
        let mut cur = l.body.unwrap();
        while let AnyValue::ListAny(items) = cur {
            depth += 1;
            match items.into_iter().next() {
                Some(next) => cur = next,
                None => break,
            }
        }
        assert!(depth <= MAX_DEPTH, "{depth}");
    }
}
