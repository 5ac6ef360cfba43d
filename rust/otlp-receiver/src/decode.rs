//! From request body to records and back: checking the media type, undoing
//! `Content-Encoding`, decoding the protobuf export request, and encoding the protobuf
//! export response.

use std::borrow::Cow;
use std::io::Read;

use flate2::read::MultiGzDecoder;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;

use crate::flatten;
use crate::model::{LogRecord, SpanRecord};

/// The OTLP signal an export path carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// `POST /v1/traces`.
    Traces,
    /// `POST /v1/logs`.
    Logs,
}

impl Signal {
    /// The signal served at `path` (already stripped of query), if any.
    pub fn from_path(path: &str) -> Option<Signal> {
        match path {
            "/v1/traces" => Some(Signal::Traces),
            "/v1/logs" => Some(Signal::Logs),
            _ => None,
        }
    }
}

/// The flattened content of one decoded export request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decoded {
    /// Spans of an `ExportTraceServiceRequest`.
    Spans(Vec<SpanRecord>),
    /// Log records of an `ExportLogsServiceRequest`.
    Logs(Vec<LogRecord>),
}

impl Decoded {
    /// Number of spans or log records.
    pub fn len(&self) -> usize {
        match self {
            Decoded::Spans(spans) => spans.len(),
            Decoded::Logs(logs) => logs.len(),
        }
    }
}

/// Why a body was refused: the status to answer and a message for the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// 400, 413 or 415.
    pub status: u16,
    /// Human-readable reason.
    pub message: String,
}

impl Rejection {
    fn new(status: u16, message: impl Into<String>) -> Rejection {
        Rejection {
            status,
            message: message.into(),
        }
    }
}

/// Decodes the body of an export request for `signal`.
///
/// `content_type` and `content_encoding` are the raw header values (if present); `max` caps
/// the decompressed size. Refusals: 415 for a media type other than protobuf or an
/// encoding other than gzip/identity, 413 for a decompressed body above `max`, 400 for
/// broken gzip or protobuf.
pub(crate) fn decode(
    signal: Signal,
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    body: &[u8],
    max: usize,
) -> Result<Decoded, Rejection> {
    check_content_type(content_type)?;
    let raw = undo_content_encoding(content_encoding, body, max)?;
    match signal {
        Signal::Traces => ExportTraceServiceRequest::decode(raw.as_ref())
            .map(|request| Decoded::Spans(flatten::spans(&request)))
            .map_err(|e| Rejection::new(400, format!("invalid ExportTraceServiceRequest: {e}"))),
        Signal::Logs => ExportLogsServiceRequest::decode(raw.as_ref())
            .map(|request| Decoded::Logs(flatten::logs(&request)))
            .map_err(|e| Rejection::new(400, format!("invalid ExportLogsServiceRequest: {e}"))),
    }
}

fn check_content_type(content_type: Option<&str>) -> Result<(), Rejection> {
    let Some(value) = content_type else {
        return Ok(());
    };
    let media_type = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media_type.as_str() {
        "application/x-protobuf" | "application/protobuf" => Ok(()),
        "application/json" => Err(Rejection::new(
            415,
            "OTLP/JSON is not supported by this receiver (send application/x-protobuf)",
        )),
        _ => Err(Rejection::new(
            415,
            format!("unsupported Content-Type {value:?} (send application/x-protobuf)"),
        )),
    }
}

fn undo_content_encoding<'a>(
    content_encoding: Option<&str>,
    body: &'a [u8],
    max: usize,
) -> Result<Cow<'a, [u8]>, Rejection> {
    let coding = content_encoding.unwrap_or_default().trim();
    if coding.is_empty() || coding.eq_ignore_ascii_case("identity") {
        return Ok(Cow::Borrowed(body));
    }
    if !(coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip")) {
        return Err(Rejection::new(
            415,
            format!("unsupported Content-Encoding {coding:?} (gzip or identity)"),
        ));
    }
    let mut out = Vec::new();
    MultiGzDecoder::new(body)
        .take((max as u64).saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| Rejection::new(400, format!("invalid gzip body: {e}")))?;
    if out.len() > max {
        return Err(Rejection::new(
            413,
            format!("decompressed body exceeds {max} bytes"),
        ));
    }
    Ok(Cow::Owned(out))
}

/// The protobuf body of a successful answer for `signal`: an empty
/// `Export*ServiceResponse`, or one with `partial_success` = `(rejected, message)`.
pub(crate) fn success_body(signal: Signal, partial: Option<&(i64, String)>) -> Vec<u8> {
    match signal {
        Signal::Traces => ExportTraceServiceResponse {
            partial_success: partial.map(|(rejected, message)| ExportTracePartialSuccess {
                rejected_spans: *rejected,
                error_message: message.clone(),
            }),
        }
        .encode_to_vec(),
        Signal::Logs => ExportLogsServiceResponse {
            partial_success: partial.map(|(rejected, message)| ExportLogsPartialSuccess {
                rejected_log_records: *rejected,
                error_message: message.clone(),
            }),
        }
        .encode_to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).expect("gzip");
        encoder.finish().expect("gzip")
    }

    #[test]
    fn empty_bodies_are_empty_requests() {
        let decoded = decode(Signal::Traces, None, None, &[], 10).expect("decoded");
        assert_eq!(decoded.len(), 0);
    }

    #[test]
    fn refusals_have_the_right_status() {
        let status = |r: Result<Decoded, Rejection>| r.err().map(|rej| rej.status);
        assert_eq!(
            status(decode(
                Signal::Logs,
                Some("application/json"),
                None,
                &[],
                10
            )),
            Some(415)
        );
        assert_eq!(
            status(decode(Signal::Logs, None, Some("br"), &[], 10)),
            Some(415)
        );
        assert_eq!(
            status(decode(Signal::Logs, None, Some("gzip"), b"not gzip", 10)),
            Some(400)
        );
        assert_eq!(
            status(decode(Signal::Logs, None, None, &[0xff, 0xff, 0xff], 10)),
            Some(400)
        );
        let bomb = gzip(&[0u8; 1000]);
        assert_eq!(
            status(decode(Signal::Logs, None, Some("GZIP"), &bomb, 999)),
            Some(413)
        );
    }

    #[test]
    fn partial_success_round_trips() {
        let body = success_body(Signal::Logs, Some(&(3, "nope".to_string())));
        let response = ExportLogsServiceResponse::decode(body.as_slice()).expect("decode");
        let partial = response.partial_success.expect("partial");
        assert_eq!(partial.rejected_log_records, 3);
        assert_eq!(partial.error_message, "nope");
        assert!(success_body(Signal::Traces, None).is_empty());
    }
}
