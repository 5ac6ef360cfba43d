//! Turning decoded OTLP export requests into the flat records of [`crate::model`]: one
//! record per span or log, with its resource and scope copied in.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;

use crate::model::{AttrValue, LogRecord, SpanEventRecord, SpanRecord};

/// Nesting depth beyond which array / kvlist values are summarized instead of converted
/// (prost itself refuses messages nested deeper than 100, so this is a second guard).
const MAX_VALUE_DEPTH: usize = 64;

/// Lowercase hex of an id.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

fn value(any: &AnyValue, depth: usize) -> AttrValue {
    let Some(inner) = &any.value else {
        return AttrValue::Other(String::new());
    };
    if depth >= MAX_VALUE_DEPTH {
        return AttrValue::Other("<nested too deep>".to_string());
    }
    match inner {
        any_value::Value::StringValue(s) => AttrValue::String(s.clone()),
        any_value::Value::BoolValue(b) => AttrValue::Bool(*b),
        any_value::Value::IntValue(i) => AttrValue::Int(*i),
        any_value::Value::DoubleValue(d) => AttrValue::Double(*d),
        any_value::Value::BytesValue(bytes) => AttrValue::Bytes(bytes.clone()),
        any_value::Value::ArrayValue(array) => AttrValue::Array(
            array
                .values
                .iter()
                .map(|item| value(item, depth + 1))
                .collect(),
        ),
        any_value::Value::KvlistValue(list) => {
            AttrValue::Map(attributes_at(&list.values, depth + 1))
        }
        any_value::Value::StringValueStrindex(index) => {
            AttrValue::Other(format!("string_value_strindex={index}"))
        }
    }
}

fn attributes_at(list: &[KeyValue], depth: usize) -> Vec<(String, AttrValue)> {
    list.iter()
        .map(|kv| {
            let converted = kv
                .value
                .as_ref()
                .map_or_else(|| AttrValue::Other(String::new()), |v| value(v, depth));
            (kv.key.clone(), converted)
        })
        .collect()
}

/// Converts a list of OTLP key/values into owned pairs, in wire order.
pub(crate) fn attributes(list: &[KeyValue]) -> Vec<(String, AttrValue)> {
    attributes_at(list, 0)
}

fn resource_attributes(resource: Option<&Resource>) -> Vec<(String, AttrValue)> {
    resource.map_or_else(Vec::new, |r| attributes(&r.attributes))
}

fn scope_name_version(scope: Option<&InstrumentationScope>) -> (String, String) {
    scope.map_or_else(Default::default, |s| (s.name.clone(), s.version.clone()))
}

/// One [`SpanRecord`] per span of `request`, in wire order.
pub(crate) fn spans(request: &ExportTraceServiceRequest) -> Vec<SpanRecord> {
    let mut out = Vec::new();
    for resource_spans in &request.resource_spans {
        let resource = resource_attributes(resource_spans.resource.as_ref());
        for scope_spans in &resource_spans.scope_spans {
            let (scope_name, scope_version) = scope_name_version(scope_spans.scope.as_ref());
            for span in &scope_spans.spans {
                let (status_code, status_message) = span
                    .status
                    .as_ref()
                    .map_or((0, String::new()), |s| (s.code, s.message.clone()));
                out.push(SpanRecord {
                    name: span.name.clone(),
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: hex(&span.parent_span_id),
                    kind: span.kind,
                    start_time_unix_nano: span.start_time_unix_nano,
                    end_time_unix_nano: span.end_time_unix_nano,
                    attributes: attributes(&span.attributes),
                    events: span
                        .events
                        .iter()
                        .map(|event| SpanEventRecord {
                            name: event.name.clone(),
                            time_unix_nano: event.time_unix_nano,
                            attributes: attributes(&event.attributes),
                        })
                        .collect(),
                    status_code,
                    status_message,
                    resource_attributes: resource.clone(),
                    scope_name: scope_name.clone(),
                    scope_version: scope_version.clone(),
                });
            }
        }
    }
    out
}

/// One [`LogRecord`] per log record of `request`, in wire order.
pub(crate) fn logs(request: &ExportLogsServiceRequest) -> Vec<LogRecord> {
    let mut out = Vec::new();
    for resource_logs in &request.resource_logs {
        let resource = resource_attributes(resource_logs.resource.as_ref());
        for scope_logs in &resource_logs.scope_logs {
            let (scope_name, scope_version) = scope_name_version(scope_logs.scope.as_ref());
            for log in &scope_logs.log_records {
                out.push(LogRecord {
                    event_name: log.event_name.clone(),
                    body: log.body.as_ref().map(|body| value(body, 0)),
                    severity_number: log.severity_number,
                    severity_text: log.severity_text.clone(),
                    time_unix_nano: log.time_unix_nano,
                    observed_time_unix_nano: log.observed_time_unix_nano,
                    trace_id: hex(&log.trace_id),
                    span_id: hex(&log.span_id),
                    attributes: attributes(&log.attributes),
                    resource_attributes: resource.clone(),
                    scope_name: scope_name.clone(),
                    scope_version: scope_version.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};

    fn kv(key: &str, v: any_value::Value) -> KeyValue {
        KeyValue {
            key: key.to_string(),
            value: Some(AnyValue { value: Some(v) }),
            ..Default::default()
        }
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x00, 0x0a, 0xff]), "000aff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn values_keep_their_shape() {
        let list = vec![
            kv("s", any_value::Value::StringValue("x".into())),
            kv(
                "a",
                any_value::Value::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(any_value::Value::IntValue(3)),
                    }],
                }),
            ),
            kv(
                "m",
                any_value::Value::KvlistValue(KeyValueList {
                    values: vec![kv("b", any_value::Value::BoolValue(true))],
                }),
            ),
            KeyValue {
                key: "empty".into(),
                value: None,
                ..Default::default()
            },
        ];
        let converted = attributes(&list);
        assert_eq!(converted[0].1, AttrValue::String("x".into()));
        assert_eq!(converted[1].1, AttrValue::Array(vec![AttrValue::Int(3)]));
        assert_eq!(
            converted[2].1,
            AttrValue::Map(vec![("b".into(), AttrValue::Bool(true))])
        );
        assert_eq!(converted[3].1, AttrValue::Other(String::new()));
    }
}
