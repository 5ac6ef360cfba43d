//! Errors of the telemetry layer.

use std::fmt;

/// Why a telemetry operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum TelemetryError {
    /// A configuration field is invalid: `field` names it, `message` says what it accepts.
    InvalidConfig {
        /// The configuration field.
        field: &'static str,
        /// What is expected.
        message: String,
    },
    /// The session engine could not start (see its message for the fix).
    Engine(otel_sessions_engine::EngineError),
    /// A file or directory of the library's under the storage directory (the outbox, the
    /// journal, the user-hash salt) cannot be used: pass a writable directory.
    Storage {
        /// What could not be used.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A thread could not be started: retry later.
    Thread(std::io::Error),
    /// An OpenTelemetry component could not be built (an internal error: please report it).
    Pipeline(String),
    /// An attribute was refused: the message names the limit.
    InvalidAttribute(otel_sessions_engine::AttributeError),
    /// An event name was refused: the message says what is accepted.
    InvalidEventName(String),
    /// `flush` ran out of time with requests still queued (they stay in the outbox and are
    /// sent later).
    FlushTimeout {
        /// Requests still queued.
        queued: usize,
        /// Why the last upload attempt did not deliver, if one failed (e.g. no response, an
        /// HTTP status, no platform transport registered).
        last_failure: Option<String>,
    },
}

impl fmt::Display for TelemetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TelemetryError::InvalidConfig { field, message } => {
                write!(f, "config.{field} {message}")
            }
            TelemetryError::Engine(e) => write!(f, "{e}"),
            TelemetryError::Storage { path, source } => write!(
                f,
                "'{}' is not usable ({source}); pass a writable storage directory",
                path.display()
            ),
            TelemetryError::Thread(e) => write!(f, "cannot start a telemetry thread: {e}"),
            TelemetryError::Pipeline(e) => write!(f, "OpenTelemetry pipeline: {e}"),
            TelemetryError::InvalidAttribute(e) => write!(f, "{e}"),
            TelemetryError::InvalidEventName(m) => write!(f, "the event name {m}"),
            TelemetryError::FlushTimeout {
                queued,
                last_failure,
            } => {
                write!(f, "flush timed out with {queued} requests queued; they stay on disk and are sent later")?;
                match last_failure {
                    Some(why) => write!(f, " (last attempt: {why})"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for TelemetryError {}
