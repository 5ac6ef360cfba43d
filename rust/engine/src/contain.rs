//! No panic of the library takes its app down.
//!
//! Device builds unwind (`panic = "unwind"` in the release profile): every C ABI entry point
//! catches a panic and turns it into an error (`OTS_INTERNAL`), and every thread the library
//! starts runs its work through [`contained`], so a bug costs that piece of work (counted), never
//! the thread or the process. See `docs/engine.md` ("Panics").

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};

static CAUGHT: AtomicU64 = AtomicU64::new(0);

/// Runs `f`; a panic in it is caught and counted, and `None` returned.
pub fn contained<R>(f: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(_) => {
            CAUGHT.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

/// Panics caught by [`contained`] in this process (a bug to report; nothing crashed).
pub fn caught_panics() -> u64 {
    CAUGHT.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_caught_counted_and_the_caller_goes_on() {
        let before = caught_panics();
        assert_eq!(contained(|| 7), Some(7));
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {})); // keep the test output clean
        let r: Option<()> = contained(|| panic!("a bug"));
        std::panic::set_hook(hook);
        assert_eq!(r, None);
        assert!(caught_panics() > before);
    }
}
