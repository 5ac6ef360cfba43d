//! Time sources. The engine reads two clocks at once:
//!
//! * **wall** (epoch milliseconds): only for timestamps that leave the engine;
//! * **monotonic** (milliseconds that keep counting through deep sleep): for every
//!   duration and deadline, so a user who changes the phone's clock neither ends nor
//!   extends a session.
//!
//! The wall clock is read at most once per millisecond of the monotonic one (`WallCache`).
//!
//! A monotonic clock restarts at boot. The `boot_id` tells the engine whether two
//! readings come from the same boot; when they do not, it falls back to the wall
//! clock (clamped at zero) for the time that passed between them.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// One reading of both clocks, taken together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// Milliseconds since the Unix epoch, as the device's wall clock says (may jump).
    pub wall_ms: i64,
    /// Milliseconds of a clock that never goes back and counts deep sleep, within one boot.
    pub mono_ms: i64,
}

/// A source of time for the engine.
///
/// Implementations must be cheap (the engine reads the clock on every access) and must
/// never go back in `mono_ms` within one `boot_id`.
pub trait Clock: Send + Sync + 'static {
    /// Reads the wall and the monotonic clock.
    fn now(&self) -> Timestamp;

    /// An identifier of the current boot, or `None` when the platform offers none.
    /// Two readings with equal `Some` ids share one monotonic time line.
    fn boot_id(&self) -> Option<String>;
}

/// The device's real clocks: `CLOCK_BOOTTIME` on Linux and Android,
/// `mach_continuous_time` on Apple platforms (both count deep sleep).
///
/// Boot id: `/proc/sys/kernel/random/boot_id` on Linux and Android, the kernel boot time
/// (`kern.boottime`) on Apple platforms.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl SystemClock {
    /// Creates the system clock.
    pub fn new() -> Self {
        SystemClock
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        static WALL: WallCache = WallCache::new();
        let mono_ms = platform::mono_ms();
        Timestamp {
            wall_ms: WALL.wall_ms(mono_ms, wall_now_ms),
            mono_ms,
        }
    }

    fn boot_id(&self) -> Option<String> {
        static BOOT_ID: OnceLock<Option<String>> = OnceLock::new();
        BOOT_ID.get_or_init(platform::boot_id).clone()
    }
}

/// The wall clock read at most once per millisecond of the monotonic clock: within one, the
/// wall time is the last reading's, moved on by the monotonic clock (the same millisecond, to
/// within the two clocks' drift). A recording thread in a flood reads the engine's clocks a
/// million times a second, and the wall clock's read was 6% of a span's time; at an app's
/// pace every call still reads it. A change of the wall clock shows from the next millisecond.
struct WallCache {
    /// The monotonic millisecond of the last reading (`i64::MIN`: none yet).
    at_mono: AtomicI64,
    /// The wall clock minus the monotonic clock at the last reading.
    offset: AtomicI64,
}

impl WallCache {
    const fn new() -> Self {
        WallCache {
            at_mono: AtomicI64::new(i64::MIN),
            offset: AtomicI64::new(0),
        }
    }

    /// The wall time at `mono_ms`, from `read` when the last reading is of another millisecond.
    /// A reading is kept only if its millisecond is newer than the kept one's (a thread that
    /// was paused between its two clock reads does not replace a later reading), and a reader
    /// takes the offset only if the millisecond still matches after it. Two threads racing over
    /// a new millisecond may still pair one's millisecond with the other's offset: both were
    /// read within a millisecond or two, so they differ only if the wall clock was set then.
    fn wall_ms(&self, mono_ms: i64, read: impl FnOnce() -> i64) -> i64 {
        let at = self.at_mono.load(Ordering::Acquire);
        if at == mono_ms {
            let offset = self.offset.load(Ordering::Acquire);
            if self.at_mono.load(Ordering::Acquire) == mono_ms {
                return mono_ms.saturating_add(offset);
            }
        }
        let wall = read();
        if mono_ms > at {
            self.offset
                .store(wall.saturating_sub(mono_ms), Ordering::Release);
            self.at_mono.fetch_max(mono_ms, Ordering::AcqRel);
        }
        wall
    }
}

fn wall_now_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        // A clock set before 1970: report a negative time rather than failing.
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod platform {
    pub fn mono_ms() -> i64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; CLOCK_BOOTTIME exists since Linux 2.6.39.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
        if rc != 0 {
            return super::fallback_mono_ms();
        }
        timespec_ms(&ts)
    }

    /// Milliseconds of a `timespec`. `time_t` and `c_long` are 32-bit on armeabi-v7a and x86
    /// Android (and on 32-bit ARM Linux, where the tests run it under qemu-arm): widen first.
    #[allow(clippy::useless_conversion)]
    pub(super) fn timespec_ms(ts: &libc::timespec) -> i64 {
        i64::from(ts.tv_sec) * 1000 + i64::from(ts.tv_nsec) / 1_000_000
    }

    pub fn boot_id() -> Option<String> {
        let id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
        let id = id.trim();
        (!id.is_empty()).then(|| id.to_owned())
    }
}

