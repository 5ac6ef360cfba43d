//! A small OTLP/HTTP receiver on `127.0.0.1`, with fault injection, for the tests and the
//! demo of react-native-otel-sessions.
//!
//! It accepts real OTLP/HTTP exports (`POST /v1/traces`, `POST /v1/logs`; protobuf bodies,
//! gzip or identity), decodes them into flat records ([`SpanRecord`], [`LogRecord`]),
//! records every request it saw ([`ReceivedRequest`]), and answers either like a healthy
//! backend or according to queued [`Fault`]s: error statuses, `Retry-After`, delays,
//! connection resets, partial success. Plain `std::net` and threads; no async runtime.
//!
//! ```text
//!  exporter under test ──HTTP/1.1──► accept thread ──► one thread per connection
//!                                                        │ head ─► take next Fault
//!                                                        │ body ─► gunzip ─► prost decode
//!                                                        │ delay? ─► record ─► answer
//!                                                        ▼
//!  test / demo ◄── requests() · received() · wait_for() ── Store (records + accepted data)
//!              ──► push_faults() / set_default() ────────► fault queue
//! ```
//!
//! ```
//! use std::time::Duration;
//! use otlp_receiver::{Fault, Receiver};
//!
//! let receiver = Receiver::start()?;
//! receiver.push_faults([Fault::Status(503), Fault::Reset]); // then healthy
//! let endpoint = receiver.endpoint(); // "http://127.0.0.1:PORT": give it to the exporter
//! assert!(endpoint.starts_with("http://127.0.0.1:"));
//! // ... run the exporter, then:
//! let arrived = receiver.wait_for(|rx| rx.spans.len() >= 2, Duration::from_millis(10));
//! assert!(!arrived); // nothing was sent in this example
//! receiver.stop(); // the port is free again
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Limits: bodies above 64 MiB (on the wire or decompressed) get 413, heads above 64 KiB
//! get 431, silent sockets are closed after 30 s (see [`ReceiverConfig`]). Anything a
//! client sends, however broken, is answered or dropped, never a panic.
#![warn(missing_docs)]

mod config;
mod connection;
mod decode;
mod fault;
mod flatten;
mod http;
mod json;
mod model;
mod server;
mod store;

pub use config::{ReceiverConfig, DEFAULT_MAX_BODY_BYTES, DEFAULT_SOCKET_TIMEOUT};
pub use fault::Fault;
pub use json::{attr_json, attrs_json, received_json};
pub use model::{AttrValue, LogRecord, Received, ReceivedRequest, SpanEventRecord, SpanRecord};
pub use server::Receiver;
