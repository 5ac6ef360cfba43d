//! Real processes SIGKILLed while recording and while uploading, then relaunched on the
//! same storage: every record that was on disk before the kill arrives (duplicates allowed).
//!
//! The child (this test binary, running the ignored `child_records`) records events in a loop
//! (at most [`MAX_PER_LAUNCH`], then it only uploads until it is killed); every 25 events it
//! writes them to disk (`write_to_disk`) and then appends "<session> <count>" to
//! `durable.log`, in one write: records 1..=count of that session are durable, and must arrive.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

mod common;
use common::*;

use otel_sessions_test_support::{child, slowdown};
use otlp_receiver::{Fault, Receiver};

const ENV_DIR: &str = "OTEL_SESSIONS_TELEMETRY_CHILD_DIR";
const ENV_ENDPOINT: &str = "OTEL_SESSIONS_TELEMETRY_CHILD_ENDPOINT";
/// Records a launch makes at most, then it only uploads until it is killed. Without a bound,
/// the emulator's longer kill delays let the launches record over half a million records,
/// past the outbox cap: the oldest requests were evicted (by design, and counted), which this
/// test then reported as lost. Natively a launch is killed before it gets this far.
const MAX_PER_LAUNCH: u64 = 10_000;
/// The storage cap of every launch: far above what the launches can record (about 200 bytes
/// a record), so that nothing is evicted and every durable record must arrive.
const CAP_BYTES: u64 = 1024 * 1024 * 1024;

fn kill_config(
    dir: &std::path::Path,
    endpoint: String,
) -> otel_sessions_telemetry::TelemetryConfig {
    let mut c = config(dir, Some(endpoint));
    c.max_queue_bytes = CAP_BYTES;
    c
}

#[test]
#[ignore = "child process entry point for sigkill_while_recording_and_uploading_loses_nothing_durable"]
fn child_records() {
    let (Ok(dir), Ok(endpoint)) = (std::env::var(ENV_DIR), std::env::var(ENV_ENDPOINT)) else {
        return;
    };
    let dir = PathBuf::from(dir);
    // Tells the parent this child is running (its kill timing starts now, not at spawn).
    let mut launches = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("launches.log"))
        .unwrap();
    writeln!(launches, "launch").unwrap();
    let t = start(kill_config(&dir, endpoint));
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("durable.log"))
        .unwrap();
    // Single-threaded and in the foreground: this session's records are numbered 1, 2, …
    // in the order of these calls (session events take no number).
    let (mut i, mut in_session) = (0u64, 0u64);
    while i < MAX_PER_LAUNCH {
        i += 1;
        t.record_event("tick", &[]).unwrap();
        in_session += 1;
        if i % 25 == 0 {
            t.write_to_disk();
            // One write(2) per line, on a file opened for appending: a kill lands before it or
            // after it, never inside. (`writeln!` writes each formatted piece separately, so a
            // kill between the id and the rest once left a bare id, and the next launch's line
            // continued it: a made-up session "durable up to 25" that never existed.)
            let line = format!("{} {in_session}\n", t.engine().current().id);
            log.write_all(line.as_bytes()).unwrap();
        }
        if i % 400 == 0 {
            t.engine().end();
            in_session = 0;
        }
    }
    loop {
        std::thread::sleep(Duration::from_millis(10)); // uploading, until the kill
    }
}

/// Waits until `launches.log` holds `count` lines (child `count` is running).
fn wait_for_launch(dir: &std::path::Path, count: usize, child: &mut std::process::Child) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(dir.join("launches.log")).unwrap_or_default();
        if text.lines().count() >= count {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("child {count} exited before launching: {status}");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "child {count} did not start within 60 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn sigkill_while_recording_and_uploading_loses_nothing_durable() {
    let rx = Receiver::start().unwrap();
    // A slow, flaky backend, so kills also land in the middle of uploads.
    rx.set_default(Fault::Delay(Duration::from_millis(15), Box::new(Fault::Ok)));
    rx.push_faults((0..30).map(|i| {
        if i % 3 == 0 {
            Fault::Status(503)
        } else {
            Fault::Reset
        }
    }));
    let dir = tempfile::tempdir().unwrap();
    let kills = 12;
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for n in 0..kills {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = child("child_records")
            .env(ENV_DIR, dir.path())
            .env(ENV_ENDPOINT, rx.endpoint())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a random moment after the child has started running: starting a test
        // binary takes anywhere from a few to hundreds of ms on a loaded machine, so a
        // fixed delay from spawn could kill children before they recorded anything.
        wait_for_launch(dir.path(), n + 1, &mut child);
        // Under an emulator the child needs that much longer to record anything.
        std::thread::sleep(Duration::from_millis(150 + seed % 250) * slowdown());
        child.kill().unwrap();
        child.wait().unwrap();
    }
    // The relaunch delivers what the dead processes left on disk.
    let t = start(kill_config(dir.path(), rx.endpoint()));
    t.flush(*WAIT).unwrap();
    // Nothing may have been evicted (the cap is far above what was recorded): an eviction
    // would make a durable record missing by design, not by a kill.
    let received = rx.received();
    let evicted: i64 = received
        .logs
        .iter()
        .filter_map(|l| {
            l.attr(otel_sessions_telemetry::names::OUTBOX_EVICTED_FILES)?
                .as_i64()
        })
        .sum::<i64>()
        + t.stats().evicted_requests as i64;
    assert_eq!(
        evicted, 0,
        "outbox requests were evicted: the launches recorded past the cap"
    );

    let log = std::fs::read_to_string(dir.path().join("durable.log")).unwrap();
    let mut durable: BTreeMap<String, i64> = BTreeMap::new();
    for line in log.lines() {
        // Every line is whole (one write each): anything else is a defect of this test.
        let parsed = line
            .split_once(' ')
            .filter(|(id, _)| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|(id, seq)| Some((id, seq.parse::<i64>().ok()?)));
        let Some((id, seq)) = parsed else {
            panic!("durable.log: malformed line {line:?} (expected \"<session id> <count>\")");
        };
        let e = durable.entry(id.to_owned()).or_default();
        *e = (*e).max(seq);
    }
    assert!(durable.len() >= 2, "several sessions recorded: {durable:?}");
    let got = seqs_by_session(&received);
    let (mut expected, mut received, mut duplicates) = (0, 0, 0);
    for (id, &upto) in &durable {
        let seqs = got.get(id).cloned().unwrap_or_default();
        let mut unique = seqs.clone();
        unique.dedup();
        duplicates += seqs.len() - unique.len();
        let missing: Vec<i64> = (1..=upto)
            .filter(|s| unique.binary_search(s).is_err())
            .collect();
        if !missing.is_empty() {
            // Kept for a post-mortem: durable.log, the journal, the outbox, the state file.
            let kept = dir.keep();
            panic!(
                "session {id}: durable up to {upto}, missing {missing:?}; received of it: {seqs:?}; storage kept at {}",
                kept.display()
            );
        }
        expected += upto;
        received += unique.len() as i64;
    }
    eprintln!(
        "{kills} kills: {expected} durable records expected, {received} distinct received, {duplicates} duplicates"
    );
}
