//! The telemetry layer of react-native-otel-sessions: OpenTelemetry providers whose records
//! carry the session, `session.start` / `session.end` events, and delivery that survives
//! crashes, kills and offline periods. It knows nothing of JSI.
//!
//! ```text
//!  app spans/logs ─► SessionSpan/LogProcessor (stamp session.id, seq, attributes; activity)
//!                      └─► sampling gate ─► Batch*Processor (own thread, ≤ 1 s)
//!                            └─► OTLP exporter (protobuf, gzip) ─► OutboxClient
//!  engine ─► session.start / session.end events ─┘          engine.write_state(); file; fsync
//!                                                               │
//!  uploader thread ◄── outbox/ (bounded: 10 MB, 18 h) ◄─────────┘
//!     └─► Transport (the platform's HTTP stack: OkHttp, NSURLSession; a plain client in tests)
//!         POST {endpoint}/v1/traces|logs; retry 429/502/503/504/no response with backoff +
//!         jitter, Retry-After honoured; other statuses dropped and counted
//! ```
//!
//! Delivery is at least once: a record may be sent twice after a crash, never lost while
//! under the caps and with consent.
#![warn(missing_docs)]

mod budget;
mod config;
mod consent;
mod convert;
mod error;
mod event_batch;
mod exporter;
mod gate;
mod ingest;
mod intern;
mod journal;
pub mod names;
mod otlp;
mod outbox;
mod processors;
mod resource;
mod retry;
mod session_events;
mod shared;
mod stamp_cache;
mod telemetry;
mod transport;
mod unreadable;
mod uploader;
mod user_hash;

pub use config::{TelemetryConfig, DEFAULT_MAX_QUEUE_AGE, DEFAULT_MAX_QUEUE_BYTES};
pub use consent::Consent;
pub use error::TelemetryError;
pub use event_batch::{EventBatch, EventValue};
pub use ingest::ForeignLog;
pub use intern::MAX_EVENT_NAMES;
pub use processors::{SessionLogProcessor, SessionSpanProcessor};
pub use resource::SCHEMA_URL;
pub use telemetry::{DeliveryStats, Telemetry, MAX_EVENT_NAME_BYTES, SCOPE_NAME};
pub use transport::{
    answer_deadline, Completion, HttpOutcome, HttpRequest, Transport, GRACE, MAX_RESPONSE_BYTES,
};
