//! Session identifiers: random (version 4) UUIDs from the `uuid` crate, written in their
//! simple form: 32 lowercase hex characters, 122 of whose bits come from the operating
//! system's CSPRNG (the other 6 are the UUID version and variant).

use std::fmt;

/// A session identifier: exactly 32 lowercase hexadecimal characters.
///
/// The value is what OpenTelemetry's `session.id` attribute carries. New identifiers are v4
/// UUIDs in simple form (`xxxxxxxxxxxx4xxxyxxxxxxxxxxxxxxx`, `y` one of `8 9 a b`); stored ones
/// written by earlier versions (any 32 lowercase hex characters) are still accepted.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId([u8; 32]);

impl SessionId {
    /// A new random (v4) UUID, in simple form.
    ///
    /// The random bytes come from the OS CSPRNG, the source `uuid::Uuid::new_v4` uses, and
    /// `uuid` sets the version and variant bits. Unlike `new_v4`, which panics when the OS
    /// random source fails, this falls back to a time-and-address mix (it does not fail on
    /// supported platforms), so a session is never left without an id and nothing panics.
    pub fn random() -> Self {
        let uuid = uuid::Builder::from_random_bytes(random_u128().to_le_bytes()).into_uuid();
        let mut out = [0u8; 32];
        uuid.simple().encode_lower(&mut out);
        SessionId(out)
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
        // The bytes are always ASCII hex digits (constructed only by `random`/`parse`).
        std::str::from_utf8(&self.0).unwrap_or("")
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
    fn random_ids_are_v4_uuids_in_simple_form_and_distinct() {
        let ids: std::collections::HashSet<_> = (0..10_000).map(|_| SessionId::random()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in &ids {
            let s = id.as_str();
            assert_eq!(s.len(), 32);
            assert!(SessionId::parse(s).is_some());
            let uuid = uuid::Uuid::try_parse(s).expect("a UUID in simple form");
            assert_eq!(uuid.get_version(), Some(uuid::Version::Random), "{s}");
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{s}");
            assert_eq!(uuid.simple().to_string(), s, "lowercase simple form");
            assert_eq!(&s[12..13], "4");
            assert!("89ab".contains(&s[16..17]), "{s}");
        }
    }

    #[test]
    fn every_random_position_varies_across_ids() {
        // 122 random bits: every hex position but the version (12) takes many values; the
        // variant position (16) takes exactly the four values 8, 9, a, b.
        let ids: Vec<_> = (0..256).map(|_| SessionId::random()).collect();
        for pos in 0..32 {
            let distinct: std::collections::HashSet<_> =
                ids.iter().map(|id| id.as_str().as_bytes()[pos]).collect();
            match pos {
                12 => assert_eq!(distinct.len(), 1, "version nibble"),
                16 => assert_eq!(distinct.len(), 4, "variant nibble"),
                _ => assert!(distinct.len() > 4, "hex position {pos} barely varies"),
            }
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
