//! Request heads: request line, header lines, and the body framing they announce.

use std::io::{self, BufRead};

use super::{read_line, Line, TrimOws, MAX_HEADERS, MAX_HEAD_BYTES};

/// The HTTP version of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// `HTTP/1.0`: the connection closes after the answer unless asked otherwise.
    Http10,
    /// `HTTP/1.1`: the connection stays open unless asked otherwise.
    Http11,
}

/// How the body of a request is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No `Content-Length` and no `Transfer-Encoding`: no body.
    Empty,
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A parsed request line and header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestHead {
    /// Method as sent.
    pub method: String,
    /// Request target as sent.
    pub target: String,
    /// Protocol version.
    pub version: Version,
    /// Headers in arrival order; names as sent, values trimmed (non-UTF-8 bytes replaced).
    pub headers: Vec<(String, String)>,
    /// How the body is delimited (validated: conflicting or unsupported framing is an
    /// error while reading the head).
    pub framing: Framing,
}

impl RequestHead {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// `true` if some `Connection` header lists `token` (case-insensitive).
    fn connection_has(&self, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case("connection"))
            .flat_map(|(_, value)| value.split(','))
            .any(|item| item.trim().eq_ignore_ascii_case(token))
    }

    /// Whether the client wants the connection kept open after this exchange.
    pub fn keep_alive(&self) -> bool {
        match self.version {
            Version::Http11 => !self.connection_has("close"),
            Version::Http10 => self.connection_has("keep-alive") && !self.connection_has("close"),
        }
    }

    /// Whether the client waits for `100 Continue` before sending the body.
    pub fn expects_continue(&self) -> bool {
        self.version == Version::Http11
            && self
                .header("expect")
                .is_some_and(|value| value.eq_ignore_ascii_case("100-continue"))
    }

    /// The path used for routing: the target without scheme and authority (absolute
    /// form), query or fragment.
    pub fn route_path(&self) -> &str {
        let mut path = self.target.as_str();
        for scheme in ["http://", "https://"] {
            // `get` rather than indexing: the target may hold multi-byte characters.
            let prefix = path.get(..scheme.len());
            if let (Some(prefix), Some(rest)) = (prefix, path.get(scheme.len()..)) {
                if prefix.eq_ignore_ascii_case(scheme) {
                    path = rest.find('/').map_or("/", |slash| &rest[slash..]);
                    break;
                }
            }
        }
        let end = path.find(['?', '#']).unwrap_or(path.len());
        &path[..end]
    }
}

/// Why no request head could be read.
#[derive(Debug)]
pub(crate) enum HeadError {
    /// The connection failed, timed out or closed in the middle of a head. `partial` is
    /// `true` when some bytes of a head had arrived (otherwise it was an idle connection).
    Io {
        /// The underlying error (`UnexpectedEof` for a close in the middle of a head).
        error: io::Error,
        /// Whether part of a head had been received.
        partial: bool,
    },
    /// The bytes are not an acceptable HTTP/1.x request head (answer 400 and close).
    Malformed {
        /// What is wrong.
        message: String,
        /// Method, if the request line could be parsed (else empty).
        method: String,
        /// Target, if the request line could be parsed (else empty).
        target: String,
    },
    /// The head exceeds [`MAX_HEAD_BYTES`] or [`MAX_HEADERS`] (answer 431 and close).
    TooLarge,
}

/// `tchar` of RFC 9110: the characters allowed in methods and header names.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

fn is_token(text: &[u8]) -> bool {
    !text.is_empty() && text.iter().copied().all(is_token_byte)
}

fn malformed(message: impl Into<String>, method: &str, target: &str) -> HeadError {
    HeadError::Malformed {
        message: message.into(),
        method: method.to_string(),
        target: target.to_string(),
    }
}

fn eof_in_head() -> HeadError {
    HeadError::Io {
        error: io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed in the middle of a request head",
        ),
        partial: true,
    }
}

