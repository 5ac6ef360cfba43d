//! The persisted state format (version 1): one JSON object, written atomically.
//!
//! ```text
//! { "format": "react-native-otel-sessions/state", "version": 1,
//!   "clean_exit": bool,                      // false while a process runs on it
//!   "saved": { "wall_ms", "mono_ms", "boot_id" },
//!   "app_state": "foreground" | "background", "background_since_mono_ms": i64 | null,
//!   "session": { "id", "previous_id", "pending", "start_time_ms", "start_mono_ms",
//!                "last_activity_mono_ms", "sampled", "record_count", "dropped_count",
//!                "attributes": { key: { "string" | "bool" | "int" | "double" |
//!                                       "string_array" | ... : value } } },
//!   "history": [ { "id", "previous_id", "start_time_ms", "end_time_ms", "reason",
//!                  "record_count", "dropped_count" } ] }
//! ```
//!
//! Monotonic values are only meaningful within the boot that wrote them. Decoding moves
//! them onto the current boot's time line: unchanged within one boot, otherwise shifted
//! so that the time between the save and now is the wall-clock difference, clamped at 0.
//! Decoding trusts nothing: every field is type-checked, ids are re-validated and an
//! attribute that breaks today's limits is left out rather than failing the whole file.

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::app_state::AppState;
use crate::attributes::{validate, AttributeValue, Attributes};
use crate::clock::Timestamp;
use crate::events::EndReason;
use crate::history::SessionRecord;
use crate::machine::{LiveSession, Machine, Stored};
use crate::session::Session;
use crate::session_id::SessionId;

const FORMAT: &str = "react-native-otel-sessions/state";
const VERSION: u64 = 1;

/// Serialises the state; `clean_exit` is true only for the final save of a shutdown.
pub(crate) fn encode(m: &Machine, clean_exit: bool, now: Timestamp, boot_id: Option<&str>) -> Vec<u8> {
    let live = &m.live;
    let s = &live.snapshot;
    let attributes: Map<String, Value> = s
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), encode_value(v)))
        .collect();
    let history: Vec<Value> = m
        .history
        .iter()
        .map(|r| {
            json!({
                "id": r.id.as_str(),
                "previous_id": r.previous_id.as_ref().map(SessionId::as_str),
                "start_time_ms": r.start_time_ms,
                "end_time_ms": r.end_time_ms,
                "reason": r.reason.as_str(),
                "record_count": r.record_count,
                "dropped_count": r.dropped_count,
            })
        })
        .collect();
    let doc = json!({
        "format": FORMAT,
        "version": VERSION,
        "clean_exit": clean_exit,
        "saved": { "wall_ms": now.wall_ms, "mono_ms": now.mono_ms, "boot_id": boot_id },
        "app_state": m.app_state.as_str(),
        "background_since_mono_ms": m.background_since_mono,
        "session": {
            "id": s.id.as_str(),
            "previous_id": s.previous_id.as_ref().map(SessionId::as_str),
            "pending": s.pending,
            "start_time_ms": s.start_time_ms,
            "start_mono_ms": live.start_mono,
            "last_activity_mono_ms": live.last_activity_mono,
            "sampled": s.sampled,
            "record_count": live.record_count,
            "dropped_count": live.dropped_count,
            "attributes": attributes,
        },
        "history": history,
    });
    // Serialising a `Value` built from plain data cannot fail.
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// Why a stored state could not be read. The file is quarantined and a new session starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError(pub String);

type Result<T> = std::result::Result<T, DecodeError>;

fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(DecodeError(msg.into()))
}

/// Parses a stored state and moves it onto the current boot's time line.
pub(crate) fn decode(bytes: &[u8], now: Timestamp, boot_id: Option<&str>) -> Result<Stored> {
    let doc: Value = serde_json::from_slice(bytes).or_else(|e| err(format!("not JSON: {e}")))?;
    let doc = Obj::new(&doc, "state")?;
    if doc.str("format")? != FORMAT {
        return err("state: unknown format");
    }
    let version = doc.u64("version")?;
    if version != VERSION {
        return err(format!("state: version {version} is not supported (expected {VERSION})"));
    }
    let saved = Obj::new(doc.get("saved")?, "saved")?;
    let saved_wall = saved.i64("wall_ms")?;
    let saved_mono = saved.i64("mono_ms")?;
    let saved_boot = saved.opt_str("boot_id")?;

    let same_boot = saved_boot == boot_id && now.mono_ms >= saved_mono;
    let shift = if same_boot {
        0
    } else {
        let elapsed = now.wall_ms.saturating_sub(saved_wall).max(0);
        now.mono_ms.saturating_sub(elapsed).saturating_sub(saved_mono)
    };
    let rebase = |v: i64| v.saturating_add(shift);

    let app_state = AppState::parse(doc.str("app_state")?)
        .ok_or_else(|| DecodeError("state.app_state: unknown value".into()))?;
    let background_since_mono = doc.opt_i64("background_since_mono_ms")?.map(rebase);

    let s = Obj::new(doc.get("session")?, "session")?;
    let start_mono = s.i64("start_mono_ms")?;
    let last_activity = s.i64("last_activity_mono_ms")?;
    if start_mono > saved_mono {
        return err("session: starts after the state was saved");
    }
    let snapshot = Session {
        id: s.id("id")?,
        previous_id: s.opt_id("previous_id")?,
        start_time_ms: s.i64("start_time_ms")?,
        attributes: decode_attributes(s.get("attributes")?)?,
        sampled: s.bool("sampled")?,
        pending: s.bool("pending")?,
    };
    let live = LiveSession {
        snapshot: Arc::new(snapshot),
        start_mono: rebase(start_mono),
        last_activity_mono: rebase(last_activity.clamp(start_mono, saved_mono)),
        record_count: s.u64("record_count")?,
        dropped_count: s.u64("dropped_count")?,
    };

    let mut history = VecDeque::new();
    let Value::Array(items) = doc.get("history")? else {
        return err("state.history: expected an array");
    };
    for item in items {
        let r = Obj::new(item, "history[]")?;
        history.push_back(SessionRecord {
            id: r.id("id")?,
            previous_id: r.opt_id("previous_id")?,
            start_time_ms: r.i64("start_time_ms")?,
            end_time_ms: r.i64("end_time_ms")?,
            reason: EndReason::parse(r.str("reason")?)
                .ok_or_else(|| DecodeError("history[].reason: unknown value".into()))?,
            record_count: r.u64("record_count")?,
            dropped_count: r.u64("dropped_count")?,
        });
    }

    Ok(Stored {
        clean_exit: doc.bool("clean_exit")?,
        app_state,
        background_since_mono,
        live,
        history,
        saved_mono: rebase(saved_mono),
    })
}

