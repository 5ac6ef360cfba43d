//! A journal segment: a fixed-size file, memory-mapped while it is written.
//!
//! ```text
//!  <dir>/<number, 16 digits>.seg
//!  ┌──────────────────── 64-byte header ────────────────────┬─ entries ─────────────┬─ zeros ─┐
//!  │ "OTSJRNL1" │ version 1 │ capacity │ number │ created │…│ RESOURCE, records, … │         │
//!  └─────────────────────────────── header CRC at 60 ───────┴───────────────────────┴─────────┘
//! ```
//!
//! A write into the mapping is in the page cache when it returns: a kill of the process does
//! not lose it. The file is created at its full size with every block allocated (`fallocate`,
//! or zeros written where that is not supported), never as a sparse `ftruncate`: a store into a
//! mapped page whose block the file system cannot allocate (a full disk) raises SIGBUS, which
//! would kill the app; with every block allocated up front, a full disk is a clean error when
//! the segment is created, and the record is counted as dropped.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::unreadable::Unopened;

/// Bytes of the segment header; entries start here.
pub(crate) const HEADER_BYTES: usize = 64;
const MAGIC: &[u8; 8] = b"OTSJRNL1";
const VERSION: u32 = 1;

/// A shared memory mapping of a whole file.
pub(crate) struct Mapping {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain memory; callers synchronise (the writer writes only past the
// committed offset, readers read only before it).
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Mapping {
    fn map(file: &File, len: usize, writable: bool) -> io::Result<Mapping> {
        use std::os::fd::AsRawFd;
        if len == 0 {
            return Err(io::Error::other("empty file"));
        }
        let prot = if writable {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        // SAFETY: a fresh mapping of an open file of at least `len` bytes; checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                prot,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping {
            ptr: ptr.cast(),
            len,
        })
    }

    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// Copies `data` to `offset` (within bounds, checked by the caller).
    ///
    /// # Safety
    /// The mapping must be writable, `offset + data.len() <= len`, and no reader may read the
    /// range concurrently (it lies past the committed offset).
    unsafe fn write(&self, offset: usize, data: &[u8]) {
        debug_assert!(offset + data.len() <= self.len);
        // SAFETY: the caller's contract.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.add(offset), data.len()) };
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what `map` mapped.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

/// The segment file name for `number`.
pub(crate) fn file_name(number: u64) -> String {
    format!("{number:016}.seg")
}

/// The name under which a spare segment numbered `number` is prepared; renamed to
/// [`file_name`] when it is ready. One left behind by a kill is deleted at the next open.
pub(crate) fn spare_name(number: u64) -> String {
    format!("{number:016}.spare")
}

/// The number in a segment file name, if it is one.
pub(crate) fn parse_name(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".seg")?;
    (stem.len() == 16 && stem.bytes().all(|b| b.is_ascii_digit()))
        .then(|| stem.parse().ok())
        .flatten()
}

/// The system's page size.
fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
        .ok()
        .filter(|p| *p > 0)
        .unwrap_or(4096)
}

/// The segment being written.
pub(crate) struct Segment {
    pub number: u64,
    pub capacity: usize,
    map: Mapping,
    _file: File,
    /// Bytes written and complete (entries end here); readers read below it.
    committed: AtomicUsize,
    /// Its pages were mapped in for writing ([`Segment::map_in`], [`Segment::map_in_rest`]).
    mapped_in: AtomicBool,
}

impl Segment {
    /// Creates `<dir>/<number>.seg` of `capacity` bytes (at least the header) and maps it.
    pub fn create(
        dir: &Path,
        number: u64,
        capacity: usize,
        created_ms: i64,
    ) -> io::Result<Segment> {
        Self::create_at(&dir.join(file_name(number)), number, capacity, created_ms)
    }

    /// [`Segment::create`] under another name (a spare, renamed when it is ready).
    pub fn create_at(
        path: &Path,
        number: u64,
        capacity: usize,
        created_ms: i64,
    ) -> io::Result<Segment> {
        let capacity = capacity.max(HEADER_BYTES + 64);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        let made = (|| {
            allocate(&file, capacity)?;
            Mapping::map(&file, capacity, true)
        })();
        let map = match made {
            Ok(m) => m,
            Err(e) => {
                let _ = std::fs::remove_file(path);
                return Err(e);
            }
        };
        let header = header(number, capacity, created_ms);
        // SAFETY: writable mapping of `capacity` ≥ HEADER_BYTES bytes, nobody reads it yet.
        unsafe { map.write(0, &header) };
        Ok(Segment {
            number,
            capacity,
            map,
            _file: file,
            committed: AtomicUsize::new(HEADER_BYTES),
            mapped_in: AtomicBool::new(false),
        })
    }

