//! Test support shared by the crates of react-native-otel-sessions. Only tests depend on it.
//!
//! * [`child`]: run one `#[ignore]`d test of the current test binary as a child process, the
//!   way the kill and lock tests make real processes to kill. Under an emulator (qemu-user for
//!   ARM runs) the child is started through the same runner as the test binary.
//! * [`skip_when_emulated`]: skip a test that cannot work under an emulator, saying why.
//! * [`wait_until`]: poll a condition with a generous deadline instead of sleeping a guess.
//! * `HttpTransport` (feature `http`): the telemetry layer's transport over plain HTTP.
#![warn(missing_docs)]

#[cfg(feature = "http")]
mod http_transport;
#[cfg(feature = "http")]
pub use http_transport::{perform, HttpTransport};

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

/// The environment variable naming the runner (an emulator command line, split on spaces)
/// through which the test binary itself runs, e.g. `qemu-aarch64 -L /usr/aarch64-linux-gnu`.
/// Cargo knows the runner but does not tell the test binary, so the scripts that cross-test
/// set this alongside `CARGO_TARGET_<TRIPLE>_RUNNER`.
pub const RUNNER_ENV: &str = "OTEL_SESSIONS_TEST_RUNNER";

/// A command that runs the ignored test `test_name` of the current test binary alone, with
/// its output shown (`--nocapture`). The child decides what to do from the environment the
/// caller adds; it is a separate process, so it can be killed for real.
pub fn child(test_name: &str) -> Command {
    let exe = std::env::current_exe().expect("the test binary's path");
    let runner: Vec<String> = std::env::var(RUNNER_ENV)
        .ok()
        .map(|r| r.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let mut cmd = match runner.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    cmd.args([
        "--exact",
        test_name,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    cmd
}

/// Whether the test binary runs under an emulator ([`RUNNER_ENV`] is set): races that need
/// real parallelism may not happen there.
pub fn emulated() -> bool {
    std::env::var_os(RUNNER_ENV).is_some()
}

/// How many times slower the tests run here than natively: 1, or 20 under an emulator
/// ([`emulated`]: qemu-user runs the debug test binaries 10 to 50 times slower). Multiply by it
/// the waits that give code time to run (a delay before a kill) and the timeouts that exist
/// only to catch a hang (a flush, a request that a slow receiver answers late); never a bound
/// a test checks.
pub fn slowdown() -> u32 {
    if emulated() {
        20
    } else {
        1
    }
}

/// Whether to skip a test because it runs under an emulator ([`emulated`]), for tests that
/// need what an emulator cannot give (real parallelism in a race). When skipping, it says so
/// on stderr past the test harness's output capture, so the skip shows in every run's log:
///
/// ```
/// # fn race() {}
/// if otel_sessions_test_support::skip_when_emulated("the race needs two cores running at once") {
///     return;
/// }
/// race();
/// ```
///
/// Native runs never skip.
pub fn skip_when_emulated(why: &str) -> bool {
    if !emulated() {
        return false;
    }
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    // `eprintln!` output is captured by the harness and shown only for failures.
    let _ = writeln!(std::io::stderr(), "SKIPPED under emulation: {test}: {why}");
    true
}

/// Polls `cond` every 10 ms until it holds; panics with `what` after `timeout`. Timeouts here
/// only mean "this hangs": make them generous, a loaded machine is slow.
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The threads of this process whose name starts with `prefix`, each with its nice value, from
/// `/proc/self/task` (Linux, which keeps the first 15 bytes of a name). A thread that ends
/// while being read is left out.
#[cfg(target_os = "linux")]
pub fn threads_named(prefix: &str) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for task in std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .flatten()
    {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // "tid (name) state ppid ...": the name may hold spaces and parentheses, so the
        // fields are counted from the last ')'; nice is the 19th field, the 17th after it.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = &stat[open + 1..close];
        let nice = stat[close + 1..].split_whitespace().nth(16);
        if let (true, Some(Ok(nice))) = (name.starts_with(prefix), nice.map(str::parse)) {
            out.push((name.to_owned(), nice));
        }
    }
    out
}

/// Page faults the calling thread has taken so far (minor and major; `getrusage` with
/// `RUSAGE_THREAD`, Linux).
#[cfg(target_os = "linux")]
#[allow(clippy::useless_conversion)] // `c_long` is 32 bits on 32-bit ARM
pub fn thread_page_faults() -> u64 {
    // SAFETY: a zeroed rusage for getrusage to fill, and a valid out pointer.
    let u = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_THREAD, &mut u), 0);
        u
    };
    u64::try_from(i64::from(u.ru_minflt) + i64::from(u.ru_majflt)).unwrap_or(0)
}

/// Puts a symbolic link to itself in place of the file at `path` (the file set aside beside
/// it): opening it fails with ELOOP, an error of the system, not damage to what is there, as
/// when the process has run out of descriptors. Returns what puts the file back.
#[cfg(unix)]
pub fn unopenable(path: &std::path::Path) -> impl FnOnce() + '_ {
    let aside = path.with_extension("aside");
    std::fs::rename(path, &aside).unwrap();
    std::os::unix::fs::symlink(path, path).unwrap();
    move || {
        std::fs::remove_file(path).unwrap();
        std::fs::rename(&aside, path).unwrap();
    }
}

/// Sets this process's soft limit on open files and returns the previous one: with no
/// descriptor free below it, every open, socket and pipe fails with EMFILE, for real. The
/// limit is per process: lower it only in a child process ([`child`]), never beside other
/// tests.
pub fn set_open_file_limit(soft: u64) -> u64 {
    // SAFETY: a zeroed struct the call fills in, then the same struct passed back.
    unsafe {
        let mut r: libc::rlimit = std::mem::zeroed();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut r), 0);
        let old = r.rlim_cur;
        r.rlim_cur = soft as libc::rlim_t;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &r), 0);
        old as u64
    }
}
