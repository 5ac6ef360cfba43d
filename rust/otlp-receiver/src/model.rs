//! What the receiver records: one [`ReceivedRequest`] per HTTP request, and the flattened,
//! decoded telemetry of the accepted ones in [`Received`].
//!
//! These types are plain data (no references into the server), so a snapshot can be kept
//! and inspected after the [`Receiver`](crate::Receiver) is stopped.

/// An OTLP attribute value (`AnyValue`), converted to an owned Rust value.
///
/// Nested arrays and key-value lists keep their structure. An `AnyValue` with no value set
/// becomes `Other("")`; value kinds this crate does not model (for instance dictionary
/// indices of the profiles signal) become `Other` with a short description.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// `string_value`.
    String(String),
    /// `bool_value`.
    Bool(bool),
    /// `int_value`.
    Int(i64),
    /// `double_value`.
    Double(f64),
    /// `bytes_value`.
    Bytes(Vec<u8>),
    /// `array_value`, element by element.
    Array(Vec<AttrValue>),
    /// `kvlist_value`, as key/value pairs in wire order.
    Map(Vec<(String, AttrValue)>),
    /// Anything else (empty value, string-table index); the text describes it.
    Other(String),
}

impl AttrValue {
    /// The text of a `String` value; `None` for every other kind.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number of an `Int` value; `None` for every other kind (no conversion from
    /// `Double` or `String`).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            AttrValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value of a `Bool`; `None` for every other kind.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            AttrValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number of a `Double` value; `None` for every other kind (no conversion from
    /// `Int`).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Double(d) => Some(*d),
            _ => None,
        }
    }

    /// The elements of an `Array` value; `None` for every other kind.
    pub fn as_array(&self) -> Option<&[AttrValue]> {
        match self {
            AttrValue::Array(items) => Some(items),
            _ => None,
        }
    }
}

/// Finds the first attribute named `key` in a list of key/value pairs.
fn find_attr<'a>(attributes: &'a [(String, AttrValue)], key: &str) -> Option<&'a AttrValue> {
    attributes
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value)
}

/// One span event (`Span.Event`) of a [`SpanRecord`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpanEventRecord {
    /// Event name.
    pub name: String,
    /// Event time, nanoseconds since the Unix epoch (0 if unset).
    pub time_unix_nano: u64,
    /// Event attributes in wire order.
    pub attributes: Vec<(String, AttrValue)>,
}

impl SpanEventRecord {
    /// The first attribute named `key`, if any.
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        find_attr(&self.attributes, key)
    }
}

/// One span of an accepted `/v1/traces` request, with the resource and scope it was sent
/// under copied in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpanRecord {
    /// Span name.
    pub name: String,
    /// Trace id as lowercase hex (32 characters for a well-formed id; empty if unset).
    pub trace_id: String,
    /// Span id as lowercase hex (16 characters for a well-formed id; empty if unset).
    pub span_id: String,
    /// Parent span id as lowercase hex; empty for a root span.
    pub parent_span_id: String,
    /// `SpanKind` as its protobuf number (0 unspecified, 1 internal, 2 server, 3 client,
    /// 4 producer, 5 consumer).
    pub kind: i32,
    /// Start time, nanoseconds since the Unix epoch.
    pub start_time_unix_nano: u64,
    /// End time, nanoseconds since the Unix epoch.
    pub end_time_unix_nano: u64,
    /// Span attributes in wire order.
    pub attributes: Vec<(String, AttrValue)>,
    /// Span events in wire order.
    pub events: Vec<SpanEventRecord>,
    /// `Status.code` as its protobuf number (0 unset, 1 ok, 2 error); 0 if no status.
    pub status_code: i32,
    /// `Status.message`; empty if no status.
    pub status_message: String,
    /// Attributes of the enclosing `Resource` (empty if the resource is absent).
    pub resource_attributes: Vec<(String, AttrValue)>,
    /// Name of the enclosing `InstrumentationScope` (empty if absent).
    pub scope_name: String,
    /// Version of the enclosing `InstrumentationScope` (empty if absent).
    pub scope_version: String,
}

impl SpanRecord {
    /// The first span attribute named `key`, if any.
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        find_attr(&self.attributes, key)
    }

    /// The first resource attribute named `key`, if any.
    pub fn resource_attr(&self, key: &str) -> Option<&AttrValue> {
        find_attr(&self.resource_attributes, key)
    }
}