    /// Maps every page in for writing now, on the calling thread, so that the writer's first
    /// store to each page does not fault (the kernel allocates, zeroes and maps a page there:
    /// about 6 µs on the development machine, once every 15-20 spans). Linux and Android ask the
    /// kernel for all of them at once (`MADV_POPULATE_WRITE`, Linux 5.14); where it cannot,
    /// one store per page takes the faults here. The pages then count in the process's
    /// resident memory (the segment's size at most). Call it before the segment is shared.
    pub fn map_in(&self) {
        if !self.populate(0) {
            self.touch_pages();
        }
        self.mapped_in.store(true, Ordering::Relaxed);
    }

    /// [`Segment::map_in`] for a segment being written (one a recording thread made itself,
    /// with no spare ready), once: the pages from the writer's on, where the kernel can map
    /// them in without touching them (`MADV_POPULATE_WRITE`); elsewhere nothing.
    pub fn map_in_rest(&self) {
        if self.mapped_in.swap(true, Ordering::Relaxed) {
            return;
        }
        self.populate(self.committed.load(Ordering::Acquire));
    }

    /// `MADV_POPULATE_WRITE` on the pages from the one holding byte `from` to the end: `true`
    /// if the kernel did it. It changes no byte, so it may run while another thread writes.
    fn populate(&self, from: usize) -> bool {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            const MADV_POPULATE_WRITE: libc::c_int = 23;
            let start = from.min(self.map.len) / page_size() * page_size();
            // SAFETY: advice on a page-aligned part of the range `map` mapped (the mapping
            // starts on a page); it changes no byte.
            unsafe {
                libc::madvise(
                    self.map.ptr.add(start).cast(),
                    self.map.len - start,
                    MADV_POPULATE_WRITE,
                ) == 0
            }
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let _ = from;
            false
        }
    }

    /// [`Segment::map_in`] by hand: one store per page, each taking its fault here.
    fn touch_pages(&self) {
        for at in (0..self.map.len).step_by(page_size()) {
            // SAFETY: `at` is inside the writable mapping, and no other thread uses the
            // segment yet (the caller's contract): the byte is written back unchanged.
            unsafe {
                let p = self.map.ptr.add(at);
                p.write_volatile(p.read_volatile());
            }
        }
    }

    /// Room left for entries.
    pub fn remaining(&self) -> usize {
        self.capacity - self.committed.load(Ordering::Acquire)
    }

    /// Appends one entry (header + payload; the caller checked it fits), the payload first and
    /// the length last. Returns the entry's offset. One writer at a time (the journal's lock).
    pub fn append(&self, entry_header: &[u8; super::entry::HEADER], payload: &[u8]) -> usize {
        let at = self.committed.load(Ordering::Acquire);
        debug_assert!(at + entry_header.len() + payload.len() <= self.capacity);
        // SAFETY: `at..` lies past the committed offset, inside the mapping; readers stop at
        // `committed`, which moves only after the whole entry is written.
        unsafe {
            self.map.write(at + entry_header.len(), payload);
            self.map.write(at + 4, &entry_header[4..]);
            self.map.write(at, &entry_header[..4]);
        }
        self.committed
            .store(at + entry_header.len() + payload.len(), Ordering::Release);
        at
    }

    /// The written bytes, from the start of the file to the committed offset.
    pub fn committed_bytes(&self) -> &[u8] {
        let end = self.committed.load(Ordering::Acquire);
        &self.map.bytes()[..end]
    }
}

/// Allocates every block of the first `len` bytes of the empty `file`, so that no store into
/// the mapping can meet a full disk. Linux and Android reserve the blocks with `fallocate`
/// (they read as zeros, and nothing is written: creating a segment costs a few microseconds);
/// where the file system cannot (`EOPNOTSUPP`), and on other systems, zeros are written.
fn allocate(file: &File, len: usize) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::fd::AsRawFd;
        let len = libc::off_t::try_from(len).map_err(io::Error::other)?;
        loop {
            // SAFETY: a valid open descriptor; mode 0 allocates and extends the file size.
            if unsafe { libc::fallocate(file.as_raw_fd(), 0, 0, len) } == 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EOPNOTSUPP | libc::ENOSYS) => break,
                _ => return Err(e),
            }
        }
    }
    write_zeros(file, len)
}

/// Writes `len` zero bytes to the start of `file`.
fn write_zeros(mut file: &File, len: usize) -> io::Result<()> {
    use std::io::Write;
    const ZEROS: [u8; 16 * 1024] = [0; 16 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(ZEROS.len());
        file.write_all(&ZEROS[..n])?;
        left -= n;
    }
    Ok(())
}

fn header(number: u64, capacity: usize, created_ms: i64) -> [u8; HEADER_BYTES] {
    let mut h = [0u8; HEADER_BYTES];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&(capacity as u32).to_le_bytes());
    h[16..24].copy_from_slice(&number.to_le_bytes());
    h[24..32].copy_from_slice(&created_ms.to_le_bytes());
    let crc = crc32fast::hash(&h[..60]);
    h[60..64].copy_from_slice(&crc.to_le_bytes());
    h
}

