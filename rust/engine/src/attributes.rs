//! Session attributes: the metadata stamped on every record of a session.
//!
//! Values follow OpenTelemetry's attribute model (string, bool, 64-bit integer, double,
//! and homogeneous arrays of those). Everything is bounded so that a misbehaving app can
//! neither grow the persisted state nor every exported record without limit.

use std::collections::BTreeMap;
use std::fmt;

/// Most attributes a session can hold.
pub const MAX_ATTRIBUTES: usize = 64;
/// Longest key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 128;
/// Largest value, in UTF-8 bytes for a string, or summed over an array's strings.
pub const MAX_VALUE_BYTES: usize = 4096;
/// Most elements in an array value.
pub const MAX_ARRAY_LEN: usize = 256;

/// The attribute namespace this project uses for what the semantic conventions do not
/// define (end reason, counts, sequence numbers). App attributes may not use it.
pub const PROJECT_NAMESPACE: &str = "rn_otel_sessions.";

/// Key prefixes an app cannot set: `session.*` belongs to the semantic conventions and is
/// written by the engine itself, the project namespace to this library.
pub const RESERVED_PREFIXES: [&str; 2] = ["session.", PROJECT_NAMESPACE];

/// An attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// A UTF-8 string.
    String(String),
    /// A boolean.
    Bool(bool),
    /// A signed 64-bit integer.
    Int(i64),
    /// A finite double (NaN and infinities are rejected).
    Double(f64),
    /// An array of strings.
    StringArray(Vec<String>),
    /// An array of booleans.
    BoolArray(Vec<bool>),
    /// An array of integers.
    IntArray(Vec<i64>),
    /// An array of finite doubles.
    DoubleArray(Vec<f64>),
}

/// A set of attributes, ordered by key (so persisted files and exports are stable).
pub type Attributes = BTreeMap<String, AttributeValue>;

/// Why an attribute was refused. Nothing is changed when one is returned.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AttributeError {
    /// The key is empty: use a non-empty, dotted lowercase name such as `app.screen`.
    EmptyKey,
    /// The key is longer than [`MAX_KEY_BYTES`]: shorten it.
    KeyTooLong {
        /// The key's length in bytes.
        len: usize,
    },
    /// The key starts with a reserved prefix ([`RESERVED_PREFIXES`]): pick another namespace.
    ReservedKey {
        /// The key as given.
        key: String,
    },
    /// The value is larger than [`MAX_VALUE_BYTES`] or has more than [`MAX_ARRAY_LEN`]
    /// elements: store a shorter value or an identifier of it.
    ValueTooLarge {
        /// The key the value was meant for.
        key: String,
    },
    /// A double is NaN or infinite: send a finite number or leave the attribute out.
    NonFiniteNumber {
        /// The key the value was meant for.
        key: String,
    },
    /// The session already holds [`MAX_ATTRIBUTES`] attributes: remove one first.
    TooManyAttributes,
}

impl fmt::Display for AttributeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributeError::EmptyKey => f.write_str("attribute key is empty; use a name such as 'app.screen'"),
            AttributeError::KeyTooLong { len } => write!(
                f,
                "attribute key is {len} bytes; the limit is {MAX_KEY_BYTES}"
            ),
            AttributeError::ReservedKey { key } => write!(
                f,
                "attribute key '{key}' uses a reserved prefix ({}); choose another namespace",
                RESERVED_PREFIXES.join(", ")
            ),
            AttributeError::ValueTooLarge { key } => write!(
                f,
                "value for attribute '{key}' is too large (limits: {MAX_VALUE_BYTES} bytes, {MAX_ARRAY_LEN} array elements)"
            ),
            AttributeError::NonFiniteNumber { key } => write!(
                f,
                "value for attribute '{key}' is NaN or infinite; only finite numbers can be stored"
            ),
            AttributeError::TooManyAttributes => write!(
                f,
                "the session already has {MAX_ATTRIBUTES} attributes; remove one before adding another"
            ),
        }
    }
}

impl std::error::Error for AttributeError {}

/// Checks a key against the limits and reserved prefixes.
pub fn validate_key(key: &str) -> Result<(), AttributeError> {
    if key.is_empty() {
        return Err(AttributeError::EmptyKey);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(AttributeError::KeyTooLong { len: key.len() });
    }
    if RESERVED_PREFIXES.iter().any(|p| key.starts_with(p)) {
        return Err(AttributeError::ReservedKey {
            key: key.to_owned(),
        });
    }
    Ok(())
}

