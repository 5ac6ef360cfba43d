//! The sampling gate between the stamping processors and the batch processors.
//!
//! ```text
//!  stamped record ─► consent denied? drop
//!                 ─► its session sampled (or unknown)? ─► batch processor ─► exporter ─► outbox
//!                 ─► otherwise held in a bounded ring ──(error recorded: session upsampled)──┘
//! ```
//!
//! Forwarding respects [`InFlight`] bounds (when set): a record the batch processor's queue
//! could not take is dropped here and counted against its session, never silently by the SDK.
//!
//! The ring keeps the most recent records of unsampled sessions ("1% baseline, 100% on
//! errors"): when the session is marked sampled, its held records go out first. A record
//! pushed out of the full ring is counted as dropped against its session. The session's
//! `session.start` is kept apart from the ring (it is not a counted record, and an
//! upsampled session must still show its start).

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::logs::{BatchLogProcessor, LogProcessor, SdkLogRecord};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SpanData, SpanProcessor};
use otel_sessions_engine::{Session, SessionId};

use crate::consent::Consent;
use crate::in_flight::InFlight;
use crate::names::{EVENT_SESSION_END, EVENT_SESSION_START};
use crate::shared::Shared;

/// How many recent sessions' sampling decisions are remembered.
const SAMPLED_MEMORY: usize = 32;

enum Held {
    Span(SessionId, Box<SpanData>),
    Log(SessionId, Box<(SdkLogRecord, InstrumentationScope)>),
}

impl Held {
    fn session(&self) -> SessionId {
        match self {
            Held::Span(id, _) | Held::Log(id, _) => *id,
        }
    }
}

pub(crate) struct Gate {
    pub spans: Option<Arc<BatchSpanProcessor>>,
    pub logs: Option<Arc<BatchLogProcessor>>,
    span_flight: Option<Arc<InFlight>>,
    log_flight: Option<Arc<InFlight>>,
    shared: Arc<Shared>,
    sampled: Mutex<VecDeque<(SessionId, bool)>>,
    held: Mutex<VecDeque<Held>>,
    start: Mutex<Option<Held>>,
    capacity: usize,
}

impl fmt::Debug for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gate")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl Gate {
    pub fn new(
        shared: Arc<Shared>,
        spans: Option<Arc<BatchSpanProcessor>>,
        logs: Option<Arc<BatchLogProcessor>>,
        capacity: usize,
    ) -> Self {
        Gate {
            spans,
            logs,
            span_flight: None,
            log_flight: None,
            shared,
            sampled: Mutex::new(VecDeque::new()),
            held: Mutex::new(VecDeque::new()),
            start: Mutex::new(None),
            capacity,
        }
    }

    /// Bounds what waits in the batch processors (see [`InFlight`]); their exporters must
    /// be wrapped in [`crate::in_flight::Counted`] with the same bounds.
    pub fn with_bounds(mut self, spans: Arc<InFlight>, logs: Arc<InFlight>) -> Self {
        self.span_flight = Some(spans);
        self.log_flight = Some(logs);
        self
    }

    pub fn pass_span(&self, session: Option<SessionId>, data: SpanData) {
        if self.spans.is_none() {
            return;
        }
        match self.route(session) {
            Route::Forward => self.forward_span(session, data),
            Route::Hold(id) => self.hold(Held::Span(id, Box::new(data))),
            Route::Drop => {}
        }
    }

    pub fn pass_log(
        &self,
        session: Option<SessionId>,
        rec: &mut SdkLogRecord,
        scope: &InstrumentationScope,
    ) {
        if self.logs.is_none() {
            return;
        }
        match self.route(session) {
            Route::Forward => self.forward_log(session, rec, scope),
            Route::Hold(id) => {
                let held = Held::Log(id, Box::new((rec.clone(), scope.clone())));
                if rec.event_name() == Some(crate::names::EVENT_SESSION_START) {
                    *lock(&self.start) = Some(held);
                } else {
                    self.hold(held);
                }
            }
            Route::Drop => {}
        }
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
        lock(&self.held).retain(|h| h.session() != id);
        let mut start = lock(&self.start);
        if start.as_ref().is_some_and(|h| h.session() == id) {
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
            engine.add_dropped(&e.session(), 1);
        }
    }

    fn release(&self, id: SessionId) {
        let start = {
            let mut slot = lock(&self.start);
            if slot.as_ref().is_some_and(|h| h.session() == id) {
                slot.take()
            } else {
                None
            }
        };
        let mine: Vec<Held> = {
            let mut held = lock(&self.held);
            let (mine, rest): (Vec<Held>, Vec<Held>) =
                held.drain(..).partition(|h| h.session() == id);
            held.extend(rest);
            mine
        };
        for h in start.into_iter().chain(mine) {
            match h {
                Held::Span(id, data) => self.forward_span(Some(id), *data),
                Held::Log(id, b) => {
                    let (mut rec, scope) = *b;
                    self.forward_log(Some(id), &mut rec, &scope);
                }
            }
        }
    }

    fn forward_span(&self, session: Option<SessionId>, data: SpanData) {
        let Some(spans) = &self.spans else { return };
        if self.admit(&self.span_flight, session, false) {
            spans.on_end(data);
        }
    }

    fn forward_log(
        &self,
        session: Option<SessionId>,
        rec: &mut SdkLogRecord,
        scope: &InstrumentationScope,
    ) {
        let Some(logs) = &self.logs else { return };
        let own = matches!(
            rec.event_name(),
            Some(EVENT_SESSION_START) | Some(EVENT_SESSION_END)
        );
        if self.admit(&self.log_flight, session, own) {
            logs.emit(rec, scope);
        }
    }

    /// Whether the batch processor can take one more record; if not, counts it as dropped.
    fn admit(
        &self,
        flight: &Option<Arc<InFlight>>,
        session: Option<SessionId>,
        always: bool,
    ) -> bool {
        if flight.as_ref().is_none_or(|f| f.admit(always)) {
            return true;
        }
        if let (Some(id), Some(engine)) = (session, self.shared.engine.get()) {
            engine.add_dropped(&id, 1);
        }
        false
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
