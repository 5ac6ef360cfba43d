//! The exporter thread: the journal, read from its cursor, becomes outbox requests.
//!
//! ```text
//!  every batch delay, or when asked (flush, background, a session's end):
//!    read entries from the cursor ─► chunk: ≤ 4096 records or 2 MiB of either signal,
//!                                           one segment, not past a JS batch still being recorded
//!    engine.write_state()           (the numbers in the chunk are saved before they leave the
//!                                    journal; written by the engine's timer thread, at the app's
//!                                    priority, while this one waits)
//!    Export{Trace,Logs}ServiceRequest around the records' bytes ─► gzip ─► outbox (fsync, rename)
//!    cursor ─► after the chunk; segments behind it deleted
//!  and, first and between chunks: the journal's next segment made ready (a spare: created,
//!  allocated, mapped), so that the recording threads do not create files
//! ```
//!
//! This thread is where the library waits on the disk (the outbox's fsync); the threads that
//! record never do. A chunk is exported at least once: a kill after the outbox write and
//! before the cursor moves sends it twice, and a chunk the outbox cannot take (a full disk)
//! stays in the journal and is tried again at the next export.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::journal::entry::{self, Entry, Kind, Read};
use crate::journal::segment::HEADER_BYTES;
use crate::journal::{Journal, Position};
use crate::otlp::{self, ScopeGroup};
use crate::outbox::{Outbox, Signal};
use crate::shared::Shared;
use crate::uploader::{self, UploadConfig};

/// Records of one signal per request.
const MAX_RECORDS: usize = 4096;
/// Encoded bytes of one signal per request (before gzip).
const MAX_BYTES: usize = 2 * 1024 * 1024;

#[derive(Default)]
struct State {
    /// Incremented by every request for an export; `done` catches up.
    asked: u64,
    done: u64,
    /// Discard the journal up to here, and the outbox (consent denied, clear all data).
    purge: Option<Position>,
    stop: bool,
    /// The thread waits for a request: only then does a request wake it (a wake-up is a system
    /// call; a roll refused at the bound asks again at every append).
    idle: bool,
}

