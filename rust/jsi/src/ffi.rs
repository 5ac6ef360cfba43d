//! The C ABI (declared in `include/otel_sessions.h`): an opaque handle, UTF-8 JSON buffers,
//! numbers, and callbacks with a context pointer. Nothing here unwinds into C: every entry
//! point catches panics and returns `OTS_INTERNAL` (device builds unwind, so this works there
//! too: a bug in the library never takes the app down).
//!
//! ```text
//!  C++ host object ── ots_init / ots_call / ots_call_async / ots_subscribe ──► Binding (Arc)
//!  native lifecycle ── ots_app_foreground / ots_app_background / ots_set_platform_info ──► registry
//! ```

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Weak};

use otel_sessions_engine::{AppState, Session, SessionObserver, SubscriptionId};
use serde_json::Value;

use crate::binding::session_json;
use crate::call_error::{CallError, ErrorKind};
use crate::init_config::PlatformInfo;
use crate::js_value::{parse_args, parse_json};
use crate::starting::Starting;

/// Success.
pub const OTS_OK: i32 = 0;
/// Throw a `TypeError` with the message.
pub const OTS_TYPE_ERROR: i32 = ErrorKind::Type as i32;
/// Throw a `RangeError` with the message.
pub const OTS_RANGE_ERROR: i32 = ErrorKind::Range as i32;
/// Throw an `Error` with the message.
pub const OTS_ERROR: i32 = ErrorKind::Other as i32;
/// A bug in the library was caught (a panic); throw an `Error`.
pub const OTS_INTERNAL: i32 = 4;

/// A Rust-owned byte buffer; free with [`ots_buf_free`].
#[repr(C)]
pub struct OtsBuf {
    /// Start of the bytes (null when empty).
    pub ptr: *mut u8,
    /// Number of bytes.
    pub len: usize,
}

impl OtsBuf {
    fn from_vec(v: Vec<u8>) -> Self {
        if v.is_empty() {
            return OtsBuf {
                ptr: std::ptr::null_mut(),
                len: 0,
            };
        }
        let b = v.into_boxed_slice();
        let len = b.len();
        OtsBuf {
            ptr: Box::into_raw(b).cast(),
            len,
        }
    }
}

/// An initialised library as seen from C: one per JS runtime.
pub struct OtsHandle {
    library: Arc<Starting>,
    subscriptions: Mutex<Vec<(u64, SubscriptionId, Arc<Listener>)>>,
}

/// Called with a UTF-8 JSON payload; may run on any thread.
pub type OtsListenerFn = extern "C" fn(ctx: *mut c_void, data: *const u8, len: usize);
/// Called once when a listener's context is no longer used.
pub type OtsReleaseFn = extern "C" fn(ctx: *mut c_void);
/// Settles an asynchronous call: status as for [`ots_call`], payload = result JSON or message.
pub type OtsDoneFn = extern "C" fn(ctx: *mut c_void, status: i32, data: *const u8, len: usize);

static ACTIVE: Mutex<Option<Weak<Starting>>> = Mutex::new(None);
static PLATFORM: Mutex<Option<PlatformInfo>> = Mutex::new(None);
static APP_STATE: AtomicU8 = AtomicU8::new(0);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The running (or starting) library; one that failed to start is not running.
fn active() -> Option<Arc<Starting>> {
    lock(&ACTIVE)
        .as_ref()
        .and_then(Weak::upgrade)
        .filter(|s| !s.failed())
}

fn launch_state() -> AppState {
    if APP_STATE.load(Ordering::SeqCst) == 1 {
        AppState::Background
    } else {
        AppState::Foreground
    }
}

fn guard(f: impl FnOnce() -> i32) -> i32 {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(OTS_INTERNAL)
}

/// # Safety
/// `ptr` must be valid for reads of `len` bytes (or `len` must be 0).
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: the caller promises `ptr` is valid for `len` bytes.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// # Safety
/// `out` must be null or valid for a write.
unsafe fn put(out: *mut OtsBuf, data: Vec<u8>) {
    if !out.is_null() {
        // SAFETY: the caller promises `out` is valid for a write.
        unsafe { out.write(OtsBuf::from_vec(data)) };
    }
}

fn fail(out: *mut OtsBuf, e: &CallError) -> i32 {
    // SAFETY: forwarded from the entry point's own contract on `out`.
    unsafe { put(out, e.message.clone().into_bytes()) };
    e.kind as i32
}

fn method_name(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("(invalid method name)")
}

