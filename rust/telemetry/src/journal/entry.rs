//! One journal entry: a length, a checksum, and a payload that starts with its kind.
//!
//! ```text
//!  ┌──────────┬──────────┬──────┬──────────────────────────────────────────────┐
//!  │ len: u32 │ crc: u32 │ kind │ body (by kind)                               │  little endian
//!  └──────────┴──────────┴──────┴──────────────────────────────────────────────┘
//!  len  = bytes of kind + body (> 0; a 0 where an entry would start ends the data)
//!  crc  = CRC-32 of kind + body
//!  RESOURCE  schema_len: u16, schema, Resource (OTLP bytes)                 first in a segment
//!  SPAN/LOG  session: 32 ASCII hex (zeros: none), seq: u64, scope_len: u16, scope (OTLP bytes),
//!            schema_len: u16, schema, record (OTLP Span / LogRecord bytes)
//!  EVENTS    session: 32, first_seq: u64, count: u32, the JS batch as handed over (JSON)
//!  EVENTS_DONE  segment: u64, offset: u32 of an EVENTS entry now recorded as LOG entries
//! ```
//!
//! The writer puts the body first and the length last, so a process killed mid-write leaves a
//! zero length (the data ends there) or, after a power loss, a checksum that does not match:
//! either way the entry and everything after it in that segment are a torn tail.

/// Bytes before the payload.
pub(crate) const HEADER: usize = 8;

/// What an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    Resource = 1,
    Span = 2,
    Log = 3,
    Events = 4,
    EventsDone = 5,
}

impl Kind {
    fn from_u8(b: u8) -> Option<Kind> {
        Some(match b {
            1 => Kind::Resource,
            2 => Kind::Span,
            3 => Kind::Log,
            4 => Kind::Events,
            5 => Kind::EventsDone,
            _ => return None,
        })
    }
}

/// A record's stamp in its entry: the session (32 hex characters) and its number in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub session: [u8; 32],
    pub seq: u64,
}

impl Stamp {
    pub const NONE: Stamp = Stamp {
        session: [0; 32],
        seq: 0,
    };
}

/// A decoded entry, borrowing from the journal's bytes.
#[derive(Debug, PartialEq)]
pub(crate) enum Entry<'a> {
    Resource {
        schema: &'a str,
        resource: &'a [u8],
    },
    Record {
        kind: Kind,
        stamp: Stamp,
        scope: &'a [u8],
        schema: &'a str,
        record: &'a [u8],
    },
    Events {
        session: [u8; 32],
        first_seq: u64,
        count: u32,
        json: &'a [u8],
    },
    EventsDone {
        segment: u64,
        offset: u32,
    },
}

/// Writes the payload of an entry (kind + body) into `out`, cleared first.
#[cfg(test)]
pub(crate) fn encode_record(
    out: &mut Vec<u8>,
    kind: Kind,
    stamp: &Stamp,
    scope: &[u8],
    schema: &str,
    record: &[u8],
) {
    record_prefix(out, kind, stamp, scope, schema);
    out.extend_from_slice(record);
}

/// Writes the payload of a record entry up to its record (kind, stamp, scope, schema) into
/// `out`, cleared first: the encoder then appends the record itself.
pub(crate) fn record_prefix(
    out: &mut Vec<u8>,
    kind: Kind,
    stamp: &Stamp,
    scope: &[u8],
    schema: &str,
) {
    out.clear();
    out.push(kind as u8);
    out.extend_from_slice(&stamp.session);
    out.extend_from_slice(&stamp.seq.to_le_bytes());
    put_short(out, scope);
    put_short(out, schema.as_bytes());
}

pub(crate) fn encode_resource(out: &mut Vec<u8>, schema: &str, resource: &[u8]) {
    out.clear();
    out.push(Kind::Resource as u8);
    put_short(out, schema.as_bytes());
    out.extend_from_slice(resource);
}

pub(crate) fn encode_events(
    out: &mut Vec<u8>,
    session: &[u8; 32],
    first_seq: u64,
    count: u32,
    json: &[u8],
) {
    out.clear();
    out.push(Kind::Events as u8);
    out.extend_from_slice(session);
    out.extend_from_slice(&first_seq.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(json);
}

pub(crate) fn encode_events_done(out: &mut Vec<u8>, segment: u64, offset: u32) {
    out.clear();
    out.push(Kind::EventsDone as u8);
    out.extend_from_slice(&segment.to_le_bytes());
    out.extend_from_slice(&offset.to_le_bytes());
}

/// Scope and schema are short by construction; longer ones are cut (never seen in practice:
/// instrumentation scope names and schema URLs are a few dozen bytes).
fn put_short(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len().min(u16::MAX as usize);
    out.extend_from_slice(&(n as u16).to_le_bytes());
    out.extend_from_slice(&b[..n]);
}

/// The 8-byte header for `payload`.
pub(crate) fn header(payload: &[u8]) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..4].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    h[4..].copy_from_slice(&crc32fast::hash(payload).to_le_bytes());
    h
}

