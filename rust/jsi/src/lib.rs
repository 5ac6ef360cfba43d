//! The binding layer of react-native-otel-sessions: the methods JavaScript calls, behind a
//! plain C ABI that the thin C++ JSI host object (compiled by the app's own build against
//! the app's React Native headers) and the native lifecycle glue call.
//!
//! ```text
//!  JS ─► C++ jsi::HostObject (cpp/) ─ JSON args ─► ots_call ─► Binding::call ─► engine / telemetry
//!                                   ◄─ JSON result or (error kind, message) ─┘
//!  Rust threads ─► ots_subscribe listener(ctx, json) ─► C++ CallInvoker ─► JS thread
//!  Android/iOS lifecycle ─► ots_app_foreground / ots_app_background
//!  uploader ─► OtsSendFn (OkHttp / NSURLSession / libcurl) ─► ots_transport_complete
//! ```
//!
//! Why a C ABI and not C++ from cargo: C++ that touches JSI types must be built by the same
//! compiler and C++ standard library as React Native in the app; see `../shared/DESIGN.md`.
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

mod binding;
mod call_error;
mod event_batch_json;
mod event_queue;
mod ffi;
mod init_config;
mod js_records;
mod js_value;
mod platform_transport;
mod starting;

pub use binding::{session_json, Binding, ASYNC_METHODS};
pub use call_error::{CallError, ErrorKind};
pub use ffi::*;
pub use init_config::{parse as parse_init_config, InitConfig, PlatformInfo};
pub use platform_transport::{OtsHttpHeader, OtsHttpRequest, OtsSendFn, PlatformTransport};
pub use starting::Starting;
