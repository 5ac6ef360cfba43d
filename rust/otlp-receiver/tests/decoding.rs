//! Decoding: real OTLP/HTTP exports (gzip and identity, Content-Length and chunked) end up
//! in `received()`; undecodable or misaddressed requests are refused and only recorded.

mod common;

use std::time::{Duration, Instant};

use common::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use otlp_receiver::{AttrValue, Receiver};
use prost::Message;

#[test]
fn gzip_traces_are_decoded_with_attributes() {
    let receiver = Receiver::start().expect("start");
    let body = gzip(&two_span_request().encode_to_vec());
    let response = post(receiver.port(), "/v1/traces", &[PROTOBUF, GZIP], &body).expect("answer");

    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/x-protobuf")
    );
    let decoded = ExportTraceServiceResponse::decode(response.body.as_slice()).expect("protobuf");
    assert_eq!(decoded.partial_success, None);

    let received = receiver.received();
    assert_eq!(received.spans.len(), 2);
    assert!(received.logs.is_empty());

    let root = received.span_named("app.start").expect("root span");
    assert_eq!(root.trace_id, TRACE_ID_HEX);
    assert_eq!(root.span_id, "aaaaaaaaaaaaaaaa");
    assert_eq!(root.parent_span_id, "");
    assert_eq!(root.kind, 1);
    assert_eq!(root.start_time_unix_nano, 1_700_000_000_000_000_000);
    assert_eq!(root.end_time_unix_nano, 1_700_000_000_500_000_000);
    assert_eq!(
        root.attr("session.id").and_then(AttrValue::as_str),
        Some("s-1")
    );
    assert_eq!(
        root.attr("launch.count").and_then(AttrValue::as_i64),
        Some(3)
    );
    assert_eq!(
        root.attr("launch.cold").and_then(AttrValue::as_bool),
        Some(true)
    );
    assert_eq!(
        root.attr("launch.ratio").and_then(AttrValue::as_f64),
        Some(0.5)
    );
    assert_eq!(
        root.attr("launch.tags"),
        Some(&AttrValue::Array(vec![
            AttrValue::String("a".into()),
            AttrValue::String("b".into())
        ]))
    );
    assert_eq!(root.attr("missing"), None);
    assert_eq!(
        root.resource_attr("service.name")
            .and_then(AttrValue::as_str),
        Some("demo-app")
    );
    assert_eq!(root.scope_name, "otel-sessions");
    assert_eq!(root.scope_version, "0.1.0");
    assert_eq!(root.events.len(), 1);
    assert_eq!(root.events[0].name, "first.frame");
    assert_eq!(
        root.events[0].attr("frame.ms").and_then(AttrValue::as_i64),
        Some(16)
    );

    let child = received.span_named("http.get").expect("child span");
    assert_eq!(child.parent_span_id, "aaaaaaaaaaaaaaaa");
    assert_eq!(child.span_id, "bbbbbbbbbbbbbbbb");
    assert_eq!(
        child.attr("http.status_code").and_then(AttrValue::as_i64),
        Some(200)
    );

    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/traces");
    assert_eq!(request.status, 200);
    assert!(request.accepted() && request.complete && request.decoded_ok);
    assert_eq!(request.item_count, 2);
    assert_eq!(request.body_len, body.len());
    assert_eq!(request.header("CONTENT-ENCODING"), Some("gzip"));
    assert_eq!(request.error, None);
}

#[test]
fn identity_logs_keep_event_name_body_and_correlation() {
    let receiver = Receiver::start().expect("start");
    let response = post(
        receiver.port(),
        "/v1/logs",
        &[PROTOBUF],
        &logs_request().encode_to_vec(),
    )
    .expect("answer");
    assert_eq!(response.status, 200);

    let received = receiver.received();
    assert_eq!(received.logs.len(), 1);
    let log = &received.logs[0];
    assert_eq!(log.event_name, "session.start");
    assert_eq!(log.body_text(), Some("session started"));
    assert_eq!(log.severity_number, 9);
    assert_eq!(log.severity_text, "INFO");
    assert_eq!(log.time_unix_nano, 1_700_000_001_000_000_000);
    assert_eq!(log.trace_id, TRACE_ID_HEX);
    assert_eq!(log.span_id, "aaaaaaaaaaaaaaaa");
    assert_eq!(log.attr("session.seq").and_then(AttrValue::as_i64), Some(1));
    assert_eq!(
        log.resource_attr("session.id").and_then(AttrValue::as_str),
        Some("s-1")
    );
    assert_eq!(received.logs_named("session.start").len(), 1);
    assert!(received.spans.is_empty());
}

