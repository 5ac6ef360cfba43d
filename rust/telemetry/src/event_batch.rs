//! Events recorded in a batch elsewhere (the JS layer's `recordEvent`), handed over on the
//! calling thread and recorded on another, without a window in which a kill loses them.
//!
//! ```text
//!  calling thread: hand_over(raw, n) ─► engine.record_n(n): the session, numbers first..first+n
//!                                    ─► journal EVENTS entry (raw bytes as given)   ← durable here
//!  worker thread:  with_batch_bytes(batch): the bytes read back from the journal (not kept in
//!                  memory meanwhile) ─► parse ─► record_batch_event(batch, i, …) ×n ─► LOG entries
//!                  batch_done(batch) ─► journal EVENTS_DONE
//!  next launch:    an EVENTS entry without its DONE ─► take_recovered_batches() ─► the worker again
//! ```
//!
//! The bytes are opaque here (the binding owns their format). The numbers are given where the
//! events were recorded, so they belong to the session current then, and a batch replayed at
//! the next launch keeps its session and numbers (the engine knows them from the journal).

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use otel_sessions_engine::{
    validate_key, AttributeError, Session, SessionId, MAX_ARRAY_LEN, MAX_ATTRIBUTES,
    MAX_VALUE_BYTES,
};

use crate::error::TelemetryError;
use crate::intern::intern;
use crate::journal::{entry, Position};
use crate::otlp;
use crate::stamp_cache::log_stamp_fields;
use crate::telemetry::{Telemetry, MAX_EVENT_NAME_BYTES};

/// The value of an event attribute as the caller parsed it, borrowing strings where it can
/// (the JS layer's batch). The same kinds, and the same limits, as the engine's
/// `AttributeValue`.
#[derive(Debug, Clone, PartialEq)]
pub enum EventValue<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A finite double.
    Double(f64),
    /// Strings.
    StrArray(Vec<Cow<'a, str>>),
    /// Booleans.
    BoolArray(Vec<bool>),
    /// Integers.
    IntArray(Vec<i64>),
    /// Finite doubles.
    DoubleArray(Vec<f64>),
}

impl EventValue<'_> {
    /// The engine's limits for an attribute value: finite numbers, at most 256 elements and
    /// 4096 bytes of strings.
    fn check(&self, key: &str) -> Result<(), AttributeError> {
        let too_large = || AttributeError::ValueTooLarge {
            key: key.to_owned(),
        };
        let non_finite = || AttributeError::NonFiniteNumber {
            key: key.to_owned(),
        };
        let (len, bytes) = match self {
            EventValue::Str(s) => (1, s.len()),
            EventValue::Bool(_) | EventValue::Int(_) => (1, 0),
            EventValue::Double(d) => {
                if !d.is_finite() {
                    return Err(non_finite());
                }
                (1, 0)
            }
            EventValue::StrArray(a) => (a.len(), a.iter().map(|s| s.len()).sum()),
            EventValue::BoolArray(a) => (a.len(), 0),
            EventValue::IntArray(a) => (a.len(), 0),
            EventValue::DoubleArray(a) => {
                if a.iter().any(|d| !d.is_finite()) {
                    return Err(non_finite());
                }
                (a.len(), 0)
            }
        };
        if len > MAX_ARRAY_LEN || bytes > MAX_VALUE_BYTES {
            return Err(too_large());
        }
        Ok(())
    }
}

/// A batch of events handed over: its session and numbers.
#[derive(Debug, Clone)]
pub struct EventBatch {
    /// The session the events belong to (its snapshot when they were handed over; for a batch
    /// found at launch, the newest snapshot known, or `None` if that session is long gone).
    pub session: Option<Arc<Session>>,
    /// Its id.
    pub session_id: SessionId,
    /// The number of the batch's first event; the i-th has `first_seq + i`.
    pub first_seq: u64,
    /// How many events the batch holds.
    pub count: u32,
    at: Option<Position>,
    /// `session.id` and the session's attributes, encoded once for every event of the batch.
    stamp: OnceLock<Vec<u8>>,
}

impl EventBatch {
    fn stamp_fields(&self) -> &[u8] {
        self.stamp
            .get_or_init(|| log_stamp_fields(self.session_id, self.session.as_deref()))
    }
}

fn check_event(
    batch: &EventBatch,
    index: u32,
    name: &str,
    attributes: &[(Cow<'_, str>, EventValue<'_>)],
) -> Result<(), TelemetryError> {
    if index >= batch.count {
        return Err(TelemetryError::InvalidEventName(format!(
            "is event {index} of a batch of {}: more events than were handed over",
            batch.count
        )));
    }
    if name.is_empty() || name.len() > MAX_EVENT_NAME_BYTES {
        return Err(TelemetryError::InvalidEventName(format!(
            "must be 1 to {MAX_EVENT_NAME_BYTES} bytes; got {}",
            name.len()
        )));
    }
    if intern(name).is_none() {
        return Err(TelemetryError::InvalidEventName(format!(
            "is one too many distinct event names (the limit is {}); use fewer names and put the variable part in attributes",
            crate::intern::MAX_EVENT_NAMES
        )));
    }
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(TelemetryError::InvalidAttribute(
            AttributeError::TooManyAttributes,
        ));
    }
    for (k, v) in attributes {
        validate_key(k)
            .and_then(|()| v.check(k))
            .map_err(TelemetryError::InvalidAttribute)?;
    }
    Ok(())
}

