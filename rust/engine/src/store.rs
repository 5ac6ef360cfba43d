//! The state file on disk, replaced atomically.
//!
//! ```text
//!  save: write  session-state.json.tmp in place ─► exchange it with session-state.json
//!        ─► write session-state.json.tmp again (now a copy of the new state) ─► request a sync
//!        (syncer thread, soon after: fsync session-state.json, fsync the directory)
//!        where there is no copy yet, or the file system cannot exchange two names:
//!        create .tmp ─► rename over (the syncer then makes the copy, off the saving thread)
//!  load: read   session-state.json      (missing: first launch; refused by the system: again,
//!                                         three times within 130 ms)
//!  bad:  rename session-state.json ─► session-state.corrupt.json   (kept for inspection, one copy)
//! ```
//!
//! The exchange (`renameat2(RENAME_EXCHANGE)` on Linux and Android, `renamex_np(RENAME_SWAP)`
//! on iOS) keeps both files, so a save creates no file and deletes none: on some file systems
//! a file creation and a rename over another file cost hundreds of microseconds, against tens
//! for the exchange (measured on ext4). The temporary file is a copy of the state, not an
//! older one: it is rewritten right after the exchange (so `clearAllData` leaves no earlier
//! state behind; only a kill between the two steps does, until the next save).
//!
//! A process killed at any point leaves either the old or the new file, never a mix: both the
//! write and the exchange (or rename) are in the page cache when `save` returns, and a kill
//! does not lose the page cache. The caller never waits on the disk: the fsyncs that make the file
//! survive a power loss run on the syncer thread (`durability.rs`). A power loss before they
//! ran can leave the previous state, or (on file systems that reorder a rename before its
//! data) a damaged file, which the next launch quarantines.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::durability::{self, Syncable};
use crate::files::{may_pass, open_no_wait, read_regular};
use crate::notifier::lock;

const STATE_FILE: &str = "session-state.json";
const TEMP_FILE: &str = "session-state.json.tmp";
const QUARANTINE_FILE: &str = "session-state.corrupt.json";

/// The pauses before the second, third and fourth reads of a state file the system refused
/// (see [`StateStore::load`]): 130 ms in all, during the start.
const RETRY_PAUSES: [Duration; 3] = [
    Duration::from_millis(10),
    Duration::from_millis(30),
    Duration::from_millis(90),
];

/// Largest state file the engine reads. A valid state is a few KiB at most (64 attributes
/// of 4 KiB plus the history), so anything larger is damage.
const MAX_STATE_BYTES: u64 = 2 * 1024 * 1024;

/// What a load found.
#[derive(Debug)]
pub(crate) enum Loaded {
    /// No state file: a first launch (or data was cleared).
    Missing,
    /// The file's bytes.
    Bytes(Vec<u8>),
    /// The path exists but cannot be read as a state file.
    Unreadable(String),
}

/// The engine's storage directory.
pub(crate) struct StateStore {
    dir: PathBuf,
    sync: Arc<StateSync>,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("dir", &self.dir)
            .finish()
    }
}

/// What the syncer does after a save: the state file's data, then the directory's rename. And,
/// when there is no temporary copy to exchange with yet (after a first save, or one that fell
/// back to create + rename), it makes one, so that creating it is not the saving thread's work.
struct StateSync {
    dir: PathBuf,
}

/// Held by saves and while the syncer makes a copy, so that a save never exchanges a half-made
/// copy. One for the process, not one per store: a store dropped without a shutdown (a test's
/// simulated kill, an engine started again on the same directory) may still have a sync
/// queued while the next store on the directory saves.
static COPY: Mutex<()> = Mutex::new(());

