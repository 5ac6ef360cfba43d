//! The sampling gate between the stamping processors and the journal.
//!
//! ```text
//!  stamped record ─► consent denied? drop
//!                 ─► its session sampled (or unknown)? ─► encode (OTLP) ─► journal
//!                 ─► otherwise encoded and held in a bounded ring ──(error recorded: session upsampled)──┘
//! ```
//!
//! A record is encoded once, here, and written straight into the journal: no queue in memory.
//! A record the journal cannot take (it is full: the exporter cannot keep up) is dropped and
//! counted in its session's `dropped_count`. `session.start` / `session.end` may use the
//! journal's reserve, so they are never dropped for lack of room.
//!
//! The ring keeps the most recent records of unsampled sessions, already encoded ("1% baseline,
//! 100% on errors"): when the session is marked sampled, its held records go to the journal
//! first. A record pushed out of the full ring is counted as dropped against its session. The
//! session's `session.start` is kept apart from the ring (it is not a counted record, and an
//! upsampled session must still show its start). Held records live in memory only: a kill loses
//! them, as it would the decision to keep them.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::logs::SdkLogRecord;
use opentelemetry_sdk::trace::SpanData;
use otel_sessions_engine::{Session, SessionId};

use crate::consent::Consent;
use crate::journal::entry::{self, Kind, Stamp};
use crate::journal::Journal;
use crate::names::{EVENT_SESSION_END, EVENT_SESSION_START};
use crate::otlp;
use crate::shared::Shared;

/// How many recent sessions' sampling decisions are remembered.
const SAMPLED_MEMORY: usize = 32;
/// Distinct instrumentation scopes whose encoding is kept.
const SCOPE_CACHE: usize = 16;