fn encode_value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::String(s) => json!({ "string": s }),
        AttributeValue::Bool(b) => json!({ "bool": b }),
        AttributeValue::Int(i) => json!({ "int": i }),
        AttributeValue::Double(d) => json!({ "double": d }),
        AttributeValue::StringArray(a) => json!({ "string_array": a }),
        AttributeValue::BoolArray(a) => json!({ "bool_array": a }),
        AttributeValue::IntArray(a) => json!({ "int_array": a }),
        AttributeValue::DoubleArray(a) => json!({ "double_array": a }),
    }
}

fn decode_attributes(v: &Value) -> Result<Attributes> {
    let Value::Object(map) = v else {
        return err("session.attributes: expected an object");
    };
    let mut out = Attributes::new();
    for (key, value) in map {
        // A value today's rules refuse is left out; the rest of the session survives.
        if let Some(value) = decode_value(value) {
            if validate(key, &value).is_ok() && out.len() < crate::attributes::MAX_ATTRIBUTES {
                out.insert(key.clone(), value);
            }
        }
    }
    Ok(out)
}

fn decode_value(v: &Value) -> Option<AttributeValue> {
    let Value::Object(m) = v else { return None };
    if m.len() != 1 {
        return None;
    }
    let (kind, v) = m.iter().next()?;
    fn array<T>(v: &Value, f: impl Fn(&Value) -> Option<T>) -> Option<Vec<T>> {
        v.as_array()?.iter().map(f).collect()
    }
    let str_of = |v: &Value| v.as_str().map(str::to_owned);
    Some(match kind.as_str() {
        "string" => AttributeValue::String(str_of(v)?),
        "bool" => AttributeValue::Bool(v.as_bool()?),
        "int" => AttributeValue::Int(v.as_i64()?),
        "double" => AttributeValue::Double(v.as_f64()?),
        "string_array" => AttributeValue::StringArray(array(v, str_of)?),
        "bool_array" => AttributeValue::BoolArray(array(v, Value::as_bool)?),
        "int_array" => AttributeValue::IntArray(array(v, Value::as_i64)?),
        "double_array" => AttributeValue::DoubleArray(array(v, Value::as_f64)?),
        _ => return None,
    })
}

/// A JSON object with typed, path-naming accessors.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: &'static str,
}

impl<'a> Obj<'a> {
    fn new(v: &'a Value, path: &'static str) -> Result<Self> {
        match v {
            Value::Object(map) => Ok(Obj { map, path }),
            _ => err(format!("{path}: expected an object")),
        }
    }

    fn get(&self, key: &str) -> Result<&'a Value> {
        self.map
            .get(key)
            .ok_or_else(|| DecodeError(format!("{}.{key}: missing", self.path)))
    }

    fn typed<T>(&self, key: &str, what: &str, f: impl FnOnce(&'a Value) -> Option<T>) -> Result<T> {
        f(self.get(key)?).ok_or_else(|| DecodeError(format!("{}.{key}: expected {what}", self.path)))
    }

    fn str(&self, key: &str) -> Result<&'a str> {
        self.typed(key, "a string", Value::as_str)
    }

    fn bool(&self, key: &str) -> Result<bool> {
        self.typed(key, "a boolean", Value::as_bool)
    }

    fn i64(&self, key: &str) -> Result<i64> {
        self.typed(key, "an integer", Value::as_i64)
    }

    fn u64(&self, key: &str) -> Result<u64> {
        self.typed(key, "a non-negative integer", Value::as_u64)
    }

    fn opt_i64(&self, key: &str) -> Result<Option<i64>> {
        self.typed(key, "an integer or null", |v| match v {
            Value::Null => Some(None),
            v => v.as_i64().map(Some),
        })
    }

    fn opt_str(&self, key: &str) -> Result<Option<&'a str>> {
        self.typed(key, "a string or null", |v| match v {
            Value::Null => Some(None),
            v => v.as_str().map(Some),
        })
    }

    fn id(&self, key: &str) -> Result<SessionId> {
        self.typed(key, "a session id", |v| v.as_str().and_then(SessionId::parse))
    }

    fn opt_id(&self, key: &str) -> Result<Option<SessionId>> {
        self.typed(key, "a session id or null", |v| match v {
            Value::Null => Some(None),
            v => v.as_str().and_then(SessionId::parse).map(Some),
        })
    }
}