#[test]
fn chunked_bodies_are_accepted() {
    let receiver = Receiver::start().expect("start");
    let payload = gzip(&two_span_request().encode_to_vec());
    let (first, second) = payload.split_at(payload.len() / 2);
    let mut framed = Vec::new();
    for part in [first, second] {
        framed.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        framed.extend_from_slice(part);
        framed.extend_from_slice(b"\r\n");
    }
    framed.extend_from_slice(b"0\r\n\r\n");
    let response = Conn::open(receiver.port())
        .request(
            "POST",
            "/v1/traces",
            &[PROTOBUF, GZIP, ("Transfer-Encoding", "chunked")],
            &framed,
        )
        .expect("answer");
    assert_eq!(response.status, 200);
    assert_eq!(receiver.received().spans.len(), 2);
    assert_eq!(receiver.requests()[0].body_len, payload.len());
}

#[test]
fn expect_continue_gets_an_interim_answer_before_the_body() {
    let receiver = Receiver::start().expect("start");
    let body = logs_request().encode_to_vec();
    let mut conn = Conn::open(receiver.port());
    conn.send_raw(
        format!(
            "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n\
             Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    let interim = conn.read_response().expect("interim answer");
    assert_eq!(interim.status, 100);
    conn.send_raw(&body);
    let response = conn.read_response().expect("final answer");
    assert_eq!(response.status, 200);
    assert_eq!(receiver.received().logs.len(), 1);
}

#[test]
fn undecodable_bodies_are_refused_and_not_received() {
    let receiver = Receiver::start().expect("start");
    let port = receiver.port();
    // (path, headers, body, expected status)
    type Case = (
        &'static str,
        Vec<(&'static str, &'static str)>,
        Vec<u8>,
        u16,
    );
    let cases: [Case; 5] = [
        ("/v1/traces", vec![PROTOBUF], vec![0xff; 32], 400),
        (
            "/v1/logs",
            vec![PROTOBUF, GZIP],
            b"not gzip at all".to_vec(),
            400,
        ),
        (
            "/v1/traces",
            vec![PROTOBUF, GZIP],
            gzip(b"\xff\xff\xff\xff garbage"),
            400,
        ),
        (
            "/v1/traces",
            vec![("Content-Type", "application/json")],
            b"{}".to_vec(),
            415,
        ),
        (
            "/v1/logs",
            vec![PROTOBUF, ("Content-Encoding", "br")],
            vec![1, 2, 3],
            415,
        ),
    ];
    for (path, headers, body, expected) in &cases {
        let response = post(port, path, headers, body).expect("answer");
        assert_eq!(response.status, *expected, "{path} {headers:?}");
        assert!(!response.body.is_empty(), "refusals explain themselves");
    }
    assert!(receiver.received().is_empty());
    let requests = receiver.requests();
    assert_eq!(requests.len(), cases.len());
    for request in &requests {
        assert!(!request.decoded_ok);
        assert!(!request.accepted());
        assert!(request.error.is_some(), "{request:?}");
    }

    // The receiver still works.
    assert_eq!(post_traces(port).expect("answer").status, 200);
    assert_eq!(receiver.received().spans.len(), 2);
}

#[test]
fn unknown_paths_and_methods_are_404_and_recorded() {
    let receiver = Receiver::start().expect("start");
    let port = receiver.port();
    let metrics = post(port, "/v1/metrics", &[PROTOBUF], &[]).expect("answer");
    assert_eq!(metrics.status, 404);
    let get = Conn::open(port)
        .request("GET", "/v1/traces", &[("Connection", "close")], &[])
        .expect("answer");
    assert_eq!(get.status, 404);

    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, "/v1/metrics");
    assert_eq!(requests[1].method, "GET");
    assert!(requests.iter().all(|r| r.status == 404 && !r.decoded_ok));
}

#[test]
fn an_empty_body_is_an_empty_export() {
    let receiver = Receiver::start().expect("start");
    let response = post(receiver.port(), "/v1/traces", &[PROTOBUF], &[]).expect("answer");
    assert_eq!(response.status, 200);
    let requests = receiver.requests();
    assert!(requests[0].decoded_ok);
    assert_eq!(requests[0].item_count, 0);
}

#[test]
fn wait_for_times_out_then_sees_later_data() {
    let receiver = Receiver::start().expect("start");
    let started = Instant::now();
    assert!(!receiver.wait_for(|rx| !rx.spans.is_empty(), Duration::from_millis(50)));
    assert!(started.elapsed() >= Duration::from_millis(50));

    let port = receiver.port();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        post_traces(port).map(|r| r.status)
    });
    // The predicate may call back into the receiver: no lock is held while it runs.
    assert!(receiver.wait_for(
        |rx| rx.spans.len() == 2 && receiver.requests().len() == 1,
        WAIT
    ));
    assert_eq!(sender.join().expect("sender").expect("answer"), 200);
}
