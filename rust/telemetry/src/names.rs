//! Attribute and event names this crate writes. Semantic-convention names where one exists;
//! everything else lives in the project namespace `rn_otel_sessions.` (never `session.*`).

/// `session.id` (semantic conventions).
pub const SESSION_ID: &str = "session.id";
/// `session.previous_id` (semantic conventions), on `session.start`.
pub const SESSION_PREVIOUS_ID: &str = "session.previous_id";
/// Event name of a session start (semantic conventions).
pub const EVENT_SESSION_START: &str = "session.start";
/// Event name of a session end (semantic conventions).
pub const EVENT_SESSION_END: &str = "session.end";

/// The record's gap-free sequence number within its session (1, 2, …).
pub const SEQ: &str = "rn_otel_sessions.seq";
/// On `session.end`: why the session ended (`background_timeout`, `manual`, …).
pub const END_REASON: &str = "rn_otel_sessions.end_reason";
/// On `session.end`: the session's length in milliseconds.
pub const DURATION_MS: &str = "rn_otel_sessions.duration_ms";
/// On `session.end`: how many records the session produced (its last `seq`).
pub const RECORD_COUNT: &str = "rn_otel_sessions.record_count";
/// On `session.end`: how many of the session's records were dropped before export.
pub const DROPPED_COUNT: &str = "rn_otel_sessions.dropped_count";
/// On `session.start` / `session.end` delivered again after a crash (at-least-once).
pub const REPLAYED: &str = "rn_otel_sessions.replayed";
/// On every `session.end`: outbox files evicted by the byte or age cap since the last report.
pub const OUTBOX_EVICTED_FILES: &str = "rn_otel_sessions.outbox.evicted_files";
/// On every `session.end`: requests the backend refused for good (non-retryable) since the last report.
pub const OUTBOX_REJECTED_REQUESTS: &str = "rn_otel_sessions.outbox.rejected_requests";
/// The hashed user id (semantic conventions `user.hash`), set by `set_user`.
pub const USER_HASH: &str = "user.hash";
/// On error events: the error's type, message and stack (semantic conventions `exception.*`).
pub const EXCEPTION_TYPE: &str = "exception.type";
/// See [`EXCEPTION_TYPE`].
pub const EXCEPTION_MESSAGE: &str = "exception.message";
/// See [`EXCEPTION_TYPE`].
pub const EXCEPTION_STACKTRACE: &str = "exception.stacktrace";
/// Event name of a recorded error.
pub const EVENT_EXCEPTION: &str = "exception";
