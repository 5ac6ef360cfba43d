//! The journal: every record is appended here, encoded, at the moment it is recorded; the
//! exporter thread turns it into outbox requests. Nothing waits in memory in between.
//!
//! ```text
//!  recording thread ─► encode (OTLP) ─► append ─► <storage>/journal/<n>.seg (memory-mapped)
//!                                                   │  in the page cache when append returns:
//!                                                   │  a kill of the process loses nothing
//!  exporter thread ◄─ read from the cursor ─────────┘
//!        └─► outbox request (gzip, fsync) ─► cursor moves on ─► consumed segments deleted
//! ```
//!
//! * Bounded: the segment files share one byte budget with the outbox (`budget.rs`); when it is
//!   reached the oldest outbox requests make room, and only when the journal alone fills it is
//!   an append refused (the caller counts the record as dropped).
//! * Spares: the exporter thread makes the next segment ready (created, allocated, mapped)
//!   before it is needed; a roll on a recording thread then only swaps it in, and
//!   creates a segment itself only when no spare is ready (a burst faster than the exporter).
//! * Floods: while the exporter is behind and no spare is ready, each segment a roll makes is
//!   twice the size of the last, up to a sixteenth of the cap (at most 4 MiB), while the disk
//!   has room for eight of them (the outbox needs the room on a nearly full disk): fewer files to
//!   make per record, and each spare lasts longer. Once the exporter has caught up, segments
//!   are of the usual size again, and a large active segment is left at the next append.
//! * Damage: every entry has a length and a CRC; at open, a torn tail (a power loss or a kill
//!   in the middle of a write) ends its segment there, and is counted. Nothing is appended to
//!   an earlier launch's segment. A file under a segment's name that is no segment (not a
//!   regular file, a bad size or header) is damage: counted and deleted. A segment the system
//!   will not open for now (too many open files, no address space for the mapping) is not
//!   damage: it is kept and read at a later export, and given up only after a minute of tries.
//! * At open the unexported entries are scanned: the highest sequence number per session (the
//!   engine must not hand those out again) and the JS event batches never recorded (replayed).

mod cursor;
mod disk_room;
pub(crate) mod entry;
mod files;
pub(crate) mod segment;

/// Tests only: a hook the exporter's file system calls run first, on the thread that set it,
/// so that a test can hold a call there and see which locks it holds meanwhile.
#[cfg(test)]
pub(crate) mod pause {
    use std::cell::RefCell;

    thread_local! {
        static HOOK: RefCell<Option<Box<dyn FnMut()>>> = RefCell::new(None);
    }

    /// Runs this thread's hook, if any.
    pub fn here() {
        HOOK.with(|h| {
            if let Some(f) = h.borrow_mut().as_mut() {
                f();
            }
        });
    }

    /// Sets this thread's hook.
    pub fn set(f: impl FnMut() + 'static) {
        HOOK.with(|h| *h.borrow_mut() = Some(Box::new(f)));
    }
}

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) use cursor::Position;
use disk_room::DiskRoom;
use entry::{Entry, Read};
use files::SegmentFiles;
use segment::{OldSegment, Segment, HEADER_BYTES};

use crate::unreadable::{Unopened, Unreadable};

/// A spare is made only while the disk has this many segments' worth free: on a nearly full
/// disk the outbox's requests need the room more.
const SPARE_DISK_SEGMENTS: u64 = 8;

/// The largest segments grow to while the exporter is behind (see [`Writer::size`]), and no
/// more than a sixteenth of the cap.
const GROWN_SEGMENT_BYTES: usize = 4 * 1024 * 1024;

/// The smallest segment made when the disk has no room for a whole one.
const MIN_SEGMENT_BYTES: usize = 4 * 1024;

/// The journal was full: the record was not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Full;

/// Counters of what the journal absorbed.
#[derive(Debug, Default)]
pub(crate) struct JournalStats {
    /// Records refused because the journal was full.
    pub full: AtomicU64,
    /// Torn entries found at open (each ends its segment).
    pub torn_tails: AtomicU64,
    /// Segment files that were not readable journal segments (deleted), and a cursor that was
    /// not a regular file (replaced).
    pub damaged_segments: AtomicU64,
    /// Segment files created in this process.
    pub segments_created: AtomicU64,
    /// Of those, spares made ready off the recording threads (the rest a roll made itself).
    pub spares_used: AtomicU64,
    /// Segment files that could not be created (a full disk, an unwritable directory): the
    /// record that needed one was refused.
    pub create_failures: AtomicU64,
    /// Times an earlier segment could not be opened for a reason that may pass (too many open
    /// files, no address space for the mapping): it was kept and tried again later.
    pub unreadable: AtomicU64,
    /// Of those segments, the ones given up (deleted, and counted as damaged too) after staying
    /// unreadable too long (`unreadable.rs`): the export cannot wait on one for ever.
    pub given_up: AtomicU64,
}

