//! The receiver's shared memory: the fault queue, the request records and the accepted
//! data, behind one mutex with a condition variable for waiters.
//!
//! Snapshots are `Arc`s, so a waiter can evaluate its predicate without holding the lock
//! (and may call back into the [`Receiver`](crate::Receiver)); an append clones the data
//! only while such a snapshot is alive.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::decode::Decoded;
use crate::fault::Fault;
use crate::model::{Received, ReceivedRequest};

/// Identifies the record of a request still being handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket(u64);

/// How a request ended, to complete its record.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Outcome {
    /// Status written, or 0 for none.
    pub status: u16,
    /// Body bytes read from the wire.
    pub body_len: usize,
    /// Whether the body decoded.
    pub decoded_ok: bool,
    /// Spans or log records in the body.
    pub item_count: usize,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// Data to add to [`Received`] (only for 2xx answers).
    pub accepted: Option<Decoded>,
}

struct State {
    faults: VecDeque<Fault>,
    default_fault: Fault,
    /// Sequence number of `requests[0]` (advances when records are cleared).
    first_seq: u64,
    requests: Arc<Vec<ReceivedRequest>>,
    received: Arc<Received>,
    /// Bumped on every change a waiter may care about.
    generation: u64,
}

/// Faults, records and accepted data of one receiver.
pub(crate) struct Store {
    state: Mutex<State>,
    changed: Condvar,
}

impl Store {
    pub fn new() -> Store {
        Store {
            state: Mutex::new(State {
                faults: VecDeque::new(),
                default_fault: Fault::Ok,
                first_seq: 0,
                requests: Arc::new(Vec::new()),
                received: Arc::new(Received::default()),
                generation: 0,
            }),
            changed: Condvar::new(),
        }
    }

    /// The lock; a panic elsewhere never makes it unusable (the data stays consistent
    /// because every update is a single push or field assignment).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self, state: &mut State) {
        state.generation = state.generation.wrapping_add(1);
        self.changed.notify_all();
    }

    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.lock().faults.extend(faults);
    }

    pub fn set_default(&self, fault: Fault) {
        self.lock().default_fault = fault;
    }

    pub fn pending_faults(&self) -> usize {
        self.lock().faults.len()
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The next queued fault, or the default one.
    pub fn take_fault(&self) -> Fault {
        let mut state = self.lock();
        match state.faults.pop_front() {
            Some(fault) => fault,
            None => state.default_fault.clone(),
        }
    }

    /// Appends `record` (marked incomplete) and returns its ticket.
    pub fn open(&self, mut record: ReceivedRequest) -> Ticket {
        record.complete = false;
        let mut state = self.lock();
        let seq = state.first_seq + state.requests.len() as u64;
        Arc::make_mut(&mut state.requests).push(record);
        self.changed(&mut state);
        Ticket(seq)
    }

    /// Appends a record that is already complete.
    pub fn record(&self, mut record: ReceivedRequest) {
        record.complete = true;
        let mut state = self.lock();
        Arc::make_mut(&mut state.requests).push(record);
        self.changed(&mut state);
    }

    fn with_record(state: &mut State, ticket: Ticket, update: impl FnOnce(&mut ReceivedRequest)) {
        let Some(index) = ticket.0.checked_sub(state.first_seq) else {
            return; // cleared meanwhile
        };
        let Ok(index) = usize::try_from(index) else {
            return;
        };
        if let Some(record) = Arc::make_mut(&mut state.requests).get_mut(index) {
            update(record);
        }
    }

    /// Completes the record of `ticket` and adds accepted data to [`Received`].
    pub fn close(&self, ticket: Ticket, outcome: Outcome) {
        let mut state = self.lock();
        let Outcome {
            status,
            body_len,
            decoded_ok,
            item_count,
            error,
            accepted,
        } = outcome;
        Self::with_record(&mut state, ticket, |record| {
            record.status = status;
            record.body_len = body_len;
            record.decoded_ok = decoded_ok;
            record.item_count = item_count;
            record.error = error;
            record.complete = true;
        });
        match accepted {
            Some(Decoded::Spans(spans)) => Arc::make_mut(&mut state.received).spans.extend(spans),
            Some(Decoded::Logs(logs)) => Arc::make_mut(&mut state.received).logs.extend(logs),
            None => {}
        }
        self.changed(&mut state);
    }

    /// Adds `note` to the `error` of a completed record (e.g. the answer could not be
    /// written).
    pub fn annotate(&self, ticket: Ticket, note: &str) {
        let mut state = self.lock();
        Self::with_record(&mut state, ticket, |record| {
            record.error = Some(match record.error.take() {
                Some(previous) => format!("{previous}; {note}"),
                None => note.to_string(),
            });
        });
        self.changed(&mut state);
    }

    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.lock().requests.as_ref().clone()
    }

    pub fn received(&self) -> Received {
        self.lock().received.as_ref().clone()
    }

    /// Forgets all records and accepted data (faults are kept).
    pub fn clear(&self) {
        let mut state = self.lock();
        state.first_seq += state.requests.len() as u64;
        state.requests = Arc::new(Vec::new());
        state.received = Arc::new(Received::default());
        self.changed(&mut state);
    }

    pub fn wait_received(&self, pred: impl Fn(&Received) -> bool, timeout: Duration) -> bool {
        self.wait_until(|state| Arc::clone(&state.received), pred, timeout)
    }

    pub fn wait_requests(
        &self,
        pred: impl Fn(&[ReceivedRequest]) -> bool,
        timeout: Duration,
    ) -> bool {
        self.wait_until(
            |state| Arc::clone(&state.requests),
            |requests: &Vec<ReceivedRequest>| pred(requests),
            timeout,
        )
    }

    /// Evaluates `pred` on a snapshot now and after every change, until it holds (`true`)
    /// or `timeout` passes without it holding (`false`).
    fn wait_until<T>(
        &self,
        snapshot: impl Fn(&State) -> Arc<T>,
        pred: impl Fn(&T) -> bool,
        timeout: Duration,
    ) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.lock();
        loop {
            let seen = state.generation;
            let snap = snapshot(&state);
            drop(state);
            if pred(&snap) {
                return true;
            }
            drop(snap);
            state = self.lock();
            while state.generation == seen {
                let remaining = match deadline {
                    Some(deadline) => {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            return false;
                        }
                        left
                    }
                    None => Duration::from_secs(3600),
                };
                state = match self.changed.wait_timeout(state, remaining) {
                    Ok((guard, _)) => guard,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
        }
    }
}
