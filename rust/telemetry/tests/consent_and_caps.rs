//! Consent, clearing data, the outbox caps and error upsampling.

mod common;
use common::*;

use std::time::Duration;

use otel_sessions_engine::{AttributeValue, SessionPolicy};
use otel_sessions_telemetry::Consent;
use otlp_receiver::Receiver;

fn outbox_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(dir.join("outbox")) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => vec![],
    }
}

/// (event name, session.id) of every log record in an outbox file (gzip OTLP protobuf).
fn logs_in(file: &std::path::Path) -> Vec<(String, String)> {
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    use prost::Message as _;
    use std::io::Read as _;
    assert!(file.to_string_lossy().ends_with(".logs.gzip"), "{file:?}");
    let mut body = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap())
        .read_to_end(&mut body)
        .unwrap();
    let req = ExportLogsServiceRequest::decode(&body[..]).unwrap();
    let mut out = Vec::new();
    for rl in req.resource_logs {
        for sl in rl.scope_logs {
            for r in sl.log_records {
                let id = r
                    .attributes
                    .iter()
                    .find(|kv| kv.key == "session.id")
                    .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                        Value::StringValue(s) => Some(s.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                out.push((r.event_name, id));
            }
        }
    }
    out
}

#[test]
fn pending_records_to_disk_without_sending_then_granted_sends() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), Some(rx.endpoint()));
    c.consent = Consent::Pending;
    let t = start(c);
    t.record_event("while.pending", &[]).unwrap();
    t.flush(*WAIT).unwrap(); // writes to disk; does not wait for an upload that may not happen
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.requests().is_empty(), "nothing sent while pending");
    assert!(!outbox_files(dir.path()).is_empty(), "but it is on disk");
    t.set_consent(Consent::Granted);
    t.flush(*WAIT).unwrap();
    assert!(rx
        .received()
        .logs
        .iter()
        .any(|l| l.event_name == "while.pending"));
}

#[test]
fn pending_data_from_a_previous_launch_is_sent_when_a_later_launch_grants() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), Some(rx.endpoint()));
    c.consent = Consent::Pending;
    let t = start(c.clone());
    t.record_error("Crash", "recorded before consent", None, &[])
        .unwrap();
    drop(t);
    assert!(rx.requests().is_empty());
    c.consent = Consent::Granted;
    let t = start(c);
    t.flush(*WAIT).unwrap();
    assert!(rx
        .received()
        .logs
        .iter()
        .any(|l| l.event_name == "exception"));
}

#[test]
fn denied_records_nothing_and_purges_what_was_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), Some(dead_endpoint()));
    c.consent = Consent::Pending;
    let t = start(c);
    t.record_event("stored", &[]).unwrap();
    t.write_to_disk();
    assert!(!outbox_files(dir.path()).is_empty());
    t.set_consent(Consent::Denied);
    // The purge runs on the exporter thread (the app's thread does no disk work); the next
    // export waits for it.
    t.write_to_disk();
    assert!(outbox_files(dir.path()).is_empty(), "purged");
    for _ in 0..50 {
        t.record_event("while.denied", &[]).unwrap();
    }
    t.engine().end();
    t.write_to_disk();
    assert!(
        outbox_files(dir.path()).is_empty(),
        "no telemetry file written while denied"
    );
}

#[test]
fn clear_all_data_leaves_no_telemetry_history_or_salt() {
    let dir = tempfile::tempdir().unwrap();
    let t = start(config(dir.path(), Some(dead_endpoint())));
    t.set_user(Some("bob")).unwrap();
    t.engine().end();
    t.record_event("x", &[]).unwrap();
    t.write_to_disk();
    assert!(!outbox_files(dir.path()).is_empty());
    assert!(dir.path().join("user-salt").exists());
    let before = t.engine().current().id;
    t.clear_all_data();
    assert!(!dir.path().join("user-salt").exists());
    assert!(t.engine().history().is_empty());
    let after = t.engine().current();
    assert_ne!(after.id, before, "a fresh session");
    // All that is on disk now is the fresh session's start (journaled at once, to survive a
    // kill; in the outbox once exported).
    t.write_to_disk();
    let mut left = Vec::new();
    for f in outbox_files(dir.path()) {
        left.extend(logs_in(&f));
    }
    assert_eq!(
        left,
        vec![("session.start".to_string(), after.id.to_string())],
        "nothing erased is left on disk"
    );
    assert!(after.previous_id.is_none(), "that links to nothing erased");
    assert!(!after.attributes.contains_key("user.hash"));
}

