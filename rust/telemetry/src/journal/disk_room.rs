//! How much the file system holding the journal has free, for the decisions that must leave
//! the outbox room on a nearly full disk (spares, and segments that grow in a flood).
//!
//! The exporter thread reads it from the system (`statvfs`) at each round (`prepare_spare`),
//! and decides on a spare with it; a roll on a recording thread only reads the last figure,
//! less what rolls have allocated since. In a flood at the cap, a `statvfs` in every roll took
//! 6% of the recording thread's time on ext4.
//! The estimate errs low between two reads (files deleted meanwhile are not added back), so
//! a stale figure can only stop growth, never let segments take the outbox's room.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// The last figure read from the system, less what was allocated since (0 when unknown).
#[derive(Debug, Default)]
pub(super) struct DiskRoom(AtomicU64);

impl DiskRoom {
    /// Reads the free bytes from the system now (a system call: not on a recording thread),
    /// keeps the figure for [`DiskRoom::estimate`] and returns it (0 when the system cannot
    /// say, which counts as a full disk).
    pub fn read(&self, dir: &Path) -> u64 {
        let free = free_disk_bytes(dir).unwrap_or(0);
        self.0.store(free, Ordering::Relaxed);
        free
    }

    /// The free bytes as last read, less what was allocated since: no system call.
    pub fn estimate(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Takes `bytes` just allocated (a segment a roll made) off the estimate.
    pub fn allocated(&self, bytes: u64) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| {
                Some(f.saturating_sub(bytes))
            });
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
        let free = room.read(dir.path());
        assert!(free > 0);
        assert_eq!(room.estimate(), free);
        room.allocated(4096);
        assert_eq!(room.estimate(), free - 4096);
        room.allocated(u64::MAX);
        assert_eq!(room.estimate(), 0, "never below zero");
        assert!(
            room.read(dir.path()) > 0,
            "a new reading replaces the estimate"
        );
        assert_eq!(room.read(&dir.path().join("gone")), 0, "unknown: full");
        assert_eq!(room.estimate(), 0);
    }
}