/// The segment could not be opened now, for a reason that may pass: try again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotNow;

/// A JS event batch handed over and never recorded (found at open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingBatch {
    pub at: Position,
    pub session: [u8; 32],
    pub first_seq: u64,
    pub count: u32,
}

/// What the open found.
#[derive(Debug, Default)]
pub(crate) struct Recovered {
    /// Highest sequence number journaled per session (32 hex characters), unexported entries.
    pub counts: HashMap<[u8; 32], u64>,
    /// JS event batches to record again.
    pub batches: Vec<PendingBatch>,
}

struct Writer {
    active: Option<Arc<Segment>>,
    /// The number the next segment gets (a spare's number, when there is one).
    next_number: u64,
    /// Every segment file the exporter may read: number → size.
    files: SegmentFiles,
    /// The next segment, made ready off the recording threads ([`Journal::prepare_spare`]):
    /// numbered `next_number`, created, allocated, mapped, its RESOURCE entry written. Not in
    /// `files` until a roll makes it the active segment, so the exporter does not see it; its
    /// bytes count in the budget.
    spare: Option<Segment>,
    /// Segments the writer has left, for the exporter thread to unmap (see
    /// [`Writer::set_active`]).
    retired: Vec<Arc<Segment>>,
    /// Spares a roll deleted, their files gone (a segment of the same number may exist now), for
    /// the exporter thread to unmap: all their pages are in, and unmapping them takes a while.
    deleted: Vec<Segment>,
    /// A spare is being made (outside the lock): no second one is started.
    preparing: bool,
    /// The size of the segments made from now on. The journal's segment size, doubled at each
    /// roll that found no spare while the exporter was a whole segment or more behind (a
    /// flood: fewer, larger segments, so that making them costs less per record, and a spare
    /// lasts longer), up to [`Journal::max_segment_bytes`]; back to the segment size once the
    /// exporter has caught up.
    size: usize,
    /// The active segment grew larger than the segment size and the exporter has caught up:
    /// the next append starts a new segment, so that a flood's large segment does not stay
    /// mapped (resident memory) for a long time at an app's pace.
    seal: bool,
    /// Set by [`Journal::close`]: no spare is made any more.
    closed: bool,
}

/// Old segments kept mapped for reading: the exporter and the event worker each read one at a
/// time.
const OPENED_MAX: usize = 2;

/// At most this many left segments wait for the exporter to unmap them; past it, the writer
/// unmaps the oldest itself (an exporter that does not run).
const RETIRED_MAX: usize = 4;

impl Writer {
    /// Bytes of this journal's files on disk, the spare's included.
    fn on_disk(&self) -> u64 {
        self.files.total() + self.spare.as_ref().map_or(0, |s| s.capacity as u64)
    }

    /// Makes `seg` the active segment. The one it replaces is not unmapped here, on the
    /// recording thread that rolled (a `munmap` of a written segment clears its page table
    /// entries and flushes the TLBs: about 7% of a span's time in bursts, measured), but by
    /// the exporter thread at its next [`Journal::prepare_spare`] (a file the exporter deletes
    /// meanwhile gives its disk space back then).
    fn set_active(&mut self, seg: Segment) {
        if let Some(old) = self.active.replace(Arc::new(seg)) {
            if self.retired.len() >= RETIRED_MAX {
                self.retired.remove(0);
            }
            self.retired.push(old);
        }
    }
}

/// The journal directory.
pub(crate) struct Journal {
    dir: PathBuf,
    segment_bytes: usize,
    /// What segments grow to in a flood ([`Writer::size`]).
    max_segment_bytes: usize,
    /// Shared with the outbox: the journal may hold what the outbox leaves of the cap.
    budget: Arc<crate::budget::Budget>,
    /// Frees outbox bytes (its oldest requests) when the journal needs room.
    make_room: std::sync::OnceLock<Box<dyn Fn(u64) -> u64 + Send + Sync>>,
    /// The RESOURCE entry's payload, written first in every segment of this launch.
    resource_entry: Vec<u8>,
    writer: Mutex<Writer>,
    cursor: cursor::CursorFile,
    /// EVENTS entries handed over and not yet recorded: the exporter stops before them.
    pending_events: Mutex<BTreeSet<Position>>,
    /// Called when a segment fills (a new one was needed): the exporter should drain now
    /// rather than at its next tick, or a burst fills the bound in milliseconds.
    on_roll: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
    /// The segment that last failed to open for a reason that may pass.
    unreadable: Unreadable<u64>,
    /// Segments no longer written, opened lately, kept mapped for the next reads (at most
    /// [`OPENED_MAX`], the least recently read first; a deleted segment leaves at once). The
    /// event worker reads a segment the writer has left one batch at a time, and the exporter
    /// one chunk at a time: a mapping per read was an mmap and a munmap each, and every munmap
    /// of a mapping with pages in it interrupts the app's threads on the other cores (a TLB
    /// flush); in a flood, about 2 800 pairs a second on the event worker.
    opened: Mutex<Vec<Arc<OldSegment>>>,
    /// Free bytes on the disk: read by the exporter, estimated by rolls.
    disk_room: DiskRoom,
    pub stats: JournalStats,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A segment as the exporter reads it.
pub(crate) enum View {
    /// The segment being written: its bytes up to the committed offset.
    Active(Arc<Segment>),
    /// A segment the writer has just left, read through the writer's mapping (no file opened):
    /// its bytes up to where the writer stopped.
    Left(Arc<Segment>),
    /// A segment no longer written: the whole file.
    Old(Arc<OldSegment>),
}

impl View {
    pub fn bytes(&self) -> &[u8] {
        match self {
            View::Active(s) | View::Left(s) => s.committed_bytes(),
            View::Old(s) => s.bytes(),
        }
    }

