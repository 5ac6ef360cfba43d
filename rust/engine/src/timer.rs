//! The engine's one background thread: ends sessions on time and writes lazily saved
//! state. It holds only a weak reference, so dropping the engine stops it.
//!
//! ```text
//!  loop { wait = owner.tick()          // expire if due, persist if due, next wake-up
//!         sleep(wait) unless kicked }  // kicked by transitions that move a deadline
//! ```

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use crate::notifier::lock;

/// Longest the timer sleeps before looking again, whatever the deadlines say.
pub(crate) const MAX_SLEEP: Duration = Duration::from_secs(60);

/// Work the timer thread does on each wake-up.
pub(crate) trait Tick: Send + Sync + 'static {
    /// Does what is due and returns how long to sleep.
    fn tick(&self) -> Duration;
}

#[derive(Default)]
struct Flags {
    kicked: bool,
    stopped: bool,
}

/// Wakes or stops the timer thread.
#[derive(Default)]
pub(crate) struct TimerCtl {
    flags: Mutex<Flags>,
    cv: Condvar,
}

impl TimerCtl {
    /// Makes the thread re-evaluate its deadlines now.
    pub fn kick(&self) {
        lock(&self.flags).kicked = true;
        self.cv.notify_one();
    }

    /// Stops the thread at its next wake-up (which this causes).
    pub fn stop(&self) {
        lock(&self.flags).stopped = true;
        self.cv.notify_one();
    }

    fn sleep(&self, wait: Duration) -> bool {
        let mut f = lock(&self.flags);
        if !f.kicked && !f.stopped {
            f = self
                .cv
                .wait_timeout(f, wait.min(MAX_SLEEP))
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        f.kicked = false;
        !f.stopped
    }
}

/// Starts the thread. It ends when `ctl` is stopped or `owner` is gone.
pub(crate) fn spawn<T: Tick>(owner: Weak<T>, ctl: Arc<TimerCtl>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("rn-otel-timer".into())
        .spawn(move || loop {
            let Some(owner) = owner.upgrade() else { return };
            // A bug in one tick is caught and counted; the timer goes on.
            let wait = crate::contain::contained(|| owner.tick()).unwrap_or(MAX_SLEEP);
            drop(owner);
            if !ctl.sleep(wait) {
                return;
            }
        })
        .map(|_| ())
}