/// What is at the start of `bytes`.
#[derive(Debug, PartialEq)]
pub(crate) enum Read<'a> {
    /// A valid entry and the bytes it takes (header included).
    Entry(Entry<'a>, usize),
    /// A zero length: the written data ends here.
    End,
    /// A length past the end, a checksum mismatch or an unknown kind: a torn tail.
    Torn,
}

/// Reads the entry at the start of `bytes`, checking its CRC.
pub(crate) fn read(bytes: &[u8]) -> Read<'_> {
    read_checked(bytes, true)
}

/// Reads the entry at the start of `bytes`; with `check_crc` false, for bytes this process
/// wrote and committed itself (no crash can have torn them), the CRC is not computed again.
pub(crate) fn read_checked(bytes: &[u8], check_crc: bool) -> Read<'_> {
    if bytes.len() < HEADER {
        return if bytes.iter().all(|b| *b == 0) {
            Read::End
        } else {
            Read::Torn
        };
    }
    let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let crc = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if len == 0 {
        return if crc == 0 { Read::End } else { Read::Torn };
    }
    let Some(payload) = bytes.get(HEADER..HEADER + len) else {
        return Read::Torn;
    };
    if check_crc && crc32fast::hash(payload) != crc {
        return Read::Torn;
    }
    match decode(payload) {
        Some(e) => Read::Entry(e, HEADER + len),
        None => Read::Torn,
    }
}

fn decode(p: &[u8]) -> Option<Entry<'_>> {
    let (&kind, body) = p.split_first()?;
    let mut r = Reader(body);
    Some(match Kind::from_u8(kind)? {
        Kind::Resource => {
            let schema = std::str::from_utf8(r.short()?).ok()?;
            Entry::Resource {
                schema,
                resource: r.rest(),
            }
        }
        k @ (Kind::Span | Kind::Log) => {
            let session = r.array::<32>()?;
            let seq = u64::from_le_bytes(r.array::<8>()?);
            let scope = r.short()?;
            let schema = std::str::from_utf8(r.short()?).ok()?;
            Entry::Record {
                kind: k,
                stamp: Stamp { session, seq },
                scope,
                schema,
                record: r.rest(),
            }
        }
        Kind::Events => Entry::Events {
            session: r.array::<32>()?,
            first_seq: u64::from_le_bytes(r.array::<8>()?),
            count: u32::from_le_bytes(r.array::<4>()?),
            json: r.rest(),
        },
        Kind::EventsDone => Entry::EventsDone {
            segment: u64::from_le_bytes(r.array::<8>()?),
            offset: u32::from_le_bytes(r.array::<4>()?),
        },
    })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    fn short(&mut self) -> Option<&'a [u8]> {
        let n = u16::from_le_bytes(self.array::<2>()?) as usize;
        self.take(n)
    }
    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(payload: &[u8]) -> Vec<u8> {
        let mut v = header(payload).to_vec();
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn every_kind_round_trips() {
        let stamp = Stamp {
            session: *b"0123456789abcdef0123456789abcdef",
            seq: 42,
        };
        let mut p = Vec::new();
        encode_record(&mut p, Kind::Log, &stamp, b"scope", "https://s", b"record");
        let f = framed(&p);
        assert_eq!(
            read(&f),
            Read::Entry(
                Entry::Record {
                    kind: Kind::Log,
                    stamp,
                    scope: b"scope",
                    schema: "https://s",
                    record: b"record"
                },
                f.len()
            )
        );
        encode_resource(&mut p, "", b"res");
        assert!(matches!(
            read(&framed(&p)),
            Read::Entry(
                Entry::Resource {
                    schema: "",
                    resource: b"res"
                },
                _
            )
        ));
        encode_events(&mut p, &stamp.session, 7, 3, b"[[]]");
        assert!(matches!(
            read(&framed(&p)),
            Read::Entry(
                Entry::Events {
                    first_seq: 7,
                    count: 3,
                    json: b"[[]]",
                    ..
                },
                _
            )
        ));
        encode_events_done(&mut p, 9, 4096);
        assert_eq!(
            read(&framed(&p)),
            Read::Entry(
                Entry::EventsDone {
                    segment: 9,
                    offset: 4096
                },
                framed(&p).len()
            )
        );
    }

    #[test]
    fn zeros_end_the_data_and_any_damage_is_a_torn_tail() {
        assert_eq!(read(&[0; 64]), Read::End);
        assert_eq!(read(&[0; 3]), Read::End);
        let mut p = Vec::new();
        encode_record(&mut p, Kind::Span, &Stamp::NONE, b"", "", b"0123456789");
        let good = framed(&p);
        // Cut at every length, and flip every bit: never an entry that is not the original.
        for cut in 1..good.len() {
            assert_ne!(read(&good[..cut]), read(&good), "cut at {cut}");
            assert!(matches!(read(&good[..cut]), Read::Torn), "cut at {cut}");
        }
        for i in 0..good.len() * 8 {
            let mut bad = good.clone();
            bad[i / 8] ^= 1 << (i % 8);
            assert!(
                !matches!(read(&bad), Read::Entry(..)),
                "bit {i} flipped still reads as an entry"
            );
        }
        // A valid checksum over an unknown kind is damage too.
        let f = framed(&[99, 1, 2, 3]);
        assert_eq!(read(&f), Read::Torn);
    }
}