    /// Whether the segment can still grow (its end is not final).
    pub fn growing(&self) -> bool {
        matches!(self, View::Active(_))
    }
}

impl Journal {
    /// [`Journal::open_within`] a budget of its own of `max_bytes` (tests).
    #[cfg(test)]
    pub fn open(
        dir: &Path,
        segment_bytes: usize,
        max_bytes: u64,
        resource_entry: Vec<u8>,
    ) -> io::Result<(Journal, Recovered)> {
        Self::open_within(
            dir,
            segment_bytes,
            Arc::new(crate::budget::Budget::new(max_bytes)),
            resource_entry,
        )
    }

    /// Opens (creating) `dir` within a budget shared with the outbox: indexes the segments,
    /// drops the consumed ones, and scans what was not exported yet. `resource_entry` is this
    /// launch's RESOURCE payload.
    pub(crate) fn open_within(
        dir: &Path,
        segment_bytes: usize,
        budget: Arc<crate::budget::Budget>,
        resource_entry: Vec<u8>,
    ) -> io::Result<(Journal, Recovered)> {
        fs::create_dir_all(dir)?;
        let stats = JournalStats::default();
        let mut files = BTreeMap::new();
        for e in fs::read_dir(dir)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(n) = segment::parse_name(&name) {
                files.insert(n, e.metadata().map(|m| m.len()).unwrap_or(0));
            } else if name.ends_with(".spare") {
                // A spare being prepared at a kill: it never held a record.
                let _ = fs::remove_file(e.path());
            }
        }
        // New segments are numbered past every segment name found, kept or not: a name that
        // cannot be deleted (a directory) must not be met again by a later creation.
        let next_number = files.keys().next_back().map_or(1, |n| n + 1);
        let (cursor, replaced) = cursor::CursorFile::open(dir)?;
        if replaced {
            stats.damaged_segments.fetch_add(1, Ordering::Relaxed);
        }
        let mut at = cursor.get().unwrap_or(Position {
            segment: 0,
            offset: HEADER_BYTES,
        });
        // Consumed segments (a kill between the cursor write and the deletion) go now.
        let consumed: Vec<u64> = files.range(..at.segment).map(|(n, _)| *n).collect();
        for n in consumed {
            let _ = fs::remove_file(dir.join(segment::file_name(n)));
            files.remove(&n);
        }
        if !files.contains_key(&at.segment) {
            at = Position {
                segment: files.keys().next().copied().unwrap_or(0),
                offset: HEADER_BYTES,
            };
        }
        let mut recovered = Recovered::default();
        let mut done_events = BTreeSet::new();
        let numbers: Vec<u64> = files.keys().copied().collect();
        for n in numbers {
            let path = dir.join(segment::file_name(n));
            let seg = match OldSegment::open(&path, n) {
                Ok(s) => s,
                Err(Unopened::Unavailable) => {
                    // Kept, unscanned: the exporter reads it when the system lets it (its
                    // numbers are then not known to the engine, nor its event batches replayed).
                    stats.unreadable.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                Err(e) => {
                    if let Unopened::Damaged = e {
                        stats.damaged_segments.fetch_add(1, Ordering::Relaxed);
                    }
                    let _ = fs::remove_file(&path);
                    files.remove(&n);
                    continue;
                }
            };
            let start = if n == at.segment {
                at.offset
            } else {
                HEADER_BYTES
            };
            let torn = scan(&seg, start, &mut recovered, &mut done_events);
            if torn {
                stats.torn_tails.fetch_add(1, Ordering::Relaxed);
            }
        }
        recovered.batches.retain(|b| !done_events.contains(&b.at));
        if !files.contains_key(&at.segment) {
            at = Position {
                segment: files.keys().next().copied().unwrap_or(0),
                offset: HEADER_BYTES,
            };
        }
        cursor.set(at);
        let pending: BTreeSet<Position> = recovered.batches.iter().map(|b| b.at).collect();
        let files = SegmentFiles::from(files);
        budget.set_journal(files.total());
        let max_segment_bytes = usize::try_from(budget.max() / 16)
            .unwrap_or(usize::MAX)
            .clamp(segment_bytes, GROWN_SEGMENT_BYTES.max(segment_bytes));
        let journal = Journal {
            dir: dir.to_path_buf(),
            segment_bytes,
            max_segment_bytes,
            budget,
            make_room: std::sync::OnceLock::new(),
            resource_entry,
            writer: Mutex::new(Writer {
                active: None,
                next_number,
                files,
                spare: None,
                retired: Vec::new(),
                deleted: Vec::new(),
                preparing: false,
                size: segment_bytes,
                seal: false,
                closed: false,
            }),
            cursor,
            pending_events: Mutex::new(pending),
            on_roll: std::sync::OnceLock::new(),
            unreadable: Unreadable::default(),
            opened: Mutex::new(Vec::new()),
            disk_room: DiskRoom::default(),
            stats,
        };
        journal.disk_room.read(dir);
        Ok((journal, recovered))
    }

