//! Delivery faults: how the receiver answers a request instead of (or on top of) a plain
//! success.

use std::time::Duration;

/// How the receiver answers one request.
///
/// Faults are queued with [`Receiver::push_faults`](crate::Receiver::push_faults) and taken
/// one per request, in order, when the request head arrives; with the queue empty the
/// default fault applies ([`Receiver::set_default`](crate::Receiver::set_default), itself
/// `Ok` unless changed).
///
/// A fault overrides the receiver's own verdict only when it refuses: `Status`,
/// `StatusRetryAfter` and `Reset` are applied whatever the request looks like, while `Ok`
/// and `PartialSuccess` still give way to the receiver's own refusals (404 unknown path,
/// 413 body too large, 415 unsupported media type or encoding, 400 undecodable body).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Fault {
    /// No fault: 200 with an empty `Export*ServiceResponse`.
    #[default]
    Ok,
    /// Answer with this status code and a short `text/plain` body (empty body for 2xx).
    /// The code should be in 200..=599; anything else is answered as 500 (and the record's
    /// `error` says so). A 2xx code counts as accepted.
    Status(u16),
    /// Like `Status`, plus a `Retry-After` header whose value is the string verbatim
    /// (delta-seconds such as `"2"` or an HTTP date). CR and LF are removed from it so it
    /// cannot break the response.
    StatusRetryAfter(u16, String),
    /// Wait this long after reading the body, then apply the inner fault. If the client
    /// hangs up meanwhile the answer is lost, but a 2xx inner fault still counts as
    /// accepted. Stopping the receiver cuts the wait short (no answer is written).
    Delay(Duration, Box<Fault>),
    /// Read the request head, then close the connection without answering (the body is
    /// not read). With std alone the close is a normal FIN, or an RST if unread request
    /// bytes are still in the kernel buffer; either way the client gets no response.
    Reset,
    /// 200 whose body is an `Export*ServiceResponse` with `partial_success` set:
    /// `rejected` becomes `rejected_spans` / `rejected_log_records` and `message` becomes
    /// `error_message`. All decoded data still counts as accepted.
    PartialSuccess {
        /// Number of spans or log records reported as rejected.
        rejected: i64,
        /// Human-readable reason sent as `error_message`.
        message: String,
    },
}

impl Fault {
    /// Shorthand for `Fault::Delay(delay, Box::new(then))`.
    pub fn delayed(delay: Duration, then: Fault) -> Fault {
        Fault::Delay(delay, Box::new(then))
    }

