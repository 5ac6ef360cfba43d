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
//!                  "record_count", "dropped_count" } ],
//!   "next_event": u64,                       // numbers starts and ends
//!   "unacked": [ { "no", "kind": "start", "session": {…} }
//!              | { "no", "kind": "end", "session": {…}, "end_time_ms", "duration_ms",
//!                  "reason", "record_count", "dropped_count" } ] }
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
use crate::events::{EndReason, SessionEnded, SessionStarted};
use crate::history::SessionRecord;
use crate::machine::{LiveSession, Machine, Note, Stored, MAX_COUNT};
use crate::session::Session;
use crate::session_id::SessionId;

const FORMAT: &str = "react-native-otel-sessions/state";
const VERSION: u64 = 1;

/// Serialises the state; `clean_exit` is true only for the final save of a shutdown.
pub(crate) fn encode(
    m: &Machine,
    clean_exit: bool,
    now: Timestamp,
    boot_id: Option<&str>,
) -> Vec<u8> {
    let live = &m.live;
    let mut session = encode_session(&live.snapshot);
    session["start_mono_ms"] = json!(live.start_mono);
    session["last_activity_mono_ms"] = json!(live.last_activity_mono);
    session["record_count"] = json!(live.record_count);
    session["dropped_count"] = json!(live.dropped_count);
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
    let unacked: Vec<Value> = m.unacked.iter().filter_map(encode_event).collect();
    let doc = json!({
        "format": FORMAT,
        "version": VERSION,
        "clean_exit": clean_exit,
        "saved": { "wall_ms": now.wall_ms, "mono_ms": now.mono_ms, "boot_id": boot_id },
        "app_state": m.app_state.as_str(),
        "background_since_mono_ms": m.background_since_mono,
        "session": session,
        "history": history,
        "next_event": m.next_event,
        "unacked": unacked,
    });
    // Serialising a `Value` built from plain data cannot fail.
    serde_json::to_vec(&doc).unwrap_or_default()
}

fn encode_session(s: &Session) -> Value {
    let attributes: Map<String, Value> = s
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), encode_value(v)))
        .collect();
    json!({
        "id": s.id.as_str(),
        "previous_id": s.previous_id.as_ref().map(SessionId::as_str),
        "pending": s.pending,
        "start_time_ms": s.start_time_ms,
        "sampled": s.sampled,
        "attributes": attributes,
    })
}

fn encode_event(note: &Note) -> Option<Value> {
    Some(match note {
        Note::Started(no, e) => {
            json!({ "no": no, "kind": "start", "session": encode_session(&e.session) })
        }
        Note::Ended(no, e) => json!({
            "no": no,
            "kind": "end",
            "session": encode_session(&e.session),
            "end_time_ms": e.end_time_ms,
            "duration_ms": e.duration_ms,
            "reason": e.reason.as_str(),
            "record_count": e.record_count,
            "dropped_count": e.dropped_count,
        }),
        Note::Changed(..) => return None,
    })
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
        return err(format!(
            "state: version {version} is not supported (expected {VERSION})"
        ));
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
        now.mono_ms
            .saturating_sub(elapsed)
            .saturating_sub(saved_mono)
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
    let live = LiveSession {
        snapshot: Arc::new(decode_session(&s)?),
        start_mono: rebase(start_mono),
        last_activity_mono: rebase(last_activity.clamp(start_mono, saved_mono)),
        record_count: s.count("record_count")?,
        dropped_count: s.count("dropped_count")?,
    };

    let mut history = VecDeque::new();
    for item in doc.array("history")? {
        let r = Obj::new(item, "history[]")?;
        history.push_back(SessionRecord {
            id: r.id("id")?,
            previous_id: r.opt_id("previous_id")?,
            start_time_ms: r.i64("start_time_ms")?,
            end_time_ms: r.i64("end_time_ms")?,
            reason: r.reason("reason")?,
            record_count: r.count("record_count")?,
            dropped_count: r.count("dropped_count")?,
        });
    }
    let next_event = doc.count("next_event")?;
    let mut unacked = VecDeque::new();
    for item in doc.array("unacked")? {
        let note = decode_event(&Obj::new(item, "unacked[]")?)?;
        if note.event_no().is_some_and(|n| n >= next_event) {
            return err("unacked[].no: not below next_event");
        }
        unacked.push_back(note);
    }

    Ok(Stored {
        clean_exit: doc.bool("clean_exit")?,
        app_state,
        background_since_mono,
        live,
        history,
        unacked,
        next_event,
        saved_mono: rebase(saved_mono),
    })
}

fn decode_session(s: &Obj<'_>) -> Result<Session> {
    Ok(Session {
        id: s.id("id")?,
        previous_id: s.opt_id("previous_id")?,
        start_time_ms: s.i64("start_time_ms")?,
        attributes: decode_attributes(s.get("attributes")?)?,
        sampled: s.bool("sampled")?,
        pending: s.bool("pending")?,
    })
}

fn decode_event(e: &Obj<'_>) -> Result<Note> {
    let no = e.count("no")?;
    let session = Arc::new(decode_session(&Obj::new(
        e.get("session")?,
        "unacked[].session",
    )?)?);
    match e.str("kind")? {
        "start" => Ok(Note::Started(
            no,
            SessionStarted {
                session,
                replayed: false,
            },
        )),
        "end" => Ok(Note::Ended(
            no,
            SessionEnded {
                session,
                end_time_ms: e.i64("end_time_ms")?,
                duration_ms: e.i64("duration_ms")?,
                reason: e.reason("reason")?,
                record_count: e.count("record_count")?,
                dropped_count: e.count("dropped_count")?,
                replayed: false,
            },
        )),
        _ => err("unacked[].kind: expected 'start' or 'end'"),
    }
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
        f(self.get(key)?)
            .ok_or_else(|| DecodeError(format!("{}.{key}: expected {what}", self.path)))
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

    /// A count: 0 to [`MAX_COUNT`].
    fn count(&self, key: &str) -> Result<u64> {
        self.typed(key, "an integer from 0 to 2^53-1", |v| {
            v.as_u64().filter(|n| *n <= MAX_COUNT)
        })
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

    fn array(&self, key: &str) -> Result<&'a Vec<Value>> {
        self.typed(key, "an array", Value::as_array)
    }

    fn reason(&self, key: &str) -> Result<EndReason> {
        self.typed(key, "an end reason", |v| {
            v.as_str().and_then(EndReason::parse)
        })
    }

    fn id(&self, key: &str) -> Result<SessionId> {
        self.typed(key, "a session id", |v| {
            v.as_str().and_then(SessionId::parse)
        })
    }

    fn opt_id(&self, key: &str) -> Result<Option<SessionId>> {
        self.typed(key, "a session id or null", |v| match v {
            Value::Null => Some(None),
            v => v.as_str().and_then(SessionId::parse).map(Some),
        })
    }
}