    /// Appends one entry payload (see `entry.rs`); its position, or [`Full`]. The last
    /// segment's worth of the bound is kept for [`Journal::append_reserved`].
    pub fn append(&self, payload: &[u8]) -> Result<Position, Full> {
        self.append_within(payload, false)
    }

    /// [`Journal::append`] that may use the reserve: for the library's own session events,
    /// which must not be dropped when app records have filled the journal.
    pub fn append_reserved(&self, payload: &[u8]) -> Result<Position, Full> {
        self.append_within(payload, true)
    }

    /// Sets how to free outbox bytes when the journal needs room (once).
    pub fn set_make_room(&self, f: impl Fn(u64) -> u64 + Send + Sync + 'static) {
        let _ = self.make_room.set(Box::new(f));
    }

    /// Sets what to call when a segment fills (once; later calls are ignored).
    pub fn set_on_roll(&self, f: impl Fn() + Send + Sync + 'static) {
        let _ = self.on_roll.set(Box::new(f));
    }

    fn append_within(&self, payload: &[u8], reserved: bool) -> Result<Position, Full> {
        let header = entry::header(payload);
        let need = entry::HEADER + payload.len();
        let mut w = lock(&self.writer);
        let fits = !w.seal && w.active.as_ref().is_some_and(|s| s.remaining() >= need);
        if !fits {
            let rolled = self.roll(&mut w, need, reserved);
            drop(w);
            if let Some(f) = self.on_roll.get() {
                f();
            }
            rolled?;
            w = lock(&self.writer);
            if w.active.as_ref().is_none_or(|s| s.remaining() < need) {
                // Another thread took the room meanwhile: one more try, then give up.
                self.roll(&mut w, need, reserved)?;
            }
        }
        let seg = w.active.as_ref().ok_or(Full)?;
        let offset = seg.append(&header, payload);
        Ok(Position {
            segment: seg.number,
            offset,
        })
    }

    /// Appends a JS event batch entry and marks it pending until [`Journal::events_done`].
    pub fn append_events(&self, payload: &[u8]) -> Result<Position, Full> {
        let mut pending = lock(&self.pending_events);
        let at = self.append_within(payload, false)?;
        pending.insert(at);
        Ok(at)
    }

    /// The batch at `at` is recorded (its LOG entries and EVENTS_DONE marker are appended).
    pub fn events_done(&self, at: Position) {
        lock(&self.pending_events).remove(&at);
    }

    /// Whether the EVENTS entry at `at` still waits to be recorded.
    pub fn is_pending(&self, at: Position) -> bool {
        lock(&self.pending_events).contains(&at)
    }

