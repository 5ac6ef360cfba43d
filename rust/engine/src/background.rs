//! The exporter thread runs at the platform's priority for background work.
//!
//! Its work (reading the journal, encoding OTLP requests, gzip, the outbox) is the library's
//! heaviest and is durable before it starts, so it can wait; the app's JS and UI threads
//! cannot. At background priority the scheduler gives it the CPU the app's threads leave,
//! instead of an equal share: on this project's 2-core machines a flood of records had the JS
//! thread switched out for it. The library's other threads keep the priority of the thread
//! that started them, on purpose:
//! * the events worker and the state's writers (timer, syncer): app threads wait for them (a
//!   barrier before `end()`, the state file's locks), and a starved holder would make the app
//!   thread wait longer;
//! * the uploader: the platform's HTTP stack makes its own threads from it (OkHttp's
//!   dispatcher), and a new thread inherits its creator's nice value, which an app cannot
//!   lower again. So the exporter lowers itself only once it has started the uploader.
//!
//! * Linux and Android: nice 10, Android's `THREAD_PRIORITY_BACKGROUND`, set with `setpriority`
//!   on the thread's id (the part of `android.os.Process.setThreadPriority` that every Android
//!   version has; the library moves no thread between cgroups). Raising one's own nice needs no
//!   permission.
//! * iOS and macOS: the `QOS_CLASS_UTILITY` quality of service (work the user does not wait
//!   on; the system does not throttle its I/O as it does `BACKGROUND`'s).
//!
//! A thread already at that priority or lower is left as it is.

/// The nice value of Android's `THREAD_PRIORITY_BACKGROUND`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const BACKGROUND_NICE: i32 = 10;

/// Lowers the calling thread to background priority (see the module doc); one already there
/// or lower is left as it is. Best effort: where the system refuses, the thread keeps the
/// priority it had. Never call it on a thread that makes threads for others afterwards: they
/// inherit the priority.
pub fn lower_this_thread() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if this_thread_nice() < BACKGROUND_NICE {
        // SAFETY: a plain call on the calling thread's own id.
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS as _, this_thread_id(), BACKGROUND_NICE);
        }
    }
    #[cfg(target_vendor = "apple")]
    {
        extern "C" {
            // <pthread/qos.h>, iOS 8 and later. Declared returning the raw value: newer systems
            // have classes (MAINTENANCE) that libc's enum lacks.
            fn qos_class_self() -> u32;
        }
        const UNSPECIFIED: u32 = 0x00;
        // SAFETY: reads, then sets, the calling thread's own class.
        unsafe {
            let class = qos_class_self();
            let utility = libc::qos_class_t::QOS_CLASS_UTILITY as u32;
            if class == UNSPECIFIED || class > utility {
                libc::pthread_set_qos_class_self_np(libc::qos_class_t::QOS_CLASS_UTILITY, 0);
            }
        }
    }
}

/// The nice value of the calling thread (Linux and Android; -1 also when it cannot be read).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn this_thread_nice() -> i32 {
    // SAFETY: a plain call on the calling thread's own id. getpriority returns the nice value
    // itself (-20..19), so -1 is a value, not necessarily an error.
    unsafe { libc::getpriority(libc::PRIO_PROCESS as _, this_thread_id()) }
}

/// The calling thread's id, which `setpriority` and `getpriority` take for one thread.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn this_thread_id() -> libc::id_t {
    // SAFETY: gettid takes no argument and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as libc::id_t }
}

/// For tests: whether lowering a thread can show, which it cannot if this thread already runs
/// at background priority or lower (a CI runner under `nice`). Says so on stderr when not.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn lowering_is_observable() -> bool {
    let nice = this_thread_nice();
    if nice >= BACKGROUND_NICE {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: this process already runs at nice {nice}: lowering threads to {BACKGROUND_NICE} is not observable"
        );
        return false;
    }
    true
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    #[test]
    fn a_thread_lowers_itself_to_background_priority_and_its_spawner_keeps_its_own() {
        if !lowering_is_observable() {
            return;
        }
        let before = this_thread_nice();
        let (lowered, again, child) = std::thread::spawn(|| {
            lower_this_thread();
            let lowered = this_thread_nice();
            lower_this_thread(); // already there: left as it is
            let again = this_thread_nice();
            // A thread it starts inherits the priority (why the uploader starts first).
            let child = std::thread::spawn(this_thread_nice).join().unwrap();
            (lowered, again, child)
        })
        .join()
        .unwrap();
        assert_eq!(
            (lowered, again),
            (BACKGROUND_NICE, BACKGROUND_NICE),
            "the thread's nice"
        );
        assert_eq!(child, BACKGROUND_NICE, "inherited by a thread it starts");
        assert_eq!(
            this_thread_nice(),
            before,
            "the calling thread is unchanged"
        );
    }
}
