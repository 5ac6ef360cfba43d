//! The sampling gate between the stamping processors and the batch processors.
//!
//! ```text
//!  stamped record ─► consent denied? drop
//!                 ─► its session sampled (or unknown)? ─► batch processor ─► exporter ─► outbox
//!                 ─► otherwise held in a bounded ring ──(error recorded: session upsampled)──┘
//! ```
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
            shared,
            sampled: Mutex::new(VecDeque::new()),
            held: Mutex::new(VecDeque::new()),
            start: Mutex::new(None),
            capacity,
        }
    }

    pub fn pass_span(&self, session: Option<SessionId>, data: SpanData) {
        let Some(spans) = &self.spans else { return };
        match self.route(session) {
            Route::Forward => spans.on_end(data),
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
        let Some(logs) = &self.logs else { return };
        match self.route(session) {
            Route::Forward => logs.emit(rec, scope),
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
                Held::Span(_, data) => {
                    if let Some(s) = &self.spans {
                        s.on_end(*data);
                    }
                }
                Held::Log(_, b) => {
                    let (mut rec, scope) = *b;
                    if let Some(l) = &self.logs {
                        l.emit(&mut rec, &scope);
                    }
                }
            }
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