    /// Makes the next segment ready, off the recording threads (the exporter thread calls this
    /// around each round; a roll wakes it): creating and allocating a file costs more than the
    /// hundreds of appends that fill it (on a slow file system, hundreds of microseconds), and
    /// with a spare ready a roll only swaps it in. Nothing is made when there is a spare
    /// already (or one is being made), when it would not fit within the bound (less the
    /// reserve), when the disk has less than [`SPARE_DISK_SEGMENTS`] segments' worth free (the
    /// outbox needs that room more), when the disk refuses it, or after [`Journal::close`]: a
    /// roll then creates the segment itself, as it would without spares. It reads the disk's
    /// free bytes at every call (the rolls' estimate, see `disk_room.rs`). First, it unmaps the
    /// segments the writer has left since the last call, and maps in the rest of an active
    /// segment a roll made itself (its pages ahead of the writer), so that in a flood the
    /// recording thread's stores into it do not fault either.
    pub fn prepare_spare(&self) {
        // Room for the spare and the reserve.
        let fits = |w: &Writer| {
            w.on_disk() + w.size as u64 + self.segment_bytes as u64 <= self.budget.journal_room()
        };
        let (retired, deleted, active) = {
            let mut w = lock(&self.writer);
            let retired = std::mem::take(&mut w.retired);
            let deleted = std::mem::take(&mut w.deleted);
            (retired, deleted, w.active.clone())
        };
        // Unmapped here, outside the lock, and before the disk's free space is read: a deleted
        // spare's blocks come back only now.
        drop(retired);
        drop(deleted);
        // Read at every call, spare or not: the rolls' estimate starts from it.
        let free = self.disk_room.read(&self.dir);
        // A segment the recording thread made itself (no spare was ready, or none fitted: a
        // flood at the bound): its pages ahead of the writer are mapped in from here.
        if let Some(active) = active {
            active.map_in_rest();
        }
        let (number, size) = {
            let mut w = lock(&self.writer);
            let shed = self.shrink_after_flood(&mut w);
            if w.spare.is_some() || w.preparing || w.closed || !fits(&w) {
                drop(w);
                drop(shed); // unmapped outside the lock
                return;
            }
            w.preparing = true;
            let next = (w.next_number, w.size);
            drop(w);
            drop(shed);
            next
        };
        let roomy = free >= SPARE_DISK_SEGMENTS * self.segment_bytes as u64;
        let made = if roomy {
            self.make_spare(number, size)
        } else {
            None
        };
        let path = self.dir.join(segment::spare_name(number));
        let lost = {
            let mut w = lock(&self.writer);
            w.preparing = false;
            // A roll may have made segment `number` itself meanwhile; renamed under the lock (one
            // system call a spare), so a roll never meets a file of its number it did not make.
            match made {
                Some(seg)
                    if w.spare.is_none()
                        && !w.closed
                        && w.next_number == number
                        && fits(&w)
                        && fs::rename(&path, self.dir.join(segment::file_name(number))).is_ok() =>
                {
                    w.spare = Some(seg);
                    self.budget.set_journal(w.on_disk());
                    None
                }
                other => Some(other),
            }
        };
        if let Some(lost) = lost {
            // Only this thread makes `.spare` names: deleted outside the lock.
            drop(lost);
            let _ = fs::remove_file(&path);
        }
    }

    /// Once the exporter has caught up after a flood (it reads the active segment): new
    /// segments are of the segment size again, a larger spare is deleted (it is made again at
    /// that size), and a larger active segment is sealed (the next append starts a new one).
    /// Returns the spare deleted, for the caller to unmap once the lock is released.
    fn shrink_after_flood(&self, w: &mut Writer) -> Option<Segment> {
        let large = |capacity: usize| capacity > self.segment_bytes;
        let large_spare = w.spare.as_ref().is_some_and(|s| large(s.capacity));
        let large_active = w.active.as_ref().is_some_and(|a| large(a.capacity));
        let grown = w.size != self.segment_bytes || large_spare || large_active;
        if !grown || self.exporter_behind(w) {
            return None;
        }
        w.size = self.segment_bytes;
        if large_active {
            w.seal = true;
        }
        if large_spare {
            self.delete_spare(w)
        } else {
            None
        }
    }

    /// A segment just made (a spare or a roll's): its allocation counted off the disk's room,
    /// and this launch's RESOURCE entry written first in it.
    fn begin(&self, seg: &Segment) {
        self.disk_room.allocated(seg.capacity as u64);
        seg.append(&entry::header(&self.resource_entry), &self.resource_entry);
    }

    /// Whether the exporter's cursor is a whole segment or more behind the active segment.
    fn exporter_behind(&self, w: &Writer) -> bool {
        w.active
            .as_ref()
            .is_some_and(|a| self.cursor().segment < a.number)
    }

    /// A spare numbered `number` of `size` bytes, under its preparing name, ready to be
    /// renamed.
    fn make_spare(&self, number: u64, size: usize) -> Option<Segment> {
        let path = self.dir.join(segment::spare_name(number));
        let Ok(seg) = Segment::create_at(&path, number, size, now_ms()) else {
            let _ = fs::remove_file(&path);
            return None;
        };
        self.begin(&seg);
        // All its pages are mapped in here, so that the recording threads' stores do not fault
        // (a fault every 15-20 spans, about 6 µs each). Measured on the development machine,
        // bursts of spans with the pipeline idle between: 0.71-0.77 µs a span against
        // 0.95-1.0 µs without (criterion, same run). An earlier try mapped a window of 64 KiB
        // just ahead of the writer instead, and made spans slower: those freshly zeroed lines
        // were still in the exporter core's cache when the writer reached them. The cost: up
        // to one segment (256 KiB) more of resident memory while a spare waits.
        seg.map_in();
        Some(seg)
    }

