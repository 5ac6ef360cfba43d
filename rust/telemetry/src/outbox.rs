//! The durable outbox: one file per encoded OTLP export request, oldest sent first.
//!
//! ```text
//!  exporter ─► write(): evict for room ─► NAME.tmp ─► rename to NAME ─► uploader
//!                                          └─► syncer thread: fsync NAME, fsync the directory
//!  NAME = <created epoch ms, 13 digits>-<counter, 8 digits>.<traces|logs>.<gzip|identity>
//! ```
//!
//! A written file survives a kill at once (page cache); the syncer makes it survive a power
//! loss soon after, so the exporter never waits on the disk and keeps up with bursts. A power
//! loss before the sync can leave a damaged file, which the backend refuses (counted).
//!
//! Names sort by age. Bounded by bytes (the files on disk never exceed the cap: the oldest
//! are evicted before a write) and by age (older files are evicted when met). Evictions and
//! refused requests are counted; the counts not yet reported on a `session.end` are kept in
//! `counters.json` so that losses during an offline period survive a kill. A leftover
//! `.tmp` (a kill mid-write) is removed at open.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use otel_sessions_engine::durability::{self, Syncable};

use crate::budget::Budget;
use crate::unreadable::Unopened;
use std::time::{SystemTime, UNIX_EPOCH};

/// Which OTLP signal a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// `/v1/traces`
    Traces,
    /// `/v1/logs`
    Logs,
}

impl Signal {
    /// The OTLP/HTTP path.
    pub fn path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Logs => "/v1/logs",
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Logs => "logs",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "traces" => Some(Signal::Traces),
            "logs" => Some(Signal::Logs),
            _ => None,
        }
    }
}

/// Largest request stored (and so sent): the OTLP specification's recommended limit.
pub const MAX_REQUEST_BYTES: u64 = 64 * 1024 * 1024;

/// One stored request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxFile {
    pub name: String,
    pub signal: Signal,
    pub gzip: bool,
    pub size: u64,
    pub created_ms: i64,
}

impl OutboxFile {
    fn parse(name: &str, size: u64) -> Option<Self> {
        let mut parts = name.split('.');
        let stem = parts.next()?;
        let signal = Signal::parse(parts.next()?)?;
        let gzip = match parts.next()? {
            "gzip" => true,
            "identity" => false,
            _ => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        let (ms, counter) = stem.split_once('-')?;
        if ms.len() != 13 || counter.len() != 8 || !counter.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(OutboxFile {
            name: name.to_owned(),
            signal,
            gzip,
            size,
            created_ms: ms.parse().ok()?,
        })
    }
}

/// Counters of what the outbox lost in this process, for `stats()`.
#[derive(Debug, Default)]
pub struct OutboxStats {
    pub evicted_files: AtomicU64,
    pub evicted_bytes: AtomicU64,
    pub write_failures: AtomicU64,
    pub rejected_requests: AtomicU64,
}

/// Losses not yet reported on a `session.end`, persisted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Unreported {
    pub evicted_files: u64,
    pub rejected_requests: u64,
}

const COUNTERS_FILE: &str = "counters.json";

/// `counters.json` is always this long: its JSON padded with spaces, rewritten in place by one
/// write at its start. A roll that evicts at the cap then makes one system call for it, not a
/// new file and a rename (on ext4 those took 5% of a flood's recording time at the cap). A kill
/// cannot tear one small write; after a power loss (96 bytes in the file's first disk sector)
/// the file holds the old counts or the new ones on storage that writes a sector at once, and
/// counts that cannot be read are taken as none.
const COUNTERS_BYTES: usize = 96;

/// The unreported losses and the open `counters.json` they are kept in.
#[derive(Debug, Default)]
struct Counters {
    values: Unreported,
    /// Opened at the first change (and again after a failed write).
    file: Option<fs::File>,
}

impl Counters {
    /// Writes the values over the file's start (creating it); an error leaves the file as it
    /// was (the next change tries again): the counts are kept in memory either way. Each
    /// write is whole JSON followed by spaces, so a kill leaves one that reads.
    fn store(&mut self, dir: &Path) {
        use std::os::unix::fs::FileExt as _;
        let u = self.values;
        let json = format!(
            r#"{{"evicted_files":{},"rejected_requests":{}}}"#,
            u.evicted_files, u.rejected_requests
        );
        let mut body = [b' '; COUNTERS_BYTES];
        body[..json.len()].copy_from_slice(json.as_bytes()); // at most 79 bytes
        body[COUNTERS_BYTES - 1] = b'\n';
        let opened_now = self.file.is_none();
        if opened_now {
            let mut options = fs::OpenOptions::new();
            self.file = otel_sessions_engine::files::open_no_wait(
                options.write(true).create(true),
                &dir.join(COUNTERS_FILE),
            )
            .ok();
        }
        let Some(f) = &self.file else { return };
        if f.write_all_at(&body, 0).is_err() {
            self.file = None;
            return;
        }
        // Longer content is cut once, after the first write (no version of this code wrote
        // more than 96 bytes, so only a foreign file, unreadable anyway, is longer).
        if opened_now && f.metadata().is_ok_and(|m| m.len() > COUNTERS_BYTES as u64) {
            let _ = f.set_len(COUNTERS_BYTES as u64);
        }
    }
}