/// One log record of an accepted `/v1/logs` request, with the resource and scope it was
/// sent under copied in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogRecord {
    /// `event_name` (empty for a plain log record).
    pub event_name: String,
    /// The body, if one was set.
    pub body: Option<AttrValue>,
    /// `SeverityNumber` as its protobuf number (0 unspecified, 9 info, 17 error, ...).
    pub severity_number: i32,
    /// `severity_text`.
    pub severity_text: String,
    /// Event time, nanoseconds since the Unix epoch (0 if unset).
    pub time_unix_nano: u64,
    /// Observed time, nanoseconds since the Unix epoch (0 if unset).
    pub observed_time_unix_nano: u64,
    /// Trace id as lowercase hex; empty if the record is not correlated to a trace.
    pub trace_id: String,
    /// Span id as lowercase hex; empty if the record is not correlated to a span.
    pub span_id: String,
    /// Log attributes in wire order.
    pub attributes: Vec<(String, AttrValue)>,
    /// Attributes of the enclosing `Resource` (empty if the resource is absent).
    pub resource_attributes: Vec<(String, AttrValue)>,
    /// Name of the enclosing `InstrumentationScope` (empty if absent).
    pub scope_name: String,
    /// Version of the enclosing `InstrumentationScope` (empty if absent).
    pub scope_version: String,
}

impl LogRecord {
    /// The first log attribute named `key`, if any.
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        find_attr(&self.attributes, key)
    }

    /// The first resource attribute named `key`, if any.
    pub fn resource_attr(&self, key: &str) -> Option<&AttrValue> {
        find_attr(&self.resource_attributes, key)
    }

    /// The body as text when it is a string value; `None` otherwise.
    pub fn body_text(&self) -> Option<&str> {
        self.body.as_ref().and_then(AttrValue::as_str)
    }
}

/// The decoded content of every request the receiver answered with a 2xx status, i.e.
/// what a real backend would have accepted, in the order the answers were decided.
///
/// A request whose answer is 2xx is counted even if the client hung up before reading the
/// answer (as a real backend would have stored it); this is how duplicates after a client
/// timeout show up.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Received {
    /// Every span of every accepted `/v1/traces` request.
    pub spans: Vec<SpanRecord>,
    /// Every log record of every accepted `/v1/logs` request.
    pub logs: Vec<LogRecord>,
}

impl Received {
    /// The first span named `name`, if any.
    pub fn span_named(&self, name: &str) -> Option<&SpanRecord> {
        self.spans.iter().find(|span| span.name == name)
    }

    /// Every span named `name`, in order.
    pub fn spans_named(&self, name: &str) -> Vec<&SpanRecord> {
        self.spans.iter().filter(|span| span.name == name).collect()
    }

    /// Every log record whose `event_name` is `event_name`, in order.
    pub fn logs_named(&self, event_name: &str) -> Vec<&LogRecord> {
        self.logs
            .iter()
            .filter(|log| log.event_name == event_name)
            .collect()
    }

    /// `true` when nothing has been accepted.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty() && self.logs.is_empty()
    }
}

/// What the receiver saw of one HTTP request and how it answered, recorded for every
/// request whose head arrived, whether it was accepted, refused or broken.
///
/// A record is created when the request head arrives (so records are in arrival order) and
/// is completed once the answer is decided; `complete` tells which state it is in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReceivedRequest {
    /// Request method as sent (e.g. `POST`); empty if the request line could not be parsed.
    pub method: String,
    /// Request target as sent (e.g. `/v1/traces`); empty if the request line could not be
    /// parsed.
    pub path: String,
    /// The status code of the answer, or 0 when no answer was written: a
    /// [`Fault::Reset`](crate::Fault::Reset), a body the client never finished, the
    /// receiver stopping during a delay, or a record that is not `complete` yet.
    pub status: u16,
    /// Request headers in arrival order, names as sent (compare case-insensitively, or use
    /// [`ReceivedRequest::header`]).
    pub headers: Vec<(String, String)>,
    /// Bytes of body read from the wire (after chunked framing is removed, before
    /// `Content-Encoding` is undone); 0 if the body was not read.
    pub body_len: usize,
    /// `true` when the body was decoded into an OTLP export request. Also `true` for a
    /// well-formed request that an injected fault refused.
    pub decoded_ok: bool,
    /// Number of spans or log records in the decoded body (0 if not decoded).
    pub item_count: usize,
    /// Why the request was not accepted or what went wrong (decode error, injected fault,
    /// truncated body, failed write of the answer...); `None` for a plain success.
    pub error: Option<String>,
    /// `false` while the receiver is still reading the body or waiting out a delay.
    pub complete: bool,
}

impl ReceivedRequest {
    /// The value of the first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// `true` when the answer had a 2xx status (the data is part of [`Received`]).
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