#[test]
fn after_clear_all_data_nothing_delivered_names_an_erased_session() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), Some(rx.endpoint()));
    c.consent = Consent::Pending; // recorded, not yet sent
    let t = start(c);
    let first = t.engine().current().id.to_string();
    t.record_event("before", &[]).unwrap();
    let second = t.engine().end().id.to_string();
    t.record_event("before", &[]).unwrap(); // still in memory when erased
    t.clear_all_data();
    let fresh = t.engine().current().id.to_string();
    t.record_event("after", &[]).unwrap();
    t.set_consent(Consent::Granted);
    t.flush(*WAIT).unwrap();
    let r = rx.received();
    for l in &r.logs {
        for erased in [&first, &second] {
            assert_ne!(
                l.attr("session.id").and_then(|v| v.as_str()),
                Some(erased.as_str()),
                "{}",
                l.event_name
            );
            assert_ne!(
                l.attr("session.previous_id").and_then(|v| v.as_str()),
                Some(erased.as_str()),
                "{}",
                l.event_name
            );
        }
    }
    assert_eq!(
        r.logs_named("after").len(),
        1,
        "what is recorded afterwards is delivered"
    );
    assert!(starts(&r).contains(&fresh), "with its session's start");
}

#[test]
fn offline_beyond_the_byte_cap_evicts_the_oldest_counts_it_and_stays_within_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), Some(dead_endpoint()));
    let cap = 64 * 1024;
    c.max_queue_bytes = cap;
    let t = start(c);
    let blob = AttributeValue::String("x".repeat(4000));
    let mut seed = 1u64;
    let mut max_seen = 0u64;
    for i in 0..400 {
        // Incompressible-ish payloads so files have real size.
        let noise: String = (0..200)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                char::from(b'a' + (seed >> 59) as u8)
            })
            .collect();
        t.record_event(
            "big",
            &[
                ("blob".into(), blob.clone()),
                ("noise".into(), AttributeValue::String(noise)),
            ],
        )
        .unwrap();
        // A 64 KiB cap gives the journal 16 KiB: about three of these records. Exported after
        // each, they reach the outbox, whose cap this test is about (a burst beyond the journal
        // is dropped and counted: see delivery.rs).
        t.write_to_disk();
        if i % 20 == 0 {
            let on_disk: u64 = outbox_files(dir.path())
                .iter()
                .map(|p| p.metadata().unwrap().len())
                .sum();
            max_seen = max_seen.max(on_disk);
        }
    }
    t.write_to_disk();
    let stats = t.stats();
    assert!(stats.evicted_requests > 0, "{stats:?}");
    assert!(stats.queued_bytes <= cap);
    assert!(max_seen <= cap, "disk use {max_seen} within the cap {cap}");
    drop(t);

    // When the backend is back, the next session.end reports the eviction.
    let rx = Receiver::start().unwrap();
    let t = start(config(dir.path(), Some(rx.endpoint())));
    let s = t.engine().current().id.to_string();
    t.engine().end();
    t.flush(*WAIT).unwrap();
    let r = rx.received();
    let evicted = ends(&r)[&s]
        .attr("rn_otel_sessions.outbox.evicted_files")
        .and_then(|v| v.as_i64());
    assert!(evicted.is_some_and(|n| n > 0), "{evicted:?}");
}

#[test]
fn without_error_sampling_an_error_does_not_export_an_unsampled_session() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), Some(rx.endpoint()));
    let policy = SessionPolicy::builder().sample_rate(0.0).build().unwrap();
    let t = start_with(c, policy);
    t.record_event("step", &[]).unwrap();
    t.record_error("TypeError", "x is undefined", None, &[])
        .unwrap();
    t.record_event("after", &[]).unwrap();
    assert!(!t.engine().current().sampled, "still unsampled");
    t.engine().end();
    t.flush(*WAIT).unwrap();
    let r = rx.received();
    assert!(
        r.logs.is_empty() && r.spans.is_empty(),
        "nothing of an unsampled session arrives, not even a start-less error: {:?}",
        r.logs.iter().map(|l| &l.event_name).collect::<Vec<_>>()
    );
}

