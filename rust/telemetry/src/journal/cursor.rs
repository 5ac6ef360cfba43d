//! The exporter's position in the journal, kept in `<dir>/cursor` (20 bytes, rewritten in
//! place): segment number, offset, CRC. Written without fsync: after a power loss it may be
//! older than the outbox, which only sends some records twice (delivery is at least once).
//! A damaged cursor counts as "from the oldest segment". Something else than a regular file in
//! its place (a directory, a FIFO) is removed and the cursor made again: left there, it would
//! stop the journal from opening, or keep the cursor from ever being saved.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;

/// A place in the journal: a segment number and a byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Position {
    pub segment: u64,
    pub offset: usize,
}

pub(crate) struct CursorFile {
    file: File,
    /// The position last set. The recording threads read it (a roll asks how far behind the
    /// exporter is), so it is never held across the file's write: the exporter, which writes,
    /// runs at background priority, and a thread preempted in a system call while holding it
    /// would keep the app's threads waiting.
    cached: Mutex<Option<Position>>,
    /// Held across the write, so that the file ends with the position set last.
    writing: Mutex<()>,
}

impl CursorFile {
    /// Opens (creating) `<dir>/cursor`; `replaced` is whether something that was not a
    /// regular file had to be removed from its place first.
    pub fn open(dir: &Path) -> io::Result<(CursorFile, bool)> {
        let path = dir.join("cursor");
        let replaced = match std::fs::symlink_metadata(&path) {
            Ok(m) if !m.is_file() => {
                if m.is_dir() {
                    std::fs::remove_dir_all(&path)?;
                } else {
                    std::fs::remove_file(&path)?;
                }
                true
            }
            _ => false,
        };
        let file = otel_sessions_engine::files::open_no_wait(
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
            &path,
        )?;
        let mut b = [0u8; 20];
        let cached = match file.read_exact_at(&mut b, 0) {
            Ok(()) if crc32fast::hash(&b[..16]).to_le_bytes() == b[16..20] => Some(Position {
                segment: u64::from_le_bytes(b[..8].try_into().unwrap_or_default()),
                offset: u64::from_le_bytes(b[8..16].try_into().unwrap_or_default()) as usize,
            }),
            _ => None,
        };
        Ok((
            CursorFile {
                file,
                cached: Mutex::new(cached),
                writing: Mutex::new(()),
            },
            replaced,
        ))
    }

    pub fn get(&self) -> Option<Position> {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set(&self, p: Position) {
        let mut b = [0u8; 20];
        b[..8].copy_from_slice(&p.segment.to_le_bytes());
        b[8..16].copy_from_slice(&(p.offset as u64).to_le_bytes());
        let crc = crc32fast::hash(&b[..16]);
        b[16..].copy_from_slice(&crc.to_le_bytes());
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        #[cfg(test)]
        super::pause::here();
        let _ = self.file.write_all_at(&b, 0); // in the page cache at once; see the module doc
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(p);
    }
}