/// Checks a key and a value against every limit except the attribute count.
pub fn validate(key: &str, value: &AttributeValue) -> Result<(), AttributeError> {
    validate_key(key)?;
    let too_large = || AttributeError::ValueTooLarge {
        key: key.to_owned(),
    };
    let non_finite = || AttributeError::NonFiniteNumber {
        key: key.to_owned(),
    };
    let len = match value {
        AttributeValue::String(_) | AttributeValue::Bool(_) | AttributeValue::Int(_) => 1,
        AttributeValue::Double(d) => {
            if !d.is_finite() {
                return Err(non_finite());
            }
            1
        }
        AttributeValue::StringArray(v) => v.len(),
        AttributeValue::BoolArray(v) => v.len(),
        AttributeValue::IntArray(v) => v.len(),
        AttributeValue::DoubleArray(v) => {
            if v.iter().any(|d| !d.is_finite()) {
                return Err(non_finite());
            }
            v.len()
        }
    };
    if len > MAX_ARRAY_LEN {
        return Err(too_large());
    }
    let bytes = match value {
        AttributeValue::String(s) => s.len(),
        AttributeValue::StringArray(v) => v.iter().map(String::len).sum(),
        _ => 0,
    };
    if bytes > MAX_VALUE_BYTES {
        return Err(too_large());
    }
    Ok(())
}

/// Inserts `key = value` into `attrs` if every limit allows it; unchanged on error.
pub(crate) fn insert_checked(
    attrs: &mut Attributes,
    key: &str,
    value: AttributeValue,
) -> Result<(), AttributeError> {
    validate(key, &value)?;
    if !attrs.contains_key(key) && attrs.len() >= MAX_ATTRIBUTES {
        return Err(AttributeError::TooManyAttributes);
    }
    attrs.insert(key.to_owned(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_values_at_the_limits() {
        let mut attrs = Attributes::new();
        let key = "k".repeat(MAX_KEY_BYTES);
        let value = AttributeValue::String("v".repeat(MAX_VALUE_BYTES));
        assert_eq!(insert_checked(&mut attrs, &key, value), Ok(()));
        let array = AttributeValue::IntArray(vec![1; MAX_ARRAY_LEN]);
        assert_eq!(insert_checked(&mut attrs, "a", array), Ok(()));
    }

    #[test]
    fn rejects_each_limit_with_its_own_error() {
        let mut attrs = Attributes::new();
        let s = |v: &str| AttributeValue::String(v.to_owned());
        assert_eq!(
            insert_checked(&mut attrs, "", s("x")),
            Err(AttributeError::EmptyKey)
        );
        assert!(matches!(
            insert_checked(&mut attrs, &"k".repeat(MAX_KEY_BYTES + 1), s("x")),
            Err(AttributeError::KeyTooLong { .. })
        ));
        assert!(matches!(
            insert_checked(&mut attrs, "session.id", s("x")),
            Err(AttributeError::ReservedKey { .. })
        ));
        assert!(matches!(
            insert_checked(&mut attrs, "rn_otel_sessions.seq", s("x")),
            Err(AttributeError::ReservedKey { .. })
        ));
        assert!(matches!(
            insert_checked(&mut attrs, "k", s(&"v".repeat(MAX_VALUE_BYTES + 1))),
            Err(AttributeError::ValueTooLarge { .. })
        ));
        assert!(matches!(
            insert_checked(
                &mut attrs,
                "k",
                AttributeValue::BoolArray(vec![true; MAX_ARRAY_LEN + 1])
            ),
            Err(AttributeError::ValueTooLarge { .. })
        ));
        assert!(matches!(
            insert_checked(&mut attrs, "k", AttributeValue::Double(f64::NAN)),
            Err(AttributeError::NonFiniteNumber { .. })
        ));
        assert!(matches!(
            insert_checked(
                &mut attrs,
                "k",
                AttributeValue::DoubleArray(vec![1.0, f64::INFINITY])
            ),
            Err(AttributeError::NonFiniteNumber { .. })
        ));
        assert!(attrs.is_empty(), "a refused attribute changes nothing");
    }

    #[test]
    fn count_limit_applies_to_new_keys_only() {
        let mut attrs = Attributes::new();
        for i in 0..MAX_ATTRIBUTES {
            insert_checked(&mut attrs, &format!("k{i}"), AttributeValue::Int(1)).unwrap();
        }
        assert_eq!(
            insert_checked(&mut attrs, "one.more", AttributeValue::Int(1)),
            Err(AttributeError::TooManyAttributes)
        );
        assert_eq!(
            insert_checked(&mut attrs, "k0", AttributeValue::Int(2)),
            Ok(())
        );
        assert_eq!(attrs["k0"], AttributeValue::Int(2));
    }

    #[test]
    fn error_messages_name_the_key_and_the_fix() {
        let e = validate("session.id", &AttributeValue::Bool(true)).unwrap_err();
        assert!(e.to_string().contains("'session.id'"));
        assert!(e.to_string().contains("choose another namespace"));
    }
}
