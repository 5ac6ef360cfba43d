//! No engine call waits on the disk: saves reach the page cache on the calling thread and are
//! fsynced by the syncer thread (the JSI host test `no-sync-on-js-thread` checks the same with
//! strace, for the whole library).

use std::time::Duration;

use otel_sessions_engine::durability::{syncs_on_this_thread, totals, wait_idle};
use otel_sessions_engine::*;

#[test]
fn lifecycle_rotation_and_shutdown_never_sync_on_the_calling_thread() {
    let dir = tempfile::tempdir().unwrap();
    let (before, _) = totals();
    let engine = Engine::builder(dir.path()).build().unwrap();
    engine.set_attribute("a", AttributeValue::Int(1)).unwrap();
    engine.record();
    engine.background();
    engine.foreground();
    engine.end();
    engine.persist().unwrap();
    engine.shutdown();
    drop(engine);
    assert_eq!(
        syncs_on_this_thread(),
        0,
        "the calling thread made no fsync"
    );
    assert!(wait_idle(Duration::from_secs(60)), "the syncer finishes");
    let (after, _) = totals();
    assert!(after > before, "the saves were fsynced, elsewhere");
    // And what the saves wrote is what a relaunch reads.
    let again = Engine::builder(dir.path()).timer(false).build().unwrap();
    assert_eq!(again.launch_outcome(), &LaunchOutcome::Resumed);
}
