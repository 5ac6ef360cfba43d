//! One connection, on its own thread: read requests one after another (keep-alive), decide
//! each answer from the route, the body and the request's fault, record, then answer.
//!
//! Per request, in order: head arrives → record opened, fault taken → `Reset` closes now
//! → body read (`100 Continue` first if asked) → body decoded → delay waited → record
//! completed (accepted data added) → answer written. A connection closed after an answer
//! is closed gracefully (see [`linger`]); one closed without an answer is just dropped.

use std::io::{BufReader, Read};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use crate::decode::{self, Decoded, Rejection, Signal};
use crate::fault::Action;
use crate::http::{self, BodyError, ConnectionHeader, Framing, HeadError, RequestHead, Response};
use crate::model::ReceivedRequest;
use crate::server::Shared;
use crate::store::{Outcome, Ticket};

const PROTOBUF: &str = "application/x-protobuf";
const TEXT: &str = "text/plain; charset=utf-8";
/// Longest time spent draining a connection closed after an answer.
const LINGER_TIME: Duration = Duration::from_secs(2);
/// Most bytes drained from a connection closed after an answer.
const LINGER_BYTES: usize = 128 * 1024 * 1024;

/// What becomes of the connection after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// Read the next request.
    KeepAlive,
    /// Close at once (no answer was written, or it could not be).
    Close,
    /// An answer announcing `Connection: close` was written: close gracefully.
    Linger,
}

/// Graceful close after an answer: stop sending, then discard what the client still sends
/// (bounded in time and bytes) so that closing with unread data does not reset the
/// connection and destroy the answer before the client reads it.
fn linger(reader: &mut BufReader<&TcpStream>, stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER_TIME;
    let mut drained = 0usize;
    let mut scratch = [0u8; 16 * 1024];
    while drained < LINGER_BYTES {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match reader.read(&mut scratch) {
            Ok(0) | Err(_) => return,
            Ok(read) => drained += read,
        }
    }
}

/// Serves requests on `stream` until the client closes, asks to close, breaks the
/// protocol, times out, or the receiver stops. Never panics on what the client sends.
pub(crate) fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(shared.config.read_timeout);
    let _ = stream.set_write_timeout(shared.config.write_timeout);
    let mut reader = BufReader::new(&stream);
    let mut writer = &stream;

    while !shared.stop.is_stopped() {
        let head = match http::read_head(&mut reader) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(HeadError::Io { error, partial }) => {
                if partial && !shared.stop.is_stopped() {
                    shared.store.record(ReceivedRequest {
                        error: Some(format!("incomplete request head: {error}")),
                        ..ReceivedRequest::default()
                    });
                }
                return;
            }
            Err(HeadError::Malformed {
                message,
                method,
                target,
            }) => {
                refuse(shared, &mut writer, 400, method, target, message);
                linger(&mut reader, &stream);
                return;
            }
            Err(HeadError::TooLarge) => {
                let message = format!(
                    "request head exceeds {} bytes or {} header lines",
                    http::MAX_HEAD_BYTES,
                    http::MAX_HEADERS
                );
                refuse(
                    shared,
                    &mut writer,
                    431,
                    String::new(),
                    String::new(),
                    message,
                );
                return;
            }
        };
        match handle(shared, &head, &mut reader, &mut writer) {
            Next::KeepAlive => {}
            Next::Close => return,
            Next::Linger => {
                linger(&mut reader, &stream);
                return;
            }
        }
    }
}

/// Answers a request whose head could not be accepted, records it, and lets the caller
/// close the connection. No fault is taken for it.
fn refuse(
    shared: &Shared,
    writer: &mut &TcpStream,
    status: u16,
    method: String,
    path: String,
    message: String,
) {
    let response = text_response(status, &message, ConnectionHeader::Close);
    shared.store.record(ReceivedRequest {
        method,
        path,
        status,
        error: Some(message),
        ..ReceivedRequest::default()
    });
    let _ = http::write_response(writer, &response);
}

fn text_response(status: u16, message: &str, connection: ConnectionHeader) -> Response {
    Response {
        status,
        content_type: TEXT,
        body: format!("{message}\n").into_bytes(),
        retry_after: None,
        connection,
        omit_body: false,
    }
}

/// Completes the record of a request that gets no answer and closes the connection.
fn abandon(shared: &Shared, ticket: Ticket, mut outcome: Outcome, why: String) -> Next {
    outcome.status = 0;
    outcome.accepted = None;
    outcome.error = Some(why);
    shared.store.close(ticket, outcome);
    Next::Close
}