/// Starts the library (`Sessions.init`). `config` is the JSON of the config object.
/// On success `*out` receives a handle (release it with [`ots_release`]); on failure `*err`
/// receives the message. The config is always checked; a second valid init while the library
/// runs returns a new handle to the running instance (its first configuration stays in force).
/// It returns once the config is checked and the storage directory locked (another process
/// holding it fails here); the rest of the start runs on a thread of its own, and the first
/// call that needs it waits for it (see [`Starting`]). A start that fails there fails every
/// later call with its message, and the next `ots_init` starts afresh.
///
/// # Safety
/// Pointers must be valid for their lengths; `out` and `err` valid for writes.
#[no_mangle]
pub unsafe extern "C" fn ots_init(
    config: *const u8,
    len: usize,
    out: *mut *mut OtsHandle,
    err: *mut OtsBuf,
) -> i32 {
    guard(|| {
        // SAFETY: the caller's contract.
        let config = match parse_json("init", unsafe { bytes(config, len) }) {
            Ok(v) => v,
            Err(e) => return fail(err, &e),
        };
        // Every config is checked, also when the library already runs.
        let platform = lock(&PLATFORM).clone().unwrap_or_default();
        let checked = match crate::init_config::parse(&config, &platform) {
            Ok(c) => c,
            Err(e) => return fail(err, &e),
        };
        let library = match active() {
            Some(b) => b,
            None => match Starting::begin(checked, launch_state()) {
                Ok(b) => {
                    *lock(&ACTIVE) = Some(Arc::downgrade(&b));
                    b
                }
                Err(e) => return fail(err, &e),
            },
        };
        let handle = Box::new(OtsHandle {
            library,
            subscriptions: Mutex::new(Vec::new()),
        });
        if !out.is_null() {
            // SAFETY: the caller's contract.
            unsafe { out.write(Box::into_raw(handle)) };
        }
        OTS_OK
    })
}

/// Runs a synchronous method. `args` is a JSON array of the JS arguments. On success
/// `*result` receives the JSON result; otherwise the status says which JS error to throw
/// and `*result` holds its message.
///
/// # Safety
/// `h` must come from [`ots_init`] and not be released; pointers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn ots_call(
    h: *const OtsHandle,
    method: *const u8,
    method_len: usize,
    args: *const u8,
    args_len: usize,
    result: *mut OtsBuf,
) -> i32 {
    guard(|| {
        // SAFETY: the caller's contract.
        let (h, method, args) = unsafe {
            (
                h.as_ref(),
                method_name(bytes(method, method_len)),
                bytes(args, args_len),
            )
        };
        let Some(h) = h else {
            return fail(result, &CallError::other(method, "called before init"));
        };
        let outcome = h.library.binding(method).and_then(|b| {
            if method == "recordEvents" {
                b.enqueue_events(args) // parsed by the event worker, off this thread
            } else {
                parse_args(method, args).and_then(|a| b.call(method, &a))
            }
        });
        match outcome {
            Ok(v) => {
                // SAFETY: the caller's contract.
                unsafe { put(result, serde_json::to_vec(&v).unwrap_or_default()) };
                OTS_OK
            }
            Err(e) => fail(result, &e),
        }
    })
}

struct SendPtr(*mut c_void);
// SAFETY: the C caller promises the context may be used from any thread (the C++ adapter
// only schedules work onto the JS thread with it).
unsafe impl Send for SendPtr {}
// SAFETY: as above; the listener is invoked under a mutex, never concurrently.
unsafe impl Sync for SendPtr {}

/// Runs an asynchronous method (`flush`, `clearAllData`). `done(ctx, status, data, len)` is
/// called exactly once, from another thread (or at once for a bad argument).
///
/// # Safety
/// As for [`ots_call`]; `ctx` must stay valid until `done` is called.
#[no_mangle]
pub unsafe extern "C" fn ots_call_async(
    h: *const OtsHandle,
    method: *const u8,
    method_len: usize,
    args: *const u8,
    args_len: usize,
    done: OtsDoneFn,
    ctx: *mut c_void,
) -> i32 {
    let ctx = SendPtr(ctx);
    guard(move || {
        let settle = move |r: Result<Value, CallError>| {
            let (status, data) = match r {
                Ok(v) => (OTS_OK, serde_json::to_vec(&v).unwrap_or_default()),
                Err(e) => (e.kind as i32, e.message.into_bytes()),
            };
            let ctx = ctx;
            done(ctx.0, status, data.as_ptr(), data.len());
        };
        // SAFETY: the caller's contract.
        let (h, method, args) = unsafe {
            (
                h.as_ref(),
                method_name(bytes(method, method_len)),
                bytes(args, args_len),
            )
        };
        let Some(h) = h else {
            settle(Err(CallError::other(method, "called before init")));
            return OTS_OK;
        };
        let work = h
            .library
            .binding(method)
            .and_then(|b| b.prepare_async(method, args));
        match work {
            Err(e) => settle(Err(e)),
            Ok(work) => {
                // Kept reachable so that a refused thread still settles the promise.
                let job = Arc::new(Mutex::new(Some((work, settle))));
                let in_thread = job.clone();
                let spawned = std::thread::Builder::new()
                    .name("rn-otel-async".into())
                    .spawn(move || {
                        if let Some((work, settle)) = lock(&in_thread).take() {
                            settle(catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| {
                                Err(CallError::other("async", "internal error"))
                            }));
                        }
                    });
                if spawned.is_err() {
                    if let Some((_, settle)) = lock(&job).take() {
                        settle(Err(CallError::other(
                            method,
                            "cannot start a thread; try again",
                        )));
                    }
                }
            }
        }
        OTS_OK
    })
}

