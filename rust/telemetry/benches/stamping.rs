//! Cost of recording, against the same opentelemetry_sdk pipeline without sessions, measured
//! in the same run: ours stamps each record and writes it, encoded, into the journal (durable
//! against a kill when the call returns); the baseline hands it to a batch processor's queue in
//! memory. Also records per second through encode + persist, and spans all the way to disk.
//!
//! `cargo bench -p otel-sessions-telemetry`. Not a test: nothing here asserts a time.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _};
use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_sdk::logs::{BatchLogProcessor, SdkLoggerProvider};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider};

mod support;
use support::{ours, Discard};

fn spans(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let plain = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build();
    let t = ours("bench", dir.path());
    let stamped = t.tracer_provider();
    let mut g = c.benchmark_group("span start+end");
    for (name, p) in [
        ("baseline: BatchSpanProcessor", &plain),
        ("stamped: SessionSpanProcessor", stamped),
    ] {
        let tracer = p.tracer("bench");
        g.bench_function(name, |b| b.iter(|| tracer.in_span("op", |_| black_box(1))));
    }
    // The same four attributes set by the app itself: what carrying them costs in the SDK,
    // so that "stamped" minus this is the cost of our logic alone.
    let tracer = plain.tracer("bench");
    g.bench_function("baseline + the same 4 attributes set by the app", |b| {
        b.iter(|| {
            tracer.in_span("op", |cx| {
                use opentelemetry::trace::TraceContextExt as _;
                let span = cx.span();
                span.set_attribute(KeyValue::new(
                    "session.id",
                    "0123456789abcdef0123456789abcdef",
                ));
                span.set_attribute(KeyValue::new("app.screen", "home"));
                span.set_attribute(KeyValue::new("user.tier", "gold"));
                span.set_attribute(KeyValue::new("rn_otel_sessions.seq", 1_i64));
            })
        })
    });
    g.finish();
}

fn logs(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let plain = SdkLoggerProvider::builder()
        .with_log_processor(BatchLogProcessor::builder(Discard).build())
        .build();
    let t = ours("bench", dir.path());
    let stamped = t.logger_provider();
    let mut g = c.benchmark_group("log emit");
    for (name, p) in [
        ("baseline: BatchLogProcessor", &plain),
        ("stamped: SessionLogProcessor", stamped),
    ] {
        let logger = p.logger("bench");
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut r = logger.create_log_record();
                r.set_event_name("app.click");
                r.add_attribute("button", "buy");
                logger.emit(r);
            })
        });
    }
    g.finish();
}

fn persist(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let t = ours("bench", dir.path());
    const N: u64 = 1000;
    let mut g = c.benchmark_group("encode + persist");
    g.throughput(Throughput::Elements(N));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("1000 events, then written to the outbox", |b| {
        b.iter(|| {
            for _ in 0..N {
                t.record_event("app.click", &[]).unwrap();
            }
            t.write_to_disk();
        })
    });
    g.finish();
}

/// The plain pipeline's end: the OTLP request body written to a file and fsynced, as the
/// outbox does (without its naming, caps and counters).
#[derive(Debug)]
struct FileClient(std::path::PathBuf);

impl opentelemetry_http::HttpClient for FileClient {
    fn send_bytes<'a, 'b>(
        &'a self,
        request: opentelemetry_http::Request<opentelemetry_http::Bytes>,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = Result<
                        opentelemetry_http::Response<opentelemetry_http::Bytes>,
                        opentelemetry_http::HttpError,
                    >,
                > + Send
                + 'b,
        >,
    >
    where
        'a: 'b,
        Self: 'b,
    {
        use std::io::Write as _;
        let result = (|| {
            let mut f = std::fs::File::create(&self.0)?;
            f.write_all(request.body())?;
            f.sync_all()?;
            Ok::<_, std::io::Error>(())
        })()
        .map_err(|e| Box::new(e) as opentelemetry_http::HttpError)
        .and_then(|_| {
            opentelemetry_http::Response::builder()
                .status(200)
                .body(opentelemetry_http::Bytes::new())
                .map_err(|e| Box::new(e) as opentelemetry_http::HttpError)
        });
        Box::pin(async move { result })
    }
}

/// Spans all the way to disk: the whole per-span cost an app pays, ours against the same
/// SDK pipeline (batch processor, OTLP protobuf + gzip exporter, file write + fsync) without
/// sessions.
fn spans_to_disk(c: &mut Criterion) {
    use opentelemetry_otlp::{Compression, Protocol, WithExportConfig as _, WithHttpConfig as _};
    const N: u64 = 1000;
    let dir = tempfile::tempdir().unwrap();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint("http://127.0.0.1:9/v1/traces")
        .with_compression(Compression::Gzip)
        .with_http_client(FileClient(dir.path().join("batch.bin")))
        .build()
        .unwrap();
    let plain = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(exporter).build())
        .build();
    let ours = ours("bench", &dir.path().join("ours"));
    let mut g = c.benchmark_group("spans to disk");
    g.throughput(Throughput::Elements(N));
    g.measurement_time(Duration::from_secs(5));
    let tracer = plain.tracer("bench");
    g.bench_function(
        "baseline: 1000 spans, OTLP-encoded, gzip, fsynced file",
        |b| {
            b.iter(|| {
                for _ in 0..N {
                    tracer.in_span("op", |_| black_box(1));
                }
                plain.force_flush().unwrap();
            })
        },
    );
    let tracer = ours.tracer_provider().tracer("bench");
    g.bench_function("ours: the same, stamped, through the outbox", |b| {
        b.iter(|| {
            for _ in 0..N {
                tracer.in_span("op", |_| black_box(1));
            }
            ours.write_to_disk();
        })
    });
    g.finish();
}

/// Spans at an app's pace: bursts of 100 (timed), each followed by an export of everything
/// (not timed), so that the background threads are idle when the next burst starts. What a
/// thread that records pays when the pipeline keeps up, unlike "span start+end", where the
/// exporter competes for the CPU with the recording thread the whole time.
fn spans_paced(c: &mut Criterion) {
    const BURST: u64 = 100;
    let dir = tempfile::tempdir().unwrap();
    let plain = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build();
    let t = ours("bench", dir.path());
    let mut g = c.benchmark_group("span start+end, paced");
    g.sample_size(20);
    for (name, p, ours) in [
        ("baseline: BatchSpanProcessor", &plain, false),
        ("stamped: SessionSpanProcessor", t.tracer_provider(), true),
    ] {
        let tracer = p.tracer("bench");
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let n = left.min(BURST);
                    let start = std::time::Instant::now();
                    for _ in 0..n {
                        tracer.in_span("op", |_| black_box(1));
                    }
                    timed += start.elapsed();
                    left -= n;
                    if ours {
                        t.write_to_disk();
                    } else {
                        p.force_flush().unwrap();
                    }
                }
                timed
            })
        });
    }
    g.finish();
}

criterion_group!(benches, spans, spans_paced, logs, persist, spans_to_disk);
criterion_main!(benches);