    /// No spare is made from now on, and the one made is deleted: a journal whose owner has
    /// shut down leaves the directory to the next one (whose own numbering starts from the
    /// files it finds).
    pub fn close(&self) {
        let spare = {
            let mut w = lock(&self.writer);
            w.closed = true;
            self.delete_spare(&mut w)
        };
        let opened = std::mem::take(&mut *lock(&self.opened));
        drop((spare, opened)); // unmapped outside the locks
    }

    /// Deletes the spare, if any, giving its disk space back (the outbox could not write).
    pub fn release_spare(&self) {
        let spare = self.delete_spare(&mut lock(&self.writer));
        drop(spare); // unmapped outside the lock: its blocks come back now
    }

    /// Deletes the spare's file under the lock (a roll may make a segment of its number as soon
    /// as the lock goes) and returns its mapping, all of whose pages are in: unmapping it takes
    /// a while, so the caller does it once the lock is released.
    fn delete_spare(&self, w: &mut Writer) -> Option<Segment> {
        let spare = w.spare.take()?;
        let _ = fs::remove_file(self.dir.join(segment::file_name(spare.number)));
        self.budget.set_journal(w.on_disk());
        Some(spare)
    }

    /// A new active segment, within the byte bound: the spare if there is one it fits in.
    fn roll(&self, w: &mut Writer, need: usize, reserved: bool) -> Result<(), Full> {
        if let Some(spare) = w.spare.take_if(|s| s.remaining() >= need) {
            // Counted in the budget (and within the bound, less the reserve) when made.
            w.next_number = spare.number + 1;
            w.files.insert(spare.number, spare.capacity as u64);
            w.set_active(spare);
            w.seal = false;
            self.stats.segments_created.fetch_add(1, Ordering::Relaxed);
            self.stats.spares_used.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        // No spare (the exporter is busy), or a record larger than the spare: a segment is
        // made below, under the spare's number. With no spare while the exporter is a whole
        // segment or more behind, segments grow (see `Writer::size`).
        let no_spare = w.spare.is_none();
        if let Some(spare) = self.delete_spare(w) {
            // Unmapped by the exporter's next round (this thread holds the lock, and records).
            if w.deleted.len() >= RETIRED_MAX {
                w.deleted.remove(0);
            }
            w.deleted.push(spare);
        }
        if no_spare && self.exporter_behind(w) {
            let grown = (w.size * 2).min(self.max_segment_bytes);
            // Only while the disk has room for many of them, as for spares: on a nearly full
            // disk the outbox needs the room (it must write what the journal holds before the
            // journal can give any back), and large segments would take it.
            // The exporter's last reading, less what was allocated since: no system call here.
            let roomy = self.disk_room.estimate() >= SPARE_DISK_SEGMENTS * grown as u64;
            w.size = if roomy { grown } else { self.segment_bytes };
        }
        let resource = entry::HEADER + self.resource_entry.len();
        let mut capacity = w.size.max(HEADER_BYTES + resource + need);
        let smallest = (HEADER_BYTES + resource + need).max(MIN_SEGMENT_BYTES);
        let total = w.files.total();
        // The last segment's worth of the cap is kept for the library's own session events.
        let reserve = if reserved {
            0
        } else {
            self.segment_bytes as u64
        };
        let bound = |room: u64| room.saturating_sub(reserve);
        let fits = |capacity: usize| {
            let need = total + capacity as u64;
            if need > bound(self.budget.journal_room()) {
                // Newer records first: the oldest outbox requests make room, counted as evicted.
                if let Some(evict) = self.make_room.get() {
                    evict(need - bound(self.budget.journal_room()));
                }
            }
            need <= bound(self.budget.journal_room())
        };
        if !fits(capacity) {
            // When the journal's own files fill the bound, a grown segment would drop records
            // that a segment of the usual size has room for.
            let usual = self.segment_bytes.max(HEADER_BYTES + resource + need);
            if capacity <= usual || !fits(usual) {
                self.stats.full.fetch_add(1, Ordering::Relaxed);
                return Err(Full);
            }
            w.size = self.segment_bytes;
            capacity = usual;
        }
        let number = w.next_number;
        let created = Segment::create(&self.dir, number, capacity, now_ms())
            .or_else(|e| {
                // On a nearly full disk the active segment itself may be what takes the space.
                // If the exporter has read all of it, it goes first (the exporter finds it gone
                // and moves on to the new one), and the creation is tried once more.
                if self.retire_consumed_active(w) {
                    Segment::create(&self.dir, number, capacity, now_ms())
                } else {
                    Err(e)
                }
            })
            .map(|seg| (seg, capacity))
            .or_else(|mut last| {
                // Still no room for a whole segment (the exporter has not read the active one
                // yet, or other files take the disk): a smaller one, halving down to what this
                // record needs, rather than dropping records while the disk has room.
                let mut smaller = capacity / 2;
                while smaller >= smallest {
                    match Segment::create(&self.dir, number, smaller, now_ms()) {
                        Ok(seg) => return Ok((seg, smaller)),
                        Err(e) => last = e,
                    }
                    smaller /= 2;
                }
                Err(last)
            });
        let (seg, capacity) = match created {
            Ok(s) => s,
            Err(_) => {
                self.stats.create_failures.fetch_add(1, Ordering::Relaxed);
                return Err(Full);
            }
        };
        self.begin(&seg);
        w.next_number += 1;
        w.files.insert(number, capacity as u64);
        self.budget.set_journal(w.on_disk());
        w.set_active(seg);
        w.seal = false;
        self.stats.segments_created.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Deletes the active segment if the exporter has read all of it; `true` if it did.
    fn retire_consumed_active(&self, w: &mut Writer) -> bool {
        let Some(active) = w.active.as_ref() else {
            return false;
        };
        let at = self.cursor();
        if at.segment != active.number || at.offset < active.committed_bytes().len() {
            return false;
        }
        let number = active.number;
        w.active = None;
        w.files.remove(number);
        self.budget.set_journal(w.on_disk());
        let _ = fs::remove_file(self.dir.join(segment::file_name(number)));
        true
    }

    /// The exporter's position: the next entry to export.
    pub fn cursor(&self) -> Position {
        self.cursor.get().unwrap_or(Position {
            segment: 0,
            offset: HEADER_BYTES,
        })
    }

    /// The segment at `number` for reading; `Ok(None)` if there is no such segment now (never
    /// made, consumed, or damaged: then deleted and counted); [`NotNow`] if the system refuses
    /// to open it for now: it is kept, to be read at a later try (`unreadable.rs`).
    pub fn view(&self, number: u64) -> Result<Option<View>, NotNow> {
        let path = {
            let w = lock(&self.writer);
            if let Some(a) = w.active.as_ref().filter(|a| a.number == number) {
                return Ok(Some(View::Active(a.clone())));
            }
            if !w.files.contains(number) {
                return Ok(None);
            }
            if let Some(left) = w.retired.iter().find(|s| s.number == number) {
                return Ok(Some(View::Left(left.clone())));
            }
            self.dir.join(segment::file_name(number))
        };
        if let Some(s) = self.opened_lately(number) {
            return Ok(Some(View::Old(s)));
        }
        #[cfg(test)]
        pause::here();
        match OldSegment::open(&path, number) {
            Ok(s) => {
                self.unreadable.clear(&number);
                let mut s = Arc::new(s);
                let dropped = {
                    // Kept only if not deleted meanwhile (`forget` holds the writer's lock), and
                    // once: another thread may have opened it too.
                    let w = lock(&self.writer);
                    let mut opened = lock(&self.opened);
                    if let Some(kept) = opened.iter().find(|o| o.number == number) {
                        Some(std::mem::replace(&mut s, kept.clone()))
                    } else if w.files.contains(number) {
                        opened.push(s.clone());
                        (opened.len() > OPENED_MAX).then(|| opened.remove(0))
                    } else {
                        None
                    }
                };
                drop(dropped); // unmapped here, outside the locks
                Ok(Some(View::Old(s)))
            }
            Err(Unopened::Unavailable) => {
                self.stats.unreadable.fetch_add(1, Ordering::Relaxed);
                if self.unreadable.try_later(number) {
                    return Err(NotNow);
                }
                self.stats.given_up.fetch_add(1, Ordering::Relaxed);
                self.stats.damaged_segments.fetch_add(1, Ordering::Relaxed);
                self.forget(number);
                Ok(None)
            }
            Err(e) => {
                self.unreadable.clear(&number);
                if let Unopened::Damaged = e {
                    self.stats.damaged_segments.fetch_add(1, Ordering::Relaxed);
                }
                self.forget(number);
                Ok(None)
            }
        }
    }

    /// Calls `f` with the bytes of the EVENTS entry at `at` (what was handed over), read
    /// from the journal; `Ok(None)` if there is no such entry (purged, or damaged). A segment
    /// the system refuses to open for now is tried a few more times, a moment apart (this runs
    /// on the event worker, never on the app's threads), then [`NotNow`].
    pub fn with_events<R>(
        &self,
        at: Position,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>, NotNow> {
        let mut tries = 0;
        let view = loop {
            match self.view(at.segment) {
                Ok(Some(v)) => break v,
                Ok(None) => return Ok(None),
                Err(NotNow) if tries < 5 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20 << tries));
                }
                Err(NotNow) => return Err(NotNow),
            }
        };
        Ok(match view.bytes().get(at.offset..).map(entry::read) {
            Some(Read::Entry(Entry::Events { json, .. }, _)) => Some(f(json)),
            _ => None,
        })
    }

