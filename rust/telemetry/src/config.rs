//! Telemetry configuration, validated once at start.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use otel_sessions_engine::AttributeValue;

use crate::consent::Consent;
use crate::error::TelemetryError;
use crate::transport::Transport;

/// Default byte cap of the outbox (10 MB).
pub const DEFAULT_MAX_QUEUE_BYTES: u64 = 10 * 1024 * 1024;
/// Default age cap of the outbox (18 h).
pub const DEFAULT_MAX_QUEUE_AGE: Duration = Duration::from_secs(18 * 3600);

/// How telemetry is recorded and delivered. Construct with [`TelemetryConfig::new`] and set
/// the public fields; [`crate::Telemetry::start`] validates it.
#[derive(Clone)]
pub struct TelemetryConfig {
    /// `service.name` of the resource. Required, non-empty.
    pub service_name: String,
    /// `service.version` of the resource.
    pub service_version: Option<String>,
    /// OTLP/HTTP base URL (`http://` or `https://`, no `/v1/...` suffix); `None`: sessions
    /// only, nothing recorded to disk or sent.
    pub endpoint: Option<String>,
    /// Extra request headers (e.g. an API key).
    pub headers: Vec<(String, String)>,
    /// The platform HTTP stack that performs the uploads (required with an `endpoint`; the
    /// library has no HTTP client of its own). See [`Transport`].
    pub transport: Option<Arc<dyn Transport>>,
    /// Where the engine state, the outbox and the salt live.
    pub storage_dir: PathBuf,
    /// Consent at start (default granted).
    pub consent: Consent,
    /// Records of unsampled sessions kept for error upsampling; `None` or 0: none kept.
    pub error_buffer: Option<usize>,
    /// Outbox byte cap (default 10 MB, at least 64 KiB).
    pub max_queue_bytes: u64,
    /// Outbox age cap (default 18 h).
    pub max_queue_age: Duration,
    /// Timeout of one upload request (default 10 s).
    pub export_timeout: Duration,
    /// Longest a record waits in memory before it is written to the outbox (default 1 s).
    pub batch_delay: Duration,
    /// First retry delay ceiling (default 1 s); doubles per attempt up to `retry_max`.
    pub retry_base: Duration,
    /// Largest retry delay ceiling (default 5 min).
    pub retry_max: Duration,
    /// Resource attributes the platform knows (`os.version`, `device.model.identifier`, …).
    pub resource_attributes: Vec<(String, AttributeValue)>,
}

impl std::fmt::Debug for TelemetryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryConfig")
            .field("service_name", &self.service_name)
            .field("endpoint", &self.endpoint)
            .field("storage_dir", &self.storage_dir)
            .field("transport", &self.transport.as_ref().map(|_| "set"))
            .field("consent", &self.consent)
            .finish_non_exhaustive()
    }
}

impl TelemetryConfig {
    /// A configuration with the defaults.
    pub fn new(service_name: impl Into<String>, storage_dir: impl Into<PathBuf>) -> Self {
        TelemetryConfig {
            service_name: service_name.into(),
            service_version: None,
            endpoint: None,
            headers: Vec::new(),
            transport: None,
            storage_dir: storage_dir.into(),
            consent: Consent::Granted,
            error_buffer: None,
            max_queue_bytes: DEFAULT_MAX_QUEUE_BYTES,
            max_queue_age: DEFAULT_MAX_QUEUE_AGE,
            export_timeout: Duration::from_secs(10),
            batch_delay: Duration::from_secs(1),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            resource_attributes: Vec::new(),
        }
    }

    /// Checks every field; the error names the field and what it accepts.
    pub fn validate(&self) -> Result<(), TelemetryError> {
        let bad = |field: &'static str, expected: &str| {
            Err(TelemetryError::InvalidConfig {
                field,
                message: expected.to_owned(),
            })
        };
        if self.service_name.trim().is_empty() {
            return bad("service_name", "must be a non-empty string");
        }
        if let Some(e) = &self.endpoint {
            let rest = e
                .strip_prefix("http://")
                .or_else(|| e.strip_prefix("https://"));
            match rest {
                Some(host) if !host.is_empty() && !host.starts_with('/') => {}
                _ => return bad("endpoint", "must be an http:// or https:// URL such as 'https://collector.example.com:4318'"),
            }
            if self.transport.is_none() {
                return bad(
                    "transport",
                    "must be set with an endpoint: uploads go through the platform's HTTP stack (the JSI binding passes the one the platform glue registers)",
                );
            }
            if e.contains(char::is_whitespace)
                || e.ends_with("/v1/traces")
                || e.ends_with("/v1/logs")
            {
                return bad(
                    "endpoint",
                    "must be the base URL, without spaces or a '/v1/...' path",
                );
            }
        }
        for (k, v) in &self.headers {
            let token = !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token {
                return bad(
                    "headers",
                    "names must be HTTP tokens (letters, digits, '-', ...)",
                );
            }
            if v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return bad("headers", "values must not contain CR, LF or NUL");
            }
        }
        if self.error_buffer.is_some_and(|n| n > 10_000) {
            return bad("error_buffer", "must be at most 10000 records");
        }
        if !(64 * 1024..=1024 * 1024 * 1024).contains(&self.max_queue_bytes) {
            return bad(
                "max_queue_bytes",
                "must be from 65536 (64 KiB) to 1073741824 (1 GiB)",
            );
        }
        for (field, d) in [
            ("max_queue_age", self.max_queue_age),
            ("export_timeout", self.export_timeout),
            ("batch_delay", self.batch_delay),
            ("retry_base", self.retry_base),
            ("retry_max", self.retry_max),
        ] {
            if d.is_zero() || d > Duration::from_secs(30 * 24 * 3600) {
                return bad(field, "must be more than 0 and at most 30 days");
            }
        }
        Ok(())
    }

    pub(crate) fn endpoint_base(&self) -> Option<String> {
        self.endpoint
            .as_ref()
            .map(|e| e.trim_end_matches('/').to_owned())
    }
}