/// Reads the next request head.
///
/// Returns `Ok(None)` when the stream ends cleanly before any byte of a new request
/// (leading empty lines are skipped, as RFC 9112 allows).
pub(crate) fn read_head<R: BufRead>(reader: &mut R) -> Result<Option<RequestHead>, HeadError> {
    let mut budget = MAX_HEAD_BYTES;
    let mut seen_any = false;
    let mut buf = Vec::new();

    // Request line.
    loop {
        match read_line(reader, budget, &mut buf) {
            Err(error) => {
                return Err(HeadError::Io {
                    error,
                    partial: seen_any || !buf.is_empty(),
                })
            }
            Ok(Line::Eof) if !seen_any => return Ok(None),
            Ok(Line::Eof) | Ok(Line::Partial) => return Err(eof_in_head()),
            Ok(Line::TooLong) => return Err(HeadError::TooLarge),
            Ok(Line::Complete(consumed)) => {
                budget -= consumed;
                seen_any = true;
                if !buf.is_empty() {
                    break;
                }
            }
        }
    }
    let (method, target, version) = parse_request_line(&buf)?;

    // Header lines.
    let mut headers = Vec::new();
    loop {
        match read_line(reader, budget, &mut buf) {
            Err(error) => {
                return Err(HeadError::Io {
                    error,
                    partial: true,
                })
            }
            Ok(Line::Eof) | Ok(Line::Partial) => return Err(eof_in_head()),
            Ok(Line::TooLong) => return Err(HeadError::TooLarge),
            Ok(Line::Complete(consumed)) => budget -= consumed,
        }
        if buf.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(HeadError::TooLarge);
        }
        headers.push(parse_header_line(&buf).map_err(|msg| malformed(msg, &method, &target))?);
    }

    let framing = framing(&headers, version).map_err(|msg| malformed(msg, &method, &target))?;
    Ok(Some(RequestHead {
        method,
        target,
        version,
        headers,
        framing,
    }))
}

fn parse_request_line(line: &[u8]) -> Result<(String, String, Version), HeadError> {
    let text = std::str::from_utf8(line)
        .map_err(|_| malformed("request line is not valid UTF-8", "", ""))?;
    let parts: Vec<&str> = text.split_ascii_whitespace().collect();
    let [method, target, version] = parts[..] else {
        return Err(malformed(
            format!(
                "request line must be `METHOD TARGET HTTP/1.x`, got {} part(s)",
                parts.len()
            ),
            "",
            "",
        ));
    };
    if !is_token(method.as_bytes()) {
        return Err(malformed("method is not a token", "", ""));
    }
    if target.bytes().any(|byte| byte.is_ascii_control()) {
        return Err(malformed("request target has control characters", "", ""));
    }
    let version = match version {
        "HTTP/1.1" => Version::Http11,
        "HTTP/1.0" => Version::Http10,
        other => {
            let other: String = other.chars().take(32).collect();
            return Err(malformed(
                format!("unsupported protocol version {other:?}"),
                method,
                target,
            ));
        }
    };
    Ok((method.to_string(), target.to_string(), version))
}

