//! Just enough HTTP/1.x, by hand: read a request head ([`head`]) and its body
//! ([`body`]: Content-Length or chunked), write a response ([`response`]).
//!
//! Everything here is bounded (head size, header count, body size, line length) and
//! returns errors instead of panicking, whatever bytes arrive.

mod body;
mod head;
mod response;

use std::io::{self, BufRead, Read};

pub(crate) use body::{read_body, BodyError};
pub(crate) use head::{read_head, Framing, HeadError, RequestHead, Version};
pub(crate) use response::{write_continue, write_response, ConnectionHeader, Response};

/// Largest accepted request head (request line + headers), in bytes.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest accepted number of header lines.
pub(crate) const MAX_HEADERS: usize = 128;

/// Result of reading one line.
enum Line {
    /// A full line; the count includes the line terminator.
    Complete(usize),
    /// End of stream before any byte.
    Eof,
    /// End of stream in the middle of a line.
    Partial,
    /// `max` bytes without a line feed.
    TooLong,
}

/// Reads one LF- or CRLF-terminated line of at most `max` bytes (terminator included)
/// into `buf` (cleared first), without the terminator.
fn read_line<R: BufRead>(reader: &mut R, max: usize, buf: &mut Vec<u8>) -> io::Result<Line> {
    buf.clear();
    if max == 0 {
        return Ok(Line::TooLong);
    }
    let consumed = reader.by_ref().take(max as u64).read_until(b'\n', buf)?;
    if consumed == 0 {
        return Ok(Line::Eof);
    }
    if buf.last() != Some(&b'\n') {
        return Ok(if consumed >= max {
            Line::TooLong
        } else {
            Line::Partial
        });
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Line::Complete(consumed))
}

/// Trimming of optional whitespace (SP / HTAB) around header values.
trait TrimOws {
    fn trim_ascii_start_ows(&self) -> &Self;
    fn trim_ascii_end_ows(&self) -> &Self;
}

impl TrimOws for [u8] {
    fn trim_ascii_start_ows(&self) -> &[u8] {
        let start = self
            .iter()
            .position(|&b| b != b' ' && b != b'\t')
            .unwrap_or(self.len());
        &self[start..]
    }

    fn trim_ascii_end_ows(&self) -> &[u8] {
        let end = self
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |last| last + 1);
        &self[..end]
    }
}
