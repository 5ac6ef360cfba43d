//! `Sessions.init(config)`: the JavaScript configuration, checked field by field.
//! Every error is a `TypeError` (or `RangeError`) naming `config.<field>`, what it accepts
//! and what it got; an unknown field is refused with the closest known name.

use std::path::PathBuf;
use std::time::Duration;

use otel_sessions_engine::{AttributeValue, SessionPolicy};
use otel_sessions_telemetry::{Consent, TelemetryConfig};
use serde_json::{Map, Value};

use crate::call_error::CallError;
use crate::js_value::{attributes, describe};

const METHOD: &str = "init";
const MAX_MS: u64 = 30 * 24 * 3600 * 1000;

const FIELDS: [&str; 15] = [
    "serviceName",
    "serviceVersion",
    "endpoint",
    "headers",
    "backgroundTimeoutMs",
    "inactivityTimeoutMs",
    "maxDurationMs",
    "resumeAcrossLaunches",
    "sampleRate",
    "errorSampling",
    "consent",
    "sessionAttributes",
    "storageDir",
    "maxQueueBytes",
    "maxQueueAgeMs",
];

/// Facts the native side knows: the default storage directory and resource attributes.
#[derive(Debug, Clone, Default)]
pub struct PlatformInfo {
    /// The app-support directory to use when the config names none.
    pub storage_dir: Option<PathBuf>,
    /// `os.version`, `device.model.identifier`, …
    pub resource: Vec<(String, AttributeValue)>,
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub struct InitConfig {
    /// For the telemetry layer.
    pub telemetry: TelemetryConfig,
    /// For the engine.
    pub policy: SessionPolicy,
    /// `sessionAttributes`.
    pub initial_attributes: Vec<(String, AttributeValue)>,
}

fn type_err(field: &str, expected: &str, got: &Value) -> CallError {
    CallError::type_error(
        METHOD,
        format!("config.{field} must be {expected}; got {}", describe(got)),
    )
}

fn range_err(field: &str, expected: &str, got: &Value) -> CallError {
    CallError::range_error(
        METHOD,
        format!("config.{field} must be {expected}; got {}", describe(got)),
    )
}

/// Parses `config` (the first argument of `Sessions.init`).
pub fn parse(config: &Value, platform: &PlatformInfo) -> Result<InitConfig, CallError> {
    let Value::Object(c) = config else {
        return Err(CallError::type_error(
            METHOD,
            format!(
                "argument 'config' must be an object such as {{ serviceName: 'my-app' }}; got {}",
                describe(config)
            ),
        ));
    };
    if crate::js_value::is_marker(config) {
        return Err(type_err("", "an object", config));
    }
    for key in c.keys() {
        if !FIELDS.contains(&key.as_str()) {
            let hint = closest(key)
                .map(|k| format!("; did you mean '{k}'?"))
                .unwrap_or_default();
            let shown: String = key.chars().take(64).collect();
            return Err(CallError::type_error(
                METHOD,
                format!("config.{shown} is not a known option{hint}"),
            ));
        }
    }

    let service_name = match c.get("serviceName") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(v) => return Err(type_err("serviceName", "a non-empty string", v)),
        None => {
            return Err(CallError::type_error(
                METHOD,
                "config.serviceName is required (a non-empty string naming the app)",
            ))
        }
    };
    let storage_dir = match opt_string(c, "storageDir")? {
        Some(s) if !s.is_empty() => PathBuf::from(s),
        Some(_) => return Err(type_err("storageDir", "a non-empty path", &c["storageDir"])),
        None => platform.storage_dir.clone().ok_or_else(|| {
            CallError::type_error(
                METHOD,
                "config.storageDir is required on this platform (the native module did not provide a default directory)",
            )
        })?,
    };