impl Syncable for StateSync {
    fn sync(&self) -> io::Result<()> {
        {
            let _g = lock(&COPY);
            let tmp = self.dir.join(TEMP_FILE);
            if fs::symlink_metadata(&tmp).is_err() {
                if let Ok(bytes) = read_regular(&self.dir.join(STATE_FILE)) {
                    let made =
                        open_no_wait(fs::OpenOptions::new().write(true).create_new(true), &tmp)
                            .and_then(|mut f| f.write_all(&bytes));
                    if made.is_err() {
                        let _ = fs::remove_file(&tmp);
                    }
                }
            }
        }
        match open_no_wait(
            fs::OpenOptions::new().read(true),
            &self.dir.join(STATE_FILE),
        ) {
            Ok(f) => durability::sync_file(&f)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        durability::sync_dir(&self.dir);
        Ok(())
    }
}

impl StateStore {
    /// Creates the directory if needed; fails if it cannot be created or is not a directory.
    pub fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        if !fs::metadata(dir)?.is_dir() {
            return Err(io::Error::other("not a directory"));
        }
        Ok(StateStore {
            dir: dir.to_path_buf(),
            sync: Arc::new(StateSync {
                dir: dir.to_path_buf(),
            }),
        })
    }

    /// The path of the state file.
    pub fn state_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// Reads the state file. A file the system refuses for now ([`may_pass`]: too many open
    /// files, an I/O error) may be whole, so it is read again after each of [`RETRY_PAUSES`]
    /// (up to 130 ms more of the start, which runs on the native start thread, or on the JS
    /// thread when its first call runs the start itself); only then is it unreadable.
    pub fn load(&self) -> Loaded {
        let mut tries = 0;
        loop {
            tries += 1;
            let e = match self.load_once() {
                Ok(loaded) => return loaded,
                Err(e) => e,
            };
            #[cfg(test)]
            tests::read_failed();
            match RETRY_PAUSES.get(tries - 1) {
                Some(pause) if may_pass(&e) => std::thread::sleep(*pause),
                _ if tries == 1 => return Loaded::Unreadable(format!("cannot read: {e}")),
                _ => return Loaded::Unreadable(format!("cannot read: {e} ({tries} tries)")),
            }
        }
    }

    /// One read of the state file; `Err` for an error of the system, which may pass.
    fn load_once(&self) -> io::Result<Loaded> {
        let path = self.state_path();
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
            Err(e) => return Err(e),
        };
        if !meta.is_file() {
            return Ok(Loaded::Unreadable("not a regular file".into()));
        }
        if meta.len() > MAX_STATE_BYTES {
            return Ok(Loaded::Unreadable(format!(
                "{} bytes is larger than any valid state",
                meta.len()
            )));
        }
        read_regular(&path).map(Loaded::Bytes)
    }

    /// Replaces the state file atomically with `bytes`; a kill from now on finds the new
    /// state. The fsyncs for power loss are requested from the syncer, not waited for.
    pub fn save(&self, bytes: &[u8]) -> io::Result<()> {
        let _g = lock(&COPY);
        #[cfg(test)]
        tests::saving(&self.dir);
        let tmp = self.dir.join(TEMP_FILE);
        let state = self.state_path();
        // The temporary file exists from the previous save (a copy of the state then): it is
        // rewritten in place and exchanged with the state file.
        let mut exchanged = false;
        if let Ok(f) = open_no_wait(fs::OpenOptions::new().write(true), &tmp) {
            if write_at_start(&f, bytes).is_ok() && exchange(&tmp, &state).is_ok() {
                // `f` is the state file now; the name `tmp` holds the previous state, which is
                // overwritten with the new one (an error here only leaves a stale copy, which
                // the next save rewrites before using it).
                if let Ok(old) = open_no_wait(fs::OpenOptions::new().write(true), &tmp) {
                    let _ = write_at_start(&old, bytes);
                }
                exchanged = true;
            }
        }
        if !exchanged {
            // The first save, or a file system that cannot exchange: create and rename. The
            // syncer then makes the copy the next save exchanges with.
            let mut f = open_no_wait(
                fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true),
                &tmp,
            )?;
            f.write_all(bytes)?;
            drop(f);
            fs::rename(&tmp, &state)?;
        }
        durability::request(self.sync.clone());
        Ok(())
    }

    /// Moves a bad state file aside (replacing an older quarantined copy); if it cannot be
    /// moved, removes it, so the next save can take its place.
    pub fn quarantine(&self) {
        let path = self.state_path();
        let target = self.dir.join(QUARANTINE_FILE);
        let _ = remove_any(&target);
        if fs::rename(&path, &target).is_err() {
            let _ = remove_any(&path);
        }
    }
}

/// Writes `bytes` at the start of `f` and cuts the file there.
fn write_at_start(f: &fs::File, bytes: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.write_all_at(bytes, 0)?;
    f.set_len(bytes.len() as u64)
}

