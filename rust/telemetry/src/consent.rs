//! Tracking consent.

/// What the user allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Record and upload.
    Granted,
    /// Record to disk, do not upload (yet): uploaded if consent becomes `Granted`.
    Pending,
    /// Record nothing; what was stored is purged.
    Denied,
}

impl Consent {
    /// Parses `"granted"`, `"pending"` or `"denied"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "granted" => Some(Consent::Granted),
            "pending" => Some(Consent::Pending),
            "denied" => Some(Consent::Denied),
            _ => None,
        }
    }

    /// The string form.
    pub fn as_str(self) -> &'static str {
        match self {
            Consent::Granted => "granted",
            Consent::Pending => "pending",
            Consent::Denied => "denied",
        }
    }

    pub(crate) fn to_u8(self) -> u8 {
        self as u8
    }

    pub(crate) fn from_u8(v: u8) -> Self {
        match v {
            0 => Consent::Granted,
            1 => Consent::Pending,
            _ => Consent::Denied,
        }
    }
}
