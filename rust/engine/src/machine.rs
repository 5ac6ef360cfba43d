//! The session state machine: pure logic over clock readings, no I/O and no threads.
//! [`crate::Engine`] wraps it with a lock, persistence, a timer and observers.
//!
//! Every operation first checks expiry (so a frozen timer never keeps a session alive),
//! then applies itself, and records what happened in [`Effects`].

use std::collections::VecDeque;
use std::sync::Arc;

use crate::app_state::AppState;
use crate::attributes::{insert_checked, AttributeError, AttributeValue, Attributes};
use crate::clock::Timestamp;
use crate::events::{EndReason, SessionEnded, SessionStarted};
use crate::history::SessionRecord;
use crate::policy::SessionPolicy;
use crate::session::Session;
use crate::session_id::{random_unit, SessionId};

/// The current session with the bookkeeping that is not part of its public snapshot.
/// All `*_mono` fields are on the current boot's monotonic time line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LiveSession {
    pub snapshot: Arc<Session>,
    pub start_mono: i64,
    pub last_activity_mono: i64,
    pub record_count: u64,
    pub dropped_count: u64,
}

/// A notification for observers, in the order it happened. Starts and ends carry an
/// event number: they stay in the saved state until acknowledged after delivery.
#[derive(Debug, Clone)]
pub(crate) enum Note {
    Started(u64, SessionStarted),
    Ended(u64, SessionEnded),
    Changed(Arc<Session>, Option<Arc<Session>>),
}

impl Note {
    /// The event number of a start or end.
    pub fn event_no(&self) -> Option<u64> {
        match self {
            Note::Started(n, _) | Note::Ended(n, _) => Some(*n),
            Note::Changed(..) => None,
        }
    }

    fn replayed(&self) -> Note {
        let mut n = self.clone();
        match &mut n {
            Note::Started(_, e) => e.replayed = true,
            Note::Ended(_, e) => e.replayed = true,
            Note::Changed(..) => {}
        }
        n
    }
}

/// Most unacknowledged starts and ends kept (a stuck observer cannot grow the state).
const MAX_UNACKED: usize = 32;

/// Largest record, dropped or event count: 2^53 - 1, exact as a JavaScript number and within
/// OTLP's i64. Counts stop there (unreachable in practice); a stored state above it is corrupt.
pub(crate) const MAX_COUNT: u64 = (1 << 53) - 1;

/// What an operation did.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    pub notes: Vec<Note>,
    /// The state changed and must be persisted before `notes` are delivered.
    pub urgent: bool,
    /// The state changed; persisting it soon is enough.
    pub dirty: bool,
}

/// The state the engine keeps, in memory and (through the codec) on disk.
#[derive(Debug, Clone)]
pub(crate) struct Machine {
    pub policy: SessionPolicy,
    pub initial_attributes: Attributes,
    pub app_state: AppState,
    pub background_since_mono: Option<i64>,
    pub live: LiveSession,
    pub history: VecDeque<SessionRecord>,
    /// Starts and ends not yet handled by every observer, oldest first.
    pub unacked: VecDeque<Note>,
    pub next_event: u64,
}

/// A stored state as loaded from disk, already moved onto the current boot's time line.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub clean_exit: bool,
    pub app_state: AppState,
    pub background_since_mono: Option<i64>,
    pub live: LiveSession,
    pub history: VecDeque<SessionRecord>,
    pub unacked: VecDeque<Note>,
    pub next_event: u64,
    /// The last moment the previous process is known to have been alive.
    pub saved_mono: i64,
}

impl Machine {
    /// The state at a launch: resumes or ends the stored session and starts a new one.
    pub fn launch(
        policy: SessionPolicy,
        initial_attributes: Attributes,
        app_state: AppState,
        stored: Option<Stored>,
        now: Timestamp,
        fx: &mut Effects,
    ) -> Machine {
        fx.urgent = true;
        let Some(stored) = stored else {
            let live = new_live(&policy, None, initial_attributes.clone(), now, false);
            let mut m = Machine {
                policy,
                initial_attributes,
                app_state,
                background_since_mono: None,
                live,
                history: VecDeque::new(),
                unacked: VecDeque::new(),
                next_event: 1,
            };
            m.emit_started(fx);
            fx.notes.push(Note::Changed(m.live.snapshot.clone(), None));
            m.enter_launch_app_state(app_state, now);
            return m;
        };

        let facts = LaunchFacts {
            clean_exit: stored.clean_exit,
            saved_mono: stored.saved_mono,
        };
        let mut m = Machine {
            policy,
            initial_attributes,
            app_state: stored.app_state,
            background_since_mono: stored.background_since_mono,
            live: stored.live,
            history: stored.history,
            unacked: stored.unacked,
            next_event: stored.next_event,
        };
        // What the previous process may not have delivered comes first.
        fx.notes.extend(m.unacked.iter().map(Note::replayed));
        while m.history.len() > m.policy.history_limit {
            m.history.pop_front();
        }
        if m.live.snapshot.pending {
            m.activate(now, fx);
        } else if let Some(reason) = m.launch_end_reason(&facts, now) {
            let end_mono = m.end_mono_for(reason, now);
            let attrs = m.initial_attributes.clone();
            m.rotate(reason, end_mono, attrs, now, false, fx);
        }
        m.enter_launch_app_state(app_state, now);
        m
    }

