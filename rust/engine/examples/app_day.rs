//! A simulated app day through the engine's public API, printed as a session timeline:
//! launch, background and return, background timeout, maximum duration, a crash, an OS kill
//! in the background, a sign-out, and an idle evening.
//!
//! Run it with `npm run demo` (or `cargo run -p otel-sessions-engine --example app_day`).
//! Time is simulated with `ManualClock`; the state file is real, and "killing" the app
//! drops the engine without a shutdown, exactly as a dead process would leave it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use otel_sessions_engine::*;

const DAY_START: i64 = 1_767_254_400_000; // 2026-01-01 08:00 UTC
const MIN: i64 = 60_000;

fn hhmm(wall_ms: i64) -> String {
    let mins = (wall_ms / MIN).rem_euclid(24 * 60);
    let day = (wall_ms - DAY_START + 8 * 60 * MIN).div_euclid(24 * 60 * MIN);
    let suffix = if day > 0 {
        format!(" (+{day}d)")
    } else {
        String::new()
    };
    format!("{:02}:{:02}{suffix}", mins / 60, mins % 60)
}

fn short(id: &SessionId) -> String {
    id.as_str()[..8].to_owned()
}

/// Prints starts and ends as they happen, and keeps a summary per session.
#[derive(Default)]
struct Timeline {
    rows: Mutex<BTreeMap<String, (String, String, String, String)>>,
}

impl Timeline {
    /// A start or end delivered again after a kill (at least once): already handled.
    fn replayed(kind: &str, s: &Session) {
        println!(
            "  {:>13}  (replayed {kind} of {}: already handled)",
            "",
            short(&s.id)
        );
    }

    fn row(&self, s: &Session, end: String, why: String) {
        let key = format!("{:020}{}", s.start_time_ms, s.id);
        let row = (short(&s.id), hhmm(s.start_time_ms), end, why);
        self.rows.lock().unwrap().insert(key, row);
    }
}

impl SessionObserver for Timeline {
    fn on_session_started(&self, e: &SessionStarted) {
        let s = &e.session;
        if e.replayed {
            return Self::replayed("start", s);
        }
        let prev = s
            .previous_id
            .map(|p| format!(" (previous {})", short(&p)))
            .unwrap_or_default();
        println!(
            "  {:>13}  session.start  {}{prev}",
            hhmm(s.start_time_ms),
            short(&s.id)
        );
        self.row(s, "(current)".into(), String::new());
    }

    fn on_session_ended(&self, e: &SessionEnded) {
        let s = &e.session;
        if e.replayed {
            return Self::replayed("end", s);
        }
        println!(
            "  {:>13}  session.end    {}  reason={} duration={}m records={}",
            hhmm(e.end_time_ms),
            short(&s.id),
            e.reason.as_str(),
            e.duration_ms / MIN,
            e.record_count
        );
        let why = format!("{} ({} records)", e.reason.as_str(), e.record_count);
        self.row(s, hhmm(e.end_time_ms), why);
    }
}

struct App {
    dir: std::path::PathBuf,
    clock: Arc<ManualClock>,
    timeline: Arc<Timeline>,
}

impl App {
    fn launch(&self, note: &str) -> Engine {
        self.say(note);
        let engine = Engine::builder(&self.dir)
            .clock(self.clock.clone())
            .observer(self.timeline.clone())
            .timer(false) // simulated time: expiry is checked on every call instead
            .build()
            .expect("storage directory is writable");
        println!("  {:>13}  launch: {:?}", "", engine.launch_outcome());
        engine
    }

    fn say(&self, what: &str) {
        println!("{:>15}  -- {what}", hhmm(self.clock.now().wall_ms));
    }

    fn use_app(&self, engine: &Engine, minutes: i64) {
        for _ in 0..minutes {
            self.clock.advance(MIN);
            engine.record(); // e.g. a span or log per minute of use
                             // A real engine's timer saves lazy changes within 1 s; simulated time skips
                             // the timer, so save once per simulated minute instead.
            engine.persist().expect("state saved");
        }
    }

    fn idle(&self, minutes: i64) {
        self.clock.advance(minutes * MIN);
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("otel-sessions-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let app = App {
        dir: dir.clone(),
        clock: Arc::new(ManualClock::new(DAY_START)),
        timeline: Arc::new(Timeline::default()),
    };
    println!("A simulated app day (defaults: 15 min background timeout, 4 h maximum)\n");

    let engine = app.launch("first launch of the app");
    app.use_app(&engine, 20);
    app.say("user switches to another app");
    engine.background();
    app.idle(5);
    app.say("user comes back after 5 min: same session");
    engine.foreground();
    app.use_app(&engine, 35);
    app.say("user leaves for 30 min");
    engine.background();
    app.idle(30);
    app.say("user comes back: the background timeout ended the session at 09:00");
    engine.foreground();
    engine
        .set_attribute("app.user_tier", AttributeValue::String("gold".into()))
        .expect("valid attribute");
    app.say("4 h of continuous use (navigation app)");
    app.use_app(&engine, 250);
    app.say("the app crashes in the foreground");
    std::mem::forget(engine); // no shutdown, no final save: what a crash leaves
    app.idle(2);

    let engine = app.launch("relaunch after the crash");
    app.use_app(&engine, 30);
    app.say("user leaves; later the OS kills the app in the background");
    engine.background();
    std::mem::forget(engine);
    app.idle(10);

    let engine = app.launch("relaunch 10 min later: the session resumes");
    app.use_app(&engine, 60);
    app.say("user signs out: manual end, a fresh session");
    engine.end();
    app.use_app(&engine, 60);
    app.say("user leaves for the evening");
    engine.background();
    app.idle(15);
    engine.poll(); // the timer would do this at 13:?? + 15 min
    app.say(&format!(
        "timeout passed; the next session is pending: id {} known, not started",
        short(&engine.current().id)
    ));
    engine.shutdown();
    drop(engine);
    app.idle((DAY_START + 24 * 60 * MIN - app.clock.now().wall_ms) / MIN);

    let engine = app.launch("next morning: the pending session starts");
    app.use_app(&engine, 5);
    engine.shutdown();

    println!("\nSessions:");
    println!("  {:<10} {:<13} {:<13} end reason", "id", "start", "end");
    for (_, (id, start, end, why)) in app.timeline.rows.lock().unwrap().iter() {
        println!("  {id:<10} {start:<13} {end:<13} {why}");
    }
    println!(
        "\nHistory kept by the engine: {} ended sessions",
        engine.history().len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
