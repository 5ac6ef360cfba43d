//! Damaged state files: every one is recovered without a panic, quarantined and counted.

mod common;
use common::*;
use otel_sessions_engine::*;
use std::fs;

const STATE: &str = "session-state.json";

/// A real state file from a session with attributes and history.
fn valid_state(w: &World) -> Vec<u8> {
    let (engine, _) = w.launch();
    engine.end(); // one session in the history
    engine
        .set_attribute("user.tier", AttributeValue::String("gold".into()))
        .unwrap();
    engine
        .set_attribute("n", AttributeValue::DoubleArray(vec![1.5, -2.0]))
        .unwrap();
    engine.record();
    engine.background();
    drop(engine);
    fs::read(w.dir.path().join(STATE)).unwrap()
}

fn relaunch_on(w: &World, bytes: &[u8]) -> (Engine, std::sync::Arc<Recorder>) {
    fs::write(w.dir.path().join(STATE), bytes).unwrap();
    w.launch()
}

#[test]
fn a_state_file_truncated_at_every_byte_offset_is_recovered() {
    let w = World::default_policy();
    let bytes = valid_state(&w);
    assert!(bytes.len() > 300, "a realistic file: {} bytes", bytes.len());
    for cut in 0..bytes.len() {
        let (engine, rec) = relaunch_on(&w, &bytes[..cut]);
        assert!(
            matches!(
                engine.launch_outcome(),
                LaunchOutcome::RecoveredCorruptState(_)
            ),
            "cut at {cut}: {:?}",
            engine.launch_outcome()
        );
        assert_eq!(engine.diagnostics().corrupt_states_recovered, 1);
        assert_eq!(rec.starts().len(), 1, "cut at {cut}: a new session starts");
        assert!(w.dir.path().join("session-state.corrupt.json").exists());
        drop(engine);
    }
    // The intact file still loads.
    let (engine, _) = relaunch_on(&w, &bytes);
    assert_eq!(engine.launch_outcome(), &LaunchOutcome::Resumed);
}

#[test]
fn garbage_bit_flips_and_wrong_types_are_recovered() {
    let w = World::default_policy();
    let bytes = valid_state(&w);
    let mut cases: Vec<Vec<u8>> = vec![
        vec![],
        vec![0u8; 4096],
        b"null".to_vec(),
        b"[]".to_vec(),
        b"{\"format\":\"react-native-otel-sessions/state\",\"version\":2}".to_vec(),
        String::from_utf8_lossy(&bytes)
            .replace("\"version\":1", "\"version\":\"1\"")
            .into_bytes(),
        String::from_utf8_lossy(&bytes)
            .replace("\"app_state\":\"background\"", "\"app_state\":\"sideways\"")
            .into_bytes(),
        (0..10_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect(),
    ];
    // A session id made invalid: uppercase.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let id_at = text.find("\"id\":\"").unwrap() + 6;
    let mut upper = text.clone();
    upper.replace_range(id_at..id_at + 32, &text[id_at..id_at + 32].to_uppercase());
    cases.push(upper.into_bytes());
    for bit in (0..bytes.len() * 8).step_by(7) {
        let mut b = bytes.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        cases.push(b);
    }
    let mut recovered = 0;
    for case in &cases {
        let (engine, rec) = relaunch_on(&w, case);
        // A flipped bit inside a string or digit may still decode to a valid state.
        if matches!(
            engine.launch_outcome(),
            LaunchOutcome::RecoveredCorruptState(_)
        ) {
            recovered += 1;
        }
        assert_eq!(
            rec.starts().len() + usize::from(engine.launch_outcome() == &LaunchOutcome::Resumed),
            1
        );
        let id = engine.current().id;
        assert_eq!(id.as_str().len(), 32);
    }
    assert!(
        recovered >= 9,
        "every structural case is detected ({recovered})"
    );
}

#[test]
fn a_directory_in_place_of_the_state_file_is_recovered() {
    let w = World::default_policy();
    fs::create_dir_all(w.dir.path().join(STATE).join("nested")).unwrap();
    let (engine, rec) = w.launch();
    assert!(matches!(
        engine.launch_outcome(),
        LaunchOutcome::RecoveredCorruptState(_)
    ));
    assert_eq!(rec.starts().len(), 1);
    engine.end();
    assert!(
        w.dir.path().join(STATE).is_file(),
        "the next save took its place"
    );
}

#[test]
fn unknown_or_oversized_attributes_are_dropped_and_the_session_kept() {
    let w = World::default_policy();
    let bytes = valid_state(&w);
    let text = String::from_utf8_lossy(&bytes).replace(
        "\"attributes\":{",
        &format!("\"attributes\":{{\"session.id\":{{\"string\":\"x\"}},\"weird\":{{\"blob\":1}},\"big\":{{\"string\":\"{}\"}},", "v".repeat(5000)),
    );
    let (engine, _) = relaunch_on(&w, text.as_bytes());
    assert_eq!(engine.launch_outcome(), &LaunchOutcome::Resumed);
    let attrs = &engine.current().attributes;
    assert_eq!(attrs.keys().collect::<Vec<_>>(), vec!["n", "user.tier"]);
}

#[test]
fn an_unusable_storage_directory_is_a_clear_error() {
    let w = World::default_policy();
    let file = w.dir.path().join("not-a-dir");
    fs::write(&file, b"x").unwrap();
    let err = Engine::builder(&file)
        .build()
        .err()
        .expect("a file is not a directory");
    let msg = err.to_string();
    assert!(
        msg.contains("not-a-dir") && msg.contains("writable directory"),
        "{msg}"
    );
}

#[cfg(unix)]
#[test]
fn write_failures_are_counted_and_the_engine_keeps_working_in_memory() {
    use std::os::unix::fs::PermissionsExt;
    if unsafe { libc::geteuid() } == 0 {
        // root ignores permission bits; use a path that cannot be created instead.
        let w = World::default_policy();
        let (engine, _) = w.launch();
        fs::remove_dir_all(w.dir.path()).unwrap();
        fs::write(w.dir.path(), b"now a file").unwrap();
        let before = engine.current().id;
        let after = engine.end();
        assert_ne!(after.id, before);
        let d = engine.diagnostics();
        assert!(d.persist_failures >= 1);
        assert!(d.last_persist_error.unwrap().contains("session-state.json"));
        assert!(engine.persist().is_err());
        fs::remove_file(w.dir.path()).unwrap();
        fs::create_dir(w.dir.path()).unwrap();
        assert!(
            engine.persist().is_ok(),
            "writes resume when the disk is back"
        );
        return;
    }
    let w = World::default_policy();
    let (engine, _) = w.launch();
    fs::set_permissions(w.dir.path(), fs::Permissions::from_mode(0o500)).unwrap();
    engine.end();
    assert!(engine.diagnostics().persist_failures >= 1);
    fs::set_permissions(w.dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    assert!(engine.persist().is_ok());
}