    /// The first segment after `number`, if any.
    pub fn next_segment(&self, number: u64) -> Option<u64> {
        lock(&self.writer).files.numbers(number + 1..).next()
    }

    /// Moves the cursor to `to` and deletes the segments before it (never the active one).
    pub fn advance(&self, to: Position) {
        self.cursor.set(to);
        let gone: Vec<u64> = {
            let w = lock(&self.writer);
            let active = w.active.as_ref().map(|a| a.number);
            w.files
                .numbers(..to.segment)
                .filter(|n| Some(*n) != active)
                .collect()
        };
        for n in gone {
            self.forget(n);
        }
    }

    fn forget(&self, number: u64) {
        let mut w = lock(&self.writer);
        if w.active.as_ref().is_some_and(|a| a.number == number) {
            return;
        }
        w.files.remove(number);
        self.budget.set_journal(w.on_disk());
        let evicted = {
            // At most once there: `view` keeps one mapping per segment.
            let mut opened = lock(&self.opened);
            let i = opened.iter().position(|s| s.number == number);
            i.map(|i| opened.remove(i))
        };
        drop(w);
        // Deleted outside the lock, which the recording threads take: the exporter runs at
        // background priority, and an unlink can take a while. A number in `files` is below
        // every number a segment is made with from now on, so no new file takes this name.
        #[cfg(test)]
        pause::here();
        let _ = fs::remove_file(self.dir.join(segment::file_name(number)));
        drop(evicted); // its disk space comes back once it is unmapped, here
    }