#[cfg(target_vendor = "apple")]
mod platform {
    use std::sync::OnceLock;

    #[repr(C)]
    struct MachTimebaseInfo {
        numer: u32,
        denom: u32,
    }

    extern "C" {
        fn mach_continuous_time() -> u64;
        fn mach_timebase_info(info: *mut MachTimebaseInfo) -> i32;
    }

    pub fn mono_ms() -> i64 {
        static TIMEBASE: OnceLock<(u64, u64)> = OnceLock::new();
        let (numer, denom) = *TIMEBASE.get_or_init(|| {
            let mut info = MachTimebaseInfo { numer: 0, denom: 0 };
            // SAFETY: `info` is a valid, writable struct of the layout the call expects.
            let rc = unsafe { mach_timebase_info(&mut info) };
            if rc != 0 || info.denom == 0 {
                (1, 1)
            } else {
                (u64::from(info.numer), u64::from(info.denom))
            }
        });
        // SAFETY: no arguments; always safe to call.
        let ticks = unsafe { mach_continuous_time() };
        super::mach_ticks_ms(ticks, numer, denom)
    }

    pub fn boot_id() -> Option<String> {
        let mut tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        let mut len = std::mem::size_of::<libc::timeval>();
        let name = c"kern.boottime";
        // SAFETY: name is NUL-terminated, `tv`/`len` are valid for writes of `len` bytes.
        let rc = unsafe {
            libc::sysctlbyname(
                name.as_ptr(),
                (&mut tv as *mut libc::timeval).cast(),
                &mut len,
                std::ptr::null_mut(),
                0,
            )
        };
        (rc == 0).then(|| super::boot_time_id(tv.tv_sec.into(), tv.tv_usec.into()))
    }
}

// The arithmetic of the Apple clock, apart from its system calls so that every platform's
// tests run it (no Apple OS runs here).

