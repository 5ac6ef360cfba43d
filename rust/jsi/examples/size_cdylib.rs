//! The library as an app links it, for `npm run size` and `npm run bench`: a shared library
//! exporting only the C ABI (`ots_*`), built with the release profile and stripped. Its size is
//! what the Rust side adds to an app on this target (mobile targets cannot be built here).
pub use otel_sessions_jsi::*;
