//! Saves of the state that a thread at background priority asks the timer thread to make
//! (see [`crate::Engine::write_state`]): the save takes the state file's lock, which app
//! threads take too for their own saves (a session's start or end, a lifecycle change on the
//! platform's main thread), and a low-priority thread preempted while holding it would keep
//! them waiting. The timer runs at the app's priority.
//!
//! ```text
//!  asker:    ticket = ask() ─► kick the timer ─► wait(ticket, at most ASK_WAIT)
//!            │ (none: closed, or an earlier ask unserved)  └─ not served in time:
//!            └──────────────────────────────────────────────── save on its own thread
//!  timer:    upto = pending() ─► save the state as it is now ─► served(upto)
//!  shutdown: upto = close() ─► save ─► served(upto)
//! ```
//!
//! A save made after `ask` returned holds everything the asker did before asking.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::notifier::lock;

/// Longest an asker waits before saving on its own thread. The timer answers in microseconds
/// unless it is busy: delivering a notification to an observer that waits, in turn, for the
/// asker (an observer that flushes the telemetry waits for its exporter). Longer in this
/// crate's tests, whose timer may be slow to run on a loaded machine.
pub(crate) const ASK_WAIT: Duration = if cfg!(test) {
    Duration::from_secs(10)
} else {
    Duration::from_millis(100)
};

#[derive(Default)]
struct Tickets {
    asked: u64,
    served: u64,
    /// The timer has stopped: no ticket is handed out any more.
    closed: bool,
}

#[derive(Default)]
pub(crate) struct SaveAsks {
    tickets: Mutex<Tickets>,
    served: Condvar,
}

impl SaveAsks {
    /// A new ticket, served by the first save that starts after this returns; `None` (save
    /// on your own thread) once [`SaveAsks::close`]d, or while an earlier ticket is still
    /// unserved: its asker gave up waiting, so the timer is busy, and waiting again would cost
    /// every ask the whole wait.
    pub fn ask(&self) -> Option<u64> {
        let mut t = lock(&self.tickets);
        if t.closed || t.asked > t.served {
            return None;
        }
        t.asked += 1;
        Some(t.asked)
    }

    /// No more tickets (the timer stops); returns the newest one not served, which the
    /// caller's own save then serves.
    pub fn close(&self) -> Option<u64> {
        let mut t = lock(&self.tickets);
        t.closed = true;
        (t.asked > t.served).then_some(t.asked)
    }

    /// Waits until `ticket` is served; `false` if `timeout` passed first.
    pub fn wait(&self, ticket: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut t = lock(&self.tickets);
        while t.served < ticket {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            t = self
                .served
                .wait_timeout(t, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        true
    }

    /// The newest ticket not served yet, if any: a save started now serves it.
    pub fn pending(&self) -> Option<u64> {
        let t = lock(&self.tickets);
        (t.asked > t.served).then_some(t.asked)
    }

    /// Every ticket up to `upto` is served: their askers go on.
    pub fn served(&self, upto: u64) {
        let mut t = lock(&self.tickets);
        t.served = t.served.max(upto);
        drop(t);
        self.served.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn one_ticket_at_a_time_each_served_by_a_later_save_and_none_once_closed() {
        let asks = SaveAsks::default();
        assert_eq!(asks.pending(), None);
        let first = asks.ask().unwrap();
        assert_eq!(
            asks.ask(),
            None,
            "the first is unserved: the asker saves on its own"
        );
        asks.served(asks.pending().unwrap());
        assert!(asks.wait(first, Duration::ZERO));
        let second = asks.ask().unwrap();
        assert!(
            !asks.wait(second, Duration::from_millis(10)),
            "not served by the earlier save"
        );
        asks.served(asks.pending().unwrap());
        assert!(asks.wait(second, Duration::ZERO));
        assert_eq!(asks.pending(), None);
        let third = asks.ask().unwrap();
        assert_eq!(asks.close(), Some(third), "the closer's save serves it");
        assert_eq!(asks.ask(), None, "closed");
    }

    /// `write_state` from a thread named "asker", after a change that is saved lazily;
    /// returns the names of the threads that saved meanwhile.
    fn write_state_from_asker(
        engine: &crate::Engine,
        dir: &std::path::Path,
    ) -> Vec<Option<String>> {
        let before = crate::store::tests::savers(dir).len();
        engine.record_n(1);
        let e = engine.clone();
        std::thread::Builder::new()
            .name("asker".into())
            .spawn(move || e.write_state())
            .unwrap()
            .join()
            .unwrap()
            .unwrap();
        crate::store::tests::savers(dir).split_off(before)
    }

    #[test]
    fn write_state_writes_on_the_timer_thread_while_it_runs_else_on_the_caller() {
        let timer = Some("rn-otel-timer".to_owned());
        let asker = Some("asker".to_owned());
        let dir = tempfile::tempdir().unwrap();
        let build = |timer| {
            crate::Engine::builder(dir.path())
                .persist_interval(Duration::from_secs(3600))
                .timer(timer)
                .build()
                .unwrap()
        };
        let engine = build(true);
        assert_eq!(
            write_state_from_asker(&engine, dir.path()),
            vec![timer.clone()]
        );
        assert_eq!(
            write_state_from_asker(&engine, dir.path()),
            vec![timer.clone()]
        );
        // Nothing changed since: nothing is written, nothing asked.
        let e = engine.clone();
        std::thread::spawn(move || e.write_state())
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(engine.inner_save_asks().pending(), None);
        // Shut down, the timer has stopped: written on the caller, without asking (and
        // waiting for) anyone.
        engine.shutdown();
        assert_eq!(
            write_state_from_asker(&engine, dir.path()),
            vec![asker.clone()]
        );
        assert_eq!(engine.inner_save_asks().pending(), None);
        drop(engine);
        // No timer thread at all.
        let engine = build(false);
        assert_eq!(write_state_from_asker(&engine, dir.path()), vec![asker]);
        assert_eq!(engine.inner_save_asks().pending(), None);
    }

    #[test]
    fn a_write_asked_when_the_timer_stops_is_made_by_the_shutdown() {
        let dir = tempfile::tempdir().unwrap();
        // No timer thread: only the shutdown can serve the ticket.
        let engine = crate::Engine::builder(dir.path())
            .persist_interval(Duration::from_secs(3600))
            .timer(false)
            .build()
            .unwrap();
        let ticket = engine.inner_save_asks().ask().unwrap();
        engine.shutdown();
        assert!(
            engine.inner_save_asks().wait(ticket, Duration::ZERO),
            "served by its write"
        );
    }

    #[test]
    fn a_waiting_asker_goes_on_when_served_from_another_thread() {
        let asks = Arc::new(SaveAsks::default());
        let ticket = asks.ask().unwrap();
        let server = asks.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            server.served(server.pending().unwrap());
        });
        assert!(asks.wait(ticket, Duration::from_secs(10)));
        t.join().unwrap();
    }
}
