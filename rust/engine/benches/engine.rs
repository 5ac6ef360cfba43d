//! Costs of the engine's hot paths, each beside a baseline measured in the same run:
//! the cheapest possible shared read (a `Mutex<Arc<_>>` lock + clone).
//!
//! `cargo bench -p otel-sessions-engine` (criterion). Not a test: nothing here asserts
//! a time.

use std::hint::black_box;
use std::sync::{Arc, Mutex};

use criterion::{criterion_group, criterion_main, Criterion};
use otel_sessions_engine::{AttributeValue, Engine};

fn engine_paths(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::builder(dir.path()).build().unwrap();
    engine
        .set_attribute("app.screen", AttributeValue::String("home".into()))
        .unwrap();
    let baseline = Mutex::new(engine.current());

    let mut g = c.benchmark_group("engine");
    g.bench_function("baseline: Mutex<Arc<Session>> lock + clone", |b| {
        b.iter(|| black_box(Arc::clone(&baseline.lock().unwrap())))
    });
    g.bench_function("current()", |b| b.iter(|| black_box(engine.current())));
    g.bench_function("touch()", |b| b.iter(|| engine.touch()));
    g.bench_function("record()", |b| b.iter(|| black_box(engine.record())));
    g.bench_function("set_attribute() same value", |b| {
        b.iter(|| engine.set_attribute("app.screen", AttributeValue::String("home".into())))
    });
    // A lifecycle change is saved at once (write + fsync + rename): the cost of durability.
    g.bench_function("background() + foreground() (two fsynced saves)", |b| {
        b.iter(|| {
            engine.background();
            engine.foreground();
        })
    });
    g.finish();
    engine.shutdown();
}

criterion_group!(benches, engine_paths);
criterion_main!(benches);
