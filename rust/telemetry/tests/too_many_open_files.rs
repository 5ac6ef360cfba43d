//! The process runs out of file descriptors (a leak elsewhere in the app): the library keeps
//! what it holds. A request the uploader cannot open now stays in the outbox and is delivered
//! once descriptors are free again; the user's salt is not replaced by a new one. A real
//! EMFILE, in a child process (the open-file limit is per process).

use std::path::PathBuf;
use std::process::Stdio;

mod common;
use common::*;

use otel_sessions_engine::AttributeValue;
use otel_sessions_telemetry::Consent;
use otlp_receiver::Receiver;

const ENV_DIR: &str = "OTEL_SESSIONS_EMFILE_CHILD_DIR";
const ENV_ENDPOINT: &str = "OTEL_SESSIONS_EMFILE_CHILD_ENDPOINT";
const EVENTS: i64 = 20;

fn user_hash(t: &otel_sessions_telemetry::Telemetry) -> Option<String> {
    match t.engine().current().attributes.get("user.hash") {
        Some(AttributeValue::String(h)) => Some(h.clone()),
        _ => None,
    }
}

#[test]
#[ignore = "child process of requests_and_the_salt_survive_running_out_of_file_descriptors"]
fn child_out_of_descriptors() {
    let (Ok(dir), Ok(endpoint)) = (std::env::var(ENV_DIR), std::env::var(ENV_ENDPOINT)) else {
        return;
    };
    let mut cfg = config(&PathBuf::from(dir), Some(endpoint));
    cfg.consent = Consent::Pending; // recorded and written to the outbox, not sent yet
    let t = start(cfg);
    t.set_user(Some("alice")).unwrap();
    let hash = user_hash(&t).expect("a user hash");
    for _ in 0..EVENTS {
        t.record_event("tick", &[]).unwrap();
    }
    t.write_to_disk();
    assert!(
        t.stats().queued_requests > 0,
        "the requests wait in the outbox"
    );

    // No descriptor free below the limit: every open, socket and pipe fails with EMFILE.
    let normal = otel_sessions_test_support::set_open_file_limit(3);
    let refused = t.set_user(Some("alice"));
    t.set_consent(Consent::Granted); // the uploader wakes and tries to read a request
    std::thread::sleep(
        std::time::Duration::from_millis(500) * otel_sessions_test_support::slowdown(),
    );
    otel_sessions_test_support::set_open_file_limit(normal);

    assert!(
        refused.is_err(),
        "set_user cannot read the salt: an error, not a new salt"
    );
    assert_eq!(t.stats().evicted_requests, 0, "no request dropped");
    t.flush(*WAIT).unwrap();
    t.set_user(Some("alice")).unwrap();
    assert_eq!(user_hash(&t), Some(hash), "the same salt");
    println!("SESSION {}", t.engine().current().id);
}

#[test]
fn requests_and_the_salt_survive_running_out_of_file_descriptors() {
    let rx = Receiver::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = otel_sessions_test_support::child("child_out_of_descriptors")
        .env(ENV_DIR, dir.path())
        .env(ENV_ENDPOINT, rx.endpoint())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed: {text}");
    let session = text
        .lines()
        .find_map(|l| l.split_once("SESSION ").map(|(_, id)| id.trim()))
        .unwrap_or_else(|| panic!("the child ran its checks: {text}"))
        .to_owned();
    let got = seqs_by_session(&rx.received());
    let mut seqs = got.get(&session).cloned().unwrap_or_default();
    seqs.dedup();
    assert_eq!(
        seqs,
        (1..=EVENTS).collect::<Vec<_>>(),
        "every event delivered"
    );
}
