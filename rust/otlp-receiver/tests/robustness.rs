//! Hostile and broken clients: garbage, truncation, oversize, silence, concurrency. The
//! receiver must never panic and must keep serving.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use common::*;
use otlp_receiver::{Receiver, ReceiverConfig};
use prost::Message;

static PANICKED: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Notes any panic in this test process (including the receiver's threads, whose panics
/// would otherwise only be printed).
fn watch_for_panics() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            previous(info);
        }));
    });
}

/// xorshift64*: deterministic pseudo-random bytes without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Sends `bytes`, half-closes, and drains whatever comes back.
fn throw(port: u16, bytes: &[u8]) {
    let mut conn = Conn::open_with_timeout(port, Duration::from_secs(2));
    conn.send_raw(bytes);
    conn.finish_sending();
    while !conn.closed_without_answer() {}
}

#[test]
fn garbage_request_lines_get_400_and_the_receiver_keeps_serving() {
    let receiver = Receiver::start().expect("start");
    let port = receiver.port();
    for garbage in [
        &b"HELLO\r\n\r\n"[..],
        b"POST /v1/traces HTTP/9.9\r\n\r\n",
        b"\x00\x01\x02 \xff\xfe \x80\r\n\r\n",
        b"POST /v1/traces HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
    ] {
        let mut conn = Conn::open(port);
        conn.send_raw(garbage);
        let response = conn.read_response().expect("an answer");
        assert_eq!(response.status, 400, "{garbage:?}");
        assert_eq!(response.header("connection"), Some("close"));
    }
    let requests = receiver.requests();
    assert_eq!(requests.len(), 4);
    assert!(requests
        .iter()
        .all(|r| r.status == 400 && r.error.is_some()));
    assert_eq!(requests[3].path, "/v1/traces", "the request line was fine");
    assert_eq!(post_traces(port).expect("answer").status, 200);
}

#[test]
fn fuzzed_bytes_never_panic() {
    watch_for_panics();
    let receiver = Receiver::start().expect("start");
    let port = receiver.port();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let valid = build_request(
        "POST",
        "/v1/traces",
        &[PROTOBUF, GZIP],
        &gzip(&two_span_request().encode_to_vec()),
    );
    let valid_logs = build_request(
        "POST",
        "/v1/logs",
        &[PROTOBUF],
        &logs_request().encode_to_vec(),
    );

    let pieces = [
        "/", "v1", "traces", "logs", "é", "€", "http://", "HTTPS://", "?", "#", "%", " ", "\t",
    ];
    for round in 0..150 {
        let bytes = match round % 5 {
            // Pure noise.
            0 => {
                let len = rng.below(3000);
                rng.bytes(len)
            }
            // Noise after a plausible head.
            1 => {
                let len = rng.below(500);
                let mut bytes = build_request("POST", "/v1/traces", &[PROTOBUF], &rng.bytes(len));
                let extra = rng.below(8);
                bytes.extend(rng.bytes(extra));
                bytes
            }
            // A valid request with some bytes flipped (head or body).
            2 | 3 => {
                let mut bytes = if round % 4 == 2 {
                    valid.clone()
                } else {
                    valid_logs.clone()
                };
                for _ in 0..=rng.below(6) {
                    let at = rng.below(bytes.len());
                    bytes[at] = rng.next() as u8;
                }
                let keep = bytes.len() - rng.below(bytes.len() / 4 + 1);
                bytes.truncate(keep);
                bytes
            }
            // Request lines made of multi-byte characters and URL pieces.
            4 => {
                let target: String = (0..rng.below(12))
                    .map(|_| pieces[rng.below(pieces.len())])
                    .collect();
                build_request("POST", &target, &[PROTOBUF], &[])
            }
            _ => unreachable!(),
        };
        throw(port, &bytes);
    }

    assert_eq!(post_traces(port).expect("answer").status, 200);
    assert!(
        receiver.wait_for_requests(|requests| requests.iter().all(|r| r.complete), WAIT),
        "every fuzzed request was settled"
    );
    assert!(!PANICKED.load(Ordering::SeqCst), "a thread panicked");
}