/// The handle on the exporter thread.
pub(crate) struct Exporter {
    state: Mutex<State>,
    wake: Condvar,
    finished: Condvar,
    /// Requests written to the outbox; records in them.
    pub requests: AtomicU64,
    pub records: AtomicU64,
    /// Requests that could not be written (disk full): their records are lost, counted.
    pub write_failures: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Exporter {
    pub fn new() -> Arc<Exporter> {
        Arc::new(Exporter {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            finished: Condvar::new(),
            requests: AtomicU64::new(0),
            records: AtomicU64::new(0),
            write_failures: AtomicU64::new(0),
        })
    }

    /// Asks for an export of everything journaled so far, now; returns at once.
    pub fn request(&self) -> u64 {
        let mut s = lock(&self.state);
        s.asked += 1;
        if s.idle {
            self.wake.notify_all();
        }
        s.asked
    }

    /// Asks for an export and waits until it is done (at most `timeout`); `false` on timeout.
    /// For threads that may wait on the disk (never a caller's own thread).
    pub fn export_and_wait(&self, timeout: Duration) -> bool {
        let target = self.request();
        self.wait_for(target, timeout)
    }

    /// Deletes what was journaled before `until` and everything in the outbox, and waits
    /// (`clearAllData`). Records appended after `until` are kept.
    pub fn purge_and_wait(&self, until: Position, timeout: Duration) -> bool {
        let target = self.purge_later(until);
        self.wait_for(target, timeout)
    }

    /// [`Exporter::purge_and_wait`] without waiting (consent denied on the app's thread).
    pub fn purge_later(&self, until: Position) -> u64 {
        let mut s = lock(&self.state);
        s.purge = Some(s.purge.map_or(until, |p| p.max(until)));
        s.asked += 1;
        self.wake.notify_all();
        s.asked
    }

    fn wait_for(&self, target: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.state);
        while s.done < target && !s.stop {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            s = self
                .finished
                .wait_timeout(s, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        s.done >= target
    }

    /// Whether a purge waits for the next round.
    fn purge_pending(&self) -> bool {
        lock(&self.state).purge.is_some()
    }

    /// Whether [`Exporter::stop`] was called.
    pub fn stopped(&self) -> bool {
        lock(&self.state).stop
    }

    /// Stops the thread after its current chunk; what is journaled stays for the next launch.
    /// From then on the thread touches neither the cursor nor the journal's files.
    pub fn stop(&self) {
        lock(&self.state).stop = true;
        self.wake.notify_all();
        self.finished.notify_all();
    }
}

/// What the thread works with.
pub(crate) struct ExportJob {
    pub journal: Arc<Journal>,
    pub outbox: Arc<Outbox>,
    pub shared: Arc<Shared>,
    pub exporter: Arc<Exporter>,
    pub interval: Duration,
    /// This launch's resource, for a segment whose own RESOURCE entry is unreadable.
    pub resource: (String, Vec<u8>),
}

/// Starts the exporter thread; it starts the uploader (`upload`) itself.
pub(crate) fn spawn(
    job: ExportJob,
    upload: Option<UploadConfig>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("rn-otel-export".into())
        .spawn(move || run(&job, upload))
}

/// Starts the uploader thread. One that cannot start is tried again at the next round; the
/// reason is reported as the last delivery failure meanwhile.
fn start_uploader(job: &ExportJob, upload: &mut Option<UploadConfig>) {
    let Some(cfg) = upload.as_ref() else { return };
    match uploader::spawn(job.shared.clone(), cfg.clone()) {
        Ok(_) => *upload = None,
        Err(e) => job
            .shared
            .note_attempt(Some(format!("cannot start the upload thread: {e}"))),
    }
}

fn run(job: &ExportJob, mut upload: Option<UploadConfig>) {
    let ex = &job.exporter;
    let mut lowered = false;
    loop {
        start_uploader(job, &mut upload);
        if !lowered && upload.is_none() {
            // Only now: the uploader, started from this thread, would inherit the priority,
            // and the platform's HTTP stack makes its threads from the uploader (see
            // `otel_sessions_engine::background`).
            otel_sessions_engine::background::lower_this_thread();
            lowered = true;
        }
        let (target, purge) = {
            let mut s = lock(&ex.state);
            if s.asked == s.done && !s.stop {
                s.idle = true;
                s = ex
                    .wake
                    .wait_timeout(s, job.interval)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
                s.idle = false;
            }
            if s.stop {
                return;
            }
            (s.asked, std::mem::take(&mut s.purge))
        };
        // A bug here costs this round (caught and counted), never the thread: the next round
        // starts again from the cursor.
        otel_sessions_engine::contain::contained(|| {
            // A roll is what usually wakes a round: its next segment first. (A roll during this
            // round asks for another round, which starts here again.)
            job.journal.prepare_spare();
            if let Some(until) = purge {
                // Before any later export: what is in the outbox now was all recorded before.
                job.journal.discard_until(until);
                job.outbox.purge();
            }
            drain(job);
        });
        let mut s = lock(&ex.state);
        s.done = s.done.max(target);
        ex.finished.notify_all();
    }
}

/// Exports chunks until the journal holds nothing more to export now.
fn drain(job: &ExportJob) {
    let mut guard = 0;
    while export_chunk(job) {
        // A burst rolls segments while this drains: keep the next one ready.
        job.journal.prepare_spare();
        guard += 1;
        if guard > 100_000 || lock(&job.exporter.state).stop {
            return;
        }
    }
}

/// Exports one chunk; `true` if there may be more to export right away.
fn export_chunk(job: &ExportJob) -> bool {
    let at = job.journal.cursor();
    let Ok(view) = job.journal.view(at.segment) else {
        // The system refuses to open the segment for now (too many open files): the next
        // round tries again; the journal gives it up if that lasts.
        return false;
    };
    let Some(view) = view else {
        // The cursor's segment is gone (consumed, damaged) or not made yet: go to the next.
        return match job.journal.next_segment(at.segment) {
            Some(n) => {
                job.journal.advance(Position {
                    segment: n,
                    offset: HEADER_BYTES,
                });
                true
            }
            None => false,
        };
    };
    let bytes = view.bytes();
    let (schema, resource) =
        segment_resource(bytes).unwrap_or((job.resource.0.as_str(), job.resource.1.as_slice()));
    let mut chunk = Chunk::default();
    let mut off = at.offset.max(HEADER_BYTES);
    let mut segment_finished = false;
    loop {
        if off >= bytes.len() {
            segment_finished = !view.growing();
            break;
        }
        // The segment this process writes is read without its CRCs (committed entries of a
        // living process are whole); an earlier launch's are checked.
        match entry::read_checked(&bytes[off..], !view.growing()) {
            Read::End | Read::Torn => {
                // The written data ends here; for a segment no longer written, for good.
                segment_finished = !view.growing();
                break;
            }
            Read::Entry(e, len) => {
                if let Entry::Events { .. } = e {
                    let here = Position {
                        segment: at.segment,
                        offset: off,
                    };
                    if job.journal.is_pending(here) {
                        break; // its records are not all journaled yet: wait for them
                    }
                }
                if chunk.full() {
                    break;
                }
                chunk.add(e);
                off += len;
            }
        }
    }
    if !chunk.is_empty() && job.exporter.purge_pending() {
        // A purge asked for since this round began may be up to a position this chunk passes
        // (records appended after it): the purge goes first (next round), and the chunk is read
        // again after it. A purge asked for after this check is up to a position past all of
        // the chunk, which may then go to the outbox and be purged with it.
        return false;
    }
    if !chunk.is_empty() && !write_chunk(job, resource, schema, &chunk) {
        // The disk is full: a spare segment's room goes back to the outbox for the next try.
        job.journal.release_spare();
        // The outbox could not take it (the disk is full): the records stay in the journal and
        // the chunk is tried again at the next export, nothing lost. Meanwhile new records fill
        // the journal, and past its bound are dropped and counted.
        return false;
    }
    if job.exporter.stopped() {
        return false; // a stopped exporter leaves the cursor and the files to the next one
    }
    let moved = off != at.offset;
    if segment_finished {
        if let Some(next) = job.journal.next_segment(at.segment) {
            job.journal.advance(Position {
                segment: next,
                offset: HEADER_BYTES,
            });
            return true;
        }
    }
    if moved {
        job.journal.advance(Position {
            segment: at.segment,
            offset: off,
        });
    }
    moved && chunk.full()
}

/// The segment's RESOURCE entry (the first one).
fn segment_resource(bytes: &[u8]) -> Option<(&str, &[u8])> {
    match entry::read(bytes.get(HEADER_BYTES..)?) {
        Read::Entry(Entry::Resource { schema, resource }, _) => Some((schema, resource)),
        _ => None,
    }
}

#[derive(Default)]
struct Chunk<'a> {
    spans: Vec<ScopeGroup<'a>>,
    logs: Vec<ScopeGroup<'a>>,
    span_count: usize,
    log_count: usize,
    span_bytes: usize,
    log_bytes: usize,
}

impl<'a> Chunk<'a> {
    fn full(&self) -> bool {
        self.span_count >= MAX_RECORDS
            || self.log_count >= MAX_RECORDS
            || self.span_bytes >= MAX_BYTES
            || self.log_bytes >= MAX_BYTES
    }

