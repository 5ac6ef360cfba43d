//! Every `Fault` variant, observed from the client side, and how refused requests are
//! recorded.

mod common;

use std::time::{Duration, Instant};

use common::*;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use otlp_receiver::{Fault, Receiver};
use prost::Message;

#[test]
fn status_faults_apply_in_order_then_the_receiver_is_healthy() {
    let receiver = Receiver::start().expect("start");
    let codes = [400, 500, 502, 503, 504];
    receiver.push_faults(codes.map(Fault::Status));
    assert_eq!(receiver.pending_faults(), codes.len());

    for code in codes {
        let response = post_traces(receiver.port()).expect("answer");
        assert_eq!(response.status, code);
        assert_eq!(response.header("retry-after"), None);
    }
    assert_eq!(receiver.pending_faults(), 0);
    assert!(
        receiver.received().is_empty(),
        "refused data is not received"
    );
    assert_eq!(post_traces(receiver.port()).expect("answer").status, 200);
    assert_eq!(receiver.received().spans.len(), 2, "only the accepted copy");

    let requests = receiver.requests();
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [400, 500, 502, 503, 504, 200]);
    for refused in &requests[..5] {
        assert!(refused.decoded_ok, "the body itself was fine");
        assert_eq!(refused.item_count, 2);
        assert!(!refused.accepted());
        assert!(refused
            .error
            .as_deref()
            .is_some_and(|e| e.contains("injected")));
    }
}

#[test]
fn retry_after_is_sent_verbatim() {
    let receiver = Receiver::start().expect("start");
    let date = "Wed, 21 Oct 2015 07:28:00 GMT";
    receiver.push_faults([
        Fault::StatusRetryAfter(503, "2".to_string()),
        Fault::StatusRetryAfter(429, date.to_string()),
    ]);
    let first = post_traces(receiver.port()).expect("answer");
    assert_eq!(first.status, 503);
    assert_eq!(first.header("Retry-After"), Some("2"));
    let second = post_traces(receiver.port()).expect("answer");
    assert_eq!(second.status, 429);
    assert_eq!(second.header("Retry-After"), Some(date));
    assert!(receiver.received().is_empty());
}

#[test]
fn delay_holds_the_answer_back() {
    let receiver = Receiver::start().expect("start");
    receiver.push_faults([
        Fault::delayed(Duration::from_millis(250), Fault::Ok),
        Fault::delayed(Duration::from_millis(100), Fault::Status(503)),
    ]);
    let started = Instant::now();
    assert_eq!(post_traces(receiver.port()).expect("answer").status, 200);
    assert!(started.elapsed() >= Duration::from_millis(250));
    let started = Instant::now();
    assert_eq!(post_traces(receiver.port()).expect("answer").status, 503);
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(receiver.received().spans.len(), 2);
}

#[test]
fn a_client_that_hangs_up_during_a_delay_does_not_disturb_the_receiver() {
    let receiver = Receiver::start().expect("start");
    // Long enough that the retry below is answered well before it ends, even on a slow,
    // loaded machine.
    let delay = Duration::from_secs(5);
    receiver.push_faults([Fault::delayed(delay, Fault::Ok)]);
    let port = receiver.port();

    let mut impatient = Conn::open_with_timeout(port, Duration::from_millis(50));
    let body = gzip(&two_span_request().encode_to_vec());
    let timed_out = impatient.request("POST", "/v1/traces", &[PROTOBUF, GZIP], &body);
    assert!(timed_out.is_err(), "the client times out first");
    drop(impatient);
    // The receiver takes a request's fault when its head arrives: wait until the first
    // request has taken the delay (the client may give up before the receiver reads it).
    wait_for_no_pending_faults(&receiver);

    // A retry is served at once while the first request still waits.
    let started = Instant::now();
    assert_eq!(post_traces(port).expect("answer").status, 200);
    assert!(
        !receiver.requests()[0].complete,
        "the retry was answered while the delayed request still waited"
    );
    assert!(started.elapsed() < delay);

    // The delayed request completes too: a backend that accepted a request whose client
    // gave up is exactly how duplicates arise.
    assert!(receiver.wait_for_requests(
        |requests| requests.len() == 2 && requests.iter().all(|r| r.complete),
        WAIT
    ));
    let requests = receiver.requests();
    assert_eq!(
        requests[0].status, 200,
        "arrival order: the delayed one first"
    );
    assert_eq!(receiver.received().spans.len(), 4);
}