    /// Why the stored session cannot continue in this launch, or `None` to resume it.
    fn launch_end_reason(&self, facts: &LaunchFacts, now: Timestamp) -> Option<EndReason> {
        let deadline = self.deadline();
        if let Some((at, reason)) = deadline {
            if at <= facts.saved_mono {
                // It expired while the old process still lived, unnoticed (frozen timer).
                return Some(reason);
            }
        }
        if !facts.clean_exit && self.app_state == AppState::Foreground {
            return Some(EndReason::AbnormalTermination);
        }
        if let Some((at, reason)) = deadline {
            if now.mono_ms >= at {
                return Some(reason);
            }
        }
        if !self.policy.resume_across_launches {
            return Some(EndReason::Relaunch);
        }
        None
    }

    fn enter_launch_app_state(&mut self, app_state: AppState, now: Timestamp) {
        match app_state {
            AppState::Foreground => {
                self.app_state = AppState::Foreground;
                self.background_since_mono = None;
                self.live.last_activity_mono = self.live.last_activity_mono.max(now.mono_ms);
            }
            AppState::Background => {
                if self.app_state != AppState::Background || self.background_since_mono.is_none() {
                    self.background_since_mono = Some(now.mono_ms);
                }
                self.app_state = AppState::Background;
            }
        }
    }

    /// The earliest moment (monotonic ms) the current session expires, and why.
    /// `None` for a pending session, which cannot expire.
    pub fn deadline(&self) -> Option<(i64, EndReason)> {
        if self.live.snapshot.pending {
            return None;
        }
        let p = &self.policy;
        let mut best = (
            self.live.start_mono.saturating_add(p.max_duration_ms),
            EndReason::MaxDuration,
        );
        let mut consider = |at: i64, reason| {
            if at < best.0 {
                best = (at, reason);
            }
        };
        if let Some(t) = p.inactivity_timeout_ms {
            consider(
                self.live.last_activity_mono.saturating_add(t),
                EndReason::Inactivity,
            );
        }
        if let (AppState::Background, Some(since)) = (self.app_state, self.background_since_mono) {
            // Time in the background without activity: background work that records
            // telemetry keeps the session, and a session started in the background counts
            // from its start.
            let idle_from = since.max(self.live.last_activity_mono);
            consider(
                idle_from.saturating_add(p.background_timeout_ms),
                EndReason::BackgroundTimeout,
            );
        }
        Some(best)
    }

    /// Ends the current session if it has expired; its successor is pending.
    pub fn check(&mut self, now: Timestamp, fx: &mut Effects) {
        if let Some((at, reason)) = self.deadline() {
            if now.mono_ms >= at {
                let end_mono = self.end_mono_for(reason, now);
                let attrs = self.live.snapshot.attributes.clone();
                self.rotate(reason, end_mono, attrs, now, true, fx);
            }
        }
    }

    /// The current session, after the expiry check. Reading is not activity.
    pub fn current(&mut self, now: Timestamp, fx: &mut Effects) -> Arc<Session> {
        self.check(now, fx);
        self.live.snapshot.clone()
    }

    /// Activity: starts a pending session and pushes the inactivity deadline back.
    pub fn touch(&mut self, now: Timestamp, fx: &mut Effects) {
        self.check(now, fx);
        if self.live.snapshot.pending {
            self.activate(now, fx);
        }
        self.live.last_activity_mono = self.live.last_activity_mono.max(now.mono_ms);
        fx.dirty = true;
    }

    /// Activity that produced a record: returns the session and the record's sequence
    /// number (1, 2, 3, … within the session, without gaps).
    pub fn record(&mut self, now: Timestamp, fx: &mut Effects) -> (Arc<Session>, u64) {
        self.record_n(1, now, fx)
    }

