//! The resource every record is exported with.

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;

use crate::config::TelemetryConfig;
use crate::convert::to_otel;

/// The semantic-conventions version the names used here follow.
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.37.0";

pub(crate) fn build(cfg: &TelemetryConfig) -> Resource {
    let mut attrs = vec![
        KeyValue::new("service.name", cfg.service_name.clone()),
        KeyValue::new("telemetry.sdk.name", "opentelemetry"),
        KeyValue::new("telemetry.sdk.language", "rust"),
        KeyValue::new("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
        KeyValue::new("telemetry.distro.name", "react-native-otel-sessions"),
        KeyValue::new("os.type", std::env::consts::OS),
        KeyValue::new("host.arch", std::env::consts::ARCH),
    ];
    if let Some(v) = &cfg.service_version {
        attrs.push(KeyValue::new("service.version", v.clone()));
    }
    for (k, v) in &cfg.resource_attributes {
        attrs.retain(|kv| kv.key.as_str() != k);
        attrs.push(KeyValue::new(k.clone(), to_otel(v)));
    }
    Resource::builder_empty()
        .with_schema_url(attrs, SCHEMA_URL)
        .build()
}
