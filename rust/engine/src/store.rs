//! The state file on disk, replaced atomically.
//!
//! ```text
//!  save: write  session-state.json.tmp ─► rename over session-state.json ─► request a sync
//!        (syncer thread, soon after: fsync session-state.json, fsync the directory)
//!  load: read   session-state.json      (missing: first launch)
//!  bad:  rename session-state.json ─► session-state.corrupt.json   (kept for inspection, one copy)
//! ```
//!
//! A process killed at any point leaves either the old or the new file, never a mix: both
//! the write and the rename are in the page cache when `save` returns, and a kill does not
//! lose the page cache. The caller never waits on the disk: the fsyncs that make the file
//! survive a power loss run on the syncer thread (`durability.rs`). A power loss before they
//! ran can leave the previous state, or (on file systems that reorder a rename before its
//! data) a damaged file, which the next launch quarantines.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::durability::{self, Syncable};

const STATE_FILE: &str = "session-state.json";
const TEMP_FILE: &str = "session-state.json.tmp";
const QUARANTINE_FILE: &str = "session-state.corrupt.json";

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

/// What the syncer does after a save: the state file's data, then the directory's rename.
struct StateSync {
    dir: PathBuf,
}

impl Syncable for StateSync {
    fn sync(&self) -> io::Result<()> {
        match fs::File::open(self.dir.join(STATE_FILE)) {
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

    /// Reads the state file.
    pub fn load(&self) -> Loaded {
        let path = self.state_path();
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Loaded::Missing,
            Err(e) => return Loaded::Unreadable(format!("cannot stat: {e}")),
        };
        if !meta.is_file() {
            return Loaded::Unreadable("not a regular file".into());
        }
        if meta.len() > MAX_STATE_BYTES {
            return Loaded::Unreadable(format!(
                "{} bytes is larger than any valid state",
                meta.len()
            ));
        }
        match fs::read(&path) {
            Ok(bytes) => Loaded::Bytes(bytes),
            Err(e) => Loaded::Unreadable(format!("cannot read: {e}")),
        }
    }

    /// Replaces the state file atomically with `bytes`; a kill from now on finds the new
    /// state. The fsyncs for power loss are requested from the syncer, not waited for.
    pub fn save(&self, bytes: &[u8]) -> io::Result<()> {
        let tmp = self.dir.join(TEMP_FILE);
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        drop(f);
        fs::rename(&tmp, self.state_path())?;
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

fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        assert!(matches!(store.load(), Loaded::Missing));
        store.save(b"{\"a\":1}").unwrap();
        store.save(b"{\"a\":2}").unwrap();
        assert!(matches!(store.load(), Loaded::Bytes(b) if b == b"{\"a\":2}"));
        assert!(!dir.path().join(TEMP_FILE).exists());
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
