//! Errors that reach JavaScript: a kind (which JS error class to throw) and a message that
//! names the method, the argument and the fix.

use std::fmt;

/// Which JavaScript error the C++ host object throws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A wrong type or shape: `TypeError`.
    Type = 1,
    /// A value of the right type out of range: `RangeError`.
    Range = 2,
    /// Anything else (the library is not initialised, storage failed, …): `Error`.
    Other = 3,
}

/// An error for JavaScript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// The JavaScript error class.
    pub kind: ErrorKind,
    /// The message, starting with the method name (`Sessions.setAttribute: …`).
    pub message: String,
}

impl CallError {
    /// A `TypeError` for `method`.
    pub fn type_error(method: &str, message: impl fmt::Display) -> Self {
        CallError {
            kind: ErrorKind::Type,
            message: format!("Sessions.{method}: {message}"),
        }
    }

    /// A `RangeError` for `method`.
    pub fn range_error(method: &str, message: impl fmt::Display) -> Self {
        CallError {
            kind: ErrorKind::Range,
            message: format!("Sessions.{method}: {message}"),
        }
    }

    /// An `Error` for `method`.
    pub fn other(method: &str, message: impl fmt::Display) -> Self {
        CallError {
            kind: ErrorKind::Other,
            message: format!("Sessions.{method}: {message}"),
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CallError {}
