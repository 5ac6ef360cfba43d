//! Responses: the status line and the few headers this receiver sends, then the body.

use std::io::{self, Write};

/// What the `Connection` header of a response says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnectionHeader {
    /// No header (HTTP/1.1 keep-alive is implied).
    Omit,
    /// `Connection: close`: the server closes after this response.
    Close,
    /// `Connection: keep-alive`: for HTTP/1.0 clients that asked for it.
    KeepAlive,
}

/// A complete response, written in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// Status code (three digits).
    pub status: u16,
    /// `Content-Type` value.
    pub content_type: &'static str,
    /// Body bytes (`Content-Length` is derived from it).
    pub body: Vec<u8>,
    /// `Retry-After` value, if any (CR/LF removed when written).
    pub retry_after: Option<String>,
    /// `Connection` header.
    pub connection: ConnectionHeader,
    /// Leave the body out (answer to `HEAD`); `Content-Length` still describes it.
    pub omit_body: bool,
}

/// Serializes `response` into the bytes sent on the wire.
pub(crate) fn encode_response(response: &Response) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        response.status,
        reason_phrase(response.status),
        response.content_type,
        response.body.len()
    );
    if let Some(value) = &response.retry_after {
        let clean: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        head.push_str("Retry-After: ");
        head.push_str(&clean);
        head.push_str("\r\n");
    }
    match response.connection {
        ConnectionHeader::Omit => {}
        ConnectionHeader::Close => head.push_str("Connection: close\r\n"),
        ConnectionHeader::KeepAlive => head.push_str("Connection: keep-alive\r\n"),
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if !response.omit_body {
        bytes.extend_from_slice(&response.body);
    }
    bytes
}

/// Writes `response` and flushes.
pub(crate) fn write_response<W: Write>(writer: &mut W, response: &Response) -> io::Result<()> {
    writer.write_all(&encode_response(response))?;
    writer.flush()
}

/// Writes the interim `100 Continue` answer and flushes.
pub(crate) fn write_continue<W: Write>(writer: &mut W) -> io::Result<()> {
    writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    writer.flush()
}

/// The standard reason phrase of `status` (a generic one for unknown codes).
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    let known = match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    };
    if !known.is_empty() {
        return known;
    }
    match status / 100 {
        2 => "Success",
        3 => "Redirection",
        4 => "Client Error",
        _ => "Server Error",
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_well_formed() {
        let bytes = encode_response(&Response {
            status: 503,
            content_type: "text/plain",
            body: b"busy".to_vec(),
            retry_after: Some("2\r\nX-Evil: 1".to_string()),
            connection: ConnectionHeader::Close,
            omit_body: false,
        });
        let text = String::from_utf8(bytes).expect("utf8");
        assert_eq!(
            text,
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\
             Retry-After: 2X-Evil: 1\r\nConnection: close\r\n\r\nbusy"
        );
    }
}