    /// The segment `number` if it is among those opened lately, made the newest of them (the
    /// least recently read goes first).
    fn opened_lately(&self, number: u64) -> Option<Arc<OldSegment>> {
        let mut opened = lock(&self.opened);
        let i = opened.iter().position(|s| s.number == number)?;
        let s = opened.remove(i);
        opened.push(s.clone());
        Some(s)
    }

    /// Where the next entry will go: everything journaled so far lies before it.
    pub fn end(&self) -> Position {
        let w = lock(&self.writer);
        match &w.active {
            Some(a) => Position {
                segment: a.number,
                offset: a.committed_bytes().len(),
            },
            None => Position {
                segment: w.next_number,
                offset: HEADER_BYTES,
            },
        }
    }

    /// Deletes, unexported, everything journaled before `to` (consent denied, clear all
    /// data): the cursor jumps there and the segments before it go. What was appended after
    /// `to` stays.
    pub fn discard_until(&self, to: Position) {
        if to <= self.cursor() {
            return;
        }
        lock(&self.pending_events).retain(|p| *p >= to);
        self.advance(to);
    }

    /// Bytes of segment files on disk.
    pub fn total_bytes(&self) -> u64 {
        lock(&self.writer).on_disk()
    }
}

/// Reads a segment from `start`: records the highest numbers, the EVENTS batches and their
/// DONE markers. `true` if it ended in a torn entry.
fn scan(
    seg: &OldSegment,
    start: usize,
    out: &mut Recovered,
    done: &mut BTreeSet<Position>,
) -> bool {
    let bytes = seg.bytes();
    let mut off = start.max(HEADER_BYTES);
    while off < bytes.len() {
        match entry::read(&bytes[off..]) {
            Read::End => return false,
            Read::Torn => return true,
            Read::Entry(e, len) => {
                match e {
                    Entry::Record { stamp, .. } if stamp.seq > 0 => {
                        let max = out.counts.entry(stamp.session).or_insert(0);
                        *max = (*max).max(stamp.seq);
                    }
                    Entry::Events {
                        session,
                        first_seq,
                        count,
                        ..
                    } => {
                        let last = first_seq + u64::from(count).saturating_sub(1);
                        let max = out.counts.entry(session).or_insert(0);
                        *max = (*max).max(last);
                        out.batches.push(PendingBatch {
                            at: Position {
                                segment: seg.number,
                                offset: off,
                            },
                            session,
                            first_seq,
                            count,
                        });
                    }
                    Entry::EventsDone { segment, offset } => {
                        done.insert(Position {
                            segment,
                            offset: offset as usize,
                        });
                    }
                    _ => {}
                }
                off += len;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests;
