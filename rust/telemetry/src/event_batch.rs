//! Events recorded in a batch elsewhere (the JS layer's `recordEvent`), handed over on the
//! calling thread and recorded on another, without a window in which a kill loses them.
//!
//! ```text
//!  calling thread: hand_over(raw, n) ─► engine.record_n(n): the session, numbers first..first+n
//!                                    ─► journal EVENTS entry (raw bytes as given)   ← durable here
//!  worker thread:  parse raw ─► record_batch_event(batch, i, …) ×n ─► journal LOG entries
//!                  batch_done(batch) ─► journal EVENTS_DONE
//!  next launch:    an EVENTS entry without its DONE ─► take_recovered_batches() ─► the worker again
//! ```
//!
//! The bytes are opaque here (the binding owns their format). The numbers are given where the
//! events were recorded, so they belong to the session current then, and a batch replayed at
//! the next launch keeps its session and numbers (the engine knows them from the journal).

use std::sync::Arc;
use std::time::SystemTime;

use opentelemetry::logs::Severity;
use otel_sessions_engine::{AttributeValue, Session, SessionId};

use crate::error::TelemetryError;
use crate::journal::{entry, Position};
use crate::names::{SEQ, SESSION_ID};
use crate::telemetry::Telemetry;

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
}

/// A batch a previous launch handed over and never recorded, with its bytes.
#[derive(Debug, Clone)]
pub struct RecoveredBatch {
    /// Its session and numbers.
    pub batch: EventBatch,
    /// The bytes as they were handed over.
    pub raw: Vec<u8>,
}

impl Telemetry {
    /// Hands over `count` events recorded together, as `raw` bytes that the caller parses
    /// later (on another thread). Numbers them in the current session (this is activity) and
    /// writes `raw` into the journal: when this returns, a kill of the process cannot lose the
    /// batch. Record each event with [`Telemetry::record_batch_event`], then call
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

    /// Records the `index`-th event of `batch` (numbered `first_seq + index`), as
    /// [`Telemetry::record_event_at`] would, in the batch's session. An event refused (an
    /// invalid name or attribute) is counted as dropped in its session, and the error returned.
    pub fn record_batch_event(
        &self,
        batch: &EventBatch,
        index: u32,
        name: &str,
        attributes: &[(String, AttributeValue)],
        time: SystemTime,
    ) -> Result<(), TelemetryError> {
        if index >= batch.count {
            return Err(TelemetryError::InvalidEventName(format!(
                "is event {index} of a batch of {}: more events than were handed over",
                batch.count
            )));
        }
        let mut stamp: Vec<(opentelemetry::Key, opentelemetry::logs::AnyValue)> = vec![
            (SESSION_ID.into(), batch.session_id.to_string().into()),
            (
                SEQ.into(),
                ((batch.first_seq + u64::from(index)) as i64).into(),
            ),
        ];
        if let Some(s) = &batch.session {
            stamp.extend(crate::convert::log_pairs(&s.attributes));
        }
        let recorded = self.emit(name, Severity::Info, attributes, stamp, time);
        if recorded.is_err() {
            self.engine.add_dropped(&batch.session_id, 1);
        }
        recorded
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
    pub fn take_recovered_batches(&self) -> Vec<RecoveredBatch> {
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
                Some(RecoveredBatch {
                    batch: EventBatch {
                        session: self.shared.snapshot(&id),
                        session_id: id,
                        first_seq: p.first_seq,
                        count: p.count,
                        at: Some(p.at),
                    },
                    raw: p.json,
                })
            })
            .collect()
    }
}
