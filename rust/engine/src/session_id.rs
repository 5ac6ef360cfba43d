//! Session identifiers: 32 lowercase hex characters from 128 bits of the operating
//! system's CSPRNG (the same source `uuid`'s v4 uses, without the 6 fixed version bits).

use std::fmt;

/// A session identifier: exactly 32 lowercase hexadecimal characters.
///
/// The value is what OpenTelemetry's `session.id` attribute carries.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId([u8; 32]);

impl SessionId {
    /// A new identifier from 128 random bits.
    ///
    /// If the OS random source fails (it does not on supported platforms), the bits come
    /// from a time-and-address mix instead, so a session is never left without an id.
    pub fn random() -> Self {
        Self::from_bits(random_u128())
    }

    /// Parses a stored identifier; `None` unless `s` is 32 lowercase hex characters.
    pub fn parse(s: &str) -> Option<Self> {
        let bytes = s.as_bytes();
        if bytes.len() != 32
            || !bytes
                .iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        {
            return None;
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(bytes);
        Some(SessionId(out))
    }

    /// The identifier as a string slice.
    pub fn as_str(&self) -> &str {
        // The bytes are always ASCII hex digits (constructed only by `from_bits`/`parse`).
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    fn from_bits(bits: u128) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 32];
        for (i, slot) in out.iter_mut().enumerate() {
            let nibble = (bits >> (124 - 4 * i)) & 0xf;
            *slot = HEX[nibble as usize];
        }
        SessionId(out)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({})", self.as_str())
    }
}

/// 128 bits from the OS CSPRNG.
pub(crate) fn random_u128() -> u128 {
    let mut buf = [0u8; 16];
    if getrandom::fill(&mut buf).is_ok() {
        return u128::from_le_bytes(buf);
    }
    fallback_bits()
}

/// A uniform draw in `[0, 1)` from the OS CSPRNG, for sampling decisions.
pub(crate) fn random_unit() -> f64 {
    // 53 random bits give every representable value in [0, 1) with a 2^-53 step.
    ((random_u128() as u64) >> 11) as f64 / (1u64 << 53) as f64
}

fn fallback_bits() -> u128 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut hi = RandomState::new().build_hasher();
    hi.write_u128(nanos);
    let mut lo = RandomState::new().build_hasher();
    lo.write_usize(&nanos as *const u128 as usize);
    (u128::from(hi.finish()) << 64) | u128::from(lo.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_32_lowercase_hex_and_distinct() {
        let ids: std::collections::HashSet<_> = (0..10_000).map(|_| SessionId::random()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in &ids {
            assert_eq!(id.as_str().len(), 32);
            assert!(SessionId::parse(id.as_str()).is_some());
        }
    }

    #[test]
    fn every_bit_position_varies_across_ids() {
        // With 128 random bits, each of the 32 hex positions takes many values.
        let ids: Vec<_> = (0..256).map(|_| SessionId::random()).collect();
        for pos in 0..32 {
            let distinct: std::collections::HashSet<_> =
                ids.iter().map(|id| id.as_str().as_bytes()[pos]).collect();
            assert!(distinct.len() > 4, "hex position {pos} barely varies");
        }
    }

    #[test]
    fn parse_rejects_uppercase_wrong_length_and_non_hex() {
        assert!(SessionId::parse("0123456789abcdef0123456789abcdef").is_some());
        assert!(SessionId::parse("0123456789ABCDEF0123456789abcdef").is_none());
        assert!(SessionId::parse("0123456789abcdef").is_none());
        assert!(SessionId::parse("0123456789abcdef0123456789abcdeg").is_none());
        assert!(SessionId::parse("").is_none());
    }

    #[test]
    fn random_unit_stays_in_range() {
        for _ in 0..10_000 {
            let x = random_unit();
            assert!((0.0..1.0).contains(&x));
        }
    }
}