    let mut t = TelemetryConfig::new(service_name, storage_dir);
    t.service_version = opt_string(c, "serviceVersion")?.map(str::to_owned);
    t.endpoint = match c.get("endpoint") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => return Err(type_err("endpoint", "a URL string or null", v)),
    };
    // Uploads go through the transport the platform glue registers (ots_set_transport).
    t.transport = Some(std::sync::Arc::new(
        crate::platform_transport::PlatformTransport,
    ));
    if let Some(h) = c.get("headers") {
        let Value::Object(map) = h else {
            return Err(type_err("headers", "an object of string values", h));
        };
        for (k, v) in map {
            let Value::String(v) = v else {
                let shown: String = k.chars().take(64).collect();
                return Err(type_err(&format!("headers['{shown}']"), "a string", v));
            };
            t.headers.push((k.clone(), v.clone()));
        }
    }
    t.consent = match c.get("consent") {
        None => Consent::Granted,
        Some(Value::String(s)) => Consent::parse(s).ok_or_else(|| {
            type_err("consent", "'granted', 'pending' or 'denied'", &c["consent"])
        })?,
        Some(v) => return Err(type_err("consent", "'granted', 'pending' or 'denied'", v)),
    };
    t.error_buffer = match c.get("errorSampling") {
        None | Some(Value::Bool(false)) => None,
        Some(Value::Object(m)) if m.len() == 1 && m.contains_key("bufferSize") => Some(whole(
            m.get("bufferSize").unwrap_or(&Value::Null),
            "errorSampling.bufferSize",
            0,
            10_000,
        )?
            as usize),
        Some(v) => {
            return Err(type_err(
                "errorSampling",
                "false or { bufferSize: number }",
                v,
            ))
        }
    };
    if let Some(v) = c.get("maxQueueBytes") {
        t.max_queue_bytes = whole(v, "maxQueueBytes", 65_536, 1 << 30)?;
    }
    if let Some(v) = c.get("maxQueueAgeMs") {
        t.max_queue_age = Duration::from_millis(whole(v, "maxQueueAgeMs", 1, MAX_MS)?);
    }
    t.resource_attributes = platform.resource.clone();

    let mut p = SessionPolicy::builder();
    if let Some(v) = c.get("backgroundTimeoutMs") {
        p = p.background_timeout(Duration::from_millis(whole(
            v,
            "backgroundTimeoutMs",
            0,
            MAX_MS,
        )?));
    }
    match c.get("inactivityTimeoutMs") {
        None | Some(Value::Null) => {}
        Some(v) => {
            p = p.inactivity_timeout(Some(Duration::from_millis(whole(
                v,
                "inactivityTimeoutMs",
                1,
                MAX_MS,
            )?)))
        }
    }
    if let Some(v) = c.get("maxDurationMs") {
        p = p.max_duration(Duration::from_millis(whole(v, "maxDurationMs", 1, MAX_MS)?));
    }
    match c.get("resumeAcrossLaunches") {
        None => {}
        Some(Value::Bool(b)) => p = p.resume_across_launches(*b),
        Some(v) => return Err(type_err("resumeAcrossLaunches", "a boolean", v)),
    }
    if let Some(v) = c.get("sampleRate") {
        match v.as_f64() {
            Some(r) if (0.0..=1.0).contains(&r) => p = p.sample_rate(r),
            Some(_) => return Err(range_err("sampleRate", "a number from 0 to 1", v)),
            None => return Err(type_err("sampleRate", "a number from 0 to 1", v)),
        }
    }
    let policy = p
        .build()
        .map_err(|e| CallError::range_error(METHOD, format!("config: {e}")))?;
    let initial_attributes = attributes(
        METHOD,
        "config.sessionAttributes",
        c.get("sessionAttributes").unwrap_or(&Value::Null),
    )?;
    t.validate()
        .map_err(|e| CallError::type_error(METHOD, camel_case_fields(&e.to_string())))?;
    Ok(InitConfig {
        telemetry: t,
        policy,
        initial_attributes,
    })
}

fn opt_string<'a>(c: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, CallError> {
    match c.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(type_err(field, "a string", v)),
    }
}

/// A whole number of the field's unit within `[min, max]`.
fn whole(v: &Value, field: &str, min: u64, max: u64) -> Result<u64, CallError> {
    let expected = format!("a whole number from {min} to {max}");
    if let Some(n) = v.as_u64() {
        return if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(range_err(field, &expected, v))
        };
    }
    match v.as_f64() {
        Some(_) => Err(range_err(field, &expected, v)),
        None => Err(type_err(field, &expected, v)),
    }
}