fn parse_header_line(line: &[u8]) -> Result<(String, String), String> {
    if matches!(line.first(), Some(b' ') | Some(b'\t')) {
        return Err("obsolete header line folding is not accepted".to_string());
    }
    let colon = line
        .iter()
        .position(|&byte| byte == b':')
        .ok_or_else(|| "header line without a colon".to_string())?;
    let (name, rest) = line.split_at(colon);
    if !is_token(name) {
        return Err("header name is not a token".to_string());
    }
    let value = rest
        .get(1..)
        .unwrap_or_default()
        .trim_ascii_start_ows()
        .trim_ascii_end_ows();
    Ok((
        String::from_utf8_lossy(name).into_owned(),
        String::from_utf8_lossy(value).into_owned(),
    ))
}
/// Decides the body framing from the headers, rejecting ambiguous or unsupported cases.
fn framing(headers: &[(String, String)], version: Version) -> Result<Framing, String> {
    let values = |name: &str| -> Vec<String> {
        headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .flat_map(|(_, value)| value.split(','))
            .map(|item| item.trim().to_ascii_lowercase())
            .filter(|item| !item.is_empty())
            .collect()
    };
    let has_header = |name: &str| {
        headers
            .iter()
            .any(|(key, _)| key.eq_ignore_ascii_case(name))
    };

    if has_header("transfer-encoding") {
        if version == Version::Http10 {
            return Err("Transfer-Encoding is not allowed in HTTP/1.0".to_string());
        }
        if has_header("content-length") {
            return Err("both Transfer-Encoding and Content-Length are present".to_string());
        }
        let codings = values("transfer-encoding");
        if codings != ["chunked"] {
            return Err(format!(
                "unsupported Transfer-Encoding {:?} (only `chunked`)",
                codings.join(", ")
            ));
        }
        return Ok(Framing::Chunked);
    }

    if !has_header("content-length") {
        return Ok(Framing::Empty);
    }
    let mut length = None;
    for item in values("content-length") {
        if item.is_empty() || item.len() > 19 || !item.bytes().all(|b| b.is_ascii_digit()) {
            return Err("Content-Length is not a decimal number".to_string());
        }
        let parsed: u64 = item
            .parse()
            .map_err(|_| "Content-Length is out of range".to_string())?;
        match length {
            Some(previous) if previous != parsed => {
                return Err("conflicting Content-Length values".to_string())
            }
            _ => length = Some(parsed),
        }
    }
    length
        .map(Framing::Length)
        .ok_or_else(|| "empty Content-Length".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn head(text: &str) -> Result<Option<RequestHead>, HeadError> {
        read_head(&mut Cursor::new(text.as_bytes().to_vec()))
    }

    #[test]
    fn parses_a_post_with_content_length() {
        let parsed = head("POST /v1/traces HTTP/1.1\r\nHost: x\r\ncontent-length: 5\r\n\r\n")
            .ok()
            .flatten()
            .expect("head");
        assert_eq!(parsed.method, "POST");
        assert_eq!(parsed.route_path(), "/v1/traces");
        assert_eq!(parsed.framing, Framing::Length(5));
        assert_eq!(parsed.header("CONTENT-LENGTH"), Some("5"));
        assert!(parsed.keep_alive());
    }

    #[test]
    fn clean_eof_is_none_and_partial_head_is_an_error() {
        assert!(matches!(head(""), Ok(None)));
        assert!(matches!(
            head("POST / HTTP/1.1\r\nHost"),
            Err(HeadError::Io { partial: true, .. })
        ));
    }

    #[test]
    fn rejects_bad_heads() {
        for text in [
            "GARBAGE\r\n\r\n",
            "POST /x HTTP/2.0\r\n\r\n",
            "POST /x HTTP/1.1\r\n folded\r\n\r\n",
            "POST /x HTTP/1.1\r\nno colon\r\n\r\n",
            "POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        ] {
            assert!(
                matches!(head(text), Err(HeadError::Malformed { .. })),
                "{text:?}"
            );
        }
    }

    #[test]
    fn oversized_heads_are_too_large() {
        let long = format!("POST /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_HEAD_BYTES));
        assert!(matches!(head(&long), Err(HeadError::TooLarge)));
        let many: String = std::iter::once("POST / HTTP/1.1\r\n".to_string())
            .chain((0..=MAX_HEADERS).map(|i| format!("x-{i}: y\r\n")))
            .chain(std::iter::once("\r\n".to_string()))
            .collect();
        assert!(matches!(head(&many), Err(HeadError::TooLarge)));
    }

    #[test]
    fn connection_rules_follow_the_version() {
        let close = head("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n")
            .ok()
            .flatten()
            .expect("head");
        assert!(!close.keep_alive());
        let old = head("GET / HTTP/1.0\r\n\r\n").ok().flatten().expect("head");
        assert!(!old.keep_alive());
        let old_ka = head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .ok()
            .flatten()
            .expect("head");
        assert!(old_ka.keep_alive());
    }

    #[test]
    fn route_path_strips_absolute_form_and_query() {
        let parsed = head("POST http://127.0.0.1:4318/v1/logs?x=1 HTTP/1.1\r\n\r\n")
            .ok()
            .flatten()
            .expect("head");
        assert_eq!(parsed.route_path(), "/v1/logs");
        for target in ["http:/é/x", "htt€", "é", "HTTPS://h", "/a#b?c"] {
            let parsed = head(&format!("POST {target} HTTP/1.1\r\n\r\n"))
                .ok()
                .flatten()
                .expect("head");
            let _ = parsed.route_path(); // never panics on multi-byte characters
        }
    }
}
