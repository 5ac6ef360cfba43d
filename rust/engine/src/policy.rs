//! The rules that start and end sessions, validated once when they are built.

use std::fmt;
use std::time::Duration;

/// Longest timeout or duration a policy accepts (30 days): longer values are almost
/// certainly a unit mistake (seconds passed as milliseconds).
pub const MAX_POLICY_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);
/// Most ended sessions [`crate::Engine::history`] keeps.
pub const MAX_HISTORY_LIMIT: usize = 1000;

/// When sessions end, and how they are sampled. Build one with [`SessionPolicy::builder`].
///
/// Defaults follow opentelemetry-android: 15 min background timeout, 4 h maximum,
/// no inactivity timeout, resume across launches, every session sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionPolicy {
    pub(crate) background_timeout_ms: i64,
    pub(crate) inactivity_timeout_ms: Option<i64>,
    pub(crate) max_duration_ms: i64,
    pub(crate) resume_across_launches: bool,
    pub(crate) sample_rate: f64,
    pub(crate) history_limit: usize,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            background_timeout_ms: 15 * 60 * 1000,
            inactivity_timeout_ms: None,
            max_duration_ms: 4 * 3600 * 1000,
            resume_across_launches: true,
            sample_rate: 1.0,
            history_limit: 20,
        }
    }
}

impl SessionPolicy {
    /// A builder starting from the defaults.
    pub fn builder() -> SessionPolicyBuilder {
        SessionPolicyBuilder {
            policy: SessionPolicy::default(),
            error: None,
        }
    }

    /// Time in the background without activity after which the session ends (default 15 min).
    pub fn background_timeout(&self) -> Duration {
        ms_to_duration(self.background_timeout_ms)
    }

    /// Time without activity after which the session ends, in any app state (default off).
    pub fn inactivity_timeout(&self) -> Option<Duration> {
        self.inactivity_timeout_ms.map(ms_to_duration)
    }

    /// Longest a session lasts, even in foreground (default 4 h).
    pub fn max_duration(&self) -> Duration {
        ms_to_duration(self.max_duration_ms)
    }

    /// Whether a relaunch within the timeouts continues the previous session (default true).
    pub fn resume_across_launches(&self) -> bool {
        self.resume_across_launches
    }

    /// Probability that a new session is sampled (default 1.0).
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// How many ended sessions the history keeps (default 20).
    pub fn history_limit(&self) -> usize {
        self.history_limit
    }
}