#[test]
fn an_error_upsamples_an_unsampled_session_with_its_recent_records() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), Some(rx.endpoint()));
    c.error_buffer = Some(5);
    let policy = SessionPolicy::builder().sample_rate(0.0).build().unwrap();
    let t = start_with(c, policy);
    let s = t.engine().current().id.to_string();
    for i in 0..12 {
        t.record_event("step", &[("i".into(), AttributeValue::Int(i))])
            .unwrap();
    }
    t.flush(*WAIT).unwrap();
    assert!(
        rx.received().logs.is_empty(),
        "an unsampled session exports nothing"
    );
    t.record_error(
        "TypeError",
        "x is undefined",
        Some("at f (app.js:1:1)"),
        &[],
    )
    .unwrap();
    t.engine().end();
    t.flush(*WAIT).unwrap();
    let r = rx.received();
    let seqs = seqs_by_session(&r)[&s].clone();
    assert_eq!(
        seqs,
        vec![8, 9, 10, 11, 12, 13],
        "the 5 most recent records, then the error"
    );
    assert!(
        starts(&r).contains(&s),
        "the upsampled session shows its start"
    );
    let end = ends(&r)[&s];
    assert_eq!(
        end.attr("rn_otel_sessions.record_count")
            .and_then(|v| v.as_i64()),
        Some(13)
    );
    assert_eq!(
        end.attr("rn_otel_sessions.dropped_count")
            .and_then(|v| v.as_i64()),
        Some(7)
    );
    let err = r.logs.iter().find(|l| l.event_name == "exception").unwrap();
    assert_eq!(
        err.attr("exception.type").and_then(|v| v.as_str()),
        Some("TypeError")
    );
    // The next session is decided afresh (sample rate 0: unsampled, nothing exported).
    let next = t.engine().current().id.to_string();
    assert!(!seqs_by_session(&r).contains_key(&next));
}

/// A burst larger than the byte cap (here 256 KiB for journal and outbox together), faster
/// than the exporter drains: nothing is lost silently. Every sequence number is received,
/// counted in the session's `dropped_count` (the journal could not take it), or inside an
/// outbox request evicted for room (counted per request in the stats and on the next
/// `session.end`).
#[test]
fn a_burst_over_the_byte_cap_is_counted_as_dropped_or_evicted_not_lost_silently() {
    use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path(), Some(rx.endpoint()));
    c.max_queue_bytes = 256 * 1024;
    let t = start(c);
    let tracer = t.tracer_provider().tracer("burst");
    let burst = 60_000;
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..burst / 2 {
                    tracer.start("burst").end();
                }
            });
        }
    });
    let burst_session = t.engine().current().id.to_string();
    t.engine().end();
    t.flush(*WAIT).unwrap();
    let received = rx.received();
    let end = ends(&received)[&burst_session].clone();
    let attr = |k: &str| end.attr(k).and_then(|v| v.as_i64()).unwrap();
    let (count, dropped) = (
        attr("rn_otel_sessions.record_count"),
        attr("rn_otel_sessions.dropped_count"),
    );
    let mut seqs = seqs_by_session(&received)
        .remove(&burst_session)
        .unwrap_or_default();
    seqs.dedup();
    eprintln!(
        "burst of {burst}: {count} counted, {dropped} dropped, {} received",
        seqs.len()
    );
    let evicted = t.stats().evicted_requests;
    assert_eq!(count, burst as i64);
    assert!(
        dropped > 0,
        "the burst overran the cap (else this test proves nothing)"
    );
    let unexplained = count - dropped - seqs.len() as i64;
    assert!(unexplained >= 0, "no number both received and dropped");
    assert!(
        unexplained == 0 || evicted > 0,
        "{unexplained} numbers neither received nor dropped, and no request was evicted"
    );
}
