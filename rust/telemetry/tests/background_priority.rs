//! The pipeline's own threads run at background priority (nice 10 on Linux and Android), so
//! that they yield the CPU to the app's threads; the app's thread that records keeps its own.

mod common;
use common::*;

use otel_sessions_test_support::{this_thread_nice, threads_named, wait_until};
use otlp_receiver::Receiver;

#[test]
fn the_pipeline_threads_run_at_background_priority_and_the_recording_thread_keeps_its_own() {
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

    let lowered = before.max(otel_sessions_engine::background::BACKGROUND_NICE);
    let names = [
        "rn-otel-export",
        "rn-otel-upload",
        "rn-otel-timer",
        "rn-otel-sync",
    ];
    // Each thread lowers itself first thing; polled, so that one just started is not a failure.
    wait_until(
        *WAIT,
        "the pipeline's threads at background priority",
        || {
            let threads = threads_named("rn-otel-");
            names
                .iter()
                .all(|n| threads.iter().any(|(name, _)| name == n))
                && threads.iter().all(|(_, nice)| *nice == lowered)
        },
    );
    drop(t);
}
