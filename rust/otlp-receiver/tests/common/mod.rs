//! Shared helpers of the integration tests: a minimal raw HTTP/1.1 client over
//! `std::net::TcpStream`, and OTLP payload builders.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use flate2::write::GzEncoder;
use flate2::Compression;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span};
use prost::Message;

/// How long a test client waits for an answer before giving up: generous, so that only a
/// receiver that never answers fails a test, not a slow, loaded machine.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a test waits for the receiver to record something before failing: only a hang
/// takes this long.
pub const WAIT: Duration = Duration::from_secs(60);

/// Waits until every queued fault has been taken by a request.
pub fn wait_for_no_pending_faults(receiver: &otlp_receiver::Receiver) {
    let deadline = std::time::Instant::now() + WAIT;
    while receiver.pending_faults() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for the queued faults to be taken"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

pub const TRACE_ID: [u8; 16] = [
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
];
pub const TRACE_ID_HEX: &str = "0102030405060708090a0b0c0d0e0f10";

/// A response as read off the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// One client connection, kept open across requests.
pub struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(port: u16) -> Conn {
        Conn::open_with_timeout(port, CLIENT_TIMEOUT)
    }

    pub fn open_with_timeout(port: u16, timeout: Duration) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the receiver");
        stream.set_read_timeout(Some(timeout)).expect("timeout");
        stream
            .set_write_timeout(Some(CLIENT_TIMEOUT))
            .expect("timeout");
        let reader = BufReader::new(stream.try_clone().expect("clone"));
        Conn { stream, reader }
    }

    /// Writes raw bytes (errors ignored: the server may already have closed).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
        let _ = self.stream.flush();
    }

    /// Half-closes the sending side (the server sees end of stream).
    pub fn finish_sending(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Sends a request with `Content-Length` and reads the answer.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<RawResponse> {
        self.send_raw(&build_request(method, path, headers, body));
        self.read_response()
    }

    /// Reads one response (status line, headers, `Content-Length` body).
    pub fn read_response(&mut self) -> io::Result<RawResponse> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed without a response",
            ));
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, line.clone()))?;
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            self.reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header
                .split_once(':')
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, header.to_string()))?;
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// `true` when the server closed (or reset) the connection without sending a byte.
    pub fn closed_without_answer(&mut self) -> bool {
        let mut byte = [0u8; 1];
        match self.reader.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(error) => !matches!(
                error.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
        }
    }
}

/// The bytes of a request with `Host` and `Content-Length` (unless `headers` has a
/// `Transfer-Encoding`, in which case `body` must already be framed).
pub fn build_request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let chunked = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("transfer-encoding"));
    if !chunked {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// One request on a fresh connection, `Connection: close`.
pub fn post(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<RawResponse> {
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    all.push(("Connection", "close"));
    Conn::open(port).request("POST", path, &all, body)
}

pub const PROTOBUF: (&str, &str) = ("Content-Type", "application/x-protobuf");
pub const GZIP: (&str, &str) = ("Content-Encoding", "gzip");

/// The two-span trace export, gzip'd, as the telemetry crate sends it.
pub fn post_traces(port: u16) -> io::Result<RawResponse> {
    post(
        port,
        "/v1/traces",
        &[PROTOBUF, GZIP],
        &gzip(&two_span_request().encode_to_vec()),
    )
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

pub fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

pub fn string(value: &str) -> any_value::Value {
    any_value::Value::StringValue(value.to_string())
}

fn resource() -> Resource {
    Resource {
        attributes: vec![
            kv("service.name", string("demo-app")),
            kv("session.id", string("s-1")),
        ],
        ..Default::default()
    }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: "otel-sessions".to_string(),
        version: "0.1.0".to_string(),
        ..Default::default()
    }
}

/// Two spans, `app.start` (root, with one event) and `http.get` (its child).
pub fn two_span_request() -> ExportTraceServiceRequest {
    let root = Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: vec![0xaa; 8],
        name: "app.start".to_string(),
        kind: 1,
        start_time_unix_nano: 1_700_000_000_000_000_000,
        end_time_unix_nano: 1_700_000_000_500_000_000,
        attributes: vec![
            kv("session.id", string("s-1")),
            kv("launch.count", any_value::Value::IntValue(3)),
            kv("launch.cold", any_value::Value::BoolValue(true)),
            kv("launch.ratio", any_value::Value::DoubleValue(0.5)),
            kv(
                "launch.tags",
                any_value::Value::ArrayValue(ArrayValue {
                    values: vec![
                        AnyValue {
                            value: Some(string("a")),
                        },
                        AnyValue {
                            value: Some(string("b")),
                        },
                    ],
                }),
            ),
        ],
        events: vec![span::Event {
            time_unix_nano: 1_700_000_000_100_000_000,
            name: "first.frame".to_string(),
            attributes: vec![kv("frame.ms", any_value::Value::IntValue(16))],
            ..Default::default()
        }],
        ..Default::default()
    };
    let child = Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: vec![0xbb; 8],
        parent_span_id: vec![0xaa; 8],
        name: "http.get".to_string(),
        kind: 3,
        start_time_unix_nano: 1_700_000_000_200_000_000,
        end_time_unix_nano: 1_700_000_000_300_000_000,
        attributes: vec![kv("http.status_code", any_value::Value::IntValue(200))],
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(resource()),
            scope_spans: vec![ScopeSpans {
                scope: Some(scope()),
                spans: vec![root, child],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// One event log record (`session.start`) with a string body.
pub fn logs_request() -> ExportLogsServiceRequest {
    let record = LogRecord {
        time_unix_nano: 1_700_000_001_000_000_000,
        observed_time_unix_nano: 1_700_000_001_000_000_001,
        severity_number: 9,
        severity_text: "INFO".to_string(),
        body: Some(AnyValue {
            value: Some(string("session started")),
        }),
        attributes: vec![
            kv("session.id", string("s-1")),
            kv("session.seq", any_value::Value::IntValue(1)),
        ],
        trace_id: TRACE_ID.to_vec(),
        span_id: vec![0xaa; 8],
        event_name: "session.start".to_string(),
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(resource()),
            scope_logs: vec![ScopeLogs {
                scope: Some(scope()),
                log_records: vec![record],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}