/// A segment of an earlier launch (or one no longer written), mapped read-only.
pub(crate) struct OldSegment {
    pub number: u64,
    map: Mapping,
}

impl OldSegment {
    /// Maps `path` read-only and checks its header. Never blocks: a FIFO in a segment's place
    /// is damage at once, not a wait for a writer that never comes
    /// (`otel_sessions_engine::files`).
    pub fn open(path: &Path, number: u64) -> Result<OldSegment, Unopened> {
        let (file, len) = otel_sessions_engine::files::open_regular(path)?;
        let len = len as usize;
        if len < HEADER_BYTES || len > u32::MAX as usize {
            return Err(Unopened::Damaged);
        }
        let map = Mapping::map(&file, len, false).map_err(|_| Unopened::Unavailable)?;
        let h = &map.bytes()[..HEADER_BYTES];
        let crc = u32::from_le_bytes([h[60], h[61], h[62], h[63]]);
        let ok = &h[..8] == MAGIC
            && u32::from_le_bytes([h[8], h[9], h[10], h[11]]) == VERSION
            && u64::from_le_bytes(h[16..24].try_into().unwrap_or_default()) == number
            && crc32fast::hash(&h[..60]) == crc;
        if !ok {
            return Err(Unopened::Damaged);
        }
        Ok(OldSegment { number, map })
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        self.map.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::entry::{self, Entry, Read};

    #[test]
    fn what_is_appended_is_read_back_from_the_file_by_another_mapping() {
        let dir = tempfile::tempdir().unwrap();
        let seg = Segment::create(dir.path(), 7, 4096, 1).unwrap();
        let mut p = Vec::new();
        entry::encode_resource(&mut p, "s", b"res");
        let at = seg.append(&entry::header(&p), &p);
        assert_eq!(at, HEADER_BYTES);
        let path = dir.path().join(file_name(7));
        let old = OldSegment::open(&path, 7).unwrap();
        assert!(matches!(
            entry::read(&old.bytes()[HEADER_BYTES..]),
            Read::Entry(
                Entry::Resource {
                    schema: "s",
                    resource: b"res"
                },
                _
            )
        ));
        assert_eq!(
            entry::read(&old.bytes()[seg.committed_bytes().len()..]),
            Read::End
        );
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 4096);
        assert!(OldSegment::open(&path, 8).is_err(), "the number is checked");
    }

    /// Blocks the file system holds for `path` (`st_blocks` counts 512-byte units).
    fn allocated_bytes(path: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).unwrap().blocks() * 512
    }

    #[test]
    fn every_block_of_a_new_segment_is_allocated_by_either_path() {
        // A sparse file would let a store into the mapping meet a full disk (SIGBUS).
        let dir = tempfile::tempdir().unwrap();
        let capacity = 256 * 1024;
        Segment::create(dir.path(), 1, capacity, 1).unwrap();
        let path = dir.path().join(file_name(1));
        assert!(allocated_bytes(&path) >= capacity as u64);
        // The fallback, where fallocate is not supported.
        let other = dir.path().join("zeros");
        let file = File::create(&other).unwrap();
        write_zeros(&file, capacity).unwrap();
        assert_eq!(std::fs::metadata(&other).unwrap().len(), capacity as u64);
        assert!(allocated_bytes(&other) >= capacity as u64);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn pages_touched_ahead_take_no_fault_when_written() {
        use otel_sessions_test_support::thread_page_faults;
        let dir = tempfile::tempdir().unwrap();
        let entry = |seg: &Segment| {
            let payload = [3u8; 200];
            let header = crate::journal::entry::header(&payload);
            let f0 = thread_page_faults();
            while seg.remaining() > 1024 {
                seg.append(&header, &payload);
            }
            thread_page_faults() - f0
        };
        let plain = Segment::create(dir.path(), 1, 64 * 1024, 0).unwrap();
        assert!(entry(&plain) >= 8, "filling an untouched segment faults");
        // Under qemu-user the thread's count also holds the emulator's own faults (its code
        // translation, its page tables), now and then one in this window (seen once, on armv7):
        // the least of three fills counts. A touch that did nothing would fault on each of the
        // 16 pages, in every one of them.
        let least = (2..5)
            .map(|number| {
                let touched = Segment::create(dir.path(), number, 64 * 1024, 0).unwrap();
                touched.touch_pages();
                entry(&touched)
            })
            .min();
        assert_eq!(least, Some(0), "faults filling a touched segment");
    }

    #[test]
    fn names_round_trip_and_strangers_are_ignored() {
        assert_eq!(parse_name(&file_name(42)), Some(42));
        for bad in [
            "42.seg",
            "000000000000004x.seg",
            "0000000000000042.tmp",
            ".seg",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }
}
