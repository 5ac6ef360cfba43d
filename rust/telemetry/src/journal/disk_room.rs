//! How much the file system holding the journal has free, for the decisions that must leave
//! the outbox room on a nearly full disk (spares, and segments that grow in a flood).
//!
//! The exporter thread reads it from the system (`statvfs`) at each round (`prepare_spare`),
//! and decides on a spare with it; a roll on a recording thread only takes the last reading,
//! less what the journal has allocated since (its segments and spares). In a flood at the cap,
//! a `statvfs` in every roll took 6% of the recording thread's time on ext4.
//!
//! For the journal's own files the estimate errs low: an allocation during a reading is taken
//! off whether the reading saw it or not, and files deleted since are not added back. What
//! others write between two readings (the outbox's requests, other apps), a round apart, is not
//! in it; the decisions keep a margin of eight segments for that.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Bytes free for this process on the file system holding `dir`; `None` if unknown.
fn free_disk_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: a NUL-terminated path and a zeroed struct the call fills in.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above; `st` outlives the call.
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)] // the field types vary by OS
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

/// The last reading and what the journal allocated since (0 free until the first reading).
#[derive(Debug, Default)]
pub(super) struct DiskRoom {
    /// The free bytes last read (0 when the system could not say: a full disk), and the
    /// allocation total just before that reading.
    reading: Mutex<(u64, u64)>,
    /// Bytes the journal has allocated since it opened (only ever grows; wraps in theory).
    allocated: AtomicU64,
}

impl DiskRoom {
    /// Reads the free bytes from the system now (a system call: not on a recording thread)
    /// and keeps the reading for [`DiskRoom::estimate`]; returns the estimate.
    pub fn read(&self, dir: &Path) -> u64 {
        let before = self.allocated.load(Ordering::Acquire);
        let free = free_disk_bytes(dir).unwrap_or(0);
        *self.reading.lock().unwrap_or_else(|e| e.into_inner()) = (free, before);
        self.estimate()
    }

    /// The free bytes as last read, less what the journal allocated since: no system call.
    pub fn estimate(&self) -> u64 {
        let (free, before) = *self.reading.lock().unwrap_or_else(|e| e.into_inner());
        let since = self.allocated.load(Ordering::Acquire).wrapping_sub(before);
        free.saturating_sub(since)
    }

    /// Counts `bytes` the journal has just allocated (a segment or a spare).
    pub fn allocated(&self, bytes: u64) {
        self.allocated.fetch_add(bytes, Ordering::AcqRel);
    }

    /// Replaces the reading (tests: a disk of a given size without filling one).
    #[cfg(test)]
    pub fn set_reading(&self, free: u64) {
        let now = self.allocated.load(Ordering::Acquire);
        *self.reading.lock().unwrap() = (free, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_last_reading_less_what_was_allocated_since() {
        let dir = tempfile::tempdir().unwrap();
        let room = DiskRoom::default();
        assert_eq!(room.estimate(), 0, "unknown until read: counts as full");
        room.allocated(1 << 20);
        let free = room.read(dir.path());
        assert!(free > 0);
        assert_eq!(
            room.estimate(),
            free,
            "what was allocated before a reading is in it"
        );
        room.allocated(4096);
        assert_eq!(room.estimate(), free - 4096);
        room.set_reading(10_000);
        room.allocated(6_000);
        room.allocated(6_000);
        assert_eq!(room.estimate(), 0, "never below zero");
        assert!(
            room.read(dir.path()) > 0,
            "a new reading replaces the estimate"
        );
        assert_eq!(room.read(&dir.path().join("gone")), 0, "unknown: full");
        assert_eq!(room.estimate(), 0);
    }
}
