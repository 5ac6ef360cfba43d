//! Real processes killed with SIGKILL while they write: the state stays loadable and the
//! next launch ends the dead session with `abnormal_termination`.
//!
//! The test binary runs itself as the child (`child_workload`, ignored unless invoked with
//! its environment variable). The child logs every notification to `events.log` with a
//! plain `write` (which survives SIGKILL), records, sets attributes and ends sessions in a
//! tight loop with a 5 ms persist interval, so kills land during writes.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otel_sessions_engine::*;
use otel_sessions_test_support::child;

const ENV_DIR: &str = "OTEL_SESSIONS_KILL_CHILD_DIR";

struct FileLog(Mutex<fs::File>);

impl FileLog {
    fn open(dir: &Path) -> Arc<Self> {
        let f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("events.log"))
            .unwrap();
        Arc::new(FileLog(Mutex::new(f)))
    }
    fn line(&self, s: &str) {
        let mut f = self.0.lock().unwrap();
        f.write_all(format!("{s}\n").as_bytes()).unwrap();
    }
}

impl SessionObserver for FileLog {
    fn on_session_started(&self, e: &SessionStarted) {
        let prev = e
            .session
            .previous_id
            .map(|p| p.to_string())
            .unwrap_or_default();
        self.line(&format!("start {} {} {prev}", e.session.id, e.replayed));
    }
    fn on_session_ended(&self, e: &SessionEnded) {
        self.line(&format!(
            "end {} {} {} {}",
            e.session.id,
            e.replayed,
            e.reason.as_str(),
            e.record_count
        ));
    }
}

fn launch(dir: &Path, log: Arc<FileLog>) -> Engine {
    let engine = Engine::builder(dir)
        .observer(log.clone())
        .persist_interval(Duration::from_millis(5))
        .build()
        .unwrap();
    log.line(&format!("launched {:?}", engine.launch_outcome()));
    engine
}

#[test]
#[ignore = "child process entry point for sigkill_at_random_moments_never_loses_a_session_end"]
fn child_workload() {
    let Ok(dir) = std::env::var(ENV_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let log = FileLog::open(&dir);
    log.line("launch");
    let engine = launch(&dir, log);
    let mut i: u64 = 0;
    loop {
        i += 1;
        engine.record();
        engine
            .set_attribute("loop.i", AttributeValue::Int(i as i64))
            .unwrap();
        if i % 50 == 0 {
            engine.end();
        }
        if i % 200 == 0 {
            engine.persist().unwrap();
        }
    }
}

/// Waits until child `n` (counting from 0) has written its "launch" line and, after it,
/// `then` (empty: nothing more).
fn wait_for_child(dir: &Path, n: usize, then: &str, child: &mut std::process::Child) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let text = fs::read_to_string(dir.join("events.log")).unwrap_or_default();
        if text
            .split("launch\n")
            .nth(n + 1)
            .is_some_and(|seg| seg.contains(then))
        {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("child {n} exited before launching: {status}");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "child {n} did not start within 60 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn sigkill_at_random_moments_never_loses_a_session_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let iterations = 40;
    for n in 0..iterations {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = child("child_workload")
            .env(ENV_DIR, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a random moment after the child has started running (starting a test
        // binary takes from a few to hundreds of ms on a loaded machine, so a fixed delay
        // from spawn sometimes killed it before its first line): every other child while it
        // may still be loading its state, the rest once they have rotated a session in their
        // loop (an end of their own, not a replay), so that at least half the kills land
        // mid-work whatever the machine's speed.
        let then = if n % 2 == 0 { " false manual " } else { "" };
        wait_for_child(dir.path(), n, then, &mut child);
        std::thread::sleep(Duration::from_millis(seed % 60));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }

    // The final launch, in this process: it must end the last child's session.
    let log = FileLog::open(dir.path());
    log.line("launch");
    let engine = launch(dir.path(), log);
    engine.shutdown();

    let text = fs::read_to_string(dir.path().join("events.log")).unwrap();
    assert!(text.starts_with("launch\n"), "the log starts with a launch");
    // A segment may be empty: a child killed right after its "launch" line.
    let segments: Vec<&str> = text.split("launch\n").skip(1).collect();
    assert_eq!(segments.len(), iterations + 1, "every child got to launch");
    let mut open: Option<String> = None;
    let mut started = std::collections::HashSet::new();
    let mut ended = std::collections::HashSet::new();
    let (mut abnormal, mut owed, mut starts, mut replays) = (0, 0, 0, 0);
    for (n, seg) in segments.iter().enumerate() {
        assert!(
            !seg.contains("RecoveredCorruptState"),
            "state never corrupt: {seg}"
        );
        let mut first_own_event = true;
        for line in seg.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            let (kind, id, replayed) = match f[0] {
                "start" | "end" => (f[0], f[1].to_owned(), f[2] == "true"),
                _ => continue,
            };
            if replayed {
                replays += 1;
                // At least once: a replay of what was already handled is ignored.
                let seen = if kind == "start" { &started } else { &ended };
                if seen.contains(&id) {
                    continue;
                }
            }
            // A launch that got as far as its own events and found the killed session
            // open (replays of undelivered events come first) owes it an abnormal end.
            if !replayed && first_own_event && n > 0 && open.is_some() {
                owed += 1;
            }
            if kind == "start" {
                assert!(open.is_none(), "segment {n}: start while {open:?} open");
                assert!(
                    started.insert(id.clone()),
                    "segment {n}: second start of {id}"
                );
                open = Some(id);
                starts += 1;
            } else {
                assert_eq!(open.as_deref(), Some(id.as_str()), "segment {n}: '{line}'");
                assert!(ended.insert(id.clone()), "segment {n}: second end of {id}");
                open = None;
                if !replayed && first_own_event && n > 0 {
                    assert_eq!(f[3], "abnormal_termination", "segment {n}: {line}");
                    abnormal += 1;
                }
            }
            if !replayed {
                first_own_event = false;
            }
        }
    }
    assert_eq!(
        started.len(),
        ended.len() + 1,
        "every start but the current one has its end"
    );
    eprintln!("{iterations} kills: {starts} sessions, {abnormal} abnormal terminations, {replays} replayed events");
    assert_eq!(
        abnormal, owed,
        "every launch that found a killed session ended it as abnormal_termination"
    );
    // Most kills land mid-work (not while the child loads), or the test proves little.
    assert!(
        abnormal >= iterations / 2,
        "{abnormal} abnormal terminations for {iterations} kills"
    );
    assert!(
        starts > iterations,
        "sessions rotated inside the children too ({starts} starts)"
    );
}
