//! One process per storage directory: a second process is refused without touching anything,
//! and a holder killed with SIGKILL leaves no stale lock.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use otel_sessions_engine::*;
use otel_sessions_test_support::{child, wait_until};

const ENV_DIR: &str = "OTEL_SESSIONS_LOCK_CHILD_DIR";

#[test]
#[ignore = "child process entry point for a_second_process_is_refused_until_the_holder_dies"]
fn lock_holder() {
    let Ok(dir) = std::env::var(ENV_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let engine = Engine::builder(&dir).build().unwrap();
    engine.record();
    engine.persist().unwrap();
    fs::write(dir.join("holder-ready"), engine.current().id.as_str()).unwrap();
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            let bytes = if meta.is_file() {
                fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (
                e.file_name().to_string_lossy().into_owned(),
                (bytes, meta.modified().unwrap()),
            )
        })
        .collect()
}

#[test]
fn a_second_process_is_refused_until_the_holder_dies() {
    let dir = tempfile::tempdir().unwrap();
    let mut holder = child("lock_holder")
        .env(ENV_DIR, dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ready = dir.path().join("holder-ready");
    wait_until(Duration::from_secs(120), "the holder to start", || {
        ready.exists() || holder.try_wait().unwrap().is_some()
    });
    let held_id = fs::read_to_string(&ready).expect("the holder started");
    let before = snapshot(dir.path());

    match Engine::builder(dir.path()).build() {
        Err(EngineError::StorageInUse { path, pid }) => {
            assert_eq!(path, dir.path());
            assert_eq!(pid, Some(holder.id()), "names the holder");
            let text = EngineError::StorageInUse { path, pid }.to_string();
            assert!(text.contains(&dir.path().display().to_string()), "{text}");
            assert!(text.contains("another process"), "{text}");
            assert!(text.contains("storageDir"), "says the fix: {text}");
        }
        other => panic!(
            "expected StorageInUse, got {:?}",
            other.map(|_| "an engine")
        ),
    }
    assert_eq!(
        snapshot(dir.path()),
        before,
        "the refused process wrote nothing"
    );

    holder.kill().unwrap(); // SIGKILL
    holder.wait().unwrap();
    let engine = Engine::builder(dir.path())
        .build()
        .expect("the lock died with its holder");
    assert_eq!(
        engine.launch_outcome(),
        &LaunchOutcome::EndedPrevious(EndReason::AbnormalTermination),
        "the holder's session is handled as after any kill"
    );
    let history = engine.history();
    assert_eq!(
        history.last().map(|r| r.id.as_str().to_owned()),
        Some(held_id)
    );
}

#[test]
fn the_same_process_reopens_after_a_drop_and_a_simulated_kill() {
    let dir = tempfile::tempdir().unwrap();
    let first = Engine::builder(dir.path()).timer(false).build().unwrap();
    drop(first);
    let second = Engine::builder(dir.path()).timer(false).build().unwrap();
    std::mem::forget(second); // a kill simulated in-process keeps its descriptor open
    Engine::builder(dir.path()).timer(false).build().unwrap();
}
