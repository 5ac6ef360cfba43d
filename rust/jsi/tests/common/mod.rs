//! Shared by the C ABI tests: turn-taking (the library is one instance per process), buffers,
//! and a platform HTTP transport registered through the C ABI as the Android/iOS glue and the
//! Linux host register theirs (`ots_set_transport`, answered on another thread through
//! `ots_transport_complete`), here over a plain HTTP client.
#![allow(dead_code)]

use std::ffi::c_void;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard};

use otel_sessions_jsi::*;
use otel_sessions_telemetry::{HttpOutcome, HttpRequest};

/// The library keeps one instance (and one transport) per process: tests take turns.
static SERIAL: Mutex<()> = Mutex::new(());

pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A library buffer's text; frees it.
pub fn take(buf: OtsBuf) -> String {
    let s = if buf.ptr.is_null() {
        String::new()
    } else {
        String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(buf.ptr, buf.len) })
            .into_owned()
    };
    unsafe { ots_buf_free(buf) };
    s
}

pub fn empty() -> OtsBuf {
    OtsBuf {
        ptr: std::ptr::null_mut(),
        len: 0,
    }
}

/// What the registered test transport does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// POST it for real, on a thread of its own, and report the outcome.
    Http = 0,
    /// Never answer (a platform that loses the callback).
    Silent = 1,
}

static MODE: AtomicU8 = AtomicU8::new(0);
/// Requests seen by the test transport, and the id of the last one.
pub static SENT: AtomicU64 = AtomicU64::new(0);
pub static LAST_ID: AtomicU64 = AtomicU64::new(0);
/// Contexts released by the library.
pub static RELEASED: AtomicU64 = AtomicU64::new(0);

fn bytes(ptr: *const u8, len: usize) -> Vec<u8> {
    if ptr.is_null() || len == 0 {
        Vec::new()
    } else {
        unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec()
    }
}

/// Copies the request, as the contract asks, then answers from another thread.
extern "C" fn send(_ctx: *mut c_void, r: *const OtsHttpRequest) {
    let r = unsafe { &*r };
    SENT.fetch_add(1, Ordering::SeqCst);
    LAST_ID.store(r.id, Ordering::SeqCst);
    let text = |p, n| String::from_utf8(bytes(p, n)).expect("UTF-8 from the library");
    let headers = (0..r.header_count)
        .map(|i| {
            let h = unsafe { &*r.headers.add(i) };
            (text(h.name, h.name_len), text(h.value, h.value_len))
        })
        .collect();
    let request = HttpRequest {
        url: text(r.url, r.url_len),
        headers,
        body: bytes(r.body, r.body_len),
        timeout: std::time::Duration::from_millis(u64::from(r.timeout_ms)),
    };
    let id = r.id;
    if MODE.load(Ordering::SeqCst) == Mode::Silent as u8 {
        return;
    }
    std::thread::spawn(move || {
        let (status, retry_after, body) = match otel_sessions_test_support::perform(&request) {
            HttpOutcome::Response {
                status,
                retry_after,
                body,
            } => (
                i32::from(status),
                retry_after.unwrap_or_default().into_bytes(),
                body,
            ),
            HttpOutcome::Failed { reason } => (0, Vec::new(), reason.into_bytes()),
        };
        unsafe {
            ots_transport_complete(
                id,
                status,
                retry_after.as_ptr(),
                retry_after.len(),
                body.as_ptr(),
                body.len(),
            );
        }
    });
}

extern "C" fn release(_ctx: *mut c_void) {
    RELEASED.fetch_add(1, Ordering::SeqCst);
}

/// Registers the test transport in `mode` (replacing any other).
pub fn install_transport(mode: Mode) {
    MODE.store(mode as u8, Ordering::SeqCst);
    assert_eq!(
        unsafe { ots_set_transport(Some(send), std::ptr::null_mut(), Some(release)) },
        OTS_OK
    );
}

/// Removes the registered transport.
pub fn remove_transport() {
    assert_eq!(
        unsafe { ots_set_transport(None, std::ptr::null_mut(), None) },
        OTS_OK
    );
}
