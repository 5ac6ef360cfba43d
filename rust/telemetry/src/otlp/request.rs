//! Export requests assembled from already-encoded records. Traces and logs share the shape
//! and the field numbers:
//!
//! ```text
//!  Export{Trace,Logs}ServiceRequest { 1: Resource{Spans,Logs} { 1: Resource, 3: schema_url,
//!                                       2: Scope{Spans,Logs} { 1: InstrumentationScope,
//!                                                              3: schema_url,
//!                                                              2: Span | LogRecord (repeated) } } }
//! ```
//!
//! A record's bytes are a complete OTLP message, so a request is the records' bytes with
//! their field keys and lengths around them: nothing is decoded or encoded again.

use super::wire::Wire;

/// The records of one instrumentation scope.
#[derive(Debug, Default)]
pub(crate) struct ScopeGroup<'a> {
    /// The encoded `InstrumentationScope`.
    pub scope: &'a [u8],
    /// The scope's schema URL ("" for none).
    pub schema_url: &'a str,
    /// Encoded `Span`s or `LogRecord`s.
    pub records: Vec<&'a [u8]>,
}

/// One export request body (before compression).
pub(crate) fn request(
    resource: &[u8],
    resource_schema_url: &str,
    groups: &[ScopeGroup<'_>],
) -> Vec<u8> {
    let records: usize = groups
        .iter()
        .flat_map(|g| &g.records)
        .map(|r| r.len() + 6)
        .sum();
    let mut w = Wire::with_capacity(records + resource.len() + 64 * groups.len() + 16);
    w.message(1, |w| {
        w.raw_message(1, resource);
        for g in groups {
            w.message(2, |w| {
                w.raw_message(1, g.scope);
                for r in &g.records {
                    w.raw_message(2, r);
                }
                w.string(3, g.schema_url);
            });
        }
        w.string(3, resource_schema_url);
    });
    w.buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::records;
    use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _};
    use opentelemetry::{InstrumentationScope, KeyValue};
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message;

    #[test]
    fn a_request_of_two_scopes_decodes_with_every_record_in_place() {
        let resource = opentelemetry_sdk::Resource::builder_empty()
            .with_attributes([KeyValue::new("service.name", "shop")])
            .build();
        let res = records::resource(&resource);
        let (a, b) = (
            records::scope(&InstrumentationScope::builder("a").build(), None),
            records::scope(
                &InstrumentationScope::builder("b").with_version("2").build(),
                None,
            ),
        );
        let provider = opentelemetry_sdk::logs::SdkLoggerProvider::builder().build();
        let logger = provider.logger("x");
        let encoded: Vec<Vec<u8>> = (0..300)
            .map(|i| {
                let mut r = logger.create_log_record();
                r.set_event_name("e");
                r.add_attribute("i", i as i64);
                records::log_record(&r)
            })
            .collect();
        let groups = [
            ScopeGroup {
                scope: &a,
                schema_url: "",
                records: encoded[..100].iter().map(Vec::as_slice).collect(),
            },
            ScopeGroup {
                scope: &b,
                schema_url: "https://s",
                records: encoded[100..].iter().map(Vec::as_slice).collect(),
            },
        ];
        let body = request(&res, "https://opentelemetry.io/schemas/1.34.0", &groups);
        let logs = ExportLogsServiceRequest::decode(&body[..]).unwrap();
        let rl = &logs.resource_logs[0];
        assert_eq!(rl.schema_url, "https://opentelemetry.io/schemas/1.34.0");
        assert_eq!(
            rl.resource.as_ref().unwrap().attributes[0].key,
            "service.name"
        );
        assert_eq!(rl.scope_logs.len(), 2);
        assert_eq!(rl.scope_logs[0].scope.as_ref().unwrap().name, "a");
        assert_eq!(rl.scope_logs[1].scope.as_ref().unwrap().version, "2");
        assert_eq!(rl.scope_logs[1].schema_url, "https://s");
        let seen: Vec<i64> = rl
            .scope_logs
            .iter()
            .flat_map(|s| &s.log_records)
            .map(|r| match r.attributes[0].value.as_ref().unwrap().value {
                Some(opentelemetry_proto::tonic::common::v1::any_value::Value::IntValue(i)) => i,
                _ => -1,
            })
            .collect();
        assert_eq!(seen, (0..300).collect::<Vec<_>>());
        // The trace request has the same shape.
        assert!(ExportTraceServiceRequest::decode(&request(&res, "", &[])[..]).is_ok());
    }
}
