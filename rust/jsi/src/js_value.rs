//! JavaScript values as the C++ host object serialises them, and their conversion to the
//! engine's types with messages that say what was wrong.
//!
//! The C++ side writes plain JSON, except for what JSON cannot hold: a non-finite number
//! becomes `{"$number": "NaN" | "Infinity" | "-Infinity"}`, and a value it does not
//! serialise (function, symbol, bigint, host object, too deep, too large) becomes
//! `{"$unsupported": "<what>"}`. Integral numbers within ±2⁵³ are written without a
//! decimal point, so they arrive as integers.

use otel_sessions_engine::{validate_attribute, AttributeError, AttributeValue};
use serde_json::Value;

use crate::call_error::CallError;

/// A key or name as quoted in a message: at most 64 characters.
pub fn quoted(s: &str) -> String {
    if s.chars().count() <= 64 {
        format!("'{s}'")
    } else {
        format!(
            "'{}…' ({} characters)",
            s.chars().take(48).collect::<String>(),
            s.chars().count()
        )
    }
}

/// A short description of a value for error messages: `a string`, `NaN`, `a function`…
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) if s.chars().count() > 40 => {
            format!("a string of {} characters", s.chars().count())
        }
        Value::String(s) => format!("{s:?}"),
        Value::Array(a) => format!("an array of {} elements", a.len()),
        Value::Object(m) => {
            if let Some(Value::String(n)) = m.get("$number") {
                return n.clone();
            }
            if let Some(Value::String(u)) = m.get("$unsupported") {
                return u.clone();
            }
            "an object".into()
        }
    }
}

/// Whether `v` is the C++ side's marker for a value JSON cannot hold.
pub fn is_marker(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.len() == 1 && (m.contains_key("$number") || m.contains_key("$unsupported")))
}

/// The argument at `i`, or `undefined` (serialised as null) when missing.
pub fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Null)
}

/// A required string argument.
pub fn string<'a>(method: &str, name: &str, v: &'a Value) -> Result<&'a str, CallError> {
    v.as_str().ok_or_else(|| {
        CallError::type_error(
            method,
            format!("argument '{name}' must be a string; got {}", describe(v)),
        )
    })
}

/// An attribute value: string, boolean, finite number, or an array of one of those.
pub fn attribute_value(method: &str, key: &str, v: &Value) -> Result<AttributeValue, CallError> {
    let bad = || {
        CallError::type_error(
            method,
            format!(
                "attribute {} must be a string, a boolean, a finite number or an array of one of those; got {}",
                quoted(key),
                describe(v)
            ),
        )
    };
    let value = match v {
        Value::String(s) => AttributeValue::String(s.clone()),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => AttributeValue::Int(i),
            None => AttributeValue::Double(n.as_f64().ok_or_else(bad)?),
        },
        Value::Array(items) => array_value(items).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    validate_attribute(key, &value).map_err(|e| attribute_error(method, e))?;
    Ok(value)
}

fn array_value(items: &[Value]) -> Option<AttributeValue> {
    if items.iter().all(Value::is_string) {
        return Some(AttributeValue::StringArray(
            items
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect(),
        ));
    }
    if items.iter().all(Value::is_boolean) {
        return Some(AttributeValue::BoolArray(
            items.iter().filter_map(Value::as_bool).collect(),
        ));
    }
    if items.iter().all(|v| v.is_i64()) {
        return Some(AttributeValue::IntArray(
            items.iter().filter_map(Value::as_i64).collect(),
        ));
    }
    if items.iter().all(Value::is_number) {
        return Some(AttributeValue::DoubleArray(
            items.iter().filter_map(Value::as_f64).collect(),
        ));
    }
    None
}

/// An attributes object (`{ key: value }`), or `undefined`/`null` for none.
pub fn attributes(
    method: &str,
    name: &str,
    v: &Value,
) -> Result<Vec<(String, AttributeValue)>, CallError> {
    let map = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Object(m) if !is_marker(v) => m,
        _ => {
            return Err(CallError::type_error(
                method,
                format!(
                    "argument '{name}' must be an object of attributes; got {}",
                    describe(v)
                ),
            ))
        }
    };
    if map.len() > otel_sessions_engine::MAX_ATTRIBUTES {
        return Err(CallError::range_error(
            method,
            format!(
                "argument '{name}' has {} attributes; the limit is {}",
                map.len(),
                otel_sessions_engine::MAX_ATTRIBUTES
            ),
        ));
    }
    map.iter()
        .map(|(k, v)| Ok((k.clone(), attribute_value(method, k, v)?)))
        .collect()
}

/// An engine attribute error as a JavaScript error.
pub fn attribute_error(method: &str, e: AttributeError) -> CallError {
    match e {
        AttributeError::EmptyKey | AttributeError::ReservedKey { .. } => {
            CallError::type_error(method, e)
        }
        _ => CallError::range_error(method, e),
    }
}

/// Parses JSON from the JS glue; an error names `method`.
pub fn parse_json(method: &str, b: &[u8]) -> Result<Value, CallError> {
    // The JS glue writes valid JSON; what fails here is text JSON cannot carry, such as a
    // lone UTF-16 surrogate in a string.
    serde_json::from_slice(b).map_err(|e| {
        CallError::type_error(
            method,
            format!("the arguments could not be read ({e}); strings must be valid Unicode text"),
        )
    })
}

/// Parses a JSON array of arguments (empty input: no arguments).
pub fn parse_args(method: &str, b: &[u8]) -> Result<Vec<Value>, CallError> {
    if b.is_empty() {
        return Ok(Vec::new());
    }
    match parse_json(method, b)? {
        Value::Array(a) => Ok(a),
        _ => Err(CallError::other(
            method,
            "internal: arguments must be a JSON array",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_become_ints_or_doubles_and_markers_are_refused() {
        assert_eq!(
            attribute_value("m", "k", &json!(3)).unwrap(),
            AttributeValue::Int(3)
        );
        assert_eq!(
            attribute_value("m", "k", &json!(2.5)).unwrap(),
            AttributeValue::Double(2.5)
        );
        assert_eq!(
            attribute_value("m", "k", &json!([1, 2.5])).unwrap(),
            AttributeValue::DoubleArray(vec![1.0, 2.5])
        );
        let e = attribute_value("setAttribute", "k", &json!({"$number": "NaN"})).unwrap_err();
        assert_eq!(e.kind, crate::call_error::ErrorKind::Type);
        assert!(
            e.message
                .starts_with("Sessions.setAttribute: attribute 'k'"),
            "{e}"
        );
        assert!(e.message.ends_with("got NaN"), "{e}");
        let e = attribute_value("m", "k", &json!({"$unsupported": "a function"})).unwrap_err();
        assert!(e.message.ends_with("got a function"), "{e}");
        assert!(attribute_value("m", "k", &json!(["a", 1])).is_err());
        assert!(attribute_value("m", "k", &json!(null)).is_err());
    }

    #[test]
    fn limits_are_range_errors_and_reserved_keys_type_errors() {
        let e = attribute_value("m", "k", &json!("x".repeat(5000))).unwrap_err();
        assert_eq!(e.kind, crate::call_error::ErrorKind::Range);
        let e = attribute_value("m", "session.id", &json!("x")).unwrap_err();
        assert_eq!(e.kind, crate::call_error::ErrorKind::Type);
    }
}
