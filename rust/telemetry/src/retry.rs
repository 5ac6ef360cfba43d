//! What to do with a response, per the OTLP/HTTP specification:
//! retry only 429, 502, 503, 504 and connection failures, with exponential backoff and full
//! jitter, honouring `Retry-After` (seconds or HTTP date); every other 4xx/5xx is dropped;
//! a partial success is not retried.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Longest wait a `Retry-After` may impose (a misconfigured server cannot park delivery).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The decision for one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted: delete the request.
    Delivered,
    /// Try again later; `after` is the server's `Retry-After`, if it gave a valid one.
    Retry { after: Option<Duration> },
    /// Refused for good: delete and count.
    Rejected { status: u16 },
}

/// Classifies an HTTP status. `retry_after` is the header's raw value.
pub fn classify(status: u16, retry_after: Option<&str>, now: SystemTime) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        429 | 502 | 503 | 504 => Verdict::Retry {
            after: retry_after.and_then(|v| parse_retry_after(v, now)),
        },
        _ => Verdict::Rejected { status },
    }
}

/// Parses `Retry-After`: delay-seconds or an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`).
/// A date in the past means "now"; waits are capped at [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let at = parse_http_date(v)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
    Some(Duration::from_secs((at - now).max(0) as u64).min(MAX_RETRY_AFTER))
}

/// Seconds since the epoch of an IMF-fixdate, the form HTTP servers must send.
fn parse_http_date(v: &str) -> Option<i64> {
    let (_, rest) = v.split_once(", ")?;
    let f: Vec<&str> = rest.split(' ').collect();
    if f.len() != 5 || f[4] != "GMT" {
        return None;
    }
    let day: i64 = f[0].parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == f[1])? as i64 + 1;
    let year: i64 = f[2].parse().ok()?;
    let hms: Vec<i64> = f[3]
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if hms.len() != 3 || !(1..=31).contains(&day) || hms[0] > 23 || hms[1] > 59 || hms[2] > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2])
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Exponential backoff with full jitter: attempt n waits a uniform time in
/// `[0, min(max, base · 2ⁿ)]`.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    /// A backoff starting at `base`, never above `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Backoff {
            base,
            max,
            attempt: 0,
        }
    }

    /// The wait before the next attempt; a `Retry-After` from the server wins when longer.
    pub fn next(&mut self, retry_after: Option<Duration>) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32.checked_shl(self.attempt.min(20)).unwrap_or(u32::MAX))
            .min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let jittered = ceiling.mul_f64(random_unit());
        retry_after.map_or(jittered, |ra| ra.max(jittered))
    }

    /// After a success.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_spec_statuses_are_retried() {
        let now = SystemTime::now();
        for s in [429, 502, 503, 504] {
            assert!(
                matches!(classify(s, None, now), Verdict::Retry { .. }),
                "{s}"
            );
        }
        for s in [400, 401, 403, 404, 408, 413, 500, 501, 505] {
            assert_eq!(classify(s, None, now), Verdict::Rejected { status: s });
        }
        assert_eq!(classify(200, None, now), Verdict::Delivered);
        assert_eq!(classify(204, None, now), Verdict::Delivered);
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 2015-10-21 07:27:50 GMT
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("99999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            parse_retry_after("Wed, 32 Oct 2015 07:28:00 GMT", now),
            None
        );
        assert_eq!(
            classify(503, Some("3"), now),
            Verdict::Retry {
                after: Some(Duration::from_secs(3))
            }
        );
    }

    #[test]
    fn backoff_grows_within_its_ceiling_and_respects_retry_after() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        for attempt in 0..30 {
            let ceiling =
                Duration::from_millis(100 * (1 << attempt.min(5))).min(Duration::from_secs(2));
            assert!(b.next(None) <= ceiling);
        }
        assert!(b.next(Some(Duration::from_secs(30))) >= Duration::from_secs(30));
        b.reset();
        assert!(b.next(None) <= Duration::from_millis(100));
    }
}
