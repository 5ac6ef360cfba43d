//! Ordered delivery of notifications to observers.
//!
//! ```text
//!  operation (under the state lock) ──push(note, needs_version)──► queue
//!  operation (after its write)      ──deliver()──► one drainer at a time pops notes whose
//!                                                  state version is already written
//! ```
//!
//! Notes enter the queue under the state lock, so queue order is transition order. Only
//! one thread drains at a time; a thread that finds another draining (or an observer that
//! calls back into the engine) leaves its notes to that drainer. A note that needs a state
//! version not yet on disk waits for the thread writing it, which drains after its write.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::events::SessionObserver;
use crate::machine::Note;

/// Identifies a subscription made with [`crate::Engine::subscribe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

#[derive(Default)]
pub(crate) struct Notifier {
    observers: RwLock<Vec<(SubscriptionId, Arc<dyn SessionObserver>)>>,
    next_id: AtomicU64,
    queue: Mutex<VecDeque<(u64, Note)>>,
    draining: AtomicBool,
    /// The newest state version whose write was attempted.
    written: AtomicU64,
    panics: AtomicU64,
}

impl Notifier {
    pub fn subscribe(&self, observer: Arc<dyn SessionObserver>) -> SubscriptionId {
        let id = SubscriptionId(self.next_id.fetch_add(1, Ordering::Relaxed));
        write(&self.observers).push((id, observer));
        id
    }

    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        let mut list = write(&self.observers);
        let before = list.len();
        list.retain(|(i, _)| *i != id);
        list.len() != before
    }

    /// Queues notes that may be delivered once state version `needs` is written
    /// (0: at once). Call with the state lock held.
    pub fn push(&self, needs: u64, notes: impl IntoIterator<Item = Note>) {
        lock(&self.queue).extend(notes.into_iter().map(|n| (needs, n)));
    }

    pub fn mark_written(&self, version: u64) {
        self.written.fetch_max(version, Ordering::SeqCst);
    }

    pub fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }

    pub fn observer_panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }

    /// Delivers every deliverable note, unless another thread (or an outer frame of this
    /// one) is already delivering. `ack` is called with a start's or end's event number
    /// once every observer has returned from it.
    pub fn deliver(&self, ack: &dyn Fn(u64)) {
        loop {
            if self.draining.swap(true, Ordering::SeqCst) {
                return;
            }
            while let Some(note) = self.pop_ready() {
                self.deliver_one(&note);
                if let Some(n) = note.event_no() {
                    ack(n);
                }
            }
            self.draining.store(false, Ordering::SeqCst);
            // A note that became deliverable while we were finishing would be stranded.
            if !self.head_ready() {
                return;
            }
        }
    }

    fn head_ready(&self) -> bool {
        let written = self.written();
        lock(&self.queue)
            .front()
            .is_some_and(|(needs, _)| *needs <= written)
    }

    fn pop_ready(&self) -> Option<Note> {
        let written = self.written();
        let mut q = lock(&self.queue);
        match q.front() {
            Some((needs, _)) if *needs <= written => q.pop_front().map(|(_, n)| n),
            _ => None,
        }
    }

    fn deliver_one(&self, note: &Note) {
        // Copy the list so observers may subscribe or unsubscribe from a callback.
        let observers: Vec<_> = read(&self.observers)
            .iter()
            .map(|(_, o)| o.clone())
            .collect();
        for o in observers {
            let r = catch_unwind(AssertUnwindSafe(|| match note {
                Note::Started(_, e) => o.on_session_started(e),
                Note::Ended(_, e) => o.on_session_ended(e),
                Note::Changed(cur, prev) => o.on_session_changed(cur, prev.as_ref()),
            }));
            if r.is_err() {
                self.panics.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}
