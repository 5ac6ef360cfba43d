//! State shared by the processors, the outbox client, the uploader and the facade.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

use otel_sessions_engine::Engine;

use crate::consent::Consent;
use crate::outbox::Outbox;

pub(crate) struct Shared {
    /// Set right after the engine is built (the engine's launch events come earlier and
    /// carry their own session ids).
    pub engine: OnceLock<Engine>,
    pub outbox: Option<Outbox>,
    consent: AtomicU8,
    pub wake: Wake,
    /// Items a backend rejected in partial successes.
    pub rejected_items: AtomicU64,
    pub delivered_requests: AtomicU64,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("consent", &self.consent())
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub fn new(outbox: Option<Outbox>, consent: Consent) -> Self {
        Shared {
            engine: OnceLock::new(),
            outbox,
            consent: AtomicU8::new(consent.to_u8()),
            wake: Wake::default(),
            rejected_items: AtomicU64::new(0),
            delivered_requests: AtomicU64::new(0),
        }
    }

    pub fn consent(&self) -> Consent {
        Consent::from_u8(self.consent.load(Ordering::SeqCst))
    }

    pub fn set_consent(&self, c: Consent) {
        self.consent.store(c.to_u8(), Ordering::SeqCst);
        self.wake.notify();
    }
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