impl Telemetry {
    /// Hands over `count` events recorded together, as `raw` bytes that the caller parses
    /// later (on another thread). Numbers them in the current session (this is activity) and
    /// writes `raw` into the journal: when this returns, a kill of the process cannot lose the
    /// batch. Read the bytes back with [`Telemetry::with_batch_bytes`] (they are not kept in
    /// memory), record each event with [`Telemetry::record_batch_event`], then call
    /// [`Telemetry::batch_done`]; a batch never done comes back at the next launch from
    /// [`Telemetry::take_recovered_batches`]. Does not wait on the disk.
    ///
    /// Without an endpoint, or with consent denied, nothing is written (the events are still
    /// numbered and count as activity, as any record does).
    pub fn hand_over(&self, raw: &[u8], count: u32) -> EventBatch {
        let stamp = if count == 0 {
            None
        } else {
            Some(self.engine.record_n(u64::from(count)))
        };
        let session = stamp
            .as_ref()
            .map_or_else(|| self.engine.current(), |s| s.session.clone());
        let first_seq = stamp.as_ref().map_or(0, |s| s.sequence);
        let mut batch = EventBatch {
            session_id: session.id,
            session: Some(session),
            first_seq,
            count,
            at: None,
            stamp: OnceLock::new(),
        };
        let recorded = count > 0 && self.consent() != crate::Consent::Denied;
        if let (Some(journal), true) = (&self.journal, recorded) {
            let mut id = [0u8; 32];
            id.copy_from_slice(batch.session_id.as_str().as_bytes());
            let mut payload = Vec::with_capacity(raw.len() + 48);
            entry::encode_events(&mut payload, &id, first_seq, count, raw);
            match journal.append_events(&payload) {
                Ok(at) => batch.at = Some(at),
                Err(_) => {
                    // The journal is full: the batch is lost, and counted.
                    self.engine.add_dropped(&batch.session_id, u64::from(count));
                    batch.count = 0;
                }
            }
        }
        batch
    }

    /// Records the `index`-th event of `batch` (numbered `first_seq + index`), an event
    /// named `name` with `attributes`, that happened at `time`: encoded straight into the
    /// journal in the batch's session, with the session's attributes (as
    /// [`Telemetry::record_event`] records, without building an SDK log record). An event over
    /// a limit (the name's length or the distinct names, the attribute count, a key, a value)
    /// is refused: the error names it, and it counts as dropped in its session.
    pub fn record_batch_event(
        &self,
        batch: &EventBatch,
        index: u32,
        name: &str,
        attributes: &[(Cow<'_, str>, EventValue<'_>)],
        time: SystemTime,
    ) -> Result<(), TelemetryError> {
        let checked = check_event(batch, index, name, attributes);
        if let Err(e) = checked {
            self.engine.add_dropped(&batch.session_id, 1);
            return Err(e);
        }
        let seq = batch.first_seq + u64::from(index);
        let stamp = batch.stamp_fields();
        let (time_ns, observed_ns) = (otlp::nanos(time), otlp::nanos(SystemTime::now()));
        self.gate.pass_event(batch.session_id, seq, |out| {
            otlp::event_into(out, time_ns, observed_ns, name, attributes, stamp, seq);
        });
        Ok(())
    }

    /// Calls `f` with the bytes handed over for `batch`, read back from the journal; `None`
    /// when there is nothing to record (no endpoint, consent denied, the journal was full or
    /// purged since), or when the system would not open the journal file that holds them
    /// for about a second (too many open files in the app): those events are then counted
    /// as dropped in their session.
    pub fn with_batch_bytes<R>(&self, batch: &EventBatch, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let (Some(journal), Some(at)) = (&self.journal, batch.at) else {
            return None;
        };
        journal.with_events(at, f).unwrap_or_else(|_| {
            self.engine
                .add_dropped(&batch.session_id, u64::from(batch.count));
            None
        })
    }

    /// Every event of `batch` is recorded (or refused and counted): it will not come back at
    /// the next launch.
    pub fn batch_done(&self, batch: &EventBatch) {
        let (Some(journal), Some(at)) = (&self.journal, batch.at) else {
            return;
        };
        let mut p = Vec::with_capacity(16);
        entry::encode_events_done(&mut p, at.segment, at.offset as u32);
        // In the reserve: a marker must not be refused, or the batch would be recorded twice.
        let _ = journal.append_reserved(&p);
        journal.events_done(at);
    }

    /// The batches a previous launch handed over and never recorded, once (later calls
    /// return nothing). Record them as usual: their session and numbers are kept.
    pub fn take_recovered_batches(&self) -> Vec<EventBatch> {
        let pending = std::mem::take(
            &mut *self
                .recovered_batches
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        pending
            .into_iter()
            .filter_map(|p| {
                let id = std::str::from_utf8(&p.session)
                    .ok()
                    .and_then(SessionId::parse)?;
                Some(EventBatch {
                    session: self.shared.snapshot(&id),
                    session_id: id,
                    first_seq: p.first_seq,
                    count: p.count,
                    at: Some(p.at),
                    stamp: OnceLock::new(),
                })
            })
            .collect()
    }
}
