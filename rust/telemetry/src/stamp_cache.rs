//! The attributes stamped on every record of a session, built once per session snapshot.
//!
//! Keys and values are `Arc<str>`-backed, so stamping a record clones reference counts,
//! not strings. The cache holds the snapshot it was built from and is rebuilt when the
//! engine hands out a different one (a rotation or an attribute change).

use std::sync::{Arc, RwLock};

use opentelemetry::logs::AnyValue;
use opentelemetry::{Key, KeyValue, StringValue, Value};
use otel_sessions_engine::{AttributeValue, Session};

use crate::convert::{to_any, to_otel};
use crate::names::SESSION_ID;

/// The snapshot a stamp was built from, and the stamp.
type Entry<T> = (Arc<Session>, Arc<[T]>);

pub(crate) struct StampCache<T> {
    slot: RwLock<Option<Entry<T>>>,
}

impl<T> std::fmt::Debug for StampCache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StampCache")
    }
}

impl<T> Default for StampCache<T> {
    fn default() -> Self {
        StampCache {
            slot: RwLock::new(None),
        }
    }
}

impl<T> StampCache<T> {
    pub fn get(&self, session: &Arc<Session>, build: impl FnOnce(&Session) -> Vec<T>) -> Arc<[T]> {
        if let Some((s, items)) = self.slot.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            if Arc::ptr_eq(s, session) {
                return items.clone();
            }
        }
        let items: Arc<[T]> = build(session).into();
        *self.slot.write().unwrap_or_else(|e| e.into_inner()) =
            Some((session.clone(), items.clone()));
        items
    }
}

fn shared_str(s: &str) -> Arc<str> {
    Arc::from(s)
}

fn text(s: &str) -> StringValue {
    StringValue::from(shared_str(s))
}

/// `session.id` and the session's attributes, for spans.
pub(crate) fn span_stamp(s: &Session) -> Vec<KeyValue> {
    let mut out = Vec::with_capacity(1 + s.attributes.len());
    out.push(KeyValue::new(
        SESSION_ID,
        Value::String(text(s.id.as_str())),
    ));
    for (k, v) in &s.attributes {
        let value = match v {
            AttributeValue::String(x) => Value::String(text(x)),
            other => to_otel(other),
        };
        out.push(KeyValue::new(Key::from(shared_str(k)), value));
    }
    out
}

/// `session.id` and the session's attributes, for log records.
pub(crate) fn log_stamp(s: &Session) -> Vec<(Key, AnyValue)> {
    let mut out = Vec::with_capacity(1 + s.attributes.len());
    out.push((
        Key::from_static_str(SESSION_ID),
        AnyValue::String(text(s.id.as_str())),
    ));
    for (k, v) in &s.attributes {
        let value = match v {
            AttributeValue::String(x) => AnyValue::String(text(x)),
            other => to_any(other),
        };
        out.push((Key::from(shared_str(k)), value));
    }
    out
}
