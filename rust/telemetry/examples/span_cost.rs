//! The cost of a stamped span on the thread that records it, for profilers: bursts of 100
//! spans through our pipeline (or, with `PLAIN=1`, the same SDK pipeline without sessions),
//! timed apart from what happens between bursts. Prints the time per span and the page faults
//! per span taken by the recording thread, then where the records are at the end (the
//! journal's and the outbox's bytes, records refused at the bound).
//!
//! Between bursts: an export of everything (the default), nothing (`FLOOD=1`: the exporter
//! competes with the recording thread), or a 1 ms sleep (`SLEEP=1`: the exporter only runs on
//! its own schedule). The argument is the number of bursts (default 200).
//!
//! Instructions per span, deterministic (unlike times), with symbols:
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/prof CARGO_PROFILE_BENCH_STRIP=none CARGO_PROFILE_BENCH_DEBUG=1 \
//!   cargo build --profile bench --example span_cost -p otel-sessions-telemetry
//! valgrind --tool=callgrind --toggle-collect='span_cost::burst' /tmp/prof/release/examples/span_cost 50
//! callgrind_annotate --inclusive=yes callgrind.out.*     # total / 5000 = per span
//! ```
//!
//! Not a benchmark of record (that is `benches/stamping.rs`); nothing here is asserted.

use std::hint::black_box;
use std::time::{Duration, Instant};

use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracer, SdkTracerProvider};

#[path = "../benches/support/mod.rs"]
mod support;
use otel_sessions_test_support::thread_page_faults;
use support::Discard;

const BURST: u64 = 100;

#[inline(never)]
fn burst(tracer: &SdkTracer) {
    for _ in 0..BURST {
        tracer.in_span("op", |_| black_box(1));
    }
}

fn main() {
    let bursts: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let t = support::ours("span-cost", dir.path());
    let plain = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build();
    let env = |name: &str| std::env::var_os(name).is_some();
    let tracer = if env("PLAIN") {
        plain.tracer("span-cost")
    } else {
        t.tracer_provider().tracer("span-cost")
    };
    let (mut timed, mut faulted) = (Duration::ZERO, 0);
    for _ in 0..bursts {
        let f0 = thread_page_faults();
        let start = Instant::now();
        burst(&tracer);
        timed += start.elapsed();
        faulted += thread_page_faults() - f0;
        if env("SLEEP") {
            std::thread::sleep(Duration::from_millis(1));
        } else if !env("FLOOD") {
            t.write_to_disk();
        }
    }
    let spans = (bursts * BURST) as f64;
    println!(
        "{:.0} ns/span, {:.3} page faults/span",
        timed.as_nanos() as f64 / spans,
        faulted as f64 / spans
    );
    let s = t.stats();
    println!(
        "journal {} MiB, outbox {} MiB in {} requests, {} records refused (journal full), {} requests evicted",
        s.journal_bytes >> 20,
        s.queued_bytes >> 20,
        s.queued_requests,
        s.journal_full,
        s.evicted_requests
    );
}