/// Swaps the names `a` and `b` atomically (both exist); `Err` where the system or the file
/// system cannot (the caller falls back to create + rename).
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes()).map_err(io::Error::other)?;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: two NUL-terminated paths; the raw syscall (bionic's wrapper is API 30+; Android's
    // app seccomp filter has allowed renameat2 since it was introduced in 8.0). An old kernel
    // answers ENOSYS, a file system without the operation EINVAL: both fall back.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE as libc::c_uint,
        )
    };
    #[cfg(target_vendor = "apple")]
    // SAFETY: two NUL-terminated paths (APFS swaps; other file systems answer ENOTSUP).
    let r = unsafe { libc::renamex_np(a.as_ptr(), b.as_ptr(), libc::RENAME_SWAP) };
    #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
    let r = {
        let _ = (a, b);
        -1
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::Ordering::SeqCst;
    use std::sync::atomic::{AtomicU64, AtomicUsize};

    /// Reads of the state file that failed (see [`StateStore::load`]), in this process.
    static FAILED_READS: AtomicUsize = AtomicUsize::new(0);
    /// An open-file limit to restore after the next failed read (0: none).
    static LIFT_TO: AtomicU64 = AtomicU64::new(0);

    /// Which thread saved each state, by directory (`save` calls `saving`).
    static SAVES: Mutex<Vec<(std::path::PathBuf, Option<String>)>> = Mutex::new(Vec::new());

    pub(super) fn saving(dir: &Path) {
        let name = std::thread::current().name().map(str::to_owned);
        lock(&SAVES).push((dir.to_path_buf(), name));
    }

    /// The names of the threads that saved the state in `dir`, in order.
    pub(crate) fn savers(dir: &Path) -> Vec<Option<String>> {
        lock(&SAVES)
            .iter()
            .filter(|(d, _)| d == dir)
            .map(|(_, n)| n.clone())
            .collect()
    }

    /// Called by `load` after each failed read.
    pub(super) fn read_failed() {
        FAILED_READS.fetch_add(1, SeqCst);
        let lift = LIFT_TO.swap(0, SeqCst);
        if lift != 0 {
            otel_sessions_test_support::set_open_file_limit(lift);
        }
    }

    const ENV_CHILD_DIR: &str = "OTEL_SESSIONS_STATE_CHILD_DIR";

    fn failed_reads() -> usize {
        FAILED_READS.load(SeqCst)
    }

    #[test]
    #[ignore = "child process of a_state_the_system_refuses_for_a_moment_is_read_again_not_given_up"]
    fn child_state_refused_for_a_moment() {
        use otel_sessions_test_support::set_open_file_limit;
        let Ok(dir) = std::env::var(ENV_CHILD_DIR) else {
            return;
        };
        let store = StateStore::open(Path::new(&dir)).unwrap();
        store.save(b"{\"a\":1}").unwrap();
        assert!(durability::wait_idle(std::time::Duration::from_secs(10)));

        // No descriptor free below the limit: opening the state file fails with EMFILE, for
        // real, until the first failed read lifts the limit (the hook above).
        let normal = set_open_file_limit(3);
        LIFT_TO.store(normal, SeqCst);
        let loaded = store.load();
        assert!(
            matches!(&loaded, Loaded::Bytes(b) if b == b"{\"a\":1}"),
            "read again once the system allows: {loaded:?}"
        );
        let before = failed_reads();
        assert_eq!(before, 1, "the first read failed, the second succeeded");

        // Refused through every try: unreadable, saying why (the engine then sets it aside).
        set_open_file_limit(3);
        let loaded = store.load();
        set_open_file_limit(normal);
        match loaded {
            Loaded::Unreadable(why) => assert!(
                why.contains("open files") && why.contains("(4 tries)"),
                "{why}"
            ),
            other => panic!("expected unreadable, got {other:?}"),
        }
        assert_eq!(failed_reads() - before, RETRY_PAUSES.len() + 1);
        assert!(store.state_path().exists(), "load never moves the file");
        println!("CHILD DONE");
    }

    /// Too many open files for a moment (a burst elsewhere in the app) is not a damaged state:
    /// the session is resumed rather than the file set aside and a new session started.
    #[test]
    fn a_state_the_system_refuses_for_a_moment_is_read_again_not_given_up() {
        let dir = tempfile::tempdir().unwrap();
        let out =
            otel_sessions_test_support::child("store::tests::child_state_refused_for_a_moment")
                .env(ENV_CHILD_DIR, dir.path())
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && text.contains("CHILD DONE"),
            "child failed: {text}"
        );
    }

    /// A FIFO in place of the state file or its copy: the syncer's copy and sync, and a save,
    /// return (a failure at worst) instead of waiting forever for a writer or a reader. The
    /// full torture once hung here: the syncer's read of a FIFO held the copy lock.
    #[test]
    fn a_fifo_in_place_of_the_state_or_its_copy_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        for name in [STATE_FILE, TEMP_FILE] {
            let path = dir.path().join(name);
            let _ = fs::remove_file(&path);
            let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
            assert_eq!(
                unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
                0,
                "mkfifo {name}"
            );
            let (tx, rx) = std::sync::mpsc::channel();
            let (sync, d) = (store.sync.clone(), dir.path().to_path_buf());
            std::thread::spawn(move || {
                let _ = sync.sync();
                let _ = StateStore::open(&d).unwrap().save(b"{}");
                let _ = tx.send(());
            });
            assert!(
                rx.recv_timeout(std::time::Duration::from_secs(10)).is_ok(),
                "a FIFO named {name} blocked the syncer or a save"
            );
            let _ = fs::remove_file(&path);
        }
    }

    #[test]
    fn save_then_load_round_trips_and_the_temp_file_never_keeps_an_older_state() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        assert!(matches!(store.load(), Loaded::Missing));
        let tmp = dir.path().join(TEMP_FILE);
        let mut inodes = std::collections::BTreeSet::new();
        for (i, state) in [
            &b"{\"a\":1, \"long\": \"xxxxxxxx\"}"[..],
            b"{\"a\":2}",
            b"{\"a\":3}",
        ]
        .into_iter()
        .enumerate()
        {
            store.save(state).unwrap();
            assert!(
                matches!(store.load(), Loaded::Bytes(b) if b == state),
                "save {i}"
            );
            // After the first save, the syncer makes the copy (off the saving thread).
            assert!(durability::wait_idle(std::time::Duration::from_secs(10)));
            assert_eq!(
                fs::read(&tmp).unwrap(),
                state,
                "save {i}: a copy, not the old state"
            );
            inodes.insert(fs::metadata(store.state_path()).unwrap().ino());
            inodes.insert(fs::metadata(&tmp).unwrap().ino());
        }
        // Linux exchanges the two names (ext4, tmpfs, f2fs...): after the first save, no save
        // creates a file.
        if cfg!(target_os = "linux") {
            assert_eq!(inodes.len(), 2, "the same two files throughout");
        }
    }

    #[test]
    fn a_directory_in_place_of_the_temp_file_falls_back_and_saves() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        store.save(b"{\"a\":1}").unwrap();
        assert!(durability::wait_idle(std::time::Duration::from_secs(10)));
        fs::remove_file(dir.path().join(TEMP_FILE)).unwrap();
        fs::create_dir(dir.path().join(TEMP_FILE)).unwrap();
        assert!(
            store.save(b"{\"a\":2}").is_err(),
            "nowhere to write: an error, no panic"
        );
        assert!(
            matches!(store.load(), Loaded::Bytes(b) if b == b"{\"a\":1}"),
            "the old state kept"
        );
        fs::remove_dir(dir.path().join(TEMP_FILE)).unwrap();
        store.save(b"{\"a\":3}").unwrap();
        assert!(matches!(store.load(), Loaded::Bytes(b) if b == b"{\"a\":3}"));
    }

    #[test]
    fn a_directory_in_place_of_the_state_file_is_unreadable_then_quarantined() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        fs::create_dir(store.state_path()).unwrap();
        assert!(matches!(store.load(), Loaded::Unreadable(_)));
        store.quarantine();
        assert!(matches!(store.load(), Loaded::Missing));
        store.save(b"{}").unwrap();
    }

    #[test]
    fn opening_a_file_as_the_directory_fails() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, b"x").unwrap();
        assert!(StateStore::open(&file).is_err());
    }
}