/// A C listener, invoked under a mutex so it is never called after its release.
struct Listener {
    slot: Mutex<Option<(OtsListenerFn, SendPtr, Option<OtsReleaseFn>)>>,
}

impl Listener {
    fn invoke(&self, payload: &[u8]) {
        if let Some((f, ctx, _)) = lock(&self.slot).as_ref() {
            f(ctx.0, payload.as_ptr(), payload.len());
        }
    }

    fn release(&self) {
        let taken = lock(&self.slot).take();
        if let Some((_, ctx, Some(release))) = taken {
            release(ctx.0);
        }
    }
}

struct ListenerObserver(Arc<Listener>);

impl SessionObserver for ListenerObserver {
    fn on_session_changed(&self, current: &Arc<Session>, previous: Option<&Arc<Session>>) {
        // `previous` is the previous session on a rotation, or this session's older snapshot.
        let payload = serde_json::json!({
            "session": session_json(current),
            "previous": previous.map(|p| session_json(p)),
        });
        self.0
            .invoke(&serde_json::to_vec(&payload).unwrap_or_default());
    }
}

/// Subscribes `listener` to session changes; `*out_id` receives the subscription id.
/// `release(ctx)`, if given, is called once after the last call of `listener` (on
/// [`ots_unsubscribe`] or [`ots_release`]). The listener must not call back into this
/// library synchronously. Waits for a library still starting; fails, releasing nothing (the
/// caller keeps `ctx`), without a handle or when the start failed.
///
/// # Safety
/// `h` from [`ots_init`]; `ctx` valid until released; `out_id` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ots_subscribe(
    h: *const OtsHandle,
    listener: OtsListenerFn,
    ctx: *mut c_void,
    release: Option<OtsReleaseFn>,
    out_id: *mut u64,
) -> i32 {
    let ctx = SendPtr(ctx);
    guard(move || {
        // SAFETY: the caller's contract.
        let Some(h) = (unsafe { h.as_ref() }) else {
            return OTS_ERROR;
        };
        // On an error the caller still owns `ctx` (nothing is released).
        let b = match h.library.binding("subscribe") {
            Ok(b) => b,
            Err(e) => return e.kind as i32,
        };
        let l = Arc::new(Listener {
            slot: Mutex::new(Some((listener, ctx, release))),
        });
        let sub = b.subscribe(Arc::new(ListenerObserver(l.clone())));
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        lock(&h.subscriptions).push((id, sub, l));
        if !out_id.is_null() {
            // SAFETY: the caller's contract.
            unsafe { out_id.write(id) };
        }
        OTS_OK
    })
}

/// Ends a subscription; its context is released. Unknown ids are ignored.
///
/// # Safety
/// `h` from [`ots_init`], not released.
#[no_mangle]
pub unsafe extern "C" fn ots_unsubscribe(h: *const OtsHandle, id: u64) -> i32 {
    guard(|| {
        // SAFETY: the caller's contract.
        let Some(h) = (unsafe { h.as_ref() }) else {
            return OTS_ERROR;
        };
        let found = {
            let mut subs = lock(&h.subscriptions);
            subs.iter()
                .position(|(i, _, _)| *i == id)
                .map(|p| subs.remove(p))
        };
        if let Some((_, sub, l)) = found {
            // A subscription exists only on a started library.
            if let Ok(b) = h.library.binding("unsubscribe") {
                b.engine().unsubscribe(sub);
            }
            l.release();
        }
        OTS_OK
    })
}

/// Releases a handle (the JS runtime is going away): its listeners are released; the
/// library shuts down (state saved, memory written to disk) when the last handle goes.
///
/// # Safety
/// `h` from [`ots_init`]; not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn ots_release(h: *mut OtsHandle) {
    guard(|| {
        if h.is_null() {
            return OTS_OK;
        }
        // SAFETY: the caller gives the handle back exactly once.
        let h = unsafe { Box::from_raw(h) };
        let subs = std::mem::take(&mut *lock(&h.subscriptions));
        for (_, sub, l) in subs {
            if let Ok(b) = h.library.binding("release") {
                b.engine().unsubscribe(sub);
            }
            l.release();
        }
        OTS_OK
    });
}

