//! Protobuf wire format, written in one pass into a `Vec<u8>`: no intermediate messages, no
//! allocation per field. A nested message's length is back-patched: one byte is reserved and,
//! for a message of 128 bytes or more, the bytes after it are shifted to fit the longer varint.

const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;
const FIXED32: u32 = 5;

/// A protobuf message being written.
#[derive(Debug, Default)]
pub(crate) struct Wire {
    pub buf: Vec<u8>,
}

fn varint_into(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Wire {
    /// Appends to `buf` (what it holds stays in front).
    pub fn from_vec(buf: Vec<u8>) -> Self {
        Wire { buf }
    }

    pub fn with_capacity(n: usize) -> Self {
        Wire {
            buf: Vec::with_capacity(n),
        }
    }

    fn key(&mut self, field: u32, wire_type: u32) {
        varint_into(&mut self.buf, u64::from((field << 3) | wire_type));
    }

    /// A varint field, omitted when 0 (proto3 default).
    pub fn uint(&mut self, field: u32, v: u64) {
        if v != 0 {
            self.key(field, VARINT);
            varint_into(&mut self.buf, v);
        }
    }

    /// An `int64` field (two's complement varint), always written (for oneof members).
    pub fn int64_always(&mut self, field: u32, v: i64) {
        self.key(field, VARINT);
        varint_into(&mut self.buf, v as u64);
    }

    /// A `bool` field, always written (for oneof members).
    pub fn bool_always(&mut self, field: u32, v: bool) {
        self.key(field, VARINT);
        self.buf.push(u8::from(v));
    }

    /// A `double` field, always written (for oneof members).
    pub fn double_always(&mut self, field: u32, v: f64) {
        self.key(field, FIXED64);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A `fixed64` field, omitted when 0.
    pub fn fixed64(&mut self, field: u32, v: u64) {
        if v != 0 {
            self.key(field, FIXED64);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// A `fixed32` field, omitted when 0.
    pub fn fixed32(&mut self, field: u32, v: u32) {
        if v != 0 {
            self.key(field, FIXED32);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// A `bytes`/`string` field, omitted when empty.
    pub fn bytes(&mut self, field: u32, v: &[u8]) {
        if !v.is_empty() {
            self.bytes_always(field, v);
        }
    }

    /// A `bytes`/`string` field, written even when empty (for oneof members).
    pub fn bytes_always(&mut self, field: u32, v: &[u8]) {
        self.key(field, LEN);
        varint_into(&mut self.buf, v.len() as u64);
        self.buf.extend_from_slice(v);
    }

    /// A string field, omitted when empty.
    pub fn string(&mut self, field: u32, v: &str) {
        self.bytes(field, v.as_bytes());
    }

    /// A nested message written by `f`, always present (even when empty).
    pub fn message(&mut self, field: u32, f: impl FnOnce(&mut Wire)) {
        self.key(field, LEN);
        let len_at = self.buf.len();
        self.buf.push(0);
        let start = self.buf.len();
        f(self);
        let len = self.buf.len() - start;
        if len < 0x80 {
            self.buf[len_at] = len as u8;
        } else {
            let mut prefix = Vec::with_capacity(5);
            varint_into(&mut prefix, len as u64);
            self.buf.splice(len_at..start, prefix);
        }
    }

    /// Already-encoded message bytes as a nested message field (how a request is assembled
    /// from journaled records).
    pub fn raw_message(&mut self, field: u32, encoded: &[u8]) {
        self.bytes_always(field, encoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lengths_are_back_patched_at_every_size() {
        for n in [0usize, 1, 127, 128, 300, 16_383, 16_384, 70_000] {
            let mut w = Wire::default();
            w.message(2, |w| w.bytes(1, &vec![7u8; n]));
            // Decode by hand: key, length varint, inner key, inner length, payload.
            let mut i = 0;
            assert_eq!(w.buf[i], (2 << 3) | 2);
            i += 1;
            let (outer, used) = read_varint(&w.buf[i..]);
            i += used;
            assert_eq!(outer as usize, w.buf.len() - i, "outer length for {n}");
            if n == 0 {
                assert_eq!(outer, 0);
                continue;
            }
            assert_eq!(w.buf[i], (1 << 3) | 2);
            let (inner, _) = read_varint(&w.buf[i + 1..]);
            assert_eq!(inner as usize, n);
        }
    }

    fn read_varint(b: &[u8]) -> (u64, usize) {
        let mut v = 0u64;
        for (i, byte) in b.iter().enumerate() {
            v |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return (v, i + 1);
            }
        }
        panic!("unterminated varint")
    }
}
