//! State shared by the processors, the outbox client, the uploader and the facade.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use otel_sessions_engine::{Engine, Session, SessionId};

use crate::consent::Consent;
use crate::outbox::Outbox;
use crate::transport::Exchange;

pub(crate) struct Shared {
    /// Set right after the engine is built (the engine's launch events come earlier and
    /// carry their own session ids).
    pub engine: OnceLock<Engine>,
    pub outbox: Option<Arc<Outbox>>,
    consent: AtomicU8,
    pub wake: Wake,
    /// Items a backend rejected in partial successes.
    pub rejected_items: AtomicU64,
    pub delivered_requests: AtomicU64,
    /// The request the uploader waits on, so that shutdown can stop the wait at once.
    exchange: Mutex<Option<Arc<Exchange>>>,
    /// Why the last attempt did not deliver (`None` after a success), for flush errors.
    last_failure: Mutex<Option<String>>,
    /// The final snapshots of the sessions ended most recently (for records that arrive
    /// after their session ended, such as JS event batches found in the journal at launch).
    ended: Mutex<std::collections::VecDeque<Arc<Session>>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("consent", &self.consent())
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub fn new(outbox: Option<Arc<Outbox>>, consent: Consent) -> Self {
        Shared {
            engine: OnceLock::new(),
            outbox,
            consent: AtomicU8::new(consent.to_u8()),
            wake: Wake::default(),
            rejected_items: AtomicU64::new(0),
            delivered_requests: AtomicU64::new(0),
            exchange: Mutex::new(None),
            last_failure: Mutex::new(None),
            ended: Mutex::new(Default::default()),
        }
    }

    /// Keeps `session`'s final snapshot among the few most recently ended.
    pub fn remember_ended(&self, session: Arc<Session>) {
        let mut ended = lock(&self.ended);
        ended.retain(|s| s.id != session.id);
        ended.push_back(session);
        while ended.len() > 8 {
            ended.pop_front();
        }
    }

    /// The newest snapshot of session `id`: the current session, or one that ended lately.
    pub fn snapshot(&self, id: &SessionId) -> Option<Arc<Session>> {
        if let Some(cur) = self
            .engine
            .get()
            .map(|e| e.current())
            .filter(|s| s.id == *id)
        {
            return Some(cur);
        }
        lock(&self.ended)
            .iter()
            .rev()
            .find(|s| s.id == *id)
            .cloned()
    }

    /// Registers the request the uploader is about to wait on; `false` when shutting down.
    pub fn begin_exchange(&self, exchange: &Arc<Exchange>) -> bool {
        let mut slot = lock(&self.exchange);
        if self.stopping() {
            return false;
        }
        *slot = Some(exchange.clone());
        true
    }

    pub fn end_exchange(&self) {
        *lock(&self.exchange) = None;
    }

    /// Stops the uploader: its sleep and any wait on the transport end at once.
    pub fn stop_uploader(&self) {
        let slot = lock(&self.exchange);
        self.wake.stop();
        if let Some(e) = slot.as_ref() {
            e.abandon();
        }
    }

    pub fn stopping(&self) -> bool {
        self.wake.stopped()
    }

    /// Records how the last attempt went: `None` for a delivery, else why it did not.
    pub fn note_attempt(&self, failure: Option<String>) {
        *lock(&self.last_failure) = failure;
    }

    pub fn last_failure(&self) -> Option<String> {
        lock(&self.last_failure).clone()
    }

    pub fn consent(&self) -> Consent {
        Consent::from_u8(self.consent.load(Ordering::SeqCst))
    }

    pub fn set_consent(&self, c: Consent) {
        self.consent.store(c.to_u8(), Ordering::SeqCst);
        self.wake.notify();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Wakes the uploader: new data, consent granted, a flush, or shutdown.
#[derive(Default)]
pub(crate) struct Wake {
    state: Mutex<WakeState>,
    cv: Condvar,
}

#[derive(Default, Clone, Copy)]
pub(crate) struct WakeState {
    pub pending: bool,
    pub attempt_now: bool,
    pub stop: bool,
}

impl Wake {
    pub fn notify(&self) {
        self.update(|s| s.pending = true);
    }

    /// Ask for one attempt now, even during a backoff.
    pub fn attempt_now(&self) {
        self.update(|s| {
            s.pending = true;
            s.attempt_now = true;
        });
    }

    pub fn stop(&self) {
        self.update(|s| s.stop = true);
    }

    pub fn stopped(&self) -> bool {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).stop
    }

    fn update(&self, f: impl FnOnce(&mut WakeState)) {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()));
        self.cv.notify_all();
    }

    /// Waits up to `timeout` for a wake-up; returns and clears what was asked.
    pub fn wait(&self, timeout: std::time::Duration) -> WakeState {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !s.pending && !s.stop {
            s = self
                .cv
                .wait_timeout(s, timeout)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        let seen = *s;
        s.pending = false;
        s.attempt_now = false;
        seen
    }
}