#[derive(Debug, Default)]
struct Index {
    files: BTreeMap<String, OutboxFile>,
    total: u64,
}

/// Files written and not yet fsynced, for the syncer.
#[derive(Debug)]
struct PendingSync {
    dir: PathBuf,
    files: Mutex<Vec<PathBuf>>,
}

impl Syncable for PendingSync {
    fn sync(&self) -> io::Result<()> {
        let files = std::mem::take(&mut *self.files.lock().unwrap_or_else(|e| e.into_inner()));
        if files.is_empty() {
            return Ok(());
        }
        for f in &files {
            // Sent and deleted before the sync came: nothing to make durable.
            let opened =
                otel_sessions_engine::files::open_no_wait(fs::OpenOptions::new().read(true), f);
            if let Ok(file) = opened {
                durability::sync_file(&file)?;
            }
        }
        durability::sync_dir(&self.dir);
        Ok(())
    }
}

/// The outbox directory.
#[derive(Debug)]
pub struct Outbox {
    dir: PathBuf,
    /// Shared with the journal: the outbox may hold what the journal leaves of the cap.
    budget: Arc<Budget>,
    max_age_ms: i64,
    index: Mutex<Index>,
    counter: AtomicU64,
    pub stats: OutboxStats,
    unreported: Mutex<Counters>,
    pending_sync: Arc<PendingSync>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Outbox {
    /// [`Outbox::open_within`] a budget of its own of `max_bytes` (tests).
    #[cfg(test)]
    pub fn open(dir: &Path, max_bytes: u64, max_age_ms: i64) -> io::Result<Self> {
        Self::open_within(dir, Arc::new(Budget::new(max_bytes)), max_age_ms)
    }

    /// Opens (creating) the directory, removes half-written files and indexes the rest, within
    /// `budget`, shared with the journal. Files that are not outbox files are left alone.
    pub(crate) fn open_within(
        dir: &Path,
        budget: Arc<Budget>,
        max_age_ms: i64,
    ) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let mut index = Index::default();
        let mut counter = 0;
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else { continue };
            if name.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
                continue;
            }
            if !meta.is_file() {
                continue;
            }
            if let Some(f) = OutboxFile::parse(&name, meta.len()) {
                counter = counter.max(name[14..22].parse::<u64>().unwrap_or(0) + 1);
                index.total += f.size;
                index.files.insert(name, f);
            }
        }
        let unreported = otel_sessions_engine::files::read_regular(&dir.join(COUNTERS_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .map(|v| Unreported {
                evicted_files: v["evicted_files"].as_u64().unwrap_or(0),
                rejected_requests: v["rejected_requests"].as_u64().unwrap_or(0),
            })
            .unwrap_or_default();
        budget.set_outbox(index.total);
        Ok(Outbox {
            dir: dir.to_path_buf(),
            budget,
            max_age_ms,
            index: Mutex::new(index),
            counter: AtomicU64::new(counter),
            stats: OutboxStats::default(),
            unreported: Mutex::new(Counters {
                values: unreported,
                file: None,
            }),
            pending_sync: Arc::new(PendingSync {
                dir: dir.to_path_buf(),
                files: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Counts a request the backend refused for good.
    pub fn note_rejected(&self) {
        self.stats.rejected_requests.fetch_add(1, Ordering::Relaxed);
        self.update_unreported(|u| u.rejected_requests += 1);
    }

    /// The losses since the last report, and resets them.
    pub fn take_unreported(&self) -> Unreported {
        let mut taken = Unreported::default();
        self.update_unreported(|u| taken = std::mem::take(u));
        taken
    }

    fn note_evicted(&self, files: u64, bytes: u64) {
        if files == 0 {
            return;
        }
        self.stats.evicted_files.fetch_add(files, Ordering::Relaxed);
        self.stats.evicted_bytes.fetch_add(bytes, Ordering::Relaxed);
        self.update_unreported(|u| u.evicted_files += files);
    }

    fn update_unreported(&self, f: impl FnOnce(&mut Unreported)) {
        let mut c = self.unreported.lock().unwrap_or_else(|e| e.into_inner());
        let before = c.values;
        f(&mut c.values);
        if c.values != before {
            c.store(&self.dir);
        }
    }

    /// Stores one request durably. Evicts the oldest files first so the total stays within
    /// the byte cap; a body larger than the whole cap or than [`MAX_REQUEST_BYTES`] is
    /// refused (counted as evicted).
    pub fn write(&self, signal: Signal, gzip: bool, body: &[u8]) -> io::Result<()> {
        let size = body.len() as u64;
        let room = self.budget.outbox_room();
        if size > room.min(MAX_REQUEST_BYTES) {
            self.note_evicted(1, size);
            return Ok(());
        }
        let mut index = self.lock();
        self.evict_expired(&mut index);
        let (mut files, mut bytes) = (0, 0);
        while index.total + size > room {
            let Some(oldest) = index.files.values().next().cloned() else {
                break;
            };
            self.remove_locked(&mut index, &oldest);
            files += 1;
            bytes += oldest.size;
        }
        self.note_evicted(files, bytes);
        let n = self.counter.fetch_add(1, Ordering::Relaxed) % 100_000_000;
        let name = format!(
            "{:013}-{n:08}.{}.{}",
            now_ms().clamp(0, 9_999_999_999_999),
            signal.as_str(),
            if gzip { "gzip" } else { "identity" }
        );
        let tmp = self.dir.join(format!("{name}.tmp"));
        let result = (|| {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(body)?;
            drop(f);
            fs::rename(&tmp, self.dir.join(&name))?;
            self.pending_sync
                .files
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self.dir.join(&name));
            durability::request(self.pending_sync.clone());
            Ok(())
        })();
        match result {
            Ok(()) => {
                let file = OutboxFile::parse(&name, size).expect("a name this function built");
                index.total += size;
                self.budget.set_outbox(index.total);
                index.files.insert(name, file);
                Ok(())
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                self.stats.write_failures.fetch_add(1, Ordering::Relaxed);
                Err(e)
            }
        }
    }

    /// The oldest stored request after evicting expired ones.
    pub fn oldest(&self) -> Option<OutboxFile> {
        let mut index = self.lock();
        self.evict_expired(&mut index);
        index.files.values().next().cloned()
    }

    /// Reads a stored request's body.
    /// Never blocks: a FIFO in a request's place is [`Unopened::Damaged`]
    /// (`otel_sessions_engine::files`); an error of the system's is [`Unopened::Unavailable`].
    pub fn read(&self, f: &OutboxFile) -> Result<Vec<u8>, Unopened> {
        Ok(otel_sessions_engine::files::read_regular(
            &self.dir.join(&f.name),
        )?)
    }

    /// Deletes a stored request (sent, or refused for good).
    pub fn remove(&self, f: &OutboxFile) {
        let mut index = self.lock();
        self.remove_locked(&mut index, f);
    }

    /// Deletes a stored request that cannot be read (not a regular file, or unreadable for too
    /// long: `unreadable.rs`), counted as evicted.
    pub fn discard(&self, f: &OutboxFile) {
        self.remove(f);
        self.note_evicted(1, f.size);
    }

    /// Deletes everything stored.
    pub fn purge(&self) {
        let mut index = self.lock();
        for f in index.files.values().cloned().collect::<Vec<_>>() {
            self.remove_locked(&mut index, &f);
        }
    }

    /// Number of stored requests.
    pub fn len(&self) -> usize {
        self.lock().files.len()
    }

    /// Bytes stored.
    pub fn total_bytes(&self) -> u64 {
        self.lock().total
    }

    fn evict_expired(&self, index: &mut Index) {
        let cutoff = now_ms() - self.max_age_ms;
        let expired: Vec<OutboxFile> = index
            .files
            .values()
            .take_while(|f| f.created_ms < cutoff)
            .cloned()
            .collect();
        let bytes = expired.iter().map(|f| f.size).sum();
        for f in &expired {
            self.remove_locked(index, f);
        }
        self.note_evicted(expired.len() as u64, bytes);
    }

    /// Evicts the oldest requests until `bytes` are freed (or none is left): room for the
    /// journal, which holds newer records. Counted like any eviction. Returns the bytes freed.
    pub(crate) fn evict_for(&self, bytes: u64) -> u64 {
        let mut index = self.lock();
        let (mut files, mut freed) = (0, 0);
        while freed < bytes {
            let Some(oldest) = index.files.values().next().cloned() else {
                break;
            };
            self.remove_locked(&mut index, &oldest);
            files += 1;
            freed += oldest.size;
        }
        self.note_evicted(files, freed); // before the lock goes, as in `write`
        drop(index);
        freed
    }

    fn remove_locked(&self, index: &mut Index, f: &OutboxFile) {
        if index.files.remove(&f.name).is_some() {
            index.total = index.total.saturating_sub(f.size);
            self.budget.set_outbox(index.total);
        }
        let _ = fs::remove_file(self.dir.join(&f.name));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_in_age_order_and_reopens_with_the_same_index() {
        let dir = tempfile::tempdir().unwrap();
        let ob = Outbox::open(dir.path(), 1 << 20, 3_600_000).unwrap();
        ob.write(Signal::Traces, true, b"one").unwrap();
        ob.write(Signal::Logs, false, b"two!").unwrap();
        let first = ob.oldest().unwrap();
        assert_eq!(
            (first.signal, first.gzip, ob.read(&first).unwrap()),
            (Signal::Traces, true, b"one".to_vec())
        );
        fs::write(dir.path().join("x.tmp"), b"half").unwrap();
        fs::write(dir.path().join("unrelated.txt"), b"keep").unwrap();
        let again = Outbox::open(dir.path(), 1 << 20, 3_600_000).unwrap();
        assert_eq!((again.len(), again.total_bytes()), (2, 7));
        assert!(!dir.path().join("x.tmp").exists());
        assert!(dir.path().join("unrelated.txt").exists());
        again.remove(&first);
        again.write(Signal::Traces, true, b"three").unwrap();
        assert_eq!(
            again.oldest().unwrap().signal,
            Signal::Logs,
            "counter continues after reopen"
        );
    }

    #[test]
    fn the_byte_cap_evicts_the_oldest_first_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let ob = Outbox::open(dir.path(), 100, 3_600_000).unwrap();
        for i in 0..10u8 {
            ob.write(Signal::Logs, false, &[i; 30]).unwrap();
            assert!(ob.total_bytes() <= 100);
        }
        assert_eq!(ob.len(), 3);
        assert_eq!(ob.read(&ob.oldest().unwrap()).unwrap()[0], 7);
        assert_eq!(ob.stats.evicted_files.load(Ordering::Relaxed), 7);
        ob.write(Signal::Logs, false, &[0; 101]).unwrap();
        assert_eq!(
            ob.stats.evicted_files.load(Ordering::Relaxed),
            8,
            "too large for the cap"
        );
        assert_eq!(ob.len(), 3);
    }

    #[test]
    fn files_past_the_age_cap_are_evicted() {
        let dir = tempfile::tempdir().unwrap();
        let old = format!("{:013}-00000001.logs.identity", now_ms() - 10_000);
        fs::write(dir.path().join(old), b"old").unwrap();
        let ob = Outbox::open(dir.path(), 1 << 20, 5_000).unwrap();
        assert_eq!(ob.len(), 1);
        assert!(ob.oldest().is_none());
        assert_eq!(ob.stats.evicted_files.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn unreported_losses_survive_a_reopen_until_taken() {
        let dir = tempfile::tempdir().unwrap();
        let ob = Outbox::open(dir.path(), 100, 3_600_000).unwrap();
        for _ in 0..5 {
            ob.write(Signal::Logs, false, &[0; 60]).unwrap();
        }
        ob.note_rejected();
        drop(ob);
        assert_eq!(reopen_and_take(dir.path()), unreported(4, 1));
        assert_eq!(
            reopen_and_take(dir.path()),
            Unreported::default(),
            "taking is persisted too"
        );
    }

    /// Reopens the outbox in `dir` (as the tests above open it) and takes its unreported losses.
    fn reopen_and_take(dir: &Path) -> Unreported {
        Outbox::open(dir, 100, 3_600_000).unwrap().take_unreported()
    }

    fn unreported(evicted_files: u64, rejected_requests: u64) -> Unreported {
        Unreported {
            evicted_files,
            rejected_requests,
        }
    }

    #[test]
    fn the_counters_file_is_rewritten_in_place_at_a_fixed_length() {
        use std::os::unix::fs::MetadataExt as _;
        // As an earlier version wrote it (a new file, renamed, shorter than the fixed length),
        // and the same with spaces after it that make it longer.
        let old = r#"{"evicted_files":2,"rejected_requests":1}"#;
        for padding in [0, 200] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(COUNTERS_FILE);
            fs::write(&path, format!("{old}{}", " ".repeat(padding))).unwrap();
            let ob = Outbox::open(dir.path(), 100, 3_600_000).unwrap();
            ob.note_rejected();
            let inode = fs::metadata(&path).unwrap().ino();
            for _ in 0..3 {
                ob.write(Signal::Logs, false, &[0; 60]).unwrap(); // the second and third evict
            }
            let meta = fs::metadata(&path).unwrap();
            assert_eq!(meta.ino(), inode, "the same file, written over");
            assert_eq!(meta.len(), COUNTERS_BYTES as u64, "the fixed length");
            drop(ob);
            assert_eq!(reopen_and_take(dir.path()), unreported(4, 2));
        }
    }
}
