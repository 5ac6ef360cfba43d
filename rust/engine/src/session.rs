//! The public snapshot of a session.

use crate::attributes::Attributes;
use crate::session_id::SessionId;

/// An immutable snapshot of the current session, cheap to clone behind an `Arc`.
///
/// A new snapshot is made whenever anything in it changes; compare snapshots by
/// pointer (`Arc::ptr_eq`) to learn whether something changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The `session.id`: 32 lowercase hex characters.
    pub id: SessionId,
    /// The session this one replaced (`session.previous_id`), if any.
    pub previous_id: Option<SessionId>,
    /// When the session started, in wall-clock epoch milliseconds. For a pending session,
    /// when it was created.
    pub start_time_ms: i64,
    /// The session's attributes, stamped on all of its telemetry.
    pub attributes: Attributes,
    /// Whether the session's telemetry is exported (decided once at creation).
    pub sampled: bool,
    /// `true` between the expiry of the previous session and the first activity: the id
    /// is known (and can be read), but `session.start` has not been emitted yet. The
    /// first activity (foreground, touch, recorded telemetry) starts it.
    pub pending: bool,
}