/// Frees a buffer the library returned.
///
/// # Safety
/// `buf` must come from this library and be freed once.
#[no_mangle]
pub unsafe extern "C" fn ots_buf_free(buf: OtsBuf) {
    if !buf.ptr.is_null() {
        // SAFETY: built by `OtsBuf::from_vec` from a boxed slice of exactly `len` bytes.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(buf.ptr, buf.len)) });
    }
}

/// The app came to the foreground (native lifecycle). Before init, remembered for init;
/// during the start that follows `init`, applied once it has ended (this call waits for it).
#[no_mangle]
pub extern "C" fn ots_app_foreground() {
    set_app_state(AppState::Foreground);
}

/// The app went to the background (native lifecycle): state saved, memory written to disk.
/// As [`ots_app_foreground`] before init and during the start.
#[no_mangle]
pub extern "C" fn ots_app_background() {
    set_app_state(AppState::Background);
}

fn set_app_state(state: AppState) {
    guard(|| {
        APP_STATE.store(u8::from(state == AppState::Background), Ordering::SeqCst);
        // A library still starting is waited for (it starts in the state `init` saw), so
        // that the change applies after the start, in order.
        if let Some(b) = active()
            .as_deref()
            .and_then(|s| s.binding("lifecycle").ok())
        {
            match state {
                AppState::Foreground => b.telemetry().foreground(),
                AppState::Background => b.telemetry().background(),
            }
        }
        OTS_OK
    });
}

/// Platform facts, before init: `{"storageDir": "...", "resource": {"os.version": "14", ...}}`.
/// On a bad payload `*err` receives the message.
///
/// # Safety
/// Pointers valid for their lengths; `err` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn ots_set_platform_info(
    json: *const u8,
    len: usize,
    err: *mut OtsBuf,
) -> i32 {
    guard(|| {
        // SAFETY: the caller's contract.
        let v = match parse_json("setPlatformInfo", unsafe { bytes(json, len) }) {
            Ok(v) => v,
            Err(e) => return fail(err, &e),
        };
        let storage_dir = v.get("storageDir").and_then(Value::as_str).map(Into::into);
        let resource = match crate::js_value::attributes(
            "setPlatformInfo",
            "resource",
            v.get("resource").unwrap_or(&Value::Null),
        ) {
            Ok(r) => r,
            Err(e) => return fail(err, &e),
        };
        *lock(&PLATFORM) = Some(PlatformInfo {
            storage_dir,
            resource,
        });
        OTS_OK
    })
}

/// Registers the platform's HTTP transport, process-wide, before or after init; a later call
/// replaces it (the old `ctx` is released once no call uses it), `send` = null removes it.
/// See the contract in `otel_sessions.h`.
///
/// # Safety
/// `send` must follow the contract; `ctx` must stay valid until `release(ctx)` is called.
#[no_mangle]
pub unsafe extern "C" fn ots_set_transport(
    send: Option<crate::platform_transport::OtsSendFn>,
    ctx: *mut c_void,
    release: Option<OtsReleaseFn>,
) -> i32 {
    let ctx = SendPtr(ctx);
    guard(move || {
        let ctx = ctx;
        crate::platform_transport::register(send, ctx.0, release);
        OTS_OK
    })
}

/// Reports the outcome of request `id` (see `otel_sessions.h`): `status` 100..=599 with the
/// raw `Retry-After` value and the response body, or 0 when no response arrived (then `body`
/// may hold the platform's error text). Returns [`OTS_OK`]; [`OTS_ERROR`] for an unknown, timed
/// out or already completed id (ignored); [`OTS_RANGE_ERROR`] for a status outside those
/// ranges (the request then counts as a connection failure). Any thread.
///
/// # Safety
/// Pointers must be valid for their lengths (or null with length 0).
#[no_mangle]
pub unsafe extern "C" fn ots_transport_complete(
    id: u64,
    status: i32,
    retry_after: *const u8,
    retry_after_len: usize,
    body: *const u8,
    body_len: usize,
) -> i32 {
    guard(|| {
        // SAFETY: the caller's contract.
        let (retry_after, body) =
            unsafe { (bytes(retry_after, retry_after_len), bytes(body, body_len)) };
        match crate::platform_transport::complete(id, status, retry_after, body) {
            Ok(()) => OTS_OK,
            Err(crate::platform_transport::CompleteError::Unknown) => OTS_ERROR,
            Err(crate::platform_transport::CompleteError::BadStatus) => OTS_RANGE_ERROR,
        }
    })
}