#[test]
fn a_truncated_body_is_recorded_and_the_receiver_keeps_serving() {
    let receiver = Receiver::start().expect("start");
    let port = receiver.port();
    let mut conn = Conn::open(port);
    conn.send_raw(b"POST /v1/traces HTTP/1.1\r\nContent-Length: 1000\r\n\r\n0123456789");
    conn.finish_sending();
    assert!(conn.closed_without_answer());

    assert!(
        receiver.wait_for_requests(|requests| requests.len() == 1 && requests[0].complete, WAIT)
    );
    let record = &receiver.requests()[0];
    assert_eq!(record.status, 0);
    assert!(record
        .error
        .as_deref()
        .is_some_and(|e| e.contains("incomplete")));
    assert!(receiver.received().is_empty());
    assert_eq!(post_traces(port).expect("answer").status, 200);
}

#[test]
fn a_declared_oversize_body_gets_413_without_being_read() {
    let receiver = Receiver::start().expect("start");
    let mut conn = Conn::open(receiver.port());
    conn.send_raw(
        format!(
            "POST /v1/traces HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            64 * 1024 * 1024 + 1
        )
        .as_bytes(),
    );
    let response = conn.read_response().expect("answer");
    assert_eq!(response.status, 413);
    assert_eq!(response.header("connection"), Some("close"));
    assert!(conn.closed_without_answer(), "then the connection closes");
    assert_eq!(receiver.requests()[0].status, 413);
}

#[test]
fn oversize_chunked_and_decompressed_bodies_get_413() {
    let receiver =
        Receiver::start_with(ReceiverConfig::default().max_body_bytes(4096)).expect("start");
    let port = receiver.port();

    let mut framed = format!("{:x}\r\n", 5000).into_bytes();
    framed.extend(vec![b'x'; 5000]);
    framed.extend_from_slice(b"\r\n0\r\n\r\n");
    let chunked = Conn::open(port)
        .request(
            "POST",
            "/v1/traces",
            &[PROTOBUF, ("Transfer-Encoding", "chunked")],
            &framed,
        )
        .expect("answer");
    assert_eq!(chunked.status, 413);

    let bomb = gzip(&vec![0u8; 1024 * 1024]);
    assert!(bomb.len() < 4096);
    let response = post(port, "/v1/traces", &[PROTOBUF, GZIP], &bomb).expect("answer");
    assert_eq!(response.status, 413);
    assert_eq!(post_traces(port).expect("answer").status, 200);
}

#[test]
fn an_oversize_head_gets_431() {
    let receiver = Receiver::start().expect("start");
    let mut conn = Conn::open(receiver.port());
    let mut head = b"POST /v1/traces HTTP/1.1\r\n".to_vec();
    for i in 0..2000 {
        head.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "y".repeat(40)).as_bytes());
    }
    conn.send_raw(&head);
    assert_eq!(conn.read_response().expect("answer").status, 431);
}

#[test]
fn a_silent_client_is_dropped_after_the_read_timeout() {
    let receiver =
        Receiver::start_with(ReceiverConfig::default().read_timeout(Duration::from_millis(200)))
            .expect("start");
    let port = receiver.port();
    let mut stuck = Conn::open(port);
    // Timed from before the send: the receiver's read timeout starts after the bytes arrive,
    // so `waited` covers it even if this thread is descheduled right after the send.
    let started = Instant::now();
    stuck.send_raw(b"POST /v1/traces HTTP/1.1\r\nContent-Len");
    assert!(stuck.closed_without_answer());
    let waited = started.elapsed();
    // The timeout really fired (not before its 200 ms) and the client was dropped; the upper
    // bound only says "not never" (the client itself would give up after CLIENT_TIMEOUT),
    // so it is generous for a slow, loaded machine.
    assert!(
        waited >= Duration::from_millis(150) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    let records = receiver.requests();
    assert_eq!(records.len(), 1);
    assert!(records[0]
        .error
        .as_deref()
        .is_some_and(|e| e.contains("incomplete request head")));
    assert_eq!(post_traces(port).expect("answer").status, 200);
}

#[test]
fn concurrent_clients_are_all_served() {
    let receiver = Receiver::start().expect("start");
    let port = receiver.port();
    let clients: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let mut conn = Conn::open(port);
                let body = gzip(&two_span_request().encode_to_vec());
                (0..5)
                    .map(|_| {
                        conn.request("POST", "/v1/traces", &[PROTOBUF, GZIP], &body)
                            .map(|r| r.status)
                            .unwrap_or(0)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for client in clients {
        assert_eq!(client.join().expect("client"), vec![200; 5]);
    }
    assert_eq!(receiver.received().spans.len(), 80);
    assert_eq!(receiver.requests().len(), 40);
}