    /// Activity that produced `n` records (n ≥ 1): the session and the first of `n`
    /// consecutive sequence numbers.
    pub fn record_n(&mut self, n: u64, now: Timestamp, fx: &mut Effects) -> (Arc<Session>, u64) {
        self.touch(now, fx);
        let first = (self.live.record_count + 1).min(MAX_COUNT);
        self.live.record_count = (self.live.record_count + n.max(1)).min(MAX_COUNT);
        (self.live.snapshot.clone(), first)
    }

    /// The app came to the foreground: expiry is checked with the background time
    /// counted, then this is activity.
    pub fn foreground(&mut self, now: Timestamp, fx: &mut Effects) {
        self.check(now, fx);
        if self.app_state != AppState::Foreground {
            self.app_state = AppState::Foreground;
            self.background_since_mono = None;
            fx.urgent = true;
        }
        self.touch(now, fx);
    }

    /// The app went to the background. The moment the user left is the session's last
    /// activity; a pending session stays pending.
    pub fn background(&mut self, now: Timestamp, fx: &mut Effects) {
        self.check(now, fx);
        if self.app_state == AppState::Background {
            return;
        }
        self.app_state = AppState::Background;
        self.background_since_mono = Some(now.mono_ms);
        if !self.live.snapshot.pending {
            self.live.last_activity_mono = self.live.last_activity_mono.max(now.mono_ms);
        }
        fx.urgent = true;
    }

    /// Ends the current session (reason `manual`) and starts a new one at once with the
    /// initial attributes. A pending session was never started, so it is replaced without
    /// a `session.end`.
    pub fn end_manual(&mut self, now: Timestamp, fx: &mut Effects) -> Arc<Session> {
        self.check(now, fx);
        let attrs = self.initial_attributes.clone();
        if self.live.snapshot.pending {
            let old = self.live.snapshot.clone();
            self.live = new_live(&self.policy, old.previous_id, attrs, now, false);
            self.emit_started(fx);
            fx.notes
                .push(Note::Changed(self.live.snapshot.clone(), Some(old)));
            fx.urgent = true;
        } else {
            self.rotate(EndReason::Manual, now.mono_ms, attrs, now, false, fx);
        }
        self.live.snapshot.clone()
    }

    /// Sets one attribute on the current session (not activity).
    pub fn set_attribute(
        &mut self,
        key: &str,
        value: AttributeValue,
        now: Timestamp,
        fx: &mut Effects,
    ) -> Result<(), AttributeError> {
        self.check(now, fx);
        if self.live.snapshot.attributes.get(key) == Some(&value) {
            return crate::attributes::validate(key, &value);
        }
        let mut attrs = self.live.snapshot.attributes.clone();
        insert_checked(&mut attrs, key, value)?;
        self.update_snapshot(fx, |s| s.attributes = attrs);
        Ok(())
    }

    /// Removes one attribute; `Ok(false)` when it was not set.
    pub fn remove_attribute(
        &mut self,
        key: &str,
        now: Timestamp,
        fx: &mut Effects,
    ) -> Result<bool, AttributeError> {
        crate::attributes::validate_key(key)?;
        self.check(now, fx);
        if !self.live.snapshot.attributes.contains_key(key) {
            return Ok(false);
        }
        let mut attrs = self.live.snapshot.attributes.clone();
        attrs.remove(key);
        self.update_snapshot(fx, |s| s.attributes = attrs);
        Ok(true)
    }

    /// Marks the current session sampled (error upsampling). `true` if it changed.
    pub fn mark_sampled(&mut self, now: Timestamp, fx: &mut Effects) -> bool {
        self.check(now, fx);
        if self.live.snapshot.sampled {
            return false;
        }
        self.update_snapshot(fx, |s| s.sampled = true);
        true
    }

    /// Counts `n` dropped records against `session` if it is still current.
    pub fn add_dropped(&mut self, session: &SessionId, n: u64, fx: &mut Effects) -> bool {
        if self.live.snapshot.id != *session || n == 0 {
            return false;
        }
        self.live.dropped_count = self.live.dropped_count.saturating_add(n).min(MAX_COUNT);
        fx.dirty = true;
        true
    }

    /// Erases ("delete my data"): the history, the starts and ends not yet handled, and the
    /// current session, replaced by a fresh one with the initial attributes that links to
    /// nothing (`previous_id` is `None`). The erased session gets no `session.end`. Expiry is
    /// not checked first: the caller has settled it (and disposed of its events).
    pub fn erase(&mut self, now: Timestamp, fx: &mut Effects) -> Arc<Session> {
        let old = self.live.snapshot.clone();
        self.history.clear();
        self.unacked.clear();
        let attrs = self.initial_attributes.clone();
        self.live = new_live(&self.policy, None, attrs, now, false);
        self.emit_started(fx);
        fx.notes
            .push(Note::Changed(self.live.snapshot.clone(), Some(old)));
        fx.urgent = true;
        self.live.snapshot.clone()
    }

