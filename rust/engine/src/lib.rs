//! The session engine of react-native-otel-sessions: when sessions start and end, what
//! they carry, and how they survive restarts. It knows nothing of JSI, OpenTelemetry or
//! mobile platforms; those layers call it and observe it.
//!
//! # States of the current session
//!
//! ```text
//!              build() (first launch, or stored session not resumable)
//!                 │
//!                 ▼            activity (foreground, touch, record)
//!   ┌────────► ACTIVE ◄──────────────────────────────────────────┐
//!   │             │                                              │
//!   │  end()      │ expiry: background timeout │ inactivity │    │
//!   │  (manual)   │ max duration — by timer or on any call       │
//!   │             ▼                                              │
//!   │    session.end(A) ──► PENDING B (id known, previous_id = A,│
//!   │             │          no session.start yet) ──────────────┘
//!   └─ session.end(A), session.start(B) at once
//!
//!   launch with a stored ACTIVE session:
//!     expired while the old process lived  → end with that reason
//!     process died in the foreground       → end with abnormal_termination
//!     expired since, by the policy         → end with that reason
//!     resume switched off                  → end with relaunch
//!     otherwise                            → resume (same id, no events)
//!   launch with a stored PENDING session   → it starts
//! ```
//!
//! A pending successor exists so that an idle app in the background does not produce an
//! empty session every background timeout: the next session starts with the next activity.
//!
//! # Guarantees
//! * Always exactly one current session; ids are random (v4) UUIDs from the `uuid` crate in simple
//!   form: 32 lowercase hex characters, 122 random bits from the OS CSPRNG.
//! * Every delivered `session.start` is followed by exactly one `session.end`, in this
//!   process or, after a kill or crash, at the next launch; `session.end` comes before the
//!   next `session.start`.
//! * Durations use a monotonic clock that counts deep sleep; a wall-clock change neither
//!   ends nor extends a session. Across reboots the wall clock is used, clamped at zero.
//!
//! # Example
//! ```
//! use otel_sessions_engine::{Engine, AttributeValue};
//! let dir = tempfile::tempdir().unwrap();
//! let engine = Engine::builder(dir.path()).build().unwrap();
//! let first = engine.current();
//! engine.set_attribute("app.screen", AttributeValue::String("home".into())).unwrap();
//! let second = engine.end();
//! assert_eq!(second.previous_id, Some(first.id));
//! engine.shutdown();
//! ```
#![warn(missing_docs)]

mod app_state;
mod attributes;
pub mod background;
mod clock;
mod codec;
pub mod contain;
mod diagnostics;
pub mod durability;
mod engine;
mod error;
mod events;
pub mod files;
mod history;
mod machine;
mod notifier;
mod policy;
mod save_asks;
mod session;
mod session_id;
mod storage_lock;
mod store;
mod timer;

pub use app_state::AppState;
pub use attributes::{
    validate as validate_attribute, validate_key, AttributeError, AttributeValue, Attributes,
    MAX_ARRAY_LEN, MAX_ATTRIBUTES, MAX_KEY_BYTES, MAX_VALUE_BYTES, PROJECT_NAMESPACE,
    RESERVED_PREFIXES,
};
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use diagnostics::{Diagnostics, LaunchOutcome};
pub use engine::{Engine, EngineBuilder, RecordStamp, DEFAULT_PERSIST_INTERVAL};
pub use error::EngineError;
pub use events::{EndReason, SessionEnded, SessionObserver, SessionStarted};
pub use history::SessionRecord;
pub use notifier::SubscriptionId;
pub use policy::{
    PolicyError, SessionPolicy, SessionPolicyBuilder, MAX_HISTORY_LIMIT, MAX_POLICY_DURATION,
};
pub use session::Session;
pub use session_id::SessionId;
pub use storage_lock::{StorageLock, LOCK_FILE};
