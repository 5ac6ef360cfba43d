//! The whole engine + telemetry stack in one program, for `scripts/size.sh`: it starts
//! telemetry, records a span and an event, and flushes (consent pending, so nothing is sent).

use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use otel_sessions_engine::Engine;
use otel_sessions_telemetry::{
    Completion, Consent, HttpOutcome, HttpRequest, Telemetry, TelemetryConfig, Transport,
};

/// Stands in for the platform's HTTP stack (the library has none of its own).
struct NoNetwork;

impl Transport for NoNetwork {
    fn send(&self, _: HttpRequest, done: Completion) {
        done.complete(HttpOutcome::Failed {
            reason: "no network in the size probe".into(),
        });
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("otel-sessions-size-{}", std::process::id()));
    let mut cfg = TelemetryConfig::new("size-probe", &dir);
    cfg.endpoint = Some("https://collector.invalid:4318".into());
    cfg.transport = Some(std::sync::Arc::new(NoNetwork));
    cfg.consent = Consent::Pending;
    let t = Telemetry::start(cfg, Engine::builder(&dir)).expect("starts");
    t.tracer_provider().tracer("probe").in_span("op", |_| {});
    t.record_event("probe", &[]).expect("recorded");
    let _ = t.flush(std::time::Duration::from_secs(1));
    println!("{}", t.engine().current().id);
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}