    /// Forgets the ended sessions (saved at once).
    pub fn clear_history(&mut self, fx: &mut Effects) {
        self.history.clear();
        fx.urgent = true;
    }

    /// Marks starts and ends up to `event_no` as handled by every observer.
    pub fn ack(&mut self, event_no: u64, fx: &mut Effects) {
        let before = self.unacked.len();
        self.unacked
            .retain(|n| n.event_no().is_some_and(|k| k > event_no));
        if self.unacked.len() != before {
            fx.dirty = true;
        }
    }

    fn emit_started(&mut self, fx: &mut Effects) {
        let session = self.live.snapshot.clone();
        self.emit(
            |n| {
                Note::Started(
                    n,
                    SessionStarted {
                        session,
                        replayed: false,
                    },
                )
            },
            fx,
        );
    }

    fn emit(&mut self, make: impl FnOnce(u64) -> Note, fx: &mut Effects) {
        let note = make(self.next_event);
        self.next_event = (self.next_event + 1).min(MAX_COUNT);
        self.unacked.push_back(note.clone());
        while self.unacked.len() > MAX_UNACKED {
            self.unacked.pop_front();
        }
        fx.notes.push(note);
    }

    fn update_snapshot(&mut self, fx: &mut Effects, change: impl FnOnce(&mut Session)) {
        let old = self.live.snapshot.clone();
        let mut next = (*old).clone();
        change(&mut next);
        self.live.snapshot = Arc::new(next);
        fx.notes
            .push(Note::Changed(self.live.snapshot.clone(), Some(old)));
        fx.dirty = true;
    }

    fn activate(&mut self, now: Timestamp, fx: &mut Effects) {
        let old = self.live.snapshot.clone();
        let mut next = (*old).clone();
        next.pending = false;
        next.start_time_ms = now.wall_ms;
        self.live.snapshot = Arc::new(next);
        self.live.start_mono = now.mono_ms;
        self.live.last_activity_mono = now.mono_ms;
        self.emit_started(fx);
        fx.notes
            .push(Note::Changed(self.live.snapshot.clone(), Some(old)));
        fx.urgent = true;
    }

    /// Where on the monotonic line a session ending for `reason` really ended.
    fn end_mono_for(&self, reason: EndReason, now: Timestamp) -> i64 {
        let live = &self.live;
        let max_end = live.start_mono.saturating_add(self.policy.max_duration_ms);
        let end = match reason {
            EndReason::MaxDuration => max_end,
            EndReason::Manual => now.mono_ms,
            _ => live.last_activity_mono,
        };
        end.clamp(live.start_mono, max_end)
    }

    /// Ends the live session at `end_mono` and replaces it.
    fn rotate(
        &mut self,
        reason: EndReason,
        end_mono: i64,
        successor_attributes: Attributes,
        now: Timestamp,
        successor_pending: bool,
        fx: &mut Effects,
    ) {
        let live = &self.live;
        let duration_ms = end_mono.saturating_sub(live.start_mono);
        let ended = SessionEnded {
            session: live.snapshot.clone(),
            end_time_ms: live.snapshot.start_time_ms.saturating_add(duration_ms),
            duration_ms,
            reason,
            record_count: live.record_count,
            dropped_count: live.dropped_count,
            replayed: false,
        };
        self.history.push_back(SessionRecord::from_ended(&ended));
        while self.history.len() > self.policy.history_limit {
            self.history.pop_front();
        }
        let old = live.snapshot.clone();
        self.emit(|n| Note::Ended(n, ended), fx);
        self.live = new_live(
            &self.policy,
            Some(old.id),
            successor_attributes,
            now,
            successor_pending,
        );
        if !successor_pending {
            self.emit_started(fx);
        }
        fx.notes
            .push(Note::Changed(self.live.snapshot.clone(), Some(old)));
        fx.urgent = true;
    }
}

struct LaunchFacts {
    clean_exit: bool,
    saved_mono: i64,
}

fn new_live(
    policy: &SessionPolicy,
    previous_id: Option<SessionId>,
    attributes: Attributes,
    now: Timestamp,
    pending: bool,
) -> LiveSession {
    let sampled = policy.sample_rate >= 1.0 || random_unit() < policy.sample_rate;
    LiveSession {
        snapshot: Arc::new(Session {
            id: SessionId::random(),
            previous_id,
            start_time_ms: now.wall_ms,
            attributes,
            sampled,
            pending,
        }),
        start_mono: now.mono_ms,
        last_activity_mono: now.mono_ms,
        record_count: 0,
        dropped_count: 0,
    }
}
