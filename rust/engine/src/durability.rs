//! Durability without waiting: data reaches the OS at once, stable storage soon after, and no
//! caller thread ever waits on the disk.
//!
//! ```text
//!  caller (JS thread, main thread): write / rename / memcpy into a mapping ─► request(target)
//!                                   (survives a kill of the process at once: the page cache)
//!  syncer thread (one per process):  target.sync() ─► fsync / msync   (survives a power loss)
//! ```
//!
//! A SIGKILL or a crash loses nothing that reached the page cache; only a power loss (or a
//! kernel crash) before the syncer ran can lose the last changes, typically under a second.
//! Every fsync of the library goes through [`sync_file`], which counts syncs per thread, so tests
//! can prove that a calling thread never syncs ([`syncs_on_this_thread`]).

use std::cell::Cell;
use std::fs::File;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Something the syncer can make durable (a file and its directory, a mapped region).
pub trait Syncable: Send + Sync {
    /// Makes the target durable; called on the syncer thread only.
    fn sync(&self) -> std::io::Result<()>;
}

thread_local! {
    static THREAD_SYNCS: Cell<u64> = const { Cell::new(0) };
}

static TOTAL_SYNCS: AtomicU64 = AtomicU64::new(0);
static SYNC_FAILURES: AtomicU64 = AtomicU64::new(0);

/// `fsync` of `file`, counted for this thread. The library's only way to fsync: call it from
/// the syncer or from the library's own worker threads, never on a caller's thread.
pub fn sync_file(file: &File) -> std::io::Result<()> {
    THREAD_SYNCS.with(|c| c.set(c.get() + 1));
    TOTAL_SYNCS.fetch_add(1, Ordering::Relaxed);
    file.sync_all()
}

/// Syncs of a directory, so that a rename in it is durable. Not every platform can open a
/// directory; failure is harmless there (the rename is still atomic).
pub fn sync_dir(dir: &std::path::Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = sync_file(&d);
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// How many syncs the calling thread has made (0 on every thread that only records).
pub fn syncs_on_this_thread() -> u64 {
    THREAD_SYNCS.with(Cell::get)
}

/// Syncs made in this process so far, and how many of them failed.
pub fn totals() -> (u64, u64) {
    (
        TOTAL_SYNCS.load(Ordering::Relaxed),
        SYNC_FAILURES.load(Ordering::Relaxed),
    )
}

#[derive(Default)]
struct Queue {
    pending: Vec<Arc<dyn Syncable>>,
    /// Requests taken by the syncer and not yet done.
    running: usize,
    /// Incremented each time the syncer finishes a round.
    rounds: u64,
}

struct Syncer {
    queue: Mutex<Queue>,
    work: Condvar,
    done: Condvar,
    started: bool,
}

static SYNCER: OnceLock<Syncer> = OnceLock::new();

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn syncer() -> &'static Syncer {
    SYNCER.get_or_init(|| {
        let started = std::thread::Builder::new()
            .name("rn-otel-sync".into())
            .spawn(run)
            .is_ok();
        Syncer {
            queue: Mutex::new(Queue::default()),
            work: Condvar::new(),
            done: Condvar::new(),
            started,
        }
    })
}

fn run() {
    let s = syncer();
    loop {
        let batch = {
            let mut q = lock(&s.queue);
            while q.pending.is_empty() {
                q = s.work.wait(q).unwrap_or_else(|e| e.into_inner());
            }
            let batch = std::mem::take(&mut q.pending);
            q.running = batch.len();
            batch
        };
        for target in &batch {
            let synced = crate::contain::contained(|| target.sync());
            if !matches!(synced, Some(Ok(()))) {
                SYNC_FAILURES.fetch_add(1, Ordering::Relaxed);
            }
        }
        let mut q = lock(&s.queue);
        q.running = 0;
        q.rounds += 1;
        s.done.notify_all();
    }
}

/// Asks the syncer to make `target` durable soon; returns at once. The same target (the same
/// `Arc`) asked for twice before the syncer gets to it is synced once. If the OS refused the
/// syncer thread, nothing is synced (data still survives kills; only power loss is exposed).
pub fn request(target: Arc<dyn Syncable>) {
    let s = syncer();
    if !s.started {
        SYNC_FAILURES.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let mut q = lock(&s.queue);
    if !q.pending.iter().any(|p| Arc::ptr_eq(p, &target)) {
        q.pending.push(target);
    }
    s.work.notify_one();
}

/// Waits until every sync requested before this call is done, at most `timeout`; `false` on
/// timeout. For tests and for threads that may wait on the disk (never a caller's thread).
pub fn wait_idle(timeout: Duration) -> bool {
    let s = syncer();
    if !s.started {
        return true;
    }
    let deadline = Instant::now() + timeout;
    let mut q = lock(&s.queue);
    // Requests pending now are done at the end of the round after the current one.
    let target_round = q.rounds + u64::from(q.running > 0) + u64::from(!q.pending.is_empty());
    while q.rounds < target_round {
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        q = s
            .done
            .wait_timeout(q, deadline - now)
            .map(|(g, _)| g)
            .unwrap_or_else(|e| e.into_inner().0);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Counting(AtomicUsize);

    impl Syncable for Counting {
        fn sync(&self) -> std::io::Result<()> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    #[test]
    fn requests_are_synced_off_the_calling_thread_and_coalesced() {
        let target = Arc::new(Counting(AtomicUsize::new(0)));
        let before = syncs_on_this_thread();
        request(target.clone());
        assert!(wait_idle(Duration::from_secs(60)));
        assert!(target.0.load(Ordering::SeqCst) >= 1);
        assert_eq!(syncs_on_this_thread(), before, "the caller made no sync");
    }

    #[test]
    fn sync_file_counts_for_its_thread() {
        let dir = tempfile::tempdir().unwrap();
        let f = File::create(dir.path().join("x")).unwrap();
        let before = syncs_on_this_thread();
        sync_file(&f).unwrap();
        assert_eq!(syncs_on_this_thread(), before + 1);
    }
}