#[test]
fn reset_closes_the_connection_without_an_answer() {
    let receiver = Receiver::start().expect("start");
    receiver.push_faults([
        Fault::Reset,
        Fault::delayed(Duration::from_millis(50), Fault::Reset),
    ]);
    let body = gzip(&two_span_request().encode_to_vec());
    for _ in 0..2 {
        let mut conn = Conn::open(receiver.port());
        conn.send_raw(&build_request(
            "POST",
            "/v1/traces",
            &[PROTOBUF, GZIP],
            &body,
        ));
        assert!(conn.closed_without_answer());
    }
    assert!(receiver.wait_for_requests(
        |requests| requests.len() == 2 && requests.iter().all(|r| r.complete),
        WAIT
    ));
    for request in receiver.requests() {
        assert_eq!(request.status, 0);
        assert!(request
            .error
            .as_deref()
            .is_some_and(|e| e.contains("reset")));
    }
    assert!(receiver.received().is_empty());
    assert_eq!(post_traces(receiver.port()).expect("answer").status, 200);
}

#[test]
fn partial_success_bodies_decode() {
    let receiver = Receiver::start().expect("start");
    receiver.push_faults([
        Fault::PartialSuccess {
            rejected: 1,
            message: "span too large".to_string(),
        },
        Fault::PartialSuccess {
            rejected: 2,
            message: "quota".to_string(),
        },
    ]);
    let traces = post_traces(receiver.port()).expect("answer");
    assert_eq!(traces.status, 200);
    let partial = ExportTraceServiceResponse::decode(traces.body.as_slice())
        .expect("protobuf")
        .partial_success
        .expect("partial success");
    assert_eq!(partial.rejected_spans, 1);
    assert_eq!(partial.error_message, "span too large");

    let logs = post(
        receiver.port(),
        "/v1/logs",
        &[PROTOBUF],
        &logs_request().encode_to_vec(),
    )
    .expect("answer");
    assert_eq!(logs.status, 200);
    let partial = ExportLogsServiceResponse::decode(logs.body.as_slice())
        .expect("protobuf")
        .partial_success
        .expect("partial success");
    assert_eq!(partial.rejected_log_records, 2);
    assert_eq!(partial.error_message, "quota");

    let received = receiver.received();
    assert_eq!(
        (received.spans.len(), received.logs.len()),
        (2, 1),
        "a 200 counts as accepted"
    );
}

#[test]
fn the_default_fault_applies_while_the_queue_is_empty() {
    let receiver = Receiver::start().expect("start");
    receiver.set_default(Fault::Status(503));
    receiver.push_faults([Fault::Status(500)]);
    let port = receiver.port();
    assert_eq!(post_traces(port).expect("answer").status, 500);
    assert_eq!(post_traces(port).expect("answer").status, 503);
    assert_eq!(post_traces(port).expect("answer").status, 503);
    receiver.set_default(Fault::Ok);
    assert_eq!(post_traces(port).expect("answer").status, 200);

    receiver.push_faults([Fault::Status(502), Fault::Status(502)]);
    receiver.clear_faults();
    assert_eq!(receiver.pending_faults(), 0);
    assert_eq!(post_traces(port).expect("answer").status, 200);
}

#[test]
fn a_2xx_status_fault_counts_as_accepted_and_bad_codes_become_500() {
    let receiver = Receiver::start().expect("start");
    receiver.push_faults([Fault::Status(202), Fault::Status(42)]);
    let accepted = post_traces(receiver.port()).expect("answer");
    assert_eq!(accepted.status, 202);
    assert_eq!(receiver.received().spans.len(), 2);
    assert_eq!(post_traces(receiver.port()).expect("answer").status, 500);
}

#[test]
fn faults_override_the_receivers_own_refusals_but_success_does_not() {
    let receiver = Receiver::start().expect("start");
    receiver.push_faults([
        Fault::Status(503),
        Fault::PartialSuccess {
            rejected: 1,
            message: "x".to_string(),
        },
    ]);
    let port = receiver.port();
    assert_eq!(
        post(port, "/v1/traces", &[PROTOBUF], &[0xff; 8])
            .expect("answer")
            .status,
        503
    );
    assert_eq!(
        post(port, "/v1/traces", &[PROTOBUF], &[0xff; 8])
            .expect("answer")
            .status,
        400
    );
}
