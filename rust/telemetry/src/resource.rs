//! The resource every record is exported with.

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;

use crate::config::TelemetryConfig;
use crate::convert::to_otel;

/// The semantic-conventions version the names used here follow.
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.37.0";

/// The platform's facts (`resource_attributes`) override the defaults here; the app's own
/// `service.name` and `service.version` override both.
pub(crate) fn build(cfg: &TelemetryConfig) -> Resource {
    let mut attrs = vec![
        KeyValue::new("telemetry.sdk.name", "opentelemetry"),
        KeyValue::new("telemetry.sdk.language", "rust"),
        KeyValue::new("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
        KeyValue::new("telemetry.distro.name", "react-native-otel-sessions"),
        KeyValue::new("os.type", std::env::consts::OS),
        KeyValue::new("host.arch", std::env::consts::ARCH),
    ];
    let mut set = |kv: KeyValue| {
        attrs.retain(|old| old.key != kv.key);
        attrs.push(kv);
    };
    for (k, v) in &cfg.resource_attributes {
        set(KeyValue::new(k.clone(), to_otel(v)));
    }
    set(KeyValue::new("service.name", cfg.service_name.clone()));
    if let Some(v) = &cfg.service_version {
        set(KeyValue::new("service.version", v.clone()));
    }
    Resource::builder_empty()
        .with_schema_url(attrs, SCHEMA_URL)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use otel_sessions_engine::AttributeValue;

    fn get(r: &Resource, k: &str) -> Option<String> {
        r.iter()
            .find(|(key, _)| key.as_str() == k)
            .map(|(_, v)| v.to_string())
    }

    #[test]
    fn the_app_config_wins_over_platform_facts_which_win_over_defaults() {
        let mut c = TelemetryConfig::new("shop", "/tmp/x");
        c.service_version = Some("2.0.0".into());
        c.resource_attributes = vec![
            (
                "service.version".into(),
                AttributeValue::String("1.0 (42)".into()),
            ),
            (
                "os.type".into(),
                AttributeValue::String("linux-platform".into()),
            ),
        ];
        let r = build(&c);
        assert_eq!(get(&r, "service.version").as_deref(), Some("2.0.0"));
        assert_eq!(get(&r, "service.name").as_deref(), Some("shop"));
        assert_eq!(get(&r, "os.type").as_deref(), Some("linux-platform"));
        c.service_version = None;
        assert_eq!(
            get(&build(&c), "service.version").as_deref(),
            Some("1.0 (42)")
        );
    }
}
