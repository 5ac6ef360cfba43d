//! `Sessions.init` returns before the library has started: it checks the config and takes the
//! storage directory's lock on the calling thread, and the rest of the start (journal, outbox,
//! engine state, pipeline and threads: 1-2 ms on a desktop, more on a phone) runs on a thread
//! of its own while the app goes on loading its JavaScript.
//!
//! ```text
//!  JS thread:    init ─ parse config ─ lock dir ─ spawn ─► returns     current() ─ wait ─► session
//!  start thread:                                    └─ Binding::start ─► slot ─┘
//! ```
//!
//! * The first call that needs the library waits for the start, or runs it itself when the
//!   start thread has not begun it yet: exactly one of them starts the library.
//! * The started library is moved out of the shared slot into the [`Starting`] that the
//!   handles own, so it shuts down, as before, on the thread that releases the last handle.
//!   Releasing the last handle during the start waits for the start to end (or cancels one
//!   that has not begun), so two instances never run on one directory.
//! * A start that fails (a journal that cannot be created, a thread the OS refuses) fails every
//!   later call with its message, naming the method.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

use otel_sessions_engine::{AppState, StorageLock};
use otel_sessions_telemetry::TelemetryError;

use crate::binding::Binding;
use crate::call_error::CallError;
use crate::init_config::InitConfig;

/// What the start needs: the checked config, the directory's lock, and the app's state when
/// `init` was called (a later lifecycle change waits for the start, then applies in order).
type Job = (InitConfig, Arc<StorageLock>, AppState);

enum State {
    Pending(Box<Job>),
    Running,
    Ready(Result<Binding, CallError>),
    /// Moved into the [`Starting`], or cancelled.
    Taken,
}

/// Shared by the handles' [`Starting`] and the start thread.
struct Slot {
    state: Mutex<State>,
    changed: Condvar,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs the start if no one has begun it; `None` if someone has.
    fn run_if_pending(&self) -> Option<Result<Binding, CallError>> {
        let job = {
            let mut state = self.lock();
            match std::mem::replace(&mut *state, State::Running) {
                State::Pending(job) => *job,
                other => {
                    *state = other;
                    return None;
                }
            }
        };
        let (c, lock, app_state) = job;
        Some(
            catch_unwind(AssertUnwindSafe(|| Binding::start(c, lock, app_state)))
                .unwrap_or_else(|_| Err(CallError::other("init", "internal error while starting"))),
        )
    }

    /// The start thread: runs the start unless a caller already did, and leaves the result.
    fn start_in_background(&self) {
        if let Some(result) = self.run_if_pending() {
            *self.lock() = State::Ready(result);
            self.changed.notify_all();
        }
    }

    /// Runs the start (`cancel`: drops it) if it has not begun, else waits for it to end;
    /// then takes its result out of the slot.
    fn take(&self, cancel: bool) -> Option<Result<Binding, CallError>> {
        if cancel {
            let mut state = self.lock();
            if matches!(*state, State::Pending(_)) {
                *state = State::Taken;
                return None;
            }
        } else if let Some(result) = self.run_if_pending() {
            *self.lock() = State::Taken;
            self.changed.notify_all();
            return Some(result);
        }
        let mut state = self.lock();
        while matches!(*state, State::Running) {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        match std::mem::replace(&mut *state, State::Taken) {
            State::Ready(result) => Some(result),
            _ => None,
        }
    }
}

/// A library that has started, is starting, or failed to start.
pub struct Starting {
    slot: Arc<Slot>,
    started: OnceLock<Result<Arc<Binding>, CallError>>,
}

impl Starting {
    /// Takes the storage directory's lock (a directory another process holds fails here, with
    /// nothing else touched) and starts the rest on a thread of its own, or on this one when
    /// the OS refuses a thread.
    pub fn begin(c: InitConfig, app_state: AppState) -> Result<Arc<Starting>, CallError> {
        let lock = StorageLock::acquire(&c.telemetry.storage_dir)
            .map_err(|e| CallError::other("init", TelemetryError::Engine(e)))?;
        let slot = Arc::new(Slot {
            state: Mutex::new(State::Pending(Box::new((c, lock, app_state)))),
            changed: Condvar::new(),
        });
        let in_thread = slot.clone();
        let spawned = std::thread::Builder::new()
            .name("rn-otel-start".into())
            .spawn(move || in_thread.start_in_background());
        let starting = Arc::new(Starting {
            slot,
            started: OnceLock::new(),
        });
        if spawned.is_err() {
            starting.binding("init")?;
        }
        Ok(starting)
    }

    /// The started library, once the start has ended (waiting for it, or running it).
    /// A failed start is an `Error` for `method` that carries the start's own message.
    pub fn binding(&self, method: &str) -> Result<&Arc<Binding>, CallError> {
        let outcome = self.started.get_or_init(|| match self.slot.take(false) {
            Some(result) => result.map(Arc::new),
            None => Err(CallError::other(
                "init",
                "internal error: the start was lost",
            )),
        });
        match outcome {
            Ok(b) => Ok(b),
            Err(e) if method == "init" => Err(e.clone()),
            Err(e) => Err(CallError {
                kind: e.kind,
                message: format!(
                    "Sessions.{method}: the library did not start, so this call cannot run ({}); call Sessions.init again to retry",
                    e.message
                ),
            }),
        }
    }

    /// The start has ended and failed.
    pub fn failed(&self) -> bool {
        match self.started.get() {
            Some(outcome) => outcome.is_err(),
            None => matches!(*self.slot.lock(), State::Ready(Err(_))),
        }
    }
}

impl Drop for Starting {
    /// The last handle went during the start: a start not yet begun is cancelled (its lock is
    /// released); one under way is waited for and shut down here, like a started library.
    fn drop(&mut self) {
        if self.started.get().is_none() {
            drop(self.slot.take(true));
        }
    }
}
