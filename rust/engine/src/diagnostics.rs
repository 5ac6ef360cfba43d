//! What the engine found at launch and what went wrong since: counted, never fatal.

use crate::events::EndReason;

/// What happened to the stored state when the engine was built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LaunchOutcome {
    /// No stored state: a new session started.
    FirstLaunch,
    /// The stored session continues (same id, no events).
    Resumed,
    /// The stored session ended (its `session.end` was emitted) and a new one started.
    EndedPrevious(EndReason),
    /// The stored session had not started yet (pending); it starts now.
    StartedPending,
    /// The stored state could not be read; it was moved to `session-state.corrupt.json`
    /// and a new session started. The text says what was wrong.
    RecoveredCorruptState(String),
}

/// Counters of problems the engine absorbed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics {
    /// Stored states found unreadable and quarantined (0 or 1 per launch).
    pub corrupt_states_recovered: u64,
    /// Writes of the state file that failed (disk full, permissions). The engine keeps
    /// working in memory and tries again on the next change.
    pub persist_failures: u64,
    /// The last write error, if any.
    pub last_persist_error: Option<String>,
    /// Observer callbacks that panicked (the panic is caught; other observers still run).
    pub observer_panics: u64,
}
