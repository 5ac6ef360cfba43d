//! The stamp of a session snapshot (`session.id` and the session's attributes), built once per
//! snapshot: for log records their encoded OTLP fields ([`StampCache`] holds the snapshot it was
//! built from and is rebuilt when the engine hands out a different one: a rotation or an
//! attribute change); for spans, see [`SpanStamps`]. `span_stamp` builds the same attributes as
//! `KeyValue`s (`Arc<str>`-backed) for spans stamped outside the processor (`ingest_span`).

use std::sync::{Arc, RwLock, RwLockReadGuard};

use opentelemetry::logs::AnyValue;
use opentelemetry::{Key, KeyValue, StringValue, Value};
use otel_sessions_engine::{AttributeValue, Session, SessionId};

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

/// A session snapshot as spans carry it: its `session.id` string, an allocation of this
/// snapshot's own, and the OTLP bytes of `session.id` and the session's attributes as span
/// attributes, encoded once.
#[derive(Debug)]
pub(crate) struct SpanStamp {
    id: Arc<str>,
    /// The session.
    pub session: SessionId,
    /// `Span.attributes` fields: `session.id`, then the session's attributes.
    pub fields: Box<[u8]>,
}

impl SpanStamp {
    fn new(s: &Session) -> Self {
        SpanStamp {
            id: shared_str(s.id.as_str()),
            session: s.id,
            fields: crate::otlp::span_attribute_fields(&span_stamp(s)).into(),
        }
    }

    /// Whether `value` is this stamp's own `session.id` string (the same allocation, not only
    /// the same text).
    fn is(&self, value: &Value) -> bool {
        matches!(value, Value::String(v) if std::ptr::eq(v.as_str().as_ptr(), self.id.as_ptr()))
    }
}

/// Span stamps: a span gets only two attributes at its start, `session.id` and its number,
/// where the id's string is shared with the [`SpanStamp`] of the snapshot it started in. At its
/// end the span is encoded with that stamp's bytes in place of its `session.id`: the session's
/// attributes are never copied into the span, and are encoded once per snapshot, not per span.
///
/// A stamp stays findable while a span holds its string: when the snapshot changes, older
/// stamps whose string no span holds any more are forgotten (under the write lock, so no span
/// can be taking a new reference to one at that moment).
#[derive(Default)]
pub(crate) struct SpanStamps {
    slot: RwLock<SpanStampSlot>,
}

#[derive(Default)]
struct SpanStampSlot {
    current: Option<(Arc<Session>, Arc<SpanStamp>)>,
    older: Vec<Arc<SpanStamp>>,
}

impl std::fmt::Debug for SpanStamps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpanStamps")
    }
}

impl SpanStamps {
    fn read(&self) -> RwLockReadGuard<'_, SpanStampSlot> {
        self.slot.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The `session.id` value for a span starting in `session` (this snapshot).
    pub fn id_value(&self, session: &Arc<Session>) -> Value {
        if let Some((s, stamp)) = self.read().current.as_ref() {
            if Arc::ptr_eq(s, session) {
                return Value::String(StringValue::from(stamp.id.clone()));
            }
        }
        let stamp = Arc::new(SpanStamp::new(session));
        let mut slot = self.slot.write().unwrap_or_else(|e| e.into_inner());
        let value = Value::String(StringValue::from(stamp.id.clone()));
        if let Some((_, old)) = slot.current.replace((session.clone(), stamp)) {
            slot.older.push(old);
        }
        // A count of 1: only this list holds the string, so no span carries it.
        slot.older.retain(|s| Arc::strong_count(&s.id) > 1);
        value
    }

    /// The stamp whose `session.id` string `value` is, if it is one of ours.
    pub fn find(&self, value: &Value) -> Option<Arc<SpanStamp>> {
        let slot = self.read();
        let current = slot.current.as_ref().map(|(_, s)| s);
        current
            .into_iter()
            .chain(slot.older.iter())
            .find(|s| s.is(value))
            .cloned()
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

/// `LogRecord.attributes` fields for `session.id` (`id`) and the attributes of `session` (its
/// snapshot; `None`: a session long gone, only its id is known), encoded once per snapshot.
pub(crate) fn log_stamp_fields(id: SessionId, session: Option<&Session>) -> Vec<u8> {
    let id_value = AnyValue::from(id.to_string());
    let attributes: Vec<(&str, AnyValue)> = session
        .map(|s| {
            s.attributes
                .iter()
                .map(|(k, v)| (k.as_str(), to_any(v)))
                .collect()
        })
        .unwrap_or_default();
    crate::otlp::log_attribute_fields(
        std::iter::once((SESSION_ID, &id_value)).chain(attributes.iter().map(|(k, v)| (*k, v))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use otel_sessions_engine::Engine;

    #[test]
    fn a_span_stamp_is_kept_while_a_span_holds_its_id_and_forgotten_after() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::builder(dir.path()).build().unwrap();
        let stamps = SpanStamps::default();
        let snapshot = |i: i64| {
            engine.set_attribute("n", AttributeValue::Int(i)).unwrap();
            engine.current()
        };
        let held = stamps.id_value(&snapshot(1));
        let first = stamps.find(&held).expect("the current stamp");
        assert!(!first.fields.is_empty());
        for i in 2..10 {
            let v = stamps.id_value(&snapshot(i));
            assert!(stamps.find(&v).is_some());
        }
        let older = |s: &SpanStamps| s.read().older.len();
        assert_eq!(
            older(&stamps),
            1,
            "only the stamp a span still holds is kept"
        );
        let found = stamps.find(&held).expect("an older stamp a span holds");
        assert!(Arc::ptr_eq(&found, &first));
        assert_eq!(found.session, engine.current().id);
        // A string with the same text is not the stamp's own.
        let copy = Value::String(StringValue::from(held.as_str().into_owned()));
        assert!(stamps.find(&copy).is_none());
        drop((held, found, first));
        stamps.id_value(&snapshot(10));
        assert_eq!(older(&stamps), 0, "no span holds the older stamps any more");
    }
}
