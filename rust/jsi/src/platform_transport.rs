//! The platform HTTP transport behind the C ABI (`ots_set_transport`,
//! `ots_transport_complete`; contract in `include/otel_sessions.h`).
//!
//! ```text
//!  uploader ─► PlatformTransport::send ─► id → PENDING ─► OtsSendFn(ctx, &OtsHttpRequest)   (platform copies, returns)
//!  platform thread ─► ots_transport_complete(id, status, retry_after, body) ─► PENDING[id].complete()
//! ```
//!
//! One process-wide transport, registered by the platform glue (OkHttp on Android,
//! NSURLSession on iOS, libcurl in the Linux JSI host) before or after init. Until one is
//! registered, requests fail with a reason that `flush()` reports, and stay queued on disk.

use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use otel_sessions_telemetry::{Completion, HttpOutcome, HttpRequest, Transport};

use crate::ffi::OtsReleaseFn;

/// One header of a request: pointers valid only during the `send` call.
#[repr(C)]
pub struct OtsHttpHeader {
    /// The name (an ASCII token).
    pub name: *const u8,
    /// Its length in bytes.
    pub name_len: usize,
    /// The value (UTF-8, no CR or LF).
    pub value: *const u8,
    /// Its length in bytes.
    pub value_len: usize,
}

/// One POST for the platform: pointers valid only during the `send` call (copy them).
#[repr(C)]
pub struct OtsHttpRequest {
    /// Pass back to [`crate::ots_transport_complete`].
    pub id: u64,
    /// Absolute URL, UTF-8.
    pub url: *const u8,
    /// Its length in bytes.
    pub url_len: usize,
    /// The headers to send.
    pub headers: *const OtsHttpHeader,
    /// How many.
    pub header_count: usize,
    /// The body, sent as it is.
    pub body: *const u8,
    /// Its length in bytes.
    pub body_len: usize,
    /// For the whole call.
    pub timeout_ms: u32,
}

/// Performs one POST asynchronously (see the header's contract).
pub type OtsSendFn = extern "C" fn(ctx: *mut c_void, request: *const OtsHttpRequest);

/// A registered C transport. Its context is released when the last user drops it.
struct Registered {
    send: OtsSendFn,
    ctx: *mut c_void,
    release: Option<OtsReleaseFn>,
}

// SAFETY: the header's contract says `send` may be called from the library's thread and the
// context stays valid until released; the platform's code is written for that.
unsafe impl Send for Registered {}
// SAFETY: as above; `send` is called concurrently only if the platform allows (one request at
// a time in practice).
unsafe impl Sync for Registered {}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            release(self.ctx);
        }
    }
}

static REGISTERED: Mutex<Option<Arc<Registered>>> = Mutex::new(None);
static PENDING: Mutex<Option<HashMap<u64, Completion>>> = Mutex::new(None);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Registers (or with `send` = `None`, removes) the platform transport. The previous one's
/// context is released once no call uses it.
pub(crate) fn register(send: Option<OtsSendFn>, ctx: *mut c_void, release: Option<OtsReleaseFn>) {
    let new = send.map(|send| Arc::new(Registered { send, ctx, release }));
    let old = std::mem::replace(&mut *lock(&REGISTERED), new);
    drop(old); // outside the lock: a release callback may take its own locks
}

/// Why [`complete`] refused an outcome.
pub(crate) enum CompleteError {
    /// Unknown id, timed out, or completed already: ignored.
    Unknown,
    /// A status outside 0 and 100..=599: the request is completed as a failure.
    BadStatus,
}

/// Delivers a platform's outcome for `id`.
pub(crate) fn complete(
    id: u64,
    status: i32,
    retry_after: &[u8],
    body: &[u8],
) -> Result<(), CompleteError> {
    let Some(done) = lock(&PENDING).as_mut().and_then(|p| p.remove(&id)) else {
        return Err(CompleteError::Unknown);
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (outcome, result) = match status {
        0 => (
            HttpOutcome::Failed {
                reason: if body.is_empty() {
                    "the platform reported no response".to_owned()
                } else {
                    text(body)
                },
            },
            Ok(()),
        ),
        100..=599 => (
            HttpOutcome::Response {
                status: status as u16,
                retry_after: (!retry_after.is_empty()).then(|| text(retry_after)),
                body: body[..body.len().min(otel_sessions_telemetry::MAX_RESPONSE_BYTES)].to_vec(),
            },
            Ok(()),
        ),
        _ => (
            HttpOutcome::Failed {
                reason: format!("the platform reported an impossible HTTP status {status}"),
            },
            Err(CompleteError::BadStatus),
        ),
    };
    if done.complete(outcome) {
        result
    } else {
        Err(CompleteError::Unknown) // the uploader stopped waiting: timed out or shut down
    }
}

/// The [`Transport`] the binding hands to telemetry: whatever the platform registered.
#[derive(Debug, Default)]
pub struct PlatformTransport;

impl Transport for PlatformTransport {
    fn send(&self, request: HttpRequest, done: Completion) {
        let Some(registered) = lock(&REGISTERED).clone() else {
            done.complete(HttpOutcome::Failed {
                reason: "no platform HTTP transport is registered (the native module registers one with ots_set_transport; rebuild the app)".into(),
            });
            return;
        };
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        {
            let mut pending = lock(&PENDING);
            let map = pending.get_or_insert_with(HashMap::new);
            // Requests the uploader gave up on and the platform never answered.
            map.retain(|_, c| !c.is_abandoned());
            map.insert(id, done);
        }
        let headers: Vec<OtsHttpHeader> = request
            .headers
            .iter()
            .map(|(k, v)| OtsHttpHeader {
                name: k.as_ptr(),
                name_len: k.len(),
                value: v.as_ptr(),
                value_len: v.len(),
            })
            .collect();
        let c_request = OtsHttpRequest {
            id,
            url: request.url.as_ptr(),
            url_len: request.url.len(),
            headers: headers.as_ptr(),
            header_count: headers.len(),
            body: request.body.as_ptr(),
            body_len: request.body.len(),
            timeout_ms: u32::try_from(request.timeout.as_millis()).unwrap_or(u32::MAX),
        };
        // The buffers outlive the call, as the contract requires; the platform copies them.
        (registered.send)(registered.ctx, &c_request);
    }
}
