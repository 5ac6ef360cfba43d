//! Event names are `&'static str` in the OpenTelemetry log API; names from the app are
//! interned, a bounded number of them, so a misbehaving app cannot leak memory.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// Most distinct event names interned for the life of the process.
pub const MAX_EVENT_NAMES: usize = 1024;

/// The interned name, or `None` when the table is full.
pub(crate) fn intern(name: &str) -> Option<&'static str> {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(s) = set.get(name) {
        return Some(s);
    }
    if set.len() >= MAX_EVENT_NAMES {
        return None;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    set.insert(leaked);
    Some(leaked)
}
