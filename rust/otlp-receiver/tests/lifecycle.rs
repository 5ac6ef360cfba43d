//! Starting, stopping and restarting on the same port; connection handling (keep-alive,
//! `Connection: close`, HTTP/1.0, pipelining); clearing records.

mod common;

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use otlp_receiver::{Fault, Receiver};
use prost::Message;

#[test]
fn endpoint_names_the_loopback_port() {
    let receiver = Receiver::start().expect("start");
    let port = receiver.port();
    assert_ne!(port, 0);
    assert_eq!(receiver.endpoint(), format!("http://127.0.0.1:{port}"));
    assert_eq!(
        receiver.traces_url(),
        format!("http://127.0.0.1:{port}/v1/traces")
    );
    assert_eq!(
        receiver.logs_url(),
        format!("http://127.0.0.1:{port}/v1/logs")
    );
}

#[test]
fn stop_frees_the_port_for_a_restart_on_it() {
    let receiver = Receiver::start().expect("start");
    let port = receiver.port();
    // Leave an idle keep-alive connection open across the stop.
    let mut idle = Conn::open(port);
    assert_eq!(
        idle.request(
            "POST",
            "/v1/traces",
            &[PROTOBUF, GZIP],
            &gzip(&two_span_request().encode_to_vec())
        )
        .expect("answer")
        .status,
        200
    );
    receiver.stop();

    assert!(
        idle.closed_without_answer(),
        "open connections are shut down"
    );
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "down: connections are refused"
    );

    let again = Receiver::start_on(port).expect("restart on the same port");
    assert_eq!(again.port(), port);
    assert!(again.received().is_empty(), "a new receiver starts empty");
    assert_eq!(post_traces(port).expect("answer").status, 200);
    assert_eq!(again.received().spans.len(), 2);
}

#[test]
fn drop_frees_the_port_too() {
    let receiver = Receiver::start().expect("start");
    let port = receiver.port();
    assert_eq!(post_traces(port).expect("answer").status, 200);
    drop(receiver);
    TcpListener::bind(("127.0.0.1", port)).expect("port is free after drop");
}

#[test]
fn stop_is_prompt_even_with_a_long_delay_in_flight() {
    let receiver = Receiver::start().expect("start");
    receiver.push_faults([Fault::delayed(Duration::from_secs(30), Fault::Ok)]);
    let port = receiver.port();
    let client = std::thread::spawn(move || post_traces(port).map(|r| r.status));
    assert!(receiver.wait_for_requests(|requests| requests.len() == 1, WAIT));

    let started = Instant::now();
    receiver.stop();
    // Far below the 30 s delay: stop cut it short (the margin is for a slow, loaded machine).
    assert!(started.elapsed() < Duration::from_secs(10), "stop waited");
    assert!(
        client.join().expect("client").is_err(),
        "the delayed request gets no answer"
    );
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let receiver = Receiver::start().expect("start");
    let mut conn = Conn::open(receiver.port());
    let traces = gzip(&two_span_request().encode_to_vec());
    let logs = logs_request().encode_to_vec();
    let first = conn
        .request("POST", "/v1/traces", &[PROTOBUF, GZIP], &traces)
        .expect("first answer");
    assert_eq!(first.status, 200);
    assert_eq!(first.header("connection"), None, "HTTP/1.1 stays open");
    let second = conn
        .request("POST", "/v1/logs", &[PROTOBUF], &logs)
        .expect("second answer on the same connection");
    assert_eq!(second.status, 200);
    // A refusal that consumed its body keeps the connection too.
    receiver.push_faults([Fault::Status(503)]);
    let third = conn
        .request("POST", "/v1/traces", &[PROTOBUF, GZIP], &traces)
        .expect("third answer");
    assert_eq!(third.status, 503);

    let received = receiver.received();
    assert_eq!((received.spans.len(), received.logs.len()), (2, 1));
    assert_eq!(receiver.requests().len(), 3);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let receiver = Receiver::start().expect("start");
    let mut conn = Conn::open(receiver.port());
    let body = logs_request().encode_to_vec();
    let mut both = build_request("POST", "/v1/logs", &[PROTOBUF], &body);
    both.extend(build_request("POST", "/v1/nope", &[PROTOBUF], &body));
    conn.send_raw(&both);
    assert_eq!(conn.read_response().expect("first").status, 200);
    assert_eq!(conn.read_response().expect("second").status, 404);
}

#[test]
fn connection_close_is_honoured() {
    let receiver = Receiver::start().expect("start");
    let mut conn = Conn::open(receiver.port());
    let response = conn
        .request(
            "POST",
            "/v1/logs",
            &[PROTOBUF, ("Connection", "close")],
            &logs_request().encode_to_vec(),
        )
        .expect("answer");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("connection"), Some("close"));
    assert!(conn.closed_without_answer(), "the server closed");
}

#[test]
fn http_1_0_closes_unless_asked_to_keep_alive() {
    let receiver = Receiver::start().expect("start");
    let body = logs_request().encode_to_vec();
    let head = |extra: &str| {
        let mut bytes = format!(
            "POST /v1/logs HTTP/1.0\r\nContent-Length: {}\r\n{extra}\r\n",
            body.len()
        )
        .into_bytes();
        bytes.extend_from_slice(&body);
        bytes
    };

    let mut plain = Conn::open(receiver.port());
    plain.send_raw(&head(""));
    assert_eq!(plain.read_response().expect("answer").status, 200);
    assert!(plain.closed_without_answer());

    let mut kept = Conn::open(receiver.port());
    kept.send_raw(&head("Connection: keep-alive\r\n"));
    let response = kept.read_response().expect("answer");
    assert_eq!(response.header("connection"), Some("keep-alive"));
    kept.send_raw(&head("Connection: keep-alive\r\n"));
    assert_eq!(kept.read_response().expect("second answer").status, 200);
}

#[test]
fn clear_forgets_records_but_keeps_faults() {
    let receiver = Receiver::start().expect("start");
    assert_eq!(post_traces(receiver.port()).expect("answer").status, 200);
    receiver.push_faults([Fault::Status(500)]);
    receiver.clear();
    assert!(receiver.requests().is_empty());
    assert!(receiver.received().is_empty());
    assert_eq!(receiver.pending_faults(), 1);
    assert_eq!(post_traces(receiver.port()).expect("answer").status, 500);
    assert_eq!(receiver.requests().len(), 1);
}

#[test]
fn the_receiver_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Receiver>();
    assert_send_sync::<otlp_receiver::Received>();
    assert_send_sync::<Fault>();
}
