//! Files the system will not open for now.
//!
//! A journal segment or an outbox request that cannot be opened because of the system (too
//! many open files, no address space left for a mapping, an I/O error) may be whole: it must
//! not be deleted as if it were damaged. It is tried again later; only when it has failed for
//! [`GIVE_UP_AFTER`] and at least [`GIVE_UP_ATTEMPTS`] tries is it given up, so that one file
//! cannot hold back everything queued after it for ever.

use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a file may stay unopenable before it is given up.
pub(crate) const GIVE_UP_AFTER: Duration = Duration::from_secs(60);
/// The fewest tries before a file is given up.
pub(crate) const GIVE_UP_ATTEMPTS: u32 = 3;

/// Why a file of the queue could not be opened.
#[derive(Debug)]
pub(crate) enum Unopened {
    /// It is not there (any more).
    Gone,
    /// What is there is not the file, and never will be (not a regular file, or content no
    /// such file has): count it, delete it.
    Damaged,
    /// The system refused for now: keep it, try again later ([`Unreadable`]).
    Unavailable,
}

impl From<io::Error> for Unopened {
    /// Sorts an error of `otel_sessions_engine::files`: `InvalidData` is what is there, not
    /// the system.
    fn from(e: io::Error) -> Self {
        if otel_sessions_engine::files::may_pass(&e) {
            Unopened::Unavailable
        } else if e.kind() == io::ErrorKind::NotFound {
            Unopened::Gone
        } else {
            Unopened::Damaged
        }
    }
}

/// The file that last failed to open for a reason that may pass: which one, since when, and
/// how many tries.
#[derive(Debug)]
pub(crate) struct Unreadable<K> {
    slot: Mutex<Option<(K, Instant, u32)>>,
}

impl<K> Default for Unreadable<K> {
    fn default() -> Self {
        Unreadable {
            slot: Mutex::new(None),
        }
    }
}

impl<K: PartialEq> Unreadable<K> {
    /// Notes that `key` could not be opened, again: `true` to try it again later, `false` once
    /// it has failed for [`GIVE_UP_AFTER`] and [`GIVE_UP_ATTEMPTS`] tries (give it up).
    pub fn try_later(&self, key: K) -> bool {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let (since, tries) = match slot.as_ref() {
            Some((k, since, tries)) if *k == key => (*since, tries + 1),
            _ => (now, 1),
        };
        if tries < GIVE_UP_ATTEMPTS || now.duration_since(since) < GIVE_UP_AFTER {
            *slot = Some((key, since, tries));
            return true;
        }
        *slot = None;
        false
    }

    /// `key` opened, or is gone: its failures are forgotten.
    pub fn clear(&self, key: &K) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|(k, ..)| k == key) {
            *slot = None;
        }
    }

    /// Makes `key`'s first failure `age` ago (tests: what a minute of failures looks like).
    #[cfg(test)]
    pub fn backdate(&self, key: K, age: Duration, tries: u32) {
        let since = Instant::now()
            .checked_sub(age)
            .expect("the machine has been up that long");
        *self.slot.lock().unwrap() = Some((key, since, tries));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_given_up_only_after_the_time_and_the_tries() {
        let u = Unreadable::default();
        assert!(
            u.try_later(1) && u.try_later(1) && u.try_later(1),
            "too soon"
        );
        u.backdate(1, GIVE_UP_AFTER, 0);
        assert!(u.try_later(1) && u.try_later(1), "too few tries");
        assert!(!u.try_later(1), "given up");
        assert!(u.try_later(1), "a fresh start after");
        u.backdate(1, GIVE_UP_AFTER, 5);
        assert!(u.try_later(2), "another file starts its own count");
        u.backdate(1, GIVE_UP_AFTER, 5);
        u.clear(&1);
        assert!(u.try_later(1), "cleared when it opened");
    }
}
