//! What was received, as JSON: for the receiver program's `--out` file, which the JSI host
//! tests and the demo read.

use serde_json::{json, Map, Value};

use crate::model::{AttrValue, LogRecord, Received, SpanRecord};

/// An attribute value as JSON; bytes become an array of numbers, `Other` its description.
pub fn attr_json(v: &AttrValue) -> Value {
    match v {
        AttrValue::String(s) | AttrValue::Other(s) => json!(s),
        AttrValue::Bool(b) => json!(b),
        AttrValue::Int(i) => json!(i),
        AttrValue::Double(d) => json!(d),
        AttrValue::Bytes(b) => json!(b),
        AttrValue::Array(items) => Value::Array(items.iter().map(attr_json).collect()),
        AttrValue::Map(pairs) => attrs_json(pairs),
    }
}

/// Key/value pairs as a JSON object (a repeated key keeps its last value).
pub fn attrs_json(pairs: &[(String, AttrValue)]) -> Value {
    let map: Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| (k.clone(), attr_json(v)))
        .collect();
    Value::Object(map)
}

fn span_json(s: &SpanRecord) -> Value {
    json!({
        "name": s.name,
        "traceId": s.trace_id,
        "spanId": s.span_id,
        "parentSpanId": s.parent_span_id,
        "kind": s.kind,
        "startTimeUnixNano": s.start_time_unix_nano,
        "endTimeUnixNano": s.end_time_unix_nano,
        "attributes": attrs_json(&s.attributes),
        "events": s.events.iter().map(|e| json!({
            "name": e.name,
            "timeUnixNano": e.time_unix_nano,
            "attributes": attrs_json(&e.attributes),
        })).collect::<Vec<_>>(),
        "statusCode": s.status_code,
        "statusMessage": s.status_message,
        "resource": attrs_json(&s.resource_attributes),
        "scope": { "name": s.scope_name, "version": s.scope_version },
    })
}

fn log_json(l: &LogRecord) -> Value {
    json!({
        "eventName": l.event_name,
        "body": l.body.as_ref().map(attr_json),
        "severityNumber": l.severity_number,
        "severityText": l.severity_text,
        "timeUnixNano": l.time_unix_nano,
        "observedTimeUnixNano": l.observed_time_unix_nano,
        "traceId": l.trace_id,
        "spanId": l.span_id,
        "attributes": attrs_json(&l.attributes),
        "resource": attrs_json(&l.resource_attributes),
        "scope": { "name": l.scope_name, "version": l.scope_version },
    })
}

/// Everything received: `{"spans": [...], "logs": [...]}`.
pub fn received_json(r: &Received) -> Value {
    json!({
        "spans": r.spans.iter().map(span_json).collect::<Vec<_>>(),
        "logs": r.logs.iter().map(log_json).collect::<Vec<_>>(),
    })
}
