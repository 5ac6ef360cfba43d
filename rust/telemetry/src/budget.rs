//! One byte budget for what waits on disk: the journal and the outbox together stay within
//! `maxQueueBytes`.
//!
//! ```text
//!  journal (records not yet exported) + outbox (requests not yet delivered) <= max
//!  the journal needs room ─► the oldest outbox requests are evicted (counted) ─► still none? refused
//!  the outbox needs room  ─► its own oldest requests are evicted (counted)
//! ```
//!
//! Neither part has a fixed share: online, the outbox is nearly empty and a burst can fill
//! most of the budget with journal segments; offline, the outbox grows and the oldest of it
//! goes first. Newest records win, as the delivery rules say.

use std::sync::atomic::{AtomicU64, Ordering};

/// The shared budget: the cap, and what each part holds now.
#[derive(Debug)]
pub(crate) struct Budget {
    pub max: u64,
    journal: AtomicU64,
    outbox: AtomicU64,
}

impl Budget {
    pub fn new(max: u64) -> Self {
        Budget {
            max,
            journal: AtomicU64::new(0),
            outbox: AtomicU64::new(0),
        }
    }

    /// The cap the journal and the outbox share.
    pub fn max(&self) -> u64 {
        self.max
    }

    pub fn set_journal(&self, bytes: u64) {
        self.journal.store(bytes, Ordering::Relaxed);
    }

    pub fn set_outbox(&self, bytes: u64) {
        self.outbox.store(bytes, Ordering::Relaxed);
    }

    /// Bytes the journal may hold now (what the outbox leaves).
    pub fn journal_room(&self) -> u64 {
        self.max.saturating_sub(self.outbox.load(Ordering::Relaxed))
    }

    /// Bytes the outbox may hold now (what the journal leaves).
    pub fn outbox_room(&self) -> u64 {
        self.max
            .saturating_sub(self.journal.load(Ordering::Relaxed))
    }
}
