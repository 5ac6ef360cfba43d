//! Errors of engine construction and persistence.

use std::fmt;
use std::path::PathBuf;

use crate::attributes::AttributeError;

/// Why an [`crate::Engine`] could not be built or could not save its state.
#[derive(Debug)]
#[non_exhaustive]
pub enum EngineError {
    /// The storage directory cannot be created or used: pass a writable directory
    /// (on devices, the default app-support directory always is).
    Storage {
        /// The directory or file concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Another process holds the storage directory (an app running the library in two
    /// processes, or an app and its extension on one shared directory): give each process its
    /// own directory. Nothing was read or written. The lock dies with its process, so after a
    /// crash or kill of the holder the next attempt succeeds.
    StorageInUse {
        /// The storage directory.
        path: PathBuf,
        /// The holder's process id, when the operating system reports it.
        pid: Option<u32>,
    },
    /// One of the initial session attributes breaks a limit: fix or drop that attribute.
    InvalidInitialAttribute(AttributeError),
    /// The engine's timer thread could not be started (the OS refused a thread): retry
    /// later, or build with `.timer(false)` and call [`crate::Engine::poll`] yourself.
    Timer(std::io::Error),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Storage { path, source } => write!(
                f,
                "session storage at '{}' is not usable ({source}); pass a writable directory",
                path.display()
            ),
            EngineError::StorageInUse { path, pid } => {
                write!(
                    f,
                    "the storage directory '{}' is in use by another process",
                    path.display()
                )?;
                if let Some(pid) = pid {
                    write!(f, " (pid {pid})")?;
                }
                write!(f, "; each process needs its own storageDir (one per Android process, one for an app and one for each extension)")
            }
            EngineError::InvalidInitialAttribute(e) => write!(f, "initial session attributes: {e}"),
            EngineError::Timer(e) => write!(f, "cannot start the session timer thread: {e}"),
        }
    }
}

impl std::error::Error for EngineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EngineError::Storage { source, .. } | EngineError::Timer(source) => Some(source),
            EngineError::InvalidInitialAttribute(e) => Some(e),
            EngineError::StorageInUse { .. } => None,
        }
    }
}
