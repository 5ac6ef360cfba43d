//! One process per storage directory.
//!
//! ```text
//!  process A: acquire(<dir>) ─► open <dir>/.lock ─► fcntl(F_SETLK, write lock) ─► held until drop
//!  process B: acquire(<dir>) ─► F_SETLK refused ─► F_GETLK names A's pid ─► EngineError::StorageInUse
//!  A dies (even by SIGKILL) ─► the kernel drops A's lock ─► the next acquire succeeds
//! ```
//!
//! Two processes on one directory would end each other's sessions and overwrite each other's
//! state (an app whose module runs in two Android processes, an iOS app and its extension on
//! one App Group directory). The lock is an advisory POSIX record lock on a file that is never
//! deleted: the operating system releases it when the process dies, so a kill never leaves it
//! stuck. POSIX record locks belong to the process, so a second acquisition inside the same
//! process succeeds (one process may open the same directory again after a JS reload, and tests
//! may simulate a kill by leaking an engine); the caller shares one [`StorageLock`] between
//! the layers that use the directory, because closing any descriptor of the file releases the
//! process's lock.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::EngineError;

/// The lock file's name inside the storage directory.
pub const LOCK_FILE: &str = ".lock";

/// An exclusive hold on a storage directory for this process. Released when dropped (or when
/// the process dies).
#[derive(Debug)]
pub struct StorageLock {
    dir: PathBuf,
    _file: File,
}

impl StorageLock {
    /// Creates the directory if needed and takes its lock.
    /// * if no other process holds it, returns the lock (nothing else in the directory is touched);
    /// * if another living process holds it, returns [`EngineError::StorageInUse`] naming the
    ///   directory and, where the OS tells, that process's id;
    /// * if the directory cannot be created or the lock file opened, [`EngineError::Storage`].
    pub fn acquire(dir: &Path) -> Result<Arc<StorageLock>, EngineError> {
        let storage = |path: PathBuf, source| EngineError::Storage { path, source };
        fs::create_dir_all(dir).map_err(|e| storage(dir.to_path_buf(), e))?;
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| storage(path.clone(), e))?;
        lock_file(&file).map_err(|held| match held {
            Held::ByOther(pid) => EngineError::StorageInUse {
                path: dir.to_path_buf(),
                pid,
            },
            Held::Error(e) => storage(path.clone(), e),
        })?;
        Ok(Arc::new(StorageLock {
            dir: dir.to_path_buf(),
            _file: file,
        }))
    }

    /// The directory this lock holds.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

enum Held {
    /// Another process holds the lock (its id, when the OS reports it).
    ByOther(Option<u32>),
    Error(std::io::Error),
}

#[cfg(unix)]
fn lock_file(file: &File) -> Result<(), Held> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    let mut want = whole_file_write_lock();
    // SAFETY: `fd` is an open descriptor owned by `file`; `want` is a valid flock struct.
    if unsafe { libc::fcntl(fd, libc::F_SETLK, &mut want) } == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    let contended = matches!(err.raw_os_error(), Some(libc::EACCES) | Some(libc::EAGAIN));
    if !contended {
        return Err(Held::Error(err));
    }
    let mut probe = whole_file_write_lock();
    // SAFETY: as above; F_GETLK only fills `probe`.
    let pid = if unsafe { libc::fcntl(fd, libc::F_GETLK, &mut probe) } == 0
        && probe.l_type != libc::F_UNLCK as libc::c_short
        && probe.l_pid > 0
    {
        u32::try_from(probe.l_pid).ok()
    } else {
        None
    };
    Err(Held::ByOther(pid))
}

#[cfg(unix)]
fn whole_file_write_lock() -> libc::flock {
    // SAFETY: `flock` is a plain C struct for which all-zero bytes are a valid value.
    let mut l: libc::flock = unsafe { std::mem::zeroed() };
    l.l_type = libc::F_WRLCK as libc::c_short;
    l.l_whence = libc::SEEK_SET as libc::c_short;
    l.l_start = 0;
    l.l_len = 0; // to the end of the file, however long it grows
    l
}

#[cfg(not(unix))]
fn lock_file(_file: &File) -> Result<(), Held> {
    Ok(()) // no supported platform lacks POSIX locks; elsewhere the directory is not guarded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_process_may_take_the_lock_again() {
        let dir = tempfile::tempdir().unwrap();
        let a = StorageLock::acquire(dir.path()).unwrap();
        let b = StorageLock::acquire(dir.path()).unwrap();
        assert_eq!(a.dir(), b.dir());
        assert!(dir.path().join(LOCK_FILE).is_file());
    }

    #[test]
    fn a_file_in_place_of_the_directory_is_a_storage_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, b"x").unwrap();
        assert!(matches!(
            StorageLock::acquire(&file),
            Err(EngineError::Storage { .. })
        ));
    }
}
