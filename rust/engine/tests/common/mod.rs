//! Shared test helpers: a recording observer and engines on a manual clock.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use otel_sessions_engine::*;

pub const MIN: i64 = 60_000;
pub const HOUR: i64 = 60 * MIN;
pub const DAY: i64 = 24 * HOUR;

/// One notification, as an observer saw it.
#[derive(Debug, Clone)]
pub enum Seen {
    Started(Arc<Session>),
    Ended(SessionEnded),
    Changed(Arc<Session>, Option<Arc<Session>>),
    /// A start or end replayed at launch (delivery is at least once).
    Replay(Box<Seen>),
}

/// Records every notification in order.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<Seen>>);

impl SessionObserver for Recorder {
    fn on_session_started(&self, e: &SessionStarted) {
        self.push(Seen::Started(e.session.clone()), e.replayed);
    }
    fn on_session_ended(&self, e: &SessionEnded) {
        self.push(Seen::Ended(e.clone()), e.replayed);
    }
    fn on_session_changed(&self, cur: &Arc<Session>, prev: Option<&Arc<Session>>) {
        self.0
            .lock()
            .unwrap()
            .push(Seen::Changed(cur.clone(), prev.cloned()));
    }
}

impl Recorder {
    fn push(&self, seen: Seen, replayed: bool) {
        let seen = if replayed {
            Seen::Replay(Box::new(seen))
        } else {
            seen
        };
        self.0.lock().unwrap().push(seen);
    }
    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
    pub fn starts(&self) -> Vec<Arc<Session>> {
        self.all()
            .into_iter()
            .filter_map(|s| match s {
                Seen::Started(s) => Some(s),
                _ => None,
            })
            .collect()
    }
    pub fn ends(&self) -> Vec<SessionEnded> {
        self.all()
            .into_iter()
            .filter_map(|s| match s {
                Seen::Ended(e) => Some(e),
                _ => None,
            })
            .collect()
    }
    /// Only the start and end events, as compact strings: "start <id8>", "end <id8> <reason>".
    pub fn lifecycle(&self) -> Vec<String> {
        self.all()
            .into_iter()
            .filter_map(|s| match s {
                Seen::Started(s) => Some(format!("start {}", &s.id.as_str()[..8])),
                Seen::Ended(e) => Some(format!(
                    "end {} {}",
                    &e.session.id.as_str()[..8],
                    e.reason.as_str()
                )),
                Seen::Changed(..) | Seen::Replay(_) => None,
            })
            .collect()
    }
}

/// A test world: a storage directory and a manual clock that outlive engines.
pub struct World {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub policy: SessionPolicy,
}

pub const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

impl World {
    pub fn new(policy: SessionPolicy) -> Self {
        World {
            dir: tempfile::tempdir().unwrap(),
            clock: Arc::new(ManualClock::new(T0)),
            policy,
        }
    }

    pub fn default_policy() -> Self {
        Self::new(SessionPolicy::default())
    }

    pub fn builder(&self) -> EngineBuilder {
        Engine::builder(self.dir.path())
            .policy(self.policy.clone())
            .clock(self.clock.clone())
            .timer(false)
    }

    /// Builds an engine with a recorder registered before the launch.
    pub fn launch(&self) -> (Engine, Arc<Recorder>) {
        self.launch_with(|b| b)
    }

    pub fn launch_with(
        &self,
        f: impl FnOnce(EngineBuilder) -> EngineBuilder,
    ) -> (Engine, Arc<Recorder>) {
        let rec = Arc::new(Recorder::default());
        let engine = f(self.builder()).observer(rec.clone()).build().unwrap();
        (engine, rec)
    }

    pub fn advance(&self, ms: i64) {
        self.clock.advance(ms);
    }
}

/// Simulates a process killed with SIGKILL: no shutdown, no final save.
/// (Engines built by `World` have no timer thread, so nothing writes after this.)
pub fn kill(engine: Engine) {
    std::mem::forget(engine);
}

pub fn ms(d: i64) -> Duration {
    Duration::from_millis(d as u64)
}

pub fn policy() -> SessionPolicyBuilder {
    SessionPolicy::builder()
}
