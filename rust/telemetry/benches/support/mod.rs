//! What the stamping benchmark and the `span_cost` example share: the exporter both pipelines
//! end in, and our pipeline as an app gets it. (A directory module: Cargo does not take it for
//! a benchmark of its own.)

use std::hint::black_box;
use std::path::Path;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use otel_sessions_engine::{AttributeValue, Engine};
use otel_sessions_telemetry::{Consent, Telemetry, TelemetryConfig};

/// Receives batches and drops them: the baseline pipelines end here.
#[derive(Debug)]
pub struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        black_box(batch);
        Ok(())
    }
}

impl LogExporter for Discard {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        black_box(batch);
        Ok(())
    }
}

/// Our pipeline as an app gets it (journal, exporter thread; consent pending, so nothing is
/// sent), with a session of two attributes.
pub fn ours(service: &str, dir: &Path) -> Telemetry {
    let mut cfg = TelemetryConfig::new(service, dir);
    cfg.endpoint = Some("http://127.0.0.1:9".into()); // never reached: consent pending
    cfg.transport = Some(otel_sessions_test_support::HttpTransport::shared());
    cfg.consent = Consent::Pending;
    cfg.max_queue_bytes = 1024 * 1024 * 1024;
    let t = Telemetry::start(cfg, Engine::builder(dir)).unwrap();
    for (k, v) in [("app.screen", "home"), ("user.tier", "gold")] {
        t.engine()
            .set_attribute(k, AttributeValue::String(v.into()))
            .unwrap();
    }
    t
}
