//! Engine attribute values as OpenTelemetry values.

use opentelemetry::logs::AnyValue;
use opentelemetry::{Array, Key, StringValue, Value};
use otel_sessions_engine::{AttributeValue, Attributes};

pub(crate) fn to_otel(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::String(s) => Value::String(s.clone().into()),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Int(i) => Value::I64(*i),
        AttributeValue::Double(d) => Value::F64(*d),
        AttributeValue::StringArray(a) => Value::Array(Array::String(
            a.iter().map(|s| StringValue::from(s.clone())).collect(),
        )),
        AttributeValue::BoolArray(a) => Value::Array(Array::Bool(a.clone())),
        AttributeValue::IntArray(a) => Value::Array(Array::I64(a.clone())),
        AttributeValue::DoubleArray(a) => Value::Array(Array::F64(a.clone())),
    }
}

/// The same value for a log record.
pub(crate) fn to_any(v: &AttributeValue) -> AnyValue {
    fn list<T: Clone + Into<AnyValue>>(a: &[T]) -> AnyValue {
        AnyValue::ListAny(Box::new(a.iter().cloned().map(Into::into).collect()))
    }
    match v {
        AttributeValue::String(s) => AnyValue::from(s.clone()),
        AttributeValue::Bool(b) => AnyValue::from(*b),
        AttributeValue::Int(i) => AnyValue::from(*i),
        AttributeValue::Double(d) => AnyValue::from(*d),
        AttributeValue::StringArray(a) => list(a),
        AttributeValue::BoolArray(a) => list(a),
        AttributeValue::IntArray(a) => list(a),
        AttributeValue::DoubleArray(a) => list(a),
    }
}

pub(crate) fn log_pairs(attrs: &Attributes) -> impl Iterator<Item = (Key, AnyValue)> + '_ {
    attrs.iter().map(|(k, v)| (Key::new(k.clone()), to_any(v)))
}