    fn is_empty(&self) -> bool {
        self.span_count == 0 && self.log_count == 0
    }

    fn add(&mut self, e: Entry<'a>) {
        let Entry::Record {
            kind,
            scope,
            schema,
            record,
            ..
        } = e
        else {
            return; // resource, JS batches and their markers are not exported
        };
        let (groups, count, bytes) = match kind {
            Kind::Span => (&mut self.spans, &mut self.span_count, &mut self.span_bytes),
            _ => (&mut self.logs, &mut self.log_count, &mut self.log_bytes),
        };
        *count += 1;
        *bytes += record.len();
        match groups
            .iter_mut()
            .find(|g| g.scope == scope && g.schema_url == schema)
        {
            Some(g) => g.records.push(record),
            None => groups.push(ScopeGroup {
                scope,
                schema_url: schema,
                records: vec![record],
            }),
        }
    }
}

/// Writes the chunk's requests to the outbox; `false` if one could not be written.
fn write_chunk(job: &ExportJob, resource: &[u8], schema: &str, chunk: &Chunk<'_>) -> bool {
    // The numbers in this chunk reach the saved state before they leave the journal: the
    // next launch reads the highest numbers from the journal's unexported entries only.
    if let Some(engine) = job.shared.engine.get() {
        let _ = engine.write_state();
    }
    let mut all = true;
    for (signal, groups, n) in [
        (Signal::Traces, &chunk.spans, chunk.span_count),
        (Signal::Logs, &chunk.logs, chunk.log_count),
    ] {
        if n == 0 {
            continue;
        }
        let body = otlp::request(resource, schema, groups);
        let written = gzip(&body).and_then(|gz| job.outbox.write(signal, true, &gz));
        match written {
            Ok(()) => {
                job.exporter.requests.fetch_add(1, Ordering::Relaxed);
                job.exporter.records.fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(_) => {
                job.exporter.write_failures.fetch_add(1, Ordering::Relaxed);
                all = false;
            }
        }
    }
    job.shared.wake.notify();
    all
}

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4 + 64),
        // Fast: the exporter must keep up with bursts on a phone's CPU. On OTLP protobuf the
        // output is about a tenth larger than at the default level (measured in the bench).
        flate2::Compression::fast(),
    );
    enc.write_all(body)?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use crate::consent::Consent;
    use crate::journal::entry::Stamp;

    fn job(dir: &std::path::Path) -> ExportJob {
        let budget = Arc::new(Budget::new(1 << 20));
        let outbox = Arc::new(Outbox::open_within(&dir.join("outbox"), budget.clone(), 0).unwrap());
        let mut resource = Vec::new();
        entry::encode_resource(&mut resource, "", b"");
        let (journal, _) =
            Journal::open_within(&dir.join("journal"), 64 * 1024, budget, resource).unwrap();
        ExportJob {
            journal: Arc::new(journal),
            shared: Arc::new(Shared::new(Some(outbox.clone()), Consent::Granted)),
            outbox,
            exporter: Exporter::new(),
            interval: Duration::from_secs(3600),
            resource: (String::new(), Vec::new()),
        }
    }

    fn log(job: &ExportJob, seq: u64) {
        let mut p = Vec::new();
        let stamp = Stamp {
            session: [b'a'; 32],
            seq,
        };
        entry::encode_record(&mut p, Kind::Log, &stamp, b"", "", b"");
        job.journal.append(&p).unwrap();
    }

    #[test]
    fn a_round_under_way_leaves_records_made_after_a_purge_point_to_the_round_after_the_purge() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(dir.path());
        log(&job, 1);
        // Consent denied: everything recorded so far is to be purged...
        job.exporter.purge_later(job.journal.end());
        // ...and, consent granted again, a record the purge must keep.
        log(&job, 2);
        // A round that began before the purge was asked for reads both: it must not write them
        // (the purge of the outbox would delete record 2 with them).
        drain(&job);
        assert_eq!(job.outbox.len(), 0);
        assert_eq!(job.exporter.records.load(Ordering::Relaxed), 0);
        // The next round purges, then exports what came after the purge point.
        let until = lock(&job.exporter.state).purge.take().unwrap();
        job.journal.discard_until(until);
        job.outbox.purge();
        drain(&job);
        assert_eq!(job.exporter.records.load(Ordering::Relaxed), 1);
        assert_eq!(job.outbox.len(), 1);
    }
}
