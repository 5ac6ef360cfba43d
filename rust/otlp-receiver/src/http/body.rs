//! Request bodies: exactly `Content-Length` bytes, or a chunked body, within a size limit.

use std::io::{self, BufRead, Read};

use super::{read_line, Framing, Line, TrimOws, MAX_HEAD_BYTES};

/// Largest accepted chunk-size line of a chunked body, in bytes.
const MAX_CHUNK_LINE: usize = 4096;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The connection failed, timed out or closed before the body was complete.
    Io(io::Error),
    /// The body is larger than allowed (answer 413 and close).
    TooLarge,
    /// The chunked framing is broken (answer 400 and close).
    Malformed(String),
}

/// Reads a body delimited by `framing`, refusing more than `max` bytes.
///
/// For `Length` framing above `max` nothing is read (`TooLarge` at once).
pub(crate) fn read_body<R: BufRead>(
    reader: &mut R,
    framing: Framing,
    max: usize,
) -> Result<Vec<u8>, BodyError> {
    match framing {
        Framing::Empty => Ok(Vec::new()),
        Framing::Length(length) => {
            if length > max as u64 {
                return Err(BodyError::TooLarge);
            }
            let mut body = Vec::new();
            read_exactly(reader, length, &mut body)?;
            Ok(body)
        }
        Framing::Chunked => read_chunked(reader, max),
    }
}

/// Appends exactly `length` bytes to `out`.
fn read_exactly<R: Read>(reader: &mut R, length: u64, out: &mut Vec<u8>) -> Result<(), BodyError> {
    let got = reader
        .by_ref()
        .take(length)
        .read_to_end(out)
        .map_err(BodyError::Io)?;
    if (got as u64) < length {
        return Err(BodyError::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("body ended after {got} of {length} bytes"),
        )));
    }
    Ok(())
}

fn eof_in_body() -> BodyError {
    BodyError::Io(io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "connection closed in the middle of a chunked body",
    ))
}

fn read_chunked<R: BufRead>(reader: &mut R, max: usize) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    let mut line = Vec::new();
    loop {
        match read_line(reader, MAX_CHUNK_LINE, &mut line).map_err(BodyError::Io)? {
            Line::Complete(_) => {}
            Line::Eof | Line::Partial => return Err(eof_in_body()),
            Line::TooLong => {
                return Err(BodyError::Malformed("chunk size line too long".to_string()))
            }
        }
        let size = parse_chunk_size(&line).map_err(BodyError::Malformed)?;
        if size == 0 {
            break;
        }
        if (body.len() as u64).saturating_add(size) > max as u64 {
            return Err(BodyError::TooLarge);
        }
        read_exactly(reader, size, &mut body)?;
        match read_line(reader, MAX_CHUNK_LINE, &mut line).map_err(BodyError::Io)? {
            Line::Complete(_) if line.is_empty() => {}
            Line::Eof | Line::Partial => return Err(eof_in_body()),
            _ => {
                return Err(BodyError::Malformed(
                    "chunk data not followed by CRLF".to_string(),
                ))
            }
        }
    }
    // Trailer section, ignored, up to an empty line.
    let mut budget = MAX_HEAD_BYTES;
    loop {
        match read_line(reader, budget, &mut line).map_err(BodyError::Io)? {
            Line::Complete(consumed) => {
                budget -= consumed;
                if line.is_empty() {
                    return Ok(body);
                }
            }
            Line::Eof | Line::Partial => return Err(eof_in_body()),
            Line::TooLong => return Err(BodyError::Malformed("trailers too large".to_string())),
        }
    }
}

fn parse_chunk_size(line: &[u8]) -> Result<u64, String> {
    let size_part = line
        .split(|&byte| byte == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii_start_ows()
        .trim_ascii_end_ows();
    if size_part.is_empty()
        || size_part.len() > 16
        || !size_part.iter().all(|byte| byte.is_ascii_hexdigit())
    {
        return Err("chunk size is not a hexadecimal number".to_string());
    }
    let text = std::str::from_utf8(size_part).map_err(|_| "chunk size is not ASCII".to_string())?;
    u64::from_str_radix(text, 16).map_err(|_| "chunk size is out of range".to_string())
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reads_chunked_bodies_and_enforces_limits() {
        let wire = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT".to_vec();
        let mut cursor = Cursor::new(wire);
        let body = read_body(&mut cursor, Framing::Chunked, 100).expect("body");
        assert_eq!(body, b"hello world");
        let mut rest = String::new();
        cursor.read_to_string(&mut rest).expect("rest");
        assert_eq!(rest, "NEXT");

        let mut cursor = Cursor::new(b"5\r\nhello\r\n0\r\n\r\n".to_vec());
        assert!(matches!(
            read_body(&mut cursor, Framing::Chunked, 4),
            Err(BodyError::TooLarge)
        ));
        let mut cursor = Cursor::new(b"zz\r\n".to_vec());
        assert!(matches!(
            read_body(&mut cursor, Framing::Chunked, 4),
            Err(BodyError::Malformed(_))
        ));
        let mut cursor = Cursor::new(b"5\r\nhel".to_vec());
        assert!(matches!(
            read_body(&mut cursor, Framing::Chunked, 100),
            Err(BodyError::Io(_))
        ));
    }

    #[test]
    fn short_bodies_are_io_errors() {
        let mut cursor = Cursor::new(b"abc".to_vec());
        assert!(matches!(
            read_body(&mut cursor, Framing::Length(10), 100),
            Err(BodyError::Io(_))
        ));
        let mut cursor = Cursor::new(Vec::new());
        assert!(matches!(
            read_body(&mut cursor, Framing::Length(1000), 100),
            Err(BodyError::TooLarge)
        ));
    }
}