    /// A fault from its text form, as the `otlp-receiver` program's `--fault` takes it:
    ///
    /// | text | fault |
    /// |---|---|
    /// | `ok` | [`Fault::Ok`] |
    /// | `503` | [`Fault::Status`] |
    /// | `503:retry-after=VALUE` | [`Fault::StatusRetryAfter`] (VALUE verbatim, commas included) |
    /// | `reset` | [`Fault::Reset`] |
    /// | `partial=N:MESSAGE` | [`Fault::PartialSuccess`] |
    /// | `delay=MS:FAULT` | [`Fault::Delay`] of MS milliseconds, then FAULT (any of these) |
    ///
    /// Anything else is an error naming the text and the accepted forms.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let bad = || {
            format!(
                "fault '{text}': expected ok, CODE, CODE:retry-after=VALUE, reset, \
                 partial=N:MESSAGE or delay=MS:FAULT"
            )
        };
        if text == "ok" {
            return Ok(Fault::Ok);
        }
        if text == "reset" {
            return Ok(Fault::Reset);
        }
        if let Some(rest) = text.strip_prefix("delay=") {
            let (ms, inner) = rest.split_once(':').ok_or_else(bad)?;
            let ms: u64 = ms.parse().map_err(|_| bad())?;
            return Ok(Fault::delayed(
                Duration::from_millis(ms),
                Fault::parse(inner)?,
            ));
        }
        if let Some(rest) = text.strip_prefix("partial=") {
            let (n, message) = rest.split_once(':').ok_or_else(bad)?;
            return Ok(Fault::PartialSuccess {
                rejected: n.parse().map_err(|_| bad())?,
                message: message.to_string(),
            });
        }
        let (code, retry_after) = match text.split_once(':') {
            Some((code, rest)) => {
                let value = rest.strip_prefix("retry-after=").ok_or_else(bad)?;
                (code, Some(value))
            }
            None => (text, None),
        };
        let code: u16 = code.parse().map_err(|_| bad())?;
        Ok(match retry_after {
            Some(value) => Fault::StatusRetryAfter(code, value.to_string()),
            None => Fault::Status(code),
        })
    }

    /// Unwraps nested delays: the total wait and the fault to apply after it.
    pub(crate) fn resolve(self) -> (Duration, Action) {
        let mut wait = Duration::ZERO;
        let mut fault = self;
        loop {
            match fault {
                Fault::Delay(delay, inner) => {
                    wait = wait.saturating_add(delay);
                    fault = *inner;
                }
                Fault::Ok => return (wait, Action::Accept { partial: None }),
                Fault::PartialSuccess { rejected, message } => {
                    return (
                        wait,
                        Action::Accept {
                            partial: Some((rejected, message)),
                        },
                    )
                }
                Fault::Status(code) => {
                    return (
                        wait,
                        Action::Status {
                            code,
                            retry_after: None,
                        },
                    )
                }
                Fault::StatusRetryAfter(code, value) => {
                    return (
                        wait,
                        Action::Status {
                            code,
                            retry_after: Some(value),
                        },
                    )
                }
                Fault::Reset => return (wait, Action::Reset),
            }
        }
    }
}

/// A fault with its delays stripped: what to do once any wait is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Accept if the request is acceptable; `partial` is `(rejected, message)`.
    Accept { partial: Option<(i64, String)> },
    /// Answer with `code`, optionally with a `Retry-After` value.
    Status {
        code: u16,
        retry_after: Option<String>,
    },
    /// Close without answering.
    Reset,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_delays_add_up() {
        let fault = Fault::delayed(
            Duration::from_millis(5),
            Fault::delayed(Duration::from_millis(7), Fault::Status(503)),
        );
        let (wait, action) = fault.resolve();
        assert_eq!(wait, Duration::from_millis(12));
        assert_eq!(
            action,
            Action::Status {
                code: 503,
                retry_after: None
            }
        );
    }

    #[test]
    fn parse_reads_every_form() {
        assert_eq!(Fault::parse("ok"), Ok(Fault::Ok));
        assert_eq!(Fault::parse("reset"), Ok(Fault::Reset));
        assert_eq!(Fault::parse("429"), Ok(Fault::Status(429)));
        assert_eq!(
            Fault::parse("503:retry-after=Wed, 21 Oct 2015 07:28:00 GMT"),
            Ok(Fault::StatusRetryAfter(
                503,
                "Wed, 21 Oct 2015 07:28:00 GMT".into()
            ))
        );
        assert_eq!(
            Fault::parse("partial=2:too old"),
            Ok(Fault::PartialSuccess {
                rejected: 2,
                message: "too old".into()
            })
        );
        assert_eq!(
            Fault::parse("delay=1500:503:retry-after=3"),
            Ok(Fault::delayed(
                Duration::from_millis(1500),
                Fault::StatusRetryAfter(503, "3".into())
            ))
        );
    }

    #[test]
    fn parse_refuses_what_it_does_not_know() {
        for bad in [
            "",
            "fine",
            "50x",
            "503:after=1",
            "delay=x:ok",
            "delay=5",
            "partial=a:b",
        ] {
            let err = Fault::parse(bad).unwrap_err();
            assert!(err.contains(&format!("'{bad}'")), "{err}");
        }
    }

    #[test]
    fn plain_faults_have_no_wait() {
        assert_eq!(
            Fault::Reset.resolve(),
            (Duration::ZERO, Action::Reset),
            "reset"
        );
        assert_eq!(
            Fault::Ok.resolve(),
            (Duration::ZERO, Action::Accept { partial: None })
        );
    }
}