/// Milliseconds of `ticks` of `mach_continuous_time` at the timebase `numer / denom` (ns per
/// tick: 1/1 on Intel, 125/3 on Apple silicon). Never overflows; saturates at `i64::MAX`.
#[cfg_attr(not(target_vendor = "apple"), allow(dead_code))]
fn mach_ticks_ms(ticks: u64, numer: u64, denom: u64) -> i64 {
    let nanos = u128::from(ticks) * u128::from(numer) / u128::from(denom.max(1));
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

/// The boot id of a `kern.boottime` reading: seconds and microseconds of the boot instant.
#[cfg_attr(not(target_vendor = "apple"), allow(dead_code))]
fn boot_time_id(sec: i64, usec: i64) -> String {
    format!("{sec}.{usec:06}")
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
mod platform {
    pub fn mono_ms() -> i64 {
        super::fallback_mono_ms()
    }

    pub fn boot_id() -> Option<String> {
        None
    }
}

/// Process-relative monotonic time, for platforms without a sleep-counting clock.
#[allow(dead_code)]
fn fallback_mono_ms() -> i64 {
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// A clock that moves only when told to: for tests and simulations.
///
/// `advance` moves both clocks (time passing, deep sleep included); `set_wall` moves only
/// the wall clock (the user changing the time); `reboot` restarts the monotonic clock
/// under a new boot id.
#[derive(Debug)]
pub struct ManualClock {
    wall_ms: AtomicI64,
    mono_ms: AtomicI64,
    boot: Mutex<u64>,
}

impl ManualClock {
    /// A clock at the given wall time, with the monotonic clock at 1 000 s since boot.
    pub fn new(wall_ms: i64) -> Self {
        ManualClock {
            wall_ms: AtomicI64::new(wall_ms),
            mono_ms: AtomicI64::new(1_000_000),
            boot: Mutex::new(1),
        }
    }

    /// Lets `ms` milliseconds pass on both clocks (negative values are ignored).
    pub fn advance(&self, ms: i64) {
        let ms = ms.max(0);
        self.wall_ms.fetch_add(ms, Ordering::SeqCst);
        self.mono_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sets the wall clock only, as a user changing the time would.
    pub fn set_wall(&self, wall_ms: i64) {
        self.wall_ms.store(wall_ms, Ordering::SeqCst);
    }

    /// Simulates a reboot that took `down_ms` of wall time: the monotonic clock restarts
    /// near zero and the boot id changes.
    pub fn reboot(&self, down_ms: i64) {
        let mut boot = self.boot.lock().unwrap_or_else(|e| e.into_inner());
        *boot += 1;
        self.wall_ms.fetch_add(down_ms.max(0), Ordering::SeqCst);
        self.mono_ms.store(5_000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp {
            wall_ms: self.wall_ms.load(Ordering::SeqCst),
            mono_ms: self.mono_ms.load(Ordering::SeqCst),
        }
    }

    fn boot_id(&self) -> Option<String> {
        let boot = self.boot.lock().unwrap_or_else(|e| e.into_inner());
        Some(format!("manual-{boot}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_clock_is_read_once_per_monotonic_millisecond_and_a_change_shows_at_the_next() {
        let cache = WallCache::new();
        let reads = std::cell::Cell::new(0);
        let mut wall = 1_700_000_000_000;
        let at = |mono: i64, wall: i64| {
            cache.wall_ms(mono, || {
                reads.set(reads.get() + 1);
                wall
            })
        };
        assert_eq!(at(5_000, wall), wall);
        assert_eq!(
            at(5_000, wall + 1),
            wall,
            "the same millisecond: not read again"
        );
        assert_eq!(reads.get(), 1);
        wall += 1;
        assert_eq!(at(5_001, wall), wall, "the next millisecond is read");
        assert_eq!(reads.get(), 2);
        wall -= 86_400_000; // the user sets the clock back a day
        assert_eq!(
            at(5_002, wall),
            wall,
            "a change shows at the next millisecond"
        );
        assert_eq!(at(5_002, 0), wall);
        assert_eq!(reads.get(), 3);
        assert_eq!(at(4_000, 42), 42, "an older millisecond is read");
        assert_eq!(at(5_002, 0), wall, "and does not replace the newer reading");
        assert_eq!(reads.get(), 4);
    }

    #[test]
    fn the_system_clock_wall_time_follows_the_system_wall_clock() {
        let clock = SystemClock::new();
        for _ in 0..1000 {
            let before = wall_now_ms();
            let t = clock.now();
            let after = wall_now_ms();
            // Within the millisecond (and the two clocks' drift) of a fresh reading.
            assert!(
                t.wall_ms >= before - 2 && t.wall_ms <= after + 2,
                "{before} {t:?} {after}"
            );
        }
    }

    #[test]
    fn manual_clock_wall_change_leaves_monotonic_alone() {
        let clock = ManualClock::new(1_000);
        let before = clock.now();
        clock.set_wall(before.wall_ms - 86_400_000);
        assert_eq!(clock.now().mono_ms, before.mono_ms);
        assert_eq!(clock.now().wall_ms, before.wall_ms - 86_400_000);
    }

    #[test]
    fn manual_clock_reboot_restarts_monotonic_under_new_boot_id() {
        let clock = ManualClock::new(1_000);
        let id = clock.boot_id();
        clock.advance(10_000_000);
        clock.reboot(60_000);
        assert!(clock.now().mono_ms < 10_000);
        assert_ne!(clock.boot_id(), id);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn system_clock_monotonic_is_the_boot_clock_that_proc_uptime_reports() {
        // /proc/uptime is the kernel's boot-time clock (sleep included). CLOCK_MONOTONIC would
        // fall behind it after a suspend; on a machine that never slept they agree, so this
        // checks the units and origin, not the sleep behaviour.
        let uptime = std::fs::read_to_string("/proc/uptime").unwrap();
        let secs: f64 = uptime.split_whitespace().next().unwrap().parse().unwrap();
        let ours = SystemClock.now().mono_ms as f64 / 1000.0;
        assert!(
            (ours - secs).abs() < 2.0,
            "mono {ours} s vs uptime {secs} s"
        );
        assert!(SystemClock.boot_id().is_some());
    }

    #[test]
    fn mach_ticks_convert_with_either_timebase_and_never_overflow() {
        // Intel Macs and simulators: 1 tick = 1 ns.
        assert_eq!(mach_ticks_ms(1_500_000_000, 1, 1), 1_500);
        // Apple silicon: 24 MHz, 125/3 ns per tick; one day of ticks.
        assert_eq!(mach_ticks_ms(24_000_000 * 86_400, 125, 3), 86_400_000);
        // u64::MAX ticks times 125 does not fit u64; the product is taken in u128.
        assert_eq!(mach_ticks_ms(u64::MAX, 125, 3), 768_614_336_404_564);
        assert_eq!(mach_ticks_ms(u64::MAX, u64::MAX, 1), i64::MAX, "saturates");
        assert_eq!(
            mach_ticks_ms(7, 1, 0),
            0,
            "a zero denominator is not a division by zero"
        );
    }

    #[test]
    fn boot_time_ids_keep_microseconds_apart() {
        assert_eq!(boot_time_id(1_700_000_000, 42), "1700000000.000042");
        assert_ne!(
            boot_time_id(1_700_000_000, 1),
            boot_time_id(1_700_000_000, 10)
        );
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn timespec_ms_widens_before_multiplying() {
        // The last second of a 32-bit time_t (January 2038): on 32-bit targets (armv7 under
        // qemu-arm in the ARM tests) seconds * 1000 overflows unless widened to 64 bits first.
        let ts = libc::timespec {
            tv_sec: 2_147_483_647,
            tv_nsec: 500_000_000,
        };
        assert_eq!(platform::timespec_ms(&ts), 2_147_483_647_500);
    }

    #[test]
    fn system_clock_never_goes_back() {
        let mut last = SystemClock.now().mono_ms;
        for _ in 0..10_000 {
            let now = SystemClock.now().mono_ms;
            assert!(now >= last);
            last = now;
        }
    }
}