/// The known field closest to a misspelt one (same letters ignoring case, or one edit away).
fn closest(key: &str) -> Option<&'static str> {
    FIELDS
        .iter()
        .copied()
        .find(|f| f.eq_ignore_ascii_case(key))
        .or_else(|| FIELDS.iter().copied().find(|f| edit_distance(f, key) <= 2))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn camel_case_fields(msg: &str) -> String {
    msg.replace("service_name", "serviceName")
        .replace("max_queue_bytes", "maxQueueBytes")
        .replace("max_queue_age", "maxQueueAgeMs")
        .replace("error_buffer", "errorSampling.bufferSize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn platform() -> PlatformInfo {
        PlatformInfo {
            storage_dir: Some("/tmp/x".into()),
            resource: vec![],
        }
    }

    fn err(v: Value) -> String {
        parse(&v, &platform()).unwrap_err().message
    }

    #[test]
    fn a_full_config_is_accepted() {
        let c = parse(
            &json!({
                "serviceName": "shop", "serviceVersion": "2.0", "endpoint": "https://c.example:4318",
                "headers": {"x-key": "k"}, "backgroundTimeoutMs": 0, "inactivityTimeoutMs": 60000,
                "maxDurationMs": 3600000, "resumeAcrossLaunches": false, "sampleRate": 0.5,
                "errorSampling": {"bufferSize": 50}, "consent": "pending",
                "sessionAttributes": {"app.flavor": "beta"}, "maxQueueBytes": 1000000, "maxQueueAgeMs": 3600000
            }),
            &platform(),
        )
        .unwrap();
        assert_eq!(c.telemetry.error_buffer, Some(50));
        assert_eq!(c.policy.max_duration(), Duration::from_secs(3600));
        assert!(!c.policy.resume_across_launches());
        assert_eq!(c.initial_attributes.len(), 1);
    }

    #[test]
    fn every_bad_field_is_named_with_what_it_accepts() {
        assert_eq!(err(json!("shop")), "Sessions.init: argument 'config' must be an object such as { serviceName: 'my-app' }; got \"shop\"");
        assert!(err(json!({})).contains("config.serviceName is required"));
        assert!(err(json!({"serviceName": ""}))
            .contains("config.serviceName must be a non-empty string"));
        assert!(err(json!({"serviceName": "a", "backgroundTimeoutMS": 5}))
            .contains("did you mean 'backgroundTimeoutMs'?"));
        assert!(err(json!({"serviceName": "a", "maxDurationMs": -5}))
            .contains("config.maxDurationMs must be a whole number from 1 to 2592000000; got -5"));
        assert!(
            err(json!({"serviceName": "a", "maxDurationMs": {"$number": "NaN"}}))
                .ends_with("got NaN")
        );
        assert!(err(json!({"serviceName": "a", "sampleRate": 2}))
            .contains("config.sampleRate must be a number from 0 to 1"));
        assert!(err(json!({"serviceName": "a", "consent": "yes"}))
            .contains("config.consent must be 'granted', 'pending' or 'denied'"));
        assert!(err(json!({"serviceName": "a", "endpoint": "ftp://x"})).contains("config.endpoint"));
        assert!(err(json!({"serviceName": "a", "headers": {"k": 1}}))
            .contains("config.headers['k'] must be a string"));
        assert!(err(json!({"serviceName": "a", "errorSampling": true}))
            .contains("config.errorSampling must be false or"));
        assert!(
            err(json!({"serviceName": "a", "sessionAttributes": {"session.id": "x"}}))
                .contains("reserved")
        );
    }

    #[test]
    fn storage_dir_comes_from_the_platform_unless_given() {
        let none = PlatformInfo::default();
        let e = parse(&json!({"serviceName": "a"}), &none)
            .unwrap_err()
            .message;
        assert!(e.contains("config.storageDir is required"), "{e}");
        let c = parse(&json!({"serviceName": "a", "storageDir": "/data/x"}), &none).unwrap();
        assert_eq!(c.telemetry.storage_dir, PathBuf::from("/data/x"));
    }
}