fn ms_to_duration(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// Builds a [`SessionPolicy`]; [`build`](SessionPolicyBuilder::build) reports the first
/// invalid setting.
#[derive(Debug, Clone)]
pub struct SessionPolicyBuilder {
    policy: SessionPolicy,
    error: Option<PolicyError>,
}

impl SessionPolicyBuilder {
    /// Time in the background without activity after which a session ends (activity in the
    /// background, such as recorded telemetry, restarts the count). Zero ends it as soon as the app leaves
    /// the foreground (a new session per visit). At most [`MAX_POLICY_DURATION`].
    pub fn background_timeout(mut self, timeout: Duration) -> Self {
        if let Some(ms) = self.checked_ms("background_timeout", timeout, Duration::ZERO) {
            self.policy.background_timeout_ms = ms;
        }
        self
    }

    /// Time without activity after which a session ends, or `None` for no limit.
    /// At least 1 ms, at most [`MAX_POLICY_DURATION`].
    pub fn inactivity_timeout(mut self, timeout: Option<Duration>) -> Self {
        match timeout {
            None => self.policy.inactivity_timeout_ms = None,
            Some(t) => {
                if let Some(ms) = self.checked_ms("inactivity_timeout", t, Duration::from_millis(1))
                {
                    self.policy.inactivity_timeout_ms = Some(ms);
                }
            }
        }
        self
    }

    /// Longest a session lasts. At least 1 ms, at most [`MAX_POLICY_DURATION`].
    pub fn max_duration(mut self, max: Duration) -> Self {
        if let Some(ms) = self.checked_ms("max_duration", max, Duration::from_millis(1)) {
            self.policy.max_duration_ms = ms;
        }
        self
    }

    /// Whether a relaunch within the timeouts continues the stored session.
    pub fn resume_across_launches(mut self, resume: bool) -> Self {
        self.policy.resume_across_launches = resume;
        self
    }

    /// Probability in `[0, 1]` that a new session is sampled.
    pub fn sample_rate(mut self, rate: f64) -> Self {
        if rate.is_finite() && (0.0..=1.0).contains(&rate) {
            self.policy.sample_rate = rate;
        } else {
            self.fail(PolicyError::OutOfRange {
                setting: "sample_rate",
                value: rate.to_string(),
                expected: "a number from 0 to 1",
            });
        }
        self
    }

    /// How many ended sessions to keep in the history, from 0 to [`MAX_HISTORY_LIMIT`].
    pub fn history_limit(mut self, limit: usize) -> Self {
        if limit <= MAX_HISTORY_LIMIT {
            self.policy.history_limit = limit;
        } else {
            self.fail(PolicyError::OutOfRange {
                setting: "history_limit",
                value: limit.to_string(),
                expected: "at most 1000",
            });
        }
        self
    }

    /// The policy, or the first invalid setting that was given.
    pub fn build(self) -> Result<SessionPolicy, PolicyError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.policy),
        }
    }

    fn checked_ms(&mut self, setting: &'static str, value: Duration, min: Duration) -> Option<i64> {
        if value < min || value > MAX_POLICY_DURATION {
            self.fail(PolicyError::OutOfRange {
                setting,
                value: format!("{} ms", value.as_millis()),
                expected: if min.is_zero() {
                    "from 0 to 30 days"
                } else {
                    "from 1 ms to 30 days"
                },
            });
            return None;
        }
        i64::try_from(value.as_millis()).ok()
    }

    fn fail(&mut self, e: PolicyError) {
        self.error.get_or_insert(e);
    }
}

/// A policy setting out of its allowed range.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PolicyError {
    /// `setting` was given `value`; pass a value in the `expected` range.
    OutOfRange {
        /// The builder method's name.
        setting: &'static str,
        /// The value given, as text.
        value: String,
        /// The range accepted.
        expected: &'static str,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::OutOfRange {
                setting,
                value,
                expected,
            } => write!(
                f,
                "session policy: {setting} is {value}; expected {expected}"
            ),
        }
    }
}

impl std::error::Error for PolicyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_design() {
        let p = SessionPolicy::builder().build().unwrap();
        assert_eq!(p.background_timeout(), Duration::from_secs(900));
        assert_eq!(p.max_duration(), Duration::from_secs(4 * 3600));
        assert_eq!(p.inactivity_timeout(), None);
        assert!(p.resume_across_launches());
        assert_eq!(p.sample_rate(), 1.0);
    }

    #[test]
    fn build_reports_the_first_bad_setting_by_name() {
        let err = SessionPolicy::builder()
            .max_duration(Duration::ZERO)
            .sample_rate(2.0)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("max_duration"), "{err}");
        let err = SessionPolicy::builder()
            .sample_rate(f64::NAN)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("sample_rate is NaN"), "{err}");
        let err = SessionPolicy::builder()
            .inactivity_timeout(Some(MAX_POLICY_DURATION + Duration::from_millis(1)))
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("inactivity_timeout"), "{err}");
        assert!(SessionPolicy::builder()
            .history_limit(1001)
            .build()
            .is_err());
    }

    #[test]
    fn zero_background_timeout_is_allowed() {
        let p = SessionPolicy::builder()
            .background_timeout(Duration::ZERO)
            .build()
            .unwrap();
        assert_eq!(p.background_timeout(), Duration::ZERO);
    }
}