/// Handles one request whose head has arrived.
fn handle(
    shared: &Shared,
    head: &RequestHead,
    reader: &mut BufReader<&TcpStream>,
    writer: &mut &TcpStream,
) -> Next {
    let max = shared.config.max_body_bytes;
    let ticket = shared.store.open(ReceivedRequest {
        method: head.method.clone(),
        path: head.target.clone(),
        headers: head.headers.clone(),
        ..ReceivedRequest::default()
    });
    let (delay, action) = shared.store.take_fault().resolve();
    let mut outcome = Outcome::default();

    if action == Action::Reset && delay.is_zero() {
        return abandon(
            shared,
            ticket,
            outcome,
            "injected fault: reset (closed without answering)".to_string(),
        );
    }

    // Body. `in_sync` tells whether the reader now sits at the start of the next request.
    let mut in_sync = true;
    let declared_too_large = matches!(head.framing, Framing::Length(length) if length > max as u64);
    if head.expects_continue() && head.framing != Framing::Empty && !declared_too_large {
        if let Err(error) = http::write_continue(writer) {
            return abandon(
                shared,
                ticket,
                outcome,
                format!("writing 100 Continue failed: {error}"),
            );
        }
    }
    let body = match http::read_body(reader, head.framing, max) {
        Ok(body) => Ok(body),
        Err(BodyError::TooLarge) => {
            in_sync = false;
            Err(Rejection {
                status: 413,
                message: format!("request body exceeds {max} bytes"),
            })
        }
        Err(BodyError::Malformed(message)) => {
            in_sync = false;
            Err(Rejection {
                status: 400,
                message: format!("malformed chunked body: {message}"),
            })
        }
        Err(BodyError::Io(error)) => {
            return abandon(
                shared,
                ticket,
                outcome,
                format!("request body incomplete: {error}"),
            );
        }
    };
    outcome.body_len = body.as_ref().map_or(0, Vec::len);

    // Decode.
    let signal = if head.method == "POST" {
        Signal::from_path(head.route_path())
    } else {
        None
    };
    let decoded: Result<(Signal, Decoded), Rejection> = match (signal, body) {
        (None, _) => Err(Rejection {
            status: 404,
            message: format!(
                "no OTLP endpoint at {} {} (POST /v1/traces or /v1/logs)",
                head.method,
                head.route_path()
            ),
        }),
        (Some(_), Err(rejection)) => Err(rejection),
        (Some(signal), Ok(bytes)) => decode::decode(
            signal,
            head.header("content-type"),
            head.header("content-encoding"),
            &bytes,
            max,
        )
        .map(|decoded| (signal, decoded)),
    };
    if let Ok((_, decoded)) = &decoded {
        outcome.decoded_ok = true;
        outcome.item_count = decoded.len();
    }

    // Delay.
    if !delay.is_zero() && shared.stop.sleep(delay) {
        return abandon(
            shared,
            ticket,
            outcome,
            "receiver stopped during an injected delay".to_string(),
        );
    }

    // Answer.
    let close = !in_sync || !head.keep_alive() || shared.stop.is_stopped();
    let connection = if close {
        ConnectionHeader::Close
    } else if head.version == http::Version::Http10 {
        ConnectionHeader::KeepAlive
    } else {
        ConnectionHeader::Omit
    };
    let mut response = match action {
        Action::Reset => {
            return abandon(
                shared,
                ticket,
                outcome,
                "injected fault: reset after a delay (closed without answering)".to_string(),
            );
        }
        Action::Accept { partial } => match decoded {
            Ok((signal, decoded)) => {
                outcome.status = 200;
                outcome.error = partial.as_ref().map(|(rejected, message)| {
                    format!("injected fault: partial success, {rejected} rejected: {message}")
                });
                outcome.accepted = Some(decoded);
                Response {
                    status: 200,
                    content_type: PROTOBUF,
                    body: decode::success_body(signal, partial.as_ref()),
                    retry_after: None,
                    connection,
                    omit_body: false,
                }
            }
            Err(rejection) => {
                outcome.status = rejection.status;
                outcome.error = Some(rejection.message.clone());
                text_response(rejection.status, &rejection.message, connection)
            }
        },
        Action::Status { code, retry_after } => {
            let (status, mut error) = if (200..=599).contains(&code) {
                (code, format!("injected fault: status {code}"))
            } else {
                (
                    500,
                    format!("injected fault: status {code} is not a final status, answered 500"),
                )
            };
            if let Some(value) = &retry_after {
                error.push_str(&format!(", Retry-After {value:?}"));
            }
            if let Err(rejection) = &decoded {
                error.push_str(&format!("; the request itself: {}", rejection.message));
            }
            outcome.status = status;
            outcome.error = Some(error);
            let mut response = if (200..300).contains(&status) {
                outcome.accepted = decoded.ok().map(|(_, decoded)| decoded);
                Response {
                    status,
                    content_type: PROTOBUF,
                    body: Vec::new(),
                    retry_after: None,
                    connection,
                    omit_body: false,
                }
            } else {
                text_response(
                    status,
                    &format!("injected fault: status {status}"),
                    connection,
                )
            };
            response.retry_after = retry_after;
            response
        }
    };
    response.omit_body = head.method == "HEAD";

    // Record before answering, so a client that saw the answer also sees the record.
    shared.store.close(ticket, outcome);
    if let Err(error) = http::write_response(writer, &response) {
        shared
            .store
            .annotate(ticket, &format!("writing the answer failed: {error}"));
        return Next::Close;
    }
    if close {
        Next::Linger
    } else {
        Next::KeepAlive
    }
}