thread_local! {
    /// Each recording thread encodes into its own buffer, reused: no allocation per record.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A scope, a log target that overrides its name, and their OTLP bytes.
type EncodedScope = (InstrumentationScope, Option<String>, Arc<[u8]>);

/// An encoded record of an unsampled session.
struct Held {
    session: SessionId,
    payload: Vec<u8>,
}

pub(crate) struct Gate {
    journal: Option<Arc<Journal>>,
    shared: Arc<Shared>,
    sampled: Mutex<VecDeque<(SessionId, bool)>>,
    held: Mutex<VecDeque<Held>>,
    start: Mutex<Option<Held>>,
    capacity: usize,
    /// Encoded scopes.
    scopes: Mutex<Vec<EncodedScope>>,
    /// The library's own instrumentation scope (events it encodes itself).
    own_scope: InstrumentationScope,
}

impl fmt::Debug for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gate")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

/// A record's stamp as the journal keeps it.
fn stamp(session: Option<SessionId>, seq: u64) -> Stamp {
    let mut s = Stamp::NONE;
    if let Some(id) = session {
        s.session.copy_from_slice(id.as_str().as_bytes());
        s.seq = seq;
    }
    s
}

impl Gate {
    /// A gate writing into `journal` (`None`: nothing is recorded, sessions only), holding up
    /// to `capacity` records of unsampled sessions.
    pub fn new(shared: Arc<Shared>, journal: Option<Arc<Journal>>, capacity: usize) -> Self {
        Gate {
            journal,
            shared,
            sampled: Mutex::new(VecDeque::new()),
            held: Mutex::new(VecDeque::new()),
            start: Mutex::new(None),
            capacity,
            scopes: Mutex::new(Vec::new()),
            own_scope: InstrumentationScope::builder(crate::telemetry::SCOPE_NAME).build(),
        }
    }

    /// A log record of `session` numbered `seq` that the library encodes itself (`encode`
    /// appends the OTLP `LogRecord`), under the library's own scope.
    pub fn pass_event(&self, session: SessionId, seq: u64, encode: impl FnOnce(&mut Vec<u8>)) {
        if self.journal.is_none() {
            return;
        }
        let route = self.route(Some(session));
        if let Route::Drop = route {
            return;
        }
        let scope = self.scope_bytes(&self.own_scope, None);
        self.with_payload(
            |out| {
                entry::record_prefix(out, Kind::Log, &stamp(Some(session), seq), &scope, "");
                encode(out);
            },
            |payload| self.deliver(route, Some(session), payload, false, false),
        );
    }

    /// A finished span of `session`, numbered `seq`; `replace` as for [`otlp::span_into`].
    pub fn pass_span(
        &self,
        session: Option<SessionId>,
        seq: u64,
        span: &SpanData,
        replace: Option<(usize, &[u8])>,
    ) {
        if self.journal.is_none() {
            return;
        }
        let route = self.route(session);
        if let Route::Drop = route {
            return;
        }
        let scope = self.scope_bytes(&span.instrumentation_scope, None);
        let schema = span.instrumentation_scope.schema_url().unwrap_or_default();
        self.with_payload(
            |out| {
                entry::record_prefix(out, Kind::Span, &stamp(session, seq), &scope, schema);
                otlp::span_into(out, span, replace);
            },
            |payload| self.deliver(route, session, payload, false, false),
        );
    }

    /// A log record of `session`, numbered `seq` (0 for the library's own session events).
    /// With `stamp` (encoded `session.id` and session attributes), the record is written
    /// stamped: `stamp` and then `seq` after its own attributes.
    pub fn pass_log(
        &self,
        session: Option<SessionId>,
        seq: u64,
        rec: &SdkLogRecord,
        scope: &InstrumentationScope,
        stamp_fields: Option<&[u8]>,
    ) {
        if self.journal.is_none() {
            return;
        }
        let route = self.route(session);
        if let Route::Drop = route {
            return;
        }
        let own = matches!(
            rec.event_name(),
            Some(EVENT_SESSION_START) | Some(EVENT_SESSION_END)
        );
        let is_start = rec.event_name() == Some(EVENT_SESSION_START);
        let target = rec.target().map(|t| t.as_ref());
        let scope_bytes = self.scope_bytes(scope, target);
        let schema = scope.schema_url().unwrap_or_default();
        self.with_payload(
            |out| {
                entry::record_prefix(out, Kind::Log, &stamp(session, seq), &scope_bytes, schema);
                otlp::log_record_into(out, rec, stamp_fields.map(|f| (f, seq)));
            },
            |payload| self.deliver(route, session, payload, own, is_start),
        );
    }

    fn with_payload(&self, build: impl FnOnce(&mut Vec<u8>), then: impl FnOnce(&[u8])) {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => {
                build(&mut buf);
                then(&buf);
                if buf.capacity() > 64 * 1024 {
                    *buf = Vec::new(); // a rare huge record does not pin memory
                }
            }
            Err(_) => {
                // Re-entered on this thread (an observer recording from inside a record).
                let mut buf = Vec::new();
                build(&mut buf);
                then(&buf);
            }
        })
    }

    fn deliver(
        &self,
        route: Route,
        session: Option<SessionId>,
        payload: &[u8],
        own: bool,
        is_start: bool,
    ) {
        match route {
            Route::Forward => self.write(session, payload, own),
            Route::Hold(id) => {
                let held = Held {
                    session: id,
                    payload: payload.to_vec(),
                };
                if is_start {
                    *lock(&self.start) = Some(held);
                } else {
                    self.hold(held);
                }
            }
            Route::Drop => {}
        }
    }

    /// Appends to the journal; a full journal drops the record and counts it.
    fn write(&self, session: Option<SessionId>, payload: &[u8], own: bool) {
        let Some(journal) = &self.journal else { return };
        let written = if own {
            journal.append_reserved(payload)
        } else {
            journal.append(payload)
        };
        if written.is_err() {
            if let (Some(id), Some(engine)) = (session, self.shared.engine.get()) {
                engine.add_dropped(&id, 1);
            }
        }
    }

    fn scope_bytes(&self, scope: &InstrumentationScope, name: Option<&str>) -> Arc<[u8]> {
        let mut cache = lock(&self.scopes);
        if let Some((_, _, b)) = cache
            .iter()
            .find(|(s, n, _)| same_scope(s, scope) && n.as_deref() == name)
        {
            return b.clone();
        }
        let bytes: Arc<[u8]> = otlp::scope(scope, name).into();
        if cache.len() >= SCOPE_CACHE {
            cache.remove(0);
        }
        cache.push((scope.clone(), name.map(str::to_owned), bytes.clone()));
        bytes
    }

    /// Follows the engine: remembers sampling decisions and releases held records of a
    /// session that has just been upsampled.
    pub fn session_changed(&self, current: &Session, previous: Option<&Session>) {
        {
            let mut map = lock(&self.sampled);
            map.retain(|(id, _)| *id != current.id);
            map.push_back((current.id, current.sampled));
            while map.len() > SAMPLED_MEMORY {
                map.pop_front();
            }
        }
        let upgraded =
            previous.is_some_and(|p| p.id == current.id && !p.sampled) && current.sampled;
        if upgraded {
            self.release(current.id);
        }
    }

    /// A session ended: records still held for it will never be wanted.
    pub fn session_ended(&self, id: SessionId) {
        lock(&self.held).retain(|h| h.session != id);
        let mut start = lock(&self.start);
        if start.as_ref().is_some_and(|h| h.session == id) {
            *start = None;
        }
    }

    /// Whether unsampled sessions' recent records are held (error sampling is on).
    pub fn buffers(&self) -> bool {
        self.capacity > 0
    }

    /// Whether records of `id` are exported now.
    pub fn is_sampled(&self, id: SessionId) -> bool {
        lock(&self.sampled)
            .iter()
            .rev()
            .find(|(i, _)| *i == id)
            .is_none_or(|(_, s)| *s)
    }

    /// Forgets every held record.
    pub fn clear(&self) {
        lock(&self.held).clear();
        *lock(&self.start) = None;
    }

    fn route(&self, session: Option<SessionId>) -> Route {
        if self.shared.consent() == Consent::Denied {
            return Route::Drop;
        }
        match session {
            Some(id) if !self.is_sampled(id) => {
                if self.capacity == 0 {
                    Route::Drop
                } else {
                    Route::Hold(id)
                }
            }
            _ => Route::Forward,
        }
    }

    fn hold(&self, h: Held) {
        let evicted = {
            let mut held = lock(&self.held);
            held.push_back(h);
            if held.len() > self.capacity {
                held.pop_front()
            } else {
                None
            }
        };
        if let (Some(e), Some(engine)) = (evicted, self.shared.engine.get()) {
            engine.add_dropped(&e.session, 1);
        }
    }

    fn release(&self, id: SessionId) {
        let start = {
            let mut slot = lock(&self.start);
            if slot.as_ref().is_some_and(|h| h.session == id) {
                slot.take()
            } else {
                None
            }
        };
        let mine: Vec<Held> = {
            let mut held = lock(&self.held);
            let (mine, rest): (Vec<Held>, Vec<Held>) =
                held.drain(..).partition(|h| h.session == id);
            held.extend(rest);
            mine
        };
        if let Some(s) = start {
            self.write(Some(id), &s.payload, true);
        }
        for h in mine {
            self.write(Some(id), &h.payload, false);
        }
    }
}

