//! The library's own threads run at the platform's priority for background work.
//!
//! Their work (recording handed-over events, exporting the journal, uploading, fsyncs, the
//! session timer) is durable before it starts, so it can wait; the app's JS and UI threads
//! cannot. At background priority the scheduler gives them the CPU only when the app's threads
//! leave it, instead of an equal share: on a phone's cores busy with the app, and on this
//! project's 2-core machines, where a flood of records otherwise had the JS thread switched out.
//!
//! * Linux and Android: nice 10, Android's `THREAD_PRIORITY_BACKGROUND`, set with `setpriority`
//!   on the thread's id (the part of `android.os.Process.setThreadPriority` that every Android
//!   version has; the library moves no thread between cgroups). Raising one's own nice needs no
//!   permission; a thread already nicer is left as it is.
//! * iOS and macOS: the `QOS_CLASS_UTILITY` quality of service (work the user does not wait
//!   on, with progress; the system does not throttle its I/O as it does `BACKGROUND`'s).
//!
//! A thread waiting for one of these (a barrier before `end()`, a flush) leaves its core to it:
//! a lower priority delays them only while the app's own threads keep every core busy.

use std::io;
use std::thread::JoinHandle;

/// The nice value of Android's `THREAD_PRIORITY_BACKGROUND`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const BACKGROUND_NICE: i32 = 10;

/// Starts a thread of the library named `name`, at background priority (see the module doc).
/// Fails only if the system refuses a thread, as [`std::thread::Builder::spawn`] does.
///
/// `name` is at most 15 bytes: Linux and Android keep no more (what `top -H`, `perf` and
/// Android's profilers show), so the library's threads are told apart within them.
pub fn spawn<F, T>(name: &str, f: F) -> io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    debug_assert!(name.len() <= 15, "thread name '{name}' is over 15 bytes");
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            lower_this_thread();
            f()
        })
}

/// Lowers the calling thread to background priority; one already lower is left as it is.
/// Best effort: where the system refuses, the thread keeps the priority it had.
pub fn lower_this_thread() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if this_thread_nice() < BACKGROUND_NICE {
        // SAFETY: a plain call on the calling thread's own id.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS as _, tid, BACKGROUND_NICE);
        }
    }
    #[cfg(target_vendor = "apple")]
    // SAFETY: sets the calling thread's own class.
    unsafe {
        libc::pthread_set_qos_class_self_np(libc::qos_class_t::QOS_CLASS_UTILITY, 0);
    }
}

/// The nice value of the calling thread (Linux and Android; -1 also when it cannot be read).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn this_thread_nice() -> i32 {
    // SAFETY: plain calls on the calling thread's own id. getpriority returns the nice value
    // itself (-20..19), so -1 is a value, not necessarily an error.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::getpriority(libc::PRIO_PROCESS as _, tid)
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    #[test]
    fn a_spawned_thread_runs_at_background_priority_and_its_spawner_keeps_its_own() {
        let before = this_thread_nice();
        let inside = spawn("rn-otel-test", this_thread_nice)
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(inside, BACKGROUND_NICE.max(before), "the new thread's nice");
        assert_eq!(
            this_thread_nice(),
            before,
            "the calling thread is unchanged"
        );
    }
}
