//! What the engine tells the outside world: session starts and ends (for telemetry
//! sinks) and session changes (for UI listeners), through one observer trait.

use std::sync::Arc;

use crate::session::Session;

/// Why a session ended. The string forms are stable and exported as telemetry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndReason {
    /// The app stayed in the background for the background timeout.
    BackgroundTimeout,
    /// No activity for the inactivity timeout.
    Inactivity,
    /// The session reached the maximum duration.
    MaxDuration,
    /// The app ended it (`end()`, e.g. on sign-out).
    Manual,
    /// The process died (crash or kill) while the app was in the foreground.
    AbnormalTermination,
    /// A new launch did not continue it: resuming is switched off, or the stored session
    /// could not be continued for another reason.
    Relaunch,
}

impl EndReason {
    /// The stable string form, e.g. `"background_timeout"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::BackgroundTimeout => "background_timeout",
            EndReason::Inactivity => "inactivity",
            EndReason::MaxDuration => "max_duration",
            EndReason::Manual => "manual",
            EndReason::AbnormalTermination => "abnormal_termination",
            EndReason::Relaunch => "relaunch",
        }
    }

    /// Parses the string form.
    pub fn parse(s: &str) -> Option<Self> {
        [
            EndReason::BackgroundTimeout,
            EndReason::Inactivity,
            EndReason::MaxDuration,
            EndReason::Manual,
            EndReason::AbnormalTermination,
            EndReason::Relaunch,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A session started: emit `session.start`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionStarted {
    /// The new session (its `previous_id` is the session it replaced).
    pub session: Arc<Session>,
    /// `true` when delivered again at a launch because the previous process may have died
    /// before every observer handled it. An observer that did handle it should ignore it.
    pub replayed: bool,
}

/// A session ended: emit `session.end`. Always delivered before the next start.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEnded {
    /// The session's final snapshot (attributes as they were at the end).
    pub session: Arc<Session>,
    /// The real end, in wall-clock epoch ms: the last activity, or start + maximum duration.
    pub end_time_ms: i64,
    /// Length of the session in monotonic milliseconds (unaffected by wall-clock changes).
    pub duration_ms: i64,
    /// Why it ended.
    pub reason: EndReason,
    /// How many records the session produced (its last sequence number).
    pub record_count: u64,
    /// How many of its records were reported dropped.
    pub dropped_count: u64,
    /// `true` when delivered again at a launch (see [`SessionStarted::replayed`]).
    pub replayed: bool,
}

/// Receives session notifications. All methods have empty defaults.
///
/// Contract:
/// * notifications arrive in order: `ended(A)`, `started(B)`, then `changed(B, A)`;
/// * `started` and `ended` are delivered only after the state that contains them is on
///   disk, and they stay in the saved state until every observer has returned from them;
///   a process killed in between replays them at the next launch (`replayed: true`). So
///   delivery is at least once, and a kill at any moment never loses a start or an end;
/// * implementations must not block for long: they run on the thread that caused the
///   change (the JS thread, a lifecycle thread or the engine's timer). They may call the
///   engine, including mutating methods; notifications caused that way are queued and
///   delivered after the current one.
pub trait SessionObserver: Send + Sync {
    /// A session started.
    fn on_session_started(&self, _event: &SessionStarted) {}
    /// A session ended.
    fn on_session_ended(&self, _event: &SessionEnded) {}
    /// The current session changed: a rotation (`previous` is the ended session), a start
    /// of a pending session, or an attribute or sampling change (`previous` is the older
    /// snapshot of the same session).
    fn on_session_changed(&self, _current: &Arc<Session>, _previous: Option<&Arc<Session>>) {}
}
