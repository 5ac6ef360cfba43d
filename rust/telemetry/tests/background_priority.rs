//! The exporter runs at background priority (nice 10 on Linux and Android), so that it yields
//! the CPU to the app's threads; the threads app threads wait for (timer, syncer), and the
//! uploader, whose threads the platform's HTTP stack inherits, keep the app's priority, as does
//! the thread that records.

mod common;
use common::*;

use otel_sessions_engine::background::{lowering_is_observable, this_thread_nice, BACKGROUND_NICE};
use otel_sessions_test_support::{threads_named, wait_until};
use otlp_receiver::Receiver;

#[test]
fn only_the_exporter_runs_at_background_priority_and_only_after_starting_the_uploader() {
    if !lowering_is_observable() {
        return;
    }
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let before = this_thread_nice();
    let t = start(config(dir.path(), Some(rx.endpoint())));
    t.record_event("tick", &[]).unwrap();
    t.flush(*WAIT).unwrap();
    assert_eq!(
        this_thread_nice(),
        before,
        "the recording thread is unchanged"
    );

    let nice_of = |name: &str| -> Vec<i32> {
        threads_named(name)
            .into_iter()
            .map(|(_, nice)| nice)
            .collect()
    };
    // The exporter lowers itself after its first round's start of the uploader; polled, so
    // that a round still under way is not a failure.
    wait_until(*WAIT, "the exporter at background priority", || {
        nice_of("rn-otel-export") == [BACKGROUND_NICE]
    });
    for name in ["rn-otel-upload", "rn-otel-timer", "rn-otel-sync"] {
        assert_eq!(nice_of(name), [before], "{name}");
    }
    drop(t);
}