enum Route {
    Forward,
    Hold(SessionId),
    Drop,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The same scope, attributes in the same order: what [`InstrumentationScope`]'s own `==`
/// decides for scopes built alike, without collecting the attributes into vectors to
/// compare them as sets on every record. Scopes equal only as sets miss the cache and are
/// encoded again (the same content).
fn same_scope(a: &InstrumentationScope, b: &InstrumentationScope) -> bool {
    a.name() == b.name()
        && a.version() == b.version()
        && a.schema_url() == b.schema_url()
        && a.attributes().eq(b.attributes())
}

#[cfg(test)]
mod tests {
    use opentelemetry::{InstrumentationScope, KeyValue};

    use super::same_scope;

    #[test]
    fn scopes_are_the_same_only_when_every_field_is() {
        let scope = |version: &'static str, schema: &'static str, v: i64| {
            InstrumentationScope::builder("app")
                .with_version(version)
                .with_schema_url(schema)
                .with_attributes([KeyValue::new("k", v)])
                .build()
        };
        let base = scope("1", "s", 1);
        assert!(same_scope(&base, &scope("1", "s", 1)));
        assert!(!same_scope(&base, &scope("2", "s", 1)), "version");
        assert!(!same_scope(&base, &scope("1", "t", 1)), "schema");
        assert!(!same_scope(&base, &scope("1", "s", 2)), "attribute");
        assert!(
            !same_scope(&base, &InstrumentationScope::builder("other").build()),
            "name"
        );
    }
}
