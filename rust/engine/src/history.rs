//! The local history of recent sessions.

use crate::events::{EndReason, SessionEnded};
use crate::session_id::SessionId;

/// One ended session, as kept in the local history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The session's id.
    pub id: SessionId,
    /// The session it replaced.
    pub previous_id: Option<SessionId>,
    /// Start, wall-clock epoch ms.
    pub start_time_ms: i64,
    /// End, wall-clock epoch ms.
    pub end_time_ms: i64,
    /// Why it ended.
    pub reason: EndReason,
    /// Records it produced.
    pub record_count: u64,
    /// Records reported dropped.
    pub dropped_count: u64,
}

impl SessionRecord {
    pub(crate) fn from_ended(e: &SessionEnded) -> Self {
        SessionRecord {
            id: e.session.id,
            previous_id: e.session.previous_id,
            start_time_ms: e.session.start_time_ms,
            end_time_ms: e.end_time_ms,
            reason: e.reason,
            record_count: e.record_count,
            dropped_count: e.dropped_count,
        }
    }
}
